//! The checked model: references resolved, CIDRs typed, names, defaults and the address plan
//! decided. Nothing downstream of `check` can fail on user input.

use crate::azure::clouds::{Cloud, Zone};
use crate::azure::images::Image;
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
    pub endpoint: PrivateEndpoint,
    pub dns: Dns,
    pub scope: Scope,
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
}

#[derive(Clone, Debug)]
pub enum Dns {
    /// Create the zones and link them to these VNets.
    PrivateZone {
        zones: Vec<Zone>,
        link_vnets: Vec<VnetId>,
    },
    /// Zones owned elsewhere, by resource ID: only the zone group is created.
    Existing {
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
}

impl Model {
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
