//! Credentials: where the bearer token for Azure Resource Manager comes from.
//!
//! `auto` picks the first that is configured, in this order, and then uses only that one (a
//! misconfigured service principal is an error, never a silent fallback to someone's CLI login):
//!
//! 1. service principal: `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET`
//!    (client-credentials grant on `{authority}/{tenant}/oauth2/v2.0/token`);
//! 2. workload identity: `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `AZURE_FEDERATED_TOKEN_FILE` (the
//!    file's token is the client assertion; read again at each refresh, since Kubernetes rotates it);
//! 3. managed identity, only when `IDENTITY_ENDPOINT` is set (App Service, Functions, Container
//!    Apps: `IDENTITY_ENDPOINT` + `IDENTITY_HEADER`);
//! 4. the Azure CLI: `az account get-access-token`.
//!
//! The authority is `AZURE_AUTHORITY_HOST` when set, else the cloud's Entra ID host. The instance
//! metadata service (`169.254.169.254`, or `AZURE_POD_IDENTITY_AUTHORITY_HOST`) is used only with
//! `--auth managed-identity`; it is never probed otherwise. `AZURE_CLIENT_ID` selects a
//! user-assigned managed identity.
//!
//! Tokens are held in `Secret`, whose `Debug` hides the value; nothing here prints a token or a
//! client secret, and HTTP bodies are never logged.

use super::client::{check_url, form_encode, Client, Method, Request};
use super::error::Error;
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A secret string: shown as `***` by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Clone, Debug)]
pub struct AccessToken {
    pub token: Secret,
    pub expires_at: SystemTime,
}

/// A source of ARM tokens.
pub trait Credential: Send + Sync {
    fn get_token(&self, http: &Client) -> Result<AccessToken, Error>;
    /// What it is, for the user ("service principal 00000000-... from AZURE_CLIENT_SECRET").
    fn describe(&self) -> String;
}

/// `--auth`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthMode {
    Auto,
    Cli,
    Env,
    Workload,
    ManagedIdentity,
}

/// What a credential needs to know about the cloud.
#[derive(Clone, Debug)]
pub struct CloudAuth {
    /// `https://login.microsoftonline.com` (no trailing slash).
    pub authority: String,
    /// Token audience, `https://management.core.windows.net/`.
    pub audience: String,
}

impl CloudAuth {
    /// The Entra scope: the audience followed by `/.default` (hence `...windows.net//.default`,
    /// as `az login --scope` writes it for an audience that ends with a slash).
    pub fn scope(&self) -> String {
        format!("{}/.default", self.audience)
    }
}

