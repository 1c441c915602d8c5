//! A fake Azure Resource Manager (and Entra ID token endpoint, managed-identity endpoints) for the
//! deploy tests: an HTTP/1.1 server on 127.0.0.1 that answers from a script and records every
//! request, so tests can assert what was (and was not) sent. Nothing here reaches anything but
//! loopback.

#![allow(dead_code)]

use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const SUB: &str = "11111111-2222-3333-4444-555555555555";
pub const TENANT: &str = "99999999-8888-7777-6666-555555555555";
pub const SP_TOKEN: &str = "sp-token-3f9a-NEVER-PRINT";
pub const CLI_TOKEN: &str = "cli-token-77c1-NEVER-PRINT";
pub const MI_TOKEN: &str = "mi-token-5d2e-NEVER-PRINT";
pub const CLIENT_SECRET: &str = "client-secret-0b8e-NEVER-PRINT";
/// An access token shaped as Entra ID issues them (a JWT), for `deploy --stack`, which reads the
/// deploying principal's object ID (`oid`, `DEPLOYER`) from it. The signature part is a marker.
pub const SP_JWT: &str = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdWQiOiJodHRwczovL21hbmFnZW1lbnQuY29yZS53aW5kb3dzLm5ldC8iLCJpc3MiOiJodHRwczovL3N0cy53aW5kb3dzLm5ldC85OTk5OTk5OS04ODg4LTc3NzctNjY2Ni01NTU1NTU1NTU1NTUvIiwib2lkIjoiNWUxZjBjMmEtN2IzZC00YzhlLTlhNmYtMmQ0YjhjMGUxZjNhIiwidGlkIjoiOTk5OTk5OTktODg4OC03Nzc3LTY2NjYtNTU1NTU1NTU1NTU1IiwiaWR0eXAiOiJhcHAifQ.ZmFrZS1zaWduYXR1cmUtTkVWRVItUFJJTlQ";
/// The object ID in `SP_JWT`.
pub const DEPLOYER: &str = "5e1f0c2a-7b3d-4c8e-9a6f-2d4b8c0e1f3a";

/// A recorded request.
#[derive(Clone, Debug)]
pub struct Req {
    pub method: String,
    /// Path and query, as sent.
    pub target: String,
    /// Names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// When it arrived.
    pub at: Instant,
}

impl Req {
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }

    pub fn query(&self, key: &str) -> Option<String> {
        let q = self.target.split_once('?')?.1;
        decode_pairs(q).remove(key)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers.iter().find(|(k, _)| *k == name).map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }

    pub fn form(&self) -> HashMap<String, String> {
        decode_pairs(&self.body)
    }
}

fn decode_pairs(s: &str) -> HashMap<String, String> {
    s.split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (decode(k), decode(v)))
        .collect()
}

fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap()
}

/// A scripted answer.
#[derive(Clone, Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Resp {
    pub fn json(status: u16, v: Value) -> Resp {
        Resp {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: v.to_string(),
        }
    }

    pub fn empty(status: u16) -> Resp {
        Resp {
            status,
            headers: Vec::new(),
            body: String::new(),
        }
    }

    pub fn header(mut self, k: &str, v: &str) -> Resp {
        self.headers.push((k.into(), v.into()));
        self
    }

    pub fn error(status: u16, code: &str, message: &str) -> Resp {
        Resp::json(status, json!({"error": {"code": code, "message": message}}))
    }
}

type Handler = dyn Fn(&Req, &str) -> Resp + Send + Sync;

/// The server: `url` is `http://127.0.0.1:PORT`.
pub struct Fake {
    pub url: String,
    log: Arc<Mutex<Vec<Req>>>,
}

impl Fake {
    /// Starts a server answering every request with `handler(request, base_url)`.
    pub fn start(handler: impl Fn(&Req, &str) -> Resp + Send + Sync + 'static) -> Fake {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let log = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let (l, base) = (log.clone(), url.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (l, h, base) = (l.clone(), handler.clone(), base.clone());
                std::thread::spawn(move || serve(stream, &l, &*h, &base));
            }
        });
        Fake { url, log }
    }

    pub fn requests(&self) -> Vec<Req> {
        self.log.lock().unwrap().clone()
    }

    /// Requests with this method whose path contains `part`.
    pub fn count(&self, method: &str, part: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.method == method && r.path().contains(part))
            .count()
    }
}

