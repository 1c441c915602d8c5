//! `aoai-vnet deploy` end to end: the real binary against a fake Resource Manager on 127.0.0.1
//! (`fake_arm`), with a fake `az` on PATH for the CLI credential. Every run is bounded in time;
//! nothing but loopback is ever contacted (the environment is cleared, proxies included).

mod common;
mod fake_arm;

use common::scratch;
use fake_arm::*;
use serde_json::{json, Value};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

const LIMIT: Duration = Duration::from_secs(60);

/// A topology with a jump box (so the template has a required parameter) and a default
/// resource group.
const TOPOLOGY: &str = "name: demo\nlocation: eastus\nresource_group: rg-demo\nvnets:\n  main:\n    address_space: 10.0.0.0/16\nopenai: {}\nbastion: { vnet: main }\njumpbox: { vnet: main }\n";
const SSH_KEY: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE6x demo@example";

struct Setup {
    dir: PathBuf,
    /// PATH for the binary: a folder that holds only the fake `az` (when the test writes one).
    bin: PathBuf,
}

fn setup(name: &str) -> Setup {
    let dir = scratch(&format!("deploy-{name}"));
    fs::write(dir.join("aoai-vnet.yaml"), TOPOLOGY).unwrap();
    fs::write(dir.join("id.pub"), format!("{SSH_KEY}\n")).unwrap();
    let bin = dir.join("bin");
    fs::create_dir_all(&bin).unwrap();
    Setup { dir, bin }
}

/// A service principal from the environment, its authority the fake server.
fn with_sp(c: &mut std::process::Command, fake: &Fake) {
    c.env("AZURE_TENANT_ID", TENANT)
        .env("AZURE_CLIENT_ID", "00000000-aaaa-bbbb-cccc-000000000001")
        .env("AZURE_CLIENT_SECRET", CLIENT_SECRET)
        .env("AZURE_AUTHORITY_HOST", &fake.url)
        .env("AZURE_SUBSCRIPTION_ID", SUB);
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// No secret ever appears in what the binary prints.
fn assert_no_secrets(o: &Output) {
    for s in [SP_TOKEN, CLI_TOKEN, MI_TOKEN, CLIENT_SECRET, "federated-assertion-jwt"] {
        assert!(
            !out(o).contains(s) && !err(o).contains(s),
            "{s} was printed:\n{}\n{}",
            out(o),
            err(o)
        );
    }
}

fn arm_requests(fake: &Fake) -> Vec<Req> {
    fake.requests()
        .into_iter()
        .filter(|r| r.path().starts_with("/subscriptions/") || r.path().starts_with("/lro/"))
        .collect()
}

#[test]
fn deploys_creating_the_group_following_the_operation_and_saving_outputs() {
    let s = setup("success");
    let fake = Fake::start(Script::default().handler());
    let mut c = command(&s.dir, &s.bin, &fake.url);
    with_sp(&mut c, &fake);
    c.env("CI", "true")
        .args(["deploy", "--yes", "--parameter", "jumpboxSshPublicKey=@id.pub"]);
    let o = run_bounded(&mut c, LIMIT);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_no_secrets(&o);

    // The token: a client-credentials grant for the ARM audience, sent as a bearer token.
    let token_req = fake
        .requests()
        .into_iter()
        .find(|r| r.path() == format!("/{TENANT}/oauth2/v2.0/token"))
        .expect("a token request");
    let form = token_req.form();
    assert_eq!(form["grant_type"], "client_credentials");
    assert_eq!(form["client_secret"], CLIENT_SECRET);
    assert_eq!(form["scope"], "https://management.core.windows.net//.default");
    for r in arm_requests(&fake) {
        assert_eq!(
            r.header("authorization"),
            Some(&*format!("Bearer {SP_TOKEN}")),
            "{}",
            r.target
        );
    }

    // The flow: group missing, created in the topology's location; validate; PUT; polls.
    let rg = format!("/subscriptions/{SUB}/resourcegroups/rg-demo");
    let dep = format!("{rg}/providers/Microsoft.Resources/deployments/aoai-vnet-demo");
    let calls: Vec<String> = arm_requests(&fake)
        .iter()
        .map(|r| format!("{} {}", r.method, r.path()))
        .collect();
    assert_eq!(calls[0], format!("GET {rg}"));
    assert_eq!(calls[1], format!("PUT {rg}"));
    assert_eq!(calls[2], format!("POST {dep}/validate"));
    assert_eq!(calls[3], format!("PUT {dep}"));
    assert!(calls.contains(&"GET /lro/deployment-status".to_string()), "{calls:#?}");
    assert_eq!(calls.last().unwrap(), &format!("GET {dep}"), "{calls:#?}");
    assert_eq!(fake.count("POST", "/whatIf"), 0, "--yes skips the what-if");
    let reqs = fake.requests();
    let rg_put = reqs.iter().find(|r| r.method == "PUT" && r.path() == rg).unwrap();
    assert_eq!(rg_put.json(), json!({"location": "eastus"}));
    let put = reqs.iter().find(|r| r.method == "PUT" && r.path() == dep).unwrap();
    let body = put.json();
    assert_eq!(body["properties"]["mode"], "Incremental");
    assert!(body.get("location").is_none(), "no location at resource-group scope");
    assert!(body["properties"]["template"]["$schema"]
        .as_str()
        .unwrap()
        .contains("deploymentTemplate.json"));
    assert_eq!(
        body["properties"]["parameters"],
        json!({"jumpboxSshPublicKey": {"value": SSH_KEY}}),
        "only the given parameters; the file's final newline dropped"
    );
    assert!(put.query("api-version").is_some());

    // Live view (plain lines: stderr is not a terminal), outputs printed and saved.
    let e = err(&o);
    assert!(e.contains("created resource group rg-demo in eastus"), "{e}");
    assert!(e.contains("validation passed"), "{e}");
    assert!(
        e.contains("  done    Microsoft.Network/networkSecurityGroups nsg-demo-main-default (4s)"),
        "{e}"
    );
    assert!(
        e.contains("  started Microsoft.CognitiveServices/accounts oai-demo"),
        "{e}"
    );
    assert!(e.contains("deployment aoai-vnet-demo succeeded"), "{e}");
    assert!(!e.contains("EvaluateDeploymentOutput"), "{e}");
    let stdout = out(&o);
    assert!(stdout.contains("privateEndpointIp: 10.0.1.4\n"), "{stdout}");
    assert!(stdout.contains("vnetIds: [\"/subscriptions/x/vnet-a\"]\n"), "{stdout}");
    let saved = fs::read_to_string(s.dir.join("infra/deployment-outputs.json")).unwrap();
    assert!(saved.ends_with("}\n"));
    assert_eq!(serde_json::from_str::<Value>(&saved).unwrap(), outputs());
    assert_eq!(
        saved,
        format!("{}\n", serde_json::to_string_pretty(&outputs()).unwrap())
    );
    let left: Vec<_> = fs::read_dir(s.dir.join("infra")).unwrap().collect();
    assert_eq!(left.len(), 1, "no temporary file is left");

    // `aoai-vnet hosts` reads what deploy wrote.
    let hosts = run_bounded(command(&s.dir, &s.bin, &fake.url).args(["hosts"]), LIMIT);
    assert!(out(&hosts).contains("10.0.1.4"), "{}{}", out(&hosts), err(&hosts));
}

#[test]
fn throttling_and_transient_errors_are_retried_honouring_retry_after() {
    let s = setup("retry");
    let script = Script {
        rg_exists: true,
        lro: Lro::Location,
        faults: vec![
            (
                "POST",
                "/validate",
                Resp::error(429, "TooManyRequests", "throttled").header("Retry-After", "2"),
            ),
            (
                "PUT",
                "/aoai-vnet-demo",
                Resp::error(503, "ServiceUnavailable", "try again").header("Retry-After", "0"),
            ),
            ("GET", "/lro/deployment-location", Resp::empty(0)),
        ],
        ..Script::default()
    };
    let fake = Fake::start(script.handler());
    let mut c = command(&s.dir, &s.bin, &fake.url);
    with_sp(&mut c, &fake);
    // Real waits: Retry-After must be honoured.
    c.env("AOAI_VNET_DELAY_SCALE", "1").env("CI", "1").args([
        "deploy",
        "-y",
        "-p",
        &format!("jumpboxSshPublicKey={SSH_KEY}"),
    ]);
    let o = run_bounded(&mut c, LIMIT);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let validates: Vec<Instant> = fake
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path().ends_with("/validate"))
        .map(|r| r.at)
        .collect();
    assert_eq!(validates.len(), 2, "429 then success");
    let gap = validates[1] - validates[0];
    // The backoff alone would wait 1 to 1.25 s.
    assert!(
        gap >= Duration::from_millis(1900),
        "Retry-After: 2 was not honoured ({gap:?})"
    );
    assert_eq!(fake.count("PUT", "/deployments/aoai-vnet-demo"), 2, "503 then success");
    assert!(
        fake.count("GET", "/lro/deployment-location") >= 3,
        "a dropped connection is retried"
    );
    assert!(
        fake.requests()
            .iter()
            .all(|r| !(r.method == "PUT" && r.path().ends_with("/resourcegroups/rg-demo"))),
        "the group exists: it is not created"
    );
    assert!(err(&o).contains("resource group rg-demo exists"), "{}", err(&o));
    assert_no_secrets(&o);
}

