//! One case per rule: a small topology that breaks it, the code it must produce, and where.

use aoai_vnet::{check_source, source::SourceFile};

/// A valid topology that each case edits.
const BASE: &str = "name: demo
location: eastus
vnets:
  hub:
    address_space: 10.0.0.0/16
    subnets:
      default: 10.0.0.0/24
      private-endpoints: /27
openai: {}
bastion: { vnet: hub }
jumpbox: { vnet: hub }
";

/// (code, line, path) of every diagnostic.
fn diags(text: &str) -> Vec<(&'static str, u32, String)> {
    let (_, d) = check_source(&SourceFile::new("t.yaml", text));
    d.into_iter()
        .map(|d| (d.code, d.span.map_or(0, |s| s.start.line), d.path.unwrap_or_default()))
        .collect()
}

fn with(replace: &str, by: &str) -> String {
    assert!(BASE.contains(replace), "{replace}");
    BASE.replacen(replace, by, 1)
}

#[track_caller]
fn expect(text: &str, code: &str, line: u32, path: &str) {
    let d = diags(text);
    assert!(
        d.iter().any(|(c, l, p)| *c == code && *l == line && p == path),
        "expected {code} at line {line} ({path}), got {d:?}\n{text}"
    );
}

#[test]
fn base_is_clean() {
    assert_eq!(diags(BASE), vec![]);
}

#[test]
fn syntax_rules() {
    expect("name: [\n", "E0001", 2, "");
    expect("name: a\nname: b\n", "E0002", 2, "");
    expect("", "E0003", 0, "");
    expect(&with("name: demo", "name: [demo]"), "E0004", 1, "name");
    expect(&with("openai: {}", "openai: { knd: OpenAI }"), "E0005", 9, "openai.knd");
    let no_space = with("    address_space: 10.0.0.0/16\n", "");
    expect(&no_space, "E0006", 4, "vnets.hub");
    assert_eq!(
        diags(&no_space).len(),
        1,
        "no cascade of errors from a VNet without address space"
    );
    expect(
        &with("bastion: { vnet: hub }", "bastion: { vnet: hub, sku: Gold }"),
        "E0007",
        10,
        "bastion.sku",
    );
}

#[test]
fn name_and_region_rules() {
    expect(&with("name: demo", "name: Demo_1"), "E0101", 1, "name");
    expect(
        &with("  hub:\n", "  hub:\n    name: vnet hub\n"),
        "E0102",
        5,
        "vnets.hub.name",
    );
    let two = with(
        "openai: {}",
        "  spoke:\n    name: vnet-demo-hub\n    address_space: 10.1.0.0/16\n    peer: hub\nopenai: {}",
    );
    expect(&two, "E0103", 10, "vnets.spoke.name");
    expect(&with("location: eastus", "location: eastuss"), "E0104", 2, "location");
    expect(
        &with("location: eastus", "location: usgovvirginia"),
        "E0104",
        2,
        "location",
    );
    expect(
        &with("location: eastus", "location: eastus\ncloud: AzureGermany"),
        "E0105",
        3,
        "cloud",
    );
    expect(
        &with("location: eastus", "location: eastus\ntags: { \"a/b\": x }"),
        "E0107",
        3,
        "tags.a/b",
    );
    expect(
        &with(
            "jumpbox: { vnet: hub }",
            "jumpbox: { vnet: hub, image: windows-2022, name: vm-demo-jumpbox-01 }",
        ),
        "E0102",
        11,
        "jumpbox.name",
    );
}

