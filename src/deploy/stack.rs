//! A deployment stack (`Microsoft.Resources/deploymentStacks`): the same template and parameters
//! as a deployment, at the same scope, plus how the stack guards what it deploys.
//!
//! Source: the REST API of deployment stacks (Azure/azure-rest-api-specs,
//! `Microsoft.Resources/deploymentStacks/stable/2024-03-01`): PUT `.../deploymentStacks/{name}`
//! (201 with `Azure-AsyncOperation`), POST `.../validate` (200, or 202 with `Location`, or 400 with
//! the error), GET for `provisioningState` (`succeeded`, `failed`, `canceled` end it), `outputs`,
//! `error` and `deploymentId` (the deployment the stack runs, whose operations show progress);
//! `location` required at subscription scope; `actionOnUnmanage` and `denySettings` required.
//! `denySettings.mode` `denyWriteAndDelete`: "authorized users can read from a resource, but cannot
//! modify or delete it"; `excludedPrincipals`: at most 5 Entra ID principal IDs exempt from it;
//! `excludedActions`: at most 200 operations exempt from it; `applyToChildScopes`: whether the
//! deny assignment also covers resources below each managed one.
//! And Microsoft Learn, "Deployment stacks": a detached resource stays in Azure, unmanaged.

use super::arm::{Deployable, Deployment, Scope};
use crate::azure::api_versions;
use serde_json::{json, Value};

/// What happens to a resource, resource group or management group the template no longer holds:
/// `detach` leaves it in Azure, unmanaged and no longer denied. Never `delete`: removing a VNet or
/// the account from the topology must not delete it (and what is in it) on the next deploy.
pub const ACTION_ON_UNMANAGE: &str = "detach";
/// Nobody but the excluded principals writes or deletes what the stack deploys: the account's
/// network rules cannot be re-opened by hand.
pub const DENY_MODE: &str = "denyWriteAndDelete";
/// The deny assignment also covers what lies below each managed resource: a subnet of a VNet,
/// a rule of an NSG, a record or link of a zone are changed through their own APIs, and would
/// otherwise stay writable by hand (a subnet's NSG removed, a rule that opens a port).
pub const APPLY_TO_CHILD_SCOPES: bool = true;
/// What stays allowed below the managed resources: Azure Policy (DeployIfNotExists, as in Azure
/// landing zones) adds or repairs a private endpoint's zone group after deployment (`dns.mode:
/// policy`); denying it would break the endpoint's DNS.
pub const EXCLUDED_ACTIONS: &[&str] = &["Microsoft.Network/privateEndpoints/privateDnsZoneGroups/write"];

/// A stack that deploys `deployment`'s template where the deployment would go, under its name.
#[derive(Clone, Debug)]
pub struct Stack {
    pub deployment: Deployment,
    /// The object ID of the principal that deploys: excluded from the deny settings, so the next
    /// deployment (and an emergency fix by the same pipeline) can change what the stack holds.
    pub excluded_principal: String,
}

impl Stack {
    pub fn scope(&self) -> &Scope {
        &self.deployment.scope
    }

    pub fn name(&self) -> &str {
        &self.deployment.name
    }
}

impl Deployable for Stack {
    fn path(&self) -> String {
        format!(
            "{}/providers/Microsoft.Resources/deploymentStacks/{}",
            self.deployment.scope.path(),
            super::client::path_segment(&self.deployment.name)
        )
    }

