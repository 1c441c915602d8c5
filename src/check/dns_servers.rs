//! Custom DNS servers must be reachable from the VNet that uses them: a server inside one of the
//! topology's VNets answers only the VNet itself and the VNets peered with it (peering is not
//! transitive). The DNS Private Resolver's inbound IP therefore becomes the DNS server of exactly
//! those VNets; the others keep Azure-provided DNS.

use super::network::Reach;
use super::Ctx;
use crate::model::{Model, Peering, Vnet, VnetId};
use crate::syntax::Topology;
use std::net::Ipv4Addr;

/// Reports each explicit DNS server that lies in a VNet the using VNet cannot reach.
pub(super) fn check(cx: &mut Ctx, t: &Topology, vnets: &[Vnet], peerings: &[Peering]) {
    let reach = Reach::new(peerings);
    for (v, (key, syntax)) in t.vnets.iter().enumerate().take(vnets.len()) {
        for s in syntax.dns_servers.iter().flatten() {
            let Ok(ip) = s.value.parse::<Ipv4Addr>() else {
                continue; // reported by `network::vnets`
            };
            let Some(w) = vnet_holding(vnets, ip) else {
                continue; // on premises or elsewhere: the topology cannot tell
            };
            if reach.reaches(v, w) {
                continue;
            }
            cx.error(
                "E0807",
                s.span,
                format!(
                    "DNS server {ip} lies in VNet `{}`, which `{}` is not peered with: every name lookup in `{}` would fail",
                    vnets[w].key, key.value, key.value
                ),
            )
            .set_help(format!(
                "peer `{}` with `{}` (`peer: {}`), or use a DNS server that `{}` can reach",
                key.value, vnets[w].key, vnets[w].key, key.value
            ));
        }
    }
}

/// The resolver's inbound IP as the DNS server of every VNet that sets none and can reach it.
pub(super) fn use_resolver(model: &mut Model) {
    let Some(r) = &model.dns_resolver else { return };
    let (ip, home) = (r.inbound_ip, r.vnet);
    let reach = Reach::new(&model.peerings);
    for v in 0..model.vnets.len() {
        let x = &model.vnets[v];
        if x.dns_servers.is_empty() && !x.existing && reach.reaches(v, home) {
            model.vnets[v].dns_servers.push(ip);
        }
    }
}

/// The VNet whose address space holds `ip`.
fn vnet_holding(vnets: &[Vnet], ip: Ipv4Addr) -> Option<VnetId> {
    vnets
        .iter()
        .position(|v| v.address_space.iter().any(|a| a.contains(&ip)))
}
