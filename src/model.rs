//! The checked model: references resolved, CIDRs typed, names, defaults and the address plan
//! decided. Nothing downstream of `check` can fail on user input.

use crate::azure::clouds::{Cloud, Zone};
use crate::azure::images::Image;
use crate::azure::roles::Role;
use indexmap::IndexMap;
use ipnet::Ipv4Net;
use std::net::Ipv4Addr;

/// Index into `Model::vnets`.
pub type VnetId = usize;
/// Index into `Model::nsgs`.
pub type NsgId = usize;

#[derive(Clone, Debug)]
pub struct Model {
    pub name: String,
    pub cloud: Cloud,
    pub location: String,
    pub tags: IndexMap<String, String>,
    pub resource_group: Option<String>,
    pub vnets: Vec<Vnet>,
    pub nsgs: Vec<Nsg>,
    pub openai: Account,
    pub bastion: Option<Bastion>,
    pub jumpbox: Option<Jumpbox>,
    pub vpn_gateway: Option<VpnGateway>,
    pub dns_resolver: Option<DnsResolver>,
    /// One entry per direction.
    pub peerings: Vec<Peering>,
    /// Where problems of the estate as a whole point (the `vnets` key), such as a template
    /// that would pass ARM's size limit.
    pub vnets_span: Option<crate::source::Span>,
    /// TOPOLOGY.md "Governance": logs and locks.
    pub governance: Governance,
}

/// Where a resource lives when it is not in the deployment's own resource group.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Scope {
    pub subscription: Option<String>,
    pub resource_group: Option<String>,
}

impl Scope {
    pub fn is_default(&self) -> bool {
        self.subscription.is_none() && self.resource_group.is_none()
    }
}

#[derive(Clone, Debug)]
pub struct Vnet {
    pub key: String,
    pub name: String,
    pub location: String,
    pub address_space: Vec<Ipv4Net>,
    pub subnets: Vec<Subnet>,
    /// Custom DNS servers; empty: Azure-provided DNS.
    pub dns_servers: Vec<Ipv4Addr>,
    pub scope: Scope,
    /// The NAT gateway of the subnets with `Egress::Nat` (a NAT gateway serves one VNet).
    pub nat_gateway: Option<NatGateway>,
    /// One route table per appliance that subnets of this VNet send their Internet traffic to.
    pub route_tables: Vec<RouteTable>,
    /// The VNet exists already (a platform team's hub): nothing of it is created or changed; its
    /// `address_space` and listed subnets describe it for planning and references.
    pub existing: bool,
}

/// How a subnet reaches the Internet (TOPOLOGY.md "Egress").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Egress {
    /// No outbound Internet: a private subnet (`defaultOutboundAccess: false`).
    NoInternet,
    /// Through the VNet's NAT gateway.
    Nat,
    /// `0.0.0.0/0` to a firewall or network virtual appliance at this address.
    Appliance(Ipv4Addr),
}

#[derive(Clone, Debug)]
pub struct NatGateway {
    pub name: String,
    pub public_ip: String,
}

#[derive(Clone, Debug)]
pub struct RouteTable {
    pub name: String,
    pub next_hop: Ipv4Addr,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubnetRole {
    Plain,
    Bastion,
    Gateway,
    ResolverInbound,
}

#[derive(Clone, Debug)]
pub struct Subnet {
    pub name: String,
    pub prefix: Ipv4Net,
    pub role: SubnetRole,
    pub nsg: Option<NsgId>,
    pub service_endpoints: Vec<String>,
    /// `privateEndpointNetworkPolicies`, when set.
    pub private_endpoint_policies: Option<String>,
    /// A service the subnet is delegated to.
    pub delegation: Option<String>,
    /// `None` for the subnets whose outbound path Azure manages (GatewaySubnet,
    /// AzureBastionSubnet): they are left as Azure requires.
    pub egress: Option<Egress>,
}

#[derive(Clone, Debug)]
pub struct Nsg {
    pub name: String,
    /// The VNet whose subnets use it (an NSG lives in its VNet's region and resource group).
    pub vnet: VnetId,
    pub rules: Vec<SecurityRule>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecurityRule {
    pub name: String,
    pub priority: u32,
    pub inbound: bool,
    pub allow: bool,
    /// `Tcp`, `Udp`, `Icmp`, `Esp`, `Ah` or `*`.
    pub protocol: String,
    pub source: String,
    pub destination: String,
    pub ports: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountKind {
    OpenAi,
    AiServices,
}

impl AccountKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountKind::OpenAi => "OpenAI",
            AccountKind::AiServices => "AIServices",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Account {
    pub name: String,
    pub location: String,
    pub kind: AccountKind,
    pub sku: String,
    pub custom_subdomain: String,
    /// Empty: public network access disabled. Otherwise: enabled for these CIDRs/IPs only.
    pub allowed_ips: Vec<String>,
    pub trusted_services: bool,
    pub disable_local_auth: bool,
    pub system_identity: bool,
    pub deployments: Vec<ModelDeployment>,
    /// One endpoint (`private_endpoint`), or one per hub or region (`private_endpoints`).
    pub endpoints: Vec<PrivateEndpoint>,
    /// The topology lists its endpoints (`private_endpoints`): outputs and names are per endpoint.
    pub endpoints_listed: bool,
    pub dns: Dns,
    pub scope: Scope,
    /// `role_assignments`: who may call the API with Entra ID, on the account.
    pub role_assignments: Vec<Grant>,
}

/// A principal named by object ID.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    /// Lowercase GUID.
    pub id: String,
    /// `User`, `Group` or `ServicePrincipal`.
    pub kind: &'static str,
}

/// A role granted to a principal on a resource the grant belongs to (the account, the jump box).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    pub principal: Principal,
    pub role: RoleRef,
}

/// A role: a built-in one known by name, or a role definition GUID the topology gives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RoleRef {
    BuiltIn(&'static Role),
    /// Lowercase GUID of a role definition not in `azure::roles`.
    Id(String),
}

impl RoleRef {
    pub fn id(&self) -> &str {
        match self {
            RoleRef::BuiltIn(r) => r.id,
            RoleRef::Id(id) => id,
        }
    }