#[test]
fn address_rules() {
    expect(&with("10.0.0.0/16", "10.0.0/16"), "E0201", 5, "vnets.hub.address_space");
    expect(
        &with("10.0.0.0/16", "10.0.0.1/16"),
        "E0202",
        5,
        "vnets.hub.address_space",
    );
    expect(
        &with("default: 10.0.0.0/24", "default: 10.1.0.0/24"),
        "E0203",
        7,
        "vnets.hub.subnets.default",
    );
    expect(
        &with("private-endpoints: /27", "private-endpoints: 10.0.0.128/27"),
        "E0204",
        8,
        "vnets.hub.subnets.private-endpoints",
    );
    expect(
        &with("private-endpoints: /27", "private-endpoints: /30"),
        "E0205",
        8,
        "vnets.hub.subnets.private-endpoints",
    );
    expect(
        &with(
            "private-endpoints: /27",
            "private-endpoints: /27\n      AzureBastionSubnet: /27",
        ),
        "E0205",
        9,
        "vnets.hub.subnets.AzureBastionSubnet",
    );
    expect(
        &with("10.0.0.0/16", "10.0.0.0/24"),
        "E0206",
        8,
        "vnets.hub.subnets.private-endpoints",
    );
    expect(
        &with("10.0.0.0/16", "[10.0.0.0/16, 10.0.128.0/17]"),
        "E0207",
        5,
        "vnets.hub.address_space.1",
    );
    expect(
        &with("    subnets:", "    dns_servers: [10.0.0.300]\n    subnets:"),
        "E0208",
        6,
        "vnets.hub.dns_servers.0",
    );
    expect(
        &with("openai: {}", "openai: { private_endpoint: { private_ip: 10.0.0.7 } }"),
        "E0209",
        9,
        "openai.private_endpoint.private_ip",
    );
    expect(
        &with("openai: {}", "openai: { private_endpoint: { private_ip: 10.0.1.3 } }"),
        "E0210",
        9,
        "openai.private_endpoint.private_ip",
    );
}

#[test]
fn reference_rules() {
    expect(
        &with("bastion: { vnet: hub }", "bastion: { vnet: hbu }"),
        "E0301",
        10,
        "bastion.vnet",
    );
    expect(
        &with("openai: {}", "openai: { private_endpoint: { subnet: endpoints } }"),
        "E0302",
        9,
        "openai.private_endpoint.subnet",
    );
    expect(
        &with(
            "private-endpoints: /27",
            "private-endpoints: { prefix: /27, nsg: wokload }",
        ),
        "E0303",
        8,
        "vnets.hub.subnets.private-endpoints.nsg",
    );
    expect(
        &with(
            "openai: {}",
            "openai: { private_endpoint: { subnet: AzureBastionSubnet } }",
        ),
        "E0304",
        9,
        "openai.private_endpoint.subnet",
    );
    expect(
        &with(
            "jumpbox: { vnet: hub }",
            "jumpbox: { vnet: hub, subnet: GatewaySubnet }",
        ),
        "E0302",
        11,
        "jumpbox.subnet",
    );
}

const NSG: &str = "nsgs:\n  w:\n    - { name: a, priority: 100, direction: inbound, access: allow, protocol: tcp, source: VirtualNetwork, ports: 443 }\n";

fn with_nsg(rule: &str) -> String {
    let set = format!("nsgs:\n  w:\n    - {{ name: a, priority: 100, direction: inbound, access: allow, protocol: tcp, source: VirtualNetwork, ports: 443 }}\n    - {rule}\n");
    with("private-endpoints: /27", "private-endpoints: { prefix: /27, nsg: w }") + &set
}

