//! `doctor --api`: after the name resolves and port 443 answers, one authenticated request to
//! the account, as the jump box would make it (keys are off: an Entra ID token), and the likely
//! cause of each answer.
//!
//! The token comes from the machine's managed identity when it has one (an Azure VM: the instance
//! metadata service, probed with a short TCP connect first so that elsewhere nothing waits), else
//! from the Azure CLI (`az account get-access-token`). It is sent only to the account and never
//! printed; what is shown of it is the object ID it names (its `oid` claim), which is what a role
//! assignment needs.
//!
//! Tests point the account and the metadata service at listeners on 127.0.0.1: the account
//! through `AOAI_VNET_DOCTOR_ACCOUNT_URL` (undocumented for users: a base URL such as
//! `http://127.0.0.1:8080`, loopback or https only), the metadata service through
//! `AZURE_POD_IDENTITY_AUTHORITY_HOST`, which the Azure SDKs define and `deploy` already honours.

use crate::azure::openai_api::{AUDIENCE, MODELS_PATH, PERMISSION_DENIED, PUBLIC_ACCESS_DISABLED};
use crate::azure::roles::OPENAI_USER;
use crate::deploy::client::{Client, Method, Request};
use crate::deploy::credentials::{self, AuthMode, AzureCli, CloudAuth, Credential, IMDS_HOST};
use std::ffi::OsString;
use std::fmt::Write;
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

/// The test-only override of the account's base URL.
pub const ACCOUNT_URL_VAR: &str = "AOAI_VNET_DOCTOR_ACCOUNT_URL";

/// Where the token came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenSource {
    /// This machine's managed identity (an Azure VM's metadata service, or `IDENTITY_ENDPOINT`).
    ManagedIdentity,
    AzureCli,
}

/// What the answer means.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// 200: the account answered an authenticated request.
    Works,
    /// No token could be had (with why).
    NoToken(String),
    /// The request did not get an HTTP answer (with why).
    NoAnswer(String),
    /// 401 other than PermissionDenied: no token, an expired one, or one for another audience or
    /// tenant.
    BadToken,
    /// 403 "Public access is disabled": the request reached the public endpoint, so the name
    /// resolved to the public address (or a proxy sent it there).
    PublicEndpoint,
    /// PermissionDenied, or another 403: the principal has no role that may call the API.
    NoRole,
    /// 404: not this account, or not this path.
    NotFound,
    /// 429: the account answered (the token and the role work) but throttles.
    Throttled,
    /// Anything else.
    Other(u16),
}

