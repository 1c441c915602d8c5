//! The check stage: all semantic rules over the syntax tree. It reports every problem it finds and,
//! when there is none, returns the `Model` (references resolved, CIDRs typed, names and the address
//! plan decided). One file per rule family.

pub mod address;
mod address_plan;
mod compute;
mod cross;
mod dns_servers;
mod egress;
mod endpoints;
mod existing;
mod governance;
mod identity;
mod limits;
mod model_deployments;
mod network;
mod nsg;
mod openai;
mod regional;

pub use network::is_guid;

use crate::azure::clouds::{self, Cloud};
use crate::azure::{naming, regions};
use crate::diag::{suggest, Diagnostic, Diagnostics};
use crate::model::{Model, VnetId};
use crate::source::Span;
use crate::syntax::{Str, Topology};
use indexmap::IndexMap;

/// Checks a topology. Returns the model only when no error was found; warnings may be reported
/// either way.
pub fn check(t: &Topology, diags: &mut Diagnostics) -> Option<Model> {
    let cloud = match &t.cloud {
        None => Cloud::AzureCloud,
        Some(c) => match Cloud::parse(&c.value) {
            Some(cloud) => cloud,
            None => {
                let d = diags.error("E0105", c.span, format!("unknown cloud `{}`", c.value));
                d.set_help(match suggest(&c.value, clouds::NAMES.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("expected one of: {}", clouds::NAMES.join(", ")),
                });
                Cloud::AzureCloud
            }
        },
    };
    let mut cx = Ctx {
        diags,
        cloud,
        workload: String::new(),
        location: String::new(),
        vnet_keys: Vec::new(),
        names: IndexMap::new(),
        unplanned: Default::default(),
    };
    if let Some(n) = &t.name {
        if let Err(e) = naming::check_workload(&n.value) {
            cx.error("E0101", n.span, e);
        }
        cx.workload = n.value.clone();
    }
    if let Some(l) = &t.location {
        cx.location = cx.region(l);
    }
    let tags = cx.tags(t);
    let resource_group = t.resource_group.as_ref().map(|rg| cx.resource_group(rg));
    cx.vnet_keys = t.vnets.iter().map(|(k, _)| k.value.clone()).collect();
    if t.vnets.is_empty() {
        if let Some(span) = t.vnets_span {
            cx.error("E0006", span, "the topology needs at least one VNet under `vnets`");
        }
    }

    let mut vnets = network::vnets(&mut cx, t);
    existing::describe(&mut cx, t, &vnets);
    let features = network::Features::resolve(&mut cx, t);
    address_plan::plan(&mut cx, t, &mut vnets, &features);
    let compute = compute::check(&mut cx, t, &vnets, &features);
    let peerings = network::peerings(&mut cx, t, &vnets, compute.vpn_gateway.as_ref());
    // The endpoints' DNS islands follow the peerings.
    let openai = t
        .openai
        .as_ref()
        .and_then(|o| openai::account(&mut cx, t, o, &vnets, &peerings));
    existing::placements(&mut cx, t, &vnets, &features, &compute, openai.as_ref());
    let nsgs = nsg::assign(&mut cx, t, &mut vnets, openai.as_ref(), &compute);
    network::check_vpn_pool(&mut cx, t, &vnets);
    egress::apply(&mut cx, t, &mut vnets, &peerings);
    if let Some(j) = &compute.jumpbox {
        identity::check_sign_in(&mut cx, t, j, &vnets);
    }
    cross::check(&mut cx, t, &vnets, openai.as_ref(), &compute);
    limits::check(&mut cx, t, &vnets, openai.as_ref());
    regional::check(&mut cx, t, &vnets, &compute);
    dns_servers::check(&mut cx, t, &vnets, &peerings);
    let governance = governance::check(&mut cx, t);

    if cx.diags.has_errors() {
        return None;
    }
    let mut model = Model {
        name: cx.workload.clone(),
        cloud,
        location: cx.location.clone(),
        tags,
        resource_group,
        vnets,
        nsgs,
        openai: openai?,
        bastion: compute.bastion,
        jumpbox: compute.jumpbox,
        vpn_gateway: compute.vpn_gateway,
        dns_resolver: compute.dns_resolver,
        peerings,
        vnets_span: t.vnets_span,
        governance,
    };
    dns_servers::use_resolver(&mut model);
    Some(model)
}

/// What every rule family shares: the diagnostics, the cloud, the workload name and default
/// region, the VNet keys (for references), and the names given out so far (for duplicates).
pub(crate) struct Ctx<'d> {
    pub diags: &'d mut Diagnostics,
    pub cloud: Cloud,
    pub workload: String,
    pub location: String,
    pub vnet_keys: Vec<String>,
    /// (resource type, scope key, lowercase name) -> span of the first use.
    names: IndexMap<(&'static str, String, String), Span>,
    /// Subnets that could not be placed (their error is reported): references to them are not
    /// reported again.
    pub unplanned: std::collections::HashSet<(VnetId, String)>,
}

