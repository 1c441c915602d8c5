//! The ARM files we emit against our own schemas, `schemas/arm-template.schema.json` and
//! `schemas/arm-parameters.schema.json`: every example, plus embedded topologies that reach every
//! resource type the compiler can emit; and proof that the schemas reject what Azure would.

use aoai_vnet::source::SourceFile;
use aoai_vnet::{compile, Target};
use serde_json::{json, Value};
use std::path::PathBuf;

const TEMPLATE_SCHEMA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/schemas/arm-template.schema.json");
const PARAMETERS_SCHEMA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/schemas/arm-parameters.schema.json");
const EXAMPLES_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples");

/// Every feature at once: two peered VNets in two regions, a custom NSG, service endpoints, an
/// AIServices account with selected networks, a static endpoint IP and role assignments, Bastion
/// with scale units, a Windows jump box with encryption at host and Entra ID sign-in, a
/// point-to-site VPN gateway, a DNS resolver, egress through an appliance and NAT gateways.
const EVERY_FEATURE: &str = r#"
name: fabrikam
location: eastus
tags: { env: prod, owner: platform }
vnets:
  hub:
    address_space: 10.0.0.0/16
    egress: { next_hop: 10.0.3.4 }
    subnets:
      default: { prefix: 10.0.0.0/24, nsg: workload }
      private-endpoints: { prefix: /27, service_endpoints: [Microsoft.Storage] }
      appliance: { prefix: 10.0.3.0/28, egress: nat }
  app:
    address_space: 10.1.0.0/16
    location: westus2
    peer: hub
    egress: nat
nsgs:
  workload:
    - { name: allow-https-from-vnet, priority: 100, direction: inbound, access: allow,
        protocol: tcp, source: VirtualNetwork, destination: "*", ports: [443, "8000-8080"] }
openai:
  location: eastus2
  kind: AIServices
  public_network_access: selected
  allowed_ips: [203.0.113.0/24]
  trusted_services: true
  private_endpoint: { private_ip: 10.0.1.10 }
  deployments:
    gpt-4o: { model: gpt-4o, version: "2024-11-20", capacity: 10 }
    text-embedding-3-small: { model: text-embedding-3-small, version: "1", sku: Standard, capacity: 20 }
  role_assignments:
    - { principal_id: 11111111-1111-4111-8111-111111111111, principal_type: Group }
    - { principal_id: 22222222-2222-4222-8222-222222222222, principal_type: ServicePrincipal,
        role: 3f2a4b5c-6d7e-4f80-9a1b-2c3d4e5f6a7b }
bastion: { vnet: hub, scale_units: 3 }
jumpbox:
  vnet: hub
  name: vm-fab-jump
  image: windows-2022
  encryption_at_host: true
  entra_login: true
  login: [{ principal_id: 11111111-1111-4111-8111-111111111111, principal_type: Group, admin: true }]
vpn_gateway: { vnet: hub, client_address_pool: 172.16.0.0/24 }
dns_resolver: { vnet: hub }
"#;

/// The other branches: Developer Bastion (no subnet, no public IP), a Linux jump box with a literal
/// key, no managed DNS, no identity, local auth on, several address prefixes, custom DNS servers.
const DEVELOPER_BASTION: &str = r#"
name: tailwind
location: northeurope
vnets:
  main:
    address_space: [10.10.0.0/16, 10.20.0.0/16]
    dns_servers: [10.10.0.4]
openai:
  dns: { mode: none }
  identity: none
  disable_local_auth: false
bastion: { vnet: main, sku: Developer }
jumpbox:
  vnet: main
  image: ubuntu-22.04
  ssh_public_key: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl user@host"
"#;

/// Zones owned elsewhere, and a larger gateway SKU (Generation2).
const EXISTING_ZONES: &str = r#"
name: wingtip
location: eastus
vnets:
  main: { address_space: 10.0.0.0/16 }
openai:
  dns:
    mode: existing
    zone_ids:
      - /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-dns/providers/Microsoft.Network/privateDnsZones/privatelink.openai.azure.com
