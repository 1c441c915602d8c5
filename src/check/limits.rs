//! Azure's service limits (`azure::limits`): what ARM would refuse at deployment time although
//! every schema accepts it. Each error points at the entry that is one too many.

use super::Ctx;
use crate::azure::limits::{LINKS_PER_ZONE, PEERINGS_PER_VNET, VNETS_PER_SUBSCRIPTION_REGION};
use crate::model::{Account, Dns, Vnet, VnetId};
use crate::syntax::Topology;
use indexmap::IndexMap;

pub(super) fn check(cx: &mut Ctx, t: &Topology, vnets: &[Vnet], openai: Option<&Account>) {
    peerings_per_vnet(cx, t, vnets);
    vnets_per_subscription_region(cx, t, vnets);
    if let Some(a) = openai {
        links_per_zone(cx, t, vnets, a);
    }
}

const SEVERAL_HUBS: &str = "a hub serves at most 500 spokes: give the other spokes a hub of their own, with its own \
private endpoint (`openai.private_endpoints`, one per hub)";

/// Peerings per VNet: each `peer` entry puts one peering on each side. The entry that takes a VNet
/// past the limit is the one reported (once per VNet).
fn peerings_per_vnet(cx: &mut Ctx, t: &Topology, vnets: &[Vnet]) {
    let mut count: Vec<usize> = vec![0; vnets.len()];
    let mut seen: std::collections::HashSet<(VnetId, VnetId)> = Default::default();
    let mut reported = vec![false; vnets.len()];
    for (i, (_, v)) in t.vnets.iter().enumerate() {
        for p in &v.peer {
            // Unknown keys, self peerings and duplicates are reported by `network::peerings`.
            let Some(j) = cx.vnet_keys.iter().position(|k| *k == p.vnet.value) else {
                continue;
            };
            if i == j || i >= vnets.len() || !seen.insert((i.min(j), i.max(j))) {
                continue;
            }
            for side in [i, j] {
                count[side] += 1;
                if count[side] > PEERINGS_PER_VNET && !reported[side] {
                    reported[side] = true;
                    let total = total_peerings(t, &cx.vnet_keys, side);
                    cx.error(
                        "E0801",
                        p.vnet.span,
                        format!(
                            "this is peering {} of VNet `{}`, which would have {total}; Azure allows {PEERINGS_PER_VNET} per virtual network",
                            PEERINGS_PER_VNET + 1,
                            vnets[side].key
                        ),
                    )
                    .set_help(SEVERAL_HUBS);
                }
            }
        }
    }
}

/// How many distinct peerings VNet `v` takes part in (for the message).
fn total_peerings(t: &Topology, keys: &[String], v: VnetId) -> usize {
    let mut pairs: std::collections::HashSet<(VnetId, VnetId)> = Default::default();
    for (i, (_, vn)) in t.vnets.iter().enumerate() {
        for p in &vn.peer {
            if let Some(j) = keys.iter().position(|k| *k == p.vnet.value) {
                if i != j && (i == v || j == v) {
                    pairs.insert((i.min(j), i.max(j)));
                }
            }
        }
    }
    pairs.len()
}

/// VNets per subscription and region, counted in declaration order.
fn vnets_per_subscription_region(cx: &mut Ctx, t: &Topology, vnets: &[Vnet]) {
    let mut count: IndexMap<(Option<String>, String), usize> = IndexMap::new();
    for (i, v) in vnets.iter().enumerate() {
        let key = (v.scope.subscription.clone(), v.location.clone());
        let n = count.entry(key).or_default();
        *n += 1;
        if *n == VNETS_PER_SUBSCRIPTION_REGION + 1 {
            let subscription = match &v.scope.subscription {
                Some(s) => format!("subscription `{s}`"),
                None => "the deployment's subscription".to_string(),
            };
            let span = t.vnets.get(i).map_or(t.span, |(k, _)| k.span);
            cx.error(
                "E0803",
                span,
                format!(
                    "VNet `{}` is VNet {} in {} of {subscription}; Azure allows {VNETS_PER_SUBSCRIPTION_REGION} per subscription and region",
                    v.key,
                    VNETS_PER_SUBSCRIPTION_REGION + 1,
                    v.location
                ),
            )
            .set_help("place the others in another region (`location`) or another subscription (`subscription` with `resource_group`)");
        }
    }
}

/// VNet links per private DNS zone: each endpoint's zones are linked to its island's VNets.
fn links_per_zone(cx: &mut Ctx, t: &Topology, vnets: &[Vnet], a: &Account) {
    let Dns::PrivateZone { zones } = &a.dns else {
        return;
    };
    for (k, e) in a.endpoints.iter().enumerate() {
        if e.link_vnets.len() <= LINKS_PER_ZONE {
            continue;
        }
        // Point at the entry that is one too many: in the list when one was written, else the VNet.
        let o = t.openai.as_ref();
        let listed = match o.and_then(|o| o.private_endpoints.as_ref()) {
            Some(list) => list.value.get(k).and_then(|x| x.link_vnets.as_ref()),
            None => o.and_then(|o| o.dns.as_ref()).and_then(|d| d.link_vnets.as_ref()),
        };
        let span = match listed {
            Some(list) => list.get(LINKS_PER_ZONE).map(|s| s.span),
            None => t.vnets.get(e.link_vnets[LINKS_PER_ZONE]).map(|(k, _)| k.span),
        }
        .unwrap_or(t.span);
        let zone = zones.first().map_or("the private DNS zone", |z| z.name);
        let island = if a.endpoints_listed {
            format!(" of the endpoint in `{}`", vnets[e.vnet].key)
        } else {
            String::new()
        };
        cx.error(
            "E0802",
            span,
            format!(
                "{zone}{island} would have {} VNet links, one per linked VNet; Azure allows {LINKS_PER_ZONE} per private DNS zone",
                e.link_vnets.len()
            ),
        )
        .set_help(format!(
            "link at most {LINKS_PER_ZONE} VNets, or give more hubs their own endpoint and zones (`openai.private_endpoints`); {} VNets are declared",
            vnets.len()
        ));
    }
}