fn serve(stream: TcpStream, log: &Mutex<Vec<Req>>, handler: &Handler, base: &str) {
    stream.set_read_timeout(Some(Duration::from_secs(20))).ok();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = line.split_whitespace();
        let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
            return;
        };
        let (method, target) = (method.to_string(), target.to_string());
        let mut headers = Vec::new();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
            }
        }
        let get = |n: &str| headers.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
        let mut body = Vec::new();
        if get("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
            loop {
                let mut size = String::new();
                reader.read_line(&mut size).unwrap();
                let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
                let mut chunk = vec![0; n + 2];
                reader.read_exact(&mut chunk).unwrap();
                if n == 0 {
                    break;
                }
                body.extend_from_slice(&chunk[..n]);
            }
        } else if let Some(n) = get("content-length").and_then(|v| v.parse::<usize>().ok()) {
            body = vec![0; n];
            if reader.read_exact(&mut body).is_err() {
                return;
            }
        }
        let req = Req {
            method,
            target,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
            at: Instant::now(),
        };
        log.lock().unwrap().push(req.clone());
        let resp = handler(&req, base);
        if resp.status == 0 {
            // Status 0: drop the connection without answering (a network failure).
            return;
        }
        let mut head = format!("HTTP/1.1 {} X\r\nContent-Length: {}\r\n", resp.status, resp.body.len());
        for (k, v) in &resp.headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        if writer.write_all(head.as_bytes()).is_err() || writer.write_all(resp.body.as_bytes()).is_err() {
            return;
        }
        let _ = writer.flush();
    }
}

/// How the PUT of a deployment is followed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lro {
    AsyncOperation,
    Location,
}

/// How the deployment ends.
#[derive(Clone, Debug)]
pub enum Outcome {
    Succeeded(Value),
    Failed {
        error: Value,
        failed_op: Value,
    },
    /// Never ends (for the Ctrl-C test).
    Never,
}

/// A scripted Resource Manager with an Entra ID token endpoint and managed-identity endpoints.
pub struct Script {
    pub rg_exists: bool,
    pub validate: Option<Resp>,
    pub what_if: Value,
    pub running_polls: usize,
    pub lro: Lro,
    pub outcome: Outcome,
    /// One-shot faults: the first request matching (method, path suffix) gets the answer.
    pub faults: Vec<(&'static str, &'static str, Resp)>,
    /// Tokens the server accepts.
    pub tokens: Vec<&'static str>,
    /// What the Entra ID token endpoint issues.
    pub access_token: &'static str,
}

impl Default for Script {
    fn default() -> Script {
        Script {
            rg_exists: false,
            validate: None,
            what_if: what_if_result(),
            running_polls: 2,
            lro: Lro::AsyncOperation,
            outcome: Outcome::Succeeded(outputs()),
            faults: Vec::new(),
            tokens: vec![SP_TOKEN, CLI_TOKEN, MI_TOKEN, SP_JWT],
            access_token: SP_TOKEN,
        }
    }
}

pub fn outputs() -> Value {
    json!({
        "openaiAccountName": {"type": "String", "value": "oai-demo"},
        "openaiEndpoint": {"type": "String", "value": "https://oai-demo.openai.azure.com/"},
        "privateEndpointIp": {"type": "String", "value": "10.0.1.4"},
        "vnetIds": {"type": "Array", "value": ["/subscriptions/x/vnet-a"]}
    })
}

