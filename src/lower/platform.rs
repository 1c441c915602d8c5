//! The platform team's side of peerings with an existing VNet (TOPOLOGY.md "Existing networks"):
//! one template per existing VNet, deployed by the hub's owners at the hub's resource group
//! (`az deployment group create -g <hub group> --subscription <hub subscription>`), so it names
//! the hub as an existing resource of that group and our VNets by full resource ID. Where our
//! VNets live (subscription, resource group) is a parameter unless the topology says it.

use super::network::{peering_properties, PEERING, VNET};
use crate::ir::{obj, Expr, Param, ParamType, Resource, Template, Value};
use crate::model::{Model, VnetId};

/// The parameter naming the subscription of the application's VNets.
const SUBSCRIPTION_PARAM: &str = "applicationSubscriptionId";
/// The parameter naming the resource group of the application's VNets.
const RESOURCE_GROUP_PARAM: &str = "applicationResourceGroup";

/// The platform templates: for each existing VNet whose peerings are left to its owners, that
/// VNet and its template. `main` is the deployment's own template (its default resource group
/// is where our VNets go when they name none).
pub fn lower(m: &Model, main: &Template) -> Vec<(VnetId, Template)> {
    hubs(m).into_iter().map(|v| (v, hub_template(m, main, v))).collect()
}

/// The existing VNets that have peering sides left to their owners, in declaration order.
pub fn hubs(m: &Model) -> Vec<VnetId> {
    (0..m.vnets.len())
        .filter(|&v| m.peerings.iter().any(|p| p.platform && p.from == v))
        .collect()
}

fn hub_template(m: &Model, main: &Template, hub: VnetId) -> Template {
    let h = &m.vnets[hub];
    let mut t = Template::default();
    t.workload = format!("{}-platform", m.name);
    t.default_resource_group = h.scope.resource_group.clone().unwrap_or_default();
    t.description = format!(
        "Peerings of existing VNet `{}` toward the VNets of workload `{}`: the side that belongs to the hub's owners. Deploy to the hub's resource group.",
        h.name, m.name
    );
    let mut hub_res = Resource::new("hub", VNET, &h.name);
    hub_res.existing = true;
    hub_res.comment = Some(format!(
        "VNet `{}` (`{}`): the hub this template is deployed beside.",
        h.key, h.name
    ));
    t.resources.push(hub_res);
    // Where our VNets live: literal where the topology says, else a parameter (the group
    // defaults to the one `deploy` would use).
    let default_group = m
        .resource_group
        .clone()
        .or_else(|| main.is_multi_scope().then(|| main.default_resource_group.clone()));
    let mut taken = std::collections::HashSet::from(["hub".to_string()]);
    let mut wants_subscription = false;
    let mut wants_group = false;
    for p in m.peerings.iter().filter(|p| p.platform && p.from == hub) {
        let ours = &m.vnets[p.to];
        let sub = match &ours.scope.subscription {
            Some(s) => Expr::Str(s.clone()),
            None => {
                wants_subscription = true;
                Expr::Param(SUBSCRIPTION_PARAM.into())
            }
        };
        let group = match &ours.scope.resource_group {
            Some(g) => Expr::Str(g.clone()),
            None => {
                wants_group = true;
                Expr::Param(RESOURCE_GROUP_PARAM.into())
            }
        };
        let id = Value::Expr(Expr::ResourceId {
            subscription: Box::new(sub),
            resource_group: Box::new(group),
            rtype: VNET,
            name: ours.name.clone(),
        });
        let symbol = crate::ir::fresh_name(&format!("peerTo{}", super::camel(&ours.key, true)), &mut taken);
        let mut r = Resource::new(symbol, PEERING, &p.name);
        r.parent = Some("hub".into());
        r.comment = Some(format!(
            "Toward VNet `{}` (`{}`) of the application.",
            ours.key, ours.name
        ));
        r.set("properties", peering_properties(p, obj([("id", id)])));
        t.resources.push(r);
    }
    if wants_subscription {
        t.parameters.push(Param {
            name: SUBSCRIPTION_PARAM.into(),
            ty: ParamType::String,
            default: None,
            description: "Subscription ID of the application's VNets (where its deployment ran).".into(),
        });
    }
    if wants_group {
        t.parameters.push(Param {
            name: RESOURCE_GROUP_PARAM.into(),
            ty: ParamType::String,
            default: default_group.map(Value::str),
            description: "Resource group of the application's VNets.".into(),
        });
    }
    t
}
