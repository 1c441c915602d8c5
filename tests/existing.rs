//! Existing networks (`existing: true`): a platform team's hub that the deployment refers to and
//! never creates or changes; the hub's side of a peering written to `platform/` for its owners (or
//! deployed here with `remote_side: include`); `dns.mode: policy`. Through the binary, as a user
//! would run it.

mod common;
use common::*;
use serde_json::Value;
use std::fs;
use std::path::Path;

const HUB_SUB: &str = "11111111-2222-3333-4444-555555555555";

fn json(path: &Path) -> Value {
    serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

fn build(dir: &Path, topology: &str, args: &[&str]) -> std::process::Output {
    let mut all = vec!["build", topology, "--out-dir", "out"];
    all.extend(args);
    run_in(dir, &all)
}

fn copy_example(dir: &Path, name: &str) {
    fs::copy(repo().join("examples").join(name), dir.join("topology.yaml")).unwrap();
}

#[test]
fn a_spoke_joining_a_platform_hub_leaves_the_hubs_side_to_its_owners() {
    let dir = scratch("existing-landing-zone");
    copy_example(&dir, "landing-zone-spoke.yaml");
    let o = build(&dir, "topology.yaml", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    // What the user must know: the owners deploy their side; the policy adds the zone group.
    assert!(
        err.contains("note: `platform/peerings.*`: the side of 1 peering(s) on existing VNet `hub`; the hub's owners deploy it to resource group `rg-connectivity` of subscription `11111111-2222-3333-4444-555555555555`"),
        "{err}"
    );
    assert!(
        err.contains("needs `Microsoft.Network/virtualNetworks/peer/action` on the hub"),
        "{err}"
    );
    assert!(
        err.contains("note: `dns.mode: policy`: no DNS zone group is deployed"),
        "{err}"
    );
    for f in [
        "platform/peerings.json",
        "platform/peerings.parameters.json",
        "platform/peerings.bicep",
        "platform/peerings.bicepparam",
    ] {
        assert!(err.contains(&format!("wrote out/{f}")), "{f}: {err}");
        assert!(dir.join("out").join(f).is_file(), "{f}");
    }

    // The deployment: the spoke's side toward the hub by its full ID; nothing of the hub; no zone
    // group (the policy's) and no zone.
    let main = json(&dir.join("out/main.json"));
    assert!(
        main["$schema"].as_str().unwrap().contains("/deploymentTemplate.json"),
        "one resource group"
    );
    let mut all = Vec::new();
    flatten(&main, "(default)", &mut all);
    let types: Vec<&str> = all.iter().map(|(_, r)| r["type"].as_str().unwrap()).collect();
    assert!(!types.contains(&"Microsoft.Network/privateDnsZones"), "{types:?}");
    assert!(
        !types.contains(&"Microsoft.Network/privateEndpoints/privateDnsZoneGroups"),
        "{types:?}"
    );
    let vnets: Vec<&str> = all
        .iter()
        .filter(|(_, r)| r["type"] == "Microsoft.Network/virtualNetworks")
        .map(|(_, r)| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(vnets, ["vnet-contoso-chat-spoke"], "the hub is not deployed");
    let peerings: Vec<&Value> = all
        .iter()
        .filter(|(_, r)| r["type"] == "Microsoft.Network/virtualNetworks/virtualNetworkPeerings")
        .map(|(_, r)| r)
        .collect();
    assert_eq!(peerings.len(), 1, "only the spoke's side");
    assert_eq!(peerings[0]["name"], "vnet-contoso-chat-spoke/peer-spoke-to-hub");
    assert_eq!(
        peerings[0]["properties"]["remoteVirtualNetwork"]["id"],
        format!("[resourceId('{HUB_SUB}', 'rg-connectivity', 'Microsoft.Network/virtualNetworks', 'vnet-hub-swedencentral')]")
    );

    // The owners' template: at the hub's resource group, the hub as it is, the peering toward
    // the spoke by an ID built from the application's subscription and group.
    let hub = json(&dir.join("out/platform/peerings.json"));
    assert!(hub["$schema"].as_str().unwrap().contains("/deploymentTemplate.json"));
    let resources = hub["resources"].as_array().unwrap();
    assert_eq!(resources.len(), 1, "{resources:?}");
    assert_eq!(resources[0]["name"], "vnet-hub-swedencentral/peer-hub-to-spoke");
    assert_eq!(
        resources[0]["properties"]["remoteVirtualNetwork"]["id"],
        "[resourceId(parameters('applicationSubscriptionId'), parameters('applicationResourceGroup'), 'Microsoft.Network/virtualNetworks', 'vnet-contoso-chat-spoke')]"
    );
    assert!(hub["parameters"]["applicationSubscriptionId"]
        .get("defaultValue")
        .is_none());
    assert_eq!(
        hub["parameters"]["applicationResourceGroup"]["defaultValue"],
        "rg-contoso-chat"
    );
    let bicepparam = fs::read_to_string(dir.join("out/platform/peerings.bicepparam")).unwrap();
    assert!(bicepparam.contains("using 'peerings.bicep'"), "{bicepparam}");
    assert!(
        bicepparam.contains("readEnvironmentVariable('APPLICATION_SUBSCRIPTION_ID')"),
        "{bicepparam}"
    );
    let bicep = fs::read_to_string(dir.join("out/platform/peerings.bicep")).unwrap();
    assert!(
        bicep.contains("resource hub 'Microsoft.Network/virtualNetworks@2025-05-01' existing = {\n  name: 'vnet-hub-swedencentral'\n}"),
        "{bicep}"
    );

    // `build --check` covers the owners' files too.
    let o = build(&dir, "topology.yaml", &["--check"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    fs::write(dir.join("out/platform/peerings.bicep"), format!("{bicep}// edited\n")).unwrap();
    fs::remove_file(dir.join("out/platform/peerings.parameters.json")).unwrap();
    let o = build(&dir, "topology.yaml", &["--check"]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("stale: out/platform/peerings.bicep"), "{err}");
    assert!(err.contains("missing: out/platform/peerings.parameters.json"), "{err}");

    // With `remote_side: include`, the deployment creates the hub's side itself, and the owners'
    // files an earlier build wrote are removed.
    let text = fs::read_to_string(dir.join("topology.yaml"))
        .unwrap()
        .replace("    peer: hub\n", "    peer: { vnet: hub, remote_side: include }\n");
    fs::write(dir.join("topology.yaml"), text).unwrap();
    let o = build(&dir, "topology.yaml", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("removed out/platform/peerings.json (generated earlier, no longer produced)"),
        "{err}"
    );
    assert!(!dir.join("out/platform/peerings.json").exists());
    assert!(!err.contains("platform/peerings.*"), "{err}");
    let main = json(&dir.join("out/main.json"));
    let mut all = Vec::new();
    flatten(&main, "(default)", &mut all);
    let hub_side: Vec<&(String, Value)> = all
        .iter()
        .filter(|(_, r)| r["name"] == "vnet-hub-swedencentral/peer-hub-to-spoke")
        .collect();
    assert_eq!(hub_side.len(), 1, "the hub's side is deployed here");
    assert_eq!(hub_side[0].0, "rg-connectivity", "in the hub's resource group");
}

#[test]
fn an_endpoint_in_an_existing_hub_subnet_lives_in_the_deployments_group() {
    let dir = scratch("existing-hub-endpoint");
    copy_example(&dir, "hub-endpoint.yaml");
    let o = build(&dir, "topology.yaml", &["--target", "arm"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        !dir.join("out/platform").exists(),
        "`remote_side: include`: nothing for the owners"
    );
    let main = json(&dir.join("out/main.json"));
    // The hub's resource group exists: it is not created; the deployment's own is.
    let groups: Vec<&str> = main["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["type"] == "Microsoft.Resources/resourceGroups")
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(groups, ["[parameters('resourceGroupName')]"]);
    let mut all = Vec::new();
    flatten(&main, "(default)", &mut all);
    let find = |ty: &str| -> Vec<&(String, Value)> { all.iter().filter(|(_, r)| r["type"] == ty).collect() };
    // The endpoint: in the deployment's group, in the hub's subnet by its full ID.
    let pe = find("Microsoft.Network/privateEndpoints");
    assert_eq!(pe.len(), 1);
    assert_eq!(pe[0].0, "(default)");
    assert_eq!(
        pe[0].1["properties"]["subnet"]["id"],
        "[resourceId(subscription().subscriptionId, 'rg-platform-network', 'Microsoft.Network/virtualNetworks/subnets', 'vnet-platform-hub', 'private-endpoints')]"
    );
    // Only our VNet is deployed; the zones link both, the hub by its ID in its group.
    let vnets: Vec<&str> = find("Microsoft.Network/virtualNetworks")
        .iter()
        .map(|(_, r)| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(vnets, ["vnet-fabrikam-app"]);
    let links: Vec<String> = find("Microsoft.Network/privateDnsZones/virtualNetworkLinks")
        .iter()
        .map(|(_, r)| r["properties"]["virtualNetwork"]["id"].as_str().unwrap().to_string())
        .collect();
    assert!(
        links
            .iter()
            .any(|l| l.contains("'rg-platform-network', 'Microsoft.Network/virtualNetworks', 'vnet-platform-hub'")),
        "{links:?}"
    );
    assert_eq!(links.len(), 2, "{links:?}");
    // Both sides of the peering, the hub's in the hub's group.
    let peerings: Vec<(&str, &str)> = find("Microsoft.Network/virtualNetworks/virtualNetworkPeerings")
        .iter()
        .map(|(rg, r)| (rg.as_str(), r["name"].as_str().unwrap()))
        .collect();
    assert!(
        peerings.contains(&("rg-platform-network", "vnet-platform-hub/peer-hub-to-app")),
        "{peerings:?}"
    );
    assert!(
        peerings.contains(&("(default)", "vnet-fabrikam-app/peer-app-to-hub")),
        "{peerings:?}"
    );
    // No NSG, subnet or anything else in the hub.
    assert!(all.iter().all(|(rg, r)| rg != "rg-platform-network"
        || r["type"] == "Microsoft.Network/virtualNetworks/virtualNetworkPeerings"));

    // The plan says what exists and who deploys what.
    let o = run_in(&dir, &["plan", "topology.yaml"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let plan = stdout(&o);
    assert!(
        plan.contains("`vnet-platform-hub` (hub; exists already in `rg-platform-network`)"),
        "{plan}"
    );
    assert!(
        plan.contains("| `peer-hub-to-app` | hub | app | allowed | none | this deployment |"),
        "{plan}"
    );
}

/// A refusal: its code, where, and the exit code of a topology error.
fn refused(name: &str, topology: &str, code: &str, at: &str, help: &str) {
    let dir = scratch(&format!("existing-refused-{name}"));
    fs::write(dir.join("topology.yaml"), topology).unwrap();
    let o = build(&dir, "topology.yaml", &[]);
    assert_eq!(o.status.code(), Some(1), "{name}: {}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains(&format!("error[{code}]")), "{name}: {err}");
    assert!(err.contains(&format!("--> topology.yaml:{at}")), "{name}: {err}");
    assert!(err.contains(help), "{name}: {err}");
    assert!(!dir.join("out").exists(), "{name}: nothing is written");
}

const HUB: &str = "name: demo\nlocation: eastus\nvnets:\n  hub:\n    existing: true\n    name: vnet-hub\n    resource_group: rg-hub\n    address_space: 10.0.0.0/16\n    subnets:\n      shared: 10.0.4.0/24\n";

#[test]
fn what_an_existing_vnet_cannot_be_asked_is_refused_where_it_is_written() {
    refused(
        "no-name",
        "name: demo\nlocation: eastus\nvnets:\n  hub:\n    existing: true\n    address_space: 10.0.0.0/16\n  app:\n    address_space: 10.1.0.0/16\n    peer: hub\nopenai: {}\n",
        "E0320",
        "4:3",
        "the name it has in Azure",
    );
    refused(
        "size",
        &(HUB.replace("shared: 10.0.4.0/24", "shared: /24") + "  app:\n    address_space: 10.1.0.0/16\nopenai: {}\n"),
        "E0321",
        "10:15",
        "write the prefix subnet `shared` has in Azure",
    );
    refused(
        "overlap",
        &format!("{HUB}  app:\n    address_space: 10.0.200.0/24\nopenai: {{ private_endpoint: {{ vnet: app }} }}\n"),
        "E0322",
        "12:20",
        "choose an address space the existing networks do not use",
    );
    refused(
        "unlisted-subnet",
        &format!("{HUB}  app:\n    address_space: 10.1.0.0/16\n    peer: hub\nopenai: {{ private_endpoint: {{ vnet: hub, subnet: endpoints }} }}\n"),
        "E0302",
        "14:50",
        "existing VNet `hub` is known only by the subnets listed under it: add `endpoints: <its CIDR in Azure>` to its `subnets`",
    );
    refused(
        "bastion",
        &format!(
            "{HUB}  app:\n    address_space: 10.1.0.0/16\n    peer: hub\nopenai: {{}}\nbastion: {{ vnet: hub }}\n"
        ),
        "E0324",
        "15:18",
        "put it in a VNet this topology creates",
    );
    refused(
        "other-subscription",
        &format!(
            "{}  app:\n    address_space: 10.1.0.0/16\n    peer: hub\nopenai: {{ private_endpoint: {{ vnet: hub, subnet: shared }} }}\n",
            HUB.replace("    resource_group: rg-hub\n", &format!("    resource_group: rg-hub\n    subscription: {HUB_SUB}\n"))
        ),
        "E0325",
        "15:29",
        "deploy this topology to that subscription",
    );
    refused(
        "changed",
        &format!(
            "{}  app:\n    address_space: 10.1.0.0/16\n    peer: hub\nopenai: {{}}\n",
            HUB.replace("    subnets:\n", "    egress: nat\n    subnets:\n")
        ),
        "E0326",
        "9:13",
        "its owners manage it",
    );
}