#[test]
fn nsg_rules() {
    assert_eq!(
        diags(&(with("private-endpoints: /27", "private-endpoints: { prefix: /27, nsg: w }") + NSG)),
        vec![]
    );
    expect(
        &with_nsg("{ name: b, priority: 50, direction: inbound, access: allow }"),
        "E0401",
        15,
        "nsgs.w.1.priority",
    );
    expect(
        &with_nsg("{ name: b, priority: 100, direction: inbound, access: deny }"),
        "E0402",
        15,
        "nsgs.w.1.priority",
    );
    expect(
        &with_nsg("{ name: b, priority: 200, direction: inbound, access: allow, ports: 70000 }"),
        "E0404",
        15,
        "nsgs.w.1.ports",
    );
    expect(
        &with_nsg("{ name: b, priority: 200, direction: inbound, access: allow, source: VirtualNetwrok }"),
        "E0405",
        15,
        "nsgs.w.1.source",
    );
    expect(
        &with_nsg("{ name: b, priority: 200, direction: inbound, access: allow, source: Internet, ports: 22 }"),
        "E0408",
        15,
        "nsgs.w.1.source",
    );
    expect(
        &with_nsg("{ name: b, priority: 200, direction: inbound, access: allow, source: Internet, ports: 8080 }"),
        "W0007",
        15,
        "nsgs.w.1.source",
    );
    expect(
        &with_nsg("{ name: a, priority: 200, direction: outbound, access: allow }"),
        "E0103",
        15,
        "nsgs.w.1.name",
    );
    expect(&(BASE.to_string() + NSG), "W0008", 13, "nsgs.w");
    let gw = with(
        "private-endpoints: /27",
        "private-endpoints: /27\n      GatewaySubnet: { prefix: /27, nsg: w }",
    ) + NSG;
    expect(&gw, "E0406", 9, "vnets.hub.subnets.GatewaySubnet.nsg");
    let fw = with(
        "private-endpoints: /27",
        "private-endpoints: /27\n      AzureFirewallSubnet: { prefix: /26, nsg: w }",
    ) + NSG;
    expect(&fw, "E0406", 9, "vnets.hub.subnets.AzureFirewallSubnet.nsg");
    // Without `nsg`, Azure Firewall's subnet gets no NSG of ours either.
    let fw = with(
        "private-endpoints: /27",
        "private-endpoints: /27\n      AzureFirewallSubnet: /26",
    );
    let (c, d) = aoai_vnet::compile(
        &aoai_vnet::source::SourceFile::new("fw.yaml", fw),
        aoai_vnet::Target::Arm,
    );
    let c = c.unwrap_or_else(|| panic!("{d:?}"));
    let main = &c.files[0].text;
    assert!(!main.contains("nsg-demo-hub-AzureFirewallSubnet"), "{main}");
    assert!(
        main.contains("nsg-demo-hub-private-endpoints"),
        "the others keep theirs"
    );
    let bas = with(
        "private-endpoints: /27",
        "private-endpoints: /27\n      AzureBastionSubnet: { prefix: /26, nsg: w }",
    ) + NSG;
    expect(&bas, "E0407", 9, "vnets.hub.subnets.AzureBastionSubnet.nsg");
}

#[test]
fn openai_rules() {
    expect(
        &with("openai: {}", "openai: { allowed_ips: [203.0.113.0/24] }"),
        "E0502",
        9,
        "openai.allowed_ips",
    );
    expect(
        &with("openai: {}", "openai: { public_network_access: enabled }"),
        "E0503",
        9,
        "openai.public_network_access",
    );
    expect(
        &with("openai: {}", "openai: { public_network_access: selected }"),
        "E0504",
        9,
        "openai.public_network_access",
    );
    expect(
        &with("openai: {}", "openai: { dns: { mode: existing } }"),
        "E0505",
        9,
        "openai.dns",
    );
    expect(
        &with(
            "openai: {}",
            "openai: { dns: { mode: existing, zone_ids: [privatelink.openai.azure.com] } }",
        ),
        "E0506",
        9,
        "openai.dns.zone_ids.0",
    );
    expect(
        &with(
            "openai: {}",
            "openai: { public_network_access: selected, allowed_ips: [10.1.0.0/16] }",
        ),
        "E0511",
        9,
        "openai.allowed_ips.0",
    );
    expect(
        &with("openai: {}", "openai: { disable_local_auth: false }"),
        "W0005",
        9,
        "openai.disable_local_auth",
    );
    expect(
        &with("openai: {}", "openai: { location: westus2 }"),
        "W0002",
        9,
        "openai.location",
    );
    expect(
        &with("openai: {}", "openai: { name: OAI-demo }"),
        "E0102",
        9,
        "openai.name",
    );
    expect(
        &with(
            "openai: {}",
            "openai: { deployments: { gpt: { model: gpt-4o, sku: Globalstandart } } }",
        ),
        "E0007",
        9,
        "openai.deployments.gpt.sku",
    );
    let other_zone = "openai: { dns: { mode: existing, zone_ids: [/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/dns/providers/Microsoft.Network/privateDnsZones/privatelink.blob.core.windows.net] } }";
    expect(&with("openai: {}", other_zone), "W0006", 9, "openai.dns.zone_ids.0");
    let gov = with("location: eastus", "location: usgovvirginia\ncloud: AzureUSGovernment")
        .replace("openai: {}", "openai: { kind: AIServices }");
    expect(&gov, "W0003", 10, "openai.kind");
}