impl Ctx<'_> {
    pub fn error(&mut self, code: &'static str, span: Span, message: impl Into<String>) -> &mut Diagnostic {
        self.diags.error(code, span, message)
    }

    pub fn warning(&mut self, code: &'static str, span: Span, message: impl Into<String>) -> &mut Diagnostic {
        self.diags.warning(code, span, message)
    }

    /// Checks a resource name against Azure's rule for its type, and that no other resource of
    /// the same type in the same scope has it (Azure names are case-insensitive).
    pub fn name(&mut self, rule: &naming::NameRule, scope: &str, name: &str, span: Span) {
        if let Err(e) = naming::check(rule, name) {
            self.error("E0102", span, e);
            return;
        }
        let key = (rule.what, scope.to_string(), name.to_ascii_lowercase());
        if let Some(first) = self.names.get(&key) {
            let line = first.start.line;
            self.error(
                "E0103",
                span,
                format!("`{name}` is already the name of {} (line {line})", rule.what),
            )
            .set_help("give one of them another `name`");
        } else {
            self.names.insert(key, span);
        }
    }

    /// A region of the topology's cloud; reports unknown ones with the nearest match.
    pub fn region(&mut self, s: &Str) -> String {
        let known = regions::of(self.cloud);
        let v = s.value.to_ascii_lowercase().replace(' ', "");
        if !known.contains(&v.as_str()) {
            let d = self.diags.error(
                "E0104",
                s.span,
                format!("unknown region `{}` for {}", s.value, self.cloud.name()),
            );
            if let Some(other) = regions::cloud_of(&v) {
                d.set_help(format!(
                    "`{v}` is a region of {}; set `cloud: {}`",
                    other.name(),
                    other.name()
                ));
            } else if let Some(near) = suggest(&v, known.iter().copied()) {
                d.set_help(format!("did you mean `{near}`?"));
            } else {
                d.set_help("use the short name that `az account list-locations -o table` prints, like `eastus`");
            }
        }
        v
    }

    /// Whether a subnet was declared but could not be placed, so a reference to it is no news.
    pub fn is_unplanned(&self, vnet: VnetId, subnet: &str, vnets: &[crate::model::Vnet]) -> bool {
        vnets[vnet].address_space.is_empty() || self.unplanned.contains(&(vnet, subnet.to_string()))
    }

    /// A reference to a VNet key.
    pub fn vnet_ref(&mut self, s: &Str) -> Option<VnetId> {
        if let Some(i) = self.vnet_keys.iter().position(|k| *k == s.value) {
            return Some(i);
        }
        let d = self
            .diags
            .error("E0301", s.span, format!("no VNet `{}` under `vnets`", s.value));
        match suggest(&s.value, self.vnet_keys.iter().map(String::as_str)) {
            Some(k) => d.set_help(format!("did you mean `{k}`?")),
            None => d.set_help(format!("VNets declared: {}", self.vnet_keys.join(", "))),
        }
        None
    }

    /// One of a fixed set of values, matched without regard to case; returns the canonical one.
    pub fn one_of(
        &mut self,
        s: &Str,
        allowed: &[&'static str],
        code: &'static str,
        what: &str,
    ) -> Option<&'static str> {
        if let Some(v) = allowed.iter().find(|a| a.eq_ignore_ascii_case(&s.value)) {
            return Some(v);
        }
        let d = self
            .diags
            .error(code, s.span, format!("`{}` is not a valid {what}", s.value));
        match suggest(&s.value, allowed.iter().copied()) {
            Some(near) => d.set_help(format!("did you mean `{near}`?")),
            None => d.set_help(format!("expected one of: {}", allowed.join(", "))),
        }
        None
    }

    /// A resource group's name. Only its form is checked: many resources share a group, and
    /// the same group named twice is the same group.
    pub fn resource_group(&mut self, rg: &Str) -> String {
        if let Err(e) = naming::check(&naming::RESOURCE_GROUP, &rg.value) {
            self.error("E0102", rg.span, e);
        }
        rg.value.clone()
    }

    fn tags(&mut self, t: &Topology) -> IndexMap<String, String> {
        // Source: Microsoft Learn, "Use tags to organize your Azure resources" (limitations): tag
        // names up to 512 characters (128 for storage accounts), values up to 256; names cannot
        // contain < > % & \ ? /. At most 50 tags per resource.
        let mut out = IndexMap::new();
        if t.tags.len() > 50 {
            self.error(
                "E0107",
                t.tags[50].0.span,
                format!("{} tags; Azure allows at most 50 per resource", t.tags.len()),
            );
        }
        for (k, v) in &t.tags {
            if k.value.is_empty() || k.value.len() > 512 || k.value.contains(['<', '>', '%', '&', '\\', '?', '/']) {
                self.error("E0107", k.span, format!("`{}` is not a valid tag name", k.value))
                    .set_help("tag names have 1 to 512 characters and no `< > % & \\ ? /`");
            }
            if v.value.len() > 256 {
                self.error("E0107", v.span, "tag values are limited to 256 characters");
            }
            out.insert(k.value.clone(), v.value.clone());
        }
        out
    }
}
