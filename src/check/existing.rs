//! Existing networks (`existing: true`): a platform team's hub that is already there. Nothing of it
//! is created or changed, so the topology only describes it: its `name` (required), where it is
//! (`resource_group`, `subscription`), its `address_space` and the subnets we refer to, as explicit
//! CIDRs. What we place in it (a private endpoint, a jump box) lives in the deployment's resource
//! group, which must be in the VNet's subscription; features that would change it (Bastion, a VPN
//! gateway, a DNS resolver, NSGs, egress) are refused; our address spaces must not overlap it; a
//! peering with it leaves its side to its owners (`platform/`) unless `remote_side: include`.

use super::address::overlaps;
use super::compute::Compute;
use super::network::Features;
use super::Ctx;
use crate::azure::network::may_place_in_vnet_of;
use crate::model::{Account, Vnet, VnetId};
use crate::syntax::{Peer, Topology};

/// What the topology may say about an existing VNet, checked right after the VNets are read.
pub(super) fn describe(cx: &mut Ctx, t: &Topology, vnets: &[Vnet]) {
    for (i, (key, v)) in t.vnets.iter().enumerate() {
        if !vnets.get(i).is_some_and(|x| x.existing) {
            continue;
        }
        if v.name.is_none() {
            cx.error(
                "E0320",
                key.span,
                format!("existing VNet `{}` needs its `name`", key.value),
            )
            .set_help("the name it has in Azure: it is referred to by resource ID, never created");
        }
        let unchanged = |cx: &mut Ctx, span, what: &str| {
            cx.error(
                "E0326",
                span,
                format!(
                    "`{what}` would change existing VNet `{}`, which this deployment leaves as it is",
                    key.value
                ),
            )
            .set_help("its owners manage it; describe only its `name`, place, `address_space` and the subnets you use");
        };
        if let Some(d) = v.dns_servers.as_ref().and_then(|d| d.first()) {
            unchanged(cx, d.span, "dns_servers");
        }
        if let Some(e) = &v.egress {
            unchanged(cx, e.span(), "egress");
        }
        for (name, s) in v.subnets.iter().flatten() {
            if let Some(p) = &s.prefix {
                if crate::check::address::parse_size(&p.value).is_some() {
                    cx.error(
                        "E0321",
                        p.span,
                        format!(
                            "`{}` is a size; a subnet of existing VNet `{}` is described by its CIDR",
                            p.value, key.value
                        ),
                    )
                    .set_help(format!(
                        "write the prefix subnet `{}` has in Azure, like `10.0.1.0/24`",
                        name.value
                    ));
                }
            }
            for (set, what) in [
                (s.nsg.as_ref().map(|n| n.span), "nsg"),
                (s.egress.as_ref().map(|e| e.span()), "egress"),
                (s.private_ip_policies.as_ref().map(|p| p.span), "private_ip_policies"),
                (s.service_endpoints.first().map(|e| e.span), "service_endpoints"),
            ] {
                if let Some(span) = set {
                    unchanged(cx, span, what);
                }
            }
        }
    }
    // Our networks must not overlap what is already there, peered or not: they share one plan.
    let existing: Vec<&Vnet> = vnets.iter().filter(|v| v.existing).collect();
    if existing.is_empty() {
        return;
    }
    for (i, ours) in vnets.iter().enumerate().filter(|(_, v)| !v.existing) {
        for theirs in &existing {
            for s in &t.vnets[i].1.address_space {
                let Ok(a) = crate::check::address::parse_cidr(&s.value) else {
                    continue;
                };
                if let Some(b) = theirs.address_space.iter().find(|b| overlaps(&a, b)) {
                    let at = s.span;
                    cx.error(
                        "E0322",
                        at,
                        format!(
                            "`{a}` of VNet `{}` overlaps `{b}` of existing VNet `{}`",
                            ours.key, theirs.key
                        ),
                    )
                    .set_help("choose an address space the existing networks do not use");
                }
            }
        }
    }
}