#[test]
fn compute_rules() {
    expect(
        &with("jumpbox: { vnet: hub }", "jumpbox: { vnet: hub, ssh_public_key: \"\" }"),
        "E0604",
        11,
        "jumpbox.ssh_public_key",
    );
    expect(
        &with(
            "jumpbox: { vnet: hub }",
            "jumpbox: { vnet: hub, ssh_public_key: not-a-key }",
        ),
        "E0605",
        11,
        "jumpbox.ssh_public_key",
    );
    expect(
        &with("jumpbox: { vnet: hub }", "jumpbox: { vnet: hub, admin_username: root }"),
        "E0607",
        11,
        "jumpbox.admin_username",
    );
    expect(
        &with("jumpbox: { vnet: hub }", "jumpbox: { vnet: hub, size: B2s }"),
        "E0007",
        11,
        "jumpbox.size",
    );
    expect(
        &with(
            "bastion: { vnet: hub }",
            "bastion: { vnet: hub, sku: Basic, scale_units: 4 }",
        ),
        "E0007",
        10,
        "bastion.scale_units",
    );
}

const SPOKE: &str = "  spoke:\n    address_space: 10.1.0.0/16\n";

#[test]
fn network_rules() {
    let spoke = |extra: &str| with("openai: {}", &format!("{SPOKE}{extra}openai: {{}}"));
    expect(&spoke("    peer: spoke\n"), "E0702", 11, "vnets.spoke.peer");
    expect(&spoke("    peer: [hub, hub]\n"), "E0703", 11, "vnets.spoke.peer.1");
    let overlap = with(
        "openai: {}",
        "  spoke:\n    address_space: 10.0.128.0/17\n    peer: hub\nopenai: {}",
    );
    expect(&overlap, "E0704", 11, "vnets.spoke.peer");
    expect(
        &spoke("    peer: { vnet: hub, use_remote_gateways: true }\n"),
        "E0706",
        11,
        "vnets.spoke.peer.use_remote_gateways",
    );
    let vpn = with(
        "jumpbox: { vnet: hub }",
        "vpn_gateway: { vnet: hub, client_address_pool: 10.0.200.0/24 }",
    );
    expect(&vpn, "E0705", 11, "vpn_gateway.client_address_pool");
    let vpn = with(
        "jumpbox: { vnet: hub }",
        "vpn_gateway: { vnet: hub, client_address_pool: 172.16.0.0/24, tenant_id: contoso }",
    );
    expect(&vpn, "E0708", 11, "vpn_gateway.tenant_id");
    let vpn = with(
        "jumpbox: { vnet: hub }",
        "vpn_gateway: { vnet: hub, sku: VpnGw1, client_address_pool: 172.16.0.0/24 }",
    );
    expect(&vpn, "E0007", 11, "vpn_gateway.sku");
    expect(
        &spoke("    subscription: 1234\n"),
        "E0710",
        11,
        "vnets.spoke.subscription",
    );
    expect(
        &spoke("    subscription: 00000000-0000-0000-0000-000000000000\n"),
        "E0709",
        11,
        "vnets.spoke.subscription",
    );
    expect(
        &with("10.0.0.0/16", "20.0.0.0/16").replace("10.0.0.0/24", "20.0.0.0/24"),
        "W0001",
        5,
        "vnets.hub.address_space",
    );
    let small_gw = with(
        "private-endpoints: /27",
        "private-endpoints: /27\n      GatewaySubnet: /29",
    ) + "vpn_gateway: { client_address_pool: 172.16.0.0/24 }\n";
    expect(&small_gw, "W0004", 9, "vnets.hub.subnets.GatewaySubnet");
    let placed = spoke("    peer: hub\n    resource_group: rg-spoke\n");
    assert_eq!(
        diags(&placed),
        vec![],
        "other resource groups are generated, not refused"
    );
}

