//! Hub and spoke, VPN, DNS resolver and clouds: what the generated template must say.

mod common;
use aoai_vnet::{compile, source::SourceFile, Target};
use common::*;
use serde_json::Value;

/// Compiles a topology (file under examples/ or inline text) to its ARM template and warnings.
fn template(name: &str, text: Option<&str>) -> (Value, Vec<String>) {
    let text = match text {
        Some(t) => t.to_string(),
        None => std::fs::read_to_string(repo().join("examples").join(name)).unwrap(),
    };
    let (c, diags) = compile(&SourceFile::new(name, text), Target::Arm);
    let c = c.unwrap_or_else(|| panic!("{name}: {diags:?}"));
    let main = c.files.iter().find(|f| f.name == "main.json").unwrap();
    (
        serde_json::from_str(&main.text).unwrap(),
        diags.iter().map(|d| d.code.to_string()).collect(),
    )
}

fn of_type<'a>(t: &'a Value, ty: &str) -> Vec<&'a Value> {
    t["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["type"] == ty)
        .collect()
}

fn named<'a>(t: &'a Value, ty: &str, name: &str) -> &'a Value {
    of_type(t, ty)
        .into_iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("no {ty} {name}"))
}

fn depends_on(r: &Value, needle: &str) -> bool {
    r["dependsOn"]
        .as_array()
        .is_some_and(|d| d.iter().any(|x| x.as_str().unwrap().contains(needle)))
}

const PEERING: &str = "Microsoft.Network/virtualNetworks/virtualNetworkPeerings";

#[test]
fn hub_and_spoke_peers_both_ways_with_gateway_transit() {
    let (t, warnings) = template("hub-spoke-vpn.yaml", None);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(of_type(&t, PEERING).len(), 4);
    let hub_web = named(&t, PEERING, "vnet-northwind-hub/peer-hub-to-web");
    let web_hub = named(&t, PEERING, "vnet-northwind-web/peer-web-to-hub");
    assert_eq!(hub_web["properties"]["allowGatewayTransit"], true);
    assert_eq!(hub_web["properties"]["useRemoteGateways"], false);
    assert_eq!(web_hub["properties"]["allowGatewayTransit"], false);
    assert_eq!(web_hub["properties"]["useRemoteGateways"], true);
    assert_eq!(web_hub["properties"]["allowVirtualNetworkAccess"], true);
    assert_eq!(web_hub["properties"]["allowForwardedTraffic"], true);
    // The peering that uses the hub's gateway waits for it and for the reverse peering.
    assert!(depends_on(web_hub, "virtualNetworkGateways"), "{web_hub}");
    assert!(depends_on(web_hub, "peer-hub-to-web"), "{web_hub}");
    assert!(
        !depends_on(hub_web, "virtualNetworkGateways"),
        "the hub side needs no gateway: {hub_web}"
    );
    let batch_hub = named(&t, PEERING, "vnet-northwind-batch/peer-batch-to-hub");
    assert_eq!(batch_hub["properties"]["allowForwardedTraffic"], false);
    // Spokes in their own regions.
    let web = named(&t, "Microsoft.Network/virtualNetworks", "vnet-northwind-web");
    // One location parameter per region, not per VNet.
    assert_eq!(web["location"], "[parameters('westus3Location')]");
    assert_eq!(t["parameters"]["westus3Location"]["defaultValue"], "westus3");
    // The zone is linked to every VNet; the endpoint lives in the hub's region.
    let links = of_type(&t, "Microsoft.Network/privateDnsZones/virtualNetworkLinks");
    assert_eq!(links.len(), 3);
    assert!(links.iter().all(|l| l["properties"]["registrationEnabled"] == false));
    let pe = &of_type(&t, "Microsoft.Network/privateEndpoints")[0];
    assert_eq!(pe["location"], "[parameters('location')]");
    assert!(pe["properties"]["subnet"]["id"]
        .as_str()
        .unwrap()
        .contains("'vnet-northwind-hub', 'private-endpoints'"));
}

