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
    #[arg(long, value_name = "IP")]
    pub expect: Option<IpAddr>,
    /// The TCP port to connect to.
    #[arg(long, default_value_t = 443)]
    pub port: u16,
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
    let host = doctor::host_of(&a.host);
    if host.is_empty() {
        eprintln!("error: no host name in `{}`", a.host);
        return super::EXIT_USAGE;
    }
    let report = doctor::run(&Options {
        host: host.to_string(),
        port: a.port,
        expect: a.expect,
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
