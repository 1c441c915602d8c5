//! The account's private endpoints: one (`private_endpoint`), or one per hub or region
//! (`private_endpoints`), and with `dns.mode: private-zone` their DNS islands. Peering is not
//! transitive, so a VNet reaches an endpoint only in its own VNet or in a VNet peered with it.
//! The one endpoint's zones are linked to every VNet by default (`dns.link_vnets`); each of several
//! endpoints' zones to its VNet and the VNets peered with it. No VNet may be linked to an endpoint
//! it cannot reach while it reaches another, nor to two islands (Azure refuses two links to zones of
//! one name), and two islands may not share a resource group (it holds one zone of a name). A VNet
//! that reaches no endpoint is a warning: it cannot use the account, linked or not.

use super::address::{self, is_reserved};
use super::network::{scope_key, Reach};
use super::Ctx;
use crate::azure::naming;
use crate::model::{Dns, Peering, PrivateEndpoint, Scope, SubnetRole, Vnet, VnetId};
use crate::source::Span;
use crate::syntax;

/// The endpoints, with their islands decided. `single_links` is `dns.link_vnets` (the one-endpoint
/// form), resolved.
pub(super) fn check(
    cx: &mut Ctx,
    t: &syntax::Topology,
    account: &str,
    dns: &Dns,
    single_links: Option<&[(VnetId, Span)]>,
    vnets: &[Vnet],
    peerings: &[Peering],
) -> Option<(Vec<PrivateEndpoint>, bool)> {
    let o = t.openai.as_ref()?;
    let zones = matches!(dns, Dns::PrivateZone { .. });
    let (mut endpoints, entries): (Vec<PrivateEndpoint>, Vec<&syntax::PrivateEndpoint>) = match &o.private_endpoints {
        Some(list) => {
            if let Some(one) = &o.private_endpoint {
                cx.error(
                    "E0512",
                    one.span,
                    "`private_endpoint` and `private_endpoints` cannot both be set",
                )
                .set_help("list every endpoint under `private_endpoints`, or keep the one `private_endpoint`");
            }
            if list.value.is_empty() {
                cx.error("E0006", list.span, "`private_endpoints` needs at least one endpoint")
                    .set_help("each entry names its hub: `- { vnet: hub }`");
                return None;
            }
            if let (Some(links), true) = (o.dns.as_ref().and_then(|d| d.link_vnets.as_ref()), zones) {
                if let Some(first) = links.first() {
                    cx.error(
                        "E0505",
                        first.span,
                        "`dns.link_vnets` is for the one-endpoint form; with `private_endpoints`, each entry has its own `link_vnets`",
                    );
                }
            }
            let mut out = Vec::new();
            let mut entries = Vec::new();
            for e in &list.value {
                let Some(v) = &e.vnet else {
                    cx.error("E0006", e.span, "an entry of `private_endpoints` needs `vnet`")
                        .set_help("the VNet (a hub) whose spokes this endpoint serves");
                    continue;
                };
                let Some(vnet) = cx.vnet_ref(v) else { continue };
                let name = format!("pep-{account}-{}", vnets[vnet].key);
                if let Some(ep) = endpoint(cx, e, e.span, vnet, name, vnets) {
                    out.push(ep);
                    entries.push(e);
                }
            }
            (out, entries)
        }
        None => {
            let pe = o.private_endpoint.as_ref();
            let vnet = match pe.and_then(|p| p.vnet.as_ref()) {
                Some(v) => cx.vnet_ref(v)?,
                None if vnets.is_empty() => return None,
                None => 0,
            };
            let blank = syntax::PrivateEndpoint::default();
            let at = pe.map_or(o.span, |p| p.span);
            let ep = endpoint(cx, pe.unwrap_or(&blank), at, vnet, format!("pep-{account}"), vnets)?;
            (vec![ep], Vec::new())
        }
    };
    let listed = o.private_endpoints.is_some();
    for e in &mut endpoints {
        if listed {
            // In an existing VNet, what we add lives in the deployment's resource group.
            if !vnets[e.vnet].existing {
                e.zone_scope = vnets[e.vnet].scope.clone();
            }
        }
    }
    if zones {
        islands(cx, t, o, &mut endpoints, &entries, single_links, vnets, peerings);
    } else {
        for e in entries.iter().filter_map(|e| e.link_vnets.as_ref()) {
            if let Some(first) = e.first() {
                cx.error(
                    "E0505",
                    first.span,
                    "`link_vnets` is only for `dns.mode: private-zone` (zones owned elsewhere are linked by their owner)",
                );
            }
        }
        if listed && endpoints.len() > 1 {
            several_without_islands(cx, o, dns);
        }
    }
    Some((endpoints, listed))
}

