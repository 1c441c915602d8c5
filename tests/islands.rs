//! Several private endpoints, one per hub, each with its own DNS island: where the zones go, which
//! VNets they are linked to, the outputs, and the review tools (`hosts`, `doctor`, `plan`) that
//! tell a client which address it should get. Through the binary where a user would run it.

mod common;
use aoai_vnet::{compile, source::SourceFile, Target};
use common::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fs;
use std::net::TcpListener;

fn main_json(example: &str) -> Value {
    let text = fs::read_to_string(repo().join("examples").join(example)).unwrap();
    let (c, diags) = compile(&SourceFile::new(example, text), Target::Arm);
    let c = c.unwrap_or_else(|| panic!("{diags:?}"));
    serde_json::from_str(&c.files.iter().find(|f| f.name == "main.json").unwrap().text).unwrap()
}

#[test]
fn each_hub_gets_its_own_zones_links_and_zone_group() {
    let t = main_json("two-hubs.yaml");
    let mut all = Vec::new();
    flatten(&t, "(default)", &mut all);
    let of = |ty: &str| -> Vec<&(String, Value)> { all.iter().filter(|(_, r)| r["type"] == ty).collect() };
    // One zone of the name per island, each in its hub's resource group.
    let zones: Vec<(&str, &str)> = of("Microsoft.Network/privateDnsZones")
        .iter()
        .map(|(rg, r)| (rg.as_str(), r["name"].as_str().unwrap()))
        .collect();
    assert_eq!(
        zones,
        [
            ("rg-fabrikam-weu", "privatelink.openai.azure.com"),
            ("rg-fabrikam-eus", "privatelink.openai.azure.com")
        ]
    );
    // Each zone linked to its hub and that hub's spokes only.
    let mut links: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (rg, l) in of("Microsoft.Network/privateDnsZones/virtualNetworkLinks") {
        links
            .entry(rg.clone())
            .or_default()
            .push(l["name"].as_str().unwrap().to_string());
    }
    assert_eq!(
        links["rg-fabrikam-weu"],
        [
            "privatelink.openai.azure.com/link-hub-weu",
            "privatelink.openai.azure.com/link-app-weu",
            "privatelink.openai.azure.com/link-data-weu"
        ]
    );
    assert_eq!(
        links["rg-fabrikam-eus"],
        [
            "privatelink.openai.azure.com/link-hub-eus",
            "privatelink.openai.azure.com/link-app-eus"
        ]
    );
    // Two endpoints, each with a zone group that points at its own island's zone.
    let pes: Vec<&str> = of("Microsoft.Network/privateEndpoints")
        .iter()
        .map(|(_, r)| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(pes, ["pep-oai-fabrikam-hub-weu", "pep-oai-fabrikam-hub-eus"]);
    for (rg, g) in of("Microsoft.Network/privateEndpoints/privateDnsZoneGroups") {
        let zone = g["properties"]["privateDnsZoneConfigs"][0]["properties"]["privateDnsZoneId"]
            .as_str()
            .unwrap();
        assert!(zone.contains("privatelink.openai.azure.com"), "{zone}");
        assert!(
            zone.starts_with("[resourceId('Microsoft.Network/privateDnsZones'") || zone.contains(&format!("'{rg}'")),
            "the zone group in {rg} points at another island's zone: {zone}"
        );
    }
    // The endpoints' addresses, by the key of the VNet that holds each.
    let ips = &t["outputs"]["privateEndpointIps"];
    assert_eq!(ips["type"], "object");
    assert_eq!(ips["value"]["hub-eus"], "10.20.1.10");
    assert!(ips["value"]["hub-weu"]
        .as_str()
        .unwrap()
        .contains("'pep-oai-fabrikam-hub-weu-nic'"));
    assert!(t["outputs"].get("privateEndpointIp").is_none());
}

#[test]
fn an_estate_of_four_regional_hubs_stays_within_every_limit() {
    let t = main_json("estate-1800.yaml");
    assert!(aoai_vnet::emit::limits::scan(&t).is_empty());
    let mut all = Vec::new();
    flatten(&t, "(default)", &mut all);
    let count = |ty: &str| all.iter().filter(|(_, r)| r["type"] == ty).count();
    assert_eq!(count("Microsoft.Network/virtualNetworks"), 1804);
    assert_eq!(count("Microsoft.Network/privateEndpoints"), 4);
    assert_eq!(count("Microsoft.Network/privateDnsZones"), 4);
    // Every VNet is linked exactly once: to its hub's island.
    assert_eq!(count("Microsoft.Network/privateDnsZones/virtualNetworkLinks"), 1804);
    assert_eq!(
        t["outputs"]["privateEndpointIps"]["value"].as_object().unwrap().len(),
        4
    );
}

const OUTPUTS: &str = r#"{
  "openaiEndpoint": {"type": "String", "value": "https://oai-fabrikam.openai.azure.com/"},
  "privateEndpointIps": {"type": "Object", "value": {"hub-weu": "127.0.0.1", "hub-eus": "10.20.1.10"}}
}"#;