#[test]
fn a_failed_deployment_shows_arm_errors_with_targets_and_exits_4() {
    let s = setup("failed");
    let script = Script {
        rg_exists: true,
        outcome: Outcome::Failed {
            error: json!({"code": "DeploymentFailed", "message": "At least one resource deployment operation failed.",
                "details": [{"code": "Conflict", "message": "{\"error\":{\"code\":\"CustomDomainInUse\"}}",
                             "target": "/subscriptions/x/providers/Microsoft.CognitiveServices/accounts/oai-demo"}]}),
            failed_op: json!({"status": "Failed", "error": {"code": "CustomDomainInUse",
                "message": "Please pick a different name.", "target": "oai-demo"}}),
        },
        ..Script::default()
    };
    let fake = Fake::start(script.handler());
    let mut c = command(&s.dir, &s.bin, &fake.url);
    with_sp(&mut c, &fake);
    c.env("CI", "1")
        .args(["deploy", "--yes", "-g", "rg-demo", "-p", "jumpboxSshPublicKey=@id.pub"]);
    let o = run_bounded(&mut c, LIMIT);
    assert_eq!(o.status.code(), Some(4), "{}", err(&o));
    let e = err(&o);
    assert!(e.contains("error: the deployment aoai-vnet-demo ended Failed"), "{e}");
    assert!(
        e.contains("DeploymentFailed: At least one resource deployment operation failed."),
        "{e}"
    );
    assert!(e.contains("    - Conflict\n"), "{e}");
    assert!(
        e.contains("        - CustomDomainInUse\n"),
        "inner JSON errors are expanded: {e}"
    );
    assert!(
        e.contains("target: /subscriptions/x/providers/Microsoft.CognitiveServices/accounts/oai-demo"),
        "{e}"
    );
    assert!(
        e.contains("failed operations:\n  - Microsoft.CognitiveServices/accounts oai-demo"),
        "{e}"
    );
    assert!(e.contains("CustomDomainInUse: Please pick a different name."), "{e}");
    assert!(
        e.contains("✗") || e.contains("failed  Microsoft.CognitiveServices/accounts oai-demo"),
        "{e}"
    );
    assert!(e.contains("= help: the account's custom subdomain is taken"), "{e}");
    assert!(
        !s.dir.join("infra/deployment-outputs.json").exists(),
        "no outputs from a failed deployment"
    );
    assert_no_secrets(&o);
}

#[test]
fn what_if_renders_the_changes_and_never_puts_a_deployment() {
    let s = setup("what-if");
    let fake = Fake::start(
        Script {
            rg_exists: true,
            ..Script::default()
        }
        .handler(),
    );
    let mut c = command(&s.dir, &s.bin, &fake.url);
    with_sp(&mut c, &fake);
    // Non-interactive, no --yes: what-if needs no confirmation.
    c.env("CI", "true").args([
        "deploy",
        "--what-if",
        "--name",
        "preview-1",
        "-p",
        "jumpboxSshPublicKey=@id.pub",
    ]);
    let o = run_bounded(&mut c, LIMIT);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let stdout = out(&o);
    let expected = format!(
        "Resource and property changes are indicated with these symbols:
  - Delete
  + Create
  ~ Modify
  = Nochange

The deployment will update the following scope:

Scope: /subscriptions/{SUB}/resourceGroups/rg-demo

  - Microsoft.Network/publicIPAddresses/pip-old [2025-05-01]
  + Microsoft.CognitiveServices/accounts/oai-demo [2025-06-01]
  ~ Microsoft.Network/virtualNetworks/vnet-demo-main [2025-05-01]

    ~ tags.env: \"dev\" => \"prod\"

  = Microsoft.Network/privateDnsZones/privatelink.openai.azure.com [2024-06-01]

Resource changes: 1 to delete, 1 to create, 1 to modify, 1 no change.
"
    );
    assert_eq!(stdout, expected);
    let what_if = fake
        .requests()
        .into_iter()
        .find(|r| r.method == "POST" && r.path().ends_with("/deployments/preview-1/whatIf"))
        .expect("a what-if request, under the --name given");
    assert_eq!(
        what_if.json()["properties"]["parameters"]["jumpboxSshPublicKey"]["value"],
        SSH_KEY
    );
    assert_eq!(fake.count("GET", "/lro/what-if"), 1, "the 202's Location is polled");
    assert!(
        fake.requests().iter().all(|r| r.method != "PUT"),
        "what-if never PUTs anything"
    );
    assert!(!s.dir.join("infra").exists());
    assert_no_secrets(&o);
}

#[test]
fn validation_errors_exit_4_before_any_put() {
    let s = setup("invalid");
    let script = Script {
        rg_exists: true,
        validate: Some(Resp::json(
            400,
            json!({"error": {"code": "InvalidTemplateDeployment",
                "message": "The template deployment 'aoai-vnet-demo' is not valid according to the validation procedure.",
                "details": [{"code": "RequestDisallowedByPolicy",
                    "message": "Resource 'oai-demo' was disallowed by policy.",
                    "target": "oai-demo",
                    "additionalInfo": [{"type": "PolicyViolation", "info": {"policyDefinitionDisplayName": "Allowed locations"}}]}]}}),
        )
        .header("x-ms-correlation-request-id", "corr-1234")),
        ..Script::default()
    };
    let fake = Fake::start(script.handler());
    let mut c = command(&s.dir, &s.bin, &fake.url);
    with_sp(&mut c, &fake);
    c.env("CI", "1")
        .args(["deploy", "--validate-only", "-p", "jumpboxSshPublicKey=@id.pub"]);
    let o = run_bounded(&mut c, LIMIT);
    assert_eq!(o.status.code(), Some(4), "{}", err(&o));
    let e = err(&o);
    assert!(
        e.contains("error: validating the deployment failed: Azure answered HTTP 400"),
        "{e}"
    );
    assert!(
        e.contains("InvalidTemplateDeployment: The template deployment 'aoai-vnet-demo' is not valid"),
        "{e}"
    );
    assert!(
        e.contains("- RequestDisallowedByPolicy: Resource 'oai-demo' was disallowed by policy."),
        "{e}"
    );
    assert!(e.contains("target: oai-demo"), "{e}");
    assert!(
        e.contains("PolicyViolation: {\"policyDefinitionDisplayName\":\"Allowed locations\"}"),
        "{e}"
    );
    assert!(
        e.contains("= help: an Azure Policy assignment denies this resource"),
        "{e}"
    );
    assert!(e.contains("= correlation id: corr-1234"), "{e}");
    assert!(fake.requests().iter().all(|r| r.method != "PUT"));

    // --validate-only that passes: exit 0, still nothing PUT.
    let fake = Fake::start(
        Script {
            rg_exists: true,
            ..Script::default()
        }
        .handler(),
    );
    let mut c = command(&s.dir, &s.bin, &fake.url);
    with_sp(&mut c, &fake);
    c.env("CI", "1")
        .args(["deploy", "--validate-only", "-p", "jumpboxSshPublicKey=@id.pub"]);
    let o = run_bounded(&mut c, LIMIT);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(err(&o).contains("validation passed"));
    assert!(fake.requests().iter().all(|r| r.method != "PUT"));
    assert_eq!(fake.count("POST", "/whatIf"), 0);
}

