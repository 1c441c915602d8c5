//! Bastion, the jump box, the VPN gateway and the DNS resolver.

use super::address::{self, is_reserved};
use super::address_plan::RESOLVER_SUBNET;
use super::network::{cidr, ip, is_guid, scope_key, Features};
use super::Ctx;
use crate::azure::images::{self, Os};
use crate::azure::naming;
use crate::azure::skus::{BASTION_SKUS, BASTION_TUNNELING_SKUS, VPN_SKUS};
use crate::azure::vm::RESERVED_USERNAMES;
use crate::model::{Bastion, DnsResolver, Jumpbox, SshKey, SubnetRole, Vnet, VpnGateway};
use crate::syntax::{Str, Topology};

#[derive(Default)]
pub(super) struct Compute {
    pub bastion: Option<Bastion>,
    pub jumpbox: Option<Jumpbox>,
    pub vpn_gateway: Option<VpnGateway>,
    pub dns_resolver: Option<DnsResolver>,
}

pub(super) fn check(cx: &mut Ctx, t: &Topology, vnets: &[Vnet], f: &Features) -> Compute {
    Compute {
        bastion: bastion(cx, t, vnets, f),
        jumpbox: jumpbox(cx, t, vnets, f),
        vpn_gateway: vpn_gateway(cx, t, vnets, f),
        dns_resolver: dns_resolver(cx, t, vnets, f),
    }
}

fn name_or(given: Option<&Str>, default: String) -> String {
    given.map_or(default, |n| n.value.clone())
}

fn bastion(cx: &mut Ctx, t: &Topology, vnets: &[Vnet], f: &Features) -> Option<Bastion> {
    let b = t.bastion.as_ref()?;
    let (vnet, _) = f.bastion?;
    let sku = b
        .sku
        .as_ref()
        .and_then(|s| cx.one_of(s, BASTION_SKUS, "E0007", "Bastion SKU"))
        .unwrap_or("Standard");
    let name = name_or(b.name.as_ref(), format!("bas-{}-{}", cx.workload, vnets[vnet].key));
    let at = b.name.as_ref().map_or(b.span, |n| n.span);
    let scope = scope_key(&vnets[vnet].scope);
    cx.name(&naming::BASTION, &scope, &name, at);
    let public_ip = (sku != "Developer").then(|| format!("pip-{name}"));
    if let Some(p) = &public_ip {
        cx.name(&naming::PUBLIC_IP, &scope, p, at);
    }
    if let Some(s) = &b.scale_units {
        if !matches!(sku, "Standard" | "Premium") {
            cx.error(
                "E0007",
                s.span,
                format!("`scale_units` needs the Standard or Premium SKU, not {sku}"),
            );
        } else if !crate::azure::skus::BASTION_SCALE_UNITS.contains(&s.value) {
            cx.error(
                "E0007",
                s.span,
                format!("`scale_units` is {}; Bastion scales from 2 to 50 instances", s.value),
            );
        }
    }
    let native_client = BASTION_TUNNELING_SKUS.contains(&sku);
    if let Some(t) = b.tunneling.as_ref().filter(|t| t.value && !native_client) {
        cx.error(
            "E0007",
            t.span,
            format!("`tunneling` needs the Standard or Premium SKU; the {sku} SKU has no native client"),
        )
        .set_help("use `sku: Standard` for `az network bastion ssh`, or remove `tunneling`");
    }
    Some(Bastion {
        name,
        vnet,
        sku: sku.to_string(),
        scale_units: b.scale_units.as_ref().map(|s| s.value),
        public_ip,
        tunneling: native_client && b.tunneling.as_ref().is_none_or(|t| t.value),
    })
}

