//! VNets (names, regions, address spaces, DNS servers, scopes), which VNet each feature lives in,
//! peerings and the VPN client pool.

use super::address::{self, overlaps};
use super::Ctx;
use crate::azure::naming;
use crate::model::{Peering, Scope, Vnet, VnetId, VpnGateway};
use crate::syntax::{Str, Topology};
use std::net::Ipv4Addr;

/// The VNets with their address spaces; subnets are planned later (`address_plan`).
pub(super) fn vnets(cx: &mut Ctx, t: &Topology) -> Vec<Vnet> {
    let mut out = Vec::new();
    for (key, v) in &t.vnets {
        let name = match &v.name {
            Some(n) => n.value.clone(),
            None => format!("vnet-{}-{}", cx.workload, key.value),
        };
        let location = match &v.location {
            Some(l) => cx.region(l),
            None => cx.location.clone(),
        };
        let scope = scope(cx, v.resource_group.as_ref(), v.subscription.as_ref(), key);
        let name_span = v.name.as_ref().map_or(key.span, |n| n.span);
        cx.name(&naming::VIRTUAL_NETWORK, &scope_key(&scope), &name, name_span);
        let mut spaces = Vec::new();
        for s in &v.address_space {
            if let Some(net) = cidr(cx, s) {
                if let Some(prev) = spaces.iter().find(|p| overlaps(p, &net)) {
                    cx.error(
                        "E0207",
                        s.span,
                        format!("`{net}` overlaps `{prev}` in the same address space"),
                    );
                } else {
                    if address::is_public(&net) {
                        cx.warning("W0001", s.span, format!("`{net}` is a public address range"))
                            .set_help("VNets normally use private ranges (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16); hosts in this range on the internet become unreachable from the VNet");
                    }
                    spaces.push(net);
                }
            }
        }
        let dns_servers = v.dns_servers.iter().flatten().filter_map(|s| ip(cx, s)).collect();
        out.push(Vnet {
            key: key.value.clone(),
            name,
            location,
            address_space: spaces,
            subnets: Vec::new(),
            dns_servers,
            scope,
            nat_gateway: None,
            route_tables: Vec::new(),
            existing: v.existing.as_ref().is_some_and(|e| e.value),
        });
    }
    out
}

pub(super) fn scope(cx: &mut Ctx, rg: Option<&Str>, sub: Option<&Str>, at: &Str) -> Scope {
    let resource_group = rg.map(|r| cx.resource_group(r));
    let subscription = sub.map(|s| {
        if !is_guid(&s.value) {
            cx.error("E0710", s.span, format!("`{}` is not a subscription ID", s.value))
                .set_help("a subscription ID is a GUID like 00000000-0000-0000-0000-000000000000");
        }
        s.value.to_ascii_lowercase()
    });
    if subscription.is_some() && resource_group.is_none() {
        let span = sub.map_or(at.span, |s| s.span);
        cx.error("E0709", span, "`subscription` needs `resource_group`")
            .set_help("name the resource group in that subscription that the VNet goes to");
    }
    Scope {
        subscription,
        resource_group,
    }
}

/// A key that tells scopes apart for duplicate-name checks.
pub(super) fn scope_key(s: &Scope) -> String {
    format!(
        "{}/{}",
        s.subscription.as_deref().unwrap_or(""),
        s.resource_group.as_deref().unwrap_or("").to_ascii_lowercase()
    )
}

pub fn is_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

pub(super) fn cidr(cx: &mut Ctx, s: &Str) -> Option<ipnet::Ipv4Net> {
    match address::parse_cidr(&s.value) {
        Ok(n) => Some(n),
        Err(e) => {
            let code = if e.message.contains("network address") {
                "E0202"
            } else {
                "E0201"
            };
            let d = cx.error(code, s.span, e.message);
            if let Some(fix) = &e.suggestion {
                d.set_help(format!("did you mean `{fix}`?"));
            }
            // Host bits set: the rest is checked with the network address, so that every other
            // problem shows in the same run (the error already stops the build).
            if code == "E0202" {
                return e.suggestion.and_then(|fix| fix.parse().ok());
            }
            None
        }
    }
}

pub(super) fn ip(cx: &mut Ctx, s: &Str) -> Option<Ipv4Addr> {
    match s.value.trim().parse::<Ipv4Addr>() {
        Ok(ip) => Some(ip),
        Err(_) => {
            cx.error("E0208", s.span, format!("`{}` is not an IPv4 address", s.value));
            None
        }
    }
}

/// Which VNet each feature lives in, decided before the address plan because features add
/// subnets.
#[derive(Default)]
pub(super) struct Features {
    /// Bastion's VNet, and whether it needs `AzureBastionSubnet` (every SKU but Developer).
    pub bastion: Option<(VnetId, bool)>,
    pub gateway: Option<VnetId>,
    pub resolver: Option<VnetId>,
    pub jumpbox: Option<VnetId>,
}

