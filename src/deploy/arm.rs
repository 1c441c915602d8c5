//! Azure Resource Manager's deployment API: resource groups, `validate`, `whatIf`, `PUT` of a
//! deployment and the long-running operation that follows, the per-resource operations, and the
//! final state with its outputs.
//!
//! Source: the REST reference of Microsoft.Resources ("Deployments - Create Or Update",
//! "Validate", "What If", "Deployment Operations - List", "Resource Groups - Create Or Update"),
//! and ARM's asynchronous-operation contract ("Track asynchronous Azure operations":
//! `Azure-AsyncOperation` first, else `Location`; `Retry-After`). The API version is
//! `azure::api_versions::RESOURCES`.

use super::answer::{self, provisioning_state};
use super::client::{check_url, path_segment, same_origin, Client, Method, Request, Response};
use super::credentials::{Credential, Tokens};
use super::error::{ArmError, AzureError, Error, Failure};
use crate::azure::api_versions;
use serde_json::{json, Map, Value};
use std::time::{Duration, Instant};
use ureq::http::Uri;

/// Where a deployment goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// `/subscriptions/{id}/resourcegroups/{name}`: a resource-group template.
    ResourceGroup {
        subscription: String,
        resource_group: String,
    },
    /// `/subscriptions/{id}`: a subscription-scope template (it creates its resource groups).
    Subscription { subscription: String },
}

impl Scope {
    pub fn subscription(&self) -> &str {
        match self {
            Scope::ResourceGroup { subscription, .. } | Scope::Subscription { subscription } => subscription,
        }
    }

    /// `/subscriptions/{id}/resourcegroups/{name}` or `/subscriptions/{id}`.
    pub fn path(&self) -> String {
        match self {
            Scope::ResourceGroup {
                subscription,
                resource_group,
            } => format!(
                "/subscriptions/{}/resourcegroups/{}",
                path_segment(subscription),
                path_segment(resource_group)
            ),
            Scope::Subscription { subscription } => format!("/subscriptions/{}", path_segment(subscription)),
        }
    }
}

/// A deployment to make: the template and the values of its parameters.
#[derive(Clone, Debug)]
pub struct Deployment {
    pub scope: Scope,
    pub name: String,
    /// Where a subscription-scope deployment's data is kept; unused at resource-group scope.
    pub location: String,
    pub template: Value,
    /// Parameter values by name (sent as `{"name": {"value": ...}}`); parameters not given take
    /// their `defaultValue` in Azure.
    pub parameters: Map<String, Value>,
}

impl Deployment {
    /// `.../providers/Microsoft.Resources/deployments/{name}`.
    pub fn path(&self) -> String {
        format!(
            "{}/providers/Microsoft.Resources/deployments/{}",
            self.scope.path(),
            path_segment(&self.name)
        )
    }

    /// The request body of PUT, validate and whatIf.
    pub fn body(&self) -> Value {
        self.body_with(json!({ "mode": "Incremental" }))
    }

    /// A request body: `location` at subscription scope, and `properties`: `settings` (an
    /// object), then the template and the parameter values.
    pub(super) fn body_with(&self, mut settings: Value) -> Value {
        let params: Map<String, Value> = self
            .parameters
            .iter()
            .map(|(k, v)| (k.clone(), json!({ "value": v })))
            .collect();
        settings["template"] = self.template.clone();
        settings["parameters"] = Value::Object(params);
        let mut body = Map::new();
        if matches!(self.scope, Scope::Subscription { .. }) {
            body.insert("location".into(), json!(self.location));
        }
        body.insert("properties".into(), settings);
        Value::Object(body)
    }
}

/// What `Arm` validates, deploys and follows: a deployment, or a deployment stack
/// (`super::stack::Stack`) that deploys the same template.
pub trait Deployable {
    /// The resource's path (`.../providers/Microsoft.Resources/deployments/{name}`).
    fn path(&self) -> String;
    fn api_version(&self) -> &'static str;
    /// The request body of PUT and validate.
    fn body(&self) -> Value;
    /// Where the per-resource operations are listed; `state` is the resource as last read, for
    /// what learns it from there (a stack's deployment).
    fn operations_of(&self, state: Option<&Value>) -> Option<String>;
    /// The outputs in the final state's `properties` (an empty object when there are none).
    fn outputs(&self, properties: &Value) -> Value {
        properties.get("outputs").cloned().unwrap_or_else(|| json!({}))
    }
}