#[derive(Clone, Debug)]
pub struct ApiReport {
    /// The URL requested (no token in it).
    pub url: String,
    pub source: Option<TokenSource>,
    /// The object ID and kind (`User`, `ServicePrincipal`) the token names, when it can be read.
    pub principal: Option<(String, &'static str)>,
    pub status: Option<u16>,
    /// The error code and message of a refusal.
    pub code: Option<String>,
    pub message: Option<String>,
    pub verdict: Verdict,
}

impl ApiReport {
    pub fn ok(&self) -> bool {
        matches!(self.verdict, Verdict::Works | Verdict::Throttled)
    }
}

/// Runs the check against `host` (port `port`), with `timeout` for the metadata probe.
pub fn run(host: &str, port: u16, timeout: Duration) -> ApiReport {
    let env = |k: &str| credentials::process_env(k);
    let base = env(ACCOUNT_URL_VAR).unwrap_or_else(|| match port {
        443 => format!("https://{host}"),
        p => format!("https://{host}:{p}"),
    });
    let url = format!("{}{MODELS_PATH}", base.trim_end_matches('/'));
    let mut report = ApiReport {
        url: url.clone(),
        source: None,
        principal: None,
        status: None,
        code: None,
        message: None,
        verdict: Verdict::NoToken(String::new()),
    };
    let http = match Client::from_env() {
        Ok(c) => c,
        Err(e) => {
            report.verdict = Verdict::NoToken(e.to_string());
            return report;
        }
    };
    let (source, credential) = credential(&env, timeout);
    report.source = Some(source);
    let token = match credential.and_then(|c| c.get_token(&http)) {
        Ok(t) => t,
        Err(e) => {
            report.verdict = Verdict::NoToken(e.to_string());
            return report;
        }
    };
    report.principal = principal_of(token.token.expose(), source);
    let request = Request::new(Method::Get, &url).header("Authorization", format!("Bearer {}", token.token.expose()));
    let response = match http.send(&request, "the account") {
        Ok(r) => r,
        Err(e) => {
            report.verdict = Verdict::NoAnswer(e.to_string());
            return report;
        }
    };
    let json = response.json();
    let error = json.get("error").unwrap_or(&json);
    let text = |k: &str| error.get(k).and_then(|v| v.as_str()).map(str::to_string);
    report.status = Some(response.status);
    report.code = text("code");
    report.message = text("message");
    report.verdict = verdict(response.status, report.code.as_deref(), report.message.as_deref());
    report
}

/// The likely cause of an answer.
pub fn verdict(status: u16, code: Option<&str>, message: Option<&str>) -> Verdict {
    let message = message.unwrap_or_default();
    let denied = code.is_some_and(|c| c.eq_ignore_ascii_case(PERMISSION_DENIED));
    match status {
        200..=299 => Verdict::Works,
        401 if denied => Verdict::NoRole,
        401 => Verdict::BadToken,
        403 if message.contains(PUBLIC_ACCESS_DISABLED) => Verdict::PublicEndpoint,
        403 => Verdict::NoRole,
        404 => Verdict::NotFound,
        429 => Verdict::Throttled,
        other => Verdict::Other(other),
    }
}

/// The managed identity when this machine has one, else the Azure CLI.
fn credential(
    env: &dyn Fn(&str) -> Option<String>,
    timeout: Duration,
) -> (TokenSource, Result<Box<dyn Credential>, crate::deploy::Error>) {
    let cloud = CloudAuth {
        // Not used by a managed identity or the CLI; the audience is what matters.
        authority: String::new(),
        audience: AUDIENCE.to_string(),
    };
    let imds = env("AZURE_POD_IDENTITY_AUTHORITY_HOST").unwrap_or_else(|| IMDS_HOST.to_string());
    if env("IDENTITY_ENDPOINT").is_some() || answers(&imds, timeout) {
        let c = credentials::select(AuthMode::ManagedIdentity, env, &cloud, None).map(|(c, _)| c);
        return (TokenSource::ManagedIdentity, c);
    }
    let cli: Box<dyn Credential> = Box::new(AzureCli {
        program: OsString::from("az"),
        resource: AUDIENCE.to_string(),
        subscription: None,
    });
    (TokenSource::AzureCli, Ok(cli))
}

/// Whether something accepts TCP connections at the host and port of `base` (`http://h[:p]`):
/// off Azure nothing answers at the metadata service's link-local address.
fn answers(base: &str, timeout: Duration) -> bool {
    let Ok(uri) = base.parse::<ureq::http::Uri>() else {
        return false;
    };
    let Some(host) = uri.host() else { return false };
    let port = uri.port_u16().unwrap_or(80);
    let probe = timeout.min(Duration::from_secs(2));
    let addrs: Vec<SocketAddr> = (host.trim_matches(['[', ']']), port)
        .to_socket_addrs()
        .map(Iterator::collect)
        .unwrap_or_default();
    addrs.iter().any(|a| TcpStream::connect_timeout(a, probe).is_ok())
}

/// The object ID in a JWT access token's payload and whether it is a user or an application.
/// Only those two claims are read; the token is not verified (the account does that).
fn principal_of(token: &str, source: TokenSource) -> Option<(String, &'static str)> {
    let claims = crate::deploy::principal::claims(token)?;
    let oid = claims.get("oid")?.as_str()?.to_string();
    let kind = match (source, claims.get("idtyp").and_then(|v| v.as_str())) {
        (TokenSource::ManagedIdentity, _) | (_, Some("app")) => "ServicePrincipal",
        _ => "User",
    };
    Some((oid, kind))
}

/// The API step of the report, numbered `step`.
pub fn render(r: &ApiReport, step: u32) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "{step}. Call the API with an Entra ID token: GET {}", r.url);
    match r.source {
        Some(TokenSource::ManagedIdentity) => {
            let _ = writeln!(o, "   token: this machine's managed identity (for {AUDIENCE})");
        }
        Some(TokenSource::AzureCli) => {
            let _ = writeln!(
                o,
                "   token: the Azure CLI's signed-in account (az account get-access-token --resource {AUDIENCE})"
            );
        }
        None => {}
    }
    if let Some((oid, kind)) = &r.principal {
        let _ = writeln!(o, "   principal: {kind} {oid}");
    }
    let line = match (&r.verdict, r.status) {
        (Verdict::NoToken(e), _) => format!("FAILED: no token: {e}"),
        (Verdict::NoAnswer(e), _) => format!("FAILED: {e}"),
        (_, Some(s)) => {
            let mut l = format!("HTTP {s}");
            if let Some(c) = &r.code {
                let _ = write!(l, " {c}");
            }
            if let Some(m) = r.message.as_deref().filter(|m| !m.is_empty()) {
                let _ = write!(l, ": {m}");
            }
            if r.ok() {
                format!("ok: {l}")
            } else {
                format!("FAILED: {l}")
            }
        }
        (_, None) => "FAILED: no answer".into(),
    };
    let _ = writeln!(o, "   {line}");
    o
}

