//! `aoai-vnet hosts`: the hosts-file lines that point the account's names at its private
//! endpoint (the guide's "Configure your local machine hosts file", for machines on the VPN or
//! on premises without the private zone). The IP comes from the deployment's outputs (written by
//! `aoai-vnet deploy`) or, before a deployment, from a static `private_ip`. With several endpoints
//! (`private_endpoints`, one per hub) the lines of each endpoint come as a block, or those of the
//! endpoint one VNet resolves to (`--vnet KEY`).
//!
//! Exit codes: 0 lines printed; 1 the topology has errors; 2 an unknown `--vnet`; 5 an IP is not
//! known (no static IP and no outputs file with it) or the outputs file cannot be read or parsed.

use super::{DEFAULT_FILE, EXIT_IO, EXIT_OK};
use crate::model::Model;
use serde_json::Value;
use std::net::IpAddr;
use std::path::PathBuf;

/// Deployment outputs are a few kilobytes; a larger file is not one.
const OUTPUTS_CAP: u64 = 16 * 1024 * 1024;

/// Where `aoai-vnet deploy` writes the deployment's outputs (ARM's outputs object).
pub const DEFAULT_OUTPUTS: &str = "infra/deployment-outputs.json";
/// The template outputs that hold the endpoints' IPs (`lower::Lowering::outputs`): one endpoint's,
/// or several by the key of the VNet that holds each.
const IP_OUTPUT: &str = "privateEndpointIp";
const IPS_OUTPUT: &str = "privateEndpointIps";
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
    /// Only the lines a client in this VNet needs: those of the endpoint whose DNS island links
    /// it, or else of the endpoint it reaches (its own VNet's or a peered VNet's).
    #[arg(long, value_name = "KEY")]
    pub vnet: Option<String>,
}

/// The endpoint a client in VNet `key` should resolve the account to: the one whose island links
/// the VNet, else one in the VNet or in a VNet peered with it. `Err` says why there is none.
pub(crate) fn endpoint_for_vnet(m: &Model, key: &str) -> Result<usize, String> {
    let Some(v) = m.vnets.iter().position(|x| x.key == key) else {
        let keys: Vec<&str> = m.vnets.iter().map(|x| x.key.as_str()).collect();
        return Err(format!("no VNet `{key}` in the topology (VNets: {})", keys.join(", ")));
    };
    let a = &m.openai;
    if let Some(k) = a.endpoints.iter().position(|e| e.link_vnets.contains(&v)) {
        return Ok(k);
    }
    let reaches =
        |e: &crate::model::PrivateEndpoint| e.vnet == v || m.peerings.iter().any(|p| p.from == v && p.to == e.vnet);
    a.endpoints
        .iter()
        .position(reaches)
        .ok_or_else(|| format!("VNet `{key}` reaches none of the account's private endpoints"))
}

/// The IP of each endpoint, by its index: from the deployment's outputs, else its static address.
/// `Err` holds the exit code after saying why.
pub(crate) fn endpoint_ips(
    model: &Model,
    source: &str,
    outputs: Option<&PathBuf>,
    chosen: &[usize],
) -> Result<Vec<(usize, IpAddr)>, u8> {
    let names = crate::host_names(model);
    let account = &model.openai;
    let (outputs_path, explicit) = match outputs {
        Some(p) => (p.clone(), true),
        None => (PathBuf::from(DEFAULT_OUTPUTS), false),
    };
    let deployed: Option<Found> = match crate::input::read_text(&outputs_path, OUTPUTS_CAP) {
        Ok(text) => match outputs_ip(&text) {
            // Outputs of another account's deployment: its IPs would be wrong here.
            Ok(found) => match found.endpoint_host.as_deref() {
                Some(host) if !names.iter().any(|n| n.eq_ignore_ascii_case(host)) => {
                    let level = if explicit { "error" } else { "warning" };
                    eprintln!(
                        "{level}: {} is the output of a deployment of `{host}`, not of this topology's {}",
                        outputs_path.display(),
                        names.join(", ")
                    );
                    if explicit {
                        return Err(EXIT_IO);
                    }
                    eprintln!("  = ignoring it");
                    None
                }
                _ => Some(found),
            },
            Err(e) => {
                eprintln!("error: {}: {e}", outputs_path.display());
                return Err(EXIT_IO);
            }
        },
        Err(crate::input::ReadError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound && !explicit => None,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", outputs_path.display());
            return Err(EXIT_IO);
        }
    };
    let mut out = Vec::new();
    for &k in chosen {
        let e = &account.endpoints[k];
        let key = &model.vnets[e.vnet].key;
        let (output, from_outputs) = match &deployed {
            Some(f) if account.endpoints_listed => (format!("{IPS_OUTPUT}.{key}"), f.ips.get(key).copied()),
            Some(f) => (IP_OUTPUT.to_string(), f.ip),
            None => (String::new(), None),
        };
        if deployed.is_some() && from_outputs.is_none() {
            eprintln!("warning: {} has no output `{output}`", outputs_path.display());
        }
        let pinned = e.private_ip.map(IpAddr::V4);
        let ip = match (from_outputs, pinned) {
            (Some(d), Some(s)) if d != s => {
                eprintln!(
                    "warning: {source} pins {s} for `{}` but the deployment reported {d}; using the deployment's (redeploy to apply the pin)",
                    e.name
                );
                eprintln!("note: IP of `{}` from `{output}` in {}", e.name, outputs_path.display());
                d
            }
            (Some(d), _) => {
                eprintln!("note: IP of `{}` from `{output}` in {}", e.name, outputs_path.display());
                d
            }
            (None, Some(s)) => {
                eprintln!("note: IP of `{}` from its `private_ip` in {source}", e.name);
                s
            }
            (None, None) => {
                eprintln!("error: the IP of private endpoint `{}` is not known yet", e.name);
                eprintln!(
                    "  = {source} sets no `private_ip` for it, and there are no deployment outputs{}",
                    if explicit {
                        String::new()
                    } else {
                        format!(" at {DEFAULT_OUTPUTS}")
                    }
                );
                eprintln!(
                    "  = help: deploy with `aoai-vnet deploy` (it writes {DEFAULT_OUTPUTS}), or pass --outputs FILE,"
                );
                eprintln!("          or pin the address with `private_ip: ...` on the endpoint in the topology");
                return Err(EXIT_IO);
            }
        };
        out.push((k, ip));
    }
    Ok(out)
}

