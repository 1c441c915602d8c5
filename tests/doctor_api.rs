//! `doctor --api` through the real binary, against listeners on 127.0.0.1 only: a fake account
//! (its base URL through the test-only `AOAI_VNET_DOCTOR_ACCOUNT_URL`), a fake instance metadata
//! service (`AZURE_POD_IDENTITY_AUTHORITY_HOST`) and a fake `az` on PATH. The environment is
//! cleared, so nothing else is reached. Each answer of the account gets its likely cause; the
//! token is sent to the account and printed nowhere.

mod common;
mod fake_arm;

use common::{scratch, stderr, stdout};
use fake_arm::{Fake, Req, Resp, CLI_TOKEN};
use serde_json::json;
use std::path::Path;
use std::process::{Command, Output};

/// The managed identity's object ID, which the token names in its `oid` claim.
const OID: &str = "6d2c4d1e-0c7a-4b8e-9f3a-2b1c0d9e8f7a";

/// A JWT-shaped token for `OID` (payload `{"oid":…,"idtyp":"app"}`), unsigned.
fn mi_token() -> String {
    // base64url of {"alg":"none"} and of {"oid":"6d2c…","idtyp":"app"}; the signature part is
    // what the test looks for in the output (it must be nowhere).
    "eyJhbGciOiJub25lIn0.eyJvaWQiOiI2ZDJjNGQxZS0wYzdhLTRiOGUtOWYzYS0yYjFjMGQ5ZThmN2EiLCJpZHR5cCI6ImFwcCJ9.c2VjcmV0LXNpZ25hdHVyZS1ORVZFUi1QUklOVA".into()
}

/// A fake instance metadata service that hands out `mi_token()` for the Cognitive Services
/// audience (and refuses anything else).
fn imds() -> Fake {
    Fake::start(|r: &Req, _| {
        let ok = r.path() == "/metadata/identity/oauth2/token"
            && r.header("metadata") == Some("true")
            && r.query("resource").as_deref() == Some("https://cognitiveservices.azure.com");
        if ok {
            Resp::json(
                200,
                json!({ "access_token": mi_token(), "expires_on": "4102444800", "token_type": "Bearer" }),
            )
        } else {
            Resp::error(400, "invalid_request", "unexpected request")
        }
    })
}

/// A fake account that gives `answer` to a request carrying `token`, and 401 to any other.
fn account(token: String, answer: Resp) -> Fake {
    Fake::start(move |r: &Req, _| {
        if r.header("authorization") == Some(&format!("Bearer {token}")) {
            answer.clone()
        } else {
            Resp::error(
                401,
                "401",
                "Access denied due to invalid subscription key or wrong API endpoint.",
            )
        }
    })
}

fn port_of(f: &Fake) -> String {
    f.url.rsplit(':').next().unwrap().to_string()
}

/// `doctor 127.0.0.1 --port P --api` with a clean environment: the account at `acct`, the
/// metadata service at `imds_url`, `PATH` only `path`.
fn doctor(acct: &Fake, imds_url: &str, path: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aoai-vnet"))
        .current_dir(path)
        .env_clear()
        .env("PATH", path)
        .env("HOME", path)
        .env("NO_COLOR", "1")
        .env("AOAI_VNET_DELAY_SCALE", "0")
        .env("AOAI_VNET_DOCTOR_ACCOUNT_URL", &acct.url)
        .env("AZURE_POD_IDENTITY_AUTHORITY_HOST", imds_url)
        .args([
            "doctor",
            "127.0.0.1",
            "--port",
            &port_of(acct),
            "--timeout",
            "2",
            "--api",
        ])
        .output()
        .expect("the binary runs")
}

/// Asserts that no secret of the test shows in what the user sees.
#[track_caller]
fn never_printed(o: &Output, secret: &str) {
    let all = format!("{}{}", stdout(o), stderr(o));
    assert!(!all.contains(secret), "the token was printed:\n{all}");
}

#[test]
fn a_200_from_the_account_with_the_metadata_token_passes() {
    let dir = scratch("doctor-api-works");
    let mi = imds();
    let acct = account(mi_token(), Resp::json(200, json!({ "data": [] })));
    let o = doctor(&acct, &mi.url, &dir);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{}", stderr(&o));
    assert!(out.contains("4. Call the API with an Entra ID token: GET "), "{out}");
    assert!(out.contains("/openai/models?api-version=2024-10-21"), "{out}");
    assert!(
        out.contains("   token: this machine's managed identity (for https://cognitiveservices.azure.com)"),
        "{out}"
    );
    assert!(out.contains(&format!("   principal: ServicePrincipal {OID}")), "{out}");
    assert!(out.contains("   ok: HTTP 200"), "{out}");
    assert!(
        out.contains("API: OK: the API answered an authenticated request."),
        "{out}"
    );
    // One request to the account, carrying the token; one to the metadata service.
    let calls: Vec<Req> = acct.requests();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0].method, "GET");
    assert_eq!(calls[0].target, "/openai/models?api-version=2024-10-21");
    assert_eq!(mi.requests().len(), 1);
    never_printed(&o, &mi_token());
    never_printed(&o, "c2VjcmV0LXNpZ25hdHVyZS1ORVZFUi1QUklOVA");
}