#[cfg(unix)]
#[test]
fn an_unreachable_endpoint_exits_5() {
    let s = setup("unreachable");
    fake_az(&s.bin);
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let mut c = command(&s.dir, &s.bin, &endpoint);
    c.env("CI", "1")
        .args(["deploy", "--yes", "-p", "jumpboxSshPublicKey=@id.pub"]);
    let o = run_bounded(&mut c, LIMIT);
    assert_eq!(o.status.code(), Some(5), "{}", err(&o));
    assert!(
        err(&o).contains(&format!(
            "error: cannot reach Azure Resource Manager (reading resource group rg-demo) at {endpoint}"
        )),
        "{}",
        err(&o)
    );
    assert_no_secrets(&o);
}

#[cfg(unix)]
#[test]
fn the_cli_credential_comes_from_az_and_so_does_the_subscription() {
    let s = setup("cli");
    fake_az(&s.bin);
    let fake = Fake::start(
        Script {
            rg_exists: true,
            ..Script::default()
        }
        .handler(),
    );
    let mut c = command(&s.dir, &s.bin, &fake.url);
    c.env("CI", "1").args([
        "deploy",
        "--yes",
        "-p",
        "jumpboxSshPublicKey=@id.pub",
        "--outputs-file",
        "out/o.json",
    ]);
    let o = run_bounded(&mut c, LIMIT);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(err(&o).contains("credential: Azure CLI"), "{}", err(&o));
    assert!(err(&o).contains(&format!("subscription {SUB}")), "{}", err(&o));
    for r in arm_requests(&fake) {
        assert_eq!(r.header("authorization"), Some(&*format!("Bearer {CLI_TOKEN}")));
        assert!(r.path().starts_with(&format!("/subscriptions/{SUB}")) || r.path().starts_with("/lro/"));
    }
    let log = fs::read_to_string(s.bin.join("az.log")).unwrap();
    assert!(log.contains("account show --output json"), "{log}");
    assert!(
        log.contains(&format!(
            "account get-access-token --output json --resource https://management.core.windows.net/ --subscription {SUB}"
        )),
        "{log}"
    );
    assert!(s.dir.join("out/o.json").is_file(), "--outputs-file");
    assert_no_secrets(&o);

    // --auth cli uses az even when a service principal is configured.
    let fake = Fake::start(
        Script {
            rg_exists: true,
            ..Script::default()
        }
        .handler(),
    );
    let mut c = command(&s.dir, &s.bin, &fake.url);
    with_sp(&mut c, &fake);
    c.env("CI", "1").args([
        "deploy",
        "--what-if",
        "--auth",
        "cli",
        "-p",
        "jumpboxSshPublicKey=@id.pub",
    ]);
    let o = run_bounded(&mut c, LIMIT);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(fake.count("POST", "/oauth2/v2.0/token"), 0);
    assert!(arm_requests(&fake)
        .iter()
        .all(|r| r.header("authorization") == Some(&*format!("Bearer {CLI_TOKEN}"))));
}

#[cfg(unix)]
#[test]
fn a_missing_or_failing_az_is_a_clear_credential_error() {
    let s = setup("no-az");
    let fake = Fake::start(Script::default().handler());
    let mut c = command(&s.dir, &s.bin, &fake.url);
    c.env("CI", "1")
        .env("AZURE_SUBSCRIPTION_ID", SUB)
        .args(["deploy", "--yes", "-p", "jumpboxSshPublicKey=@id.pub"]);
    let o = run_bounded(&mut c, LIMIT);
    assert_eq!(o.status.code(), Some(4), "{}", err(&o));
    assert!(err(&o).contains("the Azure CLI (az) is not on PATH"), "{}", err(&o));
    assert!(fake.requests().is_empty(), "nothing is sent without a token");

    // Without a subscription from anywhere: a usage error.
    let mut c = command(&s.dir, &s.bin, &fake.url);
    c.env("CI", "1")
        .args(["deploy", "--yes", "-p", "jumpboxSshPublicKey=@id.pub"]);
    let o = run_bounded(&mut c, LIMIT);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(
        err(&o).contains("no subscription: pass --subscription ID"),
        "{}",
        err(&o)
    );
}

#[test]
fn workload_identity_sends_the_federated_token_as_assertion() {
    let s = setup("workload");
    fs::write(s.dir.join("oidc-token"), "federated-assertion-jwt\n").unwrap();
    let fake = Fake::start(
        Script {
            rg_exists: true,
            ..Script::default()
        }
        .handler(),
    );
    let mut c = command(&s.dir, &s.bin, &fake.url);
    c.env("CI", "1")
        .env("AZURE_TENANT_ID", TENANT)
        .env("AZURE_CLIENT_ID", "00000000-aaaa-bbbb-cccc-000000000002")
        .env("AZURE_FEDERATED_TOKEN_FILE", s.dir.join("oidc-token"))
        .env("AZURE_AUTHORITY_HOST", format!("{}/", fake.url))
        .args([
            "deploy",
            "--what-if",
            "--subscription",
            SUB,
            "-p",
            "jumpboxSshPublicKey=@id.pub",
        ]);
    let o = run_bounded(&mut c, LIMIT);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(err(&o).contains("credential: workload identity 00000000-aaaa-bbbb-cccc-000000000002"));
    let token_req = fake
        .requests()
        .into_iter()
        .find(|r| r.path() == format!("/{TENANT}/oauth2/v2.0/token"))
        .expect("a token request");
    let form = token_req.form();
    assert_eq!(form["client_assertion"], "federated-assertion-jwt");
    assert_eq!(
        form["client_assertion_type"],
        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    );
    assert!(!form.contains_key("client_secret"));
    assert_no_secrets(&o);

    // A missing token file is a file failure.
    let mut c = command(&s.dir, &s.bin, &fake.url);
    c.env("CI", "1")
        .env("AZURE_TENANT_ID", TENANT)
        .env("AZURE_CLIENT_ID", "c")
        .env("AZURE_FEDERATED_TOKEN_FILE", s.dir.join("missing-token"))
        .env("AZURE_AUTHORITY_HOST", &fake.url)
        .args([
            "deploy",
            "--what-if",
            "--subscription",
            SUB,
            "-p",
            "jumpboxSshPublicKey=@id.pub",
        ]);
    let o = run_bounded(&mut c, LIMIT);
    assert_eq!(o.status.code(), Some(5), "{}", err(&o));
    assert!(err(&o).contains("cannot read the federated token"), "{}", err(&o));
}

