//! The Azure OpenAI account: settings, model deployments, the private endpoint and its DNS.

use super::address;
use super::network::{is_guid, scope, scope_key};
use super::Ctx;
use crate::azure::{naming, regions};
use crate::model::{Account, AccountKind, Dns, Peering, Vnet, VnetId};
use crate::source::Span;
use crate::syntax::{self, Str, Topology};
use ipnet::Ipv4Net;

pub(super) fn account(
    cx: &mut Ctx,
    t: &Topology,
    o: &syntax::OpenAi,
    vnets: &[Vnet],
    peerings: &[Peering],
) -> Option<Account> {
    let name = o
        .name
        .as_ref()
        .map_or_else(|| format!("oai-{}", cx.workload), |n| n.value.clone());
    let name_span = o.name.as_ref().map_or(o.span, |n| n.span);
    let anchor = Str::new(String::new(), o.span);
    let scope = scope(cx, o.resource_group.as_ref(), None, &anchor);
    cx.name(&naming::COGNITIVE_ACCOUNT, &scope_key(&scope), &name, name_span);
    let location = match &o.location {
        Some(l) => {
            let r = cx.region(l);
            openai_region(cx, &r, l);
            r
        }
        None => {
            if let Some(l) = &t.location {
                let r = cx.location.clone();
                openai_region(cx, &r, l);
            }
            cx.location.clone()
        }
    };
    let kind = match &o.kind {
        Some(k) => match cx.one_of(k, &["OpenAI", "AIServices"], "E0007", "account kind") {
            Some("AIServices") => AccountKind::AiServices,
            _ => AccountKind::OpenAi,
        },
        None => AccountKind::OpenAi,
    };
    let sku = o
        .sku
        .as_ref()
        .and_then(|s| {
            cx.one_of(
                s,
                crate::azure::skus::ACCOUNT_SKUS,
                "E0007",
                "account SKU (Azure OpenAI offers `S0`)",
            )
        })
        .unwrap_or("S0");
    let custom_subdomain = match &o.custom_subdomain {
        Some(s) => {
            if s.value != s.value.to_ascii_lowercase() {
                cx.error(
                    "E0102",
                    s.span,
                    format!("the custom subdomain `{}` must be lowercase", s.value),
                )
                .set_help(format!("use `{}`", s.value.to_ascii_lowercase()));
            } else if let Err(e) = naming::check(&naming::COGNITIVE_ACCOUNT, &s.value) {
                cx.error("E0102", s.span, e);
            }
            s.value.clone()
        }
        None => {
            if name != name.to_ascii_lowercase() {
                cx.error(
                    "E0102",
                    name_span,
                    format!("the account name `{name}` becomes its custom subdomain, which must be lowercase"),
                )
                .set_help("use a lowercase `name`, or set `custom_subdomain`");
            }
            name.clone()
        }
    };
    let allowed_ips = network_access(cx, o);
    let identity = o
        .identity
        .as_ref()
        .and_then(|i| cx.one_of(i, &["system", "none"], "E0007", "identity (`system` or `none`)"))
        .unwrap_or("system");
    let disable_local_auth = o.disable_local_auth.as_ref().is_none_or(|b| b.value);
    if let Some(b) = o.disable_local_auth.as_ref().filter(|b| !b.value) {
        cx.warning("W0005", b.span, "local authentication is on: API keys can call the account")
            .set_help("keys bypass Entra ID and Conditional Access; leave `disable_local_auth` at `true` unless a client cannot use Entra ID");
    }
    let deployments = o
        .deployments
        .iter()
        .map(|(k, d)| super::model_deployments::check(cx, &name, k, d))
        .collect();
    let role_assignments = super::identity::account_grants(cx, o);
    let (dns, single_links) = dns(cx, o, kind);
    let (endpoints, endpoints_listed) =
        super::endpoints::check(cx, t, &name, &dns, single_links.as_deref(), vnets, peerings)?;
    Some(Account {
        name,
        location,
        kind,
        sku: sku.to_string(),
        custom_subdomain,
        allowed_ips,
        trusted_services: o.trusted_services.as_ref().is_some_and(|b| b.value),
        disable_local_auth,
        system_identity: identity == "system",
        deployments,
        endpoints,
        endpoints_listed,
        dns,
        scope,
        role_assignments,
    })
}

