//! `deploy` and governance, end to end against the fake Resource Manager on 127.0.0.1
//! (`fake_arm`): the quiet what-if on recorded what-if answers (`tests/fixtures/whatif/`), and
//! `--stack` (a deployment stack with deny settings that exclude the deploying principal).

mod common;
mod fake_arm;

use common::{repo, scratch};
use fake_arm::*;
use serde_json::Value;
use std::fs;
use std::path::PathBuf;
use std::process::Output;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(60);
const TOPOLOGY: &str = "name: demo\nlocation: eastus\nresource_group: rg-demo\nvnets:\n  main:\n    address_space: 10.0.0.0/16\nopenai: {}\nlocks: true\n";

/// A scratch folder with the topology, and an empty folder for PATH.
fn setup(name: &str, topology: &str) -> (PathBuf, PathBuf) {
    let dir = scratch(&format!("deploy-gov-{name}"));
    fs::write(dir.join("aoai-vnet.yaml"), topology).unwrap();
    let bin = dir.join("bin");
    fs::create_dir_all(&bin).unwrap();
    (dir, bin)
}

/// Runs `deploy` with a service principal whose authority is the fake, `CI` set.
fn deploy(fake: &Fake, name: &str, topology: &str, args: &[&str]) -> Output {
    let (dir, bin) = setup(name, topology);
    let mut c = command(&dir, &bin, &fake.url);
    c.env("AZURE_TENANT_ID", TENANT)
        .env("AZURE_CLIENT_ID", "00000000-aaaa-bbbb-cccc-000000000001")
        .env("AZURE_CLIENT_SECRET", CLIENT_SECRET)
        .env("AZURE_AUTHORITY_HOST", &fake.url)
        .env("AZURE_SUBSCRIPTION_ID", SUB)
        .env("CI", "true")
        .arg("deploy")
        .args(args);
    run_bounded(&mut c, LIMIT)
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn recorded(name: &str) -> Value {
    let path = repo().join("tests/fixtures/whatif").join(name);
    serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap()
}

/// A fake whose what-if answers with a recorded result, the resource group in place.
fn replaying(fixture: &str) -> Fake {
    Fake::start(
        Script {
            rg_exists: true,
            what_if: recorded(fixture),
            ..Script::default()
        }
        .handler(),
    )
}

#[test]
fn the_quiet_what_if_hides_what_is_not_a_change_and_says_how_much() {
    let fake = replaying("redeploy-with-noise.json");
    let o = deploy(&fake, "quiet", TOPOLOGY, &["--what-if"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let text = out(&o);
    // The real changes stay: a tag, a policy someone turned on by hand, a NIC that is not the
    // endpoint's, the lock to create.
    assert!(text.contains("  ~ Microsoft.Network/networkSecurityGroups/nsg-demo-main-default [2025-05-01]\n\n    ~ tags.env: \"dev\" => \"prod\"\n"), "{text}");
    assert!(text.contains("  ~ Microsoft.Network/virtualNetworks/vnet-demo-spoke [2025-05-01]\n\n    ~ properties.subnets: [\n      ~ 0:\n        - properties.privateEndpointNetworkPolicies: \"Enabled\"\n"), "{text}");
    assert!(
        text.contains("  * Microsoft.Network/networkInterfaces/vm-legacy-nic"),
        "{text}"
    );
    assert!(text.contains("Scope: /subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-demo/providers/Microsoft.CognitiveServices/accounts/oai-demo\n\n  + Microsoft.Authorization/locks/lock-oai-demo [2020-05-01]\n"), "{text}");
    // The noise goes: the VNet and the endpoint are unchanged, Azure's NIC and the policy's zone
    // group are not listed.
    assert!(
        text.contains("  = Microsoft.Network/virtualNetworks/vnet-demo-main [2025-05-01]\n"),
        "{text}"
    );
    assert!(
        text.contains("  = Microsoft.Network/privateEndpoints/pep-oai-demo [2025-05-01]\n"),
        "{text}"
    );
    for noise in [
        "privateLinkServiceConnectionState",
        "networkInterfaces/pep-oai-demo-nic",
        "privateDnsZoneGroups",
        "virtualnetworkpeerings",
        "customDnsConfigs",
        "privateLinkServiceNetworkPolicies",
    ] {
        assert!(!text.contains(noise), "{noise} shown:\n{text}");
    }
    assert!(
        text.contains("Resource changes: 1 to create, 2 to modify, 2 no change, 1 to ignore.\n"),
        "{text}"
    );
    assert!(
        text.ends_with(concat!(
            "Hidden: 14 reported changes that are not changes (--what-if-all shows them):\n",
            "  1 subnet IDs Azure assigns\n",
            "  4 subnet properties Azure fills in with their defaults\n",
            "  1 read-only properties the service ignores\n",
            "  1 VNet properties Azure fills in with their defaults\n",
            "  1 peerings listed on their VNets\n",
            "  1 private endpoint connection IDs Azure assigns\n",
            "  1 private endpoint connection states Azure sets\n",
            "  1 private endpoint network interfaces Azure creates\n",
            "  1 private endpoint DNS configurations Azure fills in\n",
            "  1 network interfaces Azure created for private endpoints\n",
            "  1 zone groups added outside the template (Azure Policy)\n",
        )),
        "{text}"
    );
    assert_eq!(fake.count("PUT", "/deployments/"), 0, "what-if never deploys");
}

#[test]
fn what_if_all_shows_everything_azure_reported() {
    let fake = replaying("redeploy-with-noise.json");
    let o = deploy(&fake, "loud", TOPOLOGY, &["--what-if-all"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let text = out(&o);
    for shown in [
        "- properties.privateLinkServiceConnectionState:",
        "* Microsoft.Network/networkInterfaces/pep-oai-demo-nic",
        "* Microsoft.Network/privateEndpoints/pep-oai-demo/privateDnsZoneGroups/deployedByPolicy",
        "- properties.virtualnetworkpeerings:",
        "x type: \"Microsoft.Network/virtualNetworks/subnets\"",
    ] {
        assert!(text.contains(shown), "{shown} missing:\n{text}");
    }
    assert!(
        text.contains("Resource changes: 1 to create, 4 to modify, 3 to ignore.\n"),
        "{text}"
    );
    assert!(!text.contains("Hidden:"), "{text}");
    assert_eq!(fake.count("PUT", "/deployments/"), 0);
    // Only a what-if: never with --validate-only.
    let o = deploy(&fake, "loud-validate", TOPOLOGY, &["--what-if-all", "--validate-only"]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
}

const STACK: &str = "/providers/Microsoft.Resources/deploymentStacks/aoai-vnet-demo";

/// A fake that issues Entra ID-shaped tokens (JWTs that name the deploying principal).
fn stack_fake(outcome: Outcome) -> Fake {
    Fake::start(
        Script {
            access_token: SP_JWT,
            outcome,
            ..Script::default()
        }
        .handler(),
    )
}

fn no_secrets(o: &Output) {
    for s in [SP_JWT, "ZmFrZS1zaWduYXR1cmUtTkVWRVItUFJJTlQ", CLIENT_SECRET] {
        assert!(!out(o).contains(s) && !err(o).contains(s), "{s} printed");
    }
}

#[test]
fn a_stack_denies_writes_to_all_but_the_deployer_and_detaches_what_it_drops() {
    let fake = stack_fake(Outcome::Succeeded(outputs()));
    let o = deploy(&fake, "stack", TOPOLOGY, &["--yes", "--stack"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    no_secrets(&o);
    let rg = format!("/subscriptions/{SUB}/resourcegroups/rg-demo");
    let stack = format!("{rg}{STACK}");
    let calls: Vec<String> = fake
        .requests()
        .iter()
        .filter(|r| r.path().starts_with("/subscriptions/") || r.path().starts_with("/lro/"))
        .map(|r| format!("{} {}", r.method, r.path()))
        .collect();
    assert_eq!(
        calls[..4],
        [
            format!("GET {rg}"),
            format!("PUT {rg}"),
            format!("POST {stack}/validate"),
            format!("PUT {stack}")
        ]
    );
    assert!(calls.contains(&"GET /lro/stack-status".to_string()), "{calls:#?}");
    // Progress comes from the deployment the stack runs.
    let operations =
        format!("GET {rg}/providers/Microsoft.Resources/deployments/aoai-vnet-demo-20261130-fake/operations");
    assert!(calls.contains(&operations), "{calls:#?}");
    assert_eq!(calls.last().unwrap(), &format!("GET {stack}"));
    assert_eq!(
        fake.count("PUT", "/providers/Microsoft.Resources/deployments/"),
        0,
        "a stack, not a deployment"
    );

    let reqs = fake.requests();
    let put = reqs.iter().find(|r| r.method == "PUT" && r.path() == stack).unwrap();
    assert_eq!(put.query("api-version").as_deref(), Some("2024-03-01"));
    let body = put.json();
    assert!(
        body.get("location").is_none(),
        "a resource-group stack has its group's location"
    );
    let p = &body["properties"];
    assert_eq!(
        p["actionOnUnmanage"],
        serde_json::json!({"resources": "detach", "resourceGroups": "detach", "managementGroups": "detach"})
    );
    assert_eq!(
        p["denySettings"],
        serde_json::json!({
            "mode": "denyWriteAndDelete",
            "excludedPrincipals": [DEPLOYER],
            "excludedActions": ["Microsoft.Network/privateEndpoints/privateDnsZoneGroups/write"],
            "applyToChildScopes": true
        })
    );
    assert!(p["template"]["$schema"]
        .as_str()
        .unwrap()
        .contains("deploymentTemplate.json"));
    let validate = reqs
        .iter()
        .find(|r| r.method == "POST" && r.path().ends_with("/validate"))
        .unwrap();
    assert_eq!(validate.json(), body, "what is validated is what is deployed");

    let e = err(&o);
    assert!(
        e.contains("deployment stack aoai-vnet-demo -> resource group rg-demo"),
        "{e}"
    );
    assert!(
        e.contains(&format!("except for the deploying principal {DEPLOYER}")),
        "{e}"
    );
    assert!(e.contains("never deleted"), "{e}");
    assert!(
        e.contains("  done    Microsoft.Network/networkSecurityGroups nsg-demo-main-default"),
        "{e}"
    );
    assert!(e.contains("deployment stack aoai-vnet-demo succeeded"), "{e}");
    // The stack's outputs, printed and saved for `hosts`.
    assert!(out(&o).contains("privateEndpointIp: 10.0.1.4"), "{}", out(&o));
    let dir = scratch_dir("stack");
    let saved: Value =
        serde_json::from_str(&fs::read_to_string(dir.join("infra/deployment-outputs.json")).unwrap()).unwrap();
    assert_eq!(saved["privateEndpointIp"]["value"], "10.0.1.4");
}

/// The folder `deploy` ran in (`setup` made it).
fn scratch_dir(name: &str) -> PathBuf {
    std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("deploy-gov-{name}"))
}

#[test]
fn a_topology_across_resource_groups_is_a_subscription_stack_with_a_location() {
    let fake = stack_fake(Outcome::Succeeded(outputs()));
    let topology = "name: demo\nlocation: eastus\nvnets:\n  main:\n    address_space: 10.0.0.0/16\nopenai: { resource_group: rg-demo-ai }\n";
    let o = deploy(&fake, "stack-sub", topology, &["--yes", "--stack"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let path = format!("/subscriptions/{SUB}{STACK}");
    let put = fake
        .requests()
        .into_iter()
        .find(|r| r.method == "PUT" && r.path() == path)
        .expect("a subscription-scope stack");
    assert_eq!(put.json()["location"], "eastus");
    assert!(put.json()["properties"]["template"]["$schema"]
        .as_str()
        .unwrap()
        .contains("subscriptionDeploymentTemplate.json"));
    assert_eq!(
        fake.count("PUT", "/resourcegroups/"),
        0,
        "the template creates its groups"
    );
}

#[test]
fn a_token_that_does_not_name_the_deployer_stops_before_anything_is_sent() {
    // The default fake issues an opaque token: nobody to exclude from the deny settings.
    let fake = Fake::start(Script::default().handler());
    let o = deploy(&fake, "stack-opaque", TOPOLOGY, &["--yes", "--stack"]);
    assert_eq!(o.status.code(), Some(4), "{}", err(&o));
    assert!(err(&o).contains("not a JWT"), "{}", err(&o));
    assert_eq!(fake.count("POST", "/validate"), 0);
    assert_eq!(fake.count("PUT", "/subscriptions/"), 0, "not even the resource group");
}

#[test]
fn a_failed_stack_shows_azures_error_and_exits_4() {
    let fake = stack_fake(Outcome::Failed {
        error: serde_json::json!({"code": "DeploymentStackDeploymentFailed", "message": "One or more resources could not be deployed."}),
        failed_op: serde_json::json!({"status": "Failed", "error": {"code": "RequestDisallowedByPolicy", "message": "Resource 'oai-demo' was disallowed by policy."}}),
    });
    let o = deploy(&fake, "stack-failed", TOPOLOGY, &["--yes", "--stack"]);
    assert_eq!(o.status.code(), Some(4), "{}", err(&o));
    let e = err(&o);
    assert!(e.contains("ended failed"), "{e}");
    assert!(e.contains("DeploymentStackDeploymentFailed"), "{e}");
    assert!(
        e.contains("RequestDisallowedByPolicy"),
        "the stack's deployment's failed operation: {e}"
    );
}

#[test]
fn a_stack_what_if_validates_the_stack_and_previews_the_template() {
    let fake = Fake::start(
        Script {
            access_token: SP_JWT,
            rg_exists: true,
            what_if: recorded("redeploy-unchanged.json"),
            ..Script::default()
        }
        .handler(),
    );
    let o = deploy(&fake, "stack-what-if", TOPOLOGY, &["--what-if", "--stack"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(fake.count("POST", "/deploymentStacks/aoai-vnet-demo/validate"), 1);
    assert_eq!(fake.count("POST", "/deployments/aoai-vnet-demo/whatIf"), 1);
    assert_eq!(fake.count("PUT", "/deploymentStacks/"), 0);
    let text = out(&o);
    assert!(text.contains("Resource changes: 2 no change.\n"), "{text}");
    assert!(
        text.contains("the stack deploys the same resources and adds its deny assignments"),
        "{text}"
    );
}
