//! Azure's service limits that a topology can reach. Source: Microsoft Learn, "Azure
//! subscription and service limits, quotas, and constraints"
//! (learn.microsoft.com/azure/azure-resource-manager/management/azure-subscription-service-limits):
//! "Networking limits" (virtual networks per subscription per region; virtual network peerings per
//! virtual network) and "Azure Private DNS limits" (virtual network links per private DNS zone, and
//! per zone with auto-registration enabled). None of these can be raised by a support request.

/// Peerings one virtual network can hold, in both directions counted on its side.
pub const PEERINGS_PER_VNET: usize = 500;
/// Virtual networks per subscription and region.
pub const VNETS_PER_SUBSCRIPTION_REGION: usize = 1000;
/// Virtual network links per private DNS zone.
pub const LINKS_PER_ZONE: usize = 1000;
/// Links with auto-registration enabled per private DNS zone. The compiler never enables
/// registration (zones for private endpoints hold the endpoints' records only), so only
/// `LINKS_PER_ZONE` can be reached; kept here so the fact has its place.
pub const REGISTRATION_LINKS_PER_ZONE: usize = 100;
