//! Errors of a deployment, and ARM's error shape (`code`, `message`, `target`, `details`,
//! `additionalInfo`) rendered as ARM gives it, with a hint for the common codes.

use crate::term::clean;
use serde_json::Value;
use std::fmt::Write as _;

/// How deep nested `details` are shown.
const MAX_DETAIL_DEPTH: usize = 8;
/// How deep a JSON answer is read (serde_json's own limit is 128).
const MAX_JSON_DEPTH: usize = 64;

/// `text` with every array or object nested deeper than `max` replaced by `null`, so that it
/// parses (strings are respected; anything that is not JSON stays not JSON).
pub fn prune(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    let b = text.as_bytes();
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    let mut out: Option<String> = None;
    let mut skip_from: Option<usize> = None;
    let mut last = 0;
    for (i, &c) in b.iter().enumerate() {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth == max + 1 && skip_from.is_none() {
                    skip_from = Some(i);
                }
            }
            b'}' | b']' => {
                if depth == max + 1 {
                    if let Some(from) = skip_from.take() {
                        let o = out.get_or_insert_with(String::new);
                        o.push_str(&text[last..from]);
                        o.push_str("null");
                        last = i + 1;
                    }
                }
                depth = depth.saturating_sub(1);
            }
            _ => {}
        }
    }
    match out {
        None => std::borrow::Cow::Borrowed(text),
        Some(mut o) => {
            o.push_str(&text[last..]);
            std::borrow::Cow::Owned(o)
        }
    }
}

/// What went wrong. The command line maps these to exit codes: `Usage` 2, `Azure`, `Failed`
/// and `Credential` 4 (Azure refused or failed), `Network` and `File` 5.
#[derive(Debug)]
pub enum Error {
    /// A bad argument or setting, found before anything was sent.
    Usage(String),
    /// Azure answered a request with an error.
    Azure(Box<AzureError>),
    /// The deployment ran and ended `Failed` or `Canceled`.
    Failed(Box<Failure>),
    /// No credential could give a token (not configured, or Entra ID / the CLI refused).
    Credential(String),
    /// Azure could not be reached (after retries), or answered with something that is not HTTP.
    Network(String),
    /// A local file could not be read or written.
    File(String),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Usage(m) | Error::Credential(m) | Error::Network(m) | Error::File(m) => f.write_str(m),
            Error::Azure(e) => write!(f, "{} failed: {}", e.during, e.error.headline()),
            Error::Failed(x) => write!(f, "the deployment ended {}", x.state),
        }
    }
}

impl std::error::Error for Error {}

/// An error answer of Azure Resource Manager.
#[derive(Clone, Debug)]
pub struct AzureError {
    /// What was being done ("validating the deployment").
    pub during: String,
    pub status: u16,
    pub error: ArmError,
    /// `x-ms-correlation-request-id`, for a support request.
    pub correlation_id: Option<String>,
}

/// The end of a deployment that did not succeed.
#[derive(Clone, Debug)]
pub struct Failure {
    /// `Failed` or `Canceled`.
    pub state: String,
    pub error: Option<ArmError>,
    /// The operations that failed, with their errors.
    pub failed: Vec<super::arm::Operation>,
}

/// ARM's error object (`ErrorResponse` / `CloudError`'s `error`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ArmError {
    pub code: String,
    pub message: String,
    pub target: Option<String>,
    pub details: Vec<ArmError>,
    pub additional_info: Vec<Value>,
}

impl ArmError {
    /// Reads `{"error": {...}}`, the bare object, or an operation's `statusMessage`
    /// (`{"status": "Failed", "error": {...}}`, or a plain string).
    /// Texts are kept as Azure wrote them; `render` escapes them for the terminal.
    pub fn from_json(v: &Value) -> Option<ArmError> {
        ArmError::read(v, 0)
    }