pub fn what_if_result() -> Value {
    let rg = format!("/subscriptions/{SUB}/resourceGroups/rg-demo");
    json!({"status": "Succeeded", "properties": {"changes": [
        {"resourceId": format!("{rg}/providers/Microsoft.Network/virtualNetworks/vnet-demo-main"), "changeType": "Modify",
         "before": {"apiVersion": "2025-05-01"}, "after": {"apiVersion": "2025-05-01"},
         "delta": [{"path": "tags.env", "propertyChangeType": "Modify", "before": "dev", "after": "prod"}]},
        {"resourceId": format!("{rg}/providers/Microsoft.CognitiveServices/accounts/oai-demo"), "changeType": "Create",
         "after": {"apiVersion": "2025-06-01"}},
        {"resourceId": format!("{rg}/providers/Microsoft.Network/publicIPAddresses/pip-old"), "changeType": "Delete",
         "before": {"apiVersion": "2025-05-01"}},
        {"resourceId": format!("{rg}/providers/Microsoft.Network/privateDnsZones/privatelink.openai.azure.com"), "changeType": "NoChange",
         "before": {"apiVersion": "2024-06-01"}}
    ]}})
}

fn op(id: &str, ty: &str, name: &str, state: &str) -> Value {
    json!({"id": format!("/ops/{id}"), "operationId": id, "properties": {
        "provisioningOperation": "Create", "provisioningState": state, "duration": "PT4.5S",
        "targetResource": {"id": format!("/subscriptions/{SUB}/x/{name}"), "resourceType": ty, "resourceName": name}}})
}