#[test]
fn feature_subnets_are_added_after_declared_ones() {
    let text = with(
        "jumpbox: { vnet: hub }",
        "jumpbox: { vnet: hub }\nvpn_gateway: { client_address_pool: 172.16.0.0/24 }\ndns_resolver: {}",
    );
    let (model, d) = check_source(&SourceFile::new("t.yaml", &text));
    assert!(d.is_empty(), "{d:?}");
    let m = model.unwrap();
    let plan: Vec<(String, String)> = m.vnets[0]
        .subnets
        .iter()
        .map(|s| (s.name.clone(), s.prefix.to_string()))
        .collect();
    let expected = [
        ("default", "10.0.0.0/24"),
        ("private-endpoints", "10.0.1.0/27"),
        ("AzureBastionSubnet", "10.0.1.64/26"),
        ("GatewaySubnet", "10.0.1.32/27"),
        ("dns-resolver-inbound", "10.0.1.128/28"),
    ];
    let expected: Vec<(String, String)> = expected.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
    assert_eq!(plan, expected);
    assert_eq!(m.dns_resolver.unwrap().inbound_ip.to_string(), "10.0.1.132");
    assert_eq!(
        m.vnets[0].dns_servers[0].to_string(),
        "10.0.1.132",
        "the resolver becomes the VNet's DNS server"
    );
}

#[test]
fn region_parameters_never_collide() {
    let text = "name: demo\nlocation: eastus\nvnets:\n  hub: { address_space: 10.0.0.0/16 }\n  openai: { address_space: 10.1.0.0/16, location: westus3, peer: hub }\n  a-b: { address_space: 10.2.0.0/16, location: westus2, peer: hub }\n  aB: { address_space: 10.3.0.0/16, location: centralus, peer: hub }\nopenai: { location: swedencentral }\nbastion: {}\n";
    let (c, d) = aoai_vnet::compile(&SourceFile::new("t.yaml", text), aoai_vnet::Target::Arm);
    let c = c.unwrap_or_else(|| panic!("{d:?}"));
    let names: Vec<&str> = c.template.parameters.iter().map(|p| p.name.as_str()).collect();
    let mut unique = names.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), names.len(), "{names:?}");
    // One per region, named after it (a VNet keyed `openai` cannot take the account's name).
    assert_eq!(
        names,
        [
            "location",
            "westus3Location",
            "westus2Location",
            "centralusLocation",
            "openaiLocation"
        ],
        "{names:?}"
    );
}

#[test]
fn a_host_bits_mistake_does_not_hide_the_vnets_other_errors() {
    let text = "name: demo
location: eastus
vnets:
  hub:
    address_space: 10.0.0.1/16
    subnets:
      default: 10.0.0.0/24
      other: 10.0.0.128/25
      outside: 10.9.0.0/24
      tiny: /30
      edge: 10.0.1.1/24
openai: {}
";
    let d = diags(text);
    for (code, line) in [("E0202", 5), ("E0204", 8), ("E0203", 9), ("E0205", 10), ("E0202", 11)] {
        assert!(
            d.iter().any(|(c, l, _)| *c == code && *l == line),
            "{code} at line {line} in {d:?}"
        );
    }
    assert_eq!(d.len(), 5, "one message per mistake: {d:?}");
}

#[test]
fn vnets_share_a_named_resource_group() {
    let text = "name: demo
location: eastus
vnets:
  hub: { address_space: 10.0.0.0/16, resource_group: rg-net }
  spoke: { address_space: 10.1.0.0/16, resource_group: rg-net, peer: hub }
openai: { resource_group: rg-net }
";
    assert_eq!(diags(text), vec![], "one group, many resources");
    // The same resource name twice in that group is still a clash.
    let clash = text.replace("spoke: { address_space", "spoke: { name: vnet-demo-hub, address_space");
    expect(&clash, "E0103", 5, "vnets.spoke.name");
}

#[test]
fn a_subnet_too_large_is_not_told_about_the_smallest_size() {
    let text = with("private-endpoints: /27", "private-endpoints: /0");
    let (_, d) = check_source(&SourceFile::new("t.yaml", &text));
    let e = d.iter().find(|d| d.code == "E0205").expect("E0205");
    assert_eq!(e.message, "subnet `private-endpoints` is /0; it must be /2 or smaller");
    assert_eq!(e.help.as_deref(), Some("Azure's largest subnet is /2"));
}

