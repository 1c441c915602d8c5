//! The account, its model deployments, the private endpoint and its DNS.

use super::Lowering;
use crate::azure::clouds::zone_config_name;
use crate::azure::clouds::Zone;
pub use crate::azure::network::PRIVATE_LINK_GROUP_ID as GROUP_ID;
use crate::ir::{obj, Existing, Expr, Resource, Seg, Value};
use crate::model::{Dns, PrivateEndpoint};

const ACCOUNT: &str = "Microsoft.CognitiveServices/accounts";
const DEPLOYMENT: &str = "Microsoft.CognitiveServices/accounts/deployments";
const ZONE: &str = "Microsoft.Network/privateDnsZones";
const LINK: &str = "Microsoft.Network/privateDnsZones/virtualNetworkLinks";
const ENDPOINT: &str = "Microsoft.Network/privateEndpoints";
const ZONE_GROUP: &str = "Microsoft.Network/privateEndpoints/privateDnsZoneGroups";
const NIC: &str = "Microsoft.Network/networkInterfaces";

pub(super) fn lower(l: &mut Lowering) {
    let m = l.m;
    let a = &m.openai;
    let account = l.symbol(&["account"]);
    let mut r = Resource::new(account.clone(), ACCOUNT, &a.name);
    r.scope = a.scope.clone();
    let location = l.account_location();
    l.place(&mut r, location);
    r.set("sku", obj([("name", Value::str(&a.sku))]));
    r.set("kind", Value::str(a.kind.as_str()));
    r.set(
        "identity",
        obj([(
            "type",
            Value::str(if a.system_identity { "SystemAssigned" } else { "None" }),
        )]),
    );
    let ip_rules: Vec<Value> = a
        .allowed_ips
        .iter()
        .map(|ip| obj([("value", Value::str(ip))]))
        .collect();
    // Deny by default; the IP rules only when there are some (an empty list means nothing to
    // Azure, and no VNet rules: the private endpoint is the way in).
    let mut network_acls = obj([
        ("defaultAction", Value::str("Deny")),
        (
            "bypass",
            Value::str(if a.trusted_services { "AzureServices" } else { "None" }),
        ),
    ]);
    if !ip_rules.is_empty() {
        if let Value::Object(acls) = &mut network_acls {
            acls.insert("ipRules".into(), Value::Array(ip_rules));
        }
    }
    r.set(
        "properties",
        obj([
            ("customSubDomainName", Value::str(&a.custom_subdomain)),
            (
                "publicNetworkAccess",
                Value::str(if a.allowed_ips.is_empty() {
                    "Disabled"
                } else {
                    "Enabled"
                }),
            ),
            ("networkAcls", network_acls),
            ("disableLocalAuth", Value::Bool(a.disable_local_auth)),
        ]),
    );
    l.t.resources.push(r);

    // Model deployments one at a time: ARM refuses concurrent deployments on one account.
    let mut previous: Option<String> = None;
    for d in &a.deployments {
        let sym = l.symbol(&["deployment", &d.name]);
        let mut r = Resource::new(sym.clone(), DEPLOYMENT, &d.name);
        r.parent = Some(account.clone());
        r.set(
            "sku",
            obj([
                ("name", Value::str(&d.sku)),
                ("capacity", Value::Int(d.capacity as i64)),
            ]),
        );
        let mut model = indexmap::IndexMap::new();
        model.insert("format".to_string(), Value::str(&d.format));
        model.insert("name".into(), Value::str(&d.model));
        if let Some(v) = &d.version {
            model.insert("version".into(), Value::str(v));
        }
        r.set("properties", obj([("model", Value::Object(model))]));
        r.after.extend(previous.replace(sym));
        l.t.resources.push(r);
    }

    // Zones owned elsewhere: one set for every endpoint.
    let mut shared: Vec<(String, Value)> = Vec::new();
    if let Dns::Existing { zone_ids: ids } = &a.dns {
        for id in ids {
            // Checked: /subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/privateDnsZones/{zone}
            let parts: Vec<&str> = id.split('/').collect();
            let zone = parts[8];
            shared.push((zone_config_name(zone), Value::str(id)));
            let symbol = l.symbol(&["zone", zone_label(zone)]);
            l.t.existing.push(Existing {
                symbol,
                rtype: ZONE,
                api_version: crate::azure::api_versions::for_type(ZONE),
                id: id.clone(),
                subscription: parts[2].to_string(),
                resource_group: parts[4].to_string(),
                name: zone.to_string(),
            });
        }
    }
    for e in &a.endpoints {
        // Symbols carry the endpoint's VNet key when there are several (`privateEndpointHubWest`).
        let key = if a.endpoints_listed {
            m.vnets[e.vnet].key.as_str()
        } else {
            ""
        };
        let zone_ids = match &a.dns {
            Dns::PrivateZone { zones } => island(l, e, zones, key),
            Dns::Existing { .. } => shared.clone(),
            // With `policy`, Azure Policy adds the zone group after the deployment.
            Dns::Policy { .. } | Dns::None => Vec::new(),
        };
        let pe = endpoint(l, e, &account, key);
        if !zone_ids.is_empty() {
            let sym = l.symbol(&["zoneGroup", key]);
            let mut r = Resource::new(sym, ZONE_GROUP, "default");
            r.parent = Some(pe.clone());
            let configs = zone_ids
                .into_iter()
                .map(|(name, id)| {
                    obj([
                        ("name", Value::str(name)),
                        ("properties", obj([("privateDnsZoneId", id)])),
                    ])
                })
                .collect();
            r.set("properties", obj([("privateDnsZoneConfigs", Value::Array(configs))]));
            l.t.resources.push(r);
        }
        l.endpoint_syms.push(pe);
    }
}

