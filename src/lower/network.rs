//! VNets with inline subnets, NSGs and peerings.
//!
//! Subnets are written inline in the VNet, never as separate resources: a redeploy of a VNet
//! whose subnets are separate resources removes them first and fails on subnets in use
//! (InUseSubnetCannotBeDeleted).

use super::Lowering;
use crate::ir::{obj, Resource, Value};
use crate::model::{Egress, SecurityRule};

const NSG: &str = "Microsoft.Network/networkSecurityGroups";
pub(super) const VNET: &str = "Microsoft.Network/virtualNetworks";
pub(super) const PEERING: &str = "Microsoft.Network/virtualNetworks/virtualNetworkPeerings";

pub(super) fn lower(l: &mut Lowering) {
    let m = l.m;
    let nsg_syms: Vec<String> = m
        .nsgs
        .iter()
        .map(|n| {
            let sym = l.symbol(&[
                "nsg",
                &n.name.trim_start_matches("nsg-").replace(&format!("{}-", m.name), ""),
            ]);
            let mut r = l.in_vnet(sym.clone(), NSG, &n.name, n.vnet);
            // Written even when empty: Azure's schema requires an NSG's `properties`, and the empty
            // list says that the NSG has no rules of its own (a redeployment removes any added by hand).
            let rules = n.rules.iter().map(security_rule).collect();
            r.set("properties", obj([("securityRules", Value::Array(rules))]));
            l.t.resources.push(r);
            sym
        })
        .collect();
    for (i, v) in m.vnets.iter().enumerate() {
        let sym = l.symbol(&["vnet", &v.key]);
        if v.existing {
            // Referred to (its ID, its subnets, a parent of what we add to it), never deployed.
            let mut r = Resource::new(sym.clone(), VNET, &v.name);
            r.scope = v.scope.clone();
            r.existing = true;
            r.comment = Some(format!("VNet `{}` exists already and is left as it is.", v.key));
            l.t.resources.push(r);
            l.vnet_syms.push(sym);
            continue;
        }
        let mut r = l.in_vnet(sym.clone(), VNET, &v.name, i);
        let mut props = indexmap::IndexMap::new();
        let prefixes = v.address_space.iter().map(|p| Value::str(p.to_string())).collect();
        props.insert(
            "addressSpace".to_string(),
            obj([("addressPrefixes", Value::Array(prefixes))]),
        );
        if !v.dns_servers.is_empty() {
            let servers = v.dns_servers.iter().map(|ip| Value::str(ip.to_string())).collect();
            props.insert("dhcpOptions".into(), obj([("dnsServers", Value::Array(servers))]));
        }
        let subnets = v
            .subnets
            .iter()
            .map(|s| {
                let mut p = indexmap::IndexMap::new();
                p.insert("addressPrefix".to_string(), Value::str(s.prefix.to_string()));
                if let Some(n) = s.nsg {
                    p.insert("networkSecurityGroup".into(), Value::id_ref(&nsg_syms[n]));
                }
                if !s.service_endpoints.is_empty() {
                    let eps = s
                        .service_endpoints
                        .iter()
                        .map(|e| obj([("service", Value::str(e))]))
                        .collect();
                    p.insert("serviceEndpoints".into(), Value::Array(eps));
                }
                if let Some(d) = &s.delegation {
                    let name = d.replace('/', ".");
                    let del = obj([
                        ("name", Value::str(name)),
                        ("properties", obj([("serviceName", Value::str(d))])),
                    ]);
                    p.insert("delegations".into(), Value::Array(vec![del]));
                }
                if let Some(pol) = &s.private_endpoint_policies {
                    p.insert("privateEndpointNetworkPolicies".into(), Value::str(pol));
                }
                // Egress is explicit: no implicit outbound Internet on any subnet we control.
                match s.egress {
                    None => {}
                    Some(e) => {
                        p.insert("defaultOutboundAccess".into(), Value::Bool(false));
                        match e {
                            Egress::NoInternet => {}
                            Egress::Nat => {
                                let nat = l.nat_syms[i].as_ref().expect("checked: the VNet has a NAT gateway");
                                p.insert("natGateway".into(), Value::id_ref(nat));
                            }
                            Egress::Appliance(hop) => {
                                let (_, rt) = l.route_table_syms[i]
                                    .iter()
                                    .find(|(h, _)| *h == hop)
                                    .expect("checked: a route table per next hop");
                                p.insert("routeTable".into(), Value::id_ref(rt));
                            }
                        }
                    }
                }
                obj([("name", Value::str(&s.name)), ("properties", Value::Object(p))])
            })
            .collect();
        props.insert("subnets".into(), Value::Array(subnets));
        r.set("properties", Value::Object(props));
        l.t.resources.push(r);
        l.vnet_syms.push(sym);
    }
}

