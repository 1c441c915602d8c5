//! What Azure's what-if reports that is not a change: "noise". `deploy --what-if` hides what these
//! rules match (and says how much), `--what-if-all` shows everything. A rule is narrow on purpose:
//! a property change is noise only when Azure fills in or keeps the value whatever the template
//! says; where the value could be one a person set by hand (a policy turned on in the portal),
//! the rule names the default it must have, and anything else stays visible.
//!
//! Sources: Microsoft Learn, "ARM template deployment what-if operation" (change types: `Ignore`:
//! the resource exists but the template does not define it, and an Incremental deployment leaves it
//! as it is; property change `NoEffect`: the property is read-only and the service ignores it), and
//! the noise reports of Azure/arm-template-whatif, the what-if team's tracker, cited per rule.

/// A property change (an entry of a resource's `delta`) that is not a change.
#[derive(Clone, Copy, Debug)]
pub struct PropertyNoise {
    /// The resource type, or `*` for any.
    pub rtype: &'static str,
    /// The property's path as what-if's nested paths join up: keys with `.`, array items as
    /// `[n]`; `[*]` matches any item, `**` any path.
    pub path: &'static str,
    /// The `propertyChangeType`s that are noise here.
    pub kinds: &'static [&'static str],
    /// When set, the value Azure reports before (JSON text) must be this one: its default.
    pub before: Option<&'static str>,
    /// What was hidden, in the summary.
    pub label: &'static str,
    /// Why it is not a change, and the source.
    pub why: &'static str,
}

/// A resource (an entry of `changes`) that is not a change.
#[derive(Clone, Copy, Debug)]
pub struct ResourceNoise {
    pub rtype: &'static str,
    pub change_type: &'static str,
    /// When set, a path in the resource's `before` that must be present.
    pub before_has: Option<&'static str>,
    pub label: &'static str,
    pub why: &'static str,
}