impl Deployable for Deployment {
    fn path(&self) -> String {
        Deployment::path(self)
    }

    fn api_version(&self) -> &'static str {
        api_versions::RESOURCES
    }

    fn body(&self) -> Value {
        Deployment::body(self)
    }

    fn operations_of(&self, _: Option<&Value>) -> Option<String> {
        Some(format!("{}/operations", Deployment::path(self)))
    }
}

/// One entry of the deployment's operations: a resource being created or updated.
#[derive(Clone, Debug, PartialEq)]
pub struct Operation {
    pub id: String,
    /// `Running`, `Succeeded`, `Failed`...
    pub state: String,
    pub resource_type: String,
    pub resource_name: String,
    pub resource_id: String,
    pub duration: Option<Duration>,
    pub error: Option<ArmError>,
}

impl Operation {
    /// Reads an entry of `deployments/{name}/operations`; `None` for entries without a target
    /// resource (ARM's own steps, such as evaluating the outputs).
    pub fn from_json(v: &Value) -> Option<Operation> {
        let p = v.get("properties")?;
        let target = p.get("targetResource")?;
        let s = |o: &Value, k: &str| o.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
        let state = s(p, "provisioningState");
        let error = if state.eq_ignore_ascii_case("failed") {
            p.get("statusMessage").and_then(ArmError::from_json)
        } else {
            None
        };
        Some(Operation {
            id: {
                let id = s(v, "operationId");
                if id.is_empty() {
                    s(v, "id")
                } else {
                    id
                }
            },
            state,
            resource_type: s(target, "resourceType"),
            resource_name: s(target, "resourceName"),
            resource_id: s(target, "id"),
            duration: p.get("duration").and_then(Value::as_str).and_then(parse_iso_duration),
            error,
        })
    }

    pub fn is_failed(&self) -> bool {
        self.state.eq_ignore_ascii_case("failed")
    }
}

/// What `deploy` reports while it follows a deployment.
pub trait Watch {
    /// After each poll: the deployment's state (`Running`, `Succeeded`...) and its operations.
    fn update(&mut self, state: &str, operations: &[Operation]);
}

/// A client of Azure Resource Manager.
pub struct Arm {
    http: Client,
    endpoint: Uri,
    base: String,
    tokens: Tokens,
    /// When polling gives up (`deploy --timeout`): a server that never finishes, or that
    /// answers "still running" forever, cannot keep the run going.
    deadline: Option<(Instant, Duration)>,
}

/// The polling interval when ARM gives no `Retry-After`, the shortest (a `Retry-After: 0` does
/// not make a busy loop) and the longest wait between polls.
const DEFAULT_POLL: Duration = Duration::from_secs(5);
const MIN_POLL: Duration = Duration::from_secs(1);
const MAX_POLL: Duration = Duration::from_secs(60);

impl Arm {
    /// `endpoint` is the Resource Manager URL (`https://management.azure.com`), checked by the
    /// transport rule (`https`, or `http` to loopback).
    pub fn new(endpoint: &str, credential: Box<dyn Credential>, http: Client) -> Result<Arm, Error> {
        let base = endpoint.trim_end_matches('/').to_string();
        let uri = check_url(&base)?;
        if !uri.path().trim_matches('/').is_empty() || uri.query().is_some() {
            return Err(Error::Usage(format!(
                "the Resource Manager endpoint `{endpoint}` must be a bare origin such as https://management.azure.com"
            )));
        }
        Ok(Arm {
            http,
            endpoint: uri,
            base,
            tokens: Tokens::new(credential),
            deadline: None,
        })
    }

    /// Stops polling (validation, what-if, the deployment) `limit` from now.
    pub fn set_deadline(&mut self, limit: Duration) {
        self.deadline = Some((Instant::now().checked_add(limit).unwrap_or_else(far_future), limit));
    }

