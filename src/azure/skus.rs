//! SKUs the compiler accepts, with why the others are refused.

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

/// Deployment SKUs. Source: Microsoft Learn, "Azure OpenAI deployment types"
/// (learn.microsoft.com/azure/ai-foundry/openai/how-to/deployment-types).
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
