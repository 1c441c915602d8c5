//! `schemas/topology.schema.json` against the examples, the parser's keys, the compiler's handling
//! of unknown keys, and the copy embedded in the binary (`aoai-vnet schema`).

use aoai_vnet::diag::Severity;
use aoai_vnet::source::SourceFile;
use aoai_vnet::syntax::keys;
use aoai_vnet::yaml::{self, Node, NodeKind, Scalar};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const SCHEMA_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/schemas/topology.schema.json");
const EXAMPLES_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples");

fn schema() -> Value {
    let text = std::fs::read_to_string(SCHEMA_PATH).expect("read the schema");
    serde_json::from_str(&text).expect("the schema is JSON")
}

fn validator() -> jsonschema::Validator {
    jsonschema::draft7::new(&schema()).expect("the schema compiles as draft-07")
}

/// A YAML tree as the JSON value an editor sees: plain `true`/`false` are booleans, plain integers
/// numbers, plain `null`/`~`/empty null; everything else, and every quoted scalar, a string.
fn to_json(node: &Node) -> Value {
    match &node.kind {
        NodeKind::Map(entries) => Value::Object(
            entries
                .iter()
                .map(|(k, v)| (k.scalar_text().unwrap_or_default().to_string(), to_json(v)))
                .collect(),
        ),
        NodeKind::Seq(items) => Value::Array(items.iter().map(to_json).collect()),
        NodeKind::Scalar(Scalar::Quoted(s)) => Value::String(s.clone()),
        NodeKind::Scalar(Scalar::Plain(s)) => {
            if node.is_null() {
                Value::Null
            } else if matches!(s.as_str(), "true" | "True" | "TRUE") {
                Value::Bool(true)
            } else if matches!(s.as_str(), "false" | "False" | "FALSE") {
                Value::Bool(false)
            } else if let Ok(n) = s.parse::<i64>() {
                Value::from(n)
            } else if let Ok(n) = s.parse::<u64>() {
                Value::from(n)
            } else {
                Value::String(s.clone())
            }
        }
    }
}

fn yaml_to_json(text: &str) -> Value {
    let root = yaml::parse(text).unwrap_or_else(|d| panic!("invalid YAML: {}", d.message));
    to_json(&root)
}

/// The schema's errors for `instance`, each as `instance path: message`.
fn errors(v: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    v.iter_errors(instance)
        .map(|e| format!("`{}`: {e}", e.instance_path()))
        .collect()
}

fn examples() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(EXAMPLES_DIR)
        .expect("read examples/")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    out.sort();
    out
}

#[test]
fn the_schema_is_a_valid_draft_07_schema() {
    let s = schema();
    assert_eq!(
        s["$schema"], "http://json-schema.org/draft-07/schema#",
        "the schema declares draft-07"
    );
    if let Err(e) = jsonschema::draft7::meta::validate(&s) {
        panic!(
            "the schema breaks the draft-07 meta-schema at `{}`: {e}",
            e.instance_path()
        );
    }
}

#[test]
fn every_example_validates() {
    let v = validator();
    let files = examples();
    assert!(!files.is_empty(), "no examples/*.yaml");
    let mut failures = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).expect("read example");
        let errs = errors(&v, &yaml_to_json(&text));
        if !errs.is_empty() {
            failures.push(format!("{}:\n  {}", path.display(), errs.join("\n  ")));
        }
    }
    assert!(
        failures.is_empty(),
        "examples rejected by the schema:\n{}",
        failures.join("\n")
    );
}

/// Each object of the language: where the schema describes it, and the parser's keys for it.
const OBJECTS: &[(&str, &[&str])] = &[
    ("", keys::TOPOLOGY),
    ("/definitions/vnet", keys::VNET),
    ("/definitions/subnetObject", keys::SUBNET),
    ("/definitions/peerObject", keys::PEER),
    ("/definitions/openai", keys::OPENAI),
    ("/definitions/modelDeployment", keys::MODEL_DEPLOYMENT),
    ("/definitions/privateEndpoint", keys::PRIVATE_ENDPOINT),
    ("/definitions/endpointEntry", keys::ENDPOINT_ENTRY),
    ("/definitions/dns", keys::DNS),
    ("/definitions/nsgRule", keys::NSG_RULE),
    ("/definitions/bastion", keys::BASTION),
    ("/definitions/jumpbox", keys::JUMPBOX),
    ("/definitions/vpnGateway", keys::VPN_GATEWAY),
    ("/definitions/dnsResolver", keys::DNS_RESOLVER),
    ("/definitions/egressObject", keys::EGRESS),
    ("/definitions/roleAssignment", keys::ROLE_ASSIGNMENT),
    ("/definitions/login", keys::LOGIN),
    ("/definitions/diagnostics", keys::DIAGNOSTICS),
];

