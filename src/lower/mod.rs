//! Lowering: the checked model to the IR. This is where Azure knowledge about which resources
//! and properties make up the architecture lives, one file per area.

mod access;
mod egress;
mod governance;
mod identity;
mod network;
mod openai;
pub mod platform;

use crate::ir::{Output, Param, ParamType, Resource, Template, Value};
use crate::model::{Model, VnetId};
use std::collections::HashSet;

pub fn lower(m: &Model) -> Template {
    let mut l = Lowering::new(m);
    egress::lower(&mut l);
    network::lower(&mut l);
    openai::lower(&mut l);
    access::lower(&mut l);
    identity::lower(&mut l);
    governance::lower(&mut l);
    l.outputs();
    l.t
}

pub(crate) struct Lowering<'m> {
    pub m: &'m Model,
    pub t: Template,
    taken: HashSet<String>,
    /// Symbols of the VNets, by `VnetId`.
    pub vnet_syms: Vec<String>,
    /// The location parameter of each VNet.
    vnet_locations: Vec<String>,
    /// Symbols of the private endpoints, by their index in `Account::endpoints`.
    pub endpoint_syms: Vec<String>,
    /// By `VnetId`: the symbol of its NAT gateway, and of its route tables by next hop.
    pub nat_syms: Vec<Option<String>>,
    pub route_table_syms: Vec<Vec<(std::net::Ipv4Addr, String)>>,
}

impl<'m> Lowering<'m> {
    fn new(m: &'m Model) -> Self {
        let mut l = Lowering {
            m,
            t: Template::default(),
            taken: HashSet::new(),
            vnet_syms: Vec::new(),
            vnet_locations: Vec::new(),
            endpoint_syms: Vec::new(),
            nat_syms: Vec::new(),
            route_table_syms: Vec::new(),
        };
        l.t.workload = m.name.clone();
        l.t.default_resource_group = m.resource_group.clone().unwrap_or_else(|| format!("rg-{}", m.name));
        l.t.description = format!(
            "Azure OpenAI account `{}` reachable only through a private endpoint in a virtual network (workload `{}`).",
            m.openai.name, m.name
        );
        l.param(
            "location",
            ParamType::String,
            Some(Value::str(&m.location)),
            "Region of the resources that do not set their own.",
        );
        // One parameter per region other than the default (not one per VNet: 300 spokes in
        // another region would pass ARM's 256 parameters), named after the region.
        let mut by_region: indexmap::IndexMap<&str, Vec<&str>> = indexmap::IndexMap::new();
        for v in m.vnets.iter().filter(|v| v.location != m.location) {
            by_region.entry(&v.location).or_default().push(&v.key);
        }
        for (region, keys) in &by_region {
            let shown: Vec<String> = keys.iter().take(3).map(|k| format!("`{k}`")).collect();
            let more = if keys.len() > 3 {
                format!(" and {} more", keys.len() - 3)
            } else {
                String::new()
            };
            l.param(
                &region_param(region),
                ParamType::String,
                Some(Value::str(*region)),
                &format!(
                    "Region of the VNets declared in {region} ({}{more}) and what lives in them.",
                    shown.join(", ")
                ),
            );
        }
        l.vnet_locations = m
            .vnets
            .iter()
            .map(|v| {
                if v.location == m.location {
                    "location".to_string()
                } else {
                    region_param(&v.location)
                }
            })
            .collect();
        l
    }

    /// A fresh symbol from parts, in camelCase (`vnet` + `hub` -> `vnetHub`); empty parts add
    /// nothing.
    pub fn symbol(&mut self, parts: &[&str]) -> String {
        let base: String = parts
            .iter()
            .filter(|p| !p.is_empty())
            .enumerate()
            .map(|(i, p)| camel(p, i > 0))
            .collect();
        crate::ir::fresh_name(&base, &mut self.taken)
    }

    pub fn param(&mut self, name: &str, ty: ParamType, default: Option<Value>, description: &str) {
        self.t.parameters.push(Param {
            name: name.into(),
            ty,
            default,
            description: description.into(),
        });
    }

    /// The location of a VNet and of everything that lives in it.
    pub fn vnet_location(&self, v: VnetId) -> Value {
        Value::param(&self.vnet_locations[v])
    }

    /// The location parameter of the account (its own one when it differs from the default).
    pub fn account_location(&mut self) -> Value {
        let m = self.m;
        if m.openai.location == m.location {
            return Value::param("location");
        }
        if !self.t.parameters.iter().any(|p| p.name == "openaiLocation") {
            self.param(
                "openaiLocation",
                ParamType::String,
                Some(Value::str(&m.openai.location)),
                "Region of the Azure OpenAI account.",
            );
        }
        Value::param("openaiLocation")
    }