vpn_gateway: { vnet: main, sku: VpnGw2AZ, client_address_pool: 172.16.0.0/24 }
"#;

const EMBEDDED: [(&str, &str); 3] = [
    ("every-feature.yaml", EVERY_FEATURE),
    ("developer-bastion.yaml", DEVELOPER_BASTION),
    ("existing-zones.yaml", EXISTING_ZONES),
];

/// Every resource type the compiler can emit; each must appear in some validated template.
const EMITTED_TYPES: [&str; 25] = [
    "Microsoft.Resources/resourceGroups",
    "Microsoft.Resources/deployments",
    "Microsoft.Network/networkSecurityGroups",
    "Microsoft.Network/virtualNetworks",
    "Microsoft.Network/virtualNetworks/virtualNetworkPeerings",
    "Microsoft.Network/privateEndpoints",
    "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
    "Microsoft.Network/publicIPAddresses",
    "Microsoft.Network/networkInterfaces",
    "Microsoft.Network/bastionHosts",
    "Microsoft.Network/virtualNetworkGateways",
    "Microsoft.Network/privateDnsZones",
    "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
    "Microsoft.Network/dnsResolvers",
    "Microsoft.Network/dnsResolvers/inboundEndpoints",
    "Microsoft.CognitiveServices/accounts",
    "Microsoft.CognitiveServices/accounts/deployments",
    "Microsoft.Compute/virtualMachines",
    "Microsoft.Compute/virtualMachines/extensions",
    "Microsoft.Network/natGateways",
    "Microsoft.Network/routeTables",
    "Microsoft.Authorization/roleAssignments",
    "Microsoft.OperationalInsights/workspaces",
    "Microsoft.Insights/diagnosticSettings",
    "Microsoft.Authorization/locks",
];

fn read_json(path: &str) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path} is not JSON: {e}"))
}

fn validator(path: &str) -> jsonschema::Validator {
    jsonschema::draft7::new(&read_json(path)).unwrap_or_else(|e| panic!("{path} is not a draft-07 schema: {e}"))
}

/// The schema's errors for `instance`, each as `instance path: message`.
fn errors(v: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    v.iter_errors(instance)
        .map(|e| format!("`{}`: {e}", e.instance_path()))
        .collect()
}

/// `main.json` and `main.parameters.json` of a topology, compiled in-process.
fn build(name: &str, text: &str) -> (Value, Value) {
    let (compiled, diags) = compile(&SourceFile::new(name, text), Target::Arm);
    let compiled = compiled.unwrap_or_else(|| {
        let messages: Vec<String> = diags.iter().map(|d| format!("{}: {}", d.code, d.message)).collect();
        panic!("{name} does not compile:\n{}", messages.join("\n"))
    });
    let file = |n: &str| {
        let f = compiled
            .files
            .iter()
            .find(|f| f.name == n)
            .unwrap_or_else(|| panic!("{name}: no {n} among the outputs"));
        serde_json::from_str::<Value>(&f.text).unwrap_or_else(|e| panic!("{name}: {n} is not JSON: {e}"))
    };
    (file("main.json"), file("main.parameters.json"))
}

fn examples() -> Vec<(String, String)> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(EXAMPLES_DIR)
        .expect("read examples/")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()));
            (p.display().to_string(), text)
        })
        .collect()
}

/// Every example and embedded topology: (name, main.json, main.parameters.json).
fn all_outputs() -> Vec<(String, Value, Value)> {
    let mut sources = examples();
    assert!(!sources.is_empty(), "no examples/*.yaml");
    sources.extend(EMBEDDED.iter().map(|(n, t)| (n.to_string(), t.to_string())));
    sources
        .into_iter()
        .map(|(name, text)| {
            let (template, parameters) = build(&name, &text);
            (name, template, parameters)
        })
        .collect()
}

