//! Network security groups: the user's rule sets, checked, and one NSG per subnet that can take
//! one, with the rules of the subnet's role when the file does not name a rule set.

use super::address_plan::GATEWAY_SUBNET;
use super::compute::Compute;
use super::network::scope_key;
use super::Ctx;
use crate::azure::images::{Image, Os};
use crate::azure::network::{NO_NSG_SUBNETS, SERVICE_TAGS};
use crate::azure::{bastion_rules, naming};
use crate::diag::suggest;
use crate::model::{Account, Nsg, SecurityRule, SubnetRole, Vnet, VnetId};
use crate::syntax::{NsgRule, Str, Topology};
use indexmap::IndexMap;

/// What a subnet holds, for its default rules.
#[derive(Default)]
struct Holds {
    private_endpoint: bool,
    jumpbox_port: Option<&'static str>,
}

pub(super) fn assign(
    cx: &mut Ctx,
    t: &Topology,
    vnets: &mut [Vnet],
    openai: Option<&Account>,
    compute: &Compute,
) -> Vec<Nsg> {
    let rule_sets: IndexMap<String, Vec<SecurityRule>> = t
        .nsgs
        .iter()
        .map(|(k, rules)| (k.value.clone(), check_rules(cx, k, rules)))
        .collect();
    let keys: Vec<&str> = rule_sets.keys().map(String::as_str).collect();
    // The custom rule set each subnet names: (vnet, subnet name) -> key; None for `none`.
    let mut chosen: IndexMap<(VnetId, String), Option<String>> = IndexMap::new();
    for (i, (_, v)) in t.vnets.iter().enumerate() {
        for (sname, s) in v.subnets.iter().flatten() {
            let Some(n) = &s.nsg else { continue };
            if n.value == "none" {
                chosen.insert((i, sname.value.clone()), None);
                continue;
            }
            if NO_NSG_SUBNETS.contains(&sname.value.as_str()) {
                cx.error("E0406", n.span, format!("`{}` cannot have an NSG", sname.value))
                    .set_help(if sname.value == GATEWAY_SUBNET {
                        "remove `nsg`; Azure does not support NSGs on the gateway subnet"
                    } else {
                        "remove `nsg`; Azure disables subnet NSGs on Azure Firewall's subnets"
                    });
                continue;
            }
            if sname.value == super::address_plan::BASTION_SUBNET {
                cx.error(
                    "E0407",
                    n.span,
                    "`AzureBastionSubnet` gets exactly the rules Azure Bastion requires",
                )
                .set_help(
                    "remove `nsg` (or write `nsg: none`); a custom rule set would break Bastion or leave it open",
                );
                continue;
            }
            if !rule_sets.contains_key(&n.value) {
                let d = cx.error("E0303", n.span, format!("no rule set `{}` under `nsgs`", n.value));
                match suggest(&n.value, keys.iter().copied()) {
                    Some(k) => d.set_help(format!("did you mean `{k}`?")),
                    None => d.set_help("name a key of `nsgs`, or `none`"),
                }
                continue;
            }
            chosen.insert((i, sname.value.clone()), Some(n.value.clone()));
        }
    }
    for (k, _) in &t.nsgs {
        if !chosen.values().any(|c| c.as_deref() == Some(k.value.as_str())) {
            cx.warning(
                "W0008",
                k.span,
                format!("rule set `{}` is not attached to any subnet", k.value),
            )
            .set_help("attach it with `nsg: <key>` on a subnet, or remove it");
        }
    }

    let mut holds: IndexMap<(VnetId, String), Holds> = IndexMap::new();
    for e in openai.iter().flat_map(|a| &a.endpoints) {
        holds.entry((e.vnet, e.subnet.clone())).or_default().private_endpoint = true;
    }
    let bastion_prefix = compute
        .bastion
        .as_ref()
        .filter(|b| b.public_ip.is_some())
        .and_then(|b| {
            vnets[b.vnet]
                .subnets
                .iter()
                .find(|s| s.role == SubnetRole::Bastion)
                .map(|s| s.prefix.to_string())
        });
    if let Some(j) = &compute.jumpbox {
        let port = if is_windows(j.image) { "3389" } else { "22" };
        holds.entry((j.vnet, j.subnet.clone())).or_default().jumpbox_port = Some(port);
    }

    let mut nsgs: Vec<Nsg> = Vec::new();
    let mut custom: IndexMap<(String, VnetId), usize> = IndexMap::new();
    // An existing VNet's subnets are its owners': no NSG of ours.
    for (i, vnet) in vnets.iter_mut().enumerate().filter(|(_, v)| !v.existing) {
        let scope = scope_key(&vnet.scope);
        for subnet in &mut vnet.subnets {
            let key = (i, subnet.name.clone());
            let h = holds.get(&key);
            if h.is_some_and(|h| h.private_endpoint) && subnet.private_endpoint_policies.is_none() {
                // So that the subnet's NSG applies to the private endpoint.
                subnet.private_endpoint_policies = Some("Enabled".into());
            }
            if subnet.role == SubnetRole::Gateway || NO_NSG_SUBNETS.contains(&subnet.name.as_str()) {
                continue;
            }
            match chosen.get(&key) {
                Some(None) => {}
                Some(Some(set)) => {
                    let id = *custom.entry((set.clone(), i)).or_insert_with(|| {
                        nsgs.push(Nsg {
                            name: String::new(),
                            vnet: i,
                            rules: rule_sets[set].clone(),
                        });
                        nsgs.len() - 1
                    });
                    subnet.nsg = Some(id);
                }
                None => {
                    let name = format!("nsg-{}-{}-{}", cx.workload, vnet.key, subnet.name);
                    let at = t.vnets[i].0.span;
                    cx.name(&naming::NSG, &scope, &name, at);
                    let rules = role_rules(subnet.role, h, bastion_prefix.as_deref());
                    nsgs.push(Nsg { name, vnet: i, rules });
                    subnet.nsg = Some(nsgs.len() - 1);
                }
            }
        }
    }
    // A rule set used in one VNet is `nsg-{name}-{key}`; used in several, one per VNet (an NSG
    // lives in its VNet's region), suffixed with the VNet key.
    for ((set, vnet), id) in &custom {
        let several = custom.keys().filter(|(s, _)| s == set).count() > 1;
        let name = if several {
            format!("nsg-{}-{set}-{}", cx.workload, vnets[*vnet].key)
        } else {
            format!("nsg-{}-{set}", cx.workload)
        };
        let at = t
            .nsgs
            .iter()
            .find(|(k, _)| k.value == *set)
            .map(|(k, _)| k.span)
            .expect("declared");
        cx.name(&naming::NSG, &scope_key(&vnets[*vnet].scope), &name, at);
        nsgs[*id].name = name;
    }
    nsgs
}

