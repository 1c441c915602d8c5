//! The address plan: explicit subnet CIDRs are placed first, then sizes are allocated in
//! declaration order at the lowest aligned free block, then the subnets that features need and
//! the file does not declare. Same input, same plan.

use super::address::{self, allocate, overlaps, LARGEST_SUBNET, SMALLEST_SUBNET};
use super::network::{scope_key, Features};
use super::Ctx;
use crate::azure::naming;
pub use crate::azure::network::RESOLVER_DELEGATION;
use crate::azure::network::{
    BASTION_SUBNET_PREFIX, GATEWAY_SUBNET_RECOMMENDED, RESOLVER_SUBNET_LARGEST, RESOLVER_SUBNET_SMALLEST,
};
use crate::model::{Subnet, SubnetRole, Vnet};
use crate::source::Span;
use crate::syntax::Topology;
use ipnet::Ipv4Net;

pub const BASTION_SUBNET: &str = "AzureBastionSubnet";
pub const GATEWAY_SUBNET: &str = "GatewaySubnet";
pub const RESOLVER_SUBNET: &str = "dns-resolver-inbound";

enum Spec {
    Cidr(Ipv4Net),
    Size(u8),
    Invalid,
}

struct Draft {
    name: String,
    span: Span,
    spec: Spec,
    role: SubnetRole,
    service_endpoints: Vec<String>,
    policies: Option<String>,
    /// Added by a feature, not declared.
    added: bool,
    /// The feature that needs this subnet, and the line where the file declares it.
    needed_by: Option<(&'static str, u32)>,
}

/// Sizes per role: (default added size, largest prefix length allowed, smallest allowed, why).
fn limits(role: SubnetRole) -> (u8, u8, u8, &'static str) {
    match role {
        SubnetRole::Bastion => (
            BASTION_SUBNET_PREFIX,
            BASTION_SUBNET_PREFIX,
            LARGEST_SUBNET,
            "Azure Bastion needs `AzureBastionSubnet` of /26 or larger",
        ),
        SubnetRole::Gateway => (
            GATEWAY_SUBNET_RECOMMENDED,
            SMALLEST_SUBNET,
            LARGEST_SUBNET,
            "a VPN gateway needs `GatewaySubnet` of /29 or larger",
        ),
        SubnetRole::ResolverInbound => (
            RESOLVER_SUBNET_SMALLEST,
            RESOLVER_SUBNET_SMALLEST,
            RESOLVER_SUBNET_LARGEST,
            "a DNS resolver inbound endpoint needs a subnet of /28 to /24",
        ),
        SubnetRole::Plain => (24, SMALLEST_SUBNET, LARGEST_SUBNET, "Azure's smallest subnet is /29"),
    }
}

pub(super) fn plan(cx: &mut Ctx, t: &Topology, vnets: &mut [Vnet], f: &Features) {
    for (i, vnet) in vnets.iter_mut().enumerate() {
        let (key, syn) = &t.vnets[i];
        let mut drafts = if vnet.existing {
            // What is there: the listed subnets at their CIDRs (sizes are refused), nothing added.
            let mut d = if syn.subnets.is_some() {
                declared(cx, key.span, syn, i, f)
            } else {
                Vec::new()
            };
            d.retain(|d| matches!(d.spec, Spec::Cidr(_)));
            d
        } else {
            declared(cx, key.span, syn, i, f)
        };
        // A feature's subnet that does not fit is fixed in `address_space`: point there.
        let space = syn.address_space.first().map_or(key.span, |s| s.span);
        if !vnet.existing {
            add_features(&mut drafts, space, i, f, t);
        }
        let scope = scope_key(&vnet.scope) + "/" + &vnet.name;
        for d in &drafts {
            if !d.added {
                cx.name(&naming::SUBNET, &scope, &d.name, d.span);
            }
        }
        vnet.subnets = allocate_all(cx, vnet, &drafts);
        for d in &drafts {
            if !vnet.subnets.iter().any(|s| s.name == d.name) {
                cx.unplanned.insert((i, d.name.clone()));
            }
        }
    }
}

fn declared(cx: &mut Ctx, key: Span, syn: &crate::syntax::Vnet, i: usize, f: &Features) -> Vec<Draft> {
    let Some(subnets) = &syn.subnets else {
        return vec![Draft {
            name: "default".into(),
            span: key,
            spec: Spec::Size(24),
            role: SubnetRole::Plain,
            service_endpoints: Vec::new(),
            policies: None,
            added: true,
            needed_by: None,
        }];
    };
    subnets
        .iter()
        .map(|(name, s)| {
            let role = match name.value.as_str() {
                BASTION_SUBNET => SubnetRole::Bastion,
                GATEWAY_SUBNET => SubnetRole::Gateway,
                RESOLVER_SUBNET if f.resolver == Some(i) => SubnetRole::ResolverInbound,
                _ => SubnetRole::Plain,
            };
            let spec = match &s.prefix {
                None => Spec::Invalid,
                Some(p) => match address::parse_size(&p.value) {
                    Some(Ok(n)) => Spec::Size(n),
                    Some(Err(e)) => {
                        cx.error("E0201", p.span, e);
                        Spec::Invalid
                    }
                    None => super::network::cidr(cx, p).map_or(Spec::Invalid, Spec::Cidr),
                },
            };
            let service_endpoints = s
                .service_endpoints
                .iter()
                .filter(|e| {
                    let ok = e.value.starts_with("Microsoft.")
                        && e.value.len() > "Microsoft.".len()
                        && e.value.chars().all(|c| c.is_ascii_alphanumeric() || c == '.');
                    if !ok {
                        cx.error("E0007", e.span, format!("`{}` is not a service endpoint name", e.value))
                            .set_help(
                                "service endpoints are named like `Microsoft.Storage` or `Microsoft.CognitiveServices`",
                            );
                    }
                    ok
                })
                .map(|e| e.value.clone())
                .collect();
            let policies = s.private_ip_policies.as_ref().and_then(|p| {
                cx.one_of(
                    p,
                    &[
                        "Enabled",
                        "Disabled",
                        "NetworkSecurityGroupEnabled",
                        "RouteTableEnabled",
                    ],
                    "E0007",
                    "`private_ip_policies` value",
                )
                .map(str::to_string)
            });
            Draft {
                name: name.value.clone(),
                span: name.span,
                spec,
                role,
                service_endpoints,
                policies,
                added: false,
                needed_by: None,
            }
        })
        .collect()
}

fn add_features(drafts: &mut Vec<Draft>, space: Span, i: usize, f: &Features, t: &Topology) {
    let mut add = |name: &str, role: SubnetRole, wanted: bool, feature: &'static str, at: Option<Span>| {
        if wanted && !drafts.iter().any(|d| d.name == name) {
            drafts.push(Draft {
                name: name.into(),
                span: space,
                spec: Spec::Size(limits(role).0),
                role,
                service_endpoints: Vec::new(),
                policies: None,
                added: true,
                needed_by: at.map(|s| (feature, s.start.line)),
            });
        }
    };
    let bastion = t.bastion.as_ref().map(|b| b.span);
    add(
        BASTION_SUBNET,
        SubnetRole::Bastion,
        f.bastion == Some((i, true)),
        "`bastion`",
        bastion,
    );
    let gateway = t.vpn_gateway.as_ref().map(|g| g.span);
    add(
        GATEWAY_SUBNET,
        SubnetRole::Gateway,
        f.gateway == Some(i),
        "`vpn_gateway`",
        gateway,
    );
    let resolver = t.dns_resolver.as_ref().map(|r| r.span);
    add(
        RESOLVER_SUBNET,
        SubnetRole::ResolverInbound,
        f.resolver == Some(i),
        "`dns_resolver`",
        resolver,
    );
}

