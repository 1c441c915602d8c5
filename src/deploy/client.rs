//! A small blocking HTTP client over `ureq` (rustls, webpki roots): one place for the rules every
//! request follows.
//!
//! - `https://` only, except to loopback addresses (a test server, a managed-identity endpoint);
//!   see `check_url`.
//! - Retries: 429 and transient 5xx (500, 502, 503, 504) and connection failures are retried with
//!   exponential backoff (1, 2, 4, 8, 16 s, with jitter), honouring `Retry-After` (seconds, at
//!   most 120). Other statuses come back to the caller, which decides what they mean.
//! - Every wait (retry backoff and the polling intervals of `arm.rs`) is multiplied by
//!   `AOAI_VNET_DELAY_SCALE` (a number, default 1; tests set 0); a product too large to be a
//!   duration saturates (and the deadline of `arm.rs` still ends the run).
//! - Timeouts: 20 s to connect and `AOAI_VNET_HTTP_TIMEOUT` seconds (default 60) for a whole
//!   request. A request that times out is tried at most three times, and each retry is said on
//!   standard error (what is waited for, and for how long), so a silent server costs minutes,
//!   not twenty of them in silence.
//! - No redirects are followed (a token is never sent to a host that was not asked for) and no
//!   request or response body is ever printed: they may hold tokens or secure parameters.
//! - Proxies: `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY` with `NO_PROXY` are honoured, never for
//!   loopback addresses.

use super::Error;
use std::net::IpAddr;
use std::time::Duration;
use ureq::http::{self, Uri};

const MAX_ATTEMPTS: u32 = 6;
/// Attempts of a request that gets no answer in time.
const MAX_TIMEOUT_ATTEMPTS: u32 = 3;
const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);
const DEFAULT_TIMEOUT_SECS: u64 = 60;
/// The longest single wait, whatever the delay scale.
const MAX_WAIT: Duration = Duration::from_secs(600);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
        }
    }
}

/// A request: headers are `(name, value)`; the body is sent as is.
#[derive(Clone)]
pub struct Request {
    pub method: Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
}

impl Request {
    pub fn new(method: Method, url: impl Into<String>) -> Request {
        Request {
            method,
            url: url.into(),
            headers: Vec::new(),
            body: None,
        }
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Request {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    pub fn json(mut self, body: &serde_json::Value) -> Request {
        self.body = Some(serde_json::to_vec(body).expect("JSON values always serialize"));
        self.header("Content-Type", "application/json")
    }

    /// An `application/x-www-form-urlencoded` body.
    pub fn form(mut self, fields: &[(&str, &str)]) -> Request {
        let body: Vec<String> = fields
            .iter()
            .map(|(k, v)| format!("{}={}", form_encode(k), form_encode(v)))
            .collect();
        self.body = Some(body.join("&").into_bytes());
        self.header("Content-Type", "application/x-www-form-urlencoded")
    }
}

/// Debug output never shows header values or the body (tokens, secrets).
impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Debug)]
pub struct Response {
    pub status: u16,
    /// Names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers.iter().find(|(k, _)| *k == name).map(|(_, v)| v.as_str())
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body as JSON (`null` when empty or not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }

    /// `Retry-After` in seconds (the HTTP-date form is not used by ARM and is ignored).
    pub fn retry_after(&self) -> Option<Duration> {
        let v = self.header("retry-after")?.trim();
        v.parse::<u64>().ok().map(Duration::from_secs)
    }
}

/// The client. Cheap to share by reference; connections are pooled.
pub struct Client {
    proxied: ureq::Agent,
    direct: ureq::Agent,
    /// For the instance metadata service: no proxy, a short connect timeout (off Azure, nothing
    /// answers at that address).
    imds: ureq::Agent,
    scale: f64,
    timeout: Duration,
}

impl Client {
    /// A client whose waits are scaled by `AOAI_VNET_DELAY_SCALE`.
    pub fn from_env() -> Result<Client, Error> {
        let scale = match std::env::var("AOAI_VNET_DELAY_SCALE") {
            Ok(v) => match v.trim().parse::<f64>() {
                Ok(f) if f.is_finite() && f >= 0.0 => f,
                _ => {
                    return Err(Error::Usage(format!(
                        "AOAI_VNET_DELAY_SCALE must be a number of 0 or more, not `{v}`"
                    )))
                }
            },
            Err(_) => 1.0,
        };
        let timeout = match std::env::var("AOAI_VNET_HTTP_TIMEOUT") {
            Ok(v) => match v
                .trim()
                .parse::<f64>()
                .ok()
                .and_then(|s| Duration::try_from_secs_f64(s).ok())
            {
                Some(d) if !d.is_zero() => d,
                _ => {
                    return Err(Error::Usage(format!(
                        "AOAI_VNET_HTTP_TIMEOUT must be a number of seconds above 0, not `{v}`"
                    )))
                }
            },
            Err(_) => Duration::from_secs(DEFAULT_TIMEOUT_SECS),
        };
        Ok(Client::with_timeout(scale, timeout))
    }