/// Environment lookup, injectable for tests.
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The process environment, with empty values treated as unset.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The credential for `mode`, and notes for the user about settings it ignored.
pub fn select(
    mode: AuthMode,
    env: Env,
    cloud: &CloudAuth,
    subscription: Option<&str>,
) -> Result<(Box<dyn Credential>, Vec<String>), Error> {
    let mut notes = Vec::new();
    let tenant = env("AZURE_TENANT_ID");
    let client = env("AZURE_CLIENT_ID");
    let secret = env("AZURE_CLIENT_SECRET");
    let token_file = env("AZURE_FEDERATED_TOKEN_FILE");
    let authority = || -> Result<String, Error> {
        let a = env("AZURE_AUTHORITY_HOST").unwrap_or_else(|| cloud.authority.clone());
        let a = a.trim_end_matches('/').to_string();
        check_url(&a).map_err(|e| Error::Usage(format!("AZURE_AUTHORITY_HOST: {e}")))?;
        Ok(a)
    };
    let sp = |tenant: &str, client: &str, secret: &str| -> Result<Box<dyn Credential>, Error> {
        Ok(Box::new(ClientSecret {
            authority: authority()?,
            tenant: checked_tenant(tenant)?,
            client_id: client.to_string(),
            secret: Secret::new(secret),
            scope: cloud.scope(),
        }))
    };
    let wi = |tenant: &str, client: &str, file: &str| -> Result<Box<dyn Credential>, Error> {
        Ok(Box::new(WorkloadIdentity {
            authority: authority()?,
            tenant: checked_tenant(tenant)?,
            client_id: client.to_string(),
            token_file: PathBuf::from(file),
            scope: cloud.scope(),
        }))
    };
    let mi = |imds_allowed: bool| -> Result<Box<dyn Credential>, Error> {
        ManagedIdentity::from_env(env, &cloud.audience, imds_allowed).map(|m| Box::new(m) as Box<dyn Credential>)
    };
    let cli = || -> Box<dyn Credential> {
        Box::new(AzureCli {
            program: OsString::from("az"),
            resource: cloud.audience.clone(),
            subscription: subscription.map(str::to_string),
        })
    };
    let needs = |what: &str, vars: &[(&str, &Option<String>)]| -> Result<(), Error> {
        let missing: Vec<&str> = vars.iter().filter(|(_, v)| v.is_none()).map(|(n, _)| *n).collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(Error::Usage(format!(
                "--auth {what} needs {} to be set",
                missing.join(", ")
            )))
        }
    };
    let cred = match mode {
        AuthMode::Env => {
            needs(
                "env",
                &[
                    ("AZURE_TENANT_ID", &tenant),
                    ("AZURE_CLIENT_ID", &client),
                    ("AZURE_CLIENT_SECRET", &secret),
                ],
            )?;
            sp(
                tenant.as_deref().unwrap_or_default(),
                client.as_deref().unwrap_or_default(),
                secret.as_deref().unwrap_or_default(),
            )?
        }
        AuthMode::Workload => {
            needs(
                "workload",
                &[
                    ("AZURE_TENANT_ID", &tenant),
                    ("AZURE_CLIENT_ID", &client),
                    ("AZURE_FEDERATED_TOKEN_FILE", &token_file),
                ],
            )?;
            wi(
                tenant.as_deref().unwrap_or_default(),
                client.as_deref().unwrap_or_default(),
                token_file.as_deref().unwrap_or_default(),
            )?
        }
        AuthMode::ManagedIdentity => mi(true)?,
        AuthMode::Cli => cli(),
        AuthMode::Auto => match (&tenant, &client, &secret, &token_file) {
            (Some(t), Some(c), Some(s), _) => {
                if token_file.is_some() {
                    notes.push("AZURE_FEDERATED_TOKEN_FILE is ignored: AZURE_CLIENT_SECRET is set, and a service principal comes first (use --auth workload to choose)".into());
                }
                sp(t, c, s)?
            }
            (Some(t), Some(c), None, Some(f)) => wi(t, c, f)?,
            _ => {
                if secret.is_some() || token_file.is_some() {
                    notes.push(format!(
                        "{} is set but AZURE_TENANT_ID and AZURE_CLIENT_ID are not both set: it is ignored",
                        if secret.is_some() {
                            "AZURE_CLIENT_SECRET"
                        } else {
                            "AZURE_FEDERATED_TOKEN_FILE"
                        }
                    ));
                }
                if env("IDENTITY_ENDPOINT").is_some() {
                    mi(false)?
                } else {
                    cli()
                }
            }
        },
    };
    Ok((cred, notes))
}

fn checked_tenant(t: &str) -> Result<String, Error> {
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.') {
        Ok(t.to_string())
    } else {
        Err(Error::Usage(format!(
            "AZURE_TENANT_ID `{t}` is not a tenant ID or domain"
        )))
    }
}

/// Caches a credential's token and renews it five minutes before it expires.
pub struct Tokens {
    credential: Box<dyn Credential>,
    cached: Mutex<Option<AccessToken>>,
}

const RENEW_BEFORE: Duration = Duration::from_secs(300);

impl Tokens {
    pub fn new(credential: Box<dyn Credential>) -> Tokens {
        Tokens {
            credential,
            cached: Mutex::new(None),
        }
    }

    pub fn describe(&self) -> String {
        self.credential.describe()
    }