fn allocate_all(cx: &mut Ctx, vnet: &Vnet, drafts: &[Draft]) -> Vec<Subnet> {
    let mut placed: Vec<Option<Ipv4Net>> = vec![None; drafts.len()];
    let mut used: Vec<(Ipv4Net, String)> = Vec::new();
    // Explicit CIDRs first.
    for (k, d) in drafts.iter().enumerate() {
        let Spec::Cidr(net) = d.spec else { continue };
        if !size_ok(cx, d, net.prefix_len()) {
            continue;
        }
        if !vnet.address_space.iter().any(|s| s.contains(&net)) {
            if vnet.address_space.is_empty() {
                continue;
            }
            let spaces: Vec<String> = vnet.address_space.iter().map(ToString::to_string).collect();
            let e = cx.error(
                "E0203",
                d.span,
                format!(
                    "subnet `{}` ({net}) is outside the address space of VNet `{}` ({})",
                    d.name,
                    vnet.key,
                    spaces.join(", ")
                ),
            );
            let nets: Vec<Ipv4Net> = used.iter().map(|u| u.0).collect();
            if let Some(free) = allocate(&vnet.address_space, &nets, net.prefix_len()) {
                e.set_help(format!(
                    "`{free}` is free, or write `/{}` to let the compiler choose",
                    net.prefix_len()
                ));
            }
            continue;
        }
        if let Some((other, name)) = used.iter().find(|(u, _)| overlaps(u, &net)) {
            cx.error(
                "E0204",
                d.span,
                format!("subnet `{}` ({net}) overlaps subnet `{name}` ({other})", d.name),
            );
            continue;
        }
        used.push((net, d.name.clone()));
        placed[k] = Some(net);
    }
    // Then sizes, in declaration order, features last.
    for (k, d) in drafts.iter().enumerate() {
        let Spec::Size(len) = d.spec else { continue };
        if !size_ok(cx, d, len) || vnet.address_space.is_empty() {
            continue;
        }
        let nets: Vec<Ipv4Net> = used.iter().map(|u| u.0).collect();
        match allocate(&vnet.address_space, &nets, len) {
            Some(net) => {
                used.push((net, d.name.clone()));
                placed[k] = Some(net);
            }
            None => {
                let what = if let Some((feature, line)) = d.needed_by {
                    format!("the subnet `{}` that {feature} (line {line}) needs", d.name)
                } else if d.added {
                    format!("the subnet `{}` that a feature needs", d.name)
                } else {
                    format!("subnet `{}`", d.name)
                };
                let free: u64 = vnet
                    .address_space
                    .iter()
                    .map(|s| 1u64 << (32 - s.prefix_len()))
                    .sum::<u64>()
                    - nets.iter().map(|s| 1u64 << (32 - s.prefix_len())).sum::<u64>();
                let help = if free == 0 {
                    "the address space is fully allocated; add a range to `address_space` or shrink other subnets"
                        .to_string()
                } else {
                    format!("{free} addresses are free, but not as an aligned /{len}; add a range to `address_space` or shrink other subnets")
                };
                cx.error(
                    "E0206",
                    d.span,
                    format!("no free /{len} left in VNet `{}` for {what}", vnet.key),
                )
                .set_help(help);
            }
        }
    }
    drafts
        .iter()
        .zip(placed)
        .filter_map(|(d, p)| {
            Some(Subnet {
                prefix: p?,
                delegation: (d.role == SubnetRole::ResolverInbound).then(|| RESOLVER_DELEGATION.to_string()),
                name: d.name.clone(),
                role: d.role,
                nsg: None,
                service_endpoints: d.service_endpoints.clone(),
                private_endpoint_policies: d.policies.clone(),
                // Decided by `egress`, once the peerings are known.
                egress: None,
            })
        })
        .collect()
}

fn size_ok(cx: &mut Ctx, d: &Draft, len: u8) -> bool {
    let (_, smallest, largest, why) = limits(d.role);
    if len > smallest || len < largest {
        let want = if len > smallest {
            format!("/{smallest} or larger")
        } else {
            format!("/{largest} or smaller")
        };
        // Too large is a limit of every subnet, whatever its role.
        let why = if len < largest {
            format!("Azure's largest subnet is /{LARGEST_SUBNET}")
        } else {
            why.to_string()
        };
        cx.error(
            "E0205",
            d.span,
            format!("subnet `{}` is /{len}; it must be {want}", d.name),
        )
        .set_help(why);
        return false;
    }
    if d.role == SubnetRole::Gateway && len > GATEWAY_SUBNET_RECOMMENDED {
        cx.warning(
            "W0004",
            d.span,
            format!("`GatewaySubnet` is /{len}; Azure recommends /27 or larger"),
        )
        .set_help("a /28 or /29 gateway subnet leaves no room for more gateway features later");
    }
    true
}
