//! Governance through the real binary: what `build` writes for `diagnostics` and `locks`, and what
//! `plan` says about them.

mod common;
use common::*;
use serde_json::Value;
use std::fs;

const DIAGNOSTIC_SETTING: &str = "Microsoft.Insights/diagnosticSettings";
const LOCK: &str = "Microsoft.Authorization/locks";
const WORKSPACE: &str = "Microsoft.OperationalInsights/workspaces";

/// `main.json` and `main.bicep` of a topology built by the binary.
fn build(name: &str, text: &str) -> (Value, String) {
    let dir = scratch(&format!("governance-{name}"));
    fs::write(dir.join("t.yaml"), text).unwrap();
    let o = run_in(&dir, &["build", "t.yaml", "--out-dir", "out"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let json = serde_json::from_str(&fs::read_to_string(dir.join("out/main.json")).unwrap()).unwrap();
    (json, fs::read_to_string(dir.join("out/main.bicep")).unwrap())
}

fn of_type<'t>(t: &'t Value, rtype: &str) -> Vec<&'t Value> {
    t["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["type"] == rtype)
        .collect()
}

/// `type/name` of what an extension resource's scope names.
fn scopes(t: &Value, rtype: &str) -> Vec<String> {
    of_type(t, rtype)
        .iter()
        .map(|r| r["scope"].as_str().unwrap().to_string())
        .collect()
}

fn plan_json(text: &str, name: &str) -> Value {
    let dir = scratch(&format!("governance-plan-{name}"));
    fs::write(dir.join("t.yaml"), text).unwrap();
    let o = run_in(&dir, &["plan", "t.yaml", "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    serde_json::from_str(&stdout(&o)).unwrap()
}

fn example_text(name: &str) -> String {
    fs::read_to_string(repo().join("examples").join(name)).unwrap()
}

#[test]
fn a_new_workspace_gets_the_logs_and_what_must_not_disappear_is_locked() {
    let (t, bicep) = build("locked", &example_text("logs-and-locks.yaml"));
    let ws = of_type(&t, WORKSPACE);
    assert_eq!(ws.len(), 1);
    assert_eq!(ws[0]["name"], "log-fabrikam");
    assert_eq!(ws[0]["properties"]["retentionInDays"], 90);
    assert_eq!(ws[0]["properties"]["sku"]["name"], "PerGB2018");
    assert_eq!(ws[0]["properties"]["features"]["disableLocalAuth"], true);

    // One setting per resource with logs, each naming the workspace and its own logs.
    assert_eq!(
        scopes(&t, DIAGNOSTIC_SETTING),
        [
            "Microsoft.CognitiveServices/accounts/oai-fabrikam",
            "Microsoft.Network/bastionHosts/bas-fabrikam-hub",
            "Microsoft.Network/virtualNetworkGateways/vpng-fabrikam-hub",
        ]
    );
    let settings = of_type(&t, DIAGNOSTIC_SETTING);
    for s in &settings {
        assert_eq!(
            s["properties"]["workspaceId"],
            "[resourceId('Microsoft.OperationalInsights/workspaces', 'log-fabrikam')]"
        );
        // The setting waits for the resource it applies to.
        let target = s["scope"].as_str().unwrap();
        let (kind, name) = target.rsplit_once('/').unwrap();
        let dep = format!("[resourceId('{kind}', '{name}')]");
        assert!(s["dependsOn"].as_array().unwrap().contains(&Value::String(dep)), "{s}");
    }
    let account = &settings[0]["properties"];
    assert_eq!(account["logs"][0]["category"], "Audit");
    assert_eq!(account["logs"][1]["category"], "RequestResponse");
    assert_eq!(account["metrics"][0]["category"], "AllMetrics");
    assert_eq!(settings[1]["properties"]["logs"][0]["categoryGroup"], "audit");
    assert_eq!(settings[2]["properties"]["logs"][0]["categoryGroup"], "allLogs");

    // Locks on the VNets, the account, the zone, the endpoint and the workspace; nothing else.
    assert_eq!(
        scopes(&t, LOCK),
        [
            "Microsoft.Network/virtualNetworks/vnet-fabrikam-hub",
            "Microsoft.Network/virtualNetworks/vnet-fabrikam-app",
            "Microsoft.CognitiveServices/accounts/oai-fabrikam",
            "Microsoft.Network/privateDnsZones/privatelink.openai.azure.com",
            "Microsoft.Network/privateEndpoints/pep-oai-fabrikam",
            "Microsoft.OperationalInsights/workspaces/log-fabrikam",
        ]
    );
    for l in of_type(&t, LOCK) {
        assert_eq!(l["properties"]["level"], "CanNotDelete");
        let notes = l["properties"]["notes"].as_str().unwrap();
        assert!(notes.len() <= 512 && notes.contains("aoai-vnet"), "{notes}");
    }
    // Bicep writes the same as extension resources with `scope:`.
    assert!(bicep.contains("resource accountLock 'Microsoft.Authorization/locks@2020-05-01' = {\n  scope: account\n  name: 'lock-oai-fabrikam'\n"));
    assert!(bicep.contains("resource bastionDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {\n  scope: bastion\n"));
}

#[test]
fn an_existing_workspace_in_another_subscription_is_named_not_created() {
    let (t, bicep) = build("central", &example_text("central-logs.yaml"));
    assert!(of_type(&t, WORKSPACE).is_empty());
    assert!(of_type(&t, LOCK).is_empty(), "no `locks`");
    let settings = of_type(&t, DIAGNOSTIC_SETTING);
    assert_eq!(settings.len(), 1, "the account only: no Bastion, no gateway");
    let id = "/subscriptions/7c9e2f4a-1b3d-4e5f-8a6b-9c0d1e2f3a4b/resourceGroups/rg-platform-logs/providers/Microsoft.OperationalInsights/workspaces/law-platform-central";
    assert_eq!(settings[0]["properties"]["workspaceId"], id);
    assert_eq!(settings[0]["name"], "to-law-platform-central");
    assert!(bicep.contains("resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2025-02-01' existing = {\n  name: 'law-platform-central'\n  scope: resourceGroup('7c9e2f4a-1b3d-4e5f-8a6b-9c0d1e2f3a4b', 'rg-platform-logs')\n}"));
    assert!(bicep.contains("    workspaceId: logAnalytics.id\n"));
}

const RESOLVER_AND_EXISTING_ZONES: &str = r#"
name: quiet
location: eastus
vnets:
  hub:
    address_space: 10.0.0.0/16
openai:
  dns:
    mode: existing
    zone_ids: [/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-dns/providers/Microsoft.Network/privateDnsZones/privatelink.openai.azure.com]
vpn_gateway: { vnet: hub, client_address_pool: 172.16.0.0/24 }
dns_resolver: { vnet: hub }
diagnostics: {}
locks: true
"#;

#[test]
fn a_resolver_sends_nothing_and_zones_owned_elsewhere_are_not_locked() {
    let (t, _) = build("resolver", RESOLVER_AND_EXISTING_ZONES);
    let settings = scopes(&t, DIAGNOSTIC_SETTING);
    assert!(settings.iter().all(|s| !s.contains("dnsResolvers")), "{settings:?}");
    assert!(settings.iter().any(|s| s.contains("virtualNetworkGateways")));
    let locks = scopes(&t, LOCK);
    assert!(locks.iter().all(|s| !s.contains("privateDnsZones")), "{locks:?}");
    assert_eq!(of_type(&t, WORKSPACE)[0]["properties"]["retentionInDays"], 30);

    let p = plan_json(RESOLVER_AND_EXISTING_ZONES, "resolver");
    let g = &p["governance"];
    assert_eq!(g["workspace"]["name"], "log-quiet");
    assert_eq!(g["workspace"]["created"], true);
    assert_eq!(g["without_logs"][0]["type"], "Microsoft.Network/dnsResolvers");
    assert!(g["without_logs"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("DNS security policy"));
    let locked: Vec<&str> = g["locks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        locked,
        [
            "Microsoft.Network/virtualNetworks",
            "Microsoft.CognitiveServices/accounts",
            "Microsoft.Network/privateEndpoints",
            "Microsoft.OperationalInsights/workspaces",
        ]
    );
    // Extension resources name what they apply to in the resource list.
    let lock = p["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == LOCK)
        .unwrap();
    assert_eq!(lock["applies_to"], "vnet-quiet-hub");
}

#[test]
fn plan_lists_the_locks_and_warns_without_logs() {
    let dir = scratch("governance-plan-md");
    let text =
        "name: bare\nlocation: eastus\nvnets:\n  main: { address_space: 10.0.0.0/16 }\nopenai: {}\nlocks: true\n";
    fs::write(dir.join("t.yaml"), text).unwrap();
    let o = run_in(&dir, &["plan", "t.yaml"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let md = stdout(&o);
    let section = &md[md.find("### Governance").expect("a governance section")..md.find("### Diagram").unwrap()];
    assert!(section.contains("⚠️ No diagnostic settings"), "{section}");
    assert!(
        section
            .contains("| `lock-oai-bare` | `oai-bare` (accounts) | CanNotDelete | Deleting this Azure OpenAI account"),
        "{section}"
    );
    assert!(
        section.contains("| `lock-vnet-bare-main` | `vnet-bare-main` (virtualNetworks) |"),
        "{section}"
    );
    // Without governance there is no section, and the JSON says so.
    let plain = "name: bare\nlocation: eastus\nvnets:\n  main: { address_space: 10.0.0.0/16 }\nopenai: {}\n";
    fs::write(dir.join("p.yaml"), plain).unwrap();
    assert!(!stdout(&run_in(&dir, &["plan", "p.yaml"])).contains("### Governance"));
    let p = plan_json(plain, "plain");
    assert!(p["governance"]["workspace"].is_null());
    assert_eq!(p["governance"]["locks"], serde_json::json!([]));
}

#[test]
fn a_bad_workspace_is_a_located_error_and_nothing_is_written() {
    let dir = scratch("governance-bad");
    let text = "name: bad\nlocation: eastus\nvnets:\n  main: { address_space: 10.0.0.0/16 }\nopenai: {}\ndiagnostics:\n  workspace: /subscriptions/33333333-3333-4333-8333-333333333333/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st\n  retention_days: 10\n";
    fs::write(dir.join("t.yaml"), text).unwrap();
    let o = run_in(&dir, &["build", "t.yaml", "--out-dir", "out"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("error[E0902]") && err.contains("t.yaml:7:14"), "{err}");
    assert!(err.contains("error[E0904]"), "{err}");
    assert!(!dir.join("out").exists());
}