    /// Drops the cached token: the next request gets a new one (Resource Manager said it expired).
    pub fn forget(&self) {
        *self.cached.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// The `Authorization` header value.
    pub fn bearer(&self, http: &Client) -> Result<String, Error> {
        let mut cached = self.cached.lock().unwrap_or_else(|e| e.into_inner());
        let fresh = cached
            .as_ref()
            .is_some_and(|t| t.expires_at > SystemTime::now() + RENEW_BEFORE);
        if !fresh {
            *cached = Some(self.credential.get_token(http)?);
        }
        let token = cached.as_ref().expect("set above");
        Ok(format!("Bearer {}", token.token.expose()))
    }
}

/// A service principal with a client secret.
pub struct ClientSecret {
    pub authority: String,
    pub tenant: String,
    pub client_id: String,
    pub secret: Secret,
    pub scope: String,
}

impl Credential for ClientSecret {
    fn get_token(&self, http: &Client) -> Result<AccessToken, Error> {
        let req = Request::new(Method::Post, token_url(&self.authority, &self.tenant)).form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &self.client_id),
            ("client_secret", self.secret.expose()),
            ("scope", &self.scope),
        ]);
        entra_token(http, &req, &self.describe(), &[self.secret.expose()])
    }

    fn describe(&self) -> String {
        format!("service principal {} (AZURE_CLIENT_SECRET)", self.client_id)
    }
}

/// Workload identity federation: a token from another issuer (Kubernetes, GitHub Actions) as the
/// client assertion.
pub struct WorkloadIdentity {
    pub authority: String,
    pub tenant: String,
    pub client_id: String,
    pub token_file: PathBuf,
    pub scope: String,
}

impl Credential for WorkloadIdentity {
    fn get_token(&self, http: &Client) -> Result<AccessToken, Error> {
        // A token is a few kilobytes: a cap keeps a device or a huge file from being read.
        let assertion = crate::input::read_text(&self.token_file, 1024 * 1024).map_err(|e| {
            Error::File(format!(
                "cannot read the federated token AZURE_FEDERATED_TOKEN_FILE={}: {e}",
                self.token_file.display()
            ))
        })?;
        let req = Request::new(Method::Post, token_url(&self.authority, &self.tenant)).form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &self.client_id),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", assertion.trim()),
            ("scope", &self.scope),
        ]);
        entra_token(http, &req, &self.describe(), &[assertion.trim()])
    }

    fn describe(&self) -> String {
        format!("workload identity {} (AZURE_FEDERATED_TOKEN_FILE)", self.client_id)
    }
}

fn token_url(authority: &str, tenant: &str) -> String {
    format!("{authority}/{tenant}/oauth2/v2.0/token")
}

/// Posts to Entra ID's token endpoint and reads `access_token` / `expires_in`. `secrets` are
/// the values sent that must never be shown, should the endpoint echo them back.
fn entra_token(http: &Client, req: &Request, who: &str, secrets: &[&str]) -> Result<AccessToken, Error> {
    let resp = http.send(req, "the Entra ID token endpoint")?;
    let json = resp.json();
    if !resp.is_success() {
        let code = json.get("error").and_then(|v| v.as_str()).unwrap_or("error");
        let description = json
            .get("error_description")
            .and_then(|v| v.as_str())
            .map(|d| d.lines().next().unwrap_or(d).to_string())
            .unwrap_or_else(|| format!("HTTP status {}", resp.status));
        return Err(Error::Credential(format!(
            "Entra ID refused a token for the {who}: {}: {}",
            redact(code, secrets),
            redact(&description, secrets)
        )));
    }
    token_from_json(&json)
        .ok_or_else(|| Error::Credential(format!("the token endpoint's answer for the {who} has no access_token")))
}