/// Whether VNet `from` reaches any of these endpoint VNets.
fn reaches_any(from: VnetId, endpoint_vnets: &[VnetId], reach: &Reach) -> bool {
    endpoint_vnets.iter().any(|&to| reach.reaches(from, to))
}

/// The links of each island, and the rules across islands.
#[allow(clippy::too_many_arguments)]
fn islands(
    cx: &mut Ctx,
    t: &syntax::Topology,
    o: &syntax::OpenAi,
    endpoints: &mut [PrivateEndpoint],
    entries: &[&syntax::PrivateEndpoint],
    single_links: Option<&[(VnetId, Span)]>,
    vnets: &[Vnet],
    peerings: &[Peering],
) {
    let reach = Reach::new(peerings);
    // Explicit links (with where they were written), or the default.
    let mut explicit = false;
    let others: Vec<VnetId> = endpoints.iter().map(|e| e.vnet).collect();
    for (k, e) in endpoints.iter_mut().enumerate() {
        let given: Option<Vec<(VnetId, Span)>> = match entries.get(k) {
            Some(entry) => entry
                .link_vnets
                .as_ref()
                .map(|l| l.iter().filter_map(|s| cx.vnet_ref(s).map(|v| (v, s.span))).collect()),
            None => single_links.map(<[_]>::to_vec),
        };
        match given {
            Some(list) => {
                explicit = true;
                for (v, span) in list {
                    if !reach.reaches(v, e.vnet) && reaches_any(v, &others, &reach) {
                        cx.error(
                            "E0516",
                            span,
                            format!(
                                "VNet `{}` would resolve the account to the endpoint in `{}`, which it cannot reach: they are not peered",
                                vnets[v].key, vnets[e.vnet].key
                            ),
                        )
                        .set_help(format!(
                            "link it to the endpoint of a VNet it is peered with, or peer `{}` with `{}`",
                            vnets[v].key, vnets[e.vnet].key
                        ));
                    } else if !e.link_vnets.contains(&v) {
                        e.link_vnets.push(v);
                    }
                }
            }
            // TOPOLOGY.md: the one endpoint's zones are linked to all VNets; each of several
            // endpoints' to the VNets that reach it.
            None if entries.is_empty() => e.link_vnets = (0..vnets.len()).collect(),
            None => e.link_vnets = (0..vnets.len()).filter(|&v| reach.reaches(v, e.vnet)).collect(),
        }
    }
    // Two islands in one resource group would be two zones of one name there.
    for (k, e) in endpoints.iter().enumerate() {
        if let Some(first) = endpoints[..k].iter().find(|f| f.zone_scope == e.zone_scope) {
            let at = entries.get(k).and_then(|x| x.vnet.as_ref()).map_or(o.span, |v| v.span);
            let same_vnet = first.vnet == e.vnet;
            cx.error(
                "E0514",
                at,
                if same_vnet {
                    format!("a second endpoint in VNet `{}`", vnets[e.vnet].key)
                } else {
                    format!(
                        "the endpoints in `{}` and `{}` would put their zones in one resource group ({}), which holds one zone of a name",
                        vnets[first.vnet].key,
                        vnets[e.vnet].key,
                        scope_text(&e.zone_scope)
                    )
                },
            )
            .set_help(if same_vnet {
                "one endpoint per hub: the VNet's peered spokes share it".to_string()
            } else {
                format!("give VNet `{}` or `{}` a `resource_group` of its own", vnets[first.vnet].key, vnets[e.vnet].key)
            });
        }
    }
    // One island per VNet.
    let mut island_of: Vec<Option<usize>> = vec![None; vnets.len()];
    for (k, e) in endpoints.iter().enumerate() {
        for &v in &e.link_vnets {
            match island_of[v] {
                Some(j) if j != k => {
                    let at = link_span(entries.get(k).copied(), single_links, v, vnets)
                        .or_else(|| entries.get(k).and_then(|x| x.vnet.as_ref()).map(|s| s.span))
                        .unwrap_or(o.span);
                    cx.error(
                        "E0515",
                        at,
                        format!(
                            "VNet `{}` would be linked to the zones of the endpoints in `{}` and `{}`; Azure links a VNet to one zone of a name",
                            vnets[v].key,
                            vnets[endpoints[j].vnet].key,
                            vnets[e.vnet].key
                        ),
                    )
                    .set_help(format!(
                        "list `{}` under one endpoint's `link_vnets` only (a VNet peered with two hubs picks one)",
                        vnets[v].key
                    ));
                }
                _ => island_of[v] = Some(k),
            }
        }
    }
    // VNets that resolve the account nowhere although they could, or that cannot use it at all.
    let mut unreached: Vec<(VnetId, Span)> = Vec::new();
    for (v, vnet) in vnets.iter().enumerate() {
        let reachable = endpoints.iter().find(|e| reach.reaches(v, e.vnet));
        if island_of[v].is_some() && reachable.is_some() {
            continue;
        }
        let at = t.vnets.get(v).map_or(o.span, |(k, _)| k.span);
        match (reachable, explicit) {
            (Some(e), true) => {
                let at = first_link_span(entries, single_links).unwrap_or(at);
                cx.warning(
                    "W0011",
                    at,
                    format!(
                        "VNet `{}` is peered with the endpoint's VNet `{}` but linked to no endpoint's zones",
                        vnet.key, vnets[e.vnet].key
                    ),
                )
                .set_help(format!(
                    "its clients would resolve the account to its public address; add `{}` to that endpoint's `link_vnets`",
                    vnet.key
                ));
            }
            (None, _) => unreached.push((v, at)),
            (Some(_), false) => {}
        }
    }
    // One warning for all the VNets that cannot use the account (an estate may have many).
    if let Some(&(first, at)) = unreached.first() {
        let mut keys: Vec<String> = unreached
            .iter()
            .take(5)
            .map(|&(v, _)| format!("`{}`", vnets[v].key))
            .collect();
        if unreached.len() > 5 {
            keys.push(format!("{} more", unreached.len() - 5));
        }
        let (what, verb) = if unreached.len() == 1 {
            (format!("VNet `{}`", vnets[first].key), "reaches")
        } else {
            (format!("{} VNets ({})", unreached.len(), keys.join(", ")), "reach")
        };
        cx.warning(
            "W0030",
            at,
            format!(
                "{what} {verb} none of the account's private endpoints (none is in them or in a VNet peered with them): clients there cannot use the account"
            ),
        )
        .set_help("peer with a VNet that holds an endpoint (a hub), or add an endpoint there (`openai.private_endpoints`)");
    }
}