    fn read(v: &Value, depth: usize) -> Option<ArmError> {
        match v {
            Value::String(s) if !s.is_empty() => Some(ArmError {
                code: String::new(),
                message: s.clone(),
                ..ArmError::default()
            }),
            Value::Object(o) => {
                if let Some(inner) = o.get("error").filter(|e| e.is_object()) {
                    return ArmError::read(inner, depth + 1);
                }
                let text = |k: &str| o.get(k).and_then(Value::as_str).map(str::to_string);
                let code = text("code").unwrap_or_default();
                let mut message = text("message").unwrap_or_default();
                // Details deeper than a person reads are left out (an answer nested thousands
                // deep would otherwise print thousands of lines).
                let mut details: Vec<ArmError> = o
                    .get("details")
                    .and_then(Value::as_array)
                    .filter(|_| depth < MAX_DETAIL_DEPTH)
                    .map(|d| d.iter().filter_map(|x| ArmError::read(x, depth + 1)).collect())
                    .unwrap_or_default();
                // Resource providers' errors often arrive as JSON text inside `message`
                // (`{"error":{"code":"CustomDomainInUse",...}}`): show the inner error.
                if message.trim_start().starts_with('{') {
                    if let Some(inner) = serde_json::from_str::<Value>(&prune(&message, MAX_JSON_DEPTH))
                        .ok()
                        .as_ref()
                        .and_then(|v| ArmError::read(v, depth + 1))
                    {
                        message = String::new();
                        details.insert(0, inner);
                    }
                }
                if code.is_empty() && message.is_empty() && details.is_empty() {
                    return None;
                }
                Some(ArmError {
                    code,
                    message,
                    target: text("target").filter(|t| !t.is_empty()),
                    details,
                    additional_info: o
                        .get("additionalInfo")
                        .and_then(Value::as_array)
                        .cloned()
                        .unwrap_or_default(),
                })
            }
            _ => None,
        }
    }

    /// The error of an HTTP answer: its JSON error, or the status and the start of the body.
    pub fn from_response(status: u16, body: &str) -> ArmError {
        // serde_json refuses JSON nested deeper than 128: cut it first, so the outer error
        // (the one that matters) still shows.
        let json: Value = serde_json::from_str(&prune(body, MAX_JSON_DEPTH)).unwrap_or(Value::Null);
        ArmError::from_json(&json).unwrap_or_else(|| {
            let text: String = body.trim().chars().take(300).collect();
            ArmError {
                code: format!("HTTP{status}"),
                message: if text.is_empty() {
                    format!("HTTP status {status} with no error body")
                } else {
                    text
                },
                ..ArmError::default()
            }
        })
    }

    /// `code: message`, or whichever of them is there.
    pub fn headline(&self) -> String {
        match (self.code.is_empty(), self.message.is_empty()) {
            (false, false) => format!("{}: {}", self.code, self.message),
            (false, true) => self.code.clone(),
            _ => self.message.clone(),
        }
    }

    /// Every code in this error and its details, depth first.
    pub fn codes(&self) -> Vec<&str> {
        let mut out = vec![self.code.as_str()];
        for d in &self.details {
            out.extend(d.codes());
        }
        out
    }

    /// The error with its details as an indented tree, one line per error, `target` under it.
    /// Azure's texts are escaped: an error message cannot drive the terminal.
    pub fn render(&self, indent: usize, out: &mut String) {
        let pad = " ".repeat(indent);
        let _ = writeln!(out, "{pad}{}", clean(&self.headline()));
        if let Some(t) = &self.target {
            let _ = writeln!(out, "{pad}  target: {}", clean(t));
        }
        for info in &self.additional_info {
            let kind = info.get("type").and_then(Value::as_str).unwrap_or("info");
            let body = info.get("info").map(Value::to_string).unwrap_or_default();
            let body: String = body.chars().take(400).collect();
            let _ = writeln!(out, "{pad}  {}: {}", clean(kind), clean(&body));
        }
        for d in &self.details {
            let _ = write!(out, "{pad}  - ");
            let mut inner = String::new();
            d.render(indent + 4, &mut inner);
            out.push_str(inner.trim_start());
        }
    }
}

/// Hints for the codes (and a few messages) that come up most when deploying this architecture.
pub fn hints(errors: &[&ArmError]) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    let mut add = |h: &'static str| {
        if !out.contains(&h) {
            out.push(h);
        }
    };
    for e in errors {
        let mut all = Vec::new();
        collect(e, &mut all);
        for x in all {
            if let Some(h) = hint(&x.code, &x.message) {
                add(h);
            }
        }
    }
    out
}

fn collect<'a>(e: &'a ArmError, out: &mut Vec<&'a ArmError>) {
    out.push(e);
    for d in &e.details {
        collect(d, out);
    }
}