    pub fn new(scale: f64) -> Client {
        Client::with_timeout(scale, Duration::from_secs(DEFAULT_TIMEOUT_SECS))
    }

    pub fn with_timeout(scale: f64, timeout: Duration) -> Client {
        let agent = |proxy: Option<ureq::Proxy>, connect: u64| -> ureq::Agent {
            ureq::Agent::config_builder()
                .http_status_as_error(false)
                .max_redirects(0)
                .proxy(proxy)
                .user_agent(concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION")))
                .timeout_connect(Some(Duration::from_secs(connect).min(timeout)))
                .timeout_global(Some(timeout))
                .build()
                .into()
        };
        Client {
            proxied: agent(ureq::Proxy::try_from_env(), 20),
            direct: agent(None, 20),
            imds: agent(None, 3),
            scale,
            timeout,
        }
    }

    /// `d` times the delay scale, saturating at ten minutes (`AOAI_VNET_DELAY_SCALE=1e300` is
    /// a long wait, not a panic, nor a sleep that never ends).
    pub fn scaled(&self, d: Duration) -> Duration {
        Duration::try_from_secs_f64(d.as_secs_f64() * self.scale)
            .unwrap_or(MAX_WAIT)
            .min(MAX_WAIT)
    }

    /// Sleeps `d` times the delay scale.
    pub fn wait(&self, d: Duration) {
        let d = self.scaled(d);
        if !d.is_zero() {
            std::thread::sleep(d);
        }
    }

    /// Sends `req`, retrying throttling, transient server errors and connection failures.
    /// `what` names the request in error messages ("the token endpoint", "Azure Resource Manager").
    pub fn send(&self, req: &Request, what: &str) -> Result<Response, Error> {
        let uri = check_url(&req.url)?;
        let agent = if is_loopback(&uri) { &self.direct } else { &self.proxied };
        self.send_with(agent, &uri, req, what, MAX_ATTEMPTS)
    }

    /// Sends a request to a managed-identity endpoint: also plain http to the instance metadata
    /// service's link-local address; fewer attempts.
    pub fn send_imds(&self, req: &Request, what: &str) -> Result<Response, Error> {
        let imds = req.url.starts_with(concat!("http://169.254.169.254", "/"));
        let uri = if imds {
            req.url
                .parse()
                .map_err(|_| Error::Usage(format!("`{}` is not a valid URL", req.url)))?
        } else {
            check_url(&req.url)?
        };
        let agent = if imds { &self.imds } else { &self.direct };
        self.send_with(agent, &uri, req, what, 3)
    }

    fn send_with(
        &self,
        agent: &ureq::Agent,
        uri: &Uri,
        req: &Request,
        what: &str,
        attempts: u32,
    ) -> Result<Response, Error> {
        let uri = uri.clone();
        let mut attempt = 0;
        let mut timeouts = 0;
        loop {
            attempt += 1;
            let result = self.send_once(agent, &uri, req);
            let timed_out = matches!(&result, Err(ureq::Error::Timeout(_)));
            timeouts += u32::from(timed_out);
            let retry = match &result {
                Ok(r) if matches!(r.status, 429 | 500 | 502 | 503 | 504) => {
                    Some(r.retry_after().map(|d| d.min(MAX_RETRY_AFTER)))
                }
                Ok(_) => None,
                Err(_) if timed_out && timeouts >= MAX_TIMEOUT_ATTEMPTS => None,
                Err(e) if is_transient(e) => Some(None),
                Err(_) => None,
            };
            match retry {
                Some(after) if attempt < attempts => {
                    if timed_out {
                        eprintln!(
                            "note: no answer from {what} at {} within {} s; trying again ({} of at most {MAX_TIMEOUT_ATTEMPTS})",
                            origin(&uri),
                            self.timeout.as_secs_f64(),
                            timeouts + 1
                        );
                    }
                    self.wait(after.unwrap_or_else(|| backoff(attempt)));
                }
                _ => {
                    return result.map_err(|e| {
                        Error::Network(format!("cannot reach {what} at {}: {}", origin(&uri), describe(&e)))
                    });
                }
            }
        }
    }

    fn send_once(&self, agent: &ureq::Agent, uri: &Uri, req: &Request) -> Result<Response, ureq::Error> {
        let mut b = http::Request::builder().method(req.method.as_str()).uri(uri.clone());
        for (k, v) in &req.headers {
            b = b.header(k.as_str(), v.as_str());
        }
        let body = req.body.clone().unwrap_or_default();
        let request = b.body(body).map_err(ureq::Error::Http)?;
        let mut resp = agent.run(request)?;
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_ascii_lowercase(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = resp
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .lossy_utf8(true)
            .read_to_string()?;
        Ok(Response { status, headers, body })
    }
}

fn backoff(attempt: u32) -> Duration {
    let base = Duration::from_secs(1u64 << (attempt - 1).min(4));
    // Jitter of up to a quarter, from the clock: enough to spread concurrent pipelines.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    base + base.mul_f64(f64::from(nanos % 1000) / 4000.0)
}

fn is_transient(e: &ureq::Error) -> bool {
    matches!(
        e,
        ureq::Error::Io(_)
            | ureq::Error::Timeout(_)
            | ureq::Error::ConnectionFailed
            | ureq::Error::HostNotFound
            | ureq::Error::Protocol(_)
    )
}

fn describe(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Timeout(_) => "no answer in time (the server accepted the connection but did not answer)".into(),
        ureq::Error::Io(io) => io.to_string(),
        ureq::Error::HostNotFound => "host not found (DNS)".into(),
        ureq::Error::ConnectionFailed => "connection failed".into(),
        other => other.to_string(),
    }
}

/// Parses a URL and applies the transport rule: `https`, or `http` to a loopback address.
pub fn check_url(url: &str) -> Result<Uri, Error> {
    let uri: Uri = url
        .parse()
        .map_err(|_| Error::Usage(format!("`{url}` is not a valid URL")))?;
    if uri.host().is_none_or(str::is_empty) {
        return Err(Error::Usage(format!("`{url}` is not an absolute URL")));
    }
    match uri.scheme_str() {
        Some("https") => Ok(uri),
        Some("http") if is_loopback(&uri) => Ok(uri),
        Some("http") => Err(Error::Usage(format!(
            "`{url}`: plain http is accepted only for loopback addresses (localhost, 127.0.0.1, ::1); use https"
        ))),
        _ => Err(Error::Usage(format!("`{url}`: only https URLs are accepted"))),
    }
}

/// Whether the URL's host is `localhost` or a loopback IP address.
pub fn is_loopback(uri: &Uri) -> bool {
    let Some(host) = uri.host() else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost") || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// `scheme://host[:port]` of a URL.
pub fn origin(uri: &Uri) -> String {
    match (uri.scheme_str(), uri.authority()) {
        (Some(s), Some(a)) => format!("{s}://{a}"),
        _ => uri.to_string(),
    }
}

/// Whether two URLs have the same scheme, host and port (ports defaulted).
pub fn same_origin(a: &Uri, b: &Uri) -> bool {
    let port = |u: &Uri| {
        u.port_u16()
            .unwrap_or(if u.scheme_str() == Some("http") { 80 } else { 443 })
    };
    a.scheme_str() == b.scheme_str()
        && a.host().map(str::to_ascii_lowercase) == b.host().map(str::to_ascii_lowercase)
        && port(a) == port(b)
}

/// Percent-encodes a URL path segment (names of subscriptions, groups and deployments).
pub fn path_segment(s: &str) -> String {
    encode(s, |b| b.is_ascii_alphanumeric() || b"-._~()".contains(&b))
}

/// Percent-encodes a query or form value (`application/x-www-form-urlencoded`, spaces as `%20`).
pub fn form_encode(s: &str) -> String {
    encode(s, |b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

fn encode(s: &str, keep: impl Fn(u8) -> bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if keep(b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transport_rule() {
        assert!(check_url("https://management.azure.com").is_ok());
        assert!(check_url("http://127.0.0.1:8080/x").is_ok());
        assert!(check_url("http://localhost:1").is_ok());
        assert!(check_url("http://[::1]:1/").is_ok());
        assert!(check_url("http://127.9.9.9/").is_ok());
        for bad in [
            "http://management.azure.com",
            "http://10.0.0.1/",
            "ftp://x",
            "nope",
            "/relative",
        ] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn origins() {
        let a: Uri = "https://management.azure.com/subscriptions/x".parse().unwrap();
        let b: Uri = "https://Management.Azure.com:443/other?x=1".parse().unwrap();
        let c: Uri = "https://evil.example/subscriptions/x".parse().unwrap();
        let d: Uri = "http://management.azure.com/subscriptions/x".parse().unwrap();
        assert!(same_origin(&a, &b));
        assert!(!same_origin(&a, &c));
        assert!(!same_origin(&a, &d));
    }

    #[test]
    fn encoding() {
        assert_eq!(path_segment("rg-app_(1).x"), "rg-app_(1).x");
        assert_eq!(path_segment("a/b c"), "a%2Fb%20c");
        assert_eq!(form_encode("https://x/.default"), "https%3A%2F%2Fx%2F.default");
        assert_eq!(form_encode("é"), "%C3%A9");
    }

    #[test]
    fn scaled_waits_saturate() {
        assert_eq!(Client::new(1e300).scaled(Duration::from_secs(5)), MAX_WAIT);
        assert_eq!(Client::new(0.0).scaled(Duration::from_secs(5)), Duration::ZERO);
        assert_eq!(Client::new(2.0).scaled(Duration::from_secs(5)), Duration::from_secs(10));
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        assert!(backoff(1) >= Duration::from_secs(1) && backoff(1) < Duration::from_secs(2));
        assert!(backoff(3) >= Duration::from_secs(4));
        assert!(backoff(9) < Duration::from_secs(21));
    }
}
