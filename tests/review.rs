//! The review and pipeline tools, run as a user would: `plan`, `graph`, `hosts`, `doctor`,
//! `init`, `completions` and `man`. `doctor` only ever talks to listeners this test opens on
//! 127.0.0.1 (or to names that never resolve): no traffic leaves the machine.

mod common;
use common::*;
use std::fs;
use std::io::ErrorKind;
use std::net::TcpListener;
use std::path::Path;
use std::time::{Duration, Instant};

const BROKEN: &str = "name: demo\nlocation: eastus\nvnets:\n  hub:\n    address_space: 10.0.0.1/16\nopenai: {}\n";

fn example(name: &str) -> String {
    repo().join("examples").join(name).display().to_string()
}

// ---------------------------------------------------------------- plan

#[test]
fn plan_markdown_reviews_the_guide() {
    let dir = scratch("review-plan-md");
    let g = example("guide.yaml");
    let o = run_in(&dir, &["plan", &g]);
    assert!(o.status.success(), "{}", stderr(&o));
    let md = stdout(&o);
    assert!(
        md.starts_with("<!-- aoai-vnet plan -->\n## aoai-vnet plan: `contoso`"),
        "{md}"
    );
    for section in [
        "### Address plan",
        "### Resources",
        "### Private DNS",
        "### Security",
        "### Diagram",
    ] {
        assert!(md.contains(section), "{section} missing:\n{md}");
    }
    // The address plan: every subnet with its CIDR, the free space and the largest free block.
    assert!(
        md.contains("| `vnet-contoso-main` (main) | eastus | `10.0.0.0/16` | 3 | 352 | 65,184 | `10.0.128.0/17` |"),
        "{md}"
    );
    assert!(md.contains("| `private-endpoints` | `10.0.1.0/27` | 32 (27) |"), "{md}");
    assert!(
        md.contains("| `AzureBastionSubnet` | `10.0.1.64/26` | 64 (59) |"),
        "{md}"
    );
    // Resources by type, with regions.
    assert!(
        md.contains("| `Microsoft.CognitiveServices/accounts` | 1 | eastus2 |"),
        "{md}"
    );
    assert!(
        md.contains("| `Microsoft.Network/privateDnsZones` | 1 | global |"),
        "{md}"
    );
    assert!(md.contains("`oai-contoso/text-embedding-3-small`"), "{md}");
    // DNS and security.
    assert!(md.contains("`privatelink-openai-azure-com`"), "{md}");
    assert!(md.contains("Public network access: **disabled**"), "{md}");
    assert!(md.contains("Local (API key) authentication: **disabled**"), "{md}");
    assert!(md.contains("| public IP | `pip-bas-contoso-main` |"), "{md}");
    assert!(
        md.contains("SSH only from `AzureBastionSubnet` (`10.0.1.64/26`)"),
        "{md}"
    );
    // The diagram, fenced for GitHub.
    assert!(md.contains("```mermaid\nflowchart LR\n"), "{md}");
    assert!(md.contains("pe -->|\"private link\"| account"), "{md}");
    // Same input, same bytes; nothing written.
    assert_eq!(stdout(&run_in(&dir, &["plan", &g])), md);
    assert_eq!(fs::read_dir(&dir).unwrap().count(), 0, "plan writes nothing");
}