pub const PROPERTIES: &[PropertyNoise] = &[
    PropertyNoise {
        rtype: "*",
        path: "**",
        kinds: &["NoEffect"],
        before: None,
        label: "read-only properties the service ignores",
        why: "what-if itself marks them NoEffect: read-only, ignored by the service (Microsoft Learn, what-if change types)",
    },
    PropertyNoise {
        rtype: "Microsoft.Network/privateEndpoints",
        path: "properties.privateLinkServiceConnections[*].properties.privateLinkServiceConnectionState",
        kinds: &["Delete"],
        before: None,
        label: "private endpoint connection states Azure sets",
        why: "Azure records the state (Approved, Auto-Approved) when the account accepts the connection; a template never sets it (Azure/arm-template-whatif#61)",
    },
    PropertyNoise {
        rtype: "Microsoft.Network/privateEndpoints",
        path: "properties.privateLinkServiceConnections[*].id",
        kinds: &["Delete"],
        before: None,
        label: "private endpoint connection IDs Azure assigns",
        why: "the ID of a connection is Azure's, read-only (Azure/arm-template-whatif#61)",
    },
    PropertyNoise {
        rtype: "Microsoft.Network/privateEndpoints",
        path: "properties.networkInterfaces",
        kinds: &["Delete"],
        before: None,
        label: "private endpoint network interfaces Azure creates",
        why: "the endpoint's network interface is created and listed by Azure, read-only (Azure/arm-template-whatif#61, #279)",
    },
    PropertyNoise {
        rtype: "Microsoft.Network/privateEndpoints",
        path: "properties.customDnsConfigs",
        kinds: &["Delete"],
        before: None,
        label: "private endpoint DNS configurations Azure fills in",
        why: "Azure lists the endpoint's host names and addresses itself (Azure/arm-template-whatif#61)",
    },
    PropertyNoise {
        rtype: "Microsoft.Network/virtualNetworks",
        path: "properties.subnets[*].id",
        kinds: &["Delete"],
        before: None,
        label: "subnet IDs Azure assigns",
        why: "the ID of a subnet is Azure's, read-only (Azure/arm-template-whatif#46)",
    },
    PropertyNoise {
        rtype: "Microsoft.Network/virtualNetworks",
        path: "properties.subnets[*].properties.privateLinkServiceNetworkPolicies",
        kinds: &["Delete"],
        before: Some("\"Enabled\""),
        label: "subnet properties Azure fills in with their defaults",
        why: "Azure reports its default, Enabled, for a subnet that does not set it; the deployment leaves it Enabled (Azure/arm-template-whatif#46)",
    },
    PropertyNoise {
        rtype: "Microsoft.Network/virtualNetworks",
        path: "properties.subnets[*].properties.privateEndpointNetworkPolicies",
        kinds: &["Delete"],
        before: Some("\"Disabled\""),
        label: "subnet properties Azure fills in with their defaults",
        why: "Azure reports its default, Disabled, for a subnet that does not set it (Azure/arm-template-whatif#284, #394)",
    },
    PropertyNoise {
        rtype: "Microsoft.Network/virtualNetworks",
        path: "properties.subnets[*].properties.serviceEndpoints",
        kinds: &["Delete"],
        before: Some("[]"),
        label: "subnet properties Azure fills in with their defaults",
        why: "an empty list Azure reports for a subnet without service endpoints (Azure/arm-template-whatif#46)",
    },
    PropertyNoise {
        rtype: "Microsoft.Network/virtualNetworks",
        path: "properties.subnets[*].properties.delegations",
        kinds: &["Delete"],
        before: Some("[]"),
        label: "subnet properties Azure fills in with their defaults",
        why: "an empty list Azure reports for a subnet without delegations",
    },
    PropertyNoise {
        rtype: "Microsoft.Network/virtualNetworks",
        path: "properties.privateEndpointVNetPolicies",
        kinds: &["Delete"],
        before: Some("\"Disabled\""),
        label: "VNet properties Azure fills in with their defaults",
        why: "Azure reports its default, Disabled, for a VNet that does not set it (Azure/arm-template-whatif#394)",
    },
    PropertyNoise {
        rtype: "Microsoft.Network/virtualNetworks",
        path: "properties.virtualNetworkPeerings",
        kinds: &["Delete"],
        before: None,
        label: "peerings listed on their VNets",
        why: "the template declares peerings as resources of their own; updating the VNet keeps them (Azure/arm-template-whatif#163, #314)",
    },
];

pub const RESOURCES: &[ResourceNoise] = &[
    ResourceNoise {
        rtype: "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
        change_type: "Ignore",
        before_has: None,
        label: "zone groups added outside the template (Azure Policy)",
        why: "with `dns.mode: policy` Azure Policy adds the endpoint's zone group after deployment; an Incremental deployment leaves it as it is",
    },
    ResourceNoise {
        rtype: "Microsoft.Network/networkInterfaces",
        change_type: "Ignore",
        before_has: Some("properties.privateEndpoint"),
        label: "network interfaces Azure created for private endpoints",
        why: "Azure creates and manages a private endpoint's network interface; the template names it but does not deploy it (Azure/arm-template-whatif#279)",
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_are_narrow_and_explained() {
        for r in PROPERTIES {
            assert!(
                !r.kinds.is_empty() && !r.label.is_empty() && !r.why.is_empty(),
                "{}",
                r.path
            );
            // A rule that hides a Delete on any path would hide real removals.
            assert!(
                r.path != "**" || r.kinds == ["NoEffect"],
                "only NoEffect may match any path: {r:?}"
            );
            if let Some(b) = r.before {
                serde_json::from_str::<serde_json::Value>(b).expect("`before` is JSON");
            }
        }
        for r in RESOURCES {
            assert_eq!(r.change_type, "Ignore", "only what a deployment leaves alone: {r:?}");
        }
    }
}