fn role_rules(role: SubnetRole, h: Option<&Holds>, bastion_prefix: Option<&str>) -> Vec<SecurityRule> {
    let rule =
        |name: &str, priority, inbound, allow, protocol: &str, source: &str, destination: &str, ports: &[&str]| {
            SecurityRule {
                name: name.into(),
                priority,
                inbound,
                allow,
                protocol: protocol.into(),
                source: source.into(),
                destination: destination.into(),
                ports: ports.iter().map(|p| p.to_string()).collect(),
            }
        };
    if role == SubnetRole::Bastion {
        return bastion_rules::RULES
            .iter()
            .map(|r| {
                rule(
                    r.name,
                    r.priority,
                    r.inbound,
                    true,
                    r.protocol,
                    r.source,
                    r.destination,
                    r.ports,
                )
            })
            .collect();
    }
    let mut out = Vec::new();
    let Some(h) = h else { return out };
    // The jump box admits SSH (or RDP) from the Bastion subnet only; without a Bastion subnet
    // (Developer SKU, or VPN clients only) from the virtual network, which the deny-all rule of
    // an endpoint subnet would otherwise block.
    match (h.jumpbox_port, bastion_prefix) {
        (Some(port), Some(from)) => {
            let name = if port == "22" {
                "allow-ssh-from-bastion"
            } else {
                "allow-rdp-from-bastion"
            };
            out.push(rule(name, 100, true, true, "Tcp", from, "*", &[port]));
        }
        (Some(port), None) if h.private_endpoint => {
            let name = if port == "22" {
                "allow-ssh-from-vnet"
            } else {
                "allow-rdp-from-vnet"
            };
            out.push(rule(name, 100, true, true, "Tcp", "VirtualNetwork", "*", &[port]));
        }
        _ => {}
    }
    if h.private_endpoint {
        out.push(rule(
            "allow-https-from-vnet",
            200,
            true,
            true,
            "Tcp",
            "VirtualNetwork",
            "*",
            &["443"],
        ));
        out.push(rule("deny-all-inbound", 4096, true, false, "*", "*", "*", &["*"]));
    } else if h.jumpbox_port.is_some() && bastion_prefix.is_some() {
        out.push(rule(
            "deny-ssh-rdp-inbound",
            4000,
            true,
            false,
            "Tcp",
            "*",
            "*",
            &["22", "3389"],
        ));
    }
    out
}

