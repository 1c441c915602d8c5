//! Azure Monitor facts: which logs and metrics each resource type can send through a diagnostic
//! setting, and what a Log Analytics workspace accepts.
//!
//! Sources:
//! - Log categories: Microsoft Learn, Azure Monitor reference, "Supported logs for
//!   Microsoft.CognitiveServices/accounts" (Audit, RequestResponse, Trace, AzureOpenAIRequestUsage,
//!   Managed Network Events), "... for microsoft.network/bastionHosts" (BastionAuditLogs), "... for
//!   microsoft.network/virtualnetworkgateways" and "Troubleshooting Azure VPN Gateway using
//!   diagnostic logs" (GatewayDiagnosticLog, TunnelDiagnosticLog, RouteDiagnosticLog,
//!   IKEDiagnosticLog, P2SDiagnosticLog). There is no "Supported logs" page for
//!   Microsoft.Network/dnsResolvers: a DNS Private Resolver has no resource log categories (DNS query
//!   logs belong to DNS security policies, `Microsoft.Network/dnsResolverPolicies`, category
//!   DnsResponse), and "Supported metrics for Microsoft.Network/dnsResolvers" marks every metric
//!   "DS Export: No" (not exportable through diagnostic settings).
//! - Category groups (`audit`, `allLogs`) per type: Azure Policy's built-in "Enable logging by
//!   category group for ..." definitions exist for exactly the types that offer them, among them
//!   Cognitive Services accounts (55d1f543-d1b0-4811-9663-d6d0dbc6326d), Bastions
//!   (f8352124-56fa-4f94-9441-425109cdc14b) and virtual network gateways
//!   (ed6ae75a-828f-4fea-88fd-dead1145f1dd); none for dnsResolvers.
//! - One setting names categories or category groups, never both: Azure refuses the mix with
//!   "Diagnostic setting does not support mix of log category and log category group"
//!   (Azure/azure-rest-api-specs#22719; Microsoft Learn, "Diagnostic settings in Azure Monitor":
//!   with category groups you no longer select individual categories).
//! - Workspace retention: Microsoft Learn, "Manage data retention in a Log Analytics workspace":
//!   30 days by default, up to two years (730 days) of analytics retention for the workspace;
//!   31 days are included in the ingestion price. The pricing tier of new workspaces is
//!   pay-as-you-go, `PerGB2018` (the official schema's `WorkspaceSku`).

use std::ops::RangeInclusive;

/// Days a workspace we create keeps logs by default.
pub const DEFAULT_RETENTION_DAYS: u64 = 30;
/// The workspace-level retention Azure accepts for a `PerGB2018` workspace.
pub const RETENTION_DAYS: RangeInclusive<u64> = 30..=730;
/// The pricing tier of the workspaces we create.
pub const WORKSPACE_SKU: &str = "PerGB2018";

/// The log categories of one diagnostic setting: named categories or category groups (a setting
/// cannot mix the two).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Logs {
    Categories(&'static [&'static str]),
    Groups(&'static [&'static str]),
}

/// What a resource type sends to Log Analytics.
#[derive(Clone, Copy, Debug)]
pub struct Sources {
    pub rtype: &'static str,
    /// `None`: the type has no resource logs.
    pub logs: Option<Logs>,
    /// `AllMetrics`, the one metric category of every type that exports metrics.
    pub all_metrics: bool,
    /// For readers (the plan, the README): what is sent, or why nothing is.
    pub what: &'static str,
}

/// The metric category that stands for every platform metric of a type.
pub const ALL_METRICS: &str = "AllMetrics";

/// The resources whose logs a topology's `diagnostics` sends, in the order the plan lists them.
/// The account: its audit and request/response logs by name (no category group is exactly
/// those two: `audit` lacks RequestResponse, `allLogs` adds Trace and the usage records) and all
/// metrics. Bastion: the `audit` group (its sessions). The VPN gateway: `allLogs` (tunnel, IKE,
/// point-to-site and route events). The DNS resolver: nothing Azure can send.
pub const SOURCES: &[Sources] = &[
    Sources {
        rtype: "Microsoft.CognitiveServices/accounts",
        logs: Some(Logs::Categories(&["Audit", "RequestResponse"])),
        all_metrics: true,
        what: "audit and request/response logs and all metrics",
    },
    Sources {
        rtype: "Microsoft.Network/bastionHosts",
        logs: Some(Logs::Groups(&["audit"])),
        all_metrics: false,
        what: "audit logs (category group `audit`: who opened which session)",
    },
    Sources {
        rtype: "Microsoft.Network/virtualNetworkGateways",
        logs: Some(Logs::Groups(&["allLogs"])),
        all_metrics: false,
        what: "all logs (category group `allLogs`: gateway, tunnel, IKE, point-to-site and route events)",
    },
    Sources {
        rtype: "Microsoft.Network/dnsResolvers",
        logs: None,
        all_metrics: false,
        what: "nothing: a DNS Private Resolver has no resource logs and its metrics cannot be exported (DNS query logs need a DNS security policy)",
    },
];

/// What resource type `rtype` sends, if it is one of `SOURCES`.
pub fn sources(rtype: &str) -> Option<&'static Sources> {
    SOURCES.iter().find(|s| s.rtype == rtype)
}

impl Sources {
    /// Whether a diagnostic setting on this type has anything to send (Azure refuses a setting
    /// with neither logs nor metrics).
    pub fn sends_anything(&self) -> bool {
        self.logs.is_some() || self.all_metrics
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_setting_never_mixes_categories_and_groups_and_names_real_groups() {
        for s in SOURCES {
            if let Some(Logs::Groups(groups)) = s.logs {
                assert!(!groups.is_empty(), "{}", s.rtype);
                for g in groups {
                    assert!(["audit", "allLogs"].contains(g), "{}: unknown group {g}", s.rtype);
                }
            }
            if let Some(Logs::Categories(c)) = s.logs {
                assert!(!c.is_empty(), "{}", s.rtype);
            }
        }
    }

    #[test]
    fn the_resolver_sends_nothing_and_the_others_send_something() {
        assert!(!sources("Microsoft.Network/dnsResolvers").unwrap().sends_anything());
        for t in [
            "Microsoft.CognitiveServices/accounts",
            "Microsoft.Network/bastionHosts",
            "Microsoft.Network/virtualNetworkGateways",
        ] {
            assert!(sources(t).unwrap().sends_anything(), "{t}");
        }
        assert!(sources("Microsoft.Network/virtualNetworks").is_none());
        assert!(RETENTION_DAYS.contains(&DEFAULT_RETENTION_DAYS));
    }
}