    /// Waits between two polls, never past the deadline; an error once it has passed.
    fn pause(&self, interval: Duration, during: &str) -> Result<(), Error> {
        let mut wait = self.http.scaled(interval);
        if let Some((at, limit)) = self.deadline {
            wait = wait.min(at.saturating_duration_since(Instant::now()));
            std::thread::sleep(wait);
            if Instant::now() >= at {
                return Err(Error::Network(format!(
                    "{during}: still not finished after {} (--timeout); stopped waiting",
                    super::progress::human(limit)
                )));
            }
            return Ok(());
        }
        if !wait.is_zero() {
            std::thread::sleep(wait);
        }
        Ok(())
    }

    pub fn credential(&self) -> String {
        self.tokens.describe()
    }

    pub fn endpoint(&self) -> &str {
        &self.base
    }

    /// Gets a token now, so that a credential problem shows before anything else.
    pub fn sign_in(&self) -> Result<(), Error> {
        self.tokens.bearer(&self.http).map(|_| ())
    }

    fn url(&self, path: &str) -> String {
        self.url_at(path, api_versions::RESOURCES)
    }

    fn url_at(&self, path: &str, api_version: &str) -> String {
        format!("{}{path}?api-version={api_version}", self.base)
    }

    /// The object ID of the principal the token was issued to (for a stack's deny settings).
    pub fn principal_id(&self) -> Result<String, Error> {
        super::principal::object_id(&self.tokens.bearer(&self.http)?)
    }

    /// Sends an authenticated request to Resource Manager; any status but 2xx is an error.
    fn call(&self, method: Method, url: &str, body: Option<&Value>, during: &str) -> Result<Response, Error> {
        let resp = self.call_raw(method, url, body, during)?;
        if resp.is_success() {
            Ok(resp)
        } else {
            Err(azure_error(&resp, during))
        }
    }

    /// As `call`, returning error statuses too. Refuses URLs of another origin than the
    /// endpoint (polling URLs come from the server; the token must not go anywhere else). A
    /// successful answer must be JSON. A token that expired on the way is renewed once.
    fn call_raw(&self, method: Method, url: &str, body: Option<&Value>, during: &str) -> Result<Response, Error> {
        // Every URL but the endpoint's own comes from Resource Manager's answers: a bad one is
        // Azure's (or a proxy's) failure, not the user's.
        let uri = check_url(url).map_err(|e| {
            Error::Network(format!(
                "{during}: Resource Manager sent a URL to follow that cannot be used: {e}"
            ))
        })?;
        if !same_origin(&uri, &self.endpoint) {
            return Err(Error::Network(format!(
                "Resource Manager pointed to `{}`, which is not {}: refusing to send the token there",
                crate::term::clean(&super::client::origin(&uri)),
                self.base
            )));
        }
        let what = format!("Azure Resource Manager ({during})");
        let send = |renew: bool| -> Result<Response, Error> {
            if renew {
                self.tokens.forget();
            }
            let mut req = Request::new(method, url).header("Authorization", self.tokens.bearer(&self.http)?);
            if let Some(b) = body {
                req = req.json(b);
            }
            self.http.send(&req, &what)
        };
        let mut resp = send(false)?;
        if resp.status == 401 && ArmError::from_response(401, &resp.body).code == "ExpiredAuthenticationToken" {
            // The token ran out during a long deployment (or the clock is off): one new one.
            resp = send(true)?;
        }
        if resp.is_success() {
            answer::json(&resp, during)?;
        }
        Ok(resp)
    }

    /// Whether the resource group exists.
    pub fn resource_group_exists(&self, subscription: &str, name: &str) -> Result<bool, Error> {
        let url = self.url(&rg_path(subscription, name));
        let during = format!("reading resource group {name}");
        let resp = self.call_raw(Method::Get, &url, None, &during)?;
        match resp.status {
            200..=299 => answer::object(&resp, &during).map(|_| true),
            404 => Ok(false),
            _ => Err(azure_error(&resp, &format!("reading resource group {name}"))),
        }
    }

    /// Creates (or updates) a resource group.
    pub fn create_resource_group(&self, subscription: &str, name: &str, location: &str) -> Result<(), Error> {
        let url = self.url(&rg_path(subscription, name));
        self.call(
            Method::Put,
            &url,
            Some(&json!({ "location": location })),
            &format!("creating resource group {name}"),
        )
        .map(|_| ())
    }

