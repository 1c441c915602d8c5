//! SKUs the compiler accepts, with why the others are refused.

use super::clouds::Cloud;

/// Azure OpenAI accounts come in one SKU. Source: Microsoft Learn, "Azure OpenAI pricing tiers"
/// (Standard S0).
pub const ACCOUNT_SKUS: &[&str] = &["S0"];
/// Bastion SKUs. Source: Microsoft Learn, "Azure Bastion configuration settings" (SKUs; host
/// scaling: 2 to 50 instances, Standard and Premium only).
pub const BASTION_SKUS: &[&str] = &["Developer", "Basic", "Standard", "Premium"];

/// VPN gateway SKUs that support point-to-site with OpenVPN and Entra ID. Source: Microsoft Learn,
/// "About gateway SKUs" (Basic supports neither OpenVPN nor Entra ID; the non-AZ VpnGw1-5 SKUs
/// are deprecated and can no longer be created).
pub const VPN_SKUS: &[&str] = &["VpnGw1AZ", "VpnGw2AZ", "VpnGw3AZ", "VpnGw4AZ", "VpnGw5AZ"];

/// Deployment SKUs (deployment types) in AzureCloud. Source: Microsoft Learn, "Azure OpenAI
/// deployment types" (learn.microsoft.com/azure/ai-foundry/openai/how-to/deployment-types).
pub const DEPLOYMENT_SKUS: &[&str] = &[
    "GlobalStandard",
    "DataZoneStandard",
    "Standard",
    "GlobalProvisionedManaged",
    "DataZoneProvisionedManaged",
    "ProvisionedManaged",
    "GlobalBatch",
    "DataZoneBatch",
    "DeveloperTier",
];

/// Bastion host scaling (Standard and Premium only). Source: "Azure Bastion configuration
/// settings" (host scaling: 2 to 50 instances).
pub const BASTION_SCALE_UNITS: std::ops::RangeInclusive<u64> = 2..=50;

/// Bastion SKUs with the native client (`az network bastion ssh`/`rdp`, property `enableTunneling`).
/// Source: Microsoft Learn, "Azure Bastion configuration settings" (SKU table, "Connect to VMs
/// using Azure CLI" / native client: Standard and Premium; not Developer or Basic).
pub const BASTION_TUNNELING_SKUS: &[&str] = &["Standard", "Premium"];

/// Deployment types Azure Government offers: no Global ones. Source: Microsoft Learn, "Deployment
/// types for Foundry Models in Azure Government" (learn.microsoft.com/azure/foundry/foundry-models/
/// concepts/deployment-types-gov): Data Zone Standard, Data Zone Provisioned, Standard, Regional
/// Provisioned.
pub const GOVERNMENT_DEPLOYMENT_SKUS: &[&str] = &[
    "DataZoneStandard",
    "DataZoneProvisionedManaged",
    "Standard",
    "ProvisionedManaged",
];

/// Azure China (21Vianet) documents no list of deployment types; `Standard` (regional) is what
/// every Azure OpenAI region offers, so it is the default there and the others get a warning.
pub const CHINA_DOCUMENTED_DEPLOYMENT_SKUS: &[&str] = &["Standard"];

/// The deployment types a cloud offers, and whether that list is documented (a type outside an
/// undocumented list is a warning, outside a documented one an error).
pub fn deployment_skus(cloud: Cloud) -> (&'static [&'static str], bool) {
    match cloud {
        Cloud::AzureCloud => (DEPLOYMENT_SKUS, true),
        Cloud::AzureUsGovernment => (GOVERNMENT_DEPLOYMENT_SKUS, true),
        Cloud::AzureChinaCloud => (CHINA_DOCUMENTED_DEPLOYMENT_SKUS, false),
    }
}

/// The default deployment type: `GlobalStandard` where the cloud offers global deployments,
/// `Standard` elsewhere (TOPOLOGY.md 1.1).
pub fn default_deployment_sku(cloud: Cloud) -> &'static str {
    match cloud {
        Cloud::AzureCloud => "GlobalStandard",
        Cloud::AzureUsGovernment | Cloud::AzureChinaCloud => "Standard",
    }
}

/// Regions where the Bastion Developer SKU can be deployed. Source: Microsoft Learn, "About Bastion
/// configuration settings" (Developer SKU regions, include `bastion-developer-sku-regions`: West
/// Central US, North Central US, West US, North Europe, and two EUAP canary regions that take no
/// customer deployments). It is not offered in the sovereign clouds.
pub const BASTION_DEVELOPER_REGIONS: &[&str] = &["westcentralus", "northcentralus", "westus", "northeurope"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cloud_offers_its_default_deployment_type() {
        for cloud in [Cloud::AzureCloud, Cloud::AzureUsGovernment, Cloud::AzureChinaCloud] {
            let (offered, _) = deployment_skus(cloud);
            assert!(offered.contains(&default_deployment_sku(cloud)), "{cloud:?}");
        }
        assert!(!GOVERNMENT_DEPLOYMENT_SKUS.iter().any(|s| s.starts_with("Global")));
    }
}
