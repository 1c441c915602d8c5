//! API versions of the resource types we emit: one table.
//!
//! Rule: a stable (non-preview) version under two years old that Azure's published schemas hold
//! (`shared/azure-schemas`, snapshot of Azure/azure-resource-manager-schemas of 2026-08-16), and
//! one that has been out for a while rather than the very newest: new API versions reach the
//! sovereign clouds (AzureUSGovernment, AzureChinaCloud) months after the public cloud, and this
//! tool targets all three. Newer ones in the snapshot: Network 2025-07-01, CognitiveServices
//! 2025-12-01 and 2026-05-01, Compute 2025-11-01. Exceptions: `Microsoft.Network/privateDnsZones`
//! has had no stable version since 2024-06-01, and `Microsoft.Authorization/roleAssignments` none
//! since 2022-04-01 (only previews after it), so those two are older than two years: the newest
//! stable ones, which Bicep's `use-recent-api-versions` accepts. Governance (the last four below)
//! has its own exceptions, each said where it is.

/// Microsoft.Network: virtualNetworks (+peerings), networkSecurityGroups, privateEndpoints
/// (+privateDnsZoneGroups), publicIPAddresses, networkInterfaces, bastionHosts,
/// virtualNetworkGateways, natGateways, routeTables.
pub const NETWORK: &str = "2025-05-01";
/// Microsoft.Network/privateDnsZones (+virtualNetworkLinks): newest stable version published.
pub const PRIVATE_DNS: &str = "2024-06-01";
/// Microsoft.Network/dnsResolvers (+inboundEndpoints).
pub const DNS_RESOLVER: &str = "2025-05-01";
/// Microsoft.CognitiveServices/accounts (+deployments).
pub const COGNITIVE_SERVICES: &str = "2025-06-01";
/// Microsoft.Compute/virtualMachines (+extensions).
pub const COMPUTE: &str = "2025-04-01";
/// Microsoft.Resources/deployments and resourceGroups.
pub const RESOURCES: &str = "2025-04-01";
/// Microsoft.Authorization/roleAssignments (and the built-in roleDefinitions they name, declared
/// `existing` in Bicep): newest stable version published.
pub const AUTHORIZATION: &str = "2022-04-01";

/// Microsoft.OperationalInsights/workspaces (newer in the snapshot: 2025-07-01).
pub const LOG_ANALYTICS: &str = "2025-02-01";
/// Microsoft.Insights/diagnosticSettings: the newest published version and the first with
/// category groups (`categoryGroup`); its only stable versions (2015-07-01, 2016-09-01) predate
/// them, so this one is a preview older than two years (Bicep's linter accepts the newest).
pub const DIAGNOSTIC_SETTINGS: &str = "2021-05-01-preview";
/// Why a type's API version is one Bicep's `use-recent-api-versions` flags (a preview more than
/// two years old while an older stable version exists), for the suppression the Bicep form writes.
pub fn lint_exception(resource_type: &str) -> Option<&'static str> {
    (resource_type == "Microsoft.Insights/diagnosticSettings").then_some(
        "2021-05-01-preview is the newest version of diagnostic settings and the first with category groups; the stable 2016-09-01 has none.",
    )
}
/// Microsoft.Authorization/locks: the newest version published (older than two years).
pub const LOCKS: &str = "2020-05-01";
/// Microsoft.Resources/deploymentStacks, which `deploy --stack` calls (no template emits it): the
/// first stable version (Azure/azure-rest-api-specs, `deploymentStacks/stable/2024-03-01`), older
/// than two years; the only newer one, 2025-07-01, is the newest (see the rule above).
pub const DEPLOYMENT_STACKS: &str = "2024-03-01";

/// The API version for a resource type.
pub fn for_type(resource_type: &str) -> &'static str {
    let provider = resource_type.split('/').take(2).collect::<Vec<_>>().join("/");
    match provider.as_str() {
        "Microsoft.Network/privateDnsZones" => PRIVATE_DNS,
        "Microsoft.Network/dnsResolvers" => DNS_RESOLVER,
        "Microsoft.CognitiveServices/accounts" => COGNITIVE_SERVICES,
        "Microsoft.Compute/virtualMachines" => COMPUTE,
        "Microsoft.Resources/deployments" | "Microsoft.Resources/resourceGroups" => RESOURCES,
        "Microsoft.Authorization/roleAssignments" | "Microsoft.Authorization/roleDefinitions" => AUTHORIZATION,
        "Microsoft.OperationalInsights/workspaces" => LOG_ANALYTICS,
        "Microsoft.Insights/diagnosticSettings" => DIAGNOSTIC_SETTINGS,
        "Microsoft.Authorization/locks" => LOCKS,
        p if p.starts_with("Microsoft.Network/") => NETWORK,
        _ => panic!("no API version recorded for {resource_type}"),
    }
}