impl Script {
    /// The handler for `Fake::start`.
    pub fn handler(self) -> impl Fn(&Req, &str) -> Resp + Send + Sync + 'static {
        let state = Mutex::new((self, false, 0usize, false));
        move |req: &Req, base: &str| {
            let mut st = state.lock().unwrap();
            let (script, rg_created, polls, finished) = &mut *st;
            if let Some(i) = script
                .faults
                .iter()
                .position(|(m, p, _)| *m == req.method && req.path().ends_with(p))
            {
                return script.faults.remove(i).2;
            }
            let path = req.path().to_string();
            // Entra ID token endpoint.
            if path.ends_with("/oauth2/v2.0/token") {
                return Resp::json(
                    200,
                    json!({"token_type": "Bearer", "expires_in": 3599, "access_token": script.access_token}),
                );
            }
            // Managed identity: App Service style, and the instance metadata service.
            if path == "/msi/token" || path == "/metadata/identity/oauth2/token" {
                return Resp::json(
                    200,
                    json!({"access_token": MI_TOKEN, "expires_on": "4102444800", "resource": req.query("resource"), "token_type": "Bearer"}),
                );
            }
            let authorized = req
                .header("authorization")
                .and_then(|h| h.strip_prefix("Bearer "))
                .is_some_and(|t| script.tokens.contains(&t));
            if !authorized {
                return Resp::error(401, "InvalidAuthenticationToken", "The access token is invalid.");
            }
            if req.query("api-version").is_none() && !path.starts_with("/lro/") {
                return Resp::error(
                    400,
                    "MissingApiVersionParameter",
                    "The api-version query parameter is required.",
                );
            }
            let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
            // Resource groups.
            if segs.len() == 4 && segs[0] == "subscriptions" && segs[2].eq_ignore_ascii_case("resourcegroups") {
                return match req.method.as_str() {
                    "GET" if script.rg_exists || *rg_created => Resp::json(
                        200,
                        json!({"name": segs[3], "properties": {"provisioningState": "Succeeded"}}),
                    ),
                    "GET" => Resp::error(404, "ResourceGroupNotFound", "Resource group could not be found."),
                    "PUT" => {
                        *rg_created = true;
                        Resp::json(201, json!({"name": segs[3], "location": req.json()["location"]}))
                    }
                    _ => Resp::error(405, "MethodNotAllowed", "no"),
                };
            }
            let deployment = |state: &str, outcome: &Outcome| -> Value {
                let mut props = json!({"provisioningState": state});
                match outcome {
                    Outcome::Succeeded(o) if state == "Succeeded" => props["outputs"] = o.clone(),
                    Outcome::Failed { error, .. } if state == "Failed" => props["error"] = error.clone(),
                    _ => {}
                }
                json!({"name": "d", "properties": props})
            };
            let done_state = match &script.outcome {
                Outcome::Succeeded(_) => "Succeeded",
                Outcome::Failed { .. } => "Failed",
                Outcome::Never => "Running",
            };
            let lro_running = |polls: &mut usize, finished: &mut bool, n: usize| -> bool {
                *polls += 1;
                if *polls > n && !matches!(script.outcome, Outcome::Never) {
                    *finished = true;
                }
                !*finished
            };
            if path == "/lro/deployment-status" {
                if lro_running(polls, finished, script.running_polls) {
                    return Resp::json(200, json!({"status": "Running"})).header("Retry-After", "0");
                }
                return Resp::json(200, json!({"status": done_state}));
            }
            if path == "/lro/deployment-location" {
                if lro_running(polls, finished, script.running_polls) {
                    return Resp::empty(202)
                        .header("Location", &format!("{base}/lro/deployment-location"))
                        .header("Retry-After", "0");
                }
                return Resp::json(200, deployment(done_state, &script.outcome));
            }
            if path == "/lro/what-if" {
                return Resp::json(200, script.what_if.clone());
            }
            // Deployment stacks: PUT answers 201 with an Azure-AsyncOperation, GET shows the
            // stack with the deployment it runs (whose operations the deployments route lists).
            if path == "/lro/stack-status" {
                if lro_running(polls, finished, script.running_polls) {
                    return Resp::json(200, json!({"status": "Running"})).header("Retry-After", "0");
                }
                return Resp::json(200, json!({"status": done_state}));
            }
            if let Some(i) = path.find("/providers/Microsoft.Resources/deploymentStacks/") {
                let rest = &path[i + "/providers/Microsoft.Resources/deploymentStacks/".len()..];
                let (stack, action) = rest.split_once('/').unwrap_or((rest, ""));
                let deployment_id = format!(
                    "{}/providers/Microsoft.Resources/deployments/{stack}-20261130-fake",
                    &path[..i]
                );
                let body = |state: &str| {
                    let mut props = json!({"provisioningState": state, "deploymentId": deployment_id});
                    match &script.outcome {
                        Outcome::Succeeded(o) if state == "succeeded" => props["outputs"] = o.clone(),
                        Outcome::Failed { error, .. } if state == "failed" => props["error"] = error.clone(),
                        _ => {}
                    }
                    json!({"name": stack, "type": "Microsoft.Resources/deploymentStacks", "properties": props})
                };
                return match (req.method.as_str(), action) {
                    ("POST", "validate") => script
                        .validate
                        .clone()
                        .unwrap_or_else(|| Resp::json(200, json!({"properties": {"validatedResources": []}}))),
                    ("PUT", "") => Resp::json(201, body("creating"))
                        .header("Azure-AsyncOperation", &format!("{base}/lro/stack-status"))
                        .header("Retry-After", "0"),
                    ("GET", "") => {
                        let state = match (*finished, &script.outcome) {
                            (true, Outcome::Succeeded(_)) => "succeeded",
                            (true, Outcome::Failed { .. }) => "failed",
                            _ => "deploying",
                        };
                        Resp::json(200, body(state))
                    }
                    _ => Resp::error(404, "NotFound", "no such route in the fake"),
                };
            }
            if let Some(i) = path.find("/providers/Microsoft.Resources/deployments/") {
                let rest = &path[i + "/providers/Microsoft.Resources/deployments/".len()..];
                let (_, action) = rest.split_once('/').unwrap_or((rest, ""));
                let rg_scope = path.contains("/resourcegroups/");
                if rg_scope && !script.rg_exists && !*rg_created {
                    return Resp::error(404, "ResourceGroupNotFound", "Resource group could not be found.");
                }
                return match (req.method.as_str(), action) {
                    ("POST", "validate") => script.validate.clone().unwrap_or_else(|| {
                        Resp::json(
                            200,
                            json!({"properties": {"provisioningState": "Succeeded", "validatedResources": []}}),
                        )
                    }),
                    ("POST", "whatIf") => Resp::empty(202)
                        .header("Location", &format!("{base}/lro/what-if"))
                        .header("Retry-After", "0"),
                    ("PUT", "") => {
                        let header = match script.lro {
                            Lro::AsyncOperation => ("Azure-AsyncOperation", format!("{base}/lro/deployment-status")),
                            Lro::Location => ("Location", format!("{base}/lro/deployment-location")),
                        };
                        Resp::json(201, deployment("Accepted", &script.outcome))
                            .header(header.0, &header.1)
                            .header("Retry-After", "0")
                    }
                    ("GET", "operations") => {
                        let mut ops = vec![op(
                            "1",
                            "Microsoft.Network/networkSecurityGroups",
                            "nsg-demo-main-default",
                            if *polls >= 1 { "Succeeded" } else { "Running" },
                        )];
                        if *polls >= 1 {
                            let state = if *finished { done_state } else { "Running" };
                            let mut acct = op("2", "Microsoft.CognitiveServices/accounts", "oai-demo", state);
                            if let (Outcome::Failed { failed_op, .. }, true) = (&script.outcome, *finished) {
                                acct["properties"]["statusMessage"] = failed_op.clone();
                                acct["properties"]["statusCode"] = json!("Conflict");
                            }
                            ops.push(acct);
                        }
                        ops.push(json!({"id": "/ops/3", "operationId": "3", "properties": {
                            "provisioningOperation": "EvaluateDeploymentOutput", "provisioningState": "Succeeded"}}));
                        Resp::json(200, json!({ "value": ops }))
                    }
                    ("GET", "") => {
                        let state = if *finished { done_state } else { "Running" };
                        Resp::json(200, deployment(state, &script.outcome))
                    }
                    _ => Resp::error(404, "NotFound", "no such route in the fake"),
                };
            }
            Resp::error(404, "NotFound", "no such route in the fake")
        }
    }
}

