//! Resource groups, subscriptions and the 800-resource split: the shape of the generated
//! template and the dependencies across nested deployments.

mod common;
use aoai_vnet::{compile, source::SourceFile, Target};
use common::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

fn main_json(example: &str) -> (Value, Value, usize) {
    let text = std::fs::read_to_string(repo().join("examples").join(example)).unwrap();
    let (c, diags) = compile(&SourceFile::new(example, text), Target::Arm);
    let c = c.unwrap_or_else(|| panic!("{diags:?}"));
    let get = |n: &str| serde_json::from_str(&c.files.iter().find(|f| f.name == n).unwrap().text).unwrap();
    (
        get("main.json"),
        get("main.parameters.json"),
        c.template.resources.len(),
    )
}

fn deployments(t: &Value) -> Vec<&Value> {
    t["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["type"] == "Microsoft.Resources/deployments")
        .collect()
}

fn inner(d: &Value) -> &Vec<Value> {
    d["properties"]["template"]["resources"].as_array().unwrap()
}

/// Deployment name -> names of the deployments it waits for (from its dependsOn).
fn waits(t: &Value) -> BTreeMap<String, BTreeSet<String>> {
    let names: Vec<String> = deployments(t)
        .iter()
        .map(|d| d["name"].as_str().unwrap().to_string())
        .collect();
    deployments(t)
        .iter()
        .map(|d| {
            let deps = d["dependsOn"]
                .as_array()
                .map(|a| a.iter().map(|x| x.as_str().unwrap().to_string()).collect::<Vec<_>>())
                .unwrap_or_default();
            let on: BTreeSet<String> = names
                .iter()
                .filter(|n| deps.iter().any(|x| x.contains(&format!("'{n}')"))))
                .cloned()
                .collect();
            (d["name"].as_str().unwrap().to_string(), on)
        })
        .collect()
}

fn assert_acyclic(w: &BTreeMap<String, BTreeSet<String>>) {
    let mut done = BTreeSet::new();
    while done.len() < w.len() {
        let ready: Vec<String> = w
            .iter()
            .filter(|(n, on)| !done.contains(*n) && on.iter().all(|o| done.contains(o)))
            .map(|(n, _)| n.clone())
            .collect();
        assert!(!ready.is_empty(), "nested deployments wait in a circle: {w:?}");
        done.extend(ready);
    }
}

/// Every dependsOn inside a nested template names a resource of that template.
fn assert_local_depends(d: &Value) {
    let rs = inner(d);
    let names: Vec<String> = rs
        .iter()
        .map(|r| format!("'{}'", r["name"].as_str().unwrap().replace('/', "', '")))
        .collect();
    for r in rs {
        for dep in r["dependsOn"].as_array().into_iter().flatten() {
            let dep = dep.as_str().unwrap();
            assert!(
                names.iter().any(|n| dep.ends_with(&format!("{n})]"))),
                "{}: dependsOn {dep} outside its template",
                d["name"]
            );
        }
    }
}

#[test]
fn other_resource_groups_make_a_subscription_scope_deployment() {
    let (t, params, _) = main_json("multi-rg.yaml");
    assert!(t["$schema"]
        .as_str()
        .unwrap()
        .contains("subscriptionDeploymentTemplate.json"));
    assert_eq!(t["parameters"]["resourceGroupName"]["defaultValue"], "rg-litware-hub");
    assert_eq!(params["parameters"]["resourceGroupName"]["value"], "rg-litware-hub");
    // The resource groups are created: in this subscription directly, in another one through a
    // subscription-level deployment there.
    let groups: Vec<&str> = t["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["type"] == "Microsoft.Resources/resourceGroups")
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        groups,
        ["[parameters('resourceGroupName')]", "rg-litware-app", "rg-litware-ai"]
    );
    let other = deployments(&t)
        .into_iter()
        .find(|d| d["name"] == "litware-create-rg-litware-data")
        .unwrap();
    assert_eq!(other["subscriptionId"], "22222222-2222-4222-8222-222222222222");
    assert_eq!(inner(other)[0]["type"], "Microsoft.Resources/resourceGroups");
    // Each nested deployment targets one resource group, declares what it is passed and waits
    // only for deployments that exist.
    for d in deployments(&t).into_iter().filter(|d| d["resourceGroup"].is_string()) {
        assert_eq!(d["properties"]["expressionEvaluationOptions"]["scope"], "inner");
        // (No empty `parameters` objects: absent means none.)
        let keys = |v: &serde_json::Value| -> BTreeSet<String> {
            assert_ne!(v, &serde_json::json!({}), "an empty object in {}", d["name"]);
            v.as_object().into_iter().flat_map(|m| m.keys().cloned()).collect()
        };
        let declared = keys(&d["properties"]["template"]["parameters"]);
        let passed = keys(&d["properties"]["parameters"]);
        assert_eq!(declared, passed, "{}", d["name"]);
        assert_local_depends(d);
    }
    assert_acyclic(&waits(&t));
    // Cross-scope references use full IDs: the data spoke's peering to the hub in the default
    // group of the deploying subscription.
    let data = deployments(&t)
        .into_iter()
        .find(|d| {
            inner(d)
                .iter()
                .any(|r| r["name"] == "vnet-litware-data/peer-data-to-hub")
        })
        .unwrap();
    assert_eq!(data["subscriptionId"], "22222222-2222-4222-8222-222222222222");
    let peering = inner(data)
        .iter()
        .find(|r| r["name"] == "vnet-litware-data/peer-data-to-hub")
        .unwrap();
    assert_eq!(
        peering["properties"]["remoteVirtualNetwork"]["id"],
        "[resourceId(parameters('defaultSubscriptionId'), parameters('resourceGroupName'), 'Microsoft.Network/virtualNetworks', 'vnet-litware-hub')]"
    );
    assert_eq!(
        data["properties"]["parameters"]["defaultSubscriptionId"]["value"],
        "[subscription().subscriptionId]"
    );
    // The zone in the default group links the spoke in the other subscription by its full ID.
    let link = deployments(&t)
        .into_iter()
        .flat_map(inner)
        .find(|r| r["name"] == "privatelink.openai.azure.com/link-data")
        .unwrap();
    assert_eq!(
        link["properties"]["virtualNetwork"]["id"],
        "[resourceId('22222222-2222-4222-8222-222222222222', 'rg-litware-data', 'Microsoft.Network/virtualNetworks', 'vnet-litware-data')]"
    );
    // The endpoint lives with its VNet and points at the account in its own group.
    let pe = deployments(&t)
        .into_iter()
        .flat_map(inner)
        .find(|r| r["type"] == "Microsoft.Network/privateEndpoints")
        .unwrap();
    let target = pe["properties"]["privateLinkServiceConnections"][0]["properties"]["privateLinkServiceId"]
        .as_str()
        .unwrap();
    assert!(
        target.contains("'rg-litware-ai', 'Microsoft.CognitiveServices/accounts', 'oai-litware'"),
        "{target}"
    );
}

#[test]
fn large_topologies_are_split_below_arms_limit() {
    let (t, _, total) = main_json("spokes-300.yaml");
    assert!(
        total > 800,
        "the example must exceed the limit to test the split ({total})"
    );
    assert!(
        t["$schema"].as_str().unwrap().contains("/deploymentTemplate.json"),
        "one resource group stays a resource-group deployment"
    );
    let ds = deployments(&t);
    assert!(t["resources"].as_array().unwrap().len() <= 800);
    let mut placed = 0;
    for d in &ds {
        assert!(inner(d).len() <= 800, "{} holds {}", d["name"], inner(d).len());
        assert!(
            d.get("resourceGroup").is_none(),
            "the split stays in the deployment's resource group"
        );
        assert_local_depends(d);
        placed += inner(d).len();
    }
    assert_eq!(placed, total, "every resource is in exactly one nested deployment");
    assert_acyclic(&waits(&t));
    // A spoke's VNet, its NSG and its peering to the hub share a deployment.
    let holder = |name: &str| {
        ds.iter()
            .position(|d| inner(d).iter().any(|r| r["name"] == name))
            .unwrap()
    };
    assert_eq!(
        holder("vnet-tailwind-spoke123"),
        holder("nsg-tailwind-spoke123-default")
    );
    // The gateway has a deployment of its own.
    let gw = holder("vpng-tailwind-hub");
    assert_eq!(inner(ds[gw]).len(), 1);
    // Outputs still resolve.
    assert!(t["outputs"]["openaiEndpoint"]["value"]
        .as_str()
        .unwrap()
        .contains("reference("));
}

#[test]
fn small_single_group_topologies_stay_flat() {
    let (t, params, _) = main_json("guide.yaml");
    assert!(deployments(&t).is_empty());
    assert!(params["parameters"].get("resourceGroupName").is_none());
}

/// The jump box's role assignment (in the account's resource group) waits for the jump box, but
/// does not make the jump box part of what everything else waits for: the VPN gateway's
/// deployment, 30 minutes long, still starts without waiting for the VM.
#[test]
fn the_jump_box_role_assignment_holds_back_nothing_else() {
    for example in ["multi-rg.yaml", "spokes-300.yaml"] {
        let (t, _, _) = main_json(example);
        let w = waits(&t);
        let holding = |rtype: &str| -> String {
            deployments(&t)
                .iter()
                .find(|d| inner(d).iter().any(|r| r["type"] == rtype))
                .map(|d| d["name"].as_str().unwrap().to_string())
                .unwrap_or_else(|| panic!("{example}: no deployment holds {rtype}"))
        };
        let vm = holding("Microsoft.Compute/virtualMachines");
        let gateway = holding("Microsoft.Network/virtualNetworkGateways");
        let role = holding("Microsoft.Authorization/roleAssignments");
        assert!(w[&role].contains(&vm), "{example}: {role} waits for {:?}", w[&role]);
        assert!(
            !w[&gateway].contains(&vm),
            "{example}: {gateway} waits for the jump box's {vm}"
        );
        assert_eq!(
            inner(deployments(&t).iter().find(|d| d["name"] == role.as_str()).unwrap()).len(),
            1,
            "{example}: the role assignment deploys on its own"
        );
    }
}