#[test]
fn identity_rules() {
    let grant = |entry: &str| with("openai: {}", &format!("openai:\n  role_assignments:\n    - {entry}"));
    expect(
        &grant("{ principal_id: alice, principal_type: User }"),
        "E1001",
        11,
        "openai.role_assignments.0.principal_id",
    );
    expect(
        &grant("{ principal_id: 6d2c4d1e-0c7a-4b8e-9f3a-2b1c0d9e8f7a, principal_type: Robot }"),
        "E0007",
        11,
        "openai.role_assignments.0.principal_type",
    );
    expect(
        &grant("{ principal_id: 6d2c4d1e-0c7a-4b8e-9f3a-2b1c0d9e8f7a }"),
        "E0006",
        11,
        "openai.role_assignments.0",
    );
    expect(
        &grant("{ principal_id: 6d2c4d1e-0c7a-4b8e-9f3a-2b1c0d9e8f7a, principal_type: User, role: owner }"),
        "E1002",
        11,
        "openai.role_assignments.0.role",
    );
    // A role given by its GUID is the built-in role of that GUID: the same assignment twice.
    let twice = grant(concat!(
        "{ principal_id: 6d2c4d1e-0c7a-4b8e-9f3a-2b1c0d9e8f7a, principal_type: User }\n",
        "    - { principal_id: 6d2c4d1e-0c7a-4b8e-9f3a-2b1c0d9e8f7a, principal_type: User,\n",
        "        role: 5e0bd9bd-7b93-4f28-af87-19fc36ad61bd }"
    ));
    expect(&twice, "E1003", 12, "openai.role_assignments.1");
    // Another role for the same principal is fine, and so is any role definition GUID.
    let other = grant(concat!(
        "{ principal_id: 6d2c4d1e-0c7a-4b8e-9f3a-2b1c0d9e8f7a, principal_type: User }\n",
        "    - { principal_id: 6d2c4d1e-0c7a-4b8e-9f3a-2b1c0d9e8f7a, principal_type: User,\n",
        "        role: 3f2a4b5c-6d7e-4f80-9a1b-2c3d4e5f6a7b }"
    ));
    assert_eq!(diags(&other), vec![]);
    expect(
        &with("jumpbox: { vnet: hub }", "jumpbox: { vnet: hub, openai_role: reader }"),
        "E1002",
        11,
        "jumpbox.openai_role",
    );
    assert_eq!(
        diags(&with(
            "jumpbox: { vnet: hub }",
            "jumpbox: { vnet: hub, openai_role: None }"
        )),
        vec![]
    );
    let login = "  login: [{ principal_id: 6d2c4d1e-0c7a-4b8e-9f3a-2b1c0d9e8f7a, principal_type: Group }]\n";
    expect(
        &with("jumpbox: { vnet: hub }", &format!("jumpbox:\n  vnet: hub\n{login}")),
        "W1001",
        13,
        "jumpbox.login.0",
    );
    let twice = concat!(
        "jumpbox:\n  vnet: hub\n  login:\n",
        "    - { principal_id: 6d2c4d1e-0c7a-4b8e-9f3a-2b1c0d9e8f7a, principal_type: Group }\n",
        "    - { principal_id: 6d2c4d1e-0c7a-4b8e-9f3a-2b1c0d9e8f7a, principal_type: Group, admin: false }\n",
    );
    expect(&with("jumpbox: { vnet: hub }", twice), "E1003", 15, "jumpbox.login.1");
}

#[test]
fn entra_sign_in_needs_egress() {
    let sign_in = with("jumpbox: { vnet: hub }", "jumpbox: { vnet: hub, entra_login: true }");
    expect(&sign_in, "E1004", 11, "jumpbox.entra_login");
    // The jump box's own subnet decides: NAT there is enough, NAT elsewhere is not.
    let nat_here = sign_in.replace(
        "      default: 10.0.0.0/24",
        "      default: { prefix: 10.0.0.0/24, egress: nat }",
    );
    assert_eq!(diags(&nat_here), vec![]);
    let nat_elsewhere = sign_in.replace(
        "      private-endpoints: /27",
        "      private-endpoints: { prefix: /27, egress: nat }",
    );
    expect(&nat_elsewhere, "E1004", 11, "jumpbox.entra_login");
    let vnet_nat = sign_in.replace(
        "    address_space: 10.0.0.0/16\n",
        "    address_space: 10.0.0.0/16\n    egress: nat\n",
    );
    assert_eq!(diags(&vnet_nat), vec![]);
    // A subnet's own `none` overrides its VNet's `nat`.
    let overridden = vnet_nat.replace(
        "      default: 10.0.0.0/24",
        "      default: { prefix: 10.0.0.0/24, egress: none }",
    );
    expect(&overridden, "E1004", 12, "jumpbox.entra_login");
}