    /// A resource that lives in VNet `v`: in its resource group and region, with the tags.
    pub fn in_vnet(
        &self,
        symbol: impl Into<String>,
        rtype: &'static str,
        name: impl Into<String>,
        v: VnetId,
    ) -> Resource {
        let mut r = Resource::new(symbol, rtype, name);
        // What we place in an existing VNet lives in the deployment's resource group.
        if !self.m.vnets[v].existing {
            r.scope = self.m.vnets[v].scope.clone();
        }
        self.place(&mut r, self.vnet_location(v));
        r
    }

    /// Sets a resource's `location` and, when the topology has tags, its `tags`.
    pub fn place(&self, r: &mut Resource, location: Value) {
        r.set("location", location);
        if let Some(t) = self.tags() {
            r.set("tags", t);
        }
    }

    /// The `tags` field, when the topology has tags. Written out literally: Azure's resource
    /// schemas type `tags` as an object, not an expression.
    pub fn tags(&self) -> Option<Value> {
        (!self.m.tags.is_empty())
            .then(|| Value::Object(self.m.tags.iter().map(|(k, v)| (k.clone(), Value::str(v))).collect()))
    }

    fn outputs(&mut self) {
        let account = self
            .t
            .resources
            .iter()
            .find(|r| r.rtype == "Microsoft.CognitiveServices/accounts")
            .map(|r| r.symbol.clone());
        if let Some(a) = account {
            self.output(
                "openaiAccountName",
                "string",
                Value::str(&self.m.openai.name),
                "Name of the Azure OpenAI account.",
            );
            self.output(
                "openaiAccountId",
                "string",
                Value::id(&a),
                "Resource ID of the Azure OpenAI account.",
            );
            self.output(
                "openaiEndpoint",
                "string",
                Value::Expr(crate::ir::Expr::Prop(a, vec![crate::ir::Seg::Key("endpoint".into())])),
                "Endpoint URL of the account; it resolves to the private endpoint inside the linked VNets.",
            );
        }
        let a = &self.m.openai;
        if a.endpoints_listed {
            let ips = (0..a.endpoints.len())
                .map(|k| {
                    (
                        self.m.vnets[a.endpoints[k].vnet].key.clone(),
                        openai::endpoint_ip(self, k),
                    )
                })
                .collect();
            self.output(
                "privateEndpointIps",
                "object",
                Value::Object(ips),
                "Private IP address of each private endpoint, by the key of the VNet that holds it.",
            );
        } else if !a.endpoints.is_empty() {
            self.output(
                "privateEndpointIp",
                "string",
                openai::endpoint_ip(self, 0),
                "Private IP address of the account's private endpoint.",
            );
        }
        let ids = Value::Object(
            self.m
                .vnets
                .iter()
                .zip(&self.vnet_syms)
                .map(|(v, s)| (v.key.clone(), Value::id(s)))
                .collect(),
        );
        self.output("vnetIds", "object", ids, "Resource IDs of the VNets, by topology key.");
    }

    fn output(&mut self, name: &str, ty: &'static str, value: Value, description: &str) {
        self.t.outputs.push(Output {
            name: name.into(),
            ty,
            value,
            description: description.into(),
        });
    }
}

/// The parameter of a region's location: `westus3Location`. Region names are lowercase letters and
/// digits, so the name is an identifier and takes none of `RESERVED_PARAMS`.
fn region_param(region: &str) -> String {
    format!("{}Location", camel(region, false))
}

/// `private-endpoints` -> `PrivateEndpoints` (or `privateEndpoints` when `upper` is false).
pub fn camel(s: &str, upper: bool) -> String {
    let mut out = String::new();
    let mut up = upper;
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            if up {
                out.push(c.to_ascii_uppercase());
            } else {
                out.push(c);
            }
            up = false;
        } else {
            up = true;
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'x');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parameter names the lowering and the emitters use for their own purposes.
    const RESERVED_PARAMS: &[&str] = &[
        "location",
        "openaiLocation",
        "tags",
        "jumpboxAdminUsername",
        "jumpboxSshPublicKey",
        "jumpboxAdminPassword",
        crate::emit::arm::RESOURCE_GROUP_PARAM,
        "defaultSubscriptionId",
    ];

    #[test]
    fn region_parameters_take_no_reserved_name() {
        use crate::azure::regions;
        for region in [
            regions::AZURE_CLOUD,
            regions::AZURE_US_GOVERNMENT,
            regions::AZURE_CHINA_CLOUD,
        ]
        .concat()
        {
            let p = region_param(region);
            assert!(!RESERVED_PARAMS.contains(&p.as_str()), "{p}");
            assert!(p.chars().all(|c| c.is_ascii_alphanumeric()), "{p}");
        }
        assert_eq!(region_param("westus3"), "westus3Location");
    }
}