#[test]
fn managed_identity_only_from_identity_endpoint_or_when_asked() {
    let s = setup("managed-identity");
    let fake = Fake::start(
        Script {
            rg_exists: true,
            ..Script::default()
        }
        .handler(),
    );
    // App Service / Container Apps: IDENTITY_ENDPOINT + IDENTITY_HEADER, picked by auto.
    let mut c = command(&s.dir, &s.bin, &fake.url);
    c.env("CI", "1")
        .env("IDENTITY_ENDPOINT", format!("{}/msi/token", fake.url))
        .env("IDENTITY_HEADER", "header-secret")
        .args([
            "deploy",
            "--what-if",
            "--subscription",
            SUB,
            "-p",
            "jumpboxSshPublicKey=@id.pub",
        ]);
    let o = run_bounded(&mut c, LIMIT);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let mi = fake.requests().into_iter().find(|r| r.path() == "/msi/token").unwrap();
    assert_eq!(mi.header("x-identity-header"), Some("header-secret"));
    assert_eq!(
        mi.query("resource").as_deref(),
        Some("https://management.core.windows.net/")
    );
    assert_eq!(mi.query("api-version").as_deref(), Some("2019-08-01"));
    assert!(!err(&o).contains("header-secret"));
    assert_no_secrets(&o);

    // The instance metadata service: only with --auth managed-identity (here at the fake, through
    // AZURE_POD_IDENTITY_AUTHORITY_HOST), with a user-assigned identity's client ID.
    let fake = Fake::start(
        Script {
            rg_exists: true,
            ..Script::default()
        }
        .handler(),
    );
    let mut c = command(&s.dir, &s.bin, &fake.url);
    c.env("CI", "1")
        .env("AZURE_POD_IDENTITY_AUTHORITY_HOST", &fake.url)
        .env("AZURE_CLIENT_ID", "uami-client-id")
        .args([
            "deploy",
            "--what-if",
            "--auth",
            "managed-identity",
            "--subscription",
            SUB,
            "-p",
            "jumpboxSshPublicKey=@id.pub",
        ]);
    let o = run_bounded(&mut c, LIMIT);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let imds = fake
        .requests()
        .into_iter()
        .find(|r| r.path() == "/metadata/identity/oauth2/token")
        .unwrap();
    assert_eq!(imds.header("metadata"), Some("true"));
    assert_eq!(imds.query("client_id").as_deref(), Some("uami-client-id"));

    // In auto mode, without IDENTITY_ENDPOINT, the metadata service is never asked (the CLI is
    // used, and here there is none).
    let fake = Fake::start(
        Script {
            rg_exists: true,
            ..Script::default()
        }
        .handler(),
    );
    let mut c = command(&s.dir, &s.bin, &fake.url);
    c.env("CI", "1")
        .env("AZURE_POD_IDENTITY_AUTHORITY_HOST", &fake.url)
        .args([
            "deploy",
            "--what-if",
            "--subscription",
            SUB,
            "-p",
            "jumpboxSshPublicKey=@id.pub",
        ]);
    let o = run_bounded(&mut c, LIMIT);
    assert_eq!(o.status.code(), Some(4), "{}", err(&o));
    assert!(fake.requests().is_empty(), "{:?}", fake.requests());
}

#[test]
fn usage_mistakes_exit_2_before_any_request() {
    let s = setup("usage");
    let fake = Fake::start(Script::default().handler());
    let run = |args: &[&str], ci: bool| {
        let mut c = command(&s.dir, &s.bin, &fake.url);
        with_sp(&mut c, &fake);
        if ci {
            c.env("CI", "true");
        }
        c.args(args);
        run_bounded(&mut c, LIMIT)
    };
    // A required parameter without a value.
    let o = run(&["deploy", "--yes"], true);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(
        err(&o).contains("the template needs a value for `jumpboxSshPublicKey` (no default)"),
        "{}",
        err(&o)
    );
    // An unknown parameter.
    let o = run(&["deploy", "--yes", "-p", "jumpboxSshPublicKy=x"], true);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("did you mean `jumpboxSshPublicKey`?"), "{}", err(&o));
    // Non-interactive without --yes: CI set, or stdin not a terminal.
    let o = run(&["deploy", "-p", "jumpboxSshPublicKey=@id.pub"], true);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).contains("not interactive (CI is set): pass --yes"),
        "{}",
        err(&o)
    );
    let o = run(&["deploy", "-p", "jumpboxSshPublicKey=@id.pub"], false);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("standard input is not a terminal"), "{}", err(&o));
    // Plain http to anything but loopback.
    let o = run(
        &[
            "deploy",
            "--yes",
            "-p",
            "jumpboxSshPublicKey=@id.pub",
            "--arm-endpoint",
            "http://management.example",
        ],
        true,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).contains("plain http is accepted only for loopback"),
        "{}",
        err(&o)
    );
    // Bad names, bad subscription, what-if with validate-only.
    let o = run(
        &["deploy", "--yes", "-p", "jumpboxSshPublicKey=@id.pub", "-g", "rg/x"],
        true,
    );
    assert_eq!(o.status.code(), Some(2));
    let o = run(
        &[
            "deploy",
            "--yes",
            "-p",
            "jumpboxSshPublicKey=@id.pub",
            "--subscription",
            "nope",
        ],
        true,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("is not a subscription ID"), "{}", err(&o));
    let o = run(&["deploy", "--what-if", "--validate-only"], true);
    assert_eq!(o.status.code(), Some(2));
    // --auth env without its variables.
    let mut c = command(&s.dir, &s.bin, &fake.url);
    c.env("CI", "1").args([
        "deploy",
        "--yes",
        "--auth",
        "env",
        "--subscription",
        SUB,
        "-p",
        "jumpboxSshPublicKey=@id.pub",
    ]);
    let o = run_bounded(&mut c, LIMIT);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).contains("--auth env needs AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET"),
        "{}",
        err(&o)
    );
    assert!(fake.requests().is_empty(), "nothing was sent: {:?}", fake.requests());
    // A parameter file that cannot be read: a file failure.
    let o = run(&["deploy", "--yes", "-p", "jumpboxSshPublicKey=@missing.pub"], true);
    assert_eq!(o.status.code(), Some(5));
    // No resource group at all (topology without one, no flag).
    fs::write(
        s.dir.join("nogroup.yaml"),
        TOPOLOGY.replace("resource_group: rg-demo\n", ""),
    )
    .unwrap();
    let o = run(
        &["deploy", "nogroup.yaml", "--yes", "-p", "jumpboxSshPublicKey=@id.pub"],
        true,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).contains("no resource group: pass --resource-group"),
        "{}",
        err(&o)
    );
    // A topology with errors: exit 1, nothing sent.
    fs::write(
        s.dir.join("broken.yaml"),
        "name: demo\nlocation: eastus\nvnets: {}\nopenai: {}\n",
    )
    .unwrap();
    let o = run(&["deploy", "broken.yaml", "--yes"], true);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(fake.requests().is_empty());
}