#[test]
fn vpn_gateway_is_openvpn_with_entra_id() {
    let (t, _) = template("hub-spoke-vpn.yaml", None);
    let gw = &of_type(&t, "Microsoft.Network/virtualNetworkGateways")[0];
    let p = &gw["properties"];
    assert_eq!(p["sku"]["name"], "VpnGw1AZ");
    assert_eq!(p["gatewayType"], "Vpn");
    let vc = &p["vpnClientConfiguration"];
    assert_eq!(vc["vpnClientProtocols"], serde_json::json!(["OpenVPN"]));
    assert_eq!(vc["vpnAuthenticationTypes"], serde_json::json!(["AAD"]));
    assert_eq!(
        vc["vpnClientAddressPool"]["addressPrefixes"],
        serde_json::json!(["172.31.250.0/24"])
    );
    assert_eq!(vc["aadAudience"], "c632b3df-fb67-4d84-bdcf-b95ad541b5c8");
    // The sign-in host from `environment()`: right in whichever cloud the template is deployed to.
    assert_eq!(
        vc["aadTenant"],
        "[format('{0}{1}', environment().authentication.loginEndpoint, subscription().tenantId)]"
    );
    assert_eq!(
        vc["aadIssuer"],
        "[format('https://sts.windows.net/{0}/', subscription().tenantId)]"
    );
    let pip = named(&t, "Microsoft.Network/publicIPAddresses", "pip-vpng-northwind-hub");
    assert_eq!(pip["sku"]["name"], "Standard");
    assert_eq!(pip["properties"]["publicIPAllocationMethod"], "Static");
    assert_eq!(pip["zones"], serde_json::json!(["1", "2", "3"]));
    // GatewaySubnet exists and never has an NSG.
    let hub = named(&t, "Microsoft.Network/virtualNetworks", "vnet-northwind-hub");
    let gws = hub["properties"]["subnets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "GatewaySubnet")
        .unwrap();
    assert_eq!(gws["properties"]["addressPrefix"], "10.100.1.32/27");
    assert!(gws["properties"].get("networkSecurityGroup").is_none());
}

#[test]
fn government_uses_its_own_names_and_warns_about_undocumented_ones() {
    let (t, warnings) = template("government.yaml", None);
    // The undocumented services.ai zone, and the VPN app a tenant administrator must consent to.
    assert_eq!(warnings, ["W0003", "W0020"]);
    let zones: Vec<&str> = of_type(&t, "Microsoft.Network/privateDnsZones")
        .iter()
        .map(|z| z["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        zones,
        [
            "privatelink.openai.azure.us",
            "privatelink.cognitiveservices.azure.us",
            "privatelink.services.ai.azure.us"
        ]
    );
    let group = &of_type(&t, "Microsoft.Network/privateEndpoints/privateDnsZoneGroups")[0];
    let configs: Vec<&str> = group["properties"]["privateDnsZoneConfigs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        configs,
        [
            "privatelink-openai-azure-us",
            "privatelink-cognitiveservices-azure-us",
            "privatelink-services-ai-azure-us"
        ]
    );
    let vc = &of_type(&t, "Microsoft.Network/virtualNetworkGateways")[0]["properties"]["vpnClientConfiguration"];
    assert_eq!(vc["aadAudience"], "51bb15d4-3a4f-4ebf-9dca-40096fe32426");
    assert!(vc["aadTenant"]
        .as_str()
        .unwrap()
        .contains("environment().authentication.loginEndpoint"));
    let account = &of_type(&t, "Microsoft.CognitiveServices/accounts")[0];
    assert_eq!(account["kind"], "AIServices");
}

#[test]
fn china_cloud_names() {
    let text = "name: cnx\nlocation: chinaeast2\ncloud: AzureChinaCloud\nvnets:\n  hub: { address_space: 10.0.0.0/16 }\nopenai: {}\nbastion: {}\nvpn_gateway: { client_address_pool: 172.16.0.0/24, tenant_id: 11111111-2222-3333-4444-555555555555 }\n";
    let (t, warnings) = template("china.yaml", Some(text));
    assert_eq!(
        of_type(&t, "Microsoft.Network/privateDnsZones")[0]["name"],
        "privatelink.openai.azure.cn"
    );
    // China East 2 has no availability zones; the VPN app needs a tenant administrator's consent.
    let pip = &of_type(&t, "Microsoft.Network/publicIPAddresses")
        .into_iter()
        .find(|p| p["name"].as_str().unwrap().starts_with("pip-vpng"))
        .unwrap();
    assert!(pip.get("zones").is_none(), "{pip}");
    assert!(warnings.contains(&"W0020".to_string()), "{warnings:?}");
    let vc = &of_type(&t, "Microsoft.Network/virtualNetworkGateways")[0]["properties"]["vpnClientConfiguration"];
    assert_eq!(vc["aadAudience"], "49f817b6-84ae-4cc0-928c-73f27289b3aa");
    assert_eq!(
        vc["aadTenant"],
        "[format('{0}11111111-2222-3333-4444-555555555555', environment().authentication.loginEndpoint)]"
    );
    assert_eq!(
        vc["aadIssuer"],
        "https://sts.chinacloudapi.cn/11111111-2222-3333-4444-555555555555/"
    );
}

#[test]
fn resolver_serves_every_vnet_and_ai_services_get_three_zones() {
    let (t, warnings) = template("resolver.yaml", None);
    assert!(warnings.is_empty(), "{warnings:?}");
    let ep = &of_type(&t, "Microsoft.Network/dnsResolvers/inboundEndpoints")[0];
    let ipc = &ep["properties"]["ipConfigurations"][0];
    assert_eq!(ipc["privateIpAddress"], "10.40.1.140");
    assert_eq!(ipc["privateIpAllocationMethod"], "Static");
    for v in of_type(&t, "Microsoft.Network/virtualNetworks") {
        assert_eq!(
            v["properties"]["dhcpOptions"]["dnsServers"],
            serde_json::json!(["10.40.1.140"]),
            "{}",
            v["name"]
        );
    }
    let hub = named(&t, "Microsoft.Network/virtualNetworks", "vnet-adatum-hub");
    let sub = hub["properties"]["subnets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "dns-resolver-inbound")
        .unwrap();
    assert_eq!(
        sub["properties"]["delegations"][0]["properties"]["serviceName"],
        "Microsoft.Network/dnsResolvers"
    );
    assert_eq!(of_type(&t, "Microsoft.Network/privateDnsZones").len(), 3);
    let groups = of_type(&t, "Microsoft.Network/privateEndpoints/privateDnsZoneGroups");
    assert_eq!(groups.len(), 1);
    assert_eq!(
        groups[0]["properties"]["privateDnsZoneConfigs"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    // The endpoint lives in the VNet that `private_endpoint.vnet` names, at its static address.
    let pe = &of_type(&t, "Microsoft.Network/privateEndpoints")[0];
    assert!(pe["properties"]["subnet"]["id"]
        .as_str()
        .unwrap()
        .contains("'vnet-adatum-app', 'default'"));
    assert_eq!(
        pe["properties"]["ipConfigurations"][0]["properties"]["privateIPAddress"],
        "10.41.0.10"
    );
    assert_eq!(t["outputs"]["privateEndpointIp"]["value"], "10.41.0.10");
}

#[test]
fn link_vnets_narrows_the_zone_links() {
    let text = "name: demo\nlocation: eastus\nvnets:\n  hub: { address_space: 10.0.0.0/16 }\n  lab: { address_space: 10.9.0.0/16 }\nopenai: { dns: { link_vnets: [hub] } }\nbastion: {}\n";
    let (t, warnings) = template("links.yaml", Some(text));
    // An unpeered VNet may stay unlinked; the build says that it cannot use the account at all.
    assert_eq!(warnings, ["W0030"]);
    let links = of_type(&t, "Microsoft.Network/privateDnsZones/virtualNetworkLinks");
    assert_eq!(links.len(), 1);
    assert_eq!(links[0]["name"], "privatelink.openai.azure.com/link-hub");
}

#[test]
fn the_resolver_serves_only_the_vnets_that_reach_it() {
    // `lab` is peered with nothing: the resolver's address is out of its reach, so it keeps
    // Azure-provided DNS (and naming the resolver as its DNS server is refused).
    let text = "name: demo\nlocation: eastus\nvnets:\n  hub: { address_space: 10.0.0.0/16 }\n  app: { address_space: 10.1.0.0/16, peer: hub }\n  lab: { address_space: 10.9.0.0/16 }\nopenai: { dns: { link_vnets: [hub, app] } }\ndns_resolver: { vnet: hub, inbound_ip: 10.0.1.4 }\n";
    let (t, _) = template("resolver-reach.yaml", Some(text));
    let dns = |name: &str| named(&t, "Microsoft.Network/virtualNetworks", name)["properties"]["dhcpOptions"].clone();
    assert_eq!(dns("vnet-demo-hub")["dnsServers"], serde_json::json!(["10.0.1.4"]));
    assert_eq!(dns("vnet-demo-app")["dnsServers"], serde_json::json!(["10.0.1.4"]));
    assert!(
        dns("vnet-demo-lab").is_null(),
        "lab keeps Azure-provided DNS: {}",
        dns("vnet-demo-lab")
    );

    let refused = text.replace(
        "lab: { address_space: 10.9.0.0/16 }",
        "lab: { address_space: 10.9.0.0/16, dns_servers: [10.0.1.4] }",
    );
    let (c, diags) = compile(&SourceFile::new("x.yaml", refused), Target::Arm);
    assert!(c.is_none());
    assert!(
        diags
            .iter()
            .any(|d| d.code == "E0807" && d.message.contains("lies in VNet `hub`")),
        "{diags:?}"
    );
}

#[test]
fn zone_redundant_public_ips_only_where_the_region_has_zones() {
    let text = |region: &str| {
        format!("name: demo\nlocation: {region}\nvnets:\n  hub: {{ address_space: 10.0.0.0/16 }}\nopenai: {{ location: eastus }}\nvpn_gateway: {{ client_address_pool: 172.16.0.0/24 }}\n")
    };
    for (region, zones) in [
        ("eastus2", true),
        ("westus", false),
        ("ukwest", false),
        ("northcentralus", false),
    ] {
        let (t, _) = template("az.yaml", Some(&text(region)));
        let pip = &of_type(&t, "Microsoft.Network/publicIPAddresses")[0];
        assert_eq!(pip.get("zones").is_some(), zones, "{region}: {pip}");
        // The AZ SKU itself is what Azure offers for new gateways everywhere.
        assert_eq!(
            of_type(&t, "Microsoft.Network/virtualNetworkGateways")[0]["properties"]["sku"]["name"],
            "VpnGw1AZ"
        );
    }
}

#[test]
fn deployment_types_and_model_formats_follow_the_cloud_and_the_publisher() {
    // Azure Government has no Global deployment types: its default is Standard.
    let gov = "name: fed\nlocation: usgovvirginia\ncloud: AzureUSGovernment\nvnets:\n  hub: { address_space: 10.0.0.0/16 }\nopenai:\n  deployments:\n    chat: { model: gpt-4o, version: \"2024-11-20\" }\n";
    let (t, _) = template("gov.yaml", Some(gov));
    let d = &of_type(&t, "Microsoft.CognitiveServices/accounts/deployments")[0];
    assert_eq!(d["sku"]["name"], "Standard");
    // In AzureCloud the default stays GlobalStandard; formats come from the model's publisher.
    let public = "name: pub\nlocation: eastus2\nvnets:\n  hub: { address_space: 10.0.0.0/16 }\nopenai:\n  kind: AIServices\n  deployments:\n    chat: { model: gpt-4o, version: \"2024-11-20\" }\n    reason: { model: DeepSeek-R1, version: \"1\" }\n    llama: { model: Llama-3.3-70B-Instruct, version: \"4\" }\n    kimi: { model: Kimi-K2.5, version: \"1\", format: MoonshotAI }\n";
    let (t, _) = template("pub.yaml", Some(public));
    let formats: Vec<(&str, &str, &str)> = of_type(&t, "Microsoft.CognitiveServices/accounts/deployments")
        .iter()
        .map(|d| {
            (
                d["properties"]["model"]["name"].as_str().unwrap(),
                d["properties"]["model"]["format"].as_str().unwrap(),
                d["sku"]["name"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        formats,
        [
            ("gpt-4o", "OpenAI", "GlobalStandard"),
            ("DeepSeek-R1", "DeepSeek", "GlobalStandard"),
            ("Llama-3.3-70B-Instruct", "Meta", "GlobalStandard"),
            ("Kimi-K2.5", "MoonshotAI", "GlobalStandard"),
        ]
    );
}