/// Peerings, after the VPN gateway is lowered: a peering that uses the remote VNet's gateway
/// must wait for that gateway (RemoteVnetHasNoGateways) and for the reverse peering, whose
/// `allowGatewayTransit` it relies on. The side that offers transit needs nothing more.
pub(super) fn peerings(l: &mut Lowering, gateway: Option<&str>) {
    let m = l.m;
    let syms: Vec<String> = m
        .peerings
        .iter()
        .map(|p| l.symbol(&["peer", &m.vnets[p.from].key, "to", &m.vnets[p.to].key]))
        .collect();
    for (k, p) in m.peerings.iter().enumerate() {
        // The side on an existing VNet is its owners' (`platform/`), unless included.
        if p.platform {
            continue;
        }
        let mut r = Resource::new(syms[k].clone(), PEERING, &p.name);
        r.parent = Some(l.vnet_syms[p.from].clone());
        r.set("properties", peering_properties(p, Value::id_ref(&l.vnet_syms[p.to])));
        if p.use_remote_gateways {
            if let Some(g) = gateway {
                r.after.push(g.to_string());
            }
            if let Some(rev) = m
                .peerings
                .iter()
                .position(|q| q.from == p.to && q.to == p.from && !q.platform)
            {
                r.after.push(syms[rev].clone());
            }
        }
        l.t.resources.push(r);
    }
}

/// A peering's `properties`, toward `remote` (`{ id: … }`); the same on either side of a
/// peering with an existing VNet, whoever deploys it.
pub(super) fn peering_properties(p: &crate::model::Peering, remote: Value) -> Value {
    obj([
        ("allowVirtualNetworkAccess", Value::Bool(true)),
        ("allowForwardedTraffic", Value::Bool(p.allow_forwarded_traffic)),
        ("allowGatewayTransit", Value::Bool(p.allow_gateway_transit)),
        ("useRemoteGateways", Value::Bool(p.use_remote_gateways)),
        ("remoteVirtualNetwork", remote),
    ])
}

fn security_rule(r: &SecurityRule) -> Value {
    let mut p = indexmap::IndexMap::new();
    p.insert("priority".to_string(), Value::Int(i64::from(r.priority)));
    p.insert(
        "direction".into(),
        Value::str(if r.inbound { "Inbound" } else { "Outbound" }),
    );
    p.insert("access".into(), Value::str(if r.allow { "Allow" } else { "Deny" }));
    p.insert("protocol".into(), Value::str(&r.protocol));
    p.insert("sourceAddressPrefix".into(), Value::str(&r.source));
    p.insert("sourcePortRange".into(), Value::str("*"));
    p.insert("destinationAddressPrefix".into(), Value::str(&r.destination));
    if let [one] = r.ports.as_slice() {
        p.insert("destinationPortRange".into(), Value::str(one));
    } else {
        p.insert(
            "destinationPortRanges".into(),
            Value::Array(r.ports.iter().map(Value::str).collect()),
        );
    }
    obj([("name", Value::str(&r.name)), ("properties", Value::Object(p))])
}