#[cfg(unix)]
#[test]
fn ctrl_c_says_the_deployment_goes_on_and_how_to_follow_or_cancel_it() {
    let s = setup("interrupt");
    let fake = Fake::start(
        Script {
            rg_exists: true,
            outcome: Outcome::Never,
            ..Script::default()
        }
        .handler(),
    );
    let mut c = command(&s.dir, &s.bin, &fake.url);
    with_sp(&mut c, &fake);
    // Polls every 50 ms (the fake's Retry-After is 0; a small scale keeps the default 5 s short).
    c.env("AOAI_VNET_DELAY_SCALE", "0.01")
        .env("CI", "1")
        .args(["deploy", "--yes", "-p", "jumpboxSshPublicKey=@id.pub"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let child = c.spawn().unwrap();
    let pid = child.id();
    let start = Instant::now();
    while fake.count("GET", "/operations") < 2 {
        assert!(start.elapsed() < LIMIT, "the deployment was never followed");
        std::thread::sleep(Duration::from_millis(20));
    }
    let killed = std::process::Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let o = wait_bounded(child, LIMIT);
    assert_eq!(o.status.code(), Some(130), "{}", err(&o));
    let e = err(&o);
    assert!(
        e.contains("interrupted: the deployment aoai-vnet-demo goes on in Azure"),
        "{e}"
    );
    assert!(
        e.contains(&format!(
            "az deployment group cancel -g rg-demo -n aoai-vnet-demo --subscription {SUB}"
        )),
        "{e}"
    );
    assert!(
        e.contains("az deployment group show -g rg-demo -n aoai-vnet-demo"),
        "{e}"
    );
}

/// Runs the binary under `script`, which gives it a terminal: the interactive path.
#[cfg(unix)]
fn interactive(s: &Setup, fake: &Fake, answer: &str) -> Output {
    use std::io::Write;
    let bin = env!("CARGO_BIN_EXE_aoai-vnet");
    let mut c = std::process::Command::new("/usr/bin/script");
    c.current_dir(&s.dir)
        .env_clear()
        .env("PATH", format!("{}:/usr/bin:/bin", s.bin.display()))
        .env("HOME", &s.dir)
        .env("NO_COLOR", "1")
        .env("TERM", "dumb")
        .env("AOAI_VNET_ARM_ENDPOINT", &fake.url)
        .env("AOAI_VNET_DELAY_SCALE", "0");
    with_sp(&mut c, fake);
    c.args([
        "-q",
        "-e",
        "-c",
        &format!("{bin} deploy -p jumpboxSshPublicKey=@id.pub"),
        "/dev/null",
    ])
    .stdin(std::process::Stdio::piped())
    .stdout(std::process::Stdio::piped())
    .stderr(std::process::Stdio::piped());
    let mut child = c.spawn().expect("script(1) runs");
    let mut stdin = child.stdin.take().unwrap();
    // Answer once the question is asked (the what-if ran).
    let start = Instant::now();
    while fake.count("GET", "/lro/what-if") == 0 {
        assert!(start.elapsed() < LIMIT, "no what-if");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(200));
    stdin.write_all(answer.as_bytes()).unwrap();
    stdin.flush().unwrap();
    let o = wait_bounded(child, LIMIT);
    drop(stdin);
    o
}

#[cfg(unix)]
#[test]
fn what_if_expects_the_zone_group_that_azure_policy_adds() {
    let s = setup("what-if-policy");
    fs::write(
        s.dir.join("aoai-vnet.yaml"),
        "name: demo\nlocation: eastus\nresource_group: rg-demo\nvnets:\n  main:\n    address_space: 10.0.0.0/16\nopenai:\n  dns: { mode: policy }\n",
    )
    .unwrap();
    let rg = format!("/subscriptions/{SUB}/resourceGroups/rg-demo");
    let fake = Fake::start(
        Script {
            rg_exists: true,
            what_if: json!({"status": "Succeeded", "properties": {"changes": [
                {"resourceId": format!("{rg}/providers/Microsoft.Network/privateEndpoints/pep-oai-demo"), "changeType": "NoChange",
                 "before": {"apiVersion": "2025-05-01"}},
                {"resourceId": format!("{rg}/providers/Microsoft.Network/privateEndpoints/pep-oai-demo/privateDnsZoneGroups/deployedByPolicy"),
                 "changeType": "Ignore"}
            ]}}),
            ..Script::default()
        }
        .handler(),
    );
    // The quiet what-if counts it among what is not a change.
    let mut c = command(&s.dir, &s.bin, &fake.url);
    with_sp(&mut c, &fake);
    c.env("CI", "true").args(["deploy", "--what-if"]);
    let o = run_bounded(&mut c, LIMIT);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let stdout = out(&o);
    assert!(
        stdout.ends_with("Resource changes: 1 no change.\nHidden: 1 reported change that is not a change (--what-if-all shows it):\n  1 zone groups added outside the template (Azure Policy)\n"),
        "{stdout}"
    );
    // Shown in full, it is marked as expected.
    let mut c = command(&s.dir, &s.bin, &fake.url);
    with_sp(&mut c, &fake);
    c.env("CI", "true").args(["deploy", "--what-if", "--what-if-all"]);
    let o = run_bounded(&mut c, LIMIT);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let stdout = out(&o);
    assert!(
        stdout.contains("  * Microsoft.Network/privateEndpoints/pep-oai-demo/privateDnsZoneGroups/deployedByPolicy (expected: Azure Policy adds the DNS zone group of `pep-oai-demo` (`dns.mode: policy`))\n"),
        "{stdout}"
    );
    assert!(
        stdout.ends_with("Resource changes: 1 no change, 1 to ignore.\n1 of them expected, not drift: Azure Policy adds the DNS zone group of `pep-oai-demo` (`dns.mode: policy`).\n"),
        "{stdout}"
    );
}

#[test]
fn interactive_runs_show_the_what_if_and_ask_first() {
    if !Path::new("/usr/bin/script").exists() {
        eprintln!("skipped: /usr/bin/script (util-linux) is not installed");
        return;
    }
    let s = setup("interactive");
    // Declined: what-if shown, nothing deployed.
    let fake = Fake::start(
        Script {
            rg_exists: true,
            ..Script::default()
        }
        .handler(),
    );
    let o = interactive(&s, &fake, "n\n");
    let text = out(&o);
    assert_eq!(o.status.code(), Some(0), "{text}");
    assert!(
        text.contains("+ Microsoft.CognitiveServices/accounts/oai-demo"),
        "{text}"
    );
    assert!(
        text.contains("Deploy these changes to resource group rg-demo? [y/N]"),
        "{text}"
    );
    assert!(text.contains("nothing was deployed"), "{text}");
    assert_eq!(fake.count("PUT", "/deployments/"), 0);
    // Accepted: deployed, with the progress bar of a terminal.
    let fake = Fake::start(
        Script {
            rg_exists: true,
            ..Script::default()
        }
        .handler(),
    );
    let o = interactive(&s, &fake, "y\n");
    let text = out(&o);
    assert_eq!(o.status.code(), Some(0), "{text}");
    assert_eq!(fake.count("PUT", "/deployments/aoai-vnet-demo"), 1);
    assert!(
        text.contains("✓ Microsoft.Network/networkSecurityGroups nsg-demo-main-default"),
        "{text}"
    );
    assert!(text.contains("deployment aoai-vnet-demo succeeded"), "{text}");
    assert!(!text.contains(SP_TOKEN) && !text.contains(CLIENT_SECRET));
}

/// The subscription-scope shape, through the library: the deployment goes to
/// `/subscriptions/{id}/providers/Microsoft.Resources/deployments/{name}` with a `location`, and
/// no resource group is read or created.
#[test]
fn subscription_scope_templates_deploy_at_the_subscription() {
    use aoai_vnet::deploy::credentials::ClientSecret;
    use aoai_vnet::deploy::{self, Arm, Client, Deployment, Scope, TemplateScope, Watch};

    let template = json!({
        "$schema": "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {"rgName": {"type": "string"}},
        "resources": [{"type": "Microsoft.Resources/resourceGroups", "apiVersion": "2025-04-01",
                       "name": "[parameters('rgName')]", "location": "eastus"}],
        "outputs": {}
    });
    assert_eq!(deploy::template_scope(&template).unwrap(), TemplateScope::Subscription);
    let given = ["rgName=rg-spoke".parse().unwrap()];
    let parameters = deploy::params::resolve(&template, &given).unwrap();

    let fake = Fake::start(Script::default().handler());
    let credential = ClientSecret {
        authority: fake.url.clone(),
        tenant: TENANT.into(),
        client_id: "c".into(),
        secret: deploy::credentials::Secret::new(CLIENT_SECRET),
        scope: "https://management.core.windows.net//.default".into(),
    };
    let arm = Arm::new(&fake.url, Box::new(credential), Client::new(0.0)).unwrap();
    let d = Deployment {
        scope: Scope::Subscription {
            subscription: SUB.into(),
        },
        name: "aoai-vnet-sub".into(),
        location: "eastus".into(),
        template,
        parameters,
    };
    struct Seen(Vec<String>);
    impl Watch for Seen {
        fn update(&mut self, state: &str, _: &[deploy::Operation]) {
            self.0.push(state.to_string());
        }
    }
    let mut seen = Seen(Vec::new());
    arm.validate(&d).unwrap();
    let what_if = arm.what_if(&d).unwrap();
    assert!(deploy::whatif::has_changes(&what_if));
    let outputs = arm.deploy(&d, &mut seen).unwrap();
    assert_eq!(outputs, fake_arm::outputs());
    assert_eq!(seen.0.last().map(String::as_str), Some("Succeeded"));

    let path = format!("/subscriptions/{SUB}/providers/Microsoft.Resources/deployments/aoai-vnet-sub");
    let reqs = fake.requests();
    for (method, p) in [
        ("POST", format!("{path}/validate")),
        ("POST", format!("{path}/whatIf")),
        ("PUT", path.clone()),
    ] {
        let r = reqs
            .iter()
            .find(|r| r.method == method && r.path() == p)
            .unwrap_or_else(|| panic!("no {method} {p}"));
        let body = r.json();
        assert_eq!(body["location"], "eastus", "{method} {p}");
        assert_eq!(body["properties"]["parameters"]["rgName"]["value"], "rg-spoke");
    }
    assert!(
        reqs.iter().all(|r| !r.path().contains("/resourcegroups/")),
        "no resource group at subscription scope"
    );
}

/// A polling URL on another host is refused: the token only goes to the Resource Manager endpoint.
#[test]
fn the_token_never_follows_a_url_to_another_origin() {
    let s = setup("origin");
    let other = Fake::start(|_: &Req, _: &str| Resp::json(200, json!({"status": "Succeeded"})));
    let other_url = other.url.clone();
    let script = Script {
        rg_exists: true,
        ..Script::default()
    };
    let inner = script.handler();
    let fake = Fake::start(move |r: &Req, base: &str| {
        if r.method == "PUT" && r.path().contains("/deployments/") {
            return Resp::json(201, json!({"properties": {"provisioningState": "Accepted"}}))
                .header("Azure-AsyncOperation", &format!("{other_url}/steal"));
        }
        inner(r, base)
    });
    let mut c = command(&s.dir, &s.bin, &fake.url);
    with_sp(&mut c, &fake);
    c.env("CI", "1")
        .args(["deploy", "--yes", "-p", "jumpboxSshPublicKey=@id.pub"]);
    let o = run_bounded(&mut c, LIMIT);
    assert_eq!(o.status.code(), Some(5), "{}", err(&o));
    assert!(err(&o).contains("refusing to send the token there"), "{}", err(&o));
    assert!(other.requests().is_empty(), "the other origin got nothing");
}

/// When following fails after Azure accepted the deployment, the user learns that it may still
/// be running, and how to follow it.
#[test]
fn losing_track_of_an_accepted_deployment_says_how_to_follow_it() {
    let s = setup("lost");
    let inner = Script {
        rg_exists: true,
        ..Script::default()
    }
    .handler();
    let fake = Fake::start(move |r: &Req, base: &str| {
        if r.path() == "/lro/deployment-status" {
            return Resp::error(500, "InternalServerError", "Encountered internal server error.");
        }
        inner(r, base)
    });
    let mut c = command(&s.dir, &s.bin, &fake.url);
    with_sp(&mut c, &fake);
    c.env("CI", "1")
        .args(["deploy", "--yes", "-p", "jumpboxSshPublicKey=@id.pub"]);
    let o = run_bounded(&mut c, LIMIT);
    assert_eq!(o.status.code(), Some(4), "{}", err(&o));
    let e = err(&o);
    assert_eq!(fake.count("GET", "/lro/deployment-status"), 6, "retried, then given up");
    assert!(
        e.contains("error: following the deployment failed: Azure answered HTTP 500"),
        "{e}"
    );
    assert!(
        e.contains("note: the deployment aoai-vnet-demo may still be running in Azure"),
        "{e}"
    );
    assert!(
        e.contains("az deployment group show -g rg-demo -n aoai-vnet-demo"),
        "{e}"
    );
}

/// A topology with resources in several groups compiles to a subscription-scope template: the
/// command deploys it at the subscription, with the topology's location, never touching a
/// resource group itself; `--resource-group` sets the template's default group.
#[test]
fn topologies_across_resource_groups_deploy_at_subscription_scope() {
    let s = setup("subscription-scope");
    let topology = "name: litware\nlocation: eastus2\nresource_group: rg-litware-hub\nvnets:\n  hub:\n    address_space: 10.50.0.0/22\n  app:\n    address_space: 10.51.0.0/22\n    resource_group: rg-litware-app\n    peer: hub\nopenai: {}\n";
    fs::write(s.dir.join("multi.yaml"), topology).unwrap();
    let fake = Fake::start(Script::default().handler());
    let mut c = command(&s.dir, &s.bin, &fake.url);
    with_sp(&mut c, &fake);
    c.env("CI", "1")
        .args(["deploy", "multi.yaml", "--yes", "-g", "rg-litware-core"]);
    let o = run_bounded(&mut c, LIMIT);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let path = format!("/subscriptions/{SUB}/providers/Microsoft.Resources/deployments/aoai-vnet-litware");
    let reqs = fake.requests();
    let put = reqs
        .iter()
        .find(|r| r.method == "PUT" && r.path() == path)
        .expect("a PUT at subscription scope");
    let body = put.json();
    assert_eq!(body["location"], "eastus2");
    assert!(body["properties"]["template"]["$schema"]
        .as_str()
        .unwrap()
        .contains("subscriptionDeploymentTemplate.json"));
    assert_eq!(
        body["properties"]["parameters"],
        json!({"resourceGroupName": {"value": "rg-litware-core"}})
    );
    assert!(reqs
        .iter()
        .any(|r| r.method == "POST" && r.path() == format!("{path}/validate")));
    assert!(
        reqs.iter().all(|r| !r.path().contains("/resourcegroups/")),
        "the template creates its groups"
    );
    assert!(err(&o).contains("subscription scope (eastus2)"), "{}", err(&o));
    assert!(s.dir.join("infra/deployment-outputs.json").is_file());

    // Both --resource-group and the parameter: ambiguous.
    let mut c = command(&s.dir, &s.bin, &fake.url);
    with_sp(&mut c, &fake);
    c.env("CI", "1")
        .args(["deploy", "multi.yaml", "--yes", "-g", "a", "-p", "resourceGroupName=b"]);
    let o = run_bounded(&mut c, LIMIT);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
}

/// Entra ID refusing the service principal: exit 4 with Entra's reason, the secret never shown,
/// nothing sent to Resource Manager.
#[test]
fn a_refused_service_principal_exits_4_with_entras_reason() {
    let s = setup("refused-sp");
    let script = Script {
        faults: vec![(
            "POST",
            "/oauth2/v2.0/token",
            Resp::json(
                401,
                json!({"error": "invalid_client",
                    "error_description": "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value.\r\nTrace ID: 1\r\nCorrelation ID: 2",
                    "error_codes": [7000215]}),
            ),
        )],
        ..Script::default()
    };
    let fake = Fake::start(script.handler());
    let mut c = command(&s.dir, &s.bin, &fake.url);
    with_sp(&mut c, &fake);
    c.env("CI", "1")
        .args(["deploy", "--what-if", "-p", "jumpboxSshPublicKey=@id.pub"]);
    let o = run_bounded(&mut c, LIMIT);
    assert_eq!(o.status.code(), Some(4), "{}", err(&o));
    assert!(
        err(&o).contains("error: cannot sign in to Azure: Entra ID refused a token for the service principal 00000000-aaaa-bbbb-cccc-000000000001 (AZURE_CLIENT_SECRET): invalid_client: AADSTS7000215: Invalid client secret provided."),
        "{}",
        err(&o)
    );
    assert!(arm_requests(&fake).is_empty());
    assert_no_secrets(&o);
}

// ---- Hardening: a Resource Manager (or something in its place) that misbehaves. ----

/// A script whose deployment goes well, with some answers replaced by `over` (method, path,
/// and how many times it was asked so far; `None` keeps the script's answer).
fn misbehaving(script: Script, over: impl Fn(&Req, &str, usize) -> Option<Resp> + Send + Sync + 'static) -> Fake {
    let inner = script.handler();
    let seen = std::sync::Mutex::new(std::collections::HashMap::<String, usize>::new());
    Fake::start(move |r: &Req, base: &str| {
        let n = {
            let mut seen = seen.lock().unwrap();
            let n = seen.entry(format!("{} {}", r.method, r.path())).or_insert(0);
            *n += 1;
            *n
        };
        over(r, base, n).unwrap_or_else(|| inner(r, base))
    })
}

fn deploy_run(s: &Setup, fake: &Fake, extra_env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut c = command(&s.dir, &s.bin, &fake.url);
    with_sp(&mut c, fake);
    for (k, v) in extra_env {
        c.env(k, v);
    }
    c.env("CI", "1")
        .args(["deploy", "--yes", "-p", "jumpboxSshPublicKey=@id.pub"])
        .args(args);
    let o = run_bounded(&mut c, LIMIT);
    assert_no_secrets(&o);
    o
}

const DEPLOYMENT: &str = "/providers/Microsoft.Resources/deployments/aoai-vnet-demo";

#[test]
fn huge_durations_expiries_and_delay_scales_saturate_instead_of_panicking() {
    let s = setup("saturate");
    let fake = misbehaving(Script::default(), |r, _, _| {
        if r.path().ends_with("/oauth2/v2.0/token") {
            return Some(Resp::json(
                200,
                json!({"token_type": "Bearer", "expires_in": 18446744073709551615u64, "access_token": SP_TOKEN}),
            ));
        }
        if r.path().ends_with("/operations") {
            let ops = json!({"value": [{"operationId": "9", "properties": {
                "provisioningOperation": "Create", "provisioningState": "Succeeded",
                "duration": "PT99999999999999999999999S",
                "targetResource": {"id": "/x", "resourceType": "Microsoft.Network/virtualNetworks", "resourceName": "vnet-demo-main"}}}]});
            return Some(Resp::json(200, ops));
        }
        None
    });
    let o = deploy_run(&s, &fake, &[], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(err(&o).contains("deployment aoai-vnet-demo succeeded"), "{}", err(&o));

    // The Azure CLI's `expires_on` as large.
    #[cfg(unix)]
    {
        let s = setup("saturate-az");
        fake_az(&s.bin);
        let az = fs::read_to_string(s.bin.join("az")).unwrap();
        fs::write(s.bin.join("az"), az.replace("4102444800", "18446744073709551615")).unwrap();
        let fake = Fake::start(Script::default().handler());
        let mut c = command(&s.dir, &s.bin, &fake.url);
        c.env("CI", "1")
            .args(["deploy", "--yes", "-p", "jumpboxSshPublicKey=@id.pub"]);
        let o = run_bounded(&mut c, LIMIT);
        assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    }

    // A delay scale too large for any duration: a long wait that the deadline ends, no panic.
    let s = setup("saturate-scale");
    let fake = Fake::start(Script::default().handler());
    let o = deploy_run(&s, &fake, &[("AOAI_VNET_DELAY_SCALE", "1e300")], &["--timeout", "1s"]);
    assert_eq!(o.status.code(), Some(5), "{}", err(&o));
    assert!(
        err(&o).contains("following the deployment: still not finished after 1s (--timeout)"),
        "{}",
        err(&o)
    );
    assert!(err(&o).contains("may still be running in Azure"), "{}", err(&o));
}

#[test]
fn html_from_a_captive_portal_is_not_success() {
    let s = setup("captive");
    let fake = misbehaving(Script::default(), |r, _, _| {
        if r.path().ends_with("/oauth2/v2.0/token") {
            return None;
        }
        Some(Resp {
            status: 200,
            headers: vec![("Content-Type".into(), "text/html".into())],
            body: "<html><body>Please sign in to the hotel Wi-Fi</body></html>".into(),
        })
    });
    let o = deploy_run(&s, &fake, &[], &[]);
    assert_eq!(o.status.code(), Some(5), "{}", err(&o));
    let e = err(&o);
    assert!(
        e.contains("Resource Manager answered HTTP 200 with a body that is not JSON (it starts with `<html><body>Please sign in"),
        "{e}"
    );
    assert!(!e.contains("validation passed"), "{e}");
    assert_eq!(fake.count("PUT", DEPLOYMENT), 0, "nothing deployed");
    assert_eq!(arm_requests(&fake).len(), 1, "the first answer was enough");
}

#[test]
fn an_operation_status_without_status_is_not_running_forever() {
    for (name, body) in [("garbage", "garbage"), ("no-status", "{\"state\": 1}")] {
        let s = setup(&format!("lro-{name}"));
        let fake = misbehaving(Script::default(), move |r, _, _| {
            (r.path() == "/lro/deployment-status").then(|| Resp {
                status: 200,
                headers: Vec::new(),
                body: body.into(),
            })
        });
        let o = deploy_run(&s, &fake, &[], &[]);
        assert_eq!(o.status.code(), Some(5), "{name}: {}", err(&o));
        assert!(err(&o).contains("following the deployment: "), "{}", err(&o));
        assert!(err(&o).contains("may still be running in Azure"), "{}", err(&o));
        assert_eq!(fake.count("GET", "/lro/deployment-status"), 1, "{name}");
    }
}

#[test]
fn a_location_that_points_at_itself_is_polled_slowly_and_given_up_at_the_deadline() {
    let s = setup("self-location");
    let fake = misbehaving(Script::default(), |r, base, _| {
        let looping = Resp::empty(202)
            .header("Location", &format!("{base}/lro/forever"))
            .header("Retry-After", "0");
        (r.path().ends_with("/validate") || r.path() == "/lro/forever").then_some(looping)
    });
    // Waits scaled to a twentieth: the shortest poll interval (1 s) becomes 50 ms.
    let o = deploy_run(&s, &fake, &[("AOAI_VNET_DELAY_SCALE", "0.05")], &["--timeout", "2s"]);
    assert_eq!(o.status.code(), Some(5), "{}", err(&o));
    assert!(
        err(&o).contains("error: validating the deployment: still not finished after 2s (--timeout)"),
        "{}",
        err(&o)
    );
    let polls: Vec<Req> = fake
        .requests()
        .into_iter()
        .filter(|r| r.path() == "/lro/forever")
        .collect();
    assert!(!polls.is_empty());
    for w in polls.windows(2) {
        let gap = w[1].at - w[0].at;
        assert!(gap >= Duration::from_millis(45), "polled again after {gap:?}");
    }
    assert_eq!(fake.count("PUT", DEPLOYMENT), 0);
}

#[test]
fn a_truncated_final_answer_is_a_failure_and_keeps_the_earlier_outputs() {
    let s = setup("truncated");
    fs::create_dir_all(s.dir.join("infra")).unwrap();
    let earlier = "{\n  \"privateEndpointIp\": {\"type\": \"String\", \"value\": \"10.0.1.9\"}\n}\n";
    fs::write(s.dir.join("infra/deployment-outputs.json"), earlier).unwrap();
    let fake = misbehaving(Script::default(), |r, _, _| {
        (r.method == "GET" && r.path().ends_with(DEPLOYMENT)).then(|| Resp {
            status: 200,
            headers: Vec::new(),
            body: "{\"name\":\"d\",\"properties\":{\"provisioningState\":\"Succ".into(),
        })
    });
    let o = deploy_run(&s, &fake, &[], &[]);
    assert_eq!(o.status.code(), Some(5), "{}", err(&o));
    assert!(
        err(&o).contains("reading the deployment: Resource Manager answered HTTP 200 with a body that is cut off"),
        "{}",
        err(&o)
    );
    assert!(!err(&o).contains("succeeded"), "{}", err(&o));
    assert!(out(&o).is_empty(), "no outputs printed: {}", out(&o));
    assert_eq!(
        fs::read_to_string(s.dir.join("infra/deployment-outputs.json")).unwrap(),
        earlier
    );
}

#[test]
fn an_error_nested_past_the_json_depth_limit_still_shows_its_outer_error() {
    let s = setup("deep-error");
    let deep = format!(
        "{{\"error\": {{\"code\": \"InvalidTemplateDeployment\", \"message\": \"The template deployment failed.\", \"details\": [{}{}]}}}}",
        "{\"code\": \"Inner\", \"message\": \"deeper\", \"details\": [".repeat(3000),
        "]}".repeat(3000)
    );
    let script = Script {
        validate: Some(Resp {
            status: 400,
            headers: Vec::new(),
            body: deep,
        }),
        ..Script::default()
    };
    let fake = Fake::start(script.handler());
    let o = deploy_run(&s, &fake, &[], &[]);
    assert_eq!(o.status.code(), Some(4), "{}", err(&o));
    assert!(
        err(&o).contains("InvalidTemplateDeployment: The template deployment failed."),
        "{}",
        err(&o)
    );
    assert!(err(&o).contains("- Inner: deeper"), "{}", err(&o));
    assert!(err(&o).len() < 4000, "{}", err(&o));
}

#[test]
fn a_server_that_never_answers_is_given_up_on_saying_what_was_waited_for() {
    let s = setup("silent");
    let fake = misbehaving(Script::default(), |r, _, _| {
        if r.path().ends_with("/resourcegroups/rg-demo") {
            std::thread::sleep(Duration::from_secs(15));
        }
        None
    });
    let o = deploy_run(&s, &fake, &[("AOAI_VNET_HTTP_TIMEOUT", "0.5")], &[]);
    assert_eq!(o.status.code(), Some(5), "{}", err(&o));
    let e = err(&o);
    assert!(
        e.contains(&format!(
            "note: no answer from Azure Resource Manager (reading resource group rg-demo) at {} within 0.5 s; trying again (2 of at most 3)",
            fake.url
        )),
        "{e}"
    );
    assert!(e.contains("(3 of at most 3)"), "{e}");
    assert!(!e.contains("(4 of"), "{e}");
    assert!(
        e.contains("error: cannot reach Azure Resource Manager (reading resource group rg-demo)"),
        "{e}"
    );
    assert!(e.contains("no answer in time"), "{e}");
}

#[test]
fn secure_outputs_are_never_printed_or_saved() {
    let s = setup("secure-outputs");
    let mut outputs = outputs();
    outputs["adminPassword"] = json!({"type": "SecureString", "value": "pa55-NEVER-SHOWN"});
    outputs["keys"] = json!({"type": "secureObject", "value": {"k": "obj-NEVER-SHOWN"}});
    let script = Script {
        outcome: Outcome::Succeeded(outputs),
        ..Script::default()
    };
    let fake = Fake::start(script.handler());
    let o = deploy_run(&s, &fake, &[], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let saved = fs::read_to_string(s.dir.join("infra/deployment-outputs.json")).unwrap();
    for secret in ["pa55-NEVER-SHOWN", "obj-NEVER-SHOWN"] {
        assert!(!out(&o).contains(secret) && !err(&o).contains(secret), "{}", out(&o));
        assert!(!saved.contains(secret), "{saved}");
    }
    assert!(
        out(&o).contains("adminPassword: (secure value, not shown)\n"),
        "{}",
        out(&o)
    );
    let saved: Value = serde_json::from_str(&saved).unwrap();
    assert_eq!(saved["adminPassword"], json!({"type": "SecureString"}));
    assert_eq!(saved["privateEndpointIp"]["value"], "10.0.1.4");
}

#[test]
fn a_token_endpoint_that_echoes_the_request_never_shows_the_secret() {
    let s = setup("echo-secret");
    let fake = misbehaving(Script::default(), |r, _, _| {
        r.path().ends_with("/oauth2/v2.0/token").then(|| {
            Resp::json(
                400,
                json!({"error": "invalid_request\u{1b}[2J",
                    "error_description": format!("AADSTS900144: bad request body: {}", r.body)}),
            )
        })
    });
    let o = deploy_run(&s, &fake, &[], &[]);
    assert_eq!(o.status.code(), Some(4), "{}", err(&o));
    let e = err(&o);
    assert!(e.contains("AADSTS900144: bad request body: "), "{e}");
    assert!(e.contains("client_secret=[redacted]"), "{e}");
    assert!(!e.contains('\u{1b}'), "{e}");
}

#[test]
fn bad_polling_urls_after_the_put_are_network_failures() {
    for (name, url) in [
        ("plain-http", "http://example.com/lro/x"),
        ("relative", "lro/deployment-status"),
    ] {
        let s = setup(&format!("bad-url-{name}"));
        let fake = misbehaving(Script::default(), move |r, _, _| {
            (r.method == "PUT" && r.path().ends_with(DEPLOYMENT)).then(|| {
                Resp::json(
                    201,
                    json!({"name": "d", "properties": {"provisioningState": "Accepted"}}),
                )
                .header("Azure-AsyncOperation", url)
            })
        });
        let o = deploy_run(&s, &fake, &[], &[]);
        assert_eq!(o.status.code(), Some(5), "{name}: {}", err(&o));
        assert!(
            err(&o).contains("following the deployment: Resource Manager sent a URL to follow that cannot be used"),
            "{}",
            err(&o)
        );
        assert!(err(&o).contains("may still be running in Azure"), "{}", err(&o));
    }
}

#[test]
fn an_expired_token_while_following_is_renewed_once_then_said() {
    let expired = || {
        Resp::error(
            401,
            "ExpiredAuthenticationToken",
            "The access token expiry UTC time is earlier than current UTC time.",
        )
    };
    // Once: a new token, and the deployment is followed to its end.
    let s = setup("expired-once");
    let fake = misbehaving(Script::default(), move |r, _, n| {
        (r.path() == "/lro/deployment-status" && n == 1).then(expired)
    });
    let o = deploy_run(&s, &fake, &[], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(fake.count("POST", "/oauth2/v2.0/token"), 2, "one renewal");

    // Always: said, with the right hint, not "check the topology's cloud".
    let s = setup("expired-always");
    let fake = misbehaving(Script::default(), move |r, _, _| {
        (r.path() == "/lro/deployment-status").then(expired)
    });
    let o = deploy_run(&s, &fake, &[], &[]);
    assert_eq!(o.status.code(), Some(4), "{}", err(&o));
    let e = err(&o);
    assert!(e.contains("ExpiredAuthenticationToken"), "{e}");
    assert!(e.contains("= help: the token expired"), "{e}");
    assert!(!e.contains("check the topology's `cloud`"), "{e}");
    assert_eq!(
        fake.count("POST", "/oauth2/v2.0/token"),
        2,
        "renewed once, not again and again"
    );
}

#[test]
fn an_outputs_folder_that_is_a_file_is_said_so() {
    let s = setup("outputs-folder-file");
    fs::write(s.dir.join("infra"), "a file").unwrap();
    let fake = Fake::start(Script::default().handler());
    let o = deploy_run(&s, &fake, &[], &[]);
    assert_eq!(o.status.code(), Some(5), "{}", err(&o));
    assert!(
        err(&o).contains("the deployment succeeded, but its outputs could not be saved: cannot write the deployment's outputs: infra: is a file, not a folder"),
        "{}",
        err(&o)
    );
}

#[cfg(unix)]
#[test]
fn a_parameter_file_that_is_a_device_is_refused_before_any_request() {
    let s = setup("param-device");
    let fake = Fake::start(Script::default().handler());
    let mut c = command(&s.dir, &s.bin, &fake.url);
    with_sp(&mut c, &fake);
    c.env("CI", "1")
        .args(["deploy", "--yes", "-p", "jumpboxSshPublicKey=@/dev/zero"]);
    let o = run_bounded(&mut c, LIMIT);
    assert_eq!(o.status.code(), Some(5), "{}", err(&o));
    assert!(
        err(&o).contains(
            "cannot read /dev/zero (for parameter `jumpboxSshPublicKey`): it is a character device, not a regular file"
        ),
        "{}",
        err(&o)
    );
    assert!(fake.requests().is_empty());
}
