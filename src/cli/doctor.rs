//! `aoai-vnet doctor HOST`: resolve, compare, connect, and name the likely cause (see
//! `crate::doctor`).

use super::{EXIT_IO, EXIT_OK};
use crate::doctor::{self, Options};
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
    /// The TCP port to connect to. Default: the port in HOST (`https://host:18443/`), else 443.
    #[arg(long)]
    pub port: Option<u16>,
    /// Seconds to wait for the lookup and for each connection.
    #[arg(long, value_name = "SECONDS", default_value_t = 5.0, value_parser = parse_timeout)]
    pub timeout: f64,
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
    let report = doctor::run(&Options {
        host: host.to_string(),
        port,
        expect: a.expect,
        timeout: Duration::from_secs_f64(a.timeout),
    });
    print!("{}", doctor::render(&report));
    // The tools that deploy what `build` writes, with their versions.
    println!("\nTools on this machine:");
    for line in crate::tools::report(Duration::from_secs(20)) {
        println!("  {line}");
    }
    if report.ok() {
        EXIT_OK
    } else {
        EXIT_IO
    }
}