    /// Azure's name of the role, or its GUID.
    pub fn name(&self) -> &str {
        match self {
            RoleRef::BuiltIn(r) => r.name,
            RoleRef::Id(id) => id,
        }
    }
}

#[derive(Clone, Debug)]
pub struct ModelDeployment {
    pub name: String,
    pub model: String,
    pub version: Option<String>,
    /// The model's publisher format (`OpenAI`, `DeepSeek`, ...).
    pub format: String,
    pub sku: String,
    pub capacity: u64,
}

#[derive(Clone, Debug)]
pub struct PrivateEndpoint {
    pub name: String,
    pub nic_name: String,
    pub vnet: VnetId,
    pub subnet: String,
    pub private_ip: Option<Ipv4Addr>,
    /// With `dns.mode: private-zone`: the VNets linked to this endpoint's zones (its DNS island),
    /// which resolve the account to this endpoint.
    pub link_vnets: Vec<VnetId>,
    /// Where this endpoint's zones live: the default resource group for the one-endpoint form,
    /// the endpoint VNet's resource group for each of several (a group holds one zone of a name).
    pub zone_scope: Scope,
}

#[derive(Clone, Debug)]
pub enum Dns {
    /// Create the zones (one set per endpoint, each linked to the endpoint's `link_vnets`).
    PrivateZone {
        zones: Vec<Zone>,
    },
    /// Zones owned elsewhere, by resource ID: only the zone group is created.
    Existing {
        zone_ids: Vec<String>,
    },
    /// Azure Policy (DeployIfNotExists, as in Azure landing zones) adds the zone group after the
    /// deployment; the central zones' IDs, when given, are for the plan only.
    Policy {
        zone_ids: Vec<String>,
    },
    None,
}

#[derive(Clone, Debug)]
pub struct Bastion {
    pub name: String,
    pub vnet: VnetId,
    pub sku: String,
    pub scale_units: Option<u64>,
    /// `None` for the Developer SKU, which has no public IP.
    pub public_ip: Option<String>,
    /// The native client (`enableTunneling`): Standard and Premium only.
    pub tunneling: bool,
}

#[derive(Clone, Debug)]
pub enum SshKey {
    Literal(String),
    Parameter,
}

#[derive(Clone, Debug)]
pub struct Jumpbox {
    pub name: String,
    pub nic_name: String,
    pub vnet: VnetId,
    pub subnet: String,
    pub size: String,
    pub image: &'static Image,
    pub admin_username: String,
    /// Linux only.
    pub ssh_key: Option<SshKey>,
    pub encryption_at_host: bool,
    /// The role its system-assigned identity gets on the account (`None`: `openai_role: none`).
    pub openai_role: Option<RoleRef>,
    /// Sign-in with Entra ID (the sign-in extension for its OS).
    pub entra_login: bool,
    /// `login`: sign-in roles on the VM.
    pub login: Vec<Grant>,
}

#[derive(Clone, Debug)]
pub struct VpnGateway {
    pub name: String,
    pub vnet: VnetId,
    pub sku: String,
    pub public_ip: String,
    /// The public IP spans zones 1 to 3: only where the region has availability zones.
    pub zone_redundant: bool,
    pub client_address_pool: Vec<Ipv4Net>,
    /// `None`: the tenant of the subscription deployed to.
    pub tenant_id: Option<String>,
    pub audience: String,
}

#[derive(Clone, Debug)]
pub struct DnsResolver {
    pub name: String,
    pub inbound_endpoint: String,
    pub vnet: VnetId,
    pub subnet: String,
    pub inbound_ip: Ipv4Addr,
}

#[derive(Clone, Debug)]
pub struct Peering {
    pub name: String,
    pub from: VnetId,
    pub to: VnetId,
    pub allow_forwarded_traffic: bool,
    pub allow_gateway_transit: bool,
    pub use_remote_gateways: bool,
    /// This side is on an existing VNet and belongs to its owners: it is written to `platform/`,
    /// not deployed (unless the peering says `remote_side: include`).
    pub platform: bool,
}

impl Account {
    /// The endpoint whose DNS island links VNet `v`, if any.
    pub fn endpoint_for(&self, v: VnetId) -> Option<&PrivateEndpoint> {
        self.endpoints.iter().find(|e| e.link_vnets.contains(&v))
    }
}

impl Model {
    /// The egress of a subnet (`None`: Azure manages it, or no such subnet).
    pub fn egress_of(&self, vnet: VnetId, subnet: &str) -> Option<Egress> {
        self.vnet_subnet(vnet, subnet).and_then(|s| s.egress)
    }

    pub fn vnet_subnet(&self, vnet: VnetId, subnet: &str) -> Option<&Subnet> {
        self.vnets[vnet].subnets.iter().find(|s| s.name == subnet)
    }
}

/// Where logs and metrics go, and whether what must not disappear is locked.
#[derive(Clone, Debug, Default)]
pub struct Governance {
    pub workspace: Option<Workspace>,
    pub locks: bool,
}

/// The Log Analytics workspace that diagnostic settings send to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Workspace {
    /// Created in the default resource group.
    New { name: String, retention_days: u64 },
    /// Owned elsewhere (any subscription), by resource ID.
    Existing {
        id: String,
        subscription: String,
        resource_group: String,
        name: String,
    },
}
