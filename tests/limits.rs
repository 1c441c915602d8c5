//! Azure's limits on generated estates: at each service limit a topology builds, one over it is
//! refused with its code; every template written for an accepted topology, nested ones included,
//! is within every template limit (resources, parameters, outputs, size, deployment names), and
//! the Bicep modules follow the same groups.

mod common;
use aoai_vnet::emit::limits;
use aoai_vnet::{compile, source::SourceFile, Compiled, Target};
use serde_json::Value;
use std::collections::BTreeSet;

/// A topology: `hubs` hubs (each a /16) with `spokes` spokes each (a /24 peered with its hub),
/// `regions` giving each hub's region, and the account's endpoint in the first hub.
struct Estate {
    name: &'static str,
    location: &'static str,
    hubs: usize,
    spokes: usize,
    regions: Vec<&'static str>,
    resource_group: Option<String>,
    extra: &'static str,
}

impl Estate {
    fn new(hubs: usize, spokes: usize) -> Estate {
        Estate {
            name: "big",
            location: "eastus2",
            hubs,
            spokes,
            regions: vec![],
            resource_group: None,
            extra: "",
        }
    }

    fn text(&self) -> String {
        let mut s = format!("name: {}\nlocation: {}\n", self.name, self.location);
        if let Some(rg) = &self.resource_group {
            s.push_str(&format!("resource_group: {rg}\n"));
        }
        s.push_str("vnets:\n");
        for h in 0..self.hubs {
            s.push_str(&format!("  hub{h}:\n    address_space: 10.{h}.0.0/16\n"));
            if let Some(r) = self.regions.get(h) {
                s.push_str(&format!("    location: {r}\n"));
            }
            for i in 0..self.spokes {
                let n = h * self.spokes + i;
                s.push_str(&format!(
                    "  s{h}x{i}: {{ address_space: 10.{}.{}.0/24, peer: hub{h}",
                    16 + n / 256,
                    n % 256
                ));
                if let Some(r) = self.regions.get(h) {
                    s.push_str(&format!(", location: {r}"));
                }
                s.push_str(" }\n");
            }
        }
        s.push_str("openai:\n  private_endpoint: { vnet: hub0 }\n");
        s.push_str(self.extra);
        s
    }
}

fn build(text: &str) -> Result<Compiled, Vec<String>> {
    let (c, diags) = compile(&SourceFile::new("estate.yaml", text.to_string()), Target::All);
    c.ok_or_else(|| {
        diags
            .iter()
            .filter(|d| d.severity == aoai_vnet::diag::Severity::Error)
            .map(|d| format!("{}: {}", d.code, d.message))
            .collect()
    })
}

/// Every template limit, on the written main.json (also its size on disk) and the Bicep modules.
fn assert_within_limits(c: &Compiled, what: &str) -> Value {
    let text = &c.files.iter().find(|f| f.name == "main.json").unwrap().text;
    assert!(
        text.len() <= aoai_vnet::azure::arm::MAX_TEMPLATE_BYTES,
        "{what}: main.json is {} bytes on disk",
        text.len()
    );
    let main: Value = serde_json::from_str(text).unwrap();
    let over = limits::scan(&main);
    assert!(over.is_empty(), "{what}: {over:?}");
    // The Bicep form has one module per nested deployment, with the same names.
    let deployments: BTreeSet<String> = main["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            r["type"] == "Microsoft.Resources/deployments" && r["properties"]["template"]["resources"].is_array()
        })
        .filter(|r| {
            !r["properties"]["template"]["$schema"]
                .as_str()
                .unwrap_or_default()
                .contains("subscriptionDeploymentTemplate")
        })
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect();
    let main_bicep = &c.files.iter().find(|f| f.name == "main.bicep").unwrap().text;
    for d in &deployments {
        assert!(
            main_bicep.contains(&format!("  name: '{d}'\n")),
            "{what}: no module named {d} in main.bicep"
        );
    }
    main
}

