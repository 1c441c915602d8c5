//! Egress: how each subnet reaches the Internet. `none` (the default: a private subnet), `nat`
//! (the VNet's NAT gateway) or `{ next_hop: IP }` (a route table that sends 0.0.0.0/0 to a
//! firewall or appliance in the subnet's VNet or a VNet peered with it). A VNet's `egress` is the
//! default of its subnets; a subnet object may set its own. GatewaySubnet and AzureBastionSubnet
//! are left as Azure requires.

use super::address::is_reserved;
use super::network::{ip, scope_key};
use super::Ctx;
use crate::azure::naming;
use crate::azure::network::AZURE_MANAGED_EGRESS_SUBNETS;
use crate::model::{Egress, NatGateway, Peering, RouteTable, Vnet, VnetId};
use crate::source::Span;
use crate::syntax::{self, Topology};
use std::net::Ipv4Addr;

const WORDS: &[&str] = &["none", "nat"];

/// Decides every subnet's egress and the NAT gateways and route tables it needs.
pub(super) fn apply(cx: &mut Ctx, t: &Topology, vnets: &mut [Vnet], peerings: &[Peering]) {
    // An existing VNet's egress is its owners' business (`existing::describe` refuses `egress`).
    for i in 0..vnets.len() {
        if vnets[i].existing {
            continue;
        }
        let syn = &t.vnets[i].1;
        let default = syn.egress.as_ref().and_then(|e| parse(cx, e, i, vnets, peerings));
        let mut decided: Vec<(usize, Egress)> = Vec::new();
        for (k, s) in vnets[i].subnets.iter().enumerate() {
            let own = syn
                .subnets
                .iter()
                .flatten()
                .find(|(n, _)| n.value == s.name)
                .and_then(|(_, o)| o.egress.as_ref());
            if AZURE_MANAGED_EGRESS_SUBNETS.contains(&s.name.as_str()) {
                if let Some(e) = own {
                    cx.error(
                        "E1102",
                        e.span(),
                        format!("`{}` takes no `egress`: Azure manages its outbound traffic", s.name),
                    )
                    .set_help(
                        "remove `egress` here; Azure refuses a NAT gateway or a route table of ours on this subnet",
                    );
                }
                continue;
            }
            let own = own.and_then(|e| parse(cx, e, i, vnets, peerings));
            let (egress, span) = match own.or(default) {
                Some(d) => d,
                None => (Egress::NoInternet, Span::default()),
            };
            if let Egress::Appliance(hop) = egress {
                if s.prefix.contains(&hop) {
                    cx.error(
                        "E1103",
                        span,
                        format!(
                            "subnet `{}` holds the next hop {hop}: routing its own Internet traffic to itself loops",
                            s.name
                        ),
                    )
                    .set_help(format!(
                        "give subnet `{}` its own `egress` (`none` when the appliance has its own public IP, or `nat`)",
                        s.name
                    ));
                }
            }
            decided.push((k, egress));
        }
        for (k, e) in decided {
            vnets[i].subnets[k].egress = Some(e);
        }
        resources(cx, &mut vnets[i], t.vnets[i].0.span);
    }
}

/// One `egress` value as written, with reachability of its next hop checked.
fn parse(
    cx: &mut Ctx,
    e: &syntax::Egress,
    vnet: VnetId,
    vnets: &[Vnet],
    peerings: &[Peering],
) -> Option<(Egress, Span)> {
    match e {
        syntax::Egress::Word(w) => {
            let word = cx.one_of(w, WORDS, "E0007", "egress (`none`, `nat` or `{ next_hop: IP }`)")?;
            Some((if word == "nat" { Egress::Nat } else { Egress::NoInternet }, w.span))
        }
        syntax::Egress::NextHop { ip: s, .. } => {
            let hop = ip(cx, s)?;
            reachable(cx, hop, s.span, vnet, vnets, peerings);
            Some((Egress::Appliance(hop), s.span))
        }
    }
}

/// The next hop must be an address in a subnet of the VNet itself or of a VNet peered with it
/// (peering is not transitive), and not one Azure reserves.
fn reachable(cx: &mut Ctx, hop: Ipv4Addr, span: Span, vnet: VnetId, vnets: &[Vnet], peerings: &[Peering]) {
    let candidates: Vec<VnetId> = std::iter::once(vnet)
        .chain(peerings.iter().filter(|p| p.from == vnet).map(|p| p.to))
        .collect();
    let Some(&holder) = candidates
        .iter()
        .find(|&&v| vnets[v].address_space.iter().any(|a| a.contains(&hop)))
    else {
        let other = vnets
            .iter()
            .position(|v| v.address_space.iter().any(|a| a.contains(&hop)));
        let d = cx.error(
            "E1101",
            span,
            format!(
                "the next hop {hop} is not in VNet `{}` or a VNet peered with it",
                vnets[vnet].key
            ),
        );
        match other {
            Some(o) => d.set_help(format!(
                "{hop} is in VNet `{}`; peer `{}` with it (`peer: {}`), or use an appliance it can reach",
                vnets[o].key, vnets[vnet].key, vnets[o].key
            )),
            None => d.set_help("the appliance (a firewall's private IP) must be in this VNet or a peered one; traffic to any other address has no route"),
        };
        return;
    };
    let v = &vnets[holder];
    match v.subnets.iter().find(|s| s.prefix.contains(&hop)) {
        None => {
            cx.error(
                "E1101",
                span,
                format!("the next hop {hop} is in VNet `{}` but in none of its subnets", v.key),
            )
            .set_help("use the private IP of the appliance, which lives in a subnet");
        }
        Some(s) if is_reserved(&s.prefix, hop) => {
            cx.error(
                "E0210",
                span,
                format!(
                    "the next hop {hop} is one of the five addresses Azure reserves in {}",
                    s.prefix
                ),
            )
            .set_help("use the private IP of the appliance");
        }
        Some(_) => {}
    }
}

/// The NAT gateway (one per VNet, with its public IP) and one route table per next hop.
fn resources(cx: &mut Ctx, v: &mut Vnet, at: Span) {
    let scope = scope_key(&v.scope);
    let uses = |e: fn(&Egress) -> bool| v.subnets.iter().filter_map(|s| s.egress.as_ref()).any(e);
    if uses(|e| *e == Egress::Nat) {
        let name = format!("ng-{}-{}", cx.workload, v.key);
        let public_ip = format!("pip-{name}");
        cx.name(&naming::NAT_GATEWAY, &scope, &name, at);
        cx.name(&naming::PUBLIC_IP, &scope, &public_ip, at);
        v.nat_gateway = Some(NatGateway { name, public_ip });
    }
    let mut hops: Vec<Ipv4Addr> = Vec::new();
    for s in &v.subnets {
        if let Some(Egress::Appliance(h)) = s.egress {
            if !hops.contains(&h) {
                hops.push(h);
            }
        }
    }
    for (n, hop) in hops.into_iter().enumerate() {
        let base = format!("rt-{}-{}", cx.workload, v.key);
        let name = if n == 0 { base } else { format!("{base}-{}", n + 1) };
        cx.name(&naming::ROUTE_TABLE, &scope, &name, at);
        v.route_tables.push(RouteTable { name, next_hop: hop });
    }
}