    /// `POST .../validate`: ARM's checks of the template against the target, without deploying.
    pub fn validate(&self, d: &impl Deployable) -> Result<Value, Error> {
        self.post_action(d, "validate", "validating the deployment")
            .map(|(_, json)| json)
    }

    /// POSTs the deployment to one of its actions (`validate`, `whatIf`), follows a `Location`
    /// answer, and turns an `error` in the final body into an Azure error.
    fn post_action(&self, d: &impl Deployable, action: &str, during: &str) -> Result<(Response, Value), Error> {
        let url = self.url_at(&format!("{}/{action}", d.path()), d.api_version());
        let resp = self.call(Method::Post, &url, Some(&d.body()), during)?;
        let resp = self.follow_location(resp, during)?;
        let json = answer::object(&resp, during)?;
        if let Some(e) = json.get("error").and_then(ArmError::from_json) {
            return Err(Error::Azure(Box::new(AzureError {
                during: during.into(),
                status: resp.status,
                error: e,
                correlation_id: correlation(&resp),
            })));
        }
        Ok((resp, json))
    }

    /// `POST .../whatIf`: the predicted changes (a `WhatIfOperationResult`).
    pub fn what_if(&self, d: &Deployment) -> Result<Value, Error> {
        let during = "running what-if";
        let (resp, json) = self.post_action(d, "whatIf", during)?;
        let failed = json
            .get("status")
            .and_then(Value::as_str)
            .is_some_and(|s| s.eq_ignore_ascii_case("failed"));
        if failed {
            return Err(Error::Azure(Box::new(AzureError {
                during: during.into(),
                status: resp.status,
                error: ArmError {
                    code: "WhatIfFailed".into(),
                    message: "what-if ended Failed without an error".into(),
                    ..ArmError::default()
                },
                correlation_id: correlation(&resp),
            })));
        }
        Ok(json)
    }

    /// Polls a `202 Accepted` answer's `Location` until it answers with something else.
    fn follow_location(&self, mut resp: Response, during: &str) -> Result<Response, Error> {
        while resp.status == 202 {
            let Some(location) = resp.header("location").map(str::to_string) else {
                return Ok(resp);
            };
            self.pause(poll_interval(&resp), during)?;
            resp = self.call(Method::Get, &self.absolute(&location), None, during)?;
        }
        Ok(resp)
    }

    fn absolute(&self, url: &str) -> String {
        if url.starts_with('/') {
            format!("{}{url}", self.base)
        } else {
            url.to_string()
        }
    }

    /// The operations listed at `path` (a deployment's `.../operations`), all pages.
    pub fn operations(&self, path: &str) -> Result<Vec<Operation>, Error> {
        let mut url = self.url(path);
        let mut out = Vec::new();
        for _ in 0..50 {
            let during = "listing the deployment's operations";
            let resp = self.call(Method::Get, &url, None, during)?;
            let json = answer::object(&resp, during)?;
            if let Some(items) = json.get("value").and_then(Value::as_array) {
                out.extend(items.iter().filter_map(Operation::from_json));
            }
            match json.get("nextLink").and_then(Value::as_str) {
                Some(next) if !next.is_empty() => url = self.absolute(next),
                _ => break,
            }
        }
        Ok(out)
    }

    /// The deployment resource (`properties.provisioningState`, `outputs`, `error`).
    pub fn get(&self, d: &impl Deployable) -> Result<Value, Error> {
        let url = self.url_at(&d.path(), d.api_version());
        let during = "reading the deployment";
        let v = answer::object(&self.call(Method::Get, &url, None, during)?, during)?;
        if provisioning_state(&v).is_none() {
            return Err(Error::Network(format!(
                "{during}: Resource Manager's answer has no `properties.provisioningState`"
            )));
        }
        Ok(v)
    }

    /// Deploys: `start`, then `follow`.
    pub fn deploy(&self, d: &impl Deployable, watch: &mut dyn Watch) -> Result<Value, Error> {
        let started = self.start(d)?;
        self.follow(d, started, watch)
    }

