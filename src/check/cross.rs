//! Rules that look at several features together: whether the ways in reach the jump box, and
//! whether the endpoint's NSG applies. (Whether every VNet that reaches an endpoint also resolves
//! it is the endpoints' own rule: `endpoints.rs`.)

use super::compute::Compute;
use super::Ctx;
use crate::model::{Account, SubnetRole, Vnet};
use crate::syntax::Topology;

pub(super) fn check(cx: &mut Ctx, t: &Topology, vnets: &[Vnet], openai: Option<&Account>, c: &Compute) {
    if let (Some(j), Some(js)) = (&c.jumpbox, &t.jumpbox) {
        match &c.bastion {
            Some(b) if b.public_ip.is_none() && b.vnet != j.vnet => {
                let at = js.vnet.as_ref().map_or(js.span, |v| v.span);
                cx.error(
                    "E0603",
                    at,
                    "the Developer SKU of Azure Bastion cannot reach a jump box in another VNet",
                )
                .set_help("put the jump box in Bastion's VNet, or use `sku: Basic` or larger");
            }
            None if c.vpn_gateway.is_none() => {
                cx.warning(
                    "W0010",
                    js.span,
                    "the jump box has no public IP and there is neither `bastion` nor `vpn_gateway` to reach it",
                )
                .set_help("add `bastion: { vnet: ... }`");
            }
            _ => {}
        }
    }
    let Some(a) = openai else { return };
    // An endpoint's NSG applies only with network policies on.
    for e in &a.endpoints {
        let Some(s) = vnets[e.vnet]
            .subnets
            .iter()
            .find(|s| s.name == e.subnet && s.role == SubnetRole::Plain)
        else {
            continue;
        };
        let off = matches!(
            s.private_endpoint_policies.as_deref(),
            Some("Disabled" | "RouteTableEnabled")
        );
        if !off || s.nsg.is_none() {
            continue;
        }
        let syn = t.vnets[e.vnet]
            .1
            .subnets
            .iter()
            .flatten()
            .find(|(n, _)| n.value == e.subnet);
        if let Some(p) = syn.and_then(|(_, s)| s.private_ip_policies.as_ref()) {
            cx.warning(
                "W0009",
                p.span,
                format!(
                    "the NSG of `{}` does not apply to the private endpoint while network policies are off",
                    e.subnet
                ),
            )
            .set_help("use `Enabled` (the default for the endpoint's subnet) or `NetworkSecurityGroupEnabled`");
        }
    }
}