#[test]
fn hosts_gives_each_network_its_own_endpoint() {
    let dir = scratch("islands-hosts");
    fs::write(dir.join("out.json"), OUTPUTS).unwrap();
    let file = repo().join("examples/two-hubs.yaml");
    let file = file.to_str().unwrap();
    // Every endpoint's lines, each block saying which VNets need it.
    let o = run_in(&dir, &["hosts", file, "--outputs", "out.json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "# pep-oai-fabrikam-hub-weu in hub-weu: for VNets hub-weu, app-weu, data-weu\n\
         127.0.0.1 oai-fabrikam.openai.azure.com\n\
         \n\
         # pep-oai-fabrikam-hub-eus in hub-eus: for VNets hub-eus, app-eus\n\
         10.20.1.10 oai-fabrikam.openai.azure.com\n"
    );
    // What a client in one spoke needs.
    let o = run_in(&dir, &["hosts", file, "--outputs", "out.json", "--vnet", "data-weu"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "127.0.0.1 oai-fabrikam.openai.azure.com\n");
    // Before deployment only the pinned address is known.
    let o = run_in(&dir, &["hosts", file, "--vnet", "app-eus"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "10.20.1.10 oai-fabrikam.openai.azure.com\n");
    let o = run_in(&dir, &["hosts", file, "--vnet", "app-weu"]);
    assert_eq!(o.status.code(), Some(5));
    assert!(stderr(&o).contains("the IP of private endpoint `pep-oai-fabrikam-hub-weu` is not known yet"));
    // A VNet the topology does not have is a usage error.
    let o = run_in(&dir, &["hosts", file, "--vnet", "nope"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no VNet `nope`"), "{}", stderr(&o));
}

#[test]
fn doctor_expects_the_address_of_the_vnets_own_island() {
    let dir = scratch("islands-doctor");
    fs::write(dir.join("out.json"), OUTPUTS).unwrap();
    let file = repo().join("examples/two-hubs.yaml");
    let file = file.to_str().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    let doctor = |vnet: &str| {
        bin()
            .current_dir(&dir)
            .args(["doctor", "127.0.0.1", "--port", &port, "--timeout", "2", "--vnet", vnet])
            .args(["--topology", file, "--outputs", "out.json"])
            .env("NO_COLOR", "1")
            .env("PATH", &dir)
            .env_remove("AOAI_VNET_BICEP")
            .output()
            .unwrap()
    };
    // In the west island the account must resolve to the west endpoint (here 127.0.0.1).
    let o = doctor("app-weu");
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("Compare with the expected private IP 127.0.0.1"),
        "{}",
        stdout(&o)
    );
    assert!(stderr(&o).contains("a client in VNet `app-weu` should reach `pep-oai-fabrikam-hub-weu` at 127.0.0.1"));
    // In the east island the same answer is wrong: the east endpoint is expected.
    let o = doctor("app-eus");
    assert_eq!(o.status.code(), Some(5), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("FAILED: 10.20.1.10 is not among the addresses above"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn plan_shows_the_islands() {
    let file = repo().join("examples/two-hubs.yaml");
    let o = run_in(&repo(), &["plan", file.to_str().unwrap(), "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let p: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let eps = p["account"]["private_endpoints"].as_array().unwrap();
    assert_eq!(eps.len(), 2);
    assert_eq!(eps[1]["vnet"], "hub-eus");
    assert_eq!(eps[1]["zone_resource_group"], "rg-fabrikam-eus");
    assert_eq!(eps[1]["linked_vnets"], serde_json::json!(["hub-eus", "app-eus"]));
    assert_eq!(
        eps[1]["hosts_lines"],
        serde_json::json!(["10.20.1.10 oai-fabrikam.openai.azure.com"])
    );
    let o = run_in(&repo(), &["plan", file.to_str().unwrap()]);
    let md = stdout(&o);
    assert!(md.contains("reachable through 2 private endpoints"), "{md}");
    assert!(
        md.contains("| `pep-oai-fabrikam-hub-eus` | hub-eus | `10.20.1.10` | `rg-fabrikam-eus` | hub-eus, app-eus |"),
        "{md}"
    );
}
