//! Deploying an ARM template through the Azure Resource Manager REST API. This module works on
//! a template (a serde_json value) and parameter values; it knows nothing of topologies.
//!
//! - `client`: blocking HTTP (ureq, rustls) with the transport rule and retries with backoff.
//! - `credentials`: where the bearer token comes from (service principal, workload identity,
//!   managed identity, Azure CLI).
//! - `arm`: resource groups, validate, what-if, PUT and polling, operations, outputs.
//! - `stack`: the same template deployed as a deployment stack (deny settings, detach);
//!   `principal`: the deploying principal's object ID, from the token.
//! - `whatif`: what-if rendered as `az deployment what-if` does; `noise`: the quiet what-if (what
//!   `azure::whatif_noise` says is not a change, hidden and counted).
//! - `progress`: the live view of the per-resource operations.
//! - `params`: `--parameter` values checked against the template.
//! - `error`: errors, ARM's error shape, hints.

pub mod answer;
pub mod arm;
pub mod client;
pub mod credentials;
pub mod error;
pub mod noise;
pub mod params;
pub mod principal;
pub mod progress;
pub mod stack;
pub mod whatif;

pub use arm::{Arm, Deployable, Deployment, Operation, Scope, Watch};
pub use client::Client;
pub use credentials::{AuthMode, CloudAuth, Credential};
pub use error::{ArmError, Error};
pub use stack::Stack;

use serde_json::Value;
use std::path::Path;

/// The scope a template deploys to, from its `$schema`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TemplateScope {
    ResourceGroup,
    Subscription,
}

pub fn template_scope(template: &Value) -> Result<TemplateScope, Error> {
    let schema = template.get("$schema").and_then(Value::as_str).unwrap_or_default();
    let file = schema
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .trim_end_matches('#')
        .to_ascii_lowercase();
    match file.as_str() {
        "deploymenttemplate.json" => Ok(TemplateScope::ResourceGroup),
        "subscriptiondeploymenttemplate.json" => Ok(TemplateScope::Subscription),
        "managementgroupdeploymenttemplate.json" | "tenantdeploymenttemplate.json" => Err(Error::Usage(format!(
            "`{schema}`: management-group and tenant deployments are not supported"
        ))),
        _ => Err(Error::Usage(format!(
            "the template's $schema `{schema}` is not an ARM deployment template schema"
        ))),
    }
}

/// The number of resources a template declares (`resources` as an array, or as an object of
/// symbolic names in language version 2.0): the length of the progress bar.
pub fn resource_count(template: &Value) -> usize {
    match template.get("resources") {
        Some(Value::Array(a)) => a.len(),
        Some(Value::Object(o)) => o.len(),
        _ => 0,
    }
}

/// Checks a resource group name: 1 to 90 letters, digits, `_`, `-`, `.`, `(`, `)`, not ending
/// with a period (Azure's naming rules for `Microsoft.Resources/resourceGroups`).
pub fn check_resource_group(name: &str) -> Result<(), Error> {
    let ok = !name.is_empty()
        && name.chars().count() <= 90
        && !name.ends_with('.')
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '(' | ')'));
    if ok {
        Ok(())
    } else {
        Err(Error::Usage(format!(
            "`{name}` is not a valid resource group name (1 to 90 letters, digits, `_-.()`, not ending with `.`)"
        )))
    }
}

/// Checks a deployment name: 1 to 64 letters, digits, `_`, `-`, `.`, `(`, `)`.
pub fn check_deployment_name(name: &str) -> Result<(), Error> {
    let ok = !name.is_empty()
        && name.chars().count() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '(' | ')'));
    if ok {
        Ok(())
    } else {
        Err(Error::Usage(format!(
            "`{name}` is not a valid deployment name (1 to 64 letters, digits, `_-.()`)"
        )))
    }
}

/// Checks a subscription ID (a GUID).
pub fn check_subscription(id: &str) -> Result<(), Error> {
    let parts: Vec<&str> = id.split('-').collect();
    let lens = [8, 4, 4, 4, 12];
    let ok = parts.len() == 5
        && parts
            .iter()
            .zip(lens)
            .all(|(p, n)| p.len() == n && p.bytes().all(|b| b.is_ascii_hexdigit()));
    if ok {
        Ok(())
    } else {
        Err(Error::Usage(format!(
            "`{id}` is not a subscription ID (a GUID such as 00000000-0000-0000-0000-000000000000)"
        )))
    }
}

/// Whether a deployment output is a secure one (`SecureString`, `SecureObject`): ARM leaves
/// their values out, and should one come anyway it is neither printed nor written.
pub fn is_secure_output(output: &Value) -> bool {
    output
        .get("type")
        .and_then(Value::as_str)
        .is_some_and(|t| t.eq_ignore_ascii_case("securestring") || t.eq_ignore_ascii_case("secureobject"))
}

/// The outputs without the values of secure ones (their type is kept).
pub fn public_outputs(outputs: &Value) -> Value {
    match outputs {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let v = if is_secure_output(v) {
                        serde_json::json!({ "type": v["type"] })
                    } else {
                        v.clone()
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Writes a deployment's outputs (`properties.outputs` as ARM returns it, secure values left
/// out) to `path`, pretty, with a final newline, atomically (temp file + rename).
pub fn write_outputs(path: &Path, outputs: &Value) -> Result<(), Error> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| Error::Usage(format!("{} is not a file path", path.display())))?
        .to_string_lossy()
        .into_owned();
    let text = crate::emit::arm::to_text(&public_outputs(outputs));
    crate::output::write_all(dir, &[crate::OutputFile { name, text }], &[])
        .map(|_| ())
        .map_err(|e| Error::File(format!("cannot write the deployment's outputs: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scopes_from_schema() {
        let t = |s: &str| template_scope(&json!({ "$schema": s }));
        assert_eq!(
            t("https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#").unwrap(),
            TemplateScope::ResourceGroup
        );
        assert_eq!(
            t("https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#").unwrap(),
            TemplateScope::Subscription
        );
        assert!(t("https://schema.management.azure.com/schemas/2019-08-01/tenantDeploymentTemplate.json#").is_err());
        assert!(template_scope(&json!({})).is_err());
    }

    #[test]
    fn names() {
        assert!(check_resource_group("rg-contoso_(prod).1").is_ok());
        assert!(check_resource_group("rg.").is_err());
        assert!(check_resource_group("rg/x").is_err());
        assert!(check_deployment_name("aoai-vnet-contoso").is_ok());
        assert!(check_deployment_name(&"x".repeat(65)).is_err());
        assert!(check_subscription("00000000-0000-0000-0000-00000000000a").is_ok());
        assert!(check_subscription("not-a-guid").is_err());
        assert_eq!(resource_count(&json!({"resources": [1, 2]})), 2);
        assert_eq!(resource_count(&json!({"resources": {"a": {}}})), 1);
    }
}