fn openai_region(cx: &mut Ctx, region: &str, at: &Str) {
    if crate::azure::regions::of(cx.cloud).contains(&region) && !regions::OPENAI.contains(&region) {
        cx.warning("W0002", at.span, format!("Azure OpenAI is not offered in `{region}`"))
            .set_help("set `openai.location` to a region that offers it, e.g. `eastus2` or `swedencentral`; the VNets can stay where they are");
    }
}

/// `public_network_access` and `allowed_ips`: empty result means disabled.
fn network_access(cx: &mut Ctx, o: &syntax::OpenAi) -> Vec<String> {
    let mode = o.public_network_access.as_ref().map(|p| {
        (
            p,
            cx.one_of(
                p,
                &["disabled", "selected", "enabled"],
                "E0007",
                "`public_network_access` (`disabled` or `selected`)",
            ),
        )
    });
    let selected = matches!(mode, Some((_, Some("selected"))));
    if let Some((p, Some("enabled"))) = mode {
        cx.error("E0503", p.span, "public network access cannot be plain `enabled`")
            .set_help("use `disabled` (the default), or `selected` with `allowed_ips`");
    }
    let mut out = Vec::new();
    match (&o.allowed_ips, selected) {
        (Some(ips), false) if !ips.value.is_empty() => {
            cx.error(
                "E0502",
                ips.span,
                "`allowed_ips` needs `public_network_access: selected`",
            )
            .set_help("add `public_network_access: selected`, or remove `allowed_ips`");
        }
        (None, true) => {
            let (p, _) = mode.expect("selected");
            cx.error("E0504", p.span, "`public_network_access: selected` needs `allowed_ips`");
        }
        (Some(ips), true) if ips.value.is_empty() => {
            cx.error(
                "E0504",
                ips.span,
                "`public_network_access: selected` needs at least one entry in `allowed_ips`",
            );
        }
        (Some(ips), true) => {
            for ip in &ips.value {
                if let Some(rule) = ip_rule(cx, ip) {
                    out.push(rule);
                }
            }
        }
        _ => {}
    }
    out
}

/// An account IP rule: a public IPv4 address or range. Source: Microsoft Learn, "Configure Azure
/// AI services virtual networks" (IP rules: public addresses only; /31 and /32 ranges are written
/// as single addresses).
fn ip_rule(cx: &mut Ctx, s: &Str) -> Option<String> {
    let text = s.value.trim();
    let net: Ipv4Net = match text.parse::<std::net::Ipv4Addr>() {
        Ok(ip) => Ipv4Net::new(ip, 32).expect("32"),
        Err(_) => match address::parse_cidr(text) {
            Ok(n) => n,
            Err(e) => {
                let d = cx.error("E0201", s.span, e.message);
                if let Some(fix) = e.suggestion {
                    d.set_help(format!("did you mean `{fix}`?"));
                }
                return None;
            }
        },
    };
    if !address::is_public(&net) {
        cx.error(
            "E0511",
            s.span,
            format!("`{text}` is a private range; account IP rules take public addresses only"),
        )
        .set_help("clients in a VNet reach the account through the private endpoint, not through `allowed_ips`");
        return None;
    }
    Some(if net.prefix_len() >= 31 {
        net.addr().to_string()
    } else {
        net.to_string()
    })
}