#[test]
fn plan_json_is_a_stable_shape() {
    let dir = scratch("review-plan-json");
    let o = run_in(&dir, &["plan", &example("hub-spoke-vpn.yaml"), "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let p: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(p["format_version"], 1);
    assert_eq!(p["name"], "northwind");
    let vnets = p["address_plan"]["vnets"].as_array().unwrap();
    assert_eq!(vnets.len(), 3);
    let hub = &vnets[0];
    assert_eq!(hub["key"], "hub");
    assert_eq!(hub["addresses"], 1024);
    let allocated: u64 = hub["subnets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["addresses"].as_u64().unwrap())
        .sum();
    assert_eq!(hub["allocated"].as_u64().unwrap(), allocated);
    assert_eq!(hub["free"].as_u64().unwrap(), 1024 - allocated);
    let gw = hub["subnets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "GatewaySubnet")
        .unwrap();
    assert_eq!(gw["role"], "gateway");
    assert!(gw["nsg"].is_null());
    assert_eq!(gw["holds"][0]["kind"], "vpn-gateway");
    assert_eq!(p["address_plan"]["vpn_client_pools"][0], "172.31.250.0/24");
    assert_eq!(
        p["peerings"].as_array().unwrap().len(),
        4,
        "both directions of two peerings"
    );
    assert!(p["resources"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["type"] == "Microsoft.Network/virtualNetworkGateways" && r["location"] == "eastus2"));
    assert_eq!(p["dns"]["mode"], "private-zone");
    assert_eq!(p["dns"]["linked_vnets"], serde_json::json!(["hub", "web", "batch"]));
    assert_eq!(p["security"]["public_network_access"], "disabled");
    let exposed = p["security"]["exposed"].as_array().unwrap();
    assert_eq!(exposed.len(), 2, "Bastion's and the gateway's public IPs: {exposed:?}");
    assert!(exposed.iter().all(|e| e["kind"] == "public-ip"));
    let no_nsg = p["security"]["subnets_without_nsg"].as_array().unwrap();
    assert_eq!(no_nsg.len(), 1);
    assert_eq!(no_nsg[0]["subnet"], "GatewaySubnet");
}

#[test]
fn plan_shows_what_is_exposed() {
    let dir = scratch("review-plan-exposed");
    let o = run_in(&dir, &["plan", &example("selected-networks.yaml"), "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let p: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let s = &p["security"];
    assert_eq!(s["public_network_access"], "selected");
    assert_eq!(s["allowed_ips"], serde_json::json!(["203.0.113.0/24", "198.51.100.7"]));
    let kinds: Vec<&str> = s["exposed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["public-ip", "account-public-endpoint", "trusted-services"]);

    // An NSG rule that lets the internet in is reported, with its ports.
    let open = "name: demo\nlocation: eastus\nvnets:\n  main:\n    address_space: 10.0.0.0/16\n    subnets:\n      default: { prefix: /24, nsg: open }\nnsgs:\n  open:\n    - { name: ssh-from-anywhere, priority: 100, direction: inbound, access: allow, protocol: tcp, source: Internet, destination: \"*\", ports: 8443 }\nopenai: { private_endpoint: { private_ip: 10.0.0.10 } }\n";
    fs::write(dir.join("open.yaml"), open).unwrap();
    let o = run_in(&dir, &["plan", "open.yaml"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let md = stdout(&o);
    assert!(
        md.contains("| NSG rule | `nsg-demo-open/ssh-from-anywhere` | allows Tcp port 8443 inbound from Internet"),
        "{md}"
    );
    assert!(md.contains("```\n10.0.0.10 oai-demo.openai.azure.com\n```"), "{md}");
}

#[test]
fn plan_works_for_every_example() {
    let dir = scratch("review-plan-examples");
    for ex in examples() {
        let f = ex.display().to_string();
        for format in ["markdown", "json"] {
            let o = run_in(&dir, &["plan", &f, "--format", format]);
            assert!(o.status.success(), "{f} {format}: {}", stderr(&o));
            assert!(!stdout(&o).is_empty());
        }
        let o = run_in(&dir, &["plan", &f]);
        let md = stdout(&o);
        let diagram = md.matches("```mermaid").count() == 1;
        let too_large = md.contains("more than GitHub's Mermaid renders");
        assert!(
            diagram != too_large,
            "{f}: one diagram, or the note that it is too large"
        );
        // GitHub splits table cells at every unescaped `|`: all rows of a table have as many.
        for table in md.split("\n\n").filter(|b| b.starts_with('|')) {
            let cells = |l: &str| l.replace("\\|", "").matches('|').count();
            let first = cells(table.lines().next().unwrap());
            assert!(table.lines().all(|l| cells(l) == first), "{f}: ragged table\n{table}");
        }
    }
}

#[test]
fn plan_of_a_broken_topology_exits_1_and_prints_nothing() {
    let dir = scratch("review-plan-broken");
    fs::write(dir.join("t.yaml"), BROKEN).unwrap();
    for cmd in ["plan", "graph", "hosts"] {
        let o = run_in(&dir, &[cmd, "t.yaml"]);
        assert_eq!(o.status.code(), Some(1), "{cmd}");
        assert!(stdout(&o).is_empty(), "{cmd}");
        assert!(stderr(&o).contains("error[E0202]"), "{cmd}: {}", stderr(&o));
    }
    let o = run_in(&dir, &["plan", "missing.yaml"]);
    assert_eq!(o.status.code(), Some(5));
    assert_eq!(
        run_in(&dir, &["plan", "t.yaml", "--format", "html"]).status.code(),
        Some(2)
    );
}

// ---------------------------------------------------------------- graph

#[test]
fn graph_mermaid_and_dot() {
    let dir = scratch("review-graph");
    let f = example("hub-spoke-vpn.yaml");
    let o = run_in(&dir, &["graph", &f]);
    assert!(o.status.success(), "{}", stderr(&o));
    let m = stdout(&o);
    assert!(m.starts_with("flowchart LR\n"), "{m}");
    for line in [
        "subgraph vnet0[\"vnet-northwind-hub (hub) 10.100.0.0/22 eastus2\"]",
        "vnet0 <-->|\"peering, gateway transit\"| vnet1",
        "vnet0 <-->|\"peering, gateway transit\"| vnet2",
        "vpnclients -->|\"OpenVPN, Entra ID\"| gateway",
        "internet -->|\"HTTPS 443\"| bastion",
        "bastion -->|\"SSH 22\"| jumpbox",
        "zone0 -.->|\"link\"| vnet2",
    ] {
        assert!(m.contains(line), "{line} missing:\n{m}");
    }
    // Subgraph blocks are balanced.
    let opens = m.lines().filter(|l| l.trim_start().starts_with("subgraph ")).count();
    let ends = m.lines().filter(|l| l.trim() == "end").count();
    assert_eq!(opens, ends, "{m}");
    assert_eq!(stdout(&run_in(&dir, &["graph", &f, "--format", "mermaid"])), m);

    let o = run_in(&dir, &["graph", &f, "--format", "dot"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let d = stdout(&o);
    assert!(d.starts_with("digraph aoai_vnet {\n") && d.ends_with("}\n"), "{d}");
    assert_eq!(d.matches('{').count(), d.matches('}').count(), "{d}");
    assert!(d.contains("subgraph cluster_vnet0 {"), "{d}");
    assert!(d.contains("dir=both, ltail=cluster_vnet0, lhead=cluster_vnet1"), "{d}");
    assert!(d.contains("pe -> account [label=\"private link\"];"), "{d}");
    assert_eq!(run_in(&dir, &["graph", &f, "--format", "svg"]).status.code(), Some(2));
}

// ---------------------------------------------------------------- hosts

#[test]
fn hosts_from_a_static_ip() {
    let dir = scratch("review-hosts-static");
    let o = run_in(&dir, &["hosts", &example("no-dns.yaml")]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "172.20.1.10 woodgrove-ai.openai.azure.com\n");
    assert!(stderr(&o).contains("private_ip"), "{}", stderr(&o));
    // An AI Services account has one name per zone.
    let o = run_in(&dir, &["hosts", &example("resolver.yaml")]);
    assert_eq!(
        stdout(&o),
        "10.41.0.10 oai-adatum.openai.azure.com\n10.41.0.10 oai-adatum.cognitiveservices.azure.com\n10.41.0.10 oai-adatum.services.ai.azure.com\n"
    );
}

#[test]
fn hosts_from_deployment_outputs() {
    let dir = scratch("review-hosts-outputs");
    let guide = example("guide.yaml");
    // Nothing known yet: a clear message, exit 5, nothing on stdout.
    let o = run_in(&dir, &["hosts", &guide]);
    assert_eq!(o.status.code(), Some(5));
    assert!(stdout(&o).is_empty());
    let err = stderr(&o);
    assert!(
        err.contains("the IP of private endpoint `pep-oai-contoso` is not known yet"),
        "{err}"
    );
    assert!(err.contains("infra/deployment-outputs.json"), "{err}");

    // The file `aoai-vnet deploy` writes, at its default place.
    fs::create_dir_all(dir.join("infra")).unwrap();
    fs::write(
        dir.join("infra/deployment-outputs.json"),
        r#"{"openaiAccountName": {"type": "String", "value": "oai-contoso"},
            "openaiEndpoint": {"type": "String", "value": "https://oai-contoso.openai.azure.com/"},
            "privateEndpointIp": {"type": "String", "value": "10.0.1.4"},
            "vnetIds": {"type": "Object", "value": {"main": "/subscriptions/x"}}}"#,
    )
    .unwrap();
    let o = run_in(&dir, &["hosts", &guide]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "10.0.1.4 oai-contoso.openai.azure.com\n");

    // Elsewhere with --outputs; lowercase `string` as `az` prints it; a whole deployment works too.
    fs::write(
        dir.join("az.json"),
        r#"{"properties": {"outputs": {"privateEndpointIp": {"type": "string", "value": "10.0.1.5"}}}}"#,
    )
    .unwrap();
    let o = run_in(&dir, &["hosts", &guide, "--outputs", "az.json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "10.0.1.5 oai-contoso.openai.azure.com\n");

    // A pinned IP that the deployment contradicts: the deployment wins, with a warning.
    let o = run_in(&dir, &["hosts", &example("no-dns.yaml"), "--outputs", "az.json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "10.0.1.5 woodgrove-ai.openai.azure.com\n");
    assert!(
        stderr(&o).contains("pins 172.20.1.10 for `pep-oai-woodgrove` but the deployment reported 10.0.1.5"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn hosts_refuses_bad_outputs() {
    let dir = scratch("review-hosts-bad");
    let guide = example("guide.yaml");
    let o = run_in(&dir, &["hosts", &guide, "--outputs", "missing.json"]);
    assert_eq!(o.status.code(), Some(5));
    assert!(stderr(&o).contains("cannot read missing.json"), "{}", stderr(&o));
    for (text, why) in [
        ("not json", "not JSON"),
        (
            r#"{"privateEndpointIp": {"type": "String", "value": "ten"}}"#,
            "not an IP address",
        ),
        (
            r#"{"privateEndpointIp": {"type": "Object", "value": {}}}"#,
            "expected `String`",
        ),
        (
            r#"{"openaiEndpoint": {"type": "String", "value": "https://other.openai.azure.com/"}, "privateEndpointIp": {"type": "String", "value": "10.9.9.9"}}"#,
            "deployment of `other.openai.azure.com`",
        ),
    ] {
        fs::write(dir.join("out.json"), text).unwrap();
        let o = run_in(&dir, &["hosts", &guide, "--outputs", "out.json"]);
        assert_eq!(o.status.code(), Some(5), "{text}");
        assert!(stdout(&o).is_empty(), "{text}");
        assert!(stderr(&o).contains(why), "{text}: {}", stderr(&o));
    }
}

// ---------------------------------------------------------------- doctor

/// A listener on 127.0.0.1 that records whether anyone connected.
struct Listener {
    inner: TcpListener,
    port: u16,
}

impl Listener {
    fn open() -> Listener {
        let inner = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        inner.set_nonblocking(true).unwrap();
        let port = inner.local_addr().unwrap().port();
        Listener { inner, port }
    }

    /// Whether a connection is waiting (doctor has exited by now, so it is queued or absent).
    fn was_connected(&self) -> bool {
        match self.inner.accept() {
            Ok(_) => true,
            Err(e) if e.kind() == ErrorKind::WouldBlock => false,
            Err(e) => panic!("accept: {e}"),
        }
    }
}

/// A port on 127.0.0.1 where nothing listens.
fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

fn doctor(args: &[&str]) -> (std::process::Output, Duration) {
    doctor_with_tools(args, None)
}

/// `doctor` with only the tools in `tools` (a folder that becomes PATH and HOME; none: no tools).
fn doctor_with_tools(args: &[&str], tools: Option<&Path>) -> (std::process::Output, Duration) {
    let start = Instant::now();
    // Shared by tests running in parallel: created, never emptied.
    let empty = Path::new(env!("CARGO_TARGET_TMPDIR")).join("doctor-no-tools");
    std::fs::create_dir_all(&empty).unwrap();
    let tools = tools.unwrap_or(&empty);
    let o = bin()
        .current_dir(env!("CARGO_TARGET_TMPDIR"))
        .arg("doctor")
        .args(args)
        .env("NO_COLOR", "1")
        .env("PATH", tools)
        .env("HOME", tools)
        .env_remove("AOAI_VNET_BICEP")
        .output()
        .expect("the binary runs");
    (o, start.elapsed())
}

#[cfg(unix)]
#[test]
fn doctor_reports_the_tools_it_finds() {
    use std::os::unix::fs::PermissionsExt;
    let l = Listener::open();
    let port = l.port.to_string();
    let args = ["127.0.0.1", "--port", &port, "--timeout", "2"];
    let (o, _) = doctor_with_tools(&args, None);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{}", stderr(&o));
    assert!(out.contains("Tools on this machine:"), "{out}");
    assert!(out.contains("  az: not found on PATH"), "{out}");
    assert!(
        out.contains("  bicep: not found (AOAI_VNET_BICEP is not set, no `bicep` on PATH, no ~/.azure/bin/bicep)"),
        "{out}"
    );

    // `az` on PATH, the Bicep CLI where `az bicep install` puts it (~/.azure/bin).
    let tools = scratch("doctor-tools");
    let script = |path: &Path, text: &str| {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    };
    script(&tools.join("az"), "#!/bin/sh\necho 2.67.0\n");
    script(
        &tools.join(".azure/bin/bicep"),
        "#!/bin/sh\n[ \"$1\" = --version ] && echo 'Bicep CLI version 0.49.2 (b34271ac51)'\n",
    );
    let (o, _) = doctor_with_tools(&args, Some(&tools));
    let out = stdout(&o);
    assert!(
        out.contains(&format!("  az: {} (from PATH): 2.67.0", tools.join("az").display())),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "  bicep: {} (from ~/.azure/bin): Bicep CLI version 0.49.2 (b34271ac51)",
            tools.join(".azure/bin/bicep").display()
        )),
        "{out}"
    );
}

#[test]
fn doctor_passes_against_a_listener() {
    let l = Listener::open();
    let port = l.port.to_string();
    let (o, _) = doctor(&["127.0.0.1", "--port", &port, "--expect", "127.0.0.1", "--timeout", "2"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{}", stderr(&o));
    assert!(out.contains("127.0.0.1  loopback"), "{out}");
    assert!(out.contains(&format!("3. Connect to 127.0.0.1:{port}")), "{out}");
    assert!(out.contains("ok: connected"), "{out}");
    assert!(
        out.contains(&format!(
            "OK: 127.0.0.1 resolves to 127.0.0.1 and port {port} accepts connections."
        )),
        "{out}"
    );
    assert!(l.was_connected(), "doctor opened a connection");

    // A URL with a port, as an endpoint with a port is written: the port is the URL's.
    let url = format!("https://127.0.0.1:{port}/openai");
    let (o, _) = doctor(&[&url, "--expect", "127.0.0.1", "--timeout", "2"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains(&format!("3. Connect to 127.0.0.1:{port}")),
        "{}",
        stdout(&o)
    );
    assert!(l.was_connected(), "doctor connected to the URL's port");
    let (o, _) = doctor(&[&url, "--port", "1", "--timeout", "2"]);
    assert_eq!(o.status.code(), Some(2), "two ports: {}", stderr(&o));

    // By name, through the system resolver (localhost is in every hosts file).
    let (o, _) = doctor(&["localhost", "--port", &port, "--timeout", "2"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("1. Resolve localhost"), "{}", stdout(&o));
}

#[test]
fn doctor_names_a_firewall_when_the_port_is_closed() {
    let port = closed_port().to_string();
    let (o, took) = doctor(&["127.0.0.1", "--port", &port, "--expect", "127.0.0.1", "--timeout", "2"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(5), "{out}");
    assert!(out.contains("FAILED: connection refused"), "{out}");
    assert!(out.contains("Likely cause: a firewall is blocking the port."), "{out}");
    assert!(took < Duration::from_secs(10), "{took:?}");
}

#[test]
fn doctor_reports_a_dns_issue_and_never_connects_to_the_expected_ip() {
    let l = Listener::open();
    let port = l.port.to_string();
    // localhost resolves to loopback, not to 10.0.0.5: a DNS issue. The connection goes to what
    // resolved (our listener), never to 10.0.0.5.
    let (o, took) = doctor(&["localhost", "--expect", "10.0.0.5", "--port", &port, "--timeout", "2"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(5), "{out}");
    assert!(
        out.contains("2. Compare with the expected private IP 10.0.0.5"),
        "{out}"
    );
    assert!(
        out.contains("FAILED: 10.0.0.5 is not among the addresses above"),
        "{out}"
    );
    assert!(out.contains("Likely cause: DNS issue."), "{out}");
    assert!(!out.contains("Connect to 10.0.0.5"), "{out}");
    for line in out.lines().filter(|l| l.starts_with("3. Connect to ")) {
        assert!(
            line.contains("127.0.0.1:") || line.contains("[::1]:"),
            "only loopback is contacted: {line}"
        );
    }
    assert!(l.was_connected(), "it connected to the address that resolved:\n{out}");
    assert!(took < Duration::from_secs(10), "{took:?}");
}

#[test]
fn doctor_reports_a_name_that_does_not_resolve() {
    // `.invalid` never resolves (RFC 6761); doctor answers at once, resolver or not.
    let (o, took) = doctor(&["no-such-account.invalid", "--timeout", "2"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(5), "{out}");
    assert!(out.contains("1. Resolve no-such-account.invalid"), "{out}");
    assert!(out.contains("no address"), "{out}");
    assert!(
        out.contains("FAILED: no-such-account.invalid does not resolve."),
        "{out}"
    );
    assert!(out.contains("Likely cause: DNS issue."), "{out}");
    assert!(!out.contains("Connect to"), "{out}");
    assert!(took < Duration::from_secs(2), "{took:?}");
    // A URL (the `openaiEndpoint` output) is accepted.
    let (o, _) = doctor(&["https://no-such-account.invalid/", "--timeout", "2"]);
    assert!(
        stdout(&o).contains("1. Resolve no-such-account.invalid"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn doctor_usage_errors_exit_2() {
    assert_eq!(doctor(&["localhost", "--expect", "ten"]).0.status.code(), Some(2));
    assert_eq!(doctor(&["localhost", "--timeout", "0"]).0.status.code(), Some(2));
    assert_eq!(doctor(&["localhost", "--port", "70000"]).0.status.code(), Some(2));
    assert_eq!(doctor(&[]).0.status.code(), Some(2));
}

// ---------------------------------------------------------------- init

#[test]
fn init_writes_a_commented_starter_that_builds() {
    let dir = scratch("review-init");
    let o = run_in(&dir, &["init"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = fs::read_to_string(dir.join("aoai-vnet.yaml")).unwrap();
    // Every key of the starter is explained by a comment.
    for key in [
        "name:",
        "location:",
        "tags:",
        "vnets:",
        "address_space:",
        "subnets:",
        "openai:",
        "deployments:",
        "bastion:",
        "jumpbox:",
    ] {
        let at = text
            .find(&format!("\n{key}"))
            .or_else(|| text.find(&format!(" {key}")))
            .unwrap_or_else(|| panic!("{key}"));
        let before: Vec<&str> = text[..at].lines().rev().take(3).collect();
        assert!(
            before.iter().any(|l| l.trim_start().starts_with('#')),
            "no comment before {key}"
        );
    }
    // `build` with no arguments works in that folder, cleanly.
    let o = run_in(&dir, &["build"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("warning"), "{}", stderr(&o));
    assert!(dir.join("infra/main.json").is_file());
    let o = run_in(&dir, &["plan"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn init_never_overwrites() {
    let dir = scratch("review-init-exists");
    fs::write(dir.join("aoai-vnet.yaml"), "mine").unwrap();
    let o = run_in(&dir, &["init"]);
    assert_eq!(o.status.code(), Some(5));
    assert!(stderr(&o).contains("aoai-vnet.yaml already exists"), "{}", stderr(&o));
    assert_eq!(fs::read_to_string(dir.join("aoai-vnet.yaml")).unwrap(), "mine");
}

#[test]
fn init_examples_are_every_example_and_build() {
    let dir = scratch("review-init-examples");
    // An unknown name lists the valid ones, which are exactly the files in examples/.
    let o = run_in(&dir, &["init", "--example", "nope"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    let names: Vec<String> = examples()
        .iter()
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(
        err.contains(&format!("[possible values: {}]", names.join(", "))),
        "init's examples differ from examples/ ({names:?}): update EXAMPLES in src/cli/init.rs\n{err}"
    );
    assert!(!dir.join("aoai-vnet.yaml").exists());
    for name in &names {
        let sub = dir.join(name);
        fs::create_dir_all(&sub).unwrap();
        let o = run_in(&sub, &["init", "--example", name]);
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        let text = fs::read_to_string(sub.join("aoai-vnet.yaml")).unwrap();
        assert!(!text.contains("../schemas"), "{name}: the schema path would not exist");
        let o = run_in(&sub, &["build"]);
        assert!(o.status.success(), "{name}: {}", stderr(&o));
    }
}

// ---------------------------------------------------------------- completions and man

const NEW_COMMANDS: [&str; 7] = ["plan", "graph", "hosts", "doctor", "init", "completions", "man"];

#[test]
fn completions_cover_every_command() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let o = run_in(&repo(), &["completions", shell]);
        assert!(o.status.success(), "{shell}: {}", stderr(&o));
        let out = stdout(&o);
        for c in NEW_COMMANDS.iter().chain(&["build", "check", "schema"]) {
            assert!(out.contains(c), "{shell} completion lacks {c}");
        }
    }
    assert!(stdout(&run_in(&repo(), &["completions", "bash"])).contains("--expect"));
    assert_eq!(run_in(&repo(), &["completions", "tcsh"]).status.code(), Some(2));
}

#[test]
fn man_pages() {
    let o = run_in(&repo(), &["man"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let page = stdout(&o);
    assert!(page.contains(".TH aoai-vnet 1"), "{page}");
    for c in NEW_COMMANDS.iter().chain(&["build", "check", "schema"]) {
        assert!(
            page.contains(&format!("aoai\\-vnet\\-{c}(1)")),
            "man page lacks {c}:\n{page}"
        );
    }
    let o = run_in(&repo(), &["man", "doctor"]);
    assert!(o.status.success());
    let page = stdout(&o);
    assert!(page.contains(".TH aoai-vnet-doctor 1"), "{page}");
    assert!(page.contains("\\-\\-expect"), "{page}");
    let o = run_in(&repo(), &["man", "nope"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("doctor"), "{}", stderr(&o));
}

#[test]
fn help_lists_the_review_commands() {
    let out = stdout(&run_in(&repo(), &["--help"]));
    for c in NEW_COMMANDS {
        assert!(out.contains(c), "{c} missing:\n{out}");
    }
}
