//! The review plan: what a deployment will build, for a pull request. One data structure
//! (`Plan`, built from the model and the IR) is rendered two ways: Markdown for people
//! (`markdown`) and JSON for scripts (`json`, a stable shape documented in `docs/ci.md`).
//!
//! Markdown is built with plain string formatting rather than a template engine: every table
//! cell is computed (sizes, free space, exposure) and needs Markdown escaping, so a template
//! would hold little but loops, and a template crate would cost build time for no gain.

use super::graph;
use crate::check::address::{allocate, is_public};
use crate::ir::{Expr, Resource, Template, Value};
use crate::model::{Dns, Egress, Model, SshKey, SubnetRole, Vnet};
use ipnet::Ipv4Net;
use serde::Serialize;
use std::fmt::Write;

pub mod governance;

/// The version of the JSON shape; raised only when a field is removed or changes meaning.
pub const FORMAT_VERSION: u32 = 1;

/// Mermaid's default limits (`maxEdges: 500`, `maxTextSize: 50000` in its configuration
/// schema): above either, GitHub shows an error instead of the diagram.
const MERMAID_MAX_EDGES: usize = 500;
const MERMAID_MAX_TEXT: usize = 50_000;

/// Addresses Azure reserves in every subnet (network, .1, .2, .3, broadcast). Source: Microsoft
/// Learn, "Azure Virtual Network FAQ".
const RESERVED_PER_SUBNET: u64 = 5;

#[derive(Clone, Debug, Serialize)]
pub struct Plan {
    pub format_version: u32,
    pub name: String,
    pub cloud: &'static str,
    pub location: String,
    pub deployment: DeploymentLayout,
    pub account: AccountPlan,
    pub address_plan: AddressPlan,
    pub peerings: Vec<PeeringPlan>,
    pub resources: Vec<ResourcePlan>,
    pub dns: DnsPlan,
    pub security: SecurityPlan,
    pub governance: governance::GovernancePlan,
}