/// A text from a token endpoint, shortened, with control characters escaped and the secrets
/// that were sent (and anything after `client_secret=` or `client_assertion=`) hidden.
pub fn redact(text: &str, secrets: &[&str]) -> String {
    let mut out: String = text.chars().take(500).collect();
    for s in secrets.iter().filter(|s| s.len() >= 4) {
        out = out.replace(*s, "[redacted]");
    }
    for key in ["client_secret=", "client_assertion="] {
        let mut from = 0;
        while let Some(i) = out[from..].find(key).map(|i| i + from + key.len()) {
            let end = out[i..].find(['&', ' ', '"', '\'', ',']).map_or(out.len(), |e| i + e);
            out.replace_range(i..end, "[redacted]");
            from = i + "[redacted]".len();
        }
    }
    crate::term::clean(&out).into_owned()
}

/// `now + secs`, or a time so far away that it never comes, when the sum overflows.
fn after(base: SystemTime, secs: u64) -> SystemTime {
    base.checked_add(Duration::from_secs(secs))
        .unwrap_or_else(|| SystemTime::now() + Duration::from_secs(100 * 365 * 24 * 3600))
}

/// `access_token` with `expires_in` or `expires_on` (numbers or strings of seconds).
fn token_from_json(json: &serde_json::Value) -> Option<AccessToken> {
    let token = json.get("access_token")?.as_str()?.to_string();
    let secs = |k: &str| -> Option<u64> {
        let v = json.get(k)?;
        v.as_u64().or_else(|| v.as_str()?.trim().parse().ok())
    };
    let now = SystemTime::now();
    let expires_at = if let Some(s) = secs("expires_in") {
        after(now, s)
    } else if let Some(s) = secs("expires_on") {
        after(UNIX_EPOCH, s)
    } else {
        now + Duration::from_secs(1800)
    };
    Some(AccessToken {
        token: Secret::new(token),
        expires_at,
    })
}

/// Managed identity: the App Service / Functions / Container Apps endpoint, or the instance
/// metadata service of a VM (only when asked for).
pub struct ManagedIdentity {
    source: MiSource,
    resource: String,
    client_id: Option<String>,
}

enum MiSource {
    /// `IDENTITY_ENDPOINT` with its `IDENTITY_HEADER`.
    AppService { endpoint: String, header: Secret },
    /// The instance metadata service, at `base` (`http://169.254.169.254`).
    Imds { base: String },
}

pub const IMDS_HOST: &str = "http://169.254.169.254";

impl ManagedIdentity {
    fn from_env(env: Env, resource: &str, imds_allowed: bool) -> Result<ManagedIdentity, Error> {
        let client_id = env("AZURE_CLIENT_ID");
        let source = match (env("IDENTITY_ENDPOINT"), env("IDENTITY_HEADER")) {
            (Some(endpoint), Some(header)) => {
                check_url(&endpoint).map_err(|e| Error::Usage(format!("IDENTITY_ENDPOINT: {e}")))?;
                MiSource::AppService {
                    endpoint,
                    header: Secret::new(header),
                }
            }
            (Some(_), None) => {
                return Err(Error::Usage(
                    "IDENTITY_ENDPOINT is set without IDENTITY_HEADER (Azure Arc or Service Fabric?): that managed identity is not supported; use --auth cli after `az login --identity`".into(),
                ))
            }
            (None, _) if imds_allowed => {
                let base = env("AZURE_POD_IDENTITY_AUTHORITY_HOST").unwrap_or_else(|| IMDS_HOST.to_string());
                let base = base.trim_end_matches('/').to_string();
                if base != IMDS_HOST {
                    check_url(&base).map_err(|e| Error::Usage(format!("AZURE_POD_IDENTITY_AUTHORITY_HOST: {e}")))?;
                }
                MiSource::Imds { base }
            }
            (None, _) => unreachable!("auto mode asks for a managed identity only when IDENTITY_ENDPOINT is set"),
        };
        Ok(ManagedIdentity {
            source,
            resource: resource.to_string(),
            client_id,
        })
    }
}