/// Features that would add to or change an existing VNet, and what we place in one.
pub(super) fn placements(
    cx: &mut Ctx,
    t: &Topology,
    vnets: &[Vnet],
    f: &Features,
    c: &Compute,
    openai: Option<&Account>,
) {
    let refuse = |cx: &mut Ctx, v: VnetId, what: &str, span| {
        cx.error(
            "E0324",
            span,
            format!(
                "{what} cannot go into existing VNet `{}`: it would add subnets to it or change it",
                vnets[v].key
            ),
        )
        .set_help("its owners run such services in the hub; put it in a VNet this topology creates");
    };
    if let (Some((v, _)), Some(b)) = (f.bastion, &t.bastion) {
        if vnets[v].existing {
            refuse(cx, v, "Azure Bastion", b.vnet.as_ref().map_or(b.span, |s| s.span));
        }
    }
    if let (Some(v), Some(g)) = (f.gateway, &t.vpn_gateway) {
        if vnets[v].existing {
            refuse(cx, v, "The VPN gateway", g.vnet.as_ref().map_or(g.span, |s| s.span));
        }
    }
    if let (Some(v), Some(r)) = (f.resolver, &t.dns_resolver) {
        if vnets[v].existing {
            refuse(cx, v, "The DNS resolver", r.vnet.as_ref().map_or(r.span, |s| s.span));
        }
    }
    // What we place in an existing VNet goes to the deployment's resource group, which must be in
    // the VNet's subscription (a NIC and its subnet share one).
    let elsewhere = |cx: &mut Ctx, v: VnetId, what: &str, span| {
        let sub = vnets[v].scope.subscription.as_deref();
        // The deployment's subscription is the one `deploy` is run against, not named here.
        if let (true, Some(sub)) = (vnets[v].existing && !may_place_in_vnet_of(sub, None), sub) {
            cx.error(
                "E0325",
                span,
                format!(
                    "{what} in existing VNet `{}` would live in the deployment's resource group, but the VNet is in subscription `{sub}`",
                    vnets[v].key
                ),
            )
            .set_help("deploy this topology to that subscription and leave `subscription` off the VNet, or place it in a VNet of your own");
        }
    };
    if let (Some(j), Some(js)) = (&c.jumpbox, &t.jumpbox) {
        elsewhere(cx, j.vnet, "The jump box", js.vnet.as_ref().map_or(js.span, |s| s.span));
    }
    if let (Some(a), Some(o)) = (openai, &t.openai) {
        for (k, e) in a.endpoints.iter().enumerate() {
            let at = match &o.private_endpoints {
                Some(list) => list.value.get(k).map_or(list.span, |x| x.span),
                None => o.private_endpoint.as_ref().map_or(o.span, |p| p.span),
            };
            elsewhere(cx, e.vnet, "The private endpoint", at);
        }
    }
}

/// `remote_side` of a peering: whether its side on an existing VNet is deployed here (`include`).
pub(super) fn remote_side(cx: &mut Ctx, p: &Peer, vnets: &[Vnet], i: VnetId, j: VnetId) -> bool {
    let existing = [i, j].iter().filter(|&&v| vnets[v].existing).count();
    if existing == 2 {
        cx.error(
            "E0327",
            p.vnet.span,
            format!(
                "`{}` and `{}` both exist already: their owners peer them",
                vnets[i].key, vnets[j].key
            ),
        )
        .set_help("a peering here joins a VNet this topology creates to another");
        return false;
    }
    let Some(r) = &p.remote_side else { return false };
    let Some(value) = cx.one_of(
        r,
        &["include", "platform"],
        "E0007",
        "`remote_side` (`include` or `platform`)",
    ) else {
        return false;
    };
    if existing == 0 {
        cx.error(
            "E0327",
            r.span,
            "`remote_side` is for a peering with an existing VNet; both sides of this one are created here",
        );
        return false;
    }
    value == "include"
}

/// The help for a subnet that existing VNet `v` does not list: it is described, not created.
pub(super) fn unlisted_help(v: &Vnet, subnet: &str) -> String {
    format!(
        "existing VNet `{}` is known only by the subnets listed under it: add `{subnet}: <its CIDR in Azure>` to its `subnets`",
        v.key
    )
}