/// How the template deploys: one resource group, or a subscription-scope template with nested
/// deployments (resources in other resource groups or subscriptions, or more than ARM's limit).
#[derive(Clone, Debug, Serialize)]
pub struct DeploymentLayout {
    /// `resourceGroup` or `subscription`.
    pub scope: &'static str,
    /// Subscription scope: the resource group of resources that name none (a parameter).
    pub default_resource_group: Option<String>,
    /// Subscription scope: the resource groups the template creates.
    pub resource_groups: Vec<ScopePlan>,
    /// Empty when the template is flat.
    pub nested_deployments: Vec<NestedPlan>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ScopePlan {
    /// `None`: the subscription deployed to.
    pub subscription: Option<String>,
    pub resource_group: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct NestedPlan {
    pub name: String,
    pub subscription: Option<String>,
    /// `None`: the default resource group.
    pub resource_group: Option<String>,
    pub resources: usize,
    pub description: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct AccountPlan {
    pub name: String,
    pub kind: &'static str,
    pub sku: String,
    pub location: String,
    pub custom_subdomain: String,
    pub deployments: Vec<DeploymentPlan>,
    /// The first (with `private_endpoint`, the only) endpoint.
    pub private_endpoint: EndpointPlan,
    /// Every endpoint, one per hub or region with `private_endpoints`.
    pub private_endpoints: Vec<EndpointPlan>,
}

#[derive(Clone, Debug, Serialize)]
pub struct DeploymentPlan {
    pub name: String,
    pub model: String,
    pub version: Option<String>,
    pub sku: String,
    pub capacity: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct EndpointPlan {
    pub name: String,
    pub nic: String,
    pub vnet: String,
    pub subnet: String,
    /// `None`: Azure assigns it at deployment (the `privateEndpointIp` output, or its key in
    /// `privateEndpointIps`).
    pub private_ip: Option<String>,
    /// `private-zone` mode: the VNets linked to this endpoint's zones (its DNS island).
    pub linked_vnets: Vec<String>,
    /// `private-zone` mode: the resource group of this endpoint's zones (null: the deployment's).
    pub zone_resource_group: Option<String>,
    /// Hosts-file lines for this endpoint, when its IP is static.
    pub hosts_lines: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct AddressPlan {
    pub vnets: Vec<VnetPlan>,
    pub vpn_client_pools: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct VnetPlan {
    pub key: String,
    pub name: String,
    pub location: String,
    /// `None`: the deployment's resource group (and subscription).
    pub resource_group: Option<String>,
    pub subscription: Option<String>,
    pub address_space: Vec<String>,
    pub addresses: u64,
    pub allocated: u64,
    pub free: u64,
    /// The largest aligned block no subnet uses, where the next big subnet would go.
    pub largest_free_block: Option<String>,
    /// Empty: Azure-provided DNS.
    pub dns_servers: Vec<String>,
    pub subnets: Vec<SubnetPlan>,
    /// The VNet exists already (`existing: true`): described, not deployed.
    pub existing: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct SubnetPlan {
    pub name: String,
    pub prefix: String,
    pub addresses: u64,
    /// Addresses left after the five Azure reserves.
    pub usable: u64,
    /// `plain`, `bastion`, `gateway` or `dns-resolver-inbound`.
    pub role: &'static str,
    pub nsg: Option<String>,
    pub nsg_rules: usize,
    pub holds: Vec<Held>,
    pub egress: EgressPlan,
}

/// How a subnet reaches the Internet.
#[derive(Clone, Debug, Serialize)]
pub struct EgressPlan {
    /// `none` (a private subnet: no outbound Internet), `nat`, `next-hop`, or `azure` (GatewaySubnet
    /// and AzureBastionSubnet, whose outbound traffic Azure manages).
    pub kind: &'static str,
    /// `nat`: the NAT gateway.
    pub nat_gateway: Option<String>,
    /// `next-hop`: the appliance's IP and the route table that sends 0.0.0.0/0 to it.
    pub next_hop: Option<String>,
    pub route_table: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Held {
    /// `private-endpoint`, `bastion`, `jumpbox`, `vpn-gateway` or `dns-resolver-inbound`.
    pub kind: &'static str,
    pub name: String,
    pub ip: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct PeeringPlan {
    pub name: String,
    pub from: String,
    pub to: String,
    /// `None`: this deployment; else the hub owners' file that holds it (`platform/peerings.json`).
    pub platform_file: Option<String>,
    pub allow_forwarded_traffic: bool,
    pub allow_gateway_transit: bool,
    pub use_remote_gateways: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct ResourcePlan {
    #[serde(rename = "type")]
    pub rtype: String,
    /// The full name (`vnet-x/peer-a-to-b` for a child).
    pub name: String,
    /// The region (`global` for DNS zones); a child is in its parent's region.
    pub location: Option<String>,
    /// `None`: the deployment's resource group (and subscription); a child is with its parent.
    pub resource_group: Option<String>,
    pub subscription: Option<String>,
    /// The full name of the resource an extension resource (a lock, a diagnostic setting)
    /// applies to; null for other resources.
    pub applies_to: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct DnsPlan {
    /// `private-zone`, `existing`, `policy` or `none`.
    pub mode: &'static str,
    /// Zones this deployment creates, or the names of the existing ones.
    pub zones: Vec<String>,
    /// `existing` mode: the zones' resource IDs.
    pub zone_ids: Vec<String>,
    /// VNet keys the created zones are linked to.
    pub linked_vnets: Vec<String>,
    /// The endpoint's zone group configurations (`privatelink-openai-azure-com`).
    pub zone_group: Vec<String>,
    /// The account's host names, which resolve to the private endpoint.
    pub host_names: Vec<String>,
    /// Hosts-file lines, when the private IP is static.
    pub hosts_lines: Vec<String>,
    pub resolver: Option<ResolverPlan>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ResolverPlan {
    pub name: String,
    pub vnet: String,
    pub inbound_ip: String,
    /// VNet keys whose DNS servers point at the resolver.
    pub serves_vnets: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct SecurityPlan {
    /// Role assignments the deployment creates: who may call the account, who may sign in to the
    /// jump box.
    pub role_assignments: Vec<RoleAssignmentPlan>,
    /// Bastion, when there is one.
    pub bastion: Option<BastionPlan>,
    /// `disabled`, or `selected` (enabled for `allowed_ips` only).
    pub public_network_access: &'static str,
    pub allowed_ips: Vec<String>,
    pub trusted_services_bypass: bool,
    pub local_auth_disabled: bool,
    /// `system` or `none`.
    pub managed_identity: &'static str,
    pub subnets: usize,
    pub subnets_with_nsg: usize,
    pub subnets_without_nsg: Vec<NoNsg>,
    pub jumpbox: Option<JumpboxPlan>,
    /// Everything reachable from outside the VNets.
    pub exposed: Vec<Exposure>,
}

#[derive(Clone, Debug, Serialize)]
pub struct RoleAssignmentPlan {
    /// `account` or `jumpbox`: what the role is on.
    pub scope: &'static str,
    /// An object ID, or `jumpbox-identity` for the jump box's system-assigned managed identity.
    pub principal: String,
    /// `User`, `Group` or `ServicePrincipal`.
    pub principal_type: &'static str,
    /// Azure's name of the role, or its role definition GUID.
    pub role: String,
    pub role_definition_id: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct BastionPlan {
    pub name: String,
    pub sku: String,
    /// The native client (`az network bastion ssh`/`rdp`).
    pub tunneling: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct NoNsg {
    pub vnet: String,
    pub subnet: String,
    pub reason: &'static str,
}

#[derive(Clone, Debug, Serialize)]
pub struct JumpboxPlan {
    pub name: String,
    /// `linux` or `windows`.
    pub os: &'static str,
    pub public_ip: bool,
    /// `ssh-key` or `password`.
    pub login: &'static str,
    /// Where SSH/RDP is allowed from (the Bastion subnet), if anywhere.
    pub admin_access_from: Option<String>,
    /// A system-assigned managed identity.
    pub managed_identity: bool,
    /// The role its identity has on the account (Azure's name or a GUID), or null.
    pub openai_role: Option<String>,
    /// Sign-in with Entra ID (the sign-in extension).
    pub entra_login: bool,
    /// Its subnet's egress kind (see `EgressPlan`).
    pub egress: &'static str,
}

#[derive(Clone, Debug, Serialize)]
pub struct Exposure {
    /// `public-ip`, `account-public-endpoint`, `trusted-services` or `nsg-rule`.
    pub kind: &'static str,
    pub name: String,
    pub detail: String,
}

/// The plan of a checked model and its IR.
pub fn plan(m: &Model, t: &Template) -> Plan {
    let a = &m.openai;
    let vnet_key = |i: usize| m.vnets[i].key.clone();
    let host_names = crate::host_names(m);
    let zones = matches!(a.dns, Dns::PrivateZone { .. });
    let endpoints: Vec<EndpointPlan> = a
        .endpoints
        .iter()
        .map(|e| EndpointPlan {
            name: e.name.clone(),
            nic: e.nic_name.clone(),
            vnet: vnet_key(e.vnet),
            subnet: e.subnet.clone(),
            private_ip: e.private_ip.map(|ip| ip.to_string()),
            linked_vnets: e.link_vnets.iter().map(|&v| vnet_key(v)).collect(),
            zone_resource_group: zones.then(|| e.zone_scope.resource_group.clone()).flatten(),
            hosts_lines: match e.private_ip {
                Some(ip) => host_names.iter().map(|h| format!("{ip} {h}")).collect(),
                None => Vec::new(),
            },
        })
        .collect();

    let mut holds: Vec<(usize, String, Held)> = Vec::new();
    for e in &a.endpoints {
        holds.push((
            e.vnet,
            e.subnet.clone(),
            Held {
                kind: "private-endpoint",
                name: e.name.clone(),
                ip: e.private_ip.map(|ip| ip.to_string()),
            },
        ));
    }
    if let Some(b) = &m.bastion {
        if let Some(s) = m.vnets[b.vnet].subnets.iter().find(|s| s.role == SubnetRole::Bastion) {
            holds.push((
                b.vnet,
                s.name.clone(),
                Held {
                    kind: "bastion",
                    name: b.name.clone(),
                    ip: None,
                },
            ));
        }
    }
    if let Some(j) = &m.jumpbox {
        holds.push((
            j.vnet,
            j.subnet.clone(),
            Held {
                kind: "jumpbox",
                name: j.name.clone(),
                ip: None,
            },
        ));
    }
    if let Some(g) = &m.vpn_gateway {
        if let Some(s) = m.vnets[g.vnet].subnets.iter().find(|s| s.role == SubnetRole::Gateway) {
            holds.push((
                g.vnet,
                s.name.clone(),
                Held {
                    kind: "vpn-gateway",
                    name: g.name.clone(),
                    ip: None,
                },
            ));
        }
    }
    if let Some(r) = &m.dns_resolver {
        holds.push((
            r.vnet,
            r.subnet.clone(),
            Held {
                kind: "dns-resolver-inbound",
                name: r.inbound_endpoint.clone(),
                ip: Some(r.inbound_ip.to_string()),
            },
        ));
    }

    let vnets = m
        .vnets
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let addresses: u64 = v.address_space.iter().map(size).sum();
            let used: Vec<Ipv4Net> = v.subnets.iter().map(|s| s.prefix).collect();
            let allocated: u64 = used.iter().map(size).sum();
            let subnets = v
                .subnets
                .iter()
                .map(|s| SubnetPlan {
                    name: s.name.clone(),
                    prefix: s.prefix.to_string(),
                    addresses: size(&s.prefix),
                    usable: size(&s.prefix).saturating_sub(RESERVED_PER_SUBNET),
                    role: role_name(s.role),
                    nsg: s.nsg.map(|n| m.nsgs[n].name.clone()),
                    nsg_rules: s.nsg.map_or(0, |n| m.nsgs[n].rules.len()),
                    holds: holds
                        .iter()
                        .filter(|(hv, hs, _)| *hv == i && *hs == s.name)
                        .map(|(_, _, h)| h.clone())
                        .collect(),
                    egress: egress_plan(v, s.egress),
                })
                .collect();
            VnetPlan {
                key: v.key.clone(),
                name: v.name.clone(),
                location: v.location.clone(),
                resource_group: v.scope.resource_group.clone(),
                subscription: v.scope.subscription.clone(),
                address_space: v.address_space.iter().map(ToString::to_string).collect(),
                addresses,
                allocated,
                free: addresses.saturating_sub(allocated),
                largest_free_block: largest_free_block(&v.address_space, &used).map(|n| n.to_string()),
                dns_servers: v.dns_servers.iter().map(ToString::to_string).collect(),
                subnets,
                existing: v.existing,
            }
        })
        .collect();

    let hubs = crate::lower::platform::hubs(m);
    let peerings = m
        .peerings
        .iter()
        .map(|p| PeeringPlan {
            name: p.name.clone(),
            from: vnet_key(p.from),
            to: vnet_key(p.to),
            platform_file: p
                .platform
                .then(|| format!("{}.json", crate::platform_file(m, p.from, hubs.len()))),
            allow_forwarded_traffic: p.allow_forwarded_traffic,
            allow_gateway_transit: p.allow_gateway_transit,
            use_remote_gateways: p.use_remote_gateways,
        })
        .collect();

    // What exists already is not deployed.
    let resources = t
        .resources
        .iter()
        .filter(|r| !r.existing)
        .map(|r| {
            let scope = t.scope_of(&r.symbol);
            ResourcePlan {
                rtype: r.rtype.to_string(),
                name: t.full_name(&r.symbol).join("/"),
                location: region(t, r),
                resource_group: scope.resource_group.clone(),
                subscription: scope.subscription.clone(),
                applies_to: r.extends.as_ref().map(|e| t.full_name(e).join("/")),
            }
        })
        .collect();

    let dns = DnsPlan {
        mode: match a.dns {
            Dns::PrivateZone { .. } => "private-zone",
            Dns::Existing { .. } => "existing",
            Dns::Policy { .. } => "policy",
            Dns::None => "none",
        },
        zones: match &a.dns {
            Dns::PrivateZone { zones, .. } => zones.iter().map(|z| z.name.to_string()).collect(),
            Dns::Existing { zone_ids } | Dns::Policy { zone_ids } => zone_ids
                .iter()
                .map(|id| id.rsplit('/').next().unwrap_or(id).to_string())
                .collect(),
            Dns::None => Vec::new(),
        },
        zone_ids: match &a.dns {
            Dns::Existing { zone_ids } | Dns::Policy { zone_ids } => zone_ids.clone(),
            _ => Vec::new(),
        },
        // Every linked VNet, in declaration order (each endpoint's island: `private_endpoints`).
        linked_vnets: m
            .vnets
            .iter()
            .enumerate()
            .filter(|(v, _)| a.endpoint_for(*v).is_some())
            .map(|(_, x)| x.key.clone())
            .collect(),
        zone_group: match &a.dns {
            Dns::PrivateZone { zones, .. } => zones
                .iter()
                .map(|z| crate::azure::clouds::zone_config_name(z.name))
                .collect(),
            Dns::Existing { zone_ids } => zone_ids
                .iter()
                .map(|id| crate::azure::clouds::zone_config_name(id.rsplit('/').next().unwrap_or(id)))
                .collect(),
            // The policy adds the zone group; we write none.
            Dns::Policy { .. } | Dns::None => Vec::new(),
        },
        // One endpoint's lines; with several, each endpoint has its own.
        hosts_lines: match endpoints.as_slice() {
            [one] => one.hosts_lines.clone(),
            _ => Vec::new(),
        },
        host_names,
        resolver: m.dns_resolver.as_ref().map(|r| ResolverPlan {
            name: r.name.clone(),
            vnet: vnet_key(r.vnet),
            inbound_ip: r.inbound_ip.to_string(),
            serves_vnets: m
                .vnets
                .iter()
                .filter(|v| v.dns_servers.contains(&r.inbound_ip))
                .map(|v| v.key.clone())
                .collect(),
        }),
    };

    Plan {
        format_version: FORMAT_VERSION,
        name: m.name.clone(),
        cloud: m.cloud.name(),
        location: m.location.clone(),
        deployment: deployment_layout(t),
        account: AccountPlan {
            name: a.name.clone(),
            kind: a.kind.as_str(),
            sku: a.sku.clone(),
            location: a.location.clone(),
            custom_subdomain: a.custom_subdomain.clone(),
            deployments: a
                .deployments
                .iter()
                .map(|d| DeploymentPlan {
                    name: d.name.clone(),
                    model: d.model.clone(),
                    version: d.version.clone(),
                    sku: d.sku.clone(),
                    capacity: d.capacity,
                })
                .collect(),
            private_endpoint: endpoints[0].clone(),
            private_endpoints: endpoints,
        },
        address_plan: AddressPlan {
            vnets,
            vpn_client_pools: m
                .vpn_gateway
                .iter()
                .flat_map(|g| g.client_address_pool.iter().map(ToString::to_string))
                .collect(),
        },
        peerings,
        resources,
        dns,
        security: security(m),
        governance: governance::plan(m, t),
    }
}

fn egress_plan(v: &Vnet, e: Option<Egress>) -> EgressPlan {
    let mut p = EgressPlan {
        kind: "azure",
        nat_gateway: None,
        next_hop: None,
        route_table: None,
    };
    match e {
        None => {}
        Some(Egress::NoInternet) => p.kind = "none",
        Some(Egress::Nat) => {
            p.kind = "nat";
            p.nat_gateway = v.nat_gateway.as_ref().map(|n| n.name.clone());
        }
        Some(Egress::Appliance(hop)) => {
            p.kind = "next-hop";
            p.next_hop = Some(hop.to_string());
            p.route_table = v
                .route_tables
                .iter()
                .find(|r| r.next_hop == hop)
                .map(|r| r.name.clone());
        }
    }
    p
}

/// Every role assignment of the deployment, as the lowering creates them.
fn role_assignments(m: &Model) -> Vec<RoleAssignmentPlan> {
    let mut out = Vec::new();
    let mut grant = |scope, principal: String, principal_type, role: &crate::model::RoleRef| {
        out.push(RoleAssignmentPlan {
            scope,
            principal,
            principal_type,
            role: role.name().to_string(),
            role_definition_id: role.id().to_string(),
        });
    };
    if let Some(r) = m.jumpbox.as_ref().and_then(|j| j.openai_role.as_ref()) {
        grant(
            "account",
            "jumpbox-identity".into(),
            crate::azure::roles::MANAGED_IDENTITY_PRINCIPAL_TYPE,
            r,
        );
    }
    for g in &m.openai.role_assignments {
        grant("account", g.principal.id.clone(), g.principal.kind, &g.role);
    }
    for g in m.jumpbox.iter().flat_map(|j| &j.login) {
        grant("jumpbox", g.principal.id.clone(), g.principal.kind, &g.role);
    }
    out
}

fn deployment_layout(t: &Template) -> DeploymentLayout {
    let l = crate::layout::layout(t, &t.workload);
    let default_rg = l.subscription_scope.then(|| t.default_resource_group.clone());
    DeploymentLayout {
        scope: if l.subscription_scope {
            "subscription"
        } else {
            "resourceGroup"
        },
        resource_groups: l
            .resource_groups
            .iter()
            .map(|s| ScopePlan {
                subscription: s.subscription.clone(),
                resource_group: s
                    .resource_group
                    .clone()
                    .unwrap_or_else(|| t.default_resource_group.clone()),
            })
            .collect(),
        default_resource_group: default_rg,
        nested_deployments: l
            .groups
            .iter()
            .map(|g| NestedPlan {
                name: g.name.clone(),
                subscription: g.scope.subscription.clone(),
                resource_group: g.scope.resource_group.clone(),
                resources: g.members.len(),
                description: g.description.clone(),
            })
            .collect(),
    }
}

fn security(m: &Model) -> SecurityPlan {
    let a = &m.openai;
    let mut exposed = Vec::new();
    if let Some(b) = &m.bastion {
        if let Some(pip) = &b.public_ip {
            exposed.push(Exposure {
                kind: "public-ip",
                name: pip.clone(),
                detail: format!(
                    "Azure Bastion `{}`: HTTPS 443 from the internet (sign-in through the Azure portal)",
                    b.name
                ),
            });
        }
    }
    if let Some(g) = &m.vpn_gateway {
        exposed.push(Exposure {
            kind: "public-ip",
            name: g.public_ip.clone(),
            detail: format!(
                "VPN gateway `{}`: point-to-site OpenVPN, Microsoft Entra ID sign-in only",
                g.name
            ),
        });
    }
    if !a.allowed_ips.is_empty() {
        exposed.push(Exposure {
            kind: "account-public-endpoint",
            name: a.name.clone(),
            detail: format!(
                "the account's public endpoint accepts calls from {}",
                a.allowed_ips.join(", ")
            ),
        });
    }
    if a.trusted_services {
        exposed.push(Exposure {
            kind: "trusted-services",
            name: a.name.clone(),
            detail: "trusted Azure services bypass the network rules (`networkAcls.bypass: AzureServices`)".into(),
        });
    }
    let mut subnets = 0;
    let mut with_nsg = 0;
    let mut without = Vec::new();
    for v in &m.vnets {
        for s in &v.subnets {
            subnets += 1;
            let Some(n) = s.nsg else {
                without.push(NoNsg {
                    vnet: v.key.clone(),
                    subnet: s.name.clone(),
                    reason: if s.role == SubnetRole::Gateway {
                        "Azure does not support an NSG on GatewaySubnet"
                    } else {
                        "`nsg: none` in the topology"
                    },
                });
                continue;
            };
            with_nsg += 1;
            if s.role == SubnetRole::Bastion {
                continue; // Bastion's required rules; the public IP above covers them.
            }
            let nsg = &m.nsgs[n];
            for r in nsg
                .rules
                .iter()
                .filter(|r| r.inbound && r.allow && is_open_source(&r.source))
            {
                exposed.push(Exposure {
                    kind: "nsg-rule",
                    name: format!("{}/{}", nsg.name, r.name),
                    detail: format!(
                        "allows {} {} inbound from {} to subnet `{}` of `{}`",
                        r.protocol,
                        ports(&r.ports),
                        r.source,
                        s.name,
                        v.key
                    ),
                });
            }
        }
    }
    let jumpbox = m.jumpbox.as_ref().map(|j| {
        let linux = j.image.os == crate::azure::images::Os::Linux;
        let port = if linux { "22" } else { "3389" };
        let from = m
            .vnet_subnet(j.vnet, &j.subnet)
            .and_then(|s| s.nsg)
            .and_then(|n| {
                m.nsgs[n]
                    .rules
                    .iter()
                    .find(|r| r.inbound && r.allow && r.ports.iter().any(|p| p == port))
            })
            .map(|r| r.source.clone());
        JumpboxPlan {
            name: j.name.clone(),
            os: if linux { "linux" } else { "windows" },
            public_ip: false,
            login: match (&j.ssh_key, linux) {
                (Some(SshKey::Literal(_) | SshKey::Parameter), true) => "ssh-key",
                _ => "password",
            },
            admin_access_from: from,
            managed_identity: j.openai_role.is_some() || j.entra_login,
            openai_role: j.openai_role.as_ref().map(|r| r.name().to_string()),
            entra_login: j.entra_login,
            egress: egress_plan(&m.vnets[j.vnet], m.egress_of(j.vnet, &j.subnet)).kind,
        }
    });
    SecurityPlan {
        role_assignments: role_assignments(m),
        bastion: m.bastion.as_ref().map(|b| BastionPlan {
            name: b.name.clone(),
            sku: b.sku.clone(),
            tunneling: b.tunneling,
        }),
        public_network_access: if a.allowed_ips.is_empty() {
            "disabled"
        } else {
            "selected"
        },
        allowed_ips: a.allowed_ips.clone(),
        trusted_services_bypass: a.trusted_services,
        local_auth_disabled: a.disable_local_auth,
        managed_identity: if a.system_identity { "system" } else { "none" },
        subnets,
        subnets_with_nsg: with_nsg,
        subnets_without_nsg: without,
        jumpbox,
        exposed,
    }
}

/// A subnet's egress in a table cell.
fn egress_cell(e: &EgressPlan) -> String {
    match e.kind {
        "none" => "none (private)".into(),
        "nat" => format!("NAT gateway {}", e.nat_gateway.as_deref().map_or(String::new(), code)),
        "next-hop" => format!(
            "via {} ({})",
            e.next_hop.as_deref().map_or(String::new(), code),
            e.route_table.as_deref().map_or(String::new(), code)
        ),
        _ => "Azure's".into(),
    }
}

/// Whether an NSG rule source lets in the internet: any, the `Internet` tag, or a public range.
fn is_open_source(source: &str) -> bool {
    match source {
        "*" | "Internet" => true,
        s => s
            .parse::<Ipv4Net>()
            .ok()
            .or_else(|| s.parse::<std::net::Ipv4Addr>().ok().map(Ipv4Net::from))
            .is_some_and(|n| is_public(&n)),
    }
}

fn ports(p: &[String]) -> String {
    match p {
        [one] if one == "*" => "all ports".into(),
        [one] => format!("port {one}"),
        many => format!("ports {}", many.join(", ")),
    }
}

fn role_name(r: SubnetRole) -> &'static str {
    match r {
        SubnetRole::Plain => "plain",
        SubnetRole::Bastion => "bastion",
        SubnetRole::Gateway => "gateway",
        SubnetRole::ResolverInbound => "dns-resolver-inbound",
    }
}

fn size(n: &Ipv4Net) -> u64 {
    1u64 << (32 - u32::from(n.prefix_len()))
}

/// The largest aligned block of the address spaces that overlaps no subnet.
pub fn largest_free_block(spaces: &[Ipv4Net], used: &[Ipv4Net]) -> Option<Ipv4Net> {
    let widest = spaces.iter().map(|s| s.prefix_len()).min()?;
    (widest..=32).find_map(|len| allocate(spaces, used, len))
}

/// The region of a resource: its own `location` (a literal, or a parameter's default), else its
/// parent's.
fn region(t: &Template, r: &Resource) -> Option<String> {
    match r.body.get("location") {
        Some(Value::Str(s)) => Some(s.clone()),
        Some(Value::Expr(Expr::Param(p))) => {
            t.parameters
                .iter()
                .find(|x| &x.name == p)
                .and_then(|x| match &x.default {
                    Some(Value::Str(s)) => Some(s.clone()),
                    _ => None,
                })
        }
        Some(_) => None,
        None => r
            .parent
            .as_ref()
            .and_then(|p| t.resources.iter().find(|x| &x.symbol == p))
            .and_then(|p| region(t, p)),
    }
}

/// The plan as pretty JSON, with a final newline.
pub fn json(p: &Plan) -> String {
    let mut s = serde_json::to_string_pretty(p).expect("a plan always serializes");
    s.push('\n');
    s
}

/// The first line of the Markdown plan: lets CI find and update its earlier comment.
pub const MARKER: &str = "<!-- aoai-vnet plan -->";

/// The plan as GitHub-flavoured Markdown, with a Mermaid diagram. `source` names the topology
/// file in the heading.
pub fn markdown(p: &Plan, g: &graph::Graph, source: &str) -> String {
    let mut o = String::new();
    let a = &p.account;
    let e = &a.private_endpoint;
    let _ = writeln!(o, "{MARKER}");
    let _ = writeln!(o, "## aoai-vnet plan: {}\n", code(&p.name));
    let at = |e: &EndpointPlan| {
        let ip = match &e.private_ip {
            Some(ip) => format!("at {}", code(ip)),
            None => "(IP assigned at deployment)".into(),
        };
        format!(
            "{} in {} {ip}",
            code(&e.name),
            code(&format!("{}/{}", e.vnet, e.subnet))
        )
    };
    let through = match a.private_endpoints.as_slice() {
        [_] => format!("private endpoint {}", at(e)),
        all => format!(
            "{} private endpoints (one per hub, each with its own DNS island): {}",
            all.len(),
            all.iter().map(at).collect::<Vec<_>>().join("; ")
        ),
    };
    let _ = writeln!(
        o,
        "Azure OpenAI account {} ({}, {}) in **{}**, reachable through {through}. \
         {} resources in {} VNet{}; cloud {}. Source: {}.\n",
        code(&a.name),
        a.kind,
        a.sku,
        a.location,
        thousands(p.resources.len() as u64),
        p.address_plan.vnets.len(),
        plural(p.address_plan.vnets.len()),
        p.cloud,
        code(source)
    );
    let d = &p.deployment;
    let multi = d.scope == "subscription";
    let default_rg = d.default_resource_group.as_deref().unwrap_or_default();
    if multi {
        let rgs: Vec<String> = d
            .resource_groups
            .iter()
            .map(|g| {
                let mut s = code(&g.resource_group);
                if g.resource_group == default_rg {
                    s.push_str(" (default)");
                }
                if let Some(sub) = &g.subscription {
                    let _ = write!(s, " in subscription {}", code(sub));
                }
                s
            })
            .collect();
        let _ = writeln!(
            o,
            "Deployment: **subscription scope** (`az deployment sub create`); it creates the resource groups {} \
             and deploys into them through {} nested deployments.\n",
            rgs.join(", "),
            d.nested_deployments.len()
        );
    } else if !d.nested_deployments.is_empty() {
        let _ = writeln!(
            o,
            "Deployment: one resource group, split into {} nested deployments (ARM takes at most 800 resources \
             per template).\n",
            d.nested_deployments.len()
        );
    }

    // Address plan.
    let _ = writeln!(o, "### Address plan\n");
    let rg_head = if multi { " Resource group |" } else { "" };
    let rg_rule = if multi { "---|" } else { "" };
    let _ = writeln!(
        o,
        "| VNet | Region |{rg_head} Address space | Subnets | Allocated | Free | Largest free block | DNS servers |"
    );
    let _ = writeln!(o, "|---|---|{rg_rule}---|--:|--:|--:|---|---|");
    for v in &p.address_plan.vnets {
        let rg = if multi {
            format!(" {} |", scope_label(&v.subscription, &v.resource_group, default_rg))
        } else {
            String::new()
        };
        let _ = writeln!(
            o,
            "| {} ({}{}) | {} |{rg} {} | {} | {} | {} | {} | {} |",
            code(&v.name),
            cell(&v.key),
            if v.existing {
                format!(
                    "; exists already in {}",
                    scope_label(&v.subscription, &v.resource_group, default_rg)
                )
            } else {
                String::new()
            },
            cell(&v.location),
            v.address_space.iter().map(|s| code(s)).collect::<Vec<_>>().join(", "),
            v.subnets.len(),
            thousands(v.allocated),
            thousands(v.free),
            v.largest_free_block.as_deref().map_or("none".into(), code),
            if v.existing {
                NOT_MANAGED.into()
            } else if v.dns_servers.is_empty() {
                "Azure-provided".into()
            } else {
                v.dns_servers.iter().map(|s| code(s)).collect::<Vec<_>>().join(", ")
            }
        );
    }
    o.push('\n');
    for v in &p.address_plan.vnets {
        let _ = writeln!(o, "**{}** ({} addresses):\n", code(&v.name), thousands(v.addresses));
        let _ = writeln!(o, "| Subnet | CIDR | Addresses (usable) | NSG | Egress | Holds |");
        let _ = writeln!(o, "|---|---|--:|---|---|---|");
        for s in &v.subnets {
            let nsg = match &s.nsg {
                _ if v.existing => NOT_MANAGED.into(),
                Some(n) => format!("{} ({} rule{})", code(n), s.nsg_rules, plural(s.nsg_rules)),
                None => "none".into(),
            };
            let holds: Vec<String> = s
                .holds
                .iter()
                .map(|h| {
                    let what = match h.kind {
                        "private-endpoint" => "private endpoint",
                        "bastion" => "Bastion",
                        "jumpbox" => "jump box",
                        "vpn-gateway" => "VPN gateway",
                        _ => "DNS resolver inbound",
                    };
                    match &h.ip {
                        Some(ip) => format!("{what} {} at {}", code(&h.name), code(ip)),
                        None => format!("{what} {}", code(&h.name)),
                    }
                })
                .collect();
            let _ = writeln!(
                o,
                "| {} | {} | {} ({}) | {nsg} | {} | {} |",
                code(&s.name),
                code(&s.prefix),
                thousands(s.addresses),
                thousands(s.usable),
                if v.existing {
                    NOT_MANAGED.into()
                } else {
                    egress_cell(&s.egress)
                },
                holds.join("; ")
            );
        }
        o.push('\n');
    }
    if !p.address_plan.vpn_client_pools.is_empty() {
        let pools: Vec<String> = p.address_plan.vpn_client_pools.iter().map(|s| code(s)).collect();
        let _ = writeln!(o, "VPN client address pool: {}.\n", pools.join(", "));
    }
    if !p.peerings.is_empty() {
        let _ = writeln!(o, "| Peering | From | To | Forwarded traffic | Gateway | Deployed by |");
        let _ = writeln!(o, "|---|---|---|---|---|---|");
        for pe in &p.peerings {
            let gw = if pe.use_remote_gateways {
                "uses remote gateway"
            } else if pe.allow_gateway_transit {
                "offers gateway transit"
            } else {
                "none"
            };
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {gw} | {} |",
                code(&pe.name),
                cell(&pe.from),
                cell(&pe.to),
                if pe.allow_forwarded_traffic {
                    "allowed"
                } else {
                    "blocked"
                },
                pe.platform_file
                    .as_deref()
                    .map_or("this deployment".into(), |f| format!("the hub's owners ({})", code(f)))
            );
        }
        o.push('\n');
    }

    // Resources.
    let _ = writeln!(o, "### Resources\n");
    let mut by_type: Vec<(&str, Vec<&ResourcePlan>)> = Vec::new();
    for r in &p.resources {
        match by_type.iter_mut().find(|(t, _)| *t == r.rtype) {
            Some((_, v)) => v.push(r),
            None => by_type.push((&r.rtype, vec![r])),
        }
    }
    let _ = writeln!(o, "| Type | Count | Regions |");
    let _ = writeln!(o, "|---|--:|---|");
    for (t, rs) in &by_type {
        let mut regions: Vec<&str> = Vec::new();
        for r in rs {
            let l = r.location.as_deref().unwrap_or("-");
            if !regions.contains(&l) {
                regions.push(l);
            }
        }
        let _ = writeln!(o, "| {} | {} | {} |", code(t), rs.len(), cell(&regions.join(", ")));
    }
    let _ = writeln!(
        o,
        "\n<details><summary>All {} resources</summary>\n\n| Type | Name | Region |{rg_head}\n|---|---|---|{rg_rule}",
        thousands(p.resources.len() as u64)
    );
    for r in &p.resources {
        let rg = if multi {
            format!(" {} |", scope_label(&r.subscription, &r.resource_group, default_rg))
        } else {
            String::new()
        };
        let name = match &r.applies_to {
            Some(target) => format!("{} on {}", code(&r.name), code(target)),
            None => code(&r.name),
        };
        let _ = writeln!(
            o,
            "| {} | {name} | {} |{rg}",
            code(&r.rtype),
            cell(r.location.as_deref().unwrap_or("-"))
        );
    }
    let _ = writeln!(o, "\n</details>\n");
    if !d.nested_deployments.is_empty() {
        let _ = writeln!(
            o,
            "<details><summary>{} nested deployments</summary>\n\n| Deployment | Resource group | Resources | Holds |\n|---|---|--:|---|",
            d.nested_deployments.len()
        );
        for n in &d.nested_deployments {
            let rg = match (&n.resource_group, multi) {
                (None, false) => "the deployment's".to_string(),
                _ => scope_label(&n.subscription, &n.resource_group, default_rg),
            };
            let _ = writeln!(
                o,
                "| {} | {rg} | {} | {} |",
                code(&n.name),
                n.resources,
                cell(&n.description)
            );
        }
        let _ = writeln!(o, "\n</details>\n");
    }
    if !a.deployments.is_empty() {
        let _ = writeln!(o, "Model deployments (created one at a time):\n");
        let _ = writeln!(o, "| Deployment | Model | Version | SKU | Capacity |");
        let _ = writeln!(o, "|---|---|---|---|--:|");
        for d in &a.deployments {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} |",
                code(&d.name),
                code(&d.model),
                d.version.as_deref().map_or("default".into(), code),
                cell(&d.sku),
                d.capacity
            );
        }
        o.push('\n');
    }

    // DNS.
    let d = &p.dns;
    let _ = writeln!(o, "### Private DNS\n");
    let hosts: Vec<String> = d.host_names.iter().map(|h| code(h)).collect();
    match d.mode {
        "private-zone" => {
            let zones: Vec<String> = d.zones.iter().map(|z| code(z)).collect();
            let links: Vec<String> = d.linked_vnets.iter().map(|v| cell(v)).collect();
            if let [_] = a.private_endpoints.as_slice() {
                let _ = writeln!(
                    o,
                    "- Mode `private-zone`: this deployment creates {} (location `global`).",
                    zones.join(", ")
                );
                let _ = writeln!(o, "- Linked to VNets: {} (registration disabled).", links.join(", "));
            } else {
                let _ = writeln!(
                    o,
                    "- Mode `private-zone`, one DNS island per endpoint: each gets its own {} (location `global`) in its VNet's resource group, linked to the VNets that resolve the account to it (registration disabled):\n",
                    zones.join(", ")
                );
                let _ = writeln!(o, "  | Endpoint | VNet | IP | Zones in | Linked VNets |");
                let _ = writeln!(o, "  |---|---|---|---|---|");
                for x in &a.private_endpoints {
                    let linked: Vec<String> = x.linked_vnets.iter().map(|v| cell(v)).collect();
                    let _ = writeln!(
                        o,
                        "  | {} | {} | {} | {} | {} |",
                        code(&x.name),
                        cell(&x.vnet),
                        x.private_ip.as_deref().map_or("at deployment".into(), code),
                        x.zone_resource_group
                            .as_deref()
                            .map_or("the deployment's resource group".into(), code),
                        linked.join(", ")
                    );
                }
                o.push('\n');
            }
        }
        "existing" => {
            let ids: Vec<String> = d.zone_ids.iter().map(|z| code(z)).collect();
            let _ = writeln!(
                o,
                "- Mode `existing`: zones owned elsewhere: {}. Their VNet links are not managed here.",
                ids.join(", ")
            );
        }
        "policy" => {
            let ids: Vec<String> = d.zone_ids.iter().map(|z| code(z)).collect();
            let zones = if ids.is_empty() {
                String::new()
            } else {
                format!(" pointing at the central zones {}", ids.join(", "))
            };
            let _ = writeln!(
                o,
                "- Mode `policy`: no zone group is deployed; Azure Policy (DeployIfNotExists) adds one to each endpoint after the deployment{zones}. `deploy --what-if` lists it as expected."
            );
        }
        _ => {
            let _ = writeln!(o, "- Mode `none`: no zone and no zone group; clients must resolve the names below to the endpoint themselves (hosts files or your DNS).");
        }
    }
    if !d.zone_group.is_empty() {
        let cfg: Vec<String> = d.zone_group.iter().map(|z| code(z)).collect();
        let on: Vec<String> = a.private_endpoints.iter().map(|x| code(&x.name)).collect();
        let _ = writeln!(o, "- Zone group on {}: {}.", on.join(", "), cfg.join(", "));
    }
    let _ = writeln!(o, "- Host names: {}.", hosts.join(", "));
    if let Some(r) = &d.resolver {
        let serves: Vec<String> = r.serves_vnets.iter().map(|v| cell(v)).collect();
        let _ = writeln!(
            o,
            "- DNS Private Resolver {} in {}, inbound {}: the DNS server of {}.",
            code(&r.name),
            cell(&r.vnet),
            code(&r.inbound_ip),
            if serves.is_empty() {
                "no VNet".into()
            } else {
                serves.join(", ")
            }
        );
    }
    if a.private_endpoints.len() > 1 {
        let _ = writeln!(o, "- Each network resolves the account to its own endpoint: `aoai-vnet hosts --vnet KEY` prints the hosts-file lines a client in VNet KEY needs.");
    } else if d.hosts_lines.is_empty() {
        let _ = writeln!(o, "- The private IP is assigned at deployment: `aoai-vnet hosts` prints the hosts-file lines from the deployment's outputs.");
    } else {
        let _ = writeln!(
            o,
            "\nHosts-file lines (for machines on the VPN or without the private zone):\n\n```\n{}\n```",
            d.hosts_lines.join("\n")
        );
    }
    o.push('\n');

    // Security.
    let s = &p.security;
    let _ = writeln!(o, "### Security\n");
    if s.public_network_access == "disabled" {
        let _ = writeln!(
            o,
            "- ✅ Public network access: **disabled**; the account is reachable only through its private endpoint."
        );
    } else {
        let ips: Vec<String> = s.allowed_ips.iter().map(|i| code(i)).collect();
        let _ = writeln!(
            o,
            "- ⚠️ Public network access: **enabled for selected networks** {} (everything else denied).",
            ips.join(", ")
        );
    }
    if s.trusted_services_bypass {
        let _ = writeln!(o, "- ⚠️ Trusted Azure services may bypass the network rules.");
    }
    if s.local_auth_disabled {
        let _ = writeln!(
            o,
            "- ✅ Local (API key) authentication: **disabled**; Microsoft Entra ID only."
        );
    } else {
        let _ = writeln!(
            o,
            "- ⚠️ Local (API key) authentication: **enabled**; keys work from anywhere the endpoint is reachable."
        );
    }
    let _ = writeln!(
        o,
        "- Managed identity of the account: {}.",
        if s.managed_identity == "system" {
            "system-assigned"
        } else {
            "none"
        }
    );
    let _ = writeln!(o, "- NSGs: {} of {} subnets have one.", s.subnets_with_nsg, s.subnets);
    for n in &s.subnets_without_nsg {
        let mark = if n.reason.starts_with("Azure") { "" } else { "⚠️ " };
        let _ = writeln!(
            o,
            "  - {mark}{} in {}: no NSG ({}).",
            code(&n.subnet),
            cell(&n.vnet),
            n.reason
        );
    }
    if let Some(j) = &s.jumpbox {
        let proto = if j.os == "linux" { "SSH" } else { "RDP" };
        let access = match &j.admin_access_from {
            Some(f) => {
                let subnet = p
                    .address_plan
                    .vnets
                    .iter()
                    .flat_map(|v| v.subnets.iter())
                    .find(|s| s.prefix == *f);
                match subnet {
                    Some(s) => format!("{proto} only from {} ({})", code(&s.name), code(f)),
                    None => format!("{proto} only from {}", code(f)),
                }
            }
            None => format!("no NSG rule allows {proto} in"),
        };
        let login = if j.login == "ssh-key" {
            "SSH key login (passwords disabled)"
        } else {
            "password login (a secure deployment parameter)"
        };
        let _ = writeln!(o, "- ✅ Jump box {}: no public IP, {login}, {access}.", code(&j.name));
        match &j.openai_role {
            Some(r) => {
                let _ = writeln!(
                    o,
                    "  - Managed identity with {} on the account: from the jump box, a token from the VM's metadata endpoint calls the API.",
                    cell(r)
                );
            }
            None => {
                let _ = writeln!(
                    o,
                    "  - ⚠️ No role on the account (`openai_role: none`): API calls from the jump box are refused unless someone grants one."
                );
            }
        }
        if j.entra_login {
            let _ = writeln!(
                o,
                "  - Sign-in with Microsoft Entra ID (the sign-in extension; roles below)."
            );
        }
        if j.egress == "none" {
            let _ = writeln!(
                o,
                "  - No outbound Internet: package installs will fail; the API works (private endpoint, metadata endpoint)."
            );
        }
    }
    if let Some(b) = &s.bastion {
        let _ = writeln!(
            o,
            "- Bastion {} ({}): {}.",
            code(&b.name),
            cell(&b.sku),
            if b.tunneling {
                "native client on (`az network bastion ssh` and `rdp` work)"
            } else {
                "no native client (sign in through the Azure portal)"
            }
        );
    }
    if !s.role_assignments.is_empty() {
        let _ = writeln!(
            o,
            "
Role assignments:

| On | Principal | Type | Role |
|---|---|---|---|"
        );
        for r in &s.role_assignments {
            let who = if r.principal == "jumpbox-identity" {
                "the jump box's managed identity".to_string()
            } else {
                code(&r.principal)
            };
            let _ = writeln!(
                o,
                "| {} | {who} | {} | {} |",
                if r.scope == "account" { "account" } else { "jump box" },
                cell(r.principal_type),
                cell(&r.role)
            );
        }
    }
    let _ = writeln!(o, "\nExposed to the internet:\n");
    if s.exposed.is_empty() {
        let _ = writeln!(
            o,
            "Nothing: no public IP, and the account's public access is disabled.\n"
        );
    } else {
        let _ = writeln!(o, "| What | Name | Detail |\n|---|---|---|");
        for x in &s.exposed {
            let what = match x.kind {
                "public-ip" => "public IP",
                "account-public-endpoint" => "account public endpoint",
                "trusted-services" => "trusted services",
                _ => "NSG rule",
            };
            let _ = writeln!(o, "| {what} | {} | {} |", code(&x.name), cell(&x.detail));
        }
        o.push('\n');
    }

    governance::markdown(&p.governance, &mut o);

    // Diagram.
    let _ = writeln!(o, "### Diagram\n");
    let text = graph::mermaid(g);
    if g.edge_count() > MERMAID_MAX_EDGES || text.len() > MERMAID_MAX_TEXT {
        let _ = writeln!(
            o,
            "The diagram has {} edges and {} characters, more than GitHub's Mermaid renders \
             ({MERMAID_MAX_EDGES} edges, {MERMAID_MAX_TEXT} characters); \
             `aoai-vnet graph --format dot` draws it with Graphviz.\n",
            g.edge_count(),
            text.len()
        );
    } else {
        let _ = writeln!(o, "```mermaid\n{text}```\n");
    }
    let _ = writeln!(o, "<sub>Generated by aoai-vnet {}.</sub>", env!("CARGO_PKG_VERSION"));
    o
}

/// `rg` (the default one when `None`), with its subscription when it is another.
fn scope_label(sub: &Option<String>, rg: &Option<String>, default_rg: &str) -> String {
    let mut s = code(rg.as_deref().unwrap_or(default_rg));
    if let Some(sub) = sub {
        let _ = write!(s, " (subscription {})", code(sub));
    }
    s
}

/// What the plan says of the settings of an existing VNet, which are its owners'.
const NOT_MANAGED: &str = "its owners'";

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Text in a table cell: the characters Markdown or HTML would interpret are escaped.
fn cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Inline code, safe in a table cell (GitHub splits cells at `|` even inside code).
fn code(s: &str) -> String {
    let text = s.replace('|', "\\|").replace(['\n', '\r'], " ");
    if text.contains('`') {
        format!("`` {text} ``")
    } else {
        format!("`{text}`")
    }
}

/// `65536` -> `65,536`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Ipv4Net {
        s.parse().unwrap()
    }

    #[test]
    fn largest_free_block_is_aligned_and_unused() {
        let spaces = [n("10.0.0.0/16")];
        assert_eq!(
            largest_free_block(&spaces, &[n("10.0.0.0/24"), n("10.0.1.0/27")]),
            Some(n("10.0.128.0/17"))
        );
        assert_eq!(largest_free_block(&spaces, &[]), Some(n("10.0.0.0/16")));
        assert_eq!(largest_free_block(&[n("10.0.0.0/29")], &[n("10.0.0.0/29")]), None);
        assert_eq!(
            largest_free_block(&[n("10.0.0.0/24"), n("10.1.0.0/22")], &[n("10.1.0.0/24")]),
            Some(n("10.1.2.0/23"))
        );
    }

    #[test]
    fn open_sources() {
        assert!(is_open_source("*"));
        assert!(is_open_source("Internet"));
        assert!(is_open_source("203.0.113.0/24"));
        assert!(is_open_source("198.51.100.7"));
        assert!(!is_open_source("10.0.0.0/8"));
        assert!(!is_open_source("VirtualNetwork"));
        assert!(!is_open_source("10.0.1.0/26"));
    }

    #[test]
    fn escaping_and_numbers() {
        assert_eq!(code("a|b"), "`a\\|b`");
        assert_eq!(code("a`b"), "`` a`b ``");
        assert_eq!(cell("a|<b>"), "a\\|&lt;b&gt;");
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(65536), "65,536");
        assert_eq!(thousands(1234567), "1,234,567");
    }
}