impl Credential for ManagedIdentity {
    fn get_token(&self, http: &Client) -> Result<AccessToken, Error> {
        let mut query = format!("resource={}", form_encode(&self.resource));
        if let Some(c) = &self.client_id {
            query.push_str(&format!("&client_id={}", form_encode(c)));
        }
        let (req, what) = match &self.source {
            MiSource::AppService { endpoint, header } => {
                let sep = if endpoint.contains('?') { '&' } else { '?' };
                (
                    Request::new(Method::Get, format!("{endpoint}{sep}api-version=2019-08-01&{query}"))
                        .header("X-IDENTITY-HEADER", header.expose()),
                    "the managed identity endpoint (IDENTITY_ENDPOINT)",
                )
            }
            MiSource::Imds { base } => (
                Request::new(
                    Method::Get,
                    format!("{base}/metadata/identity/oauth2/token?api-version=2018-02-01&{query}"),
                )
                .header("Metadata", "true"),
                "the instance metadata service",
            ),
        };
        let resp = http.send_imds(&req, what)?;
        let json = resp.json();
        if !resp.is_success() {
            let code = json.get("error").and_then(|v| v.as_str()).unwrap_or("error");
            let description = json
                .get("error_description")
                .or_else(|| json.get("message"))
                .and_then(|v| v.as_str())
                .unwrap_or("no description");
            let secrets: Vec<&str> = match &self.source {
                MiSource::AppService { header, .. } => vec![header.expose()],
                MiSource::Imds { .. } => Vec::new(),
            };
            return Err(Error::Credential(format!(
                "{what} refused a token (HTTP {}): {}: {}",
                resp.status,
                redact(code, &secrets),
                redact(description, &secrets)
            )));
        }
        token_from_json(&json).ok_or_else(|| Error::Credential(format!("{what} answered without an access_token")))
    }

    fn describe(&self) -> String {
        let which = match &self.client_id {
            Some(c) => format!("user-assigned {c}"),
            None => "system-assigned".into(),
        };
        match &self.source {
            MiSource::AppService { .. } => format!("managed identity ({which}, IDENTITY_ENDPOINT)"),
            MiSource::Imds { .. } => format!("managed identity ({which}, instance metadata service)"),
        }
    }
}

/// The Azure CLI's signed-in account: `az account get-access-token`.
pub struct AzureCli {
    pub program: OsString,
    pub resource: String,
    pub subscription: Option<String>,
}

/// How long `az` may take before it is stopped.
const AZ_TIMEOUT: Duration = Duration::from_secs(90);

impl Credential for AzureCli {
    fn get_token(&self, _http: &Client) -> Result<AccessToken, Error> {
        let mut args = vec![
            "account",
            "get-access-token",
            "--output",
            "json",
            "--resource",
            self.resource.as_str(),
        ];
        if let Some(s) = &self.subscription {
            args.extend(["--subscription", s.as_str()]);
        }
        let out = run_az(&self.program, &args)?;
        let json: serde_json::Value = serde_json::from_str(&out)
            .map_err(|_| Error::Credential("`az account get-access-token` did not print JSON".into()))?;
        let token = json
            .get("accessToken")
            .and_then(|v| v.as_str())
            .ok_or_else(|| Error::Credential("`az account get-access-token` printed no accessToken".into()))?;
        // `expires_on` (POSIX seconds) is printed by az 2.54 and later; older versions print only a
        // local time, and then the token is renewed after 30 minutes.
        let expires_at = json
            .get("expires_on")
            .and_then(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok()))
            .map(|s| after(UNIX_EPOCH, s))
            .unwrap_or_else(|| SystemTime::now() + Duration::from_secs(1800));
        Ok(AccessToken {
            token: Secret::new(token),
            expires_at,
        })
    }

    fn describe(&self) -> String {
        "Azure CLI (az account get-access-token)".into()
    }
}

/// The Azure CLI's current subscription (`az account show`).
pub fn cli_subscription() -> Result<String, Error> {
    let out = run_az(&OsString::from("az"), &["account", "show", "--output", "json"])?;
    let json: serde_json::Value =
        serde_json::from_str(&out).map_err(|_| Error::Credential("`az account show` did not print JSON".into()))?;
    json.get("id")
        .and_then(|v| v.as_str())
        .map(str::to_string)
        .ok_or_else(|| Error::Credential("`az account show` printed no subscription id".into()))
}