pub(super) fn run(a: &HostsArgs) -> u8 {
    let (file, model) = match super::plan::load(&a.file) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let account = &model.openai;
    let chosen: Vec<usize> = match &a.vnet {
        Some(key) => match endpoint_for_vnet(&model, key) {
            Ok(k) => vec![k],
            Err(e) => {
                eprintln!("error: {e}");
                return super::EXIT_USAGE;
            }
        },
        None => (0..account.endpoints.len()).collect(),
    };
    let blocks = match endpoint_ips(&model, &file.name, a.outputs.as_ref(), &chosen) {
        Ok(b) => b,
        Err(code) => return code,
    };
    let names = crate::host_names(&model);
    let several = blocks.len() > 1;
    for (n, (k, ip)) in blocks.iter().enumerate() {
        if several {
            // Comment lines: a hosts file takes them, and they say which network needs which block.
            let e = &account.endpoints[*k];
            let served: Vec<&str> = e.link_vnets.iter().map(|&v| model.vnets[v].key.as_str()).collect();
            if n > 0 {
                println!();
            }
            if served.is_empty() {
                println!("# {} in {}", e.name, model.vnets[e.vnet].key);
            } else {
                println!(
                    "# {} in {}: for VNets {}",
                    e.name,
                    model.vnets[e.vnet].key,
                    served.join(", ")
                );
            }
        }
        for name in &names {
            println!("{ip} {name}");
        }
    }
    EXIT_OK
}

struct Found {
    ip: Option<IpAddr>,
    /// `privateEndpointIps`, by VNet key.
    ips: std::collections::BTreeMap<String, IpAddr>,
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
    let mut ips = std::collections::BTreeMap::new();
    if let Some(o) = outputs.get(IPS_OUTPUT) {
        let Some(map) = o.get("value").and_then(Value::as_object) else {
            return Err(format!("output `{IPS_OUTPUT}` has no object `value`"));
        };
        for (k, v) in map {
            let ip = v
                .as_str()
                .and_then(|s| s.trim().parse::<IpAddr>().ok())
                .ok_or_else(|| format!("output `{IPS_OUTPUT}.{k}` is `{v}`, not an IP address"))?;
            ips.insert(k.clone(), ip);
        }
    }
    let endpoint_host = string(ENDPOINT_OUTPUT)?.map(|u| crate::doctor::host_of(&u).to_string());
    Ok(Found { ip, ips, endpoint_host })
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
        let f = outputs_ip(
            r#"{"privateEndpointIps": {"type": "Object", "value": {"hubWest": "10.1.0.4", "hubEast": "10.2.0.4"}}}"#,
        )
        .unwrap();
        assert_eq!(f.ips.get("hubEast"), Some(&"10.2.0.4".parse().unwrap()));
        assert!(outputs_ip(r#"{"privateEndpointIps": {"type": "Object", "value": {"a": "x"}}}"#).is_err());
    }
}