impl Features {
    pub fn resolve(cx: &mut Ctx, t: &Topology) -> Features {
        let first = if t.vnets.is_empty() { None } else { Some(0) };
        let mut f = Features::default();
        let pick = |cx: &mut Ctx, r: Option<&Str>, default: Option<VnetId>| match r {
            Some(s) => cx.vnet_ref(s),
            None => default,
        };
        if let Some(b) = &t.bastion {
            let developer = b
                .sku
                .as_ref()
                .is_some_and(|s| s.value.eq_ignore_ascii_case("developer"));
            f.bastion = pick(cx, b.vnet.as_ref(), first).map(|v| (v, !developer));
        }
        if let Some(g) = &t.vpn_gateway {
            f.gateway = pick(cx, g.vnet.as_ref(), first);
        }
        if let Some(r) = &t.dns_resolver {
            f.resolver = pick(cx, r.vnet.as_ref(), f.gateway.or(first));
        }
        if let Some(j) = &t.jumpbox {
            f.jumpbox = pick(cx, j.vnet.as_ref(), f.bastion.map(|b| b.0).or(first));
        }
        f
    }
}

/// Peerings in both directions, with gateway transit toward the VNet that holds the VPN gateway.
pub(super) fn peerings(cx: &mut Ctx, t: &Topology, vnets: &[Vnet], vpn: Option<&VpnGateway>) -> Vec<Peering> {
    let gateway = vpn.map(|g| g.vnet);
    let mut out = Vec::new();
    let mut seen: Vec<((VnetId, VnetId), u32)> = Vec::new();
    for (i, (_, v)) in t.vnets.iter().enumerate() {
        for p in &v.peer {
            let Some(j) = cx.vnet_ref(&p.vnet) else {
                continue;
            };
            if i == j {
                cx.error(
                    "E0702",
                    p.vnet.span,
                    format!("VNet `{}` cannot peer with itself", p.vnet.value),
                );
                continue;
            }
            let pair = (i.min(j), i.max(j));
            if let Some((_, line)) = seen.iter().find(|(k, _)| *k == pair) {
                cx.error(
                    "E0703",
                    p.vnet.span,
                    format!(
                        "the peering of `{}` and `{}` is already declared (line {line})",
                        vnets[i].key, vnets[j].key
                    ),
                )
                .set_help("`peer` creates both directions; declare it on one side only");
                continue;
            }
            seen.push((pair, p.vnet.span.start.line));
            for a in &vnets[i].address_space {
                if let Some(b) = vnets[j].address_space.iter().find(|b| overlaps(a, b)) {
                    cx.error(
                        "E0704",
                        p.vnet.span,
                        format!(
                            "`{}` ({a}) and `{}` ({b}) overlap; peered VNets need distinct address spaces",
                            vnets[i].key, vnets[j].key
                        ),
                    );
                }
            }
            let wants_remote = p.use_remote_gateways.as_ref().map(|b| b.value);
            // An existing hub may hold its owners' gateway: the topology's word is taken for it.
            let existing_side = [i, j].into_iter().find(|&x| vnets[x].existing);
            if wants_remote == Some(true) && gateway != Some(i) && gateway != Some(j) && existing_side.is_none() {
                cx.error(
                    "E0706",
                    p.use_remote_gateways.as_ref().expect("some").span,
                    "`use_remote_gateways: true` but neither side holds the `vpn_gateway`",
                );
            }
            let forwarded = p.allow_forwarded_traffic.as_ref().is_none_or(|b| b.value);
            let use_remote = wants_remote != Some(false);
            let include = super::existing::remote_side(cx, p, vnets, i, j);
            // Toward an existing hub, its gateway is used only when the topology says so.
            let hub_gateway = |v: VnetId| gateway == Some(v) || (vnets[v].existing && wants_remote == Some(true));
            let mk = |from: VnetId, to: VnetId| Peering {
                name: format!("peer-{}-to-{}", vnets[from].key, vnets[to].key),
                from,
                to,
                allow_forwarded_traffic: forwarded,
                allow_gateway_transit: hub_gateway(from) && use_remote,
                use_remote_gateways: hub_gateway(to) && use_remote,
                platform: vnets[from].existing && !include,
            };
            for peering in [mk(i, j), mk(j, i)] {
                let scope = scope_key(&vnets[peering.from].scope) + "/" + &vnets[peering.from].name;
                cx.name(&naming::PEERING, &scope, &peering.name, p.vnet.span);
                out.push(peering);
            }
        }
    }
    out
}

/// The point-to-site pool must not overlap any VNet: clients would not reach those addresses.
pub(super) fn check_vpn_pool(cx: &mut Ctx, t: &Topology, vnets: &[Vnet]) {
    let Some(g) = &t.vpn_gateway else { return };
    for s in &g.client_address_pool {
        let Ok(pool) = address::parse_cidr(&s.value) else {
            continue;
        };
        for v in vnets {
            if let Some(space) = v.address_space.iter().find(|a| overlaps(a, &pool)) {
                cx.error(
                    "E0705",
                    s.span,
                    format!("the VPN client pool `{pool}` overlaps VNet `{}` ({space})", v.key),
                )
                .set_help("choose a pool outside every VNet, for example 172.16.201.0/24");
            }
        }
    }
}

/// Which VNets reach which: each itself and the VNets peered with it (peering is not
/// transitive). Built once per check, since an estate has thousands of peerings and every VNet
/// asks.
pub(super) struct Reach(std::collections::HashSet<(VnetId, VnetId)>);

impl Reach {
    pub(super) fn new(peerings: &[crate::model::Peering]) -> Reach {
        Reach(peerings.iter().map(|p| (p.from, p.to)).collect())
    }

    /// Whether VNet `from` reaches addresses in VNet `to`.
    pub(super) fn reaches(&self, from: VnetId, to: VnetId) -> bool {
        from == to || self.0.contains(&(from, to))
    }
}