/// Where `dns.mode: existing` or `none` leaves several endpoints: every endpoint registers the same
/// names, so each VNet must get the answer for the endpoint it can reach from somewhere else.
fn several_without_islands(cx: &mut Ctx, o: &syntax::OpenAi, dns: &Dns) {
    let at = o.private_endpoints.as_ref().map_or(o.span, |l| l.span);
    let (code, message, help) = match dns {
        Dns::Existing { .. } | Dns::Policy { .. } => (
            "W0031",
            "with zones shared by every endpoint (`dns.mode: existing` or `policy`), each endpoint's zone group writes an A record for the same names into them",
            "clients then get several addresses, some of which they cannot reach; resolve each region through its own zones (`mode: private-zone`, one island per endpoint) or forward each region's queries to DNS that answers with its own endpoint",
        ),
        _ => (
            "W0031",
            "with `dns.mode: none` each network must resolve the account to the endpoint it reaches",
            "give each region's DNS the records of its own endpoint (`aoai-vnet hosts --vnet KEY` prints them)",
        ),
    };
    cx.warning(code, at, message).set_help(help);
}

fn scope_text(s: &Scope) -> String {
    match (&s.subscription, &s.resource_group) {
        (Some(sub), Some(rg)) => format!("`{rg}` in subscription `{sub}`"),
        (None, Some(rg)) => format!("`{rg}`"),
        _ => "the deployment's resource group".into(),
    }
}

/// The span of VNet `v` in an entry's `link_vnets` (or `dns.link_vnets`).
fn link_span(
    entry: Option<&syntax::PrivateEndpoint>,
    single: Option<&[(VnetId, Span)]>,
    v: VnetId,
    vnets: &[Vnet],
) -> Option<Span> {
    match entry {
        Some(e) => e
            .link_vnets
            .as_ref()?
            .iter()
            .find(|s| s.value == vnets[v].key)
            .map(|s| s.span),
        None => single?.iter().find(|(x, _)| *x == v).map(|(_, s)| *s),
    }
}