fn check_rules(cx: &mut Ctx, key: &Str, rules: &[NsgRule]) -> Vec<SecurityRule> {
    let mut out: Vec<SecurityRule> = Vec::new();
    let mut prio_lines: IndexMap<(bool, u64), u32> = IndexMap::new();
    for r in rules {
        let name = r.name.as_ref().map(|n| {
            cx.name(&naming::NSG_RULE, &format!("nsgs.{}", key.value), &n.value, n.span);
            n.value.clone()
        });
        let inbound = r
            .direction
            .as_ref()
            .and_then(|d| cx.one_of(d, &["inbound", "outbound"], "E0007", "direction"))
            .map(|d| d == "inbound");
        let allow = r
            .access
            .as_ref()
            .and_then(|a| cx.one_of(a, &["allow", "deny"], "E0007", "access"))
            .map(|a| a == "allow");
        let protocol = match &r.protocol {
            None => Some("*"),
            Some(p) if p.value.eq_ignore_ascii_case("any") => Some("*"),
            Some(p) => cx.one_of(p, &["Tcp", "Udp", "Icmp", "Esp", "Ah", "*"], "E0007", "protocol"),
        };
        let source = r
            .source
            .as_ref()
            .map_or(Some("*".to_string()), |s| address_or_tag(cx, s));
        let destination = r
            .destination
            .as_ref()
            .map_or(Some("*".to_string()), |s| address_or_tag(cx, s));
        let ports: Vec<String> = if r.ports.is_empty() {
            vec!["*".into()]
        } else {
            r.ports.iter().filter_map(|p| port(cx, p)).collect()
        };
        if let (Some(p), Some(inb)) = (&r.priority, inbound) {
            if !(100..=4096).contains(&p.value) {
                cx.error("E0401", p.span, format!("priority {} is outside 100 to 4096", p.value));
            } else if let Some(line) = prio_lines.get(&(inb, p.value)) {
                let dir = if inb { "inbound" } else { "outbound" };
                cx.error(
                    "E0402",
                    p.span,
                    format!("priority {} is already used by the {dir} rule at line {line}", p.value),
                )
                .set_help("priorities must be unique per direction within a rule set");
            } else {
                prio_lines.insert((inb, p.value), p.span.start.line);
            }
        }
        let (Some(name), Some(priority), Some(inbound), Some(allow), Some(protocol), Some(source), Some(destination)) =
            (name, r.priority.as_ref(), inbound, allow, protocol, source, destination)
        else {
            continue;
        };
        let rule = SecurityRule {
            name,
            priority: priority.value as u32,
            inbound,
            allow,
            protocol: protocol.into(),
            source,
            destination,
            ports,
        };
        exposure(cx, r, &rule);
        out.push(rule);
    }
    out
}

/// Refuses SSH and RDP from the internet (Bastion is the way in) and warns about other ports.
fn exposure(cx: &mut Ctx, r: &NsgRule, rule: &SecurityRule) {
    let from_internet = ["*", "internet", "0.0.0.0/0", "any"].contains(&rule.source.to_ascii_lowercase().as_str());
    if !(rule.inbound && rule.allow && from_internet) {
        return;
    }
    let hits = |port: u32| {
        rule.ports.iter().any(|p| match p.split_once('-') {
            _ if p == "*" => true,
            Some((a, b)) => a.parse::<u32>().is_ok_and(|a| a <= port) && b.parse::<u32>().is_ok_and(|b| port <= b),
            None => p.parse::<u32>() == Ok(port),
        })
    };
    let at = r.source.as_ref().map_or(r.span, |s| s.span);
    if hits(22) || hits(3389) {
        cx.error(
            "E0408",
            at,
            format!("rule `{}` opens SSH or RDP to the internet", rule.name),
        )
        .set_help(
            "reach VMs through Azure Bastion (`bastion:`) or the VPN; narrow `source` to your own addresses otherwise",
        );
    } else {
        cx.warning(
            "W0007",
            at,
            format!("rule `{}` allows inbound traffic from the internet", rule.name),
        )
        .set_help("narrow `source` to the addresses that need it");
    }
}

fn address_or_tag(cx: &mut Ctx, s: &Str) -> Option<String> {
    let v = s.value.trim();
    if v == "*" {
        return Some("*".into());
    }
    if v.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        if v.parse::<std::net::Ipv4Addr>().is_ok() {
            return Some(v.into());
        }
        return super::network::cidr(cx, s).map(|n| n.to_string());
    }
    let base = SERVICE_TAGS
        .iter()
        .find(|t| t.eq_ignore_ascii_case(v))
        .copied()
        .or_else(|| {
            let (b, region) = v.split_once('.')?;
            let tag = SERVICE_TAGS.iter().find(|t| t.eq_ignore_ascii_case(b))?;
            (!region.is_empty() && region.chars().all(|c| c.is_ascii_alphanumeric())).then_some(*tag)
        });
    match base {
        Some(tag) if tag.eq_ignore_ascii_case(v) => Some(tag.to_string()),
        Some(_) => Some(v.to_string()),
        None => {
            let d = cx.error(
                "E0405",
                s.span,
                format!("`{v}` is neither a CIDR, an IP address, `*` nor a service tag"),
            );
            if let Some(near) = suggest(v, SERVICE_TAGS.iter().copied()) {
                d.set_help(format!("did you mean `{near}`?"));
            }
            None
        }
    }
}

fn port(cx: &mut Ctx, p: &Str) -> Option<String> {
    let v = p.value.trim();
    if v == "*" {
        return Some("*".into());
    }
    let num = |s: &str| s.parse::<u32>().ok().filter(|n| *n <= 65535);
    let ok = match v.split_once('-') {
        Some((a, b)) => matches!((num(a), num(b)), (Some(a), Some(b)) if a <= b),
        None => num(v).is_some(),
    };
    if ok {
        Some(v.to_string())
    } else {
        cx.error("E0404", p.span, format!("`{v}` is not a port, a range `lo-hi` or `*`"))
            .set_help("ports are 0 to 65535, e.g. `443` or `8000-8100`");
        None
    }
}

fn is_windows(image: &Image) -> bool {
    image.os == Os::Windows
}