/// Runs `az` with no stdin (it must not prompt), within `AZ_TIMEOUT`; returns its stdout.
fn run_az(program: &OsString, args: &[&str]) -> Result<String, Error> {
    let mut cmd = if cfg!(windows) {
        // az is `az.cmd` on Windows, which only the command interpreter runs.
        let mut c = Command::new("cmd");
        c.arg("/C").arg(program);
        c
    } else {
        Command::new(program)
    };
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let shown = format!("az {}", args.iter().take(2).copied().collect::<Vec<_>>().join(" "));
    let child = cmd.spawn().map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::Credential(
                "no credential: the Azure CLI (az) is not on PATH, and no service principal, workload identity or managed identity is configured; run `az login`, or set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (or AZURE_FEDERATED_TOKEN_FILE)".into(),
            )
        } else {
            Error::Credential(format!("cannot run `{shown}`: {e}"))
        }
    })?;
    let out = wait_with_timeout(child, AZ_TIMEOUT).map_err(|e| Error::Credential(format!("`{shown}` failed: {e}")))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let first: Vec<&str> = err.lines().map(str::trim).filter(|l| !l.is_empty()).take(3).collect();
        let mut msg = format!("`{shown}` failed: {}", first.join(" "));
        if err.contains("az login") || err.contains("AADSTS") {
            msg.push_str(" (run `az login`, or `az login --tenant <tenant>` for the subscription's tenant)");
        }
        return Err(Error::Credential(msg));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn wait_with_timeout(mut child: std::process::Child, limit: Duration) -> std::io::Result<std::process::Output> {
    use std::io::Read;
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let out_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = stdout.read_to_end(&mut v);
        v
    });
    let err_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = stderr.read_to_end(&mut v);
        v
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait()? {
            break s;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!("no answer within {} s", limit.as_secs()),
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Ok(std::process::Output {
        status,
        stdout: out_reader.join().unwrap_or_default(),
        stderr: err_reader.join().unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    fn cloud() -> CloudAuth {
        CloudAuth {
            authority: "https://login.microsoftonline.com".into(),
            audience: "https://management.core.windows.net/".into(),
        }
    }

    fn pick(mode: AuthMode, vars: &[(&str, &str)]) -> Result<(String, Vec<String>), String> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let env = move |k: &str| map.get(k).cloned();
        select(mode, &env, &cloud(), None)
            .map(|(c, n)| (c.describe(), n))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn auto_order() {
        let sp = [
            ("AZURE_TENANT_ID", "t"),
            ("AZURE_CLIENT_ID", "c"),
            ("AZURE_CLIENT_SECRET", "s"),
        ];
        assert!(pick(AuthMode::Auto, &sp).unwrap().0.starts_with("service principal c"));
        let wi = [
            ("AZURE_TENANT_ID", "t"),
            ("AZURE_CLIENT_ID", "c"),
            ("AZURE_FEDERATED_TOKEN_FILE", "/f"),
        ];
        assert!(pick(AuthMode::Auto, &wi).unwrap().0.starts_with("workload identity c"));
        let mi = [
            ("IDENTITY_ENDPOINT", "http://127.0.0.1:1/msi"),
            ("IDENTITY_HEADER", "h"),
        ];
        assert!(pick(AuthMode::Auto, &mi).unwrap().0.contains("IDENTITY_ENDPOINT"));
        assert!(pick(AuthMode::Auto, &[]).unwrap().0.starts_with("Azure CLI"));
        // Half a service principal is reported, and the CLI is used.
        let (d, notes) = pick(AuthMode::Auto, &[("AZURE_CLIENT_SECRET", "s")]).unwrap();
        assert!(d.starts_with("Azure CLI") && notes.len() == 1, "{notes:?}");
    }

    #[test]
    fn imds_only_when_asked() {
        assert!(pick(AuthMode::Auto, &[]).unwrap().0.starts_with("Azure CLI"));
        assert!(pick(AuthMode::ManagedIdentity, &[])
            .unwrap()
            .0
            .contains("instance metadata"));
        let arc = pick(AuthMode::Auto, &[("IDENTITY_ENDPOINT", "http://127.0.0.1:1/")]).unwrap_err();
        assert!(arc.contains("IDENTITY_HEADER"), "{arc}");
    }

    #[test]
    fn explicit_modes_name_what_is_missing() {
        let e = pick(AuthMode::Env, &[("AZURE_TENANT_ID", "t")]).unwrap_err();
        assert!(e.contains("AZURE_CLIENT_ID, AZURE_CLIENT_SECRET"), "{e}");
        let e = pick(AuthMode::Workload, &[]).unwrap_err();
        assert!(e.contains("AZURE_FEDERATED_TOKEN_FILE"), "{e}");
        let e = pick(
            AuthMode::Env,
            &[
                ("AZURE_TENANT_ID", "t/../x"),
                ("AZURE_CLIENT_ID", "c"),
                ("AZURE_CLIENT_SECRET", "s"),
            ],
        )
        .unwrap_err();
        assert!(e.contains("not a tenant"), "{e}");
        let e = pick(
            AuthMode::Env,
            &[
                ("AZURE_TENANT_ID", "t"),
                ("AZURE_CLIENT_ID", "c"),
                ("AZURE_CLIENT_SECRET", "s"),
                ("AZURE_AUTHORITY_HOST", "http://login.example"),
            ],
        )
        .unwrap_err();
        assert!(e.contains("loopback"), "{e}");
    }

    #[test]
    fn secrets_are_hidden_from_debug() {
        assert_eq!(format!("{:?}", Secret::new("abc")), "Secret(***)");
        assert_eq!(cloud().scope(), "https://management.core.windows.net//.default");
    }

    struct Counting(Arc<AtomicUsize>, u64);
    impl Credential for Counting {
        fn get_token(&self, _: &Client) -> Result<AccessToken, Error> {
            let n = self.0.fetch_add(1, Ordering::SeqCst);
            Ok(AccessToken {
                token: Secret::new(format!("t{n}")),
                expires_at: SystemTime::now() + Duration::from_secs(self.1),
            })
        }
        fn describe(&self) -> String {
            "counting".into()
        }
    }

    #[test]
    fn tokens_are_cached_and_renewed_before_expiry() {
        let http = Client::new(0.0);
        let n = Arc::new(AtomicUsize::new(0));
        let long = Tokens::new(Box::new(Counting(n.clone(), 3600)));
        assert_eq!(long.bearer(&http).unwrap(), "Bearer t0");
        assert_eq!(long.bearer(&http).unwrap(), "Bearer t0");
        assert_eq!(n.load(Ordering::SeqCst), 1);
        let m = Arc::new(AtomicUsize::new(0));
        let short = Tokens::new(Box::new(Counting(m.clone(), 120)));
        assert_eq!(short.bearer(&http).unwrap(), "Bearer t0");
        assert_eq!(
            short.bearer(&http).unwrap(),
            "Bearer t1",
            "renewed: under five minutes left"
        );
    }

    #[test]
    fn token_json_shapes() {
        let t = token_from_json(&serde_json::json!({"access_token": "x", "expires_on": "4102444800"})).unwrap();
        assert_eq!(t.expires_at, UNIX_EPOCH + Duration::from_secs(4102444800));
        for huge in [
            serde_json::json!({"access_token": "x", "expires_in": u64::MAX}),
            serde_json::json!({"access_token": "x", "expires_on": "18446744073709551615"}),
        ] {
            assert!(token_from_json(&huge).unwrap().expires_at > SystemTime::now() + Duration::from_secs(3600));
        }
        let t = token_from_json(&serde_json::json!({"access_token": "x", "expires_in": 60})).unwrap();
        assert!(t.expires_at <= SystemTime::now() + Duration::from_secs(60));
        assert!(token_from_json(&serde_json::json!({"error": "x"})).is_none());
    }
}