/// An endpoint's DNS island: its zones, in its zone scope, each linked to the island's VNets.
/// Returns the zone-group configurations.
fn island(l: &mut Lowering, e: &PrivateEndpoint, zones: &[Zone], key: &str) -> Vec<(String, Value)> {
    let m = l.m;
    let mut out = Vec::new();
    for z in zones {
        let zsym = l.symbol(&["zone", zone_label(z.name), key]);
        let mut r = Resource::new(zsym.clone(), ZONE, z.name);
        r.scope = e.zone_scope.clone();
        l.place(&mut r, Value::str("global"));
        l.t.resources.push(r);
        for &v in &e.link_vnets {
            let lsym = l.symbol(&[&zsym, "link", &m.vnets[v].key]);
            let mut r = Resource::new(lsym, LINK, format!("link-{}", m.vnets[v].key));
            r.parent = Some(zsym.clone());
            l.place(&mut r, Value::str("global"));
            r.set(
                "properties",
                obj([
                    ("registrationEnabled", Value::Bool(false)),
                    ("virtualNetwork", Value::id_ref(&l.vnet_syms[v])),
                ]),
            );
            l.t.resources.push(r);
        }
        out.push((zone_config_name(z.name), Value::id(&zsym)));
    }
    out
}

/// The private endpoint, in its VNet's region, with a predictable NIC name. Returns its symbol.
fn endpoint(l: &mut Lowering, e: &PrivateEndpoint, account: &str, key: &str) -> String {
    let pe = l.symbol(&["privateEndpoint", key]);
    let mut r = l.in_vnet(pe.clone(), ENDPOINT, &e.name, e.vnet);
    let mut props = indexmap::IndexMap::new();
    props.insert("subnet".to_string(), obj([("id", subnet_id(l, e.vnet, &e.subnet))]));
    props.insert("customNetworkInterfaceName".into(), Value::str(&e.nic_name));
    props.insert(
        "privateLinkServiceConnections".into(),
        Value::Array(vec![obj([
            ("name", Value::str(&e.name)),
            (
                "properties",
                obj([
                    ("privateLinkServiceId", Value::id(account)),
                    ("groupIds", Value::Array(vec![Value::str(GROUP_ID)])),
                ]),
            ),
        ])]),
    );
    if let Some(ip) = e.private_ip {
        props.insert(
            "ipConfigurations".into(),
            Value::Array(vec![obj([
                ("name", Value::str("ipconfig-account")),
                (
                    "properties",
                    obj([
                        ("groupId", Value::str(GROUP_ID)),
                        ("memberName", Value::str("default")),
                        ("privateIPAddress", Value::str(ip.to_string())),
                    ]),
                ),
            ])]),
        );
    }
    r.set("properties", Value::Object(props));
    l.t.resources.push(r);
    pe
}

/// The part of a zone name that tells zones apart in symbols (`privatelink.openai.azure.com` -> `openai`).
fn zone_label(zone: &str) -> &str {
    zone.trim_start_matches("privatelink.")
        .split('.')
        .next()
        .unwrap_or("dns")
}

/// The ID of a subnet of a VNet of this template.
pub(super) fn subnet_id(l: &Lowering, vnet: usize, subnet: &str) -> Value {
    Value::Expr(Expr::ChildId(l.vnet_syms[vnet].clone(), "subnets", subnet.to_string()))
}

/// An endpoint's private IP: the static one, or read after deployment from the network interface
/// Azure creates for it under the name the endpoint gives (`customNetworkInterfaceName`). Not
/// through `reference(pe).networkInterfaces[0].id`: a runtime value cannot be `reference()`'s
/// argument in Bicep (BCP181), while the NIC's name is known when the template is written.
pub(super) fn endpoint_ip(l: &Lowering, k: usize) -> Value {
    let e = &l.m.openai.endpoints[k];
    if let Some(ip) = e.private_ip {
        return Value::str(ip.to_string());
    }
    let key = |k: &str| Seg::Key(k.into());
    Value::Expr(Expr::Created {
        owner: l.endpoint_syms[k].clone(),
        rtype: NIC,
        name: e.nic_name.clone(),
        path: vec![
            key("ipConfigurations"),
            Seg::Index(0),
            key("properties"),
            key("privateIPAddress"),
        ],
    })
}