fn first_link_span(entries: &[&syntax::PrivateEndpoint], single: Option<&[(VnetId, Span)]>) -> Option<Span> {
    single.and_then(|l| l.first().map(|(_, s)| *s)).or_else(|| {
        entries
            .iter()
            .find_map(|e| e.link_vnets.as_ref().and_then(|l| l.first()).map(|s| s.span))
    })
}

/// One endpoint: its subnet (the named one, else `private-endpoints`, else `default`), name, NIC
/// and static IP.
fn endpoint(
    cx: &mut Ctx,
    pe: &syntax::PrivateEndpoint,
    at: Span,
    vnet: VnetId,
    default_name: String,
    vnets: &[Vnet],
) -> Option<PrivateEndpoint> {
    let v = &vnets[vnet];
    let subnet = match &pe.subnet {
        Some(s) => {
            if cx.is_unplanned(vnet, &s.value, vnets) {
                return None;
            }
            let Some(found) = v.subnets.iter().find(|x| x.name == s.value) else {
                let names: Vec<&str> = v.subnets.iter().map(|x| x.name.as_str()).collect();
                let d = cx.error("E0302", s.span, format!("no subnet `{}` in VNet `{}`", s.value, v.key));
                match crate::diag::suggest(&s.value, names.iter().copied()) {
                    Some(n) => d.set_help(format!("did you mean `{n}`?")),
                    None if v.existing => d.set_help(super::existing::unlisted_help(v, &s.value)),
                    None => d.set_help(format!("subnets of `{}`: {}", v.key, names.join(", "))),
                }
                return None;
            };
            if found.role != SubnetRole::Plain {
                cx.error(
                    "E0304",
                    s.span,
                    format!(
                        "`{}` is reserved for its feature and cannot hold a private endpoint",
                        s.value
                    ),
                )
                .set_help("add a `private-endpoints: /27` subnet and point the endpoint's `subnet` at it");
                return None;
            }
            found.name.clone()
        }
        None => {
            let pick = ["private-endpoints", "default"]
                .into_iter()
                .find(|n| v.subnets.iter().any(|x| x.name == *n));
            let lost = ["private-endpoints", "default"]
                .iter()
                .any(|n| cx.is_unplanned(vnet, n, vnets));
            if pick.is_none() && lost {
                return None;
            }
            match pick {
                Some(n) => n.to_string(),
                None => {
                    cx.error(
                        "E0302",
                        at,
                        format!(
                            "VNet `{}` has neither a `private-endpoints` nor a `default` subnet for the private endpoint",
                            v.key
                        ),
                    )
                    .set_help(if v.existing {
                        super::existing::unlisted_help(v, "private-endpoints")
                    } else {
                        "add `private-endpoints: /27` to its subnets, or set the endpoint's `subnet`".to_string()
                    });
                    return None;
                }
            }
        }
    };
    let name = pe.name.as_ref().map_or(default_name, |n| n.value.clone());
    let name_span = pe.name.as_ref().map_or(at, |n| n.span);
    let rg_scope = scope_key(&v.scope);
    cx.name(&naming::PRIVATE_ENDPOINT, &rg_scope, &name, name_span);
    let nic_name = format!("{name}-nic");
    cx.name(&naming::NETWORK_INTERFACE, &rg_scope, &nic_name, name_span);
    let private_ip = match &pe.private_ip {
        None => None,
        Some(s) => {
            let ip = super::network::ip(cx, s)?;
            let prefix = v.subnets.iter().find(|x| x.name == subnet).expect("found above").prefix;
            if !prefix.contains(&ip) {
                cx.error(
                    "E0209",
                    s.span,
                    format!("`{ip}` is outside subnet `{subnet}` ({prefix})"),
                )
                .set_help(format!(
                    "pick an address from {} to {}",
                    address::nth(&prefix, 4),
                    address::nth(&prefix, (1u32 << (32 - prefix.prefix_len())) - 2)
                ));
            } else if is_reserved(&prefix, ip) {
                cx.error(
                    "E0210",
                    s.span,
                    format!("`{ip}` is one of the five addresses Azure reserves in {prefix}"),
                )
                .set_help(format!("the first usable address is {}", address::nth(&prefix, 4)));
            }
            Some(ip)
        }
    };
    Some(PrivateEndpoint {
        name,
        nic_name,
        vnet,
        subnet,
        private_ip,
        link_vnets: Vec::new(),
        zone_scope: Scope::default(),
    })
}
