//! `aoai-vnet hosts`: the hosts-file lines that point the account's names at its private
//! endpoint (the guide's "Configure your local machine hosts file", for machines on the VPN or
//! on premises without the private zone). The IP comes from the deployment's outputs (written by
//! `aoai-vnet deploy`) or, before a deployment, from a static `private_endpoint.private_ip`.
//!
//! Exit codes: 0 lines printed; 1 the topology has errors; 5 the IP is not known (no static IP
//! and no outputs file with `privateEndpointIp`) or the outputs file cannot be read or parsed.

use super::{DEFAULT_FILE, EXIT_IO, EXIT_OK};
use serde_json::Value;
use std::net::IpAddr;
use std::path::PathBuf;

/// Deployment outputs are a few kilobytes; a larger file is not one.
const OUTPUTS_CAP: u64 = 16 * 1024 * 1024;

/// Where `aoai-vnet deploy` writes the deployment's outputs (ARM's outputs object).
pub const DEFAULT_OUTPUTS: &str = "infra/deployment-outputs.json";
/// The template output that holds the endpoint's IP (`lower::Lowering::outputs`).
const IP_OUTPUT: &str = "privateEndpointIp";
const ENDPOINT_OUTPUT: &str = "openaiEndpoint";

#[derive(clap::Args, Debug)]
pub struct HostsArgs {
    /// The topology file.
    #[arg(default_value = DEFAULT_FILE)]
    pub file: PathBuf,
    /// The deployment's outputs (ARM outputs JSON, as `aoai-vnet deploy` writes them, or
    /// `az deployment group show --query properties.outputs`). Default: infra/deployment-outputs.json
    /// when it exists.
    #[arg(long, value_name = "FILE")]
    pub outputs: Option<PathBuf>,
}

pub(super) fn run(a: &HostsArgs) -> u8 {
    let (file, model) = match super::plan::load(&a.file) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let names = crate::host_names(&model);
    let static_ip = model.openai.endpoint.private_ip.map(IpAddr::V4);

    let (outputs_path, explicit) = match &a.outputs {
        Some(p) => (p.clone(), true),
        None => (PathBuf::from(DEFAULT_OUTPUTS), false),
    };
    let deployed = match crate::input::read_text(&outputs_path, OUTPUTS_CAP) {
        Ok(text) => match outputs_ip(&text) {
            Ok(found) => match found.endpoint_host.as_deref() {
                // Outputs of another account's deployment: its IP would be wrong here.
                Some(host) if !names.iter().any(|n| n.eq_ignore_ascii_case(host)) => {
                    let level = if explicit { "error" } else { "warning" };
                    eprintln!(
                        "{level}: {} is the output of a deployment of `{host}`, not of this topology's {}",
                        outputs_path.display(),
                        names.join(", ")
                    );
                    if explicit {
                        return EXIT_IO;
                    }
                    eprintln!("  = ignoring it");
                    None
                }
                _ => {
                    if found.ip.is_none() {
                        eprintln!("warning: {} has no output `{IP_OUTPUT}`", outputs_path.display());
                    }
                    found.ip
                }
            },
            Err(e) => {
                eprintln!("error: {}: {e}", outputs_path.display());
                return EXIT_IO;
            }
        },
        Err(crate::input::ReadError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound && !explicit => None,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", outputs_path.display());
            return EXIT_IO;
        }
    };

    let ip = match (deployed, static_ip) {
        (Some(d), Some(s)) if d != s => {
            eprintln!(
                "warning: {} pins {s} but the deployment reported {d}; using the deployment's (redeploy to apply the pin)",
                file.name
            );
            eprintln!("note: IP from `{IP_OUTPUT}` in {}", outputs_path.display());
            d
        }
        (Some(d), _) => {
            eprintln!("note: IP from `{IP_OUTPUT}` in {}", outputs_path.display());
            d
        }
        (None, Some(s)) => {
            eprintln!("note: IP from `openai.private_endpoint.private_ip` in {}", file.name);
            s
        }
        (None, None) => {
            eprintln!("error: the private endpoint's IP is not known yet");
            eprintln!(
                "  = {} does not set `openai.private_endpoint.private_ip`, and there are no deployment outputs{}",
                file.name,
                if explicit {
                    String::new()
                } else {
                    format!(" at {DEFAULT_OUTPUTS}")
                }
            );
            eprintln!(
                "  = help: deploy with `aoai-vnet deploy` (it writes {DEFAULT_OUTPUTS}), or pass --outputs FILE,"
            );
            eprintln!("          or pin the address with `private_endpoint: {{ private_ip: ... }}` in the topology");
            return EXIT_IO;
        }
    };
    for n in &names {
        println!("{ip} {n}");
    }
    EXIT_OK
}

struct Found {
    ip: Option<IpAddr>,
    endpoint_host: Option<String>,
}

/// Reads ARM deployment outputs: `{"privateEndpointIp": {"type": "String", "value": "10.0.0.5"}}`,
/// or a whole deployment (`properties.outputs`).
fn outputs_ip(text: &str) -> Result<Found, String> {
    let json: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let outputs = match json.pointer("/properties/outputs") {
        Some(o) => o,
        None => &json,
    };
    let Some(outputs) = outputs.as_object() else {
        return Err("expected an object of deployment outputs".into());
    };
    let string = |name: &str| -> Result<Option<String>, String> {
        let Some(o) = outputs.get(name) else {
            return Ok(None);
        };
        if let Some(t) = o.get("type").and_then(Value::as_str) {
            if !t.eq_ignore_ascii_case("string") {
                return Err(format!("output `{name}` has type `{t}`, expected `String`"));
            }
        }
        match o.get("value") {
            Some(Value::String(s)) => Ok(Some(s.clone())),
            _ => Err(format!("output `{name}` has no string `value`")),
        }
    };
    let ip = match string(IP_OUTPUT)? {
        Some(s) => Some(
            s.trim()
                .parse::<IpAddr>()
                .map_err(|_| format!("output `{IP_OUTPUT}` is `{s}`, not an IP address"))?,
        ),
        None => None,
    };
    let endpoint_host = string(ENDPOINT_OUTPUT)?.map(|u| crate::doctor::host_of(&u).to_string());
    Ok(Found { ip, endpoint_host })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_arm_outputs() {
        let f = outputs_ip(
            r#"{"privateEndpointIp": {"type": "String", "value": "10.0.0.5"},
                "openaiEndpoint": {"type": "String", "value": "https://x.openai.azure.com/"}}"#,
        )
        .unwrap();
        assert_eq!(f.ip, Some("10.0.0.5".parse().unwrap()));
        assert_eq!(f.endpoint_host.as_deref(), Some("x.openai.azure.com"));
        let f = outputs_ip(
            r#"{"properties": {"outputs": {"privateEndpointIp": {"type": "string", "value": "10.1.0.4"}}}}"#,
        )
        .unwrap();
        assert_eq!(f.ip, Some("10.1.0.4".parse().unwrap()));
        assert_eq!(outputs_ip("{}").unwrap().ip, None);
        assert!(outputs_ip(r#"{"privateEndpointIp": {"type": "String", "value": "nope"}}"#).is_err());
        assert!(outputs_ip(r#"{"privateEndpointIp": {"type": "Object", "value": {}}}"#).is_err());
        assert!(outputs_ip("[1, 2]").is_err());
        assert!(outputs_ip("not json").is_err());
    }
}