#[test]
fn each_refusal_names_its_likely_cause() {
    let dir = scratch("doctor-api-causes");
    let mi = imds();
    let role = format!(
        "az role assignment create --assignee-object-id {OID} --assignee-principal-type ServicePrincipal --role \"Cognitive Services OpenAI User\""
    );
    let cases: Vec<(Resp, Vec<String>)> = vec![
        (
            Resp::error(
                401,
                "PermissionDenied",
                "Principal does not have access to API/Operation.",
            ),
            vec![
                "   FAILED: HTTP 401 PermissionDenied: Principal does not have access to API/Operation.".into(),
                format!("API: FAILED: ServicePrincipal {OID} has no role that may call the API."),
                role.clone(),
                "`jumpbox.openai_role`".into(),
            ],
        ),
        (
            Resp::error(403, "AuthorizationFailed", "The client does not have authorization."),
            vec![
                format!("API: FAILED: ServicePrincipal {OID} has no role that may call the API."),
                role,
            ],
        ),
        (
            Resp::error(
                403,
                "403",
                "Public access is disabled. Please configure private endpoint.",
            ),
            vec![
                "API: FAILED: the request reached the account's public endpoint, which is closed".into(),
                "Likely cause: DNS issue.".into(),
            ],
        ),
        (
            Resp::error(401, "401", "Access token is missing or invalid."),
            vec![
                "API: FAILED: the account refused the token (401).".into(),
                "The token must be for https://cognitiveservices.azure.com".into(),
            ],
        ),
        (
            Resp::error(404, "404", "Resource not found"),
            vec![
                "API: FAILED: the account answered 404.".into(),
                "Not this account or not this path".into(),
            ],
        ),
    ];
    for (answer, expected) in cases {
        let acct = account(mi_token(), answer.clone());
        let o = doctor(&acct, &mi.url, &dir);
        let out = stdout(&o);
        assert_eq!(o.status.code(), Some(5), "{answer:?}: {out}");
        // DNS and TCP passed: the refusal is the API's.
        assert!(out.contains("OK: 127.0.0.1 resolves to 127.0.0.1 and port"), "{out}");
        for e in &expected {
            assert!(out.contains(e.as_str()), "{answer:?}: no `{e}` in:\n{out}");
        }
        never_printed(&o, &mi_token());
    }
}

#[cfg(unix)]
#[test]
fn off_azure_the_token_comes_from_the_azure_cli() {
    let dir = scratch("doctor-api-cli");
    fake_arm::fake_az(&dir);
    // Nothing listens where the metadata service would be: not an Azure VM.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let nowhere = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let acct = account(CLI_TOKEN.to_string(), Resp::json(200, json!({ "data": [] })));
    let o = doctor(&acct, &nowhere, &dir);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{}", stderr(&o));
    assert!(out.contains("   token: the Azure CLI's signed-in account (az account get-access-token --resource https://cognitiveservices.azure.com)"), "{out}");
    let log = std::fs::read_to_string(dir.join("az.log")).unwrap();
    assert!(
        log.contains("account get-access-token --output json --resource https://cognitiveservices.azure.com"),
        "{log}"
    );
    assert_eq!(acct.requests().len(), 1);
    never_printed(&o, CLI_TOKEN);
}

#[test]
fn without_a_token_or_a_connection_nothing_is_sent() {
    let dir = scratch("doctor-api-none");
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let nowhere = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    // No metadata service and no `az`: no token, so the account gets no request.
    let acct = account(mi_token(), Resp::json(200, json!({ "data": [] })));
    let o = doctor(&acct, &nowhere, &dir);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(5), "{out}");
    assert!(out.contains("   FAILED: no token: "), "{out}");
    assert!(
        out.contains("API: FAILED: no Entra ID token (API keys are off, so every call needs one)."),
        "{out}"
    );
    assert!(acct.requests().is_empty());
    // No TCP connection: the API is not called at all.
    let mi = imds();
    let down = Fake::start(|_: &Req, _| Resp::empty(200));
    let port = port_of(&down);
    let o = Command::new(env!("CARGO_BIN_EXE_aoai-vnet"))
        .current_dir(&dir)
        .env_clear()
        .env("PATH", &dir)
        .env("NO_COLOR", "1")
        .env("AOAI_VNET_DOCTOR_ACCOUNT_URL", &down.url)
        .env("AZURE_POD_IDENTITY_AUTHORITY_HOST", &mi.url)
        .args([
            "doctor",
            "127.0.0.1",
            "--port",
            &closed_port(&port),
            "--timeout",
            "2",
            "--api",
        ])
        .output()
        .unwrap();
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(5), "{out}");
    assert!(
        out.contains("API: not called: no TCP connection to the account succeeded."),
        "{out}"
    );
    assert!(down.requests().is_empty() && mi.requests().is_empty());
}

/// A port on 127.0.0.1 where nothing listens (not `taken`).
fn closed_port(taken: &str) -> String {
    loop {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let p = l.local_addr().unwrap().port().to_string();
        if p != taken {
            return p;
        }
    }
}