    fn api_version(&self) -> &'static str {
        api_versions::DEPLOYMENT_STACKS
    }

    fn body(&self) -> Value {
        self.deployment.body_with(json!({
            "description": "Deployed by aoai-vnet: resources the topology no longer holds are detached, never deleted; only the deploying principal may change what the stack holds.",
            "actionOnUnmanage": {
                "resources": ACTION_ON_UNMANAGE,
                "resourceGroups": ACTION_ON_UNMANAGE,
                "managementGroups": ACTION_ON_UNMANAGE,
            },
            "denySettings": {
                "mode": DENY_MODE,
                "excludedPrincipals": [self.excluded_principal],
                "excludedActions": EXCLUDED_ACTIONS,
                "applyToChildScopes": APPLY_TO_CHILD_SCOPES,
            },
        }))
    }

    fn operations_of(&self, state: Option<&Value>) -> Option<String> {
        state?
            .get("properties")?
            .get("deploymentId")?
            .as_str()
            .filter(|id| id.starts_with("/subscriptions/"))
            .map(|id| format!("{id}/operations"))
    }

    /// Stacks report outputs as deployments do (`{"name": {"type", "value"}}`); a bare value
    /// (the shape of the API's examples) is wrapped so that `hosts` reads it the same way.
    fn outputs(&self, properties: &Value) -> Value {
        match properties.get("outputs") {
            Some(Value::Object(o)) => Value::Object(
                o.iter()
                    .map(|(k, v)| {
                        let v = match v {
                            Value::Object(x) if x.contains_key("value") || x.contains_key("type") => v.clone(),
                            other => json!({ "value": other }),
                        };
                        (k.clone(), v)
                    })
                    .collect(),
            ),
            _ => json!({}),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stack(scope: Scope) -> Stack {
        let mut parameters = serde_json::Map::new();
        parameters.insert("k".into(), json!("v"));
        Stack {
            deployment: Deployment {
                scope,
                name: "aoai-vnet-x".into(),
                location: "eastus".into(),
                template: json!({"resources": []}),
                parameters,
            },
            excluded_principal: "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d".into(),
        }
    }

    #[test]
    fn a_stack_detaches_and_denies_writes_but_for_the_deployer() {
        let s = stack(Scope::ResourceGroup {
            subscription: "s".into(),
            resource_group: "rg".into(),
        });
        assert_eq!(
            s.path(),
            "/subscriptions/s/resourcegroups/rg/providers/Microsoft.Resources/deploymentStacks/aoai-vnet-x"
        );
        let b = s.body();
        assert!(
            b.get("location").is_none(),
            "a resource-group stack takes its group's location"
        );
        let p = &b["properties"];
        assert_eq!(
            p["actionOnUnmanage"],
            json!({"resources": "detach", "resourceGroups": "detach", "managementGroups": "detach"})
        );
        assert_eq!(p["denySettings"]["mode"], "denyWriteAndDelete");
        assert_eq!(
            p["denySettings"]["excludedPrincipals"],
            json!(["0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"])
        );
        assert_eq!(
            p["denySettings"]["applyToChildScopes"], true,
            "subnets and NSG rules too"
        );
        assert_eq!(
            p["denySettings"]["excludedActions"],
            json!(["Microsoft.Network/privateEndpoints/privateDnsZoneGroups/write"])
        );
        assert_eq!(p["parameters"], json!({"k": {"value": "v"}}));
        let s = stack(Scope::Subscription {
            subscription: "s".into(),
        });
        assert_eq!(s.body()["location"], "eastus");
    }

    #[test]
    fn progress_and_outputs_come_from_the_stacks_deployment() {
        let s = stack(Scope::Subscription {
            subscription: "s".into(),
        });
        assert_eq!(s.operations_of(None), None);
        let state =
            json!({"properties": {"deploymentId": "/subscriptions/s/providers/Microsoft.Resources/deployments/d1"}});
        assert_eq!(
            s.operations_of(Some(&state)).unwrap(),
            "/subscriptions/s/providers/Microsoft.Resources/deployments/d1/operations"
        );
        let outputs = s.outputs(&json!({"outputs": {"a": {"type": "String", "value": "x"}, "b": "y"}}));
        assert_eq!(
            outputs,
            json!({"a": {"type": "String", "value": "x"}, "b": {"value": "y"}})
        );
    }
}