fn jumpbox(cx: &mut Ctx, t: &Topology, vnets: &[Vnet], f: &Features) -> Option<Jumpbox> {
    let j = t.jumpbox.as_ref()?;
    let vnet = f.jumpbox?;
    let v = &vnets[vnet];
    let subnet_name = j.subnet.as_ref().map_or("default", |s| s.value.as_str());
    let at_subnet = j.subnet.as_ref().map_or(j.span, |s| s.span);
    let subnet = match v.subnets.iter().find(|s| s.name == subnet_name) {
        None if cx.is_unplanned(vnet, subnet_name, vnets) => None,
        Some(s) if s.role != SubnetRole::Plain => {
            cx.error(
                "E0304",
                at_subnet,
                format!("`{subnet_name}` is reserved for its feature and cannot hold the jump box"),
            );
            None
        }
        Some(s) => Some(s.name.clone()),
        None => {
            let names: Vec<&str> = v
                .subnets
                .iter()
                .filter(|s| s.role == SubnetRole::Plain)
                .map(|s| s.name.as_str())
                .collect();
            let d = cx.error(
                "E0302",
                at_subnet,
                format!("no subnet `{subnet_name}` in VNet `{}` for the jump box", v.key),
            );
            match crate::diag::suggest(subnet_name, names.iter().copied()) {
                Some(n) => d.set_help(format!("did you mean `{n}`?")),
                None if v.existing => d.set_help(super::existing::unlisted_help(v, subnet_name)),
                None => d.set_help(format!("set `jumpbox.subnet` to one of: {}", names.join(", "))),
            }
            None
        }
    };
    let image = match &j.image {
        Some(i) => {
            let keys: Vec<&'static str> = images::IMAGES.iter().map(|i| i.key).collect();
            cx.one_of(i, &keys, "E0007", "jump-box image").and_then(images::find)
        }
        None => images::find(images::DEFAULT),
    };
    let name = name_or(j.name.as_ref(), format!("vm-{}-jump", cx.workload));
    let at = j.name.as_ref().map_or(j.span, |n| n.span);
    let scope = scope_key(&v.scope);
    cx.name(&naming::VIRTUAL_MACHINE, &scope, &name, at);
    if image.is_some_and(|i| i.os == Os::Windows) && name.len() > naming::WINDOWS_COMPUTER_NAME_MAX {
        cx.error(
            "E0102",
            at,
            format!(
                "`{name}` is {} characters; a Windows computer name has at most 15",
                name.len()
            ),
        )
        .set_help("set a shorter `jumpbox.name`");
    }
    let nic_name = format!("{name}-nic");
    cx.name(&naming::NETWORK_INTERFACE, &scope, &nic_name, at);
    let size = j.size.as_ref().map_or("Standard_B2s", |s| s.value.as_str());
    if let Some(s) = &j.size {
        if !(s.value.starts_with("Standard_")
            && s.value.len() > 9
            && s.value.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        {
            cx.error("E0007", s.span, format!("`{}` is not a VM size", s.value))
                .set_help("sizes are named like `Standard_B2s` or `Standard_D2s_v5` (`az vm list-sizes`)");
        }
    }
    let admin_username = j
        .admin_username
        .as_ref()
        .map_or("azureuser", |u| u.value.as_str())
        .to_string();
    if let Some(u) = &j.admin_username {
        let ok = !u.value.is_empty()
            && u.value.len() <= 20
            && !u.value.ends_with('.')
            && u.value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if !ok {
            cx.error("E0607", u.span, format!("`{}` is not a valid admin user name", u.value))
                .set_help("use 1 to 20 letters, digits, `_`, `-` or `.`, not ending with `.`");
        } else if RESERVED_USERNAMES.contains(&u.value.to_ascii_lowercase().as_str()) {
            cx.error(
                "E0607",
                u.span,
                format!("Azure refuses `{}` as an admin user name", u.value),
            )
            .set_help("use another name, such as `azureuser`");
        }
    }
    let ssh_key = match (image.map(|i| i.os), &j.ssh_public_key) {
        (Some(Os::Windows), Some(k)) => {
            cx.error(
                "E0605",
                k.span,
                "a Windows jump box signs in with a password, not an SSH key",
            )
            .set_help("remove `ssh_public_key`; the password is a secure template parameter");
            None
        }
        (Some(Os::Windows), None) | (None, _) => None,
        (Some(Os::Linux), None) => Some(SshKey::Parameter),
        (Some(Os::Linux), Some(k)) => {
            let key = k.value.trim();
            if key.is_empty() {
                cx.error("E0604", k.span, "the Linux jump box has an empty SSH public key")
                    .set_help("leave `ssh_public_key` out to make it a template parameter, or paste a key like `ssh-ed25519 AAAA...`");
            } else if !is_ssh_public_key(key) {
                cx.error("E0605", k.span, "`ssh_public_key` is not an OpenSSH public key")
                    .set_help("paste the one line of your `.pub` file: `ssh-ed25519 AAAA...` or `ssh-rsa AAAA...`");
            }
            Some(SshKey::Literal(key.to_string()))
        }
    };
    let openai_role = super::identity::jumpbox_role(cx, j);
    let login = super::identity::jumpbox_logins(cx, j);
    Some(Jumpbox {
        name,
        nic_name,
        vnet,
        subnet: subnet?,
        size: size.to_string(),
        image: image?,
        admin_username,
        ssh_key,
        encryption_at_host: j.encryption_at_host.as_ref().is_some_and(|e| e.value),
        openai_role,
        entra_login: j.entra_login.as_ref().is_some_and(|e| e.value),
        login,
    })
}

/// An OpenSSH public key line: a key type Azure accepts, then base64. Source: Microsoft Learn,
/// "Supported SSH key formats" (RSA and ED25519 for Linux VMs).
fn is_ssh_public_key(key: &str) -> bool {
    let mut parts = key.split_whitespace();
    let kind = parts.next().unwrap_or_default();
    let body = parts.next().unwrap_or_default();
    matches!(kind, "ssh-rsa" | "ssh-ed25519")
        && body.len() >= 60
        && body
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '='))
}

