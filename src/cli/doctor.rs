//! `aoai-vnet doctor HOST`: resolve, compare, connect, and name the likely cause (see
//! `crate::doctor`).

use super::{EXIT_IO, EXIT_OK};
use crate::doctor::{self, api, Options};
use std::net::IpAddr;
use std::time::Duration;

#[derive(clap::Args, Debug)]
pub struct DoctorArgs {
    /// The account's host name (`contoso.openai.azure.com`; a URL such as the `openaiEndpoint`
    /// output works too), or an address.
    pub host: String,
    /// The private endpoint's IP, which the name must resolve to (`aoai-vnet hosts` shows it).
    #[arg(long, value_name = "IP", conflicts_with = "vnet")]
    pub expect: Option<IpAddr>,
    /// Expect the IP a client in this VNet should get: its DNS island's endpoint (with several
    /// endpoints), from the topology (`--topology`) and the deployment's outputs (`--outputs`).
    #[arg(long, value_name = "KEY")]
    pub vnet: Option<String>,
    /// The topology file, for `--vnet`.
    #[arg(long, value_name = "FILE", default_value = super::DEFAULT_FILE, requires = "vnet")]
    pub topology: std::path::PathBuf,
    /// The deployment's outputs, for `--vnet`. Default: infra/deployment-outputs.json when it exists.
    #[arg(long, value_name = "FILE", requires = "vnet")]
    pub outputs: Option<std::path::PathBuf>,
    /// The TCP port to connect to. Default: the port in HOST (`https://host:18443/`), else 443.
    #[arg(long)]
    pub port: Option<u16>,
    /// After resolution and the TCP connection, call the API with an Entra ID token (the
    /// machine's managed identity on an Azure VM, else `az account get-access-token`) and name
    /// the likely cause of a refusal. The token is never printed.
    #[arg(long)]
    pub api: bool,
    /// Seconds to wait for the lookup and for each connection.
    #[arg(long, value_name = "SECONDS", default_value_t = 5.0, value_parser = parse_timeout)]
    pub timeout: f64,
}

/// The API step, when a connection succeeded (without one there is nothing to call); whether it
/// passed.
fn api(report: &doctor::Report, host: &str) -> bool {
    let connected = report.connects.iter().any(|(_, c)| *c == doctor::Connect::Connected);
    if !connected {
        println!("\nAPI: not called: no TCP connection to the account succeeded.");
        return false;
    }
    let r = api::run(host, report.port, report.timeout);
    print!("\n{}", api::render(&r, 4));
    let (verdict, advice) = api::advice(&r, host);
    if r.ok() {
        println!("\nAPI: OK: {verdict}.");
    } else {
        println!("\nAPI: FAILED: {verdict}.");
    }
    for line in advice {
        println!("  - {line}");
    }
    r.ok()
}

fn parse_timeout(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(t) if t > 0.0 && t <= 300.0 => Ok(t),
        _ => Err(format!("`{s}` is not a number of seconds above 0 and at most 300")),
    }
}

pub(super) fn run(a: &DoctorArgs) -> u8 {
    let shown = crate::term::clean(&a.host);
    let (host, in_url) = doctor::target_of(&a.host);
    if host.is_empty() {
        eprintln!("error: no host name in `{shown}`");
        return super::EXIT_USAGE;
    }
    let in_url = match in_url.map(str::parse::<u16>) {
        None => None,
        Some(Ok(p)) if p > 0 => Some(p),
        Some(_) => {
            eprintln!("error: `{shown}` has a port that is not a number from 1 to 65535");
            return super::EXIT_USAGE;
        }
    };
    let port = match (a.port, in_url) {
        (Some(p), Some(q)) if p != q => {
            eprintln!("error: `{shown}` says port {q} and --port says {p}: give one");
            return super::EXIT_USAGE;
        }
        (Some(p), _) | (None, Some(p)) => p,
        (None, None) => 443,
    };
    let expect = match &a.vnet {
        None => a.expect,
        Some(key) => match expected_for(a, key) {
            Ok(ip) => Some(ip),
            Err(code) => return code,
        },
    };
    let report = doctor::run(&Options {
        host: host.to_string(),
        port,
        expect,
        timeout: Duration::from_secs_f64(a.timeout),
    });
    print!("{}", doctor::render(&report));
    let api_ok = !a.api || api(&report, host);
    // The tools that deploy what `build` writes, with their versions.
    println!("\nTools on this machine:");
    for line in crate::tools::report(Duration::from_secs(20)) {
        println!("  {line}");
    }
    if report.ok() && api_ok {
        EXIT_OK
    } else {
        EXIT_IO
    }
}

/// The IP a client in VNet `key` should get for the account: the endpoint whose island links the
/// VNet (else one it reaches), from the deployment's outputs or its static address.
fn expected_for(a: &DoctorArgs, key: &str) -> Result<IpAddr, u8> {
    let (file, model) = super::plan::load(&a.topology)?;
    let k = super::hosts::endpoint_for_vnet(&model, key).map_err(|e| {
        eprintln!("error: {e}");
        super::EXIT_USAGE
    })?;
    let ips = super::hosts::endpoint_ips(&model, &file.name, a.outputs.as_ref(), &[k])?;
    let (_, ip) = ips[0];
    eprintln!(
        "note: a client in VNet `{key}` should reach `{}` at {ip}",
        model.openai.endpoints[k].name
    );
    Ok(ip)
}