/// The verdict in one sentence and what to do, for the end of the report.
pub fn advice(r: &ApiReport, host: &str) -> (String, Vec<String>) {
    // The account's name is the first label of its host name (its custom subdomain).
    let account = match host.parse::<std::net::IpAddr>() {
        Ok(_) => "<account>",
        Err(_) => host.split('.').next().unwrap_or(host),
    };
    let (oid, kind) = r
        .principal
        .clone()
        .unwrap_or_else(|| ("<object id>".into(), "<User|Group|ServicePrincipal>"));
    match &r.verdict {
        Verdict::Works => ("the API answered an authenticated request".into(), Vec::new()),
        Verdict::Throttled => (
            "the API answered (the token and the role work) but is throttling requests".into(),
            vec!["429 means the deployment's capacity (tokens per minute) is used up for now; retry later or raise `capacity`.".into()],
        ),
        Verdict::NoToken(_) => (
            "no Entra ID token (API keys are off, so every call needs one)".into(),
            vec![
                "On the jump box: it needs its system-assigned managed identity (the default; `jumpbox.openai_role: none` still gives none without `entra_login`).".into(),
                "Elsewhere: sign in with `az login` (the Azure CLI gives the token).".into(),
            ],
        ),
        Verdict::NoAnswer(_) => (
            "the account did not answer over HTTPS".into(),
            vec!["The TCP connection worked, so look for TLS interception (a proxy or firewall that inspects HTTPS) or a proxy in HTTPS_PROXY.".into()],
        ),
        Verdict::BadToken => (
            "the account refused the token (401)".into(),
            vec![
                format!("The token must be for {AUDIENCE}, unexpired, and from the tenant of the account's subscription (`az login --tenant <tenant>`)."),
            ],
        ),
        Verdict::PublicEndpoint => (
            "the request reached the account's public endpoint, which is closed (403: public access is disabled)".into(),
            vec![
                "Likely cause: DNS issue. The name resolved to the public address on the way to the account, or a proxy (HTTPS_PROXY) sent the request there.".into(),
                "The name must resolve to the private endpoint's IP from this machine: see the DNS advice above (`aoai-vnet hosts`).".into(),
            ],
        ),
        Verdict::NoRole => (
            format!("{kind} {oid} has no role that may call the API"),
            vec![
                format!("Assign {} on the account (as a topology: `jumpbox.openai_role` for the jump box, `openai.role_assignments` for others), or now:", OPENAI_USER.name),
                format!(
                    "az role assignment create --assignee-object-id {oid} --assignee-principal-type {kind} --role \"{}\" --scope \"$(az cognitiveservices account show --name {account} --resource-group <resource group> --query id --output tsv)\"",
                    OPENAI_USER.name
                ),
                "A new role assignment can take a few minutes to apply.".into(),
            ],
        ),
        Verdict::NotFound => (
            "the account answered 404".into(),
            vec![format!("Not this account or not this path: check the name ({host} is the account's custom subdomain) and that it is an Azure OpenAI or AI Services account.")],
        ),
        Verdict::Other(s) => (format!("the account answered HTTP {s}"), Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn causes_of_each_answer() {
        assert_eq!(verdict(200, None, None), Verdict::Works);
        assert_eq!(
            verdict(
                401,
                Some("PermissionDenied"),
                Some("Principal does not have access to API/Operation.")
            ),
            Verdict::NoRole
        );
        assert_eq!(
            verdict(
                401,
                Some("401"),
                Some("Access denied due to invalid subscription key or wrong API endpoint.")
            ),
            Verdict::BadToken
        );
        assert_eq!(
            verdict(
                403,
                Some("403"),
                Some("Public access is disabled. Please configure private endpoint.")
            ),
            Verdict::PublicEndpoint
        );
        assert_eq!(verdict(403, Some("AuthorizationFailed"), Some("no")), Verdict::NoRole);
        assert_eq!(verdict(404, Some("404"), Some("Resource not found")), Verdict::NotFound);
        assert_eq!(verdict(429, None, None), Verdict::Throttled);
        assert_eq!(verdict(500, None, None), Verdict::Other(500));
    }

    #[test]
    fn reads_the_object_id_of_a_token_and_nothing_else() {
        // {"alg":"none"}.{"oid":"6d2c4d1e-0c7a-4b8e-9f3a-2b1c0d9e8f7a","idtyp":"app"}.
        let token =
            "eyJhbGciOiJub25lIn0.eyJvaWQiOiI2ZDJjNGQxZS0wYzdhLTRiOGUtOWYzYS0yYjFjMGQ5ZThmN2EiLCJpZHR5cCI6ImFwcCJ9.sig";
        assert_eq!(
            principal_of(token, TokenSource::AzureCli),
            Some(("6d2c4d1e-0c7a-4b8e-9f3a-2b1c0d9e8f7a".into(), "ServicePrincipal"))
        );
        assert_eq!(principal_of("not-a-jwt", TokenSource::AzureCli), None);
    }
}
