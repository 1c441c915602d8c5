//! Facts the user needs that are not in the generated files, printed by `build` as notes: the
//! names to resolve when DNS is not managed, who adds the zone group under `dns.mode: policy`,
//! and what the owners of an existing hub deploy.

use crate::model::{self, Dns, Model, VnetId};

pub(crate) fn notes(m: &Model) -> Vec<String> {
    match &m.openai.dns {
        Dns::None => unmanaged_dns(m),
        Dns::Policy { zone_ids } => vec![policy(m, zone_ids)],
        _ => Vec::new(),
    }
}

/// `dns.mode: policy`: who adds the zone group, and what resolves until then.
fn policy(m: &Model, zone_ids: &[String]) -> String {
    let zones = if zone_ids.is_empty() {
        String::new()
    } else {
        let names: Vec<&str> = zone_ids.iter().map(|z| z.rsplit('/').next().unwrap_or(z)).collect();
        format!(" (to the central zones {})", names.join(", "))
    };
    format!(
        "`dns.mode: policy`: no DNS zone group is deployed; Azure Policy (DeployIfNotExists) adds one to each private endpoint{zones} after the deployment. Until it has, {} does not resolve to the endpoint from your VNets. `deploy --what-if` lists the policy's zone group as expected.",
        crate::host_names(m).join(", ")
    )
}

/// The side of the peerings on existing VNet `v` that its owners deploy from `{base}.*`.
pub(crate) fn platform(m: &Model, v: VnetId, base: &str) -> String {
    let h = &m.vnets[v];
    let peers = m.peerings.iter().filter(|p| p.platform && p.from == v).count();
    let whose = match (&h.scope.subscription, &h.scope.resource_group) {
        (Some(s), Some(g)) => format!("resource group `{g}` of subscription `{s}`"),
        (None, Some(g)) => format!("resource group `{g}`"),
        _ => "the hub's resource group".to_string(),
    };
    format!(
        "`{base}.*`: the side of {peers} peering(s) on existing VNet `{}`; the hub's owners deploy it to {whose}. Until they do, the peering stays `Initiated` and no traffic flows. Deploying this topology needs `{}` on the hub.",
        h.key,
        crate::azure::network::PEER_ACTION
    )
}

/// `dns.mode: none`: the hosts-file lines or the forwarder facts the user needs.
fn unmanaged_dns(m: &Model) -> Vec<String> {
    let hosts = crate::host_names(m);
    let a = &m.openai;
    let mut out = vec!["`dns.mode: none`: no private DNS is deployed; clients must resolve the account's names to the private endpoint themselves.".to_string()];
    for e in &a.endpoints {
        // With several endpoints, each network needs the lines of the endpoint it reaches.
        let whose = if a.endpoints_listed {
            format!(
                " for clients that reach `{}` (`aoai-vnet hosts --vnet KEY`)",
                m.vnets[e.vnet].key
            )
        } else {
            String::new()
        };
        match e.private_ip {
            Some(ip) => {
                out.push(format!("hosts-file lines (or A records in your DNS){whose}:"));
                out.extend(hosts.iter().map(|h| format!("    {ip} {h}")));
            }
            None => {
                let output = if a.endpoints_listed {
                    format!("`privateEndpointIps.{}`", m.vnets[e.vnet].key)
                } else {
                    "`privateEndpointIp`".to_string()
                };
                out.push(format!(
                    "after deployment, point {} at the IP in the deployment output {output}{whose} (or set the endpoint's `private_ip` to know it now)",
                    hosts.join(", ")
                ));
            }
        }
    }
    let zones: Vec<&str> = m
        .cloud
        .zones(m.openai.kind == model::AccountKind::AiServices)
        .iter()
        .map(|z| z.name)
        .collect();
    out.push(format!(
        "with a DNS forwarder instead: host the zones {} where your DNS servers can answer for them",
        zones.join(", ")
    ));
    out
}