#[test]
fn parser_and_schema_agree_on_keys() {
    let s = schema();
    let mut mismatches = Vec::new();
    for (pointer, parser_keys) in OBJECTS {
        let object = s
            .pointer(pointer)
            .unwrap_or_else(|| panic!("no `{pointer}` in the schema"));
        let in_schema: BTreeSet<&str> = object["properties"]
            .as_object()
            .unwrap_or_else(|| panic!("`{pointer}` has no `properties`"))
            .keys()
            .map(String::as_str)
            .collect();
        let in_parser: BTreeSet<&str> = parser_keys.iter().copied().collect();
        if in_schema != in_parser {
            mismatches.push(format!(
                "`{pointer}`: only in the schema {:?}, only in the parser {:?}",
                in_schema.difference(&in_parser).collect::<Vec<_>>(),
                in_parser.difference(&in_schema).collect::<Vec<_>>()
            ));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

/// Every pointer of `node` (and below) at which an object schema lists `properties`.
fn objects_with_properties(node: &Value, pointer: String, out: &mut Vec<(String, Value)>) {
    match node {
        Value::Object(map) => {
            if map.get("properties").is_some_and(Value::is_object) {
                out.push((pointer.clone(), node.clone()));
            }
            // An `if` schema is a condition on an object defined elsewhere, not an object.
            for (k, v) in map.iter().filter(|(k, _)| *k != "if") {
                let k = k.replace('~', "~0").replace('/', "~1");
                objects_with_properties(v, format!("{pointer}/{k}"), out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                objects_with_properties(v, format!("{pointer}/{i}"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn every_fixed_key_object_is_known_to_the_parser_and_closed() {
    let mut found = Vec::new();
    objects_with_properties(&schema(), String::new(), &mut found);
    let known: BTreeSet<&str> = OBJECTS.iter().map(|(p, _)| *p).collect();
    for (pointer, object) in &found {
        assert!(
            known.contains(pointer.as_str()),
            "`{pointer}` has `properties` but no counterpart in `syntax::keys` is checked here"
        );
        assert_eq!(
            object.get("additionalProperties"),
            Some(&Value::Bool(false)),
            "`{pointer}` must have `additionalProperties: false`"
        );
    }
    assert_eq!(found.len(), OBJECTS.len(), "objects found: {found:?}");
}

const SMALL: &str = "\
name: demo
location: eastus
vnets:
  hub:
    address_space: 10.0.0.0/16
openai:
  deployments:
    gpt-4o: { model: gpt-4o, version: \"2024-11-20\" }
";

/// Compiles `text` and returns the codes of its errors.
fn compiler_errors(text: &str) -> Vec<&'static str> {
    let (_, diags) = aoai_vnet::check_source(&SourceFile::new("test.yaml", text));
    diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| d.code)
        .collect()
}

#[test]
fn the_schema_flags_unknown_keys() {
    let v = validator();
    let base = yaml_to_json(SMALL);
    assert_eq!(errors(&v, &base), Vec::<String>::new(), "the base is valid");
    assert_eq!(
        compiler_errors(SMALL),
        Vec::<&str>::new(),
        "the compiler takes the base"
    );

    let variants = [
        (
            "top level",
            "",
            SMALL.replace("location: eastus\n", "location: eastus\nregion: eastus\n"),
        ),
        (
            "a VNet",
            "/vnets/hub",
            SMALL.replace(
                "    address_space:",
                "    adress_space: 10.0.0.0/16\n    address_space:",
            ),
        ),
        (
            "openai",
            "/openai",
            SMALL.replace("openai:\n", "openai:\n  knd: OpenAI\n"),
        ),
    ];
    for (where_, path, text) in variants {
        assert_ne!(text, SMALL, "the {where_} variant changes the base");
        let instance = yaml_to_json(&text);
        let errs: Vec<_> = v.iter_errors(&instance).collect();
        assert!(
            !errs.is_empty(),
            "an unknown key in {where_} passes the schema:\n{text}"
        );
        assert!(
            errs.iter().all(|e| e.instance_path().as_str() == path),
            "an unknown key in {where_} should be reported at `{path}`, got: {:?}",
            errs.iter()
                .map(|e| format!("`{}`: {e}", e.instance_path()))
                .collect::<Vec<_>>()
        );
        assert_eq!(
            compiler_errors(&text),
            ["E0005"],
            "the compiler reports the unknown key in {where_}"
        );
    }
}

#[test]
fn the_embedded_schema_is_the_file_on_disk() {
    let on_disk = std::fs::read_to_string(Path::new(SCHEMA_PATH)).expect("read the schema");
    assert_eq!(aoai_vnet::TOPOLOGY_SCHEMA, on_disk);
    let embedded: Value = serde_json::from_str(aoai_vnet::TOPOLOGY_SCHEMA).expect("the embedded schema is JSON");
    assert_eq!(embedded, schema());
}

/// A valid base that the cases below extend: `{vnet}` goes inside VNet `hub`, `{openai}` inside
/// `openai`, `{top}` at the top level.
fn topology(vnet: &str, openai: &str, top: &str) -> String {
    format!(
        "name: demo\nlocation: eastus\nvnets:\n  hub:\n    address_space: 10.0.0.0/16\n{vnet}openai:\n  location: eastus2\n{openai}{top}"
    )
}

/// Files the compiler takes must pass the schema, in the forms an editor sees them (plain
/// numbers, other letter cases, single values for lists).
#[test]
fn the_schema_takes_what_the_compiler_takes() {
    let v = validator();
    let cases = [
        (
            "NSG values in other letter cases and `any`",
            topology(
                concat!(
                    "    subnets:\n",
                    "      default: { prefix: /24, nsg: web, service_endpoints: Microsoft.Storage,\n",
                    "                 private_ip_policies: disabled }\n",
                ),
                "",
                concat!(
                    "nsgs:\n",
                    "  web:\n",
                    "    - { name: https, priority: 100, direction: Inbound, access: Allow, protocol: TCP,\n",
                    "        source: VirtualNetwork, ports: [443, \"8000-8100\"] }\n",
                    "    - { name: any, priority: 4096, direction: outbound, access: deny, protocol: any,\n",
                    "        destination: Internet, ports: \"*\" }\n",
                ),
            ),
        ),
        (
            "a single peering object, and a mixed list",
            topology(
                concat!(
                    "    peer: { vnet: spoke, allow_forwarded_traffic: false }\n",
                    "  spoke:\n",
                    "    address_space: [10.1.0.0/16]\n",
                    "    peer: [{ vnet: third }]\n",
                    "  third:\n",
                    "    address_space: 10.2.0.0/16\n",
                    "    dns_servers: 10.1.0.4\n",
                ),
                "",
                "",
            ),
        ),
        (
            "plain numbers where text is expected, and null deployments",
            topology("", "  deployments:\n", "tags: { cost-center: 1234, env: prod }\n"),
        ),
        (
            "a model version that looks like a number",
            topology(
                "",
                "  deployments:\n    gpt-4: { model: gpt-4, version: 0613, sku: standard, capacity: 1 }\n",
                "",
            ),
        ),
        (
            "account settings in other letter cases",
            topology(
                "",
                concat!(
                    "  kind: aiservices\n",
                    "  sku: s0\n",
                    "  identity: NONE\n",
                    "  public_network_access: Selected\n",
                    "  allowed_ips: 203.0.113.0/24\n",
                    "  dns:\n",
                    "    mode: Existing\n",
                    "    zone_ids: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/dns/",
                    "providers/Microsoft.Network/privateDnsZones/privatelink.openai.azure.com\n",
                ),
                "",
            ),
        ),
        (
            "an existing hub, its owners' side and policy-managed DNS",
            topology(
                concat!(
                    "    existing: true\n",
                    "    name: vnet-hub\n",
                    "    resource_group: rg-hub\n",
                    "    subscription: 00000000-0000-0000-0000-000000000002\n",
                    "    subnets: { shared: 10.0.4.0/24 }\n",
                    "  spoke:\n",
                    "    address_space: 10.1.0.0/16\n",
                    "    peer: { vnet: hub, remote_side: Platform, use_remote_gateways: true }\n",
                ),
                concat!(
                    "  private_endpoint: { vnet: spoke }\n",
                    "  dns:\n",
                    "    mode: policy\n",
                    "    zone_ids: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/dns/",
                    "providers/Microsoft.Network/privateDnsZones/privatelink.openai.azure.com\n",
                ),
                "",
            ),
        ),
        (
            "every feature",
            topology(
                "    subnets:\n      default: /24\n      dns-resolver-inbound: 10.0.9.0/28\n",
                concat!(
                    "  private_endpoint: { vnet: hub, subnet: default, name: pep-demo, private_ip: 10.0.0.10 }\n",
                    "  dns: { mode: private-zone, link_vnets: hub }\n",
                ),
                concat!(
                    "cloud: AzureCloud\n",
                    "bastion: { vnet: hub, sku: premium, scale_units: 2 }\n",
                    "jumpbox: { vnet: hub, subnet: default, name: vm-jump, size: Standard_B2s,\n",
                    "           image: Windows-2022, admin_username: ops, encryption_at_host: true }\n",
                    "vpn_gateway: { vnet: hub, sku: vpngw2az, client_address_pool: 172.16.201.0/24,\n",
                    "               tenant_id: 00000000-0000-0000-0000-000000000001 }\n",
                    "dns_resolver: { vnet: hub, inbound_ip: 10.0.9.4 }\n",
                ),
            ),
        ),
        (
            "governance: an existing workspace in lower case, and locks",
            topology(
                "",
                "",
                concat!(
                    "diagnostics:\n  workspace: /subscriptions/33333333-3333-4333-8333-333333333333/resourcegroups/",
                    "rg-logs/providers/microsoft.operationalinsights/workspaces/law-central\nlocks: true\n",
                ),
            ),
        ),
        (
            "governance: a new workspace written `New` with the longest retention",
            topology(
                "",
                "",
                "diagnostics: { workspace: New, retention_days: 730 }\nlocks: false\n",
            ),
        ),
    ];
    let mut failures = Vec::new();
    for (what, text) in &cases {
        let compiler = compiler_errors(text);
        let schema = errors(&v, &yaml_to_json(text));
        if !compiler.is_empty() || !schema.is_empty() {
            failures.push(format!("{what}: compiler {compiler:?}, schema {schema:?}\n{text}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Values the compiler refuses that the schema can see are refused by both.
#[test]
fn the_schema_refuses_what_the_compiler_refuses() {
    let v = validator();
    let cases = [
        (
            "a bad workload name",
            topology("", "", "").replace("name: demo", "name: Demo_1"),
        ),
        (
            "plain `enabled` public access",
            topology("", "  public_network_access: enabled\n", ""),
        ),
        (
            "a boolean written as text",
            topology("", "  trusted_services: \"true\"\n", ""),
        ),
        (
            "a subnet outside IPv4",
            topology("    subnets: { default: 10.0.0.0/33 }\n", "", ""),
        ),
        (
            "a priority out of range",
            topology(
                "    subnets: { default: { prefix: /24, nsg: web } }\n",
                "",
                "nsgs:\n  web:\n    - { name: r, priority: 50, direction: inbound, access: allow }\n",
            ),
        ),
        (
            "Bastion scaled below 2",
            topology("", "", "bastion: { scale_units: 1 }\n"),
        ),
        (
            "an unknown jump-box image",
            topology("", "", "jumpbox: { image: debian-12 }\n"),
        ),
        (
            "a non-AZ VPN SKU",
            topology(
                "",
                "",
                "vpn_gateway: { sku: VpnGw1, client_address_pool: 172.16.0.0/24 }\n",
            ),
        ),
        (
            "a deployment without a model",
            topology("", "  deployments: { d1: { capacity: 1 } }\n", ""),
        ),
        (
            "an existing VNet without its name",
            topology("    existing: true\n", "", ""),
        ),
        (
            "a peering's remote side that is neither `include` nor `platform`",
            topology(
                "    existing: true\n    name: vnet-hub\n  spoke:\n    address_space: 10.1.0.0/16\n    peer: { vnet: hub, remote_side: both }\n",
                "  private_endpoint: { vnet: spoke }\n",
                "",
            ),
        ),
        (
            "retention past two years",
            topology("", "", "diagnostics: { retention_days: 731 }\n"),
        ),
        (
            "a workspace that is neither `new` nor a workspace ID",
            topology(
                "",
                "",
                "diagnostics: { workspace: /subscriptions/33333333-3333-4333-8333-333333333333/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st1 }\n",
            ),
        ),
        (
            "locks written as text",
            topology("", "", "locks: \"yes\"\n"),
        ),
        (
            "an NSG rule without a direction",
            topology(
                "    subnets: { default: { prefix: /24, nsg: web } }\n",
                "",
                "nsgs:\n  web:\n    - { name: r, priority: 100, access: allow }\n",
            ),
        ),
    ];
    let mut failures = Vec::new();
    for (what, text) in &cases {
        let compiler = compiler_errors(text);
        let schema = errors(&v, &yaml_to_json(text));
        if compiler.is_empty() || schema.is_empty() {
            failures.push(format!("{what}: compiler {compiler:?}, schema {schema:?}\n{text}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