/// The guide's output, to break on purpose.
fn guide() -> (Value, Value) {
    let path = format!("{EXAMPLES_DIR}/guide.yaml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    build(&path, &text)
}

fn guide_template() -> Value {
    guide().0
}

/// The index of the first resource of `rtype` in a template.
fn index_of(template: &Value, rtype: &str) -> usize {
    template["resources"]
        .as_array()
        .and_then(|rs| rs.iter().position(|r| r["type"] == rtype))
        .unwrap_or_else(|| panic!("no {rtype} in the template"))
}

/// Asserts that `template` is rejected, with an error at `path` that mentions `needle`.
fn assert_rejected(template: &Value, path: &str, needle: &str) {
    let v = validator(TEMPLATE_SCHEMA);
    let errs = errors(&v, template);
    assert!(
        errs.iter()
            .any(|e| e.starts_with(&format!("`{path}`")) && e.contains(needle)),
        "expected an error at `{path}` mentioning {needle:?}; got:\n{}",
        errs.join("\n")
    );
}

#[test]
fn the_schemas_are_self_contained_draft_07() {
    for path in [TEMPLATE_SCHEMA, PARAMETERS_SCHEMA] {
        let s = read_json(path);
        assert_eq!(s["$schema"], "http://json-schema.org/draft-07/schema#", "{path}");
        let text = s.to_string();
        assert!(
            !text.contains("schema.management.azure.com/schemas/common"),
            "{path} refers to Azure's schemas"
        );
        let mut refs = Vec::new();
        collect_refs(&s, &mut refs);
        for r in refs {
            assert!(r.starts_with("#/definitions/"), "{path}: external $ref {r}");
        }
        validator(path);
    }
    let description = read_json(TEMPLATE_SCHEMA)["description"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        description.contains("Azure/azure-resource-manager-schemas"),
        "the description names its source"
    );
}

fn collect_refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get("$ref") {
                out.push(r.clone());
            }
            m.values().for_each(|x| collect_refs(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| collect_refs(x, out)),
        _ => {}
    }
}