fn vpn_gateway(cx: &mut Ctx, t: &Topology, vnets: &[Vnet], f: &Features) -> Option<VpnGateway> {
    let g = t.vpn_gateway.as_ref()?;
    let vnet = f.gateway?;
    let sku = match &g.sku {
        Some(s)
            if ["VpnGw1", "VpnGw2", "VpnGw3", "VpnGw4", "VpnGw5", "Basic"]
                .iter()
                .any(|x| x.eq_ignore_ascii_case(&s.value)) =>
        {
            let why = if s.value.eq_ignore_ascii_case("basic") {
                "the Basic SKU supports neither OpenVPN nor Entra ID authentication"
            } else {
                "non-zone-redundant gateway SKUs are deprecated and can no longer be created"
            };
            cx.error(
                "E0007",
                s.span,
                format!("`{}` cannot serve this gateway: {why}", s.value),
            )
            .set_help("use `VpnGw1AZ` or larger");
            None
        }
        Some(s) => cx.one_of(s, VPN_SKUS, "E0007", "VPN gateway SKU"),
        None => Some("VpnGw1AZ"),
    }
    .unwrap_or("VpnGw1AZ");
    let name = name_or(g.name.as_ref(), format!("vpng-{}-{}", cx.workload, vnets[vnet].key));
    let at = g.name.as_ref().map_or(g.span, |n| n.span);
    let scope = scope_key(&vnets[vnet].scope);
    cx.name(&naming::VPN_GATEWAY, &scope, &name, at);
    let public_ip = format!("pip-{name}");
    cx.name(&naming::PUBLIC_IP, &scope, &public_ip, at);
    if g.client_address_pool.is_empty() {
        cx.error("E0006", g.span, "`vpn_gateway` needs `client_address_pool`")
            .set_help("the addresses VPN clients get, outside every VNet, e.g. `client_address_pool: 172.16.201.0/24`");
    }
    let pool = g.client_address_pool.iter().filter_map(|s| cidr(cx, s)).collect();
    let guid = |cx: &mut Ctx, s: &Str, what: &str| {
        if !is_guid(&s.value) {
            cx.error("E0708", s.span, format!("`{}` is not a {what} (a GUID)", s.value));
        }
        s.value.to_ascii_lowercase()
    };
    let tenant_id = g.tenant_id.as_ref().map(|s| guid(cx, s, "tenant ID"));
    let audience = match &g.audience {
        Some(s) => guid(cx, s, "client app ID"),
        None => cx.cloud.vpn_audience().to_string(),
    };
    Some(VpnGateway {
        name,
        vnet,
        sku: sku.to_string(),
        public_ip,
        zone_redundant: crate::azure::regions::has_availability_zones(&vnets[vnet].location),
        client_address_pool: pool,
        tenant_id,
        audience,
    })
}

fn dns_resolver(cx: &mut Ctx, t: &Topology, vnets: &[Vnet], f: &Features) -> Option<DnsResolver> {
    let r = t.dns_resolver.as_ref()?;
    let vnet = f.resolver?;
    let v = &vnets[vnet];
    let name = name_or(r.name.as_ref(), format!("dnspr-{}-{}", cx.workload, v.key));
    let at = r.name.as_ref().map_or(r.span, |n| n.span);
    cx.name(&naming::DNS_RESOLVER, &scope_key(&v.scope), &name, at);
    // The planner added or typed the subnet; if allocation failed it reported why.
    let subnet = v.subnets.iter().find(|s| s.name == RESOLVER_SUBNET)?;
    let inbound_ip = match &r.inbound_ip {
        None => address::nth(&subnet.prefix, 4),
        Some(s) => {
            let ip = ip(cx, s)?;
            if !subnet.prefix.contains(&ip) {
                cx.error(
                    "E0209",
                    s.span,
                    format!(
                        "`{ip}` is outside the resolver's subnet `{RESOLVER_SUBNET}` ({})",
                        subnet.prefix
                    ),
                )
                .set_help(format!(
                    "the first usable address is {}",
                    address::nth(&subnet.prefix, 4)
                ));
            } else if is_reserved(&subnet.prefix, ip) {
                cx.error(
                    "E0210",
                    s.span,
                    format!(
                        "`{ip}` is one of the five addresses Azure reserves in {}",
                        subnet.prefix
                    ),
                );
            }
            ip
        }
    };
    Some(DnsResolver {
        inbound_endpoint: "inbound".into(),
        name,
        vnet,
        subnet: RESOLVER_SUBNET.into(),
        inbound_ip,
    })
}
