//! The Azure OpenAI account: settings, model deployments, the private endpoint and its DNS.

use super::address::{self, is_reserved};
use super::network::{is_guid, scope, scope_key};
use super::Ctx;
pub use crate::azure::skus::DEPLOYMENT_SKUS;
use crate::azure::{naming, regions};
use crate::model::{Account, AccountKind, Dns, ModelDeployment, PrivateEndpoint, SubnetRole, Vnet, VnetId};
use crate::syntax::{self, Str, Topology};
use ipnet::Ipv4Net;

pub const DEFAULT_CAPACITY: u64 = 10;

pub(super) fn account(cx: &mut Ctx, t: &Topology, o: &syntax::OpenAi, vnets: &[Vnet]) -> Option<Account> {
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
    let deployments = o.deployments.iter().map(|(k, d)| deployment(cx, &name, k, d)).collect();
    let role_assignments = super::identity::account_grants(cx, o);
    let endpoint = private_endpoint(cx, o, &name, vnets)?;
    let dns = dns(cx, o, kind, vnets);
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
        endpoint,
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

fn deployment(cx: &mut Ctx, account: &str, key: &Str, d: &syntax::ModelDeployment) -> ModelDeployment {
    cx.name(&naming::MODEL_DEPLOYMENT, account, &key.value, key.span);
    let sku = d
        .sku
        .as_ref()
        .and_then(|s| cx.one_of(s, DEPLOYMENT_SKUS, "E0007", "deployment SKU"))
        .unwrap_or("GlobalStandard");
    let capacity = match &d.capacity {
        Some(c) if c.value == 0 => {
            cx.error("E0007", c.span, "`capacity` must be at least 1");
            1
        }
        Some(c) => c.value,
        None => DEFAULT_CAPACITY,
    };
    ModelDeployment {
        name: key.value.clone(),
        model: d.model.as_ref().map(|m| m.value.clone()).unwrap_or_default(),
        version: d.version.as_ref().map(|v| v.value.clone()),
        sku: sku.to_string(),
        capacity,
    }
}

fn private_endpoint(cx: &mut Ctx, o: &syntax::OpenAi, account: &str, vnets: &[Vnet]) -> Option<PrivateEndpoint> {
    let pe = o.private_endpoint.as_ref();
    let vnet: VnetId = match pe.and_then(|p| p.vnet.as_ref()) {
        Some(v) => cx.vnet_ref(v)?,
        None if vnets.is_empty() => return None,
        None => 0,
    };
    let v = &vnets[vnet];
    let subnet = match pe.and_then(|p| p.subnet.as_ref()) {
        Some(s) => {
            if cx.is_unplanned(vnet, &s.value, vnets) {
                return None;
            }
            let Some(found) = v.subnets.iter().find(|x| x.name == s.value) else {
                let names: Vec<&str> = v.subnets.iter().map(|x| x.name.as_str()).collect();
                let d = cx.error("E0302", s.span, format!("no subnet `{}` in VNet `{}`", s.value, v.key));
                match crate::diag::suggest(&s.value, names.iter().copied()) {
                    Some(n) => d.set_help(format!("did you mean `{n}`?")),
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
                .set_help("add a `private-endpoints: /27` subnet and point `private_endpoint.subnet` at it");
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
                    let at = pe.map_or(o.span, |p| p.span);
                    cx.error("E0302", at, format!("VNet `{}` has neither a `private-endpoints` nor a `default` subnet for the private endpoint", v.key))
                        .set_help("add `private-endpoints: /27` to its subnets, or set `openai.private_endpoint.subnet`");
                    return None;
                }
            }
        }
    };
    let name = pe
        .and_then(|p| p.name.as_ref())
        .map_or_else(|| format!("pep-{account}"), |n| n.value.clone());
    let name_span = pe.and_then(|p| p.name.as_ref()).map_or(o.span, |n| n.span);
    let rg_scope = scope_key(&v.scope);
    cx.name(&naming::PRIVATE_ENDPOINT, &rg_scope, &name, name_span);
    let nic_name = format!("{name}-nic");
    cx.name(&naming::NETWORK_INTERFACE, &rg_scope, &nic_name, name_span);
    let private_ip = match pe.and_then(|p| p.private_ip.as_ref()) {
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
    })
}

fn dns(cx: &mut Ctx, o: &syntax::OpenAi, kind: AccountKind, vnets: &[Vnet]) -> Dns {
    let d = o.dns.as_ref();
    let mode = d
        .and_then(|d| d.mode.as_ref())
        .and_then(|m| cx.one_of(m, &["private-zone", "existing", "none"], "E0007", "DNS mode"))
        .unwrap_or("private-zone");
    let zones = cx.cloud.zones(kind == AccountKind::AiServices);
    if let (Some(ids), true) = (d.and_then(|d| d.zone_ids.as_ref()), mode != "existing") {
        cx.error("E0505", ids.span, "`zone_ids` is only for `mode: existing`");
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
        "existing" => {
            let Some(ids) = d.and_then(|d| d.zone_ids.as_ref()) else {
                let at = d.map_or(o.span, |d| d.span);
                let names: Vec<&str> = zones.iter().map(|z| z.name).collect();
                cx.error("E0505", at, "`mode: existing` needs `zone_ids`")
                    .set_help(format!("list the resource IDs of the zones {}", names.join(", ")));
                return Dns::None;
            };
            let mut out = Vec::new();
            for id in &ids.value {
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
            Dns::Existing { zone_ids: out }
        }
        "none" => Dns::None,
        _ => {
            for z in zones.iter().filter(|z| !z.documented) {
                let at = o.kind.as_ref().map_or(o.span, |k| k.span);
                cx.warning("W0003", at, format!("Azure does not document the zone `{}` for {}", z.name, cx.cloud.name()))
                    .set_help("the compiler derives it from the public name; check it with your cloud's documentation or use `dns.mode: existing`");
            }
            let link_vnets = match d.and_then(|d| d.link_vnets.as_ref()) {
                Some(list) => list.iter().filter_map(|s| cx.vnet_ref(s)).collect(),
                None => (0..vnets.len()).collect(),
            };
            Dns::PrivateZone { zones, link_vnets }
        }
    }
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
