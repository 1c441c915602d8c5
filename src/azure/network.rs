//! Virtual network facts: subnet sizes and reserved addresses, delegations, service tags, the
//! private-link sub-resource of an account.

/// Azure's smallest subnet. Source: Microsoft Learn, "Azure Virtual Network FAQ" ("The smallest
/// supported IPv4 subnet is /29, and the largest is /2").
pub const SMALLEST_SUBNET: u8 = 29;

pub const LARGEST_SUBNET: u8 = 2;

/// `AzureBastionSubnet` is /26 or larger. Source: Microsoft Learn, "Azure Bastion configuration
/// settings" (Azure Bastion subnet).
pub const BASTION_SUBNET_PREFIX: u8 = 26;
/// `GatewaySubnet` may be as small as /29; /27 or larger is recommended. Source: Microsoft Learn,
/// "About VPN Gateway configuration settings" (gateway subnet).
pub const GATEWAY_SUBNET_RECOMMENDED: u8 = 27;
/// A DNS resolver's inbound endpoint subnet is /28 to /24 (see `RESOLVER_DELEGATION`).
pub const RESOLVER_SUBNET_SMALLEST: u8 = 28;
pub const RESOLVER_SUBNET_LARGEST: u8 = 24;

/// Addresses Azure reserves in every subnet: the network address, .1 (default gateway), .2 and .3
/// (Azure DNS) and the broadcast address. Source: "Azure Virtual Network FAQ", "Are there any
/// restrictions on using IP addresses within these subnets?".
pub const RESERVED_AT_START: u32 = 4;

/// Source: Microsoft Learn, "Azure DNS Private Resolver endpoints and rulesets" (inbound endpoint
/// subnets are /28 to /24, delegated to Microsoft.Network/dnsResolvers, dedicated).
pub const RESOLVER_DELEGATION: &str = "Microsoft.Network/dnsResolvers";

/// Service tags usable in NSG rules (a tag may carry a region: `Storage.WestEurope`). Source:
/// Microsoft Learn, "Virtual network service tags" (available service tags table).
pub const SERVICE_TAGS: &[&str] = &[
    "ActionGroup",
    "ApiManagement",
    "AppService",
    "AppServiceManagement",
    "AzureActiveDirectory",
    "AzureBackup",
    "AzureBotService",
    "AzureCloud",
    "AzureCognitiveSearch",
    "AzureConnectors",
    "AzureContainerRegistry",
    "AzureCosmosDB",
    "AzureDatabricks",
    "AzureDataLake",
    "AzureEventGrid",
    "AzureFrontDoor.Backend",
    "AzureFrontDoor.Frontend",
    "AzureFrontDoor.FirstParty",
    "AzureKeyVault",
    "AzureLoadBalancer",
    "AzureMachineLearning",
    "AzureMonitor",
    "AzureOpenDatasets",
    "AzurePlatformDNS",
    "AzurePlatformIMDS",
    "AzurePlatformLKM",
    "AzureResourceManager",
    "AzureSiteRecovery",
    "AzureTrafficManager",
    "AzureUpdateDelivery",
    "BatchNodeManagement",
    "CognitiveServicesFrontend",
    "CognitiveServicesManagement",
    "DataFactory",
    "EventHub",
    "GatewayManager",
    "GuestAndHybridManagement",
    "Internet",
    "MicrosoftCloudAppSecurity",
    "MicrosoftContainerRegistry",
    "PowerBI",
    "ServiceBus",
    "ServiceFabric",
    "Sql",
    "SqlManagement",
    "Storage",
    "StorageSyncService",
    "VirtualNetwork",
    "WindowsAdminCenter",
    "WindowsVirtualDesktop",
];

/// The private-link sub-resource of a Cognitive Services account. Source: Microsoft Learn,
/// "Azure Private Endpoint private DNS zone values" (Microsoft.CognitiveServices/accounts,
/// sub-resource `account`) and the guide ("Target sub-resource: account").
pub const PRIVATE_LINK_GROUP_ID: &str = "account";

/// Subnets whose outbound path Azure manages: no NAT gateway, no route table of ours, and
/// `defaultOutboundAccess` left alone. Sources: Microsoft Learn, "Azure NAT Gateway resource"
/// (NAT gateway can't be associated with GatewaySubnet or AzureBastionSubnet), "Virtual network
/// traffic routing" (route tables on GatewaySubnet: no 0.0.0.0/0 route) and "Working with NSG access
/// and Azure Bastion" (user-defined routes are not supported on AzureBastionSubnet).
pub const AZURE_MANAGED_EGRESS_SUBNETS: &[&str] = &["GatewaySubnet", "AzureBastionSubnet"];

/// A NAT gateway's SKU, and the SKU of the public IP it takes (Standard, static). A NAT gateway
/// serves subnets of one virtual network only. Source: Microsoft Learn, "Azure NAT Gateway
/// resource" ("A NAT gateway can't span more than one virtual network"; Standard SKU public IP
/// addresses).
pub const NAT_GATEWAY_SKU: &str = "Standard";

/// The route a route table of ours holds: everything not more specific goes to the appliance.
/// Source: Microsoft Learn, "Virtual network traffic routing" (user-defined routes; next hop type
/// VirtualAppliance with the appliance's private IP).
pub const DEFAULT_ROUTE: &str = "0.0.0.0/0";
pub const NEXT_HOP_APPLIANCE: &str = "VirtualAppliance";

/// A private endpoint, and a VM's network interface, live in the subscription (and region) of the
/// VNet their subnet is in, so what we place in an existing VNet that names another subscription
/// than the one deployed to cannot be deployed. Sources: Microsoft Learn, "What is a private
/// endpoint?" (private endpoint properties: deployed in the same region and subscription as the
/// virtual network) and "Create, change, or delete a network interface" (the virtual network
/// must be in the subscription and location of the interface).
pub fn may_place_in_vnet_of(vnet_subscription: Option<&str>, deployed_to: Option<&str>) -> bool {
    vnet_subscription.is_none() || vnet_subscription == deployed_to
}

/// The permission a peering needs on its remote VNet (beside `virtualNetworkPeerings/write` on
/// its own): who creates a spoke's side toward a platform team's hub needs it on the hub. Source:
/// Microsoft Learn, "Create, change, or delete a virtual network peering" (Permissions).
pub const PEER_ACTION: &str = "Microsoft.Network/virtualNetworks/peer/action";

/// Subnets that take no network security group: `GatewaySubnet` (Microsoft Learn, "About VPN
/// Gateway configuration settings": NSGs on the gateway subnet are not supported) and Azure
/// Firewall's own subnets, where subnet-level NSGs are disabled so as not to interrupt the service
/// (Microsoft Learn, "Azure Firewall FAQ", NSGs on AzureFirewallSubnet).
pub const NO_NSG_SUBNETS: &[&str] = &["GatewaySubnet", "AzureFirewallSubnet", "AzureFirewallManagementSubnet"];