#[test]
fn egress_rules() {
    let hop = |vnet_egress: &str| {
        with(
            "openai: {}",
            &format!(
                "  spoke:\n    address_space: 10.1.0.0/16\n    peer: hub\n    egress: {vnet_egress}\nopenai: {{}}"
            ),
        )
    };
    // In a peered VNet's subnet: fine. In no subnet, in no reachable VNet, reserved: refused.
    assert_eq!(diags(&hop("{ next_hop: 10.0.0.4 }")), vec![]);
    expect(
        &hop("{ next_hop: 10.0.200.4 }"),
        "E1101",
        12,
        "vnets.spoke.egress.next_hop",
    );
    expect(
        &hop("{ next_hop: 192.168.0.4 }"),
        "E1101",
        12,
        "vnets.spoke.egress.next_hop",
    );
    expect(
        &hop("{ next_hop: 10.0.0.1 }"),
        "E0210",
        12,
        "vnets.spoke.egress.next_hop",
    );
    expect(
        &hop("{ next_hop: 10.0.0.400 }"),
        "E0208",
        12,
        "vnets.spoke.egress.next_hop",
    );
    expect(&hop("internet"), "E0007", 12, "vnets.spoke.egress");
    expect(&hop("{ hop: 10.0.0.4 }"), "E0005", 12, "vnets.spoke.egress.hop");
    // Without the peering, the hub's address is out of reach.
    let unpeered = hop("{ next_hop: 10.0.0.4 }").replace("    peer: hub\n", "");
    expect(&unpeered, "E1101", 11, "vnets.spoke.egress.next_hop");
    // A VNet's next hop inside one of its own subnets: that subnet would route to itself.
    let own = with(
        "    address_space: 10.0.0.0/16\n",
        "    address_space: 10.0.0.0/16\n    egress: { next_hop: 10.0.0.4 }\n",
    );
    expect(&own, "E1103", 6, "vnets.hub.egress.next_hop");
    let fixed = own.replace(
        "      default: 10.0.0.0/24",
        "      default: { prefix: 10.0.0.0/24, egress: none }",
    );
    assert_eq!(diags(&fixed), vec![]);
    // Subnets Azure manages take no egress; a VNet's egress skips them.
    let bastion_nat = with(
        "      private-endpoints: /27\n",
        "      private-endpoints: /27\n      AzureBastionSubnet: { prefix: /26, egress: nat }\n",
    );
    expect(&bastion_nat, "E1102", 9, "vnets.hub.subnets.AzureBastionSubnet.egress");
    let vnet_nat = with(
        "    address_space: 10.0.0.0/16\n",
        "    address_space: 10.0.0.0/16\n    egress: nat\n",
    );
    assert_eq!(diags(&vnet_nat), vec![]);
}

#[test]
fn bastion_tunneling_needs_standard_or_premium() {
    for sku in ["Basic", "Developer"] {
        let text = with(
            "bastion: { vnet: hub }",
            &format!("bastion: {{ vnet: hub, sku: {sku}, tunneling: true }}"),
        );
        expect(&text, "E0007", 10, "bastion.tunneling");
        let off = text.replace("tunneling: true", "tunneling: false");
        assert!(
            diags(&off).iter().all(|(c, _, _)| *c != "E0007"),
            "{sku} with tunneling off is fine"
        );
    }
    for sku in ["Standard", "Premium"] {
        let text = with(
            "bastion: { vnet: hub }",
            &format!("bastion: {{ vnet: hub, sku: {sku}, tunneling: false }}"),
        );
        assert_eq!(diags(&text), vec![], "{sku}");
    }
}