#[test]
fn every_output_matches_the_schemas() {
    let templates = validator(TEMPLATE_SCHEMA);
    let parameter_files = validator(PARAMETERS_SCHEMA);
    let mut failures = Vec::new();
    for (name, template, parameters) in all_outputs() {
        for e in errors(&templates, &template) {
            failures.push(format!("{name} main.json {e}"));
        }
        for e in errors(&parameter_files, &parameters) {
            failures.push(format!("{name} main.parameters.json {e}"));
        }
        // Every value in the parameters file is for a parameter the template declares.
        for key in parameters["parameters"].as_object().into_iter().flat_map(|m| m.keys()) {
            if template["parameters"].get(key).is_none() {
                failures.push(format!(
                    "{name} main.parameters.json: `{key}` is not a parameter of main.json"
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} schema error(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_resource_type_we_emit_is_validated() {
    // Types of a template and of the inline templates of its nested deployments.
    fn collect(template: &Value, seen: &mut std::collections::BTreeSet<String>) {
        for r in template["resources"].as_array().expect("resources is an array") {
            seen.insert(r["type"].as_str().expect("type is a string").to_string());
            if r["properties"]["template"].is_object() {
                collect(&r["properties"]["template"], seen);
            }
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    for (_, template, _) in all_outputs() {
        collect(&template, &mut seen);
    }
    let missing: Vec<&str> = EMITTED_TYPES.iter().copied().filter(|t| !seen.contains(*t)).collect();
    assert!(
        missing.is_empty(),
        "never emitted by the tested topologies: {missing:?}"
    );
    let unlisted: Vec<&String> = seen.iter().filter(|t| !EMITTED_TYPES.contains(&t.as_str())).collect();
    assert!(unlisted.is_empty(), "emitted but not listed here: {unlisted:?}");
}

#[test]
fn the_guide_is_valid_before_it_is_broken() {
    let v = validator(TEMPLATE_SCHEMA);
    let errs = errors(&v, &guide_template());
    assert!(errs.is_empty(), "{}", errs.join("\n"));
}

#[test]
fn rejects_an_unknown_property_in_a_subnet() {
    let mut t = guide_template();
    let i = index_of(&t, "Microsoft.Network/virtualNetworks");
    t["resources"][i]["properties"]["subnets"][0]["properties"]["addressPrefixe"] = json!("10.0.0.0/24");
    assert_rejected(
        &t,
        &format!("/resources/{i}/properties/subnets/0/properties"),
        "addressPrefixe",
    );
}

#[test]
fn rejects_an_unknown_top_level_resource_key() {
    let mut t = guide_template();
    let i = index_of(&t, "Microsoft.CognitiveServices/accounts");
    t["resources"][i]["plan"] = json!({ "name": "S0" });
    assert_rejected(&t, &format!("/resources/{i}"), "plan");
}

#[test]
fn rejects_a_key_the_type_does_not_have() {
    // `zones` is a top-level key of some types (public IPs), not of a VNet.
    let mut t = guide_template();
    let i = index_of(&t, "Microsoft.Network/virtualNetworks");
    t["resources"][i]["zones"] = json!(["1"]);
    assert_rejected(&t, &format!("/resources/{i}"), "zones");
}

#[test]
fn rejects_a_wrong_api_version() {
    let mut t = guide_template();
    let i = index_of(&t, "Microsoft.CognitiveServices/accounts");
    t["resources"][i]["apiVersion"] = json!("2023-05-01");
    assert_rejected(&t, &format!("/resources/{i}/apiVersion"), "2025-06-01");
}

#[test]
fn rejects_a_bad_enum_value() {
    let mut t = guide_template();
    let i = index_of(&t, "Microsoft.Network/networkSecurityGroups");
    t["resources"][i]["properties"]["securityRules"][0]["properties"]["access"] = json!("Permit");
    assert_rejected(
        &t,
        &format!("/resources/{i}/properties/securityRules/0/properties/access"),
        "Permit",
    );
}

#[test]
fn rejects_an_escaped_literal_where_an_enum_is_expected() {
    // `[[Disabled]` is the literal text `[Disabled]`, not an expression.
    let mut t = guide_template();
    let i = index_of(&t, "Microsoft.CognitiveServices/accounts");
    t["resources"][i]["properties"]["publicNetworkAccess"] = json!("[[Disabled]");
    assert_rejected(
        &t,
        &format!("/resources/{i}/properties/publicNetworkAccess"),
        "[[Disabled]",
    );
}

#[test]
fn accepts_an_expression_where_an_enum_is_expected() {
    let mut t = guide_template();
    let i = index_of(&t, "Microsoft.CognitiveServices/accounts");
    t["resources"][i]["properties"]["publicNetworkAccess"] = json!("[parameters('publicNetworkAccess')]");
    let v = validator(TEMPLATE_SCHEMA);
    let errs = errors(&v, &t);
    assert!(errs.is_empty(), "{}", errs.join("\n"));
}

#[test]
fn rejects_a_resource_type_we_do_not_emit() {
    let mut t = guide_template();
    t["resources"]
        .as_array_mut()
        .expect("resources is an array")
        .push(json!({
            "type": "Microsoft.Storage/storageAccounts",
            "apiVersion": "2025-01-01",
            "name": "stcontoso",
            "location": "[parameters('location')]",
            "sku": { "name": "Standard_LRS" },
            "kind": "StorageV2",
            "properties": {}
        }));
    let last = t["resources"].as_array().map_or(0, Vec::len) - 1;
    assert_rejected(
        &t,
        &format!("/resources/{last}/type"),
        "Microsoft.Storage/storageAccounts",
    );
}

#[test]
fn rejects_a_literal_password_and_a_default_for_a_secure_parameter() {
    let (mut t, _) = build("every-feature.yaml", EVERY_FEATURE);
    t["parameters"]["jumpboxAdminPassword"]["defaultValue"] = json!("P@ssw0rd!");
    assert_rejected(&t, "/parameters/jumpboxAdminPassword", "defaultValue");
    let i = index_of(&t, "Microsoft.Compute/virtualMachines");
    t["resources"][i]["properties"]["osProfile"]["adminPassword"] = json!("P@ssw0rd!");
    assert_rejected(
        &t,
        &format!("/resources/{i}/properties/osProfile/adminPassword"),
        "P@ssw0rd!",
    );
}

#[test]
fn rejects_a_role_assignment_not_named_by_a_guid_or_without_a_principal_type() {
    let mut t = guide_template();
    let i = index_of(&t, "Microsoft.Authorization/roleAssignments");
    t["resources"][i]["name"] = json!("jumpbox-can-call-the-api");
    assert_rejected(&t, &format!("/resources/{i}/name"), "jumpbox-can-call-the-api");
    let mut t = guide_template();
    t["resources"][i]["properties"]
        .as_object_mut()
        .expect("properties")
        .remove("principalType");
    assert_rejected(&t, &format!("/resources/{i}/properties"), "principalType");
}

#[test]
fn rejects_a_next_hop_on_a_route_that_is_not_to_an_appliance() {
    let (mut t, _) = build("every-feature.yaml", EVERY_FEATURE);
    let i = index_of(&t, "Microsoft.Network/routeTables");
    t["resources"][i]["properties"]["routes"][0]["properties"]["nextHopType"] = json!("Internet");
    assert_rejected(
        &t,
        &format!("/resources/{i}/properties/routes/0/properties"),
        "nextHopIpAddress",
    );
}

#[test]
fn rejects_a_parameters_file_entry_without_a_value() {
    let (_, mut p) = guide();
    p["parameters"]["location"] = json!({ "defaultValue": "eastus" });
    let v = validator(PARAMETERS_SCHEMA);
    let errs = errors(&v, &p);
    assert!(
        errs.iter().any(|e| e.starts_with("`/parameters/location`")),
        "expected an error at /parameters/location; got:\n{}",
        errs.join("\n")
    );
}

/// `examples/logs-and-locks.yaml`'s template, to break on purpose.
fn governed_template() -> Value {
    let path = format!("{EXAMPLES_DIR}/logs-and-locks.yaml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    build(&path, &text).0
}

#[test]
fn rejects_a_diagnostic_setting_that_mixes_categories_and_groups_or_sends_nothing() {
    let mut t = governed_template();
    let i = index_of(&t, "Microsoft.Insights/diagnosticSettings");
    t["resources"][i]["properties"]["logs"][1] = json!({ "categoryGroup": "audit", "enabled": true });
    assert_rejected(&t, &format!("/resources/{i}/properties/logs"), "anyOf");
    let mut t = governed_template();
    let props = t["resources"][i]["properties"].as_object_mut().expect("properties");
    props.remove("logs");
    props.remove("metrics");
    assert_rejected(&t, &format!("/resources/{i}/properties"), "anyOf");
}

#[test]
fn rejects_an_extension_resource_without_its_scope_or_a_long_lock_note() {
    let mut t = governed_template();
    let i = index_of(&t, "Microsoft.Authorization/locks");
    t["resources"][i].as_object_mut().expect("lock").remove("scope");
    assert_rejected(&t, &format!("/resources/{i}"), "scope");
    let mut t = governed_template();
    t["resources"][i]["properties"]["notes"] = json!("x".repeat(513));
    assert_rejected(&t, &format!("/resources/{i}/properties/notes"), "longer than 512");
    let mut t = governed_template();
    t["resources"][i]["scope"] =
        json!("/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v");
    assert_rejected(&t, &format!("/resources/{i}/scope"), "does not match");
}

#[test]
fn rejects_a_workspace_retention_past_two_years() {
    let mut t = governed_template();
    let i = index_of(&t, "Microsoft.OperationalInsights/workspaces");
    t["resources"][i]["properties"]["retentionInDays"] = json!(731);
    assert_rejected(&t, &format!("/resources/{i}/properties/retentionInDays"), "731");
}