    /// `PUT` the deployment. Once this returns, the deployment runs in Azure whatever happens here.
    pub fn start(&self, d: &impl Deployable) -> Result<Started, Error> {
        let url = self.url_at(&d.path(), d.api_version());
        let during = "starting the deployment";
        let put = self.call(Method::Put, &url, Some(&d.body()), during)?;
        let json = answer::object(&put, during)?;
        Ok(Started {
            poll: Poll {
                async_operation: put.header("azure-asyncoperation").map(|u| self.absolute(u)),
                location: put.header("location").map(|u| self.absolute(u)),
                interval: poll_interval(&put),
            },
            state: provisioning_state(&json).unwrap_or_else(|| "Accepted".into()),
        })
    }

    /// Follows a started deployment to its end, reporting to `watch` after each poll. Returns the
    /// deployment's `properties.outputs` (an empty object when it has none).
    pub fn follow(&self, d: &impl Deployable, started: Started, watch: &mut dyn Watch) -> Result<Value, Error> {
        let Started { mut poll, mut state } = started;
        let mut operations = Vec::new();
        let mut listed = d.operations_of(None);
        loop {
            if is_terminal(&state) && poll.async_operation.is_none() && poll.location.is_none() {
                break;
            }
            self.pause(poll.interval, "following the deployment")?;
            state = self.poll_state(d, &mut poll)?;
            // The operations only feed the live view: a failure to list them is not the
            // deployment's failure. A stack says which deployment it runs when it is read.
            if d.operations_of(None).is_none() {
                listed = self.get(d).ok().and_then(|v| d.operations_of(Some(&v))).or(listed);
            }
            if let Some(Ok(ops)) = listed.as_deref().map(|p| self.operations(p)) {
                operations = ops;
            }
            watch.update(&state, &operations);
            if is_terminal(&state) {
                break;
            }
        }
        let deployment = self.get(d)?;
        let final_state = provisioning_state(&deployment).unwrap_or(state);
        let props = deployment.get("properties").cloned().unwrap_or(Value::Null);
        if final_state.eq_ignore_ascii_case("succeeded") {
            return Ok(d.outputs(&props));
        }
        if !is_terminal(&final_state) {
            return Err(Error::Network(format!(
                "the deployment's operation ended but the deployment is still `{final_state}`"
            )));
        }
        let listed = d.operations_of(Some(&deployment)).or(listed);
        let operations = listed.and_then(|p| self.operations(&p).ok()).unwrap_or(operations);
        Err(Error::Failed(Box::new(Failure {
            state: final_state,
            error: props.get("error").and_then(ArmError::from_json),
            failed: operations.into_iter().filter(Operation::is_failed).collect(),
        })))
    }

    /// One poll of the deployment's state, by the asynchronous-operation contract.
    fn poll_state(&self, d: &impl Deployable, poll: &mut Poll) -> Result<String, Error> {
        let during = "following the deployment";
        if let Some(url) = poll.async_operation.clone() {
            let resp = self.call(Method::Get, &url, None, during)?;
            poll.interval = poll_interval(&resp);
            let status = answer::operation_status(&resp, during)?;
            if is_terminal(&status) {
                poll.async_operation = None;
            }
            return Ok(status);
        }
        if let Some(url) = poll.location.clone() {
            let resp = self.call(Method::Get, &url, None, during)?;
            poll.interval = poll_interval(&resp);
            if resp.status == 202 {
                return Ok("Running".into());
            }
            poll.location = None;
            let json = answer::json(&resp, during)?;
            return Ok(provisioning_state(&json).unwrap_or_else(|| "Succeeded".into()));
        }
        let json = self.get(d)?;
        Ok(provisioning_state(&json).unwrap_or_else(|| "Running".into()))
    }
}

/// A deployment that `start` submitted: how to poll it.
#[derive(Debug)]
pub struct Started {
    poll: Poll,
    state: String,
}

#[derive(Debug)]
struct Poll {
    async_operation: Option<String>,
    location: Option<String>,
    interval: Duration,
}

fn rg_path(subscription: &str, name: &str) -> String {
    format!(
        "/subscriptions/{}/resourcegroups/{}",
        path_segment(subscription),
        path_segment(name)
    )
}

/// `Succeeded`, `Failed` and `Canceled` end a deployment; everything else means it goes on.
pub fn is_terminal(state: &str) -> bool {
    ["succeeded", "failed", "canceled", "cancelled"]
        .iter()
        .any(|s| state.eq_ignore_ascii_case(s))
}

