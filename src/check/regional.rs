//! What a region or a cloud offers: the Bastion Developer SKU only where Azure deploys it, and the
//! VPN audience that needs a tenant administrator's consent in the sovereign clouds. (Deployment
//! types per cloud are checked with the model deployments; zone redundancy is decided per region
//! where the public IP is made.)

use super::compute::Compute;
use super::Ctx;
use crate::azure::skus::BASTION_DEVELOPER_REGIONS;
use crate::model::Vnet;
use crate::syntax::Topology;

pub(super) fn check(cx: &mut Ctx, t: &Topology, vnets: &[Vnet], c: &Compute) {
    developer_bastion(cx, t, vnets, c);
    vpn_consent(cx, t, c);
}

fn developer_bastion(cx: &mut Ctx, t: &Topology, vnets: &[Vnet], c: &Compute) {
    let (Some(b), Some(syntax)) = (&c.bastion, &t.bastion) else {
        return;
    };
    let region = &vnets[b.vnet].location;
    if b.sku != "Developer" || BASTION_DEVELOPER_REGIONS.contains(&region.as_str()) {
        return;
    }
    let at = syntax.sku.as_ref().map_or(syntax.span, |s| s.span);
    cx.error(
        "E0806",
        at,
        format!(
            "the Bastion Developer SKU is not offered in {region} (VNet `{}`)",
            vnets[b.vnet].key
        ),
    )
    .set_help(format!(
        "Azure offers it in {}; elsewhere use `sku: Basic` or `Standard`",
        BASTION_DEVELOPER_REGIONS.join(", ")
    ));
}

fn vpn_consent(cx: &mut Ctx, t: &Topology, c: &Compute) {
    let (Some(g), Some(syntax)) = (&c.vpn_gateway, &t.vpn_gateway) else {
        return;
    };
    if syntax.audience.is_some() {
        return;
    }
    let Some(url) = cx.cloud.vpn_consent_url(&g.audience) else {
        return;
    };
    let cloud = cx.cloud.name();
    cx.warning(
        "W0020",
        syntax.span,
        format!(
            "in {cloud} the VPN audience is the manually registered Azure VPN app ({}): clients cannot sign in until a tenant administrator consents to it",
            g.audience
        ),
    )
    .set_help(format!("a Global Administrator of the tenant opens {url} once and accepts"));
}