fn nested(main: &Value) -> Vec<&Value> {
    main["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["type"] == "Microsoft.Resources/deployments")
        .collect()
}

#[test]
fn a_hub_with_500_spokes_builds_in_chunks_and_501_is_refused() {
    let c = build(&Estate::new(1, 500).text()).unwrap_or_else(|e| panic!("{e:?}"));
    let main = assert_within_limits(&c, "500 spokes");
    // The hub's 1,000 peerings on its side are spread over several nested deployments, none
    // larger than a chunk.
    let mut hub_peering_groups = 0;
    for d in nested(&main) {
        let rs = d["properties"]["template"]["resources"].as_array().unwrap();
        assert!(rs.len() <= 400, "{} holds {}", d["name"], rs.len());
        if rs.iter().any(|r| {
            r["type"] == "Microsoft.Network/virtualNetworks/virtualNetworkPeerings"
                && r["name"].as_str().unwrap().starts_with("vnet-big-hub0/")
        }) {
            hub_peering_groups += 1;
        }
    }
    assert!(
        hub_peering_groups >= 2,
        "the hub's peerings are in {hub_peering_groups} group(s)"
    );
    let peerings_on_hub = c
        .template
        .resources
        .iter()
        .filter(|r| r.rtype.ends_with("virtualNetworkPeerings") && r.parent.as_deref() == Some("vnetHub0"))
        .count();
    assert_eq!(peerings_on_hub, 500);

    let refused = build(&Estate::new(1, 501).text()).expect_err("501 spokes are refused");
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert!(
        refused[0].starts_with("E0801: this is peering 501 of VNet `hub0`"),
        "{refused:?}"
    );
}

#[test]
fn three_hundred_spokes_in_another_region_share_one_location_parameter() {
    let mut e = Estate::new(1, 300);
    e.regions = vec!["westus2"];
    let c = build(&e.text()).unwrap_or_else(|e| panic!("{e:?}"));
    let main = assert_within_limits(&c, "300 spokes in westus2");
    let params: Vec<&String> = main["parameters"].as_object().unwrap().keys().collect();
    assert!(params.len() < 10, "{params:?}");
    assert!(params.iter().any(|p| *p == "westus2Location"), "{params:?}");
}

#[test]
fn long_resource_group_names_give_unique_deployment_names() {
    // Two resource groups whose names share their first 61 characters: cut to 64 after the
    // workload, both deployment names would once have been the same.
    let mut e = Estate::new(1, 200);
    e.name = "contoso-estate-prod-eu-1";
    let long = "a".repeat(59);
    let mut text = e.text();
    text = text.replacen("peer: hub0 }", &format!("peer: hub0, resource_group: rg-{long}2 }}"), 1);
    text = text.replace(
        "openai:\n  private_endpoint: { vnet: hub0 }\n",
        &format!("openai:\n  resource_group: rg-{long}1\n  private_endpoint: {{ vnet: hub0 }}\n"),
    );
    let c = build(&text).unwrap_or_else(|e| panic!("{e:?}"));
    let main = assert_within_limits(&c, "long resource group names");
    let names: Vec<&str> = nested(&main).iter().map(|d| d["name"].as_str().unwrap()).collect();
    assert!(names.len() > 3, "{names:?}");
    let unique: BTreeSet<String> = names.iter().map(|n| n.to_ascii_lowercase()).collect();
    assert_eq!(unique.len(), names.len(), "{names:?}");
    assert!(names.iter().all(|n| n.len() <= 64), "{names:?}");
    // No deployment waits for itself.
    for d in nested(&main) {
        let me = d["name"].as_str().unwrap();
        for dep in d["dependsOn"].as_array().into_iter().flatten() {
            assert!(
                !dep.as_str().unwrap().ends_with(&format!("'{me}')]")),
                "{me} waits for itself"
            );
        }
    }
}

#[test]
fn one_thousand_vnets_in_a_region_build_and_one_more_is_refused() {
    // Four hubs of 249 spokes: 1,000 VNets in eastus2, all linked to the zone (1,000 links).
    let c = build(&Estate::new(4, 249).text()).unwrap_or_else(|e| panic!("{e:?}"));
    let main = assert_within_limits(&c, "1,000 VNets");
    assert_eq!(c.model.vnets.len(), 1000);
    let links = c
        .template
        .resources
        .iter()
        .filter(|r| r.rtype == "Microsoft.Network/privateDnsZones/virtualNetworkLinks")
        .count();
    assert_eq!(links, 1000);
    assert!(!nested(&main).is_empty());

    // One more VNet in the region: refused at that VNet (and the zone would have 1,001 links).
    let mut text = Estate::new(4, 249).text();
    text = text.replace("openai:\n", "  extra: { address_space: 172.16.0.0/24 }\nopenai:\n");
    let refused = build(&text).expect_err("1,001 VNets are refused");
    assert!(
        refused
            .iter()
            .any(|e| e.starts_with("E0803: VNet `extra` is VNet 1001 in eastus2")),
        "{refused:?}"
    );
    assert!(refused.iter().any(|e| e.starts_with("E0802:")), "{refused:?}");

    // The same VNet in another region: the region limit holds; the zone's link limit does not.
    let text = text.replace(
        "extra: { address_space: 172.16.0.0/24 }",
        "extra: { address_space: 172.16.0.0/24, location: westus3 }",
    );
    let refused = build(&text).expect_err("1,001 links are refused");
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert!(
        refused[0].starts_with("E0802: privatelink.openai.azure.com would have 1001 VNet links"),
        "{refused:?}"
    );
    // Linking fewer VNets is the way out.
    let linked: Vec<String> = (0..4).map(|h| format!("hub{h}")).collect();
    let text = text.replace(
        "openai:\n  private_endpoint: { vnet: hub0 }\n",
        &format!(
            "openai:\n  private_endpoint: {{ vnet: hub0 }}\n  dns: {{ link_vnets: [{}] }}\n",
            linked.join(", ")
        ),
    );
    build(&text).unwrap_or_else(|e| panic!("{e:?}"));
}

#[test]
fn four_separate_hubs_of_450_spokes_stay_within_every_limit() {
    // 1,804 VNets in four regions (no region over 1,000), linked to the zone only where the
    // endpoint is: the estate the benchmark builds.
    let mut e = Estate::new(4, 450);
    e.regions = vec!["eastus2", "westus3", "northeurope", "swedencentral"];
    e.extra = "";
    let text = e.text().replace(
        "openai:\n  private_endpoint: { vnet: hub0 }\n",
        "openai:\n  private_endpoint: { vnet: hub0 }\n  dns: { link_vnets: [hub0] }\n",
    );
    let c = build(&text).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(c.model.vnets.len(), 1804);
    assert_within_limits(&c, "1,804 VNets");
}