/// Writes a fake `az` into `dir`: `account show` prints a subscription, `account
/// get-access-token` prints `CLI_TOKEN`; every call's arguments are appended to `dir/az.log`.
/// Only shell built-ins are used, so PATH can be just `dir`.
#[cfg(unix)]
pub fn fake_az(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let log = dir.join("az.log");
    let script = format!(
        r#"#!/bin/sh
echo "$@" >> '{log}'
case "$1 $2" in
  "account show") printf '%s\n' '{{"id": "{SUB}", "tenantId": "{TENANT}", "name": "Demo"}}' ;;
  "account get-access-token") printf '%s\n' '{{"accessToken": "{CLI_TOKEN}", "expires_on": 4102444800, "subscription": "{SUB}", "tenant": "{TENANT}", "tokenType": "Bearer"}}' ;;
  *) echo "ERROR: unexpected az $*" >&2; exit 2 ;;
esac
"#,
        log = log.display()
    );
    let path = dir.join("az");
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// The binary with a clean environment: nothing of the caller's Azure settings, proxies or CI
/// leaks in. `PATH` is only `path` (for a fake `az`); waits are scaled to 0.
pub fn command(dir: &Path, path: &Path, endpoint: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_aoai-vnet"));
    c.current_dir(dir)
        .env_clear()
        .env("PATH", path)
        .env("HOME", dir)
        .env("NO_COLOR", "1")
        .env("AOAI_VNET_ARM_ENDPOINT", endpoint)
        .env("AOAI_VNET_DELAY_SCALE", "0")
        .stdin(Stdio::null());
    c
}

/// Runs `c` to its end, killing it (and failing the test) after `limit`.
pub fn run_bounded(c: &mut Command, limit: Duration) -> Output {
    let child = c
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    wait_bounded(child, limit)
}

pub fn wait_bounded(mut child: Child, limit: Duration) -> Output {
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let o = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let e = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            let err = String::from_utf8_lossy(&e.join().unwrap()).into_owned();
            panic!("the binary did not finish within {limit:?}; stderr so far:\n{err}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Output {
        status,
        stdout: o.join().unwrap(),
        stderr: e.join().unwrap(),
    }
}
