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