fn hint(code: &str, message: &str) -> Option<&'static str> {
    Some(match code {
        "AuthorizationFailed" | "LinkedAuthorizationFailed" if message.contains("manageDenySetting") => {
            "a deployment stack with deny settings needs `Microsoft.Resources/deploymentStacks/manageDenySetting/action`: the Owner or Azure Deployment Stack Owner role on the resource group (or subscription)"
        }
        "AuthorizationFailed" | "LinkedAuthorizationFailed" if message.contains("deny assignment") => {
            "a deployment stack's deny assignment protects these resources: deploy with `--stack` as the principal the stack excludes (the one that created it), or change the stack"
        }
        "AuthorizationFailed" | "LinkedAuthorizationFailed" => {
            "the signed-in identity lacks a role: it needs Contributor on the resource group (or the subscription, to create the group); `az role assignment create --assignee <id> --role Contributor --scope <scope>`"
        }
        "ExpiredAuthenticationToken" => {
            "the token expired, and a new one was refused too: sign in again (`az login`, or renew the federated token), then follow the deployment with `az deployment group show`"
        }
        "InvalidAuthenticationToken" | "InvalidAuthenticationTokenAudience" => {
            "the token is not valid for this Resource Manager: check the topology's `cloud`, `--arm-endpoint`, and that the credential belongs to the right cloud"
        }
        "InvalidAuthenticationTokenTenant" => {
            "the token was issued by another tenant than the subscription's: `az login --tenant <tenant of the subscription>` or set AZURE_TENANT_ID"
        }
        "SubscriptionNotFound" | "InvalidSubscriptionId" => {
            "check the subscription: --subscription, AZURE_SUBSCRIPTION_ID or `az account set --subscription <id>`; the identity must have access to it"
        }
        "MissingSubscriptionRegistration" | "MissingRegistrationForType" | "NoRegisteredProviderFound" => {
            "register the resource provider on the subscription, e.g. `az provider register --namespace Microsoft.CognitiveServices` (also Microsoft.Network, Microsoft.Compute)"
        }
        "RequestDisallowedByPolicy" => {
            "an Azure Policy assignment denies this resource: the details name the policy; ask its owner for an exemption or change the topology to comply"
        }
        "DeploymentActive" => {
            "a deployment with this name is still running: wait for it (`az deployment group show`), cancel it (`az deployment group cancel`), or pass another --name"
        }
        "DeploymentQuotaExceeded" => {
            "the resource group holds 800 deployments in its history: delete old ones (`az deployment group delete -g <rg> -n <name>`)"
        }
        "InsufficientQuota" => {
            "not enough model quota in the account's region: lower `capacity` in `openai.deployments`, pick another `openai.location`, or request more quota"
        }
        "QuotaExceeded" | "OperationNotAllowed" if message.contains("uota") => {
            "not enough quota in this region for the resource the details name (VM cores, public IPs...): request more, or choose a smaller `jumpbox.size` or another region"
        }
        "CustomDomainInUse" => {
            "the account's custom subdomain is taken (it is global): set another `openai.custom_subdomain`"
        }
        "FlagMustBeSetForRestore" => {
            "an account with this name was deleted and is kept soft-deleted: purge it (`az cognitiveservices account purge`) or pick another `openai.name`"
        }
        "DeploymentModelNotSupported" | "InvalidResourceProperties" if message.contains("odel") => {
            "the model, version or SKU is not available in the account's region: check `openai.deployments` against the model availability table"
        }
        "LocationNotAvailableForResourceType" | "SkuNotAvailable" => {
            "this resource type or SKU is not offered in that region: choose another `location` (or `openai.location`)"
        }
        "InvalidTemplate" | "InvalidTemplateDeployment" if message.contains("parameter") => {
            "a template parameter is missing or invalid: pass it with `--parameter NAME=VALUE` (or NAME=@FILE)"
        }
        "ResourceGroupNotFound" => "the resource group does not exist, or the identity cannot see it",
        "InvalidParameter" | "BadRequest" if message.contains("EncryptionAtHost") => {
            "register the EncryptionAtHost feature: `az feature register --namespace Microsoft.Compute --name EncryptionAtHost`, or set `jumpbox.encryption_at_host: false`"
        }
        "ScopeLocked" => {
            "a delete lock (`locks: true`) protects this resource or one above it, so it cannot be deleted (a subnet of a locked VNet included): if the deletion is intended, remove the lock first (`az lock list -g <group> -o table`, then `az lock delete --ids <lock ID>`)"
        }
        "InUseSubnetCannotBeDeleted" => {
            "the VNet already has subnets this topology does not declare (incremental deployments still rewrite the VNet's subnet list): add them to the topology"
        }
        "NetcfgSubnetRangesOverlap" | "NetcfgInvalidSubnet" | "NetcfgSubnetRangeOutsideVnet" => {
            "an existing VNet or subnet in Azure conflicts with the address plan: compare `aoai-vnet plan` with the VNet in the portal"
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_the_shapes_arm_uses() {
        let e = ArmError::from_json(&json!({"error": {"code": "A", "message": "m", "target": "t",
            "details": [{"code": "B", "message": "n", "details": [{"code": "C", "message": "o"}]}]}}))
        .unwrap();
        assert_eq!(e.codes(), vec!["A", "B", "C"]);
        let op = ArmError::from_json(&json!({"status": "Failed", "error": {"code": "X", "message": "y"}})).unwrap();
        assert_eq!(op.headline(), "X: y");
        assert_eq!(ArmError::from_json(&json!("plain")).unwrap().message, "plain");
        assert!(ArmError::from_json(&json!({"status": "OK"})).is_none());
        let nested = ArmError::from_json(&json!({"code": "Conflict",
            "message": "{\"error\":{\"code\":\"CustomDomainInUse\",\"message\":\"taken\"}}"}))
        .unwrap();
        assert_eq!(nested.headline(), "Conflict");
        assert_eq!(nested.details[0].headline(), "CustomDomainInUse: taken");
        let raw = ArmError::from_response(502, "<html>bad gateway</html>");
        assert_eq!(raw.code, "HTTP502");
    }

    #[test]
    fn deep_answers_keep_their_outer_error() {
        let deep = format!(
            "{{\"error\": {{\"code\": \"Outer\", \"message\": \"m\", \"details\": [{}{}]}}}}",
            "{\"code\": \"D\", \"message\": \"x\", \"details\": [".repeat(5000),
            "]}".repeat(5000)
        );
        let e = ArmError::from_response(400, &deep);
        assert_eq!(e.code, "Outer");
        let mut s = String::new();
        e.render(2, &mut s);
        assert!(s.lines().count() < 20, "{s}");
        assert_eq!(prune("{\"a\": [[1], \"[[\"]}", 2), "{\"a\": [null, \"[[\"]}");
    }

    #[test]
    fn texts_are_escaped_when_rendered() {
        let e = ArmError::from_json(&json!({"code": "X", "message": "a\u{1b}[2Jb", "target": "t\u{202e}"})).unwrap();
        let mut s = String::new();
        e.render(0, &mut s);
        assert_eq!(s, "X: a\\u{1b}[2Jb\n  target: t\\u{202e}\n");
    }

    #[test]
    fn renders_details_with_targets() {
        let e = ArmError::from_json(&json!({"code": "DeploymentFailed", "message": "At least one failed.",
            "details": [{"code": "Conflict", "message": "taken", "target": "/x/y"}]}))
        .unwrap();
        let mut s = String::new();
        e.render(2, &mut s);
        assert_eq!(
            s,
            "  DeploymentFailed: At least one failed.\n    - Conflict: taken\n        target: /x/y\n"
        );
    }

    #[test]
    fn hints_come_from_nested_codes_once() {
        let e = ArmError::from_json(&json!({"code": "DeploymentFailed", "message": "x",
            "details": [{"code": "AuthorizationFailed", "message": "a"}, {"code": "AuthorizationFailed", "message": "b"}]}))
        .unwrap();
        assert_eq!(hints(&[&e]).len(), 1);
        let q = ArmError {
            code: "InsufficientQuota".into(),
            message: "no quota left".into(),
            ..Default::default()
        };
        assert!(hints(&[&q])[0].contains("capacity"));
    }

    #[test]
    fn stack_permissions_and_deny_assignments_get_their_own_hints() {
        let denied = ArmError::from_json(&json!({"code": "AuthorizationFailed",
            "message": "The client 'x' has permission to perform action 'Microsoft.CognitiveServices/accounts/write' on scope 'y'; however, the access is denied because of the deny assignment with name 'z'."}))
        .unwrap();
        assert!(hints(&[&denied])[0].contains("deny assignment protects"));
        let manage = ArmError::from_json(&json!({"code": "AuthorizationFailed",
            "message": "The client 'x' does not have authorization to perform action 'Microsoft.Resources/deploymentStacks/manageDenySetting/action'."}))
        .unwrap();
        assert!(hints(&[&manage])[0].contains("Azure Deployment Stack Owner"));
        let locked = ArmError::from_json(&json!({"code": "ScopeLocked", "message": "The scope cannot perform delete operation because following scope(s) are locked."})).unwrap();
        assert!(hints(&[&locked])[0].contains("remove the lock first"));
        let plain = ArmError::from_json(&json!({"code": "AuthorizationFailed", "message": "no"})).unwrap();
        assert!(hints(&[&plain])[0].contains("Contributor"));
    }
}