fn poll_interval(resp: &Response) -> Duration {
    resp.retry_after().unwrap_or(DEFAULT_POLL).clamp(MIN_POLL, MAX_POLL)
}

/// An instant far enough away to be "never" (`Instant` has no maximum).
fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(100 * 365 * 24 * 3600)
}

fn correlation(resp: &Response) -> Option<String> {
    resp.header("x-ms-correlation-request-id").map(str::to_string)
}

fn azure_error(resp: &Response, during: &str) -> Error {
    Error::Azure(Box::new(AzureError {
        during: during.to_string(),
        status: resp.status,
        error: ArmError::from_response(resp.status, &resp.body),
        correlation_id: correlation(resp),
    }))
}

/// An ISO 8601 duration as ARM writes them (`PT1M23.456S`, `PT2H`, `P1DT2H`).
pub fn parse_iso_duration(s: &str) -> Option<Duration> {
    let rest = s.strip_prefix('P')?;
    let (days, time) = match rest.split_once('T') {
        Some((d, t)) => (d, t),
        None => (rest, ""),
    };
    let mut secs = 0.0f64;
    let mut take = |text: &str, units: &[(char, f64)]| -> Option<()> {
        let mut num = String::new();
        for c in text.chars() {
            if c.is_ascii_digit() || c == '.' {
                num.push(c);
            } else {
                let (_, mult) = units.iter().find(|(u, _)| *u == c)?;
                secs += num.parse::<f64>().ok()? * mult;
                num.clear();
            }
        }
        num.is_empty().then_some(())
    };
    take(days, &[('D', 86400.0)])?;
    take(time, &[('H', 3600.0), ('M', 60.0), ('S', 1.0)])?;
    // `PT99999999999999999999999S` is longer than a `Duration`: the longest one, not a panic.
    Some(Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_by_scope() {
        let mut d = Deployment {
            scope: Scope::ResourceGroup {
                subscription: "s".into(),
                resource_group: "rg one".into(),
            },
            name: "aoai-vnet-x".into(),
            location: "eastus".into(),
            template: json!({}),
            parameters: Map::new(),
        };
        assert_eq!(
            d.path(),
            "/subscriptions/s/resourcegroups/rg%20one/providers/Microsoft.Resources/deployments/aoai-vnet-x"
        );
        assert!(d.body().get("location").is_none());
        d.scope = Scope::Subscription {
            subscription: "s".into(),
        };
        d.parameters.insert("k".into(), json!("v"));
        assert_eq!(
            d.path(),
            "/subscriptions/s/providers/Microsoft.Resources/deployments/aoai-vnet-x"
        );
        let body = d.body();
        assert_eq!(body["location"], "eastus");
        assert_eq!(body["properties"]["mode"], "Incremental");
        assert_eq!(body["properties"]["parameters"]["k"]["value"], "v");
    }

    #[test]
    fn durations() {
        assert_eq!(parse_iso_duration("PT1M23.5S"), Some(Duration::from_secs_f64(83.5)));
        assert_eq!(parse_iso_duration("PT2H"), Some(Duration::from_secs(7200)));
        assert_eq!(parse_iso_duration("P1DT1S"), Some(Duration::from_secs(86401)));
        assert_eq!(parse_iso_duration("PT0.0331S").map(|d| d.as_millis()), Some(33));
        assert_eq!(parse_iso_duration("12s"), None);
        assert_eq!(parse_iso_duration("PT99999999999999999999999S"), Some(Duration::MAX));
    }

    #[test]
    fn operations_without_a_target_are_skipped() {
        let op = json!({"operationId": "1", "properties": {"provisioningState": "Failed",
            "targetResource": {"id": "/x", "resourceType": "T/t", "resourceName": "n"},
            "statusMessage": {"status": "Failed", "error": {"code": "C", "message": "m"}}}});
        let o = Operation::from_json(&op).unwrap();
        assert!(o.is_failed());
        assert_eq!(o.error.unwrap().code, "C");
        assert!(
            Operation::from_json(&json!({"properties": {"provisioningOperation": "EvaluateDeploymentOutput"}}))
                .is_none()
        );
    }
}