/// The DNS mode and, for the one-endpoint form with `mode: private-zone`, `dns.link_vnets` as
/// given (resolved; the islands are decided with the endpoints).
fn dns(cx: &mut Ctx, o: &syntax::OpenAi, kind: AccountKind) -> (Dns, Option<Vec<(VnetId, Span)>>) {
    let d = o.dns.as_ref();
    let mode = d
        .and_then(|d| d.mode.as_ref())
        .and_then(|m| cx.one_of(m, &["private-zone", "existing", "policy", "none"], "E0007", "DNS mode"))
        .unwrap_or("private-zone");
    let zones = cx.cloud.zones(kind == AccountKind::AiServices);
    if let (Some(ids), true) = (
        d.and_then(|d| d.zone_ids.as_ref()),
        !matches!(mode, "existing" | "policy"),
    ) {
        cx.error("E0505", ids.span, "`zone_ids` is only for `mode: existing` or `policy`");
    }
    if let (Some(links), true) = (d.and_then(|d| d.link_vnets.as_ref()), mode != "private-zone") {
        if let Some(first) = links.first() {
            cx.error(
                "E0505",
                first.span,
                "`link_vnets` is only for `mode: private-zone` (zones owned elsewhere are linked by their owner)",
            );
        }
    }
    match mode {
        // Azure Policy adds the zone group; the central zones, when named, are shown in the plan.
        "policy" => {
            let ids = d.and_then(|d| d.zone_ids.as_ref());
            let out = ids
                .map(|ids| zone_ids(cx, &ids.value, kind, &zones))
                .unwrap_or_default();
            (Dns::Policy { zone_ids: out }, None)
        }
        "existing" => {
            let Some(ids) = d.and_then(|d| d.zone_ids.as_ref()) else {
                let at = d.map_or(o.span, |d| d.span);
                let names: Vec<&str> = zones.iter().map(|z| z.name).collect();
                cx.error("E0505", at, "`mode: existing` needs `zone_ids`")
                    .set_help(format!("list the resource IDs of the zones {}", names.join(", ")));
                return (Dns::None, None);
            };
            let out = zone_ids(cx, &ids.value, kind, &zones);
            for z in &zones {
                if !out
                    .iter()
                    .any(|id| zone_id_name(id).is_some_and(|n| n.eq_ignore_ascii_case(z.name)))
                    && !out.is_empty()
                {
                    cx.warning("W0006", ids.span, format!("no zone ID for `{}`", z.name))
                        .set_help("without it, clients resolve that host name to the public address");
                }
            }
            (Dns::Existing { zone_ids: out }, None)
        }
        "none" => (Dns::None, None),
        _ => {
            for z in zones.iter().filter(|z| !z.documented) {
                let at = o.kind.as_ref().map_or(o.span, |k| k.span);
                cx.warning("W0003", at, format!("Azure does not document the zone `{}` for {}", z.name, cx.cloud.name()))
                    .set_help("the compiler derives it from the public name; check it with your cloud's documentation or use `dns.mode: existing`");
            }
            let links = d
                .and_then(|d| d.link_vnets.as_ref())
                .filter(|_| o.private_endpoints.is_none())
                .map(|list| {
                    list.iter()
                        .filter_map(|s| cx.vnet_ref(s).map(|v| (v, s.span)))
                        .collect()
                });
            (Dns::PrivateZone { zones }, links)
        }
    }
}

/// Zone resource IDs, each checked: the shape of an ID, and a zone the account's kind uses.
fn zone_ids(cx: &mut Ctx, ids: &[Str], kind: AccountKind, zones: &[crate::azure::clouds::Zone]) -> Vec<String> {
    let mut out = Vec::new();
    for id in ids {
        match zone_id_name(&id.value) {
            Some(zone) => {
                if !zones.iter().any(|z| z.name.eq_ignore_ascii_case(zone)) {
                    let names: Vec<&str> = zones.iter().map(|z| z.name).collect();
                    cx.warning(
                        "W0006",
                        id.span,
                        format!("zone `{zone}` is not one that an {} account uses", kind.as_str()),
                    )
                    .set_help(format!("expected: {}", names.join(", ")));
                }
                out.push(id.value.clone());
            }
            None => {
                cx.error("E0506", id.span, format!("`{}` is not the resource ID of a private DNS zone", id.value))
                    .set_help("expected /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Network/privateDnsZones/<zone>");
            }
        }
    }
    out
}

/// The zone name of a private DNS zone resource ID, if it is one.
pub fn zone_id_name(id: &str) -> Option<&str> {
    let parts: Vec<&str> = id.split('/').collect();
    let ok = parts.len() == 9
        && parts[0].is_empty()
        && parts[1].eq_ignore_ascii_case("subscriptions")
        && is_guid(parts[2])
        && parts[3].eq_ignore_ascii_case("resourceGroups")
        && !parts[4].is_empty()
        && parts[5].eq_ignore_ascii_case("providers")
        && parts[6].eq_ignore_ascii_case("Microsoft.Network")
        && parts[7].eq_ignore_ascii_case("privateDnsZones")
        && parts[8].contains('.');
    ok.then(|| parts[8])
}
