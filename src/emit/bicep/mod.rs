//! Bicep, printed from the same IR as ARM JSON, so the two forms declare the same resources with
//! the same properties: `main.bicep`, `main.bicepparam` and, when the deployment is nested, one
//! module per nested deployment in `modules/`.
//!
//! The writer renders Bicep as a careful author writes it: a `metadata` description; parameters
//! with `@description` and `@secure()` (never with a default); resources referred to by symbol
//! (`vnet.id`, `account.properties.endpoint`), child resources with `parent`, subnets of a VNet
//! through `existing` children declared inside it (`vnet::defaultSubnet.id`); `dependsOn` only
//! for orderings that no reference implies (linter rule `no-unnecessary-dependson`); one `tags`
//! variable when every resource has the same tags; resources owned elsewhere (`ir::Existing`) as
//! `existing` with their scope; outputs with descriptions. Objects and arrays are laid out one
//! entry per line, as `bicep format` and `bicep decompile` write them.
//!
//! Nested layouts (`layout`: other resource groups or subscriptions, or more than ARM's limits)
//! follow the groups of main.json's nested deployments, one local module per group, each
//! rendered by the same writer as a flat file:
//!
//! - `main.bicep` has `targetScope = 'subscription'` when resources live in named resource
//!   groups. It declares the resource groups (one in another subscription through the small
//!   subscription-scope module `modules/resource-group.bicep`, given `scope: subscription(…)`),
//!   then one `module` per group with `scope:` (the resource group's symbol, which also orders
//!   the module after it, or `resourceGroup(…)` in another subscription) and `params`. A
//!   resource-group deployment split for ARM's limits stays at resource-group scope and its
//!   modules need no `scope:`.
//! - Parameters flow explicitly: a module declares what its resources use (without defaults,
//!   `@secure()` kept) and `main.bicep` passes it; the tags variable goes in as `tags`, the
//!   default resource group's name and the deploying subscription as `resourceGroupName` and
//!   `defaultSubscriptionId` where a module refers into them.
//! - A module refers to a resource that another module deploys through an `existing` declaration
//!   (with `scope:` when it lives in another resource group; its subnets as `existing` children),
//!   as ARM's nested templates use full resource IDs. That scales to hundreds of spokes, where
//!   outputs and parameters would pass ARM's limits of 64 and 256, and it gives a child in another
//!   module its `parent`. The module waits for the other one through `dependsOn`: the layout's
//!   `needs`, as main.json's deployments wait.
//! - `main.bicep`'s outputs read module outputs (`main1.outputs.openaiEndpoint`; an object output
//!   that spans modules, such as `vnetIds`, key by key).

mod syntax;

use crate::emit::arm::{rg_deployment_name, DEFAULT_SUBSCRIPTION_PARAM, RESOURCE_GROUP_PARAM};
use crate::ir::{Expr, Output, Param, ParamType, Resource, Template, Value};
use crate::layout::{self, Layout};
use crate::lower::camel;
use crate::model::Scope;
use crate::output::GENERATED_MARK;
use crate::OutputFile;
use indexmap::IndexMap;
use std::cell::Cell;
use std::collections::HashSet;

/// The name of the template file the parameters file points at (`using`).
pub const TEMPLATE_FILE: &str = "main.bicep";
/// The name of the parameters file.
pub const PARAMETERS_FILE: &str = "main.bicepparam";
/// The folder of the modules, next to `main.bicep`.
pub const MODULES_DIR: &str = "modules";
/// The module that creates a resource group in another subscription.
const RESOURCE_GROUP_MODULE: &str = "resource-group";

const RESOURCE_GROUP_DESCRIPTION: &str =
    "Resource group of the resources that do not name their own (created if missing).";

/// Every Bicep file of the deployment: `main.bicep`, `main.bicepparam`, then the modules (in
/// `modules/`, in the order of the layout's groups) when the layout is nested.
pub fn files(t: &Template) -> Vec<OutputFile> {
    let layout = layout::layout(t, &t.workload);
    let params = main_params(t, &layout);
    let file = |name: &str, text: String| OutputFile {
        name: name.to_string(),
        text,
    };
    if layout.is_flat() {
        return vec![
            file(TEMPLATE_FILE, flat(t, &params)),
            file(PARAMETERS_FILE, parameters_file(t, &params, TEMPLATE_FILE)),
        ];
    }
    let plan = Plan::new(t, &layout);
    let mut modules = Vec::new();
    let mut passed = Vec::new();
    for g in 0..layout.groups.len() {
        let (text, params) = plan.module(g);
        modules.push(file(&plan.modules[g].file, text));
        passed.push(params);
    }
    let mut out = vec![
        file(TEMPLATE_FILE, plan.main(&params, &passed)),
        file(PARAMETERS_FILE, parameters_file(t, &params, TEMPLATE_FILE)),
    ];
    if let Some(f) = &plan.rg_module {
        out.push(file(f, resource_group_module()));
    }
    out.extend(modules);
    out
}

/// `main.bicep`.
pub fn template(t: &Template) -> String {
    files(t).into_iter().next().expect("main.bicep").text
}

/// `main.bicepparam`, pointing at `template_file`.
pub fn parameters(t: &Template, template_file: &str) -> String {
    let layout = layout::layout(t, &t.workload);
    parameters_file(t, &main_params(t, &layout), template_file)
}

/// The parameters of `main.bicep`: those something refers to, in declaration order (a parameter
/// nothing uses is left out, linter rule `no-unused-params`: it cannot change the deployment). At
/// subscription scope also `location`, the region of the resource groups, and the name of the
/// default resource group.
fn main_params(t: &Template, l: &Layout) -> Vec<Param> {
    let mut used = used_parameter_names(t);
    if l.subscription_scope {
        used.insert("location".into());
    }
    let mut out: Vec<Param> = t
        .parameters
        .iter()
        .filter(|p| used.contains(&p.name))
        .cloned()
        .collect();
    if l.subscription_scope {
        out.push(Param {
            name: RESOURCE_GROUP_PARAM.into(),
            ty: ParamType::String,
            default: Some(Value::str(&t.default_resource_group)),
            description: RESOURCE_GROUP_DESCRIPTION.into(),
        });
    }
    out
}

/// A flat layout: one file with every resource.
fn flat(t: &Template, params: &[Param]) -> String {
    let all: Vec<usize> = (0..t.resources.len()).collect();
    let tags = common_tags(t).map_or(Tags::None, Tags::Var);
    let mut w = Writer::new(
        t,
        Here::Group(Scope::default()),
        &all,
        t.outputs.iter().map(|o| &o.value),
        tags,
        None,
    );
    w.header("the deployment template (its parameter values are in `main.bicepparam`).");
    w.line(0, &format!("metadata description = {}", w.lit(&t.description)));
    for p in params {
        w.blank();
        w.param(p);
    }
    if let Tags::Var(tags) = w.tags {
        w.blank();
        w.line(0, &format!("@description({})", syntax::string(TAGS_DESCRIPTION)));
        w.value(0, &format!("var {TAGS} = "), tags);
    }
    w.declarations();
    w.outputs(&t.outputs);
    w.out
}

/// `main.bicepparam`: a value for every parameter of `template_file`. Parameters with a default
/// get that value, to edit in place. Parameters without one (an SSH key, a password) are read
/// from an environment variable when the deployment compiles the file, so that no secret is ever
/// written into it: Bicep refuses a parameters file that leaves a required parameter unset.
///
/// The value is read into a variable that the parameter is then set to (rather than
/// `param x = readEnvironmentVariable(…)` directly): the same Bicep, in a form that pycep, the
/// parser of the project's independent oracle and of checkov, can read.
fn parameters_file(t: &Template, params: &[Param], template_file: &str) -> String {
    let mut w = Writer::new(
        t,
        Here::Group(Scope::default()),
        &[],
        std::iter::empty(),
        Tags::None,
        None,
    );
    w.header(&format!("values for the parameters of `{template_file}`."));
    w.line(0, &format!("using {}", syntax::string(template_file)));
    let mut taken: HashSet<String> = params.iter().map(|p| p.name.clone()).collect();
    taken.extend(t.parameters.iter().map(|p| p.name.clone()));
    for p in params {
        w.blank();
        match &p.default {
            Some(d) => w.value(0, &format!("param {} = ", p.name), d),
            None => {
                let env = syntax::screaming_snake(&p.name);
                let var = fresh(&format!("env{}", camel(&p.name, true)), &mut taken);
                w.line(
                    0,
                    &format!("// Set {env} before deploying: it is read when the deployment compiles this file."),
                );
                w.line(
                    0,
                    &format!("var {var} = readEnvironmentVariable({})", syntax::string(&env)),
                );
                w.line(0, &format!("param {} = {var}", p.name));
            }
        }
    }
    w.out
}

/// `modules/resource-group.bicep`: a resource group, created in the subscription the module is
/// deployed to (ARM's subscription-level nested deployment `{workload}-create-{group}`).
fn resource_group_module() -> String {
    let t = Template::default();
    let mut w = Writer::new(&t, Here::Subscription, &[], std::iter::empty(), Tags::None, None);
    w.header("a module of `main.bicep` that creates a resource group in another subscription.");
    w.line(0, "targetScope = 'subscription'");
    w.blank();
    w.line(
        0,
        "metadata description = 'A resource group, created in the subscription this module is deployed to.'",
    );
    w.blank();
    w.line(0, "@description('Name of the resource group.')");
    w.line(0, "param name string");
    w.blank();
    w.line(0, "@description('Region of the resource group.')");
    w.line(0, "param location string");
    w.blank();
    w.line(
        0,
        &format!(
            "resource group 'Microsoft.Resources/resourceGroups@{}' = {{",
            crate::azure::api_versions::RESOURCES
        ),
    );
    w.line(1, "name: name");
    w.line(1, "location: location");
    w.line(0, "}");
    w.out
}

/// The tags every tagged resource has, when they all have the same.
fn common_tags(t: &Template) -> Option<&Value> {
    let tagged: Vec<&Value> = t.resources.iter().filter_map(|r| r.body.get("tags")).collect();
    let clash = t.parameters.iter().any(|p| p.name == TAGS)
        || t.resources.iter().any(|r| r.symbol == TAGS)
        || t.existing.iter().any(|e| e.symbol == TAGS);
    match tagged.split_first() {
        Some((first, rest)) if rest.iter().all(|v| v == first) && !clash => Some(*first),
        _ => None,
    }
}

/// The name of the variable (in a module: the parameter) that holds the common tags.
const TAGS: &str = "tags";
const TAGS_DESCRIPTION: &str = "Tags of every resource that takes tags.";

/// How a file writes the common tags.
#[derive(Clone, Copy)]
enum Tags<'t> {
    /// Literally, on each resource.
    None,
    /// As the variable `tags` (a flat file, `main.bicep`).
    Var(&'t Value),
    /// As the parameter `tags` (a module).
    Param(&'t Value),
}

impl<'t> Tags<'t> {
    fn value(self) -> Option<&'t Value> {
        match self {
            Tags::None => None,
            Tags::Var(v) | Tags::Param(v) => Some(v),
        }
    }
}

/// Where a file deploys.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Here {
    /// A resource group: a flat `main.bicep`, a module, or `main.bicep` of a split resource-group
    /// deployment.
    Group(Scope),
    /// The subscription: `main.bicep` of a deployment into named resource groups.
    Subscription,
}

// ------------------------------------------------------------------ nested layouts

/// The names of one group's module.
struct Module {
    /// The symbol in `main.bicep`.
    symbol: String,
    /// The file, `modules/{name}.bicep`.
    file: String,
}

/// How an output of `main.bicep` gets its value.
enum MainOut<'t> {
    /// From the IR value itself: it refers to no resource (a literal, a parameter), or (never
    /// for what lowering produces) to resources of several modules, then declared `existing`.
    Ir(&'t Value),
    /// From a module's output (`main1.outputs.openaiEndpoint`, `main1.outputs.vnetIds.hub`).
    Text(String),
    /// An object whose entries come from different modules.
    Object(Vec<(String, MainOut<'t>)>),
}

/// A nested layout rendered as `main.bicep` and its modules.
struct Plan<'t> {
    t: &'t Template,
    l: &'t Layout,
    /// The group of each resource.
    group_of: Vec<usize>,
    tags: Option<&'t Value>,
    /// Per group.
    modules: Vec<Module>,
    /// Per resource group of the layout: its symbol in `main.bicep`.
    rg_symbols: Vec<String>,
    /// `modules/resource-group.bicep`, when a resource group lives in another subscription.
    rg_module: Option<String>,
    /// Per group: the outputs its module has, for the outputs of `main.bicep`.
    exports: Vec<IndexMap<String, Output>>,
    /// The outputs of `main.bicep`.
    outputs: Vec<(&'t Output, MainOut<'t>)>,
}

impl<'t> Plan<'t> {
    fn new(t: &'t Template, l: &'t Layout) -> Self {
        let mut group_of = vec![usize::MAX; t.resources.len()];
        for (gi, g) in l.groups.iter().enumerate() {
            for &m in &g.members {
                group_of[m] = gi;
            }
        }
        // Symbols of main.bicep: none may clash with a parameter, the tags variable, or a symbol
        // of the IR (an output may declare one `existing`).
        let mut taken: HashSet<String> = t
            .parameters
            .iter()
            .map(|p| p.name.clone())
            .chain(t.resources.iter().map(|r| r.symbol.clone()))
            .chain(t.existing.iter().map(|e| e.symbol.clone()))
            .chain([TAGS, RESOURCE_GROUP_PARAM, DEFAULT_SUBSCRIPTION_PARAM].map(String::from))
            .collect();
        let rg_symbols = l
            .resource_groups
            .iter()
            .map(|s| {
                let base = match &s.resource_group {
                    None => "rgMain".to_string(),
                    Some(n) => {
                        let lower = n.to_ascii_lowercase();
                        let rest = if lower.starts_with("rg-") || lower.starts_with("rg_") {
                            &n[3..]
                        } else {
                            n.as_str()
                        };
                        format!("rg{}", camel(rest, true))
                    }
                };
                fresh(&base, &mut taken)
            })
            .collect();
        // File names: the group's name, made safe for every file system (lower case, so names
        // that differ in case only cannot collide on a case-insensitive one).
        let mut stems: HashSet<String> = HashSet::new();
        let rg_module = l
            .resource_groups
            .iter()
            .any(|s| s.subscription.is_some())
            .then(|| format!("{MODULES_DIR}/{}.bicep", fresh(RESOURCE_GROUP_MODULE, &mut stems)));
        let modules = l
            .groups
            .iter()
            .map(|g| {
                let short = g.name.strip_prefix(&format!("{}-", t.workload)).unwrap_or(&g.name);
                let mut symbol = camel(short, false);
                symbol[..1].make_ascii_lowercase();
                Module {
                    symbol: fresh(&symbol, &mut taken),
                    file: format!("{MODULES_DIR}/{}.bicep", fresh(&file_stem(&g.name), &mut stems)),
                }
            })
            .collect();
        let mut plan = Plan {
            t,
            l,
            group_of,
            tags: common_tags(t),
            modules,
            rg_symbols,
            rg_module,
            exports: (0..l.groups.len()).map(|_| IndexMap::new()).collect(),
            outputs: Vec::new(),
        };
        for o in &t.outputs {
            let v = plan.split(o, &o.value, &[]);
            plan.outputs.push((o, v));
        }
        plan
    }

    /// The groups whose resources `v` refers to.
    fn groups(&self, v: &Value) -> Vec<usize> {
        let mut out: Vec<usize> = Vec::new();
        v.walk_refs(&mut |s: &str| {
            let g = self.group_of[self.t.position(s)];
            if !out.contains(&g) {
                out.push(g);
            }
        });
        out
    }

    /// How `main.bicep` gets the part `v` at `path` of output `o`: from the one module whose
    /// resources it refers to (which then outputs it), or key by key.
    fn split(&mut self, o: &Output, v: &'t Value, path: &[String]) -> MainOut<'t> {
        let groups = self.groups(v);
        match (groups.as_slice(), v) {
            ([], _) => MainOut::Ir(v),
            ([g], _) => {
                let exports = &mut self.exports[*g];
                let out = exports.entry(o.name.clone()).or_insert_with(|| Output {
                    name: o.name.clone(),
                    ty: if path.is_empty() { o.ty } else { "object" },
                    value: Value::Object(IndexMap::new()),
                    description: o.description.clone(),
                });
                insert_at(&mut out.value, path, v.clone());
                let segs: Vec<crate::ir::Seg> = path.iter().map(|k| crate::ir::Seg::Key(k.clone())).collect();
                MainOut::Text(format!(
                    "{}.outputs.{}{}",
                    self.modules[*g].symbol,
                    o.name,
                    syntax::path(&segs)
                ))
            }
            (_, Value::Object(map)) => MainOut::Object(
                map.iter()
                    .map(|(k, x)| {
                        let mut p = path.to_vec();
                        p.push(k.clone());
                        (k.clone(), self.split(o, x, &p))
                    })
                    .collect(),
            ),
            _ => MainOut::Ir(v),
        }
    }

    /// `modules/{group}.bicep`, and the parameters `main.bicep` passes it (each with its value).
    fn module(&self, g: usize) -> (String, Vec<(Param, String)>) {
        let t = self.t;
        let group = &self.l.groups[g];
        let outputs: Vec<Output> = self.exports[g].values().cloned().collect();
        let tags = self.tags.map_or(Tags::None, Tags::Param);
        let mut w = Writer::new(
            t,
            Here::Group(group.scope.clone()),
            &group.members,
            outputs.iter().map(|o| &o.value),
            tags,
            Some((&self.group_of, self.l)),
        );
        w.header(&format!(
            "a module of `main.bicep`, deployed as `{}` (`main.bicep` passes its parameters).",
            group.name
        ));
        w.line(0, &format!("metadata description = {}", w.lit(&group.description)));
        let params = w.module_params();
        for (p, _) in &params {
            w.blank();
            w.param(p);
        }
        w.declarations();
        w.outputs(&outputs);
        (w.out, params)
    }

    /// `main.bicep`: the parameters, the tags, the resource groups, a module per group, the
    /// outputs.
    fn main(&self, params: &[Param], passed: &[Vec<(Param, String)>]) -> String {
        let t = self.t;
        let l = self.l;
        let here = if l.subscription_scope {
            Here::Subscription
        } else {
            Here::Group(Scope::default())
        };
        let mut leaves: Vec<&Value> = Vec::new();
        for (_, v) in &self.outputs {
            ir_leaves(v, &mut leaves);
        }
        let takes_tags = passed.iter().flatten().any(|(p, _)| p.name == TAGS);
        let tags = match self.tags {
            Some(v) if takes_tags => Tags::Var(v),
            _ => Tags::None,
        };
        let mut w = Writer::new(t, here, &[], leaves.into_iter(), tags, Some((&self.group_of, l)));
        w.header(&format!(
            "the deployment template (its parameter values are in `main.bicepparam`; it deploys the modules in `{MODULES_DIR}/`)."
        ));
        if l.subscription_scope {
            w.line(0, "targetScope = 'subscription'");
            w.blank();
        }
        w.line(0, &format!("metadata description = {}", w.lit(&t.description)));
        for p in params {
            w.blank();
            w.param(p);
        }
        if let Tags::Var(tags) = w.tags {
            w.blank();
            w.line(0, &format!("@description({})", syntax::string(TAGS_DESCRIPTION)));
            w.value(0, &format!("var {TAGS} = "), tags);
        }
        w.declarations();
        for (i, s) in l.resource_groups.iter().enumerate() {
            w.blank();
            let sym = &self.rg_symbols[i];
            match (&s.subscription, &s.resource_group) {
                (Some(sub), rg) => {
                    let rg = rg
                        .as_deref()
                        .expect("a scope in another subscription names its resource group");
                    w.line(
                        0,
                        &format!("// In subscription {sub}: created by a module deployed to that subscription."),
                    );
                    let file = self.rg_module.as_deref().expect("the resource-group module");
                    w.line(0, &format!("module {sym} {} = {{", w.lit(file)));
                    let name = format!("name: {}", w.lit(&rg_deployment_name(t, s)));
                    w.line(1, &name);
                    let scope = format!("scope: subscription({})", w.lit(sub));
                    w.line(1, &scope);
                    w.line(1, "params: {");
                    let name = format!("name: {}", w.lit(rg));
                    w.line(2, &name);
                    w.line(2, "location: location");
                    w.line(1, "}");
                    w.line(0, "}");
                }
                (None, rg) => {
                    let name = match rg {
                        Some(n) => w.lit(n),
                        None => {
                            w.line(0, "// The resource group of the resources that do not name their own.");
                            RESOURCE_GROUP_PARAM.to_string()
                        }
                    };
                    w.line(
                        0,
                        &format!(
                            "resource {sym} 'Microsoft.Resources/resourceGroups@{}' = {{",
                            crate::azure::api_versions::RESOURCES
                        ),
                    );
                    w.line(1, &format!("name: {name}"));
                    w.line(1, "location: location");
                    w.line(0, "}");
                }
            }
        }
        for (gi, g) in l.groups.iter().enumerate() {
            let m = &self.modules[gi];
            w.blank();
            w.line(0, &format!("// {}", g.description));
            w.line(0, &format!("module {} {} = {{", m.symbol, w.lit(&m.file)));
            let name = format!("name: {}", w.lit(&g.name));
            w.line(1, &name);
            let mut deps: Vec<&str> = Vec::new();
            if l.subscription_scope {
                let ri = l
                    .resource_groups
                    .iter()
                    .position(|s| *s == g.scope)
                    .expect("every group's resource group is created");
                let scope = match &g.scope.subscription {
                    // The resource group's symbol: the module waits for it, no `dependsOn` needed.
                    None => self.rg_symbols[ri].clone(),
                    Some(sub) => {
                        deps.push(&self.rg_symbols[ri]);
                        let rg = g.scope.resource_group.as_deref().expect("named");
                        format!("resourceGroup({}, {})", w.lit(sub), w.lit(rg))
                    }
                };
                w.line(1, &format!("scope: {scope}"));
            }
            if !passed[gi].is_empty() {
                w.line(1, "params: {");
                for (p, value) in &passed[gi] {
                    w.line(2, &format!("{}: {value}", p.name));
                }
                w.line(1, "}");
            }
            deps.extend(g.needs.iter().map(|&n| self.modules[n].symbol.as_str()));
            if !deps.is_empty() {
                w.line(1, "dependsOn: [");
                for d in deps {
                    w.line(2, d);
                }
                w.line(1, "]");
            }
            w.line(0, "}");
        }
        for (o, v) in &self.outputs {
            w.blank();
            w.line(0, &format!("@description({})", w.lit(&o.description)));
            w.main_out(0, &format!("output {} {} = ", o.name, o.ty), v);
        }
        w.out
    }
}

/// The parts of a `main.bicep` output rendered from the IR.
fn ir_leaves<'t>(v: &MainOut<'t>, out: &mut Vec<&'t Value>) {
    match v {
        MainOut::Ir(x) => out.push(x),
        MainOut::Text(_) => {}
        MainOut::Object(entries) => entries.iter().for_each(|(_, e)| ir_leaves(e, out)),
    }
}

/// Sets the entry at `path` of the object `target` (made of objects along the way).
fn insert_at(target: &mut Value, path: &[String], v: Value) {
    match path.split_first() {
        None => *target = v,
        Some((k, rest)) => {
            if !matches!(target, Value::Object(_)) {
                *target = Value::Object(IndexMap::new());
            }
            let Value::Object(map) = target else { unreachable!() };
            let entry = map.entry(k.clone()).or_insert_with(|| Value::Object(IndexMap::new()));
            insert_at(entry, rest, v);
        }
    }
}

/// A module's file name from its deployment's name: lower case letters, digits, `-`, `_` and
/// `.`; never hidden, never `..`.
fn file_stem(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let s = s.trim_start_matches(['.', '-']).trim_end_matches('.');
    if s.is_empty() {
        "module".into()
    } else {
        s.into()
    }
}

// ------------------------------------------------------------------ the writer

/// A child of a resource of the template that its parent declares inline (a subnet in its VNet's
/// `properties.subnets`), referred to by ID: declared `existing` inside the parent.
struct Child {
    parent: String,
    seg: &'static str,
    name: String,
    symbol: String,
}

/// Where the groups of a nested layout are, for the comments on `existing` declarations.
type Place<'t> = (&'t [usize], &'t Layout);

/// One file: the resources it deploys (`members`), where (`here`), what it refers to.
struct Writer<'t> {
    t: &'t Template,
    here: Here,
    /// By resource index: deployed by this file.
    member: Vec<bool>,
    /// Resources of other files this one refers to (or whose children it deploys), declared
    /// `existing`, in IR order.
    foreign: Vec<usize>,
    /// The `ir::Existing` resources this file refers to.
    existing: Vec<&'t crate::ir::Existing>,
    /// The template parameters this file refers to.
    params: HashSet<String>,
    /// The file refers into the default resource group / the deploying subscription from
    /// elsewhere (a module's `resourceGroupName` and `defaultSubscriptionId` parameters).
    needs_rg: bool,
    needs_sub: bool,
    place: Option<Place<'t>>,
    out: String,
    children: Vec<Child>,
    tags: Tags<'t>,
    /// Whether a resource of this file has tags.
    tagged: bool,
    /// Set when a string literal of the line being built holds a host `no-hardcoded-env-urls`
    /// flags; `line` then writes the suppression with its reason.
    host: Cell<bool>,
}

impl<'t> Writer<'t> {
    /// A writer for a file that deploys `members` at `here` and also writes `values` (outputs).
    fn new<'v>(
        t: &'t Template,
        here: Here,
        members: &[usize],
        values: impl Iterator<Item = &'v Value>,
        tags: Tags<'t>,
        place: Option<Place<'t>>,
    ) -> Self {
        let n = t.resources.len();
        let mut member = vec![false; n];
        for &m in members {
            member[m] = true;
        }
        // `ChildId` references, in first-seen order (named once the scan is done).
        let mut child_refs: Vec<(String, &'static str, String)> = Vec::new();
        let mut params: HashSet<String> = HashSet::new();
        let mut refs: Vec<bool> = vec![false; n];
        let mut existing_used = vec![false; t.existing.len()];
        let mut scan = |v: &Value| {
            walk_values(v, &mut |v| match v {
                Value::Str(s) => {
                    if let Some(i) = t.existing.iter().position(|e| e.id == *s) {
                        existing_used[i] = true;
                    }
                }
                Value::Expr(e) => walk_expr(e, &mut |e| match e {
                    Expr::Param(p) => {
                        params.insert(p.clone());
                    }
                    Expr::Id(s) | Expr::Prop(s, _) => refs[t.position(s)] = true,
                    Expr::ChildId(parent, seg, name) => {
                        refs[t.position(parent)] = true;
                        child_refs.push((parent.clone(), seg, name.clone()));
                    }
                    Expr::ReferenceOf { .. } | Expr::Format(..) | Expr::TenantId => {}
                }),
                _ => {}
            });
        };
        let mut tagged = false;
        for &m in members {
            let r = &t.resources[m];
            tagged |= r.body.contains_key("tags");
            r.body.values().for_each(&mut scan);
        }
        for v in values {
            scan(v);
        }
        for &m in members {
            if let Some(p) = &t.resources[m].parent {
                refs[t.position(p)] = true;
            }
        }
        let mut children: Vec<Child> = Vec::new();
        if !child_refs.is_empty() {
            // A child's symbol takes none of the file's names.
            let mut taken: HashSet<&str> = t
                .parameters
                .iter()
                .map(|p| p.name.as_str())
                .chain(t.resources.iter().map(|r| r.symbol.as_str()))
                .chain(t.existing.iter().map(|e| e.symbol.as_str()))
                .collect();
            if tags.value().is_some() {
                taken.insert(TAGS);
            }
            for (parent, seg, name) in &child_refs {
                add_child(&mut children, &taken, parent, seg, name);
            }
        }
        // What is referred to and not deployed here, with the ancestors it is declared under.
        let mut foreign = vec![false; n];
        for i in 0..n {
            if refs[i] && !member[i] {
                let mut x = Some(i);
                while let Some(j) = x.filter(|&j| !member[j] && !foreign[j]) {
                    foreign[j] = true;
                    x = t.resources[j].parent.as_deref().map(|p| t.position(p));
                }
            }
        }
        let foreign: Vec<usize> = (0..n).filter(|&i| foreign[i]).collect();
        let mut w = Writer {
            t,
            here,
            member,
            foreign,
            existing: t
                .existing
                .iter()
                .zip(&existing_used)
                .filter(|(_, u)| **u)
                .map(|(e, _)| e)
                .collect(),
            params,
            needs_rg: false,
            needs_sub: false,
            place,
            out: String::new(),
            children,
            tags,
            tagged,
            host: Cell::new(false),
        };
        for i in w.foreign.clone() {
            if t.resources[i].parent.is_none() {
                let (_, rg, sub) = w.scope_of(t.scope_of(&t.resources[i].symbol));
                w.needs_rg |= rg;
                w.needs_sub |= sub;
            }
        }
        w
    }

    /// `scope:` of an `existing` resource that lives in `there`, seen from this file (`None` when
    /// it lives here), and whether it uses the module parameters `resourceGroupName` and
    /// `defaultSubscriptionId`.
    fn scope_of(&self, there: &Scope) -> (Option<String>, bool, bool) {
        let (here_sub, main) = match &self.here {
            Here::Group(s) if s == there => return (None, false, false),
            Here::Group(s) => (s.subscription.as_ref(), false),
            Here::Subscription => (None, true),
        };
        let (rg, uses_rg) = match &there.resource_group {
            Some(n) => (syntax::string(n), false),
            None => (RESOURCE_GROUP_PARAM.to_string(), !main),
        };
        if there.subscription.as_ref() == here_sub {
            return (Some(format!("resourceGroup({rg})")), uses_rg, false);
        }
        let (sub, uses_sub) = match &there.subscription {
            Some(s) => (syntax::string(s), false),
            None => (DEFAULT_SUBSCRIPTION_PARAM.to_string(), true),
        };
        (Some(format!("resourceGroup({sub}, {rg})")), uses_rg, uses_sub)
    }

    /// The parameters of a module, each with the value `main.bicep` passes: the template
    /// parameters it uses (in declaration order, without their defaults), then the tags, the
    /// default resource group and the deploying subscription when it refers to them.
    fn module_params(&self) -> Vec<(Param, String)> {
        let mut out: Vec<(Param, String)> = self
            .t
            .parameters
            .iter()
            .filter(|p| self.params.contains(&p.name))
            .map(|p| {
                (
                    Param {
                        default: None,
                        ..p.clone()
                    },
                    p.name.clone(),
                )
            })
            .collect();
        let synthetic = |name: &str, ty, description: &str| Param {
            name: name.into(),
            ty,
            default: None,
            description: description.into(),
        };
        if matches!(self.tags, Tags::Param(_)) && self.tagged {
            out.push((synthetic(TAGS, ParamType::Object, TAGS_DESCRIPTION), TAGS.into()));
        }
        if self.needs_rg {
            out.push((
                synthetic(
                    RESOURCE_GROUP_PARAM,
                    ParamType::String,
                    "Resource group of the resources that do not name their own.",
                ),
                RESOURCE_GROUP_PARAM.into(),
            ));
        }
        if self.needs_sub {
            out.push((
                synthetic(
                    DEFAULT_SUBSCRIPTION_PARAM,
                    ParamType::String,
                    "Subscription of the deployment, where the resources that do not name their own live.",
                ),
                "subscription().subscriptionId".into(),
            ));
        }
        out
    }

    fn header(&mut self, what: &str) {
        self.line(0, &format!("// {GENERATED_MARK} {}: {what}", env!("CARGO_PKG_VERSION")));
        self.line(0, "// Change the topology and build again rather than edit this file.");
        self.blank();
    }

    /// The `existing` declarations (resources owned elsewhere, resources of other modules), then
    /// the resources.
    fn declarations(&mut self) {
        for e in self.existing.clone() {
            self.blank();
            self.line(
                0,
                &format!(
                    "// Not deployed here: it exists in resource group `{}` of subscription `{}`.",
                    e.resource_group, e.subscription
                ),
            );
            self.line(
                0,
                &format!("resource {} '{}@{}' existing = {{", e.symbol, e.rtype, e.api_version),
            );
            let name = format!("name: {}", self.lit(&e.name));
            self.line(1, &name);
            let scope = format!(
                "scope: resourceGroup({}, {})",
                self.lit(&e.subscription),
                self.lit(&e.resource_group)
            );
            self.line(1, &scope);
            self.line(0, "}");
        }
        let t = self.t;
        // A module waits for the modules of the resources it declares `existing`.
        let waits = if self.member.contains(&true) {
            ", which this one waits for"
        } else {
            ""
        };
        for i in self.foreign.clone() {
            self.blank();
            let r = &t.resources[i];
            if let Some((group_of, l)) = self.place {
                if let Some(g) = l.groups.get(group_of[i]) {
                    self.line(0, &format!("// Deployed by module `{}`{waits}.", g.name));
                }
            }
            self.line(
                0,
                &format!("resource {} '{}@{}' existing = {{", r.symbol, r.rtype, r.api_version),
            );
            if let Some(p) = &r.parent {
                self.line(1, &format!("parent: {p}"));
            }
            let name = format!("name: {}", self.lit(&r.name));
            self.line(1, &name);
            if r.parent.is_none() {
                if let (Some(scope), _, _) = self.scope_of(t.scope_of(&r.symbol)) {
                    self.line(1, &format!("scope: {scope}"));
                }
            }
            self.kids(r);
            self.line(0, "}");
        }
        for (i, r) in t.resources.iter().enumerate() {
            if self.member[i] {
                self.blank();
                self.resource(r);
            }
        }
    }

    fn outputs(&mut self, outputs: &[Output]) {
        for o in outputs {
            self.blank();
            self.line(0, &format!("@description({})", self.lit(&o.description)));
            self.value(0, &format!("output {} {} = ", o.name, o.ty), &o.value);
        }
    }

    /// An output of `main.bicep` of a nested layout.
    fn main_out(&mut self, depth: usize, prefix: &str, v: &MainOut) {
        match v {
            MainOut::Ir(x) => self.value(depth, prefix, x),
            MainOut::Text(s) => self.line(depth, &format!("{prefix}{s}")),
            MainOut::Object(entries) => {
                self.line(depth, &format!("{prefix}{{"));
                for (k, e) in entries {
                    let p = format!("{}: ", self.key(k));
                    self.main_out(depth + 1, &p, e);
                }
                self.line(depth, "}");
            }
        }
    }

    /// One line at `depth`. When a string literal on it holds a host `no-hardcoded-env-urls`
    /// flags, the suppression and its reason go first: such a host here comes from the cloud the
    /// topology names, and `main.json` has the same literal.
    fn line(&mut self, depth: usize, text: &str) {
        let indent = "  ".repeat(depth);
        if self.host.take() {
            self.out.push_str(&format!(
                "{indent}// The topology names its cloud, so this host is that cloud's, as in main.json.\n"
            ));
            self.out
                .push_str(&format!("{indent}#disable-next-line {}\n", syntax::HOST_RULE));
        }
        self.out.push_str(&indent);
        self.out.push_str(text);
        self.out.push('\n');
    }

    fn blank(&mut self) {
        self.out.push('\n');
    }

    /// A string literal; notes a flagged host for the line it goes on.
    fn lit(&self, s: &str) -> String {
        if syntax::has_disallowed_host(s) {
            self.host.set(true);
        }
        syntax::string(s)
    }

    fn key(&self, k: &str) -> String {
        if syntax::is_identifier(k) {
            k.to_string()
        } else {
            self.lit(k)
        }
    }

    fn param(&mut self, p: &Param) {
        self.line(0, &format!("@description({})", self.lit(&p.description)));
        let ty = match p.ty {
            ParamType::String => "string",
            ParamType::SecureString => {
                self.line(0, "@secure()");
                "string"
            }
            ParamType::Object => "object",
        };
        match &p.default {
            Some(d) => self.value(0, &format!("param {} {ty} = ", p.name), d),
            None => self.line(0, &format!("param {} {ty}", p.name)),
        }
    }

    fn resource(&mut self, r: &Resource) {
        if let Some(c) = &r.comment {
            for l in c.lines() {
                self.line(0, &format!("// {l}"));
            }
        }
        self.line(
            0,
            &format!("resource {} '{}@{}' = {{", r.symbol, r.rtype, r.api_version),
        );
        if let Some(p) = &r.parent {
            self.line(1, &format!("parent: {p}"));
        }
        let name = format!("name: {}", self.lit(&r.name));
        self.line(1, &name);
        for (k, v) in &r.body {
            if k == "tags" && self.tags.value().is_some() {
                self.line(1, &format!("tags: {TAGS}"));
            } else {
                let prefix = format!("{}: ", self.key(k));
                self.value(1, &prefix, v);
            }
        }
        let deps = self.depends_on(r);
        if !deps.is_empty() {
            self.line(1, "dependsOn: [");
            for d in deps {
                self.line(2, d);
            }
            self.line(1, "]");
        }
        self.kids(r);
        self.line(0, "}");
    }

    /// The `existing` children of `r` that this file refers to, in declaration order.
    fn kids(&mut self, r: &Resource) {
        let mut kids: Vec<(String, &str, String)> = self
            .children
            .iter()
            .filter(|c| c.parent == r.symbol)
            .map(|c| (c.symbol.clone(), c.seg, c.name.clone()))
            .collect();
        kids.sort_by_key(|(_, seg, name)| inline_position(r, seg, name));
        for (symbol, seg, name) in kids {
            self.blank();
            self.line(1, &format!("resource {symbol} '{seg}' existing = {{"));
            let name = format!("name: {}", self.lit(&name));
            self.line(2, &name);
            self.line(1, "}");
        }
    }

    /// The `after` orderings of resources of this file that neither the parent chain nor a
    /// reference already implies. (An ordering on a resource of another module is the module's:
    /// `main.bicep` makes it wait for that module.)
    fn depends_on(&self, r: &'t Resource) -> Vec<&'t str> {
        let mut implied: Vec<&str> = Vec::new();
        let mut p = r.parent.as_deref();
        while let Some(s) = p {
            implied.push(s);
            p = self.t.resource(s).parent.as_deref();
        }
        let mut refs: Vec<String> = Vec::new();
        for v in r.body.values() {
            v.walk_refs(&mut |s: &str| refs.push(s.to_string()));
        }
        let mut out: Vec<&str> = Vec::new();
        for a in &r.after {
            if !implied.contains(&a.as_str())
                && !refs.contains(a)
                && !out.contains(&a.as_str())
                && *a != r.symbol
                && self.member[self.t.position(a)]
            {
                out.push(a);
            }
        }
        out
    }

    /// `prefix` followed by `v`: on one line when it is a scalar or empty, else one entry per line.
    fn value(&mut self, depth: usize, prefix: &str, v: &Value) {
        match v {
            Value::Array(items) if !items.is_empty() => {
                self.line(depth, &format!("{prefix}["));
                for i in items {
                    self.value(depth + 1, "", i);
                }
                self.line(depth, "]");
            }
            Value::Object(map) if !map.is_empty() => {
                self.line(depth, &format!("{prefix}{{"));
                for (k, v) in map {
                    let p = format!("{}: ", self.key(k));
                    self.value(depth + 1, &p, v);
                }
                self.line(depth, "}");
            }
            _ => {
                let s = self.scalar(v);
                self.line(depth, &format!("{prefix}{s}"));
            }
        }
    }

    fn scalar(&self, v: &Value) -> String {
        match v {
            Value::Bool(b) => b.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Str(s) => match self.t.existing.iter().find(|e| e.id == *s) {
                Some(e) => format!("{}.id", e.symbol),
                None => self.lit(s),
            },
            Value::Array(_) => "[]".into(),
            Value::Object(_) => "{}".into(),
            Value::Expr(e) => self.expr(e),
        }
    }
    fn expr(&self, e: &Expr) -> String {
        match e {
            Expr::Param(p) => p.clone(),
            Expr::Id(s) => format!("{s}.id"),
            Expr::ChildId(parent, seg, name) => {
                let c = self
                    .children
                    .iter()
                    .find(|c| c.parent == *parent && c.seg == *seg && c.name == *name)
                    .expect("every child reference was collected");
                format!("{parent}::{}.id", c.symbol)
            }
            Expr::Prop(s, segs) => format!("{s}.properties{}", syntax::path(segs)),
            Expr::ReferenceOf {
                target,
                api_version,
                path,
            } => format!(
                "reference({}, {}){}",
                self.expr(target),
                syntax::string(api_version),
                syntax::path(path)
            ),
            Expr::Format(text, args) => self.interpolate(text, args),
            Expr::TenantId => "subscription().tenantId".into(),
        }
    }

    /// ARM's `format('…{0}…', x)` as interpolation, `'…${x}…'` (linter rule `prefer-interpolation`);
    /// `format('{0}', x)` as plain `x` (`simplify-interpolation`). `{{` and `}}` are literal braces.
    fn interpolate(&self, text: &str, args: &[Expr]) -> String {
        if let ("{0}", [only]) = (text, args) {
            return self.expr(only);
        }
        let mut out = String::from("'");
        let mut literal = String::new();
        let mut rest = text;
        while !rest.is_empty() {
            if let Some(r) = rest.strip_prefix("{{") {
                literal.push('{');
                rest = r;
            } else if let Some(r) = rest.strip_prefix("}}") {
                literal.push('}');
                rest = r;
            } else if let Some((n, r)) = placeholder(rest) {
                self.flush_literal(&mut out, &mut literal, false);
                let arg = args.get(n).expect("format placeholders have arguments");
                out.push_str("${");
                out.push_str(&self.expr(arg));
                out.push('}');
                rest = r;
            } else {
                let c = rest.chars().next().expect("not empty");
                literal.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
        self.flush_literal(&mut out, &mut literal, true);
        out.push('\'');
        out
    }

    fn flush_literal(&self, out: &mut String, literal: &mut String, closing: bool) {
        if syntax::has_disallowed_host(literal) {
            self.host.set(true);
        }
        syntax::escape_into(out, literal, closing);
        literal.clear();
    }
}

/// Where a child is declared in its parent's `properties.{seg}` array (declaration order for the
/// `existing` children of a resource).
fn inline_position(parent: &Resource, seg: &str, name: &str) -> usize {
    let Some(Value::Object(props)) = parent.body.get("properties") else {
        return usize::MAX;
    };
    let Some(Value::Array(items)) = props.get(seg) else {
        return usize::MAX;
    };
    items
        .iter()
        .position(|i| matches!(i, Value::Object(o) if o.get("name") == Some(&Value::str(name))))
        .unwrap_or(usize::MAX)
}

/// `{n}` at the start of `s`: the argument index and the rest.
fn placeholder(s: &str) -> Option<(usize, &str)> {
    let inner = s.strip_prefix('{')?;
    let end = inner.find('}')?;
    let n = inner[..end].parse().ok()?;
    Some((n, &inner[end + 1..]))
}

/// Records the `existing` child that `ChildId(parent, seg, name)` refers to, with a symbol unique
/// among the file's own names and the parent's other children (two VNets may both have a
/// `defaultSubnet`: `vnetHub::defaultSubnet`).
fn add_child(children: &mut Vec<Child>, taken: &HashSet<&str>, parent: &str, seg: &'static str, name: &str) {
    if children
        .iter()
        .any(|c| c.parent == parent && c.seg == seg && c.name == name)
    {
        return;
    }
    let singular = seg.strip_suffix('s').unwrap_or(seg);
    let mut base = camel(name, false);
    base[..1].make_ascii_lowercase();
    if !base.to_ascii_lowercase().ends_with(&singular.to_ascii_lowercase()) {
        base.push_str(&camel(singular, true));
    }
    let mut symbol = base.clone();
    let mut n = 2;
    while taken.contains(symbol.as_str()) || children.iter().any(|c| c.parent == parent && c.symbol == symbol) {
        symbol = format!("{base}{n}");
        n += 1;
    }
    children.push(Child {
        parent: parent.to_string(),
        seg,
        name: name.to_string(),
        symbol,
    });
}

/// The names of the parameters that something refers to (a resource, an output, another
/// parameter's default).
fn used_parameter_names(t: &Template) -> HashSet<String> {
    let mut used: HashSet<String> = HashSet::new();
    let mut add = |e: &Expr| {
        if let Expr::Param(p) = e {
            used.insert(p.clone());
        }
    };
    let values = t.resources.iter().flat_map(|r| r.body.values());
    let values = values.chain(t.outputs.iter().map(|o| &o.value));
    for v in values.chain(t.parameters.iter().filter_map(|p| p.default.as_ref())) {
        walk_exprs(v, &mut add);
    }
    used
}

/// Calls `f` with `v` and every value nested in it.
fn walk_values(v: &Value, f: &mut impl FnMut(&Value)) {
    f(v);
    match v {
        Value::Array(items) => items.iter().for_each(|i| walk_values(i, f)),
        Value::Object(map) => map.values().for_each(|i| walk_values(i, f)),
        Value::Expr(_) | Value::Bool(_) | Value::Int(_) | Value::Str(_) => {}
    }
}

/// Calls `f` with every expression in `v`, nested ones included.
fn walk_exprs(v: &Value, f: &mut impl FnMut(&Expr)) {
    match v {
        Value::Array(items) => items.iter().for_each(|i| walk_exprs(i, f)),
        Value::Object(map) => map.values().for_each(|i| walk_exprs(i, f)),
        Value::Expr(e) => walk_expr(e, f),
        Value::Bool(_) | Value::Int(_) | Value::Str(_) => {}
    }
}

fn walk_expr(e: &Expr, f: &mut impl FnMut(&Expr)) {
    f(e);
    match e {
        Expr::ReferenceOf { target, .. } => walk_expr(target, f),
        Expr::Format(_, args) => args.iter().for_each(|a| walk_expr(a, f)),
        Expr::Param(_) | Expr::Id(_) | Expr::ChildId(..) | Expr::Prop(..) | Expr::TenantId => {}
    }
}

/// `base`, or `base2`, `base3`… : the first name not taken; marks it taken.
fn fresh(base: &str, taken: &mut HashSet<String>) -> String {
    let mut name = base.to_string();
    let mut n = 2;
    while !taken.insert(name.clone()) {
        name = format!("{base}{n}");
        n += 1;
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{obj, Existing, Output, Seg};
    use indexmap::IndexMap;

    fn res(symbol: &str, rtype: &'static str, name: &str) -> Resource {
        Resource::new(symbol, rtype, name)
    }

    fn tpl(resources: Vec<Resource>) -> Template {
        let mut t = Template::default();
        t.description = "Test.".into();
        t.resources = resources;
        t
    }

    const VNET: &str = "Microsoft.Network/virtualNetworks";
    const NIC: &str = "Microsoft.Network/networkInterfaces";
    const PEERING: &str = "Microsoft.Network/virtualNetworks/virtualNetworkPeerings";

    #[test]
    fn a_resource_with_every_kind_of_value() {
        let mut r = res("nic", NIC, "nic-it's");
        r.set("location", Value::param("location"));
        r.set(
            "properties",
            obj([
                ("flag", Value::Bool(false)),
                ("count", Value::Int(-3)),
                ("empty", Value::Array(Vec::new())),
                ("none", Value::Object(IndexMap::new())),
                ("odd-key", Value::str("${x}")),
                ("list", Value::Array(vec![Value::str("a"), obj([("b", Value::Int(1))])])),
            ]),
        );
        let t = tpl(vec![r]);
        let out = template(&t);
        let want = "resource nic 'Microsoft.Network/networkInterfaces@2025-05-01' = {
  name: 'nic-it\\'s'
  location: location
  properties: {
    flag: false
    count: -3
    empty: []
    none: {}
    'odd-key': '\\${x}'
    list: [
      'a'
      {
        b: 1
      }
    ]
  }
}
";
        assert!(out.ends_with(want), "{out}");
        assert!(out.starts_with("// Generated by aoai-vnet "), "{out}");
        assert!(out.contains("\nmetadata description = 'Test.'\n"), "{out}");
    }

    #[test]
    fn depends_on_lists_only_what_no_reference_implies() {
        let hub = res("hub", VNET, "vnet-hub");
        let spoke = res("spoke", VNET, "vnet-spoke");
        let gw = res("gw", "Microsoft.Network/virtualNetworkGateways", "gw");
        let mut p = res("peer", PEERING, "to-hub");
        p.parent = Some("spoke".into());
        p.set("properties", obj([("remoteVirtualNetwork", Value::id_ref("hub"))]));
        // The parent and the referenced VNet are implied; the gateway is not.
        p.after = vec!["spoke".into(), "hub".into(), "gw".into(), "gw".into()];
        let out = template(&tpl(vec![hub, spoke, gw, p]));
        assert!(
            out.contains("  parent: spoke\n  name: 'to-hub'\n  properties: {\n    remoteVirtualNetwork: {\n      id: hub.id\n    }\n  }\n  dependsOn: [\n    gw\n  ]\n}\n"),
            "{out}"
        );
    }

    #[test]
    fn subnets_are_existing_children_of_their_vnet_in_declaration_order() {
        let mut vnet = res("vnetHub", VNET, "vnet-hub");
        let subnet = |n: &str| obj([("name", Value::str(n)), ("properties", obj([]))]);
        vnet.set(
            "properties",
            obj([(
                "subnets",
                Value::Array(vec![
                    subnet("default"),
                    subnet("GatewaySubnet"),
                    subnet("private-endpoints"),
                ]),
            )]),
        );
        let mut spoke = res("vnetSpoke", VNET, "vnet-spoke");
        spoke.set("properties", obj([("subnets", Value::Array(vec![subnet("default")]))]));
        let mut nic = res("nic", NIC, "nic");
        let id = |v: &str, n: &str| Value::Expr(Expr::ChildId(v.into(), "subnets", n.into()));
        nic.set(
            "properties",
            obj([
                ("a", id("vnetHub", "private-endpoints")),
                ("b", id("vnetHub", "GatewaySubnet")),
                ("c", id("vnetHub", "default")),
                ("d", id("vnetSpoke", "default")),
            ]),
        );
        // A symbol that the first choice of name would clash with.
        let clash = res("defaultSubnet", NIC, "x");
        let out = template(&tpl(vec![vnet, spoke, nic, clash]));
        assert!(
            out.contains(
                "
  resource defaultSubnet2 'subnets' existing = {
    name: 'default'
  }

  resource gatewaySubnet 'subnets' existing = {
    name: 'GatewaySubnet'
  }

  resource privateEndpointsSubnet 'subnets' existing = {
    name: 'private-endpoints'
  }
}
"
            ),
            "{out}"
        );
        // Children of different parents may share a name.
        assert!(out.contains("    a: vnetHub::privateEndpointsSubnet.id\n    b: vnetHub::gatewaySubnet.id\n    c: vnetHub::defaultSubnet2.id\n    d: vnetSpoke::defaultSubnet2.id\n"), "{out}");
        assert_eq!(
            out.matches("  resource defaultSubnet2 'subnets' existing = {\n")
                .count(),
            2,
            "{out}"
        );
    }

    #[test]
    fn tags_become_a_variable_only_when_every_resource_shares_them() {
        let tags = |v: &str| obj([("env", Value::str(v))]);
        let mut a = res("a", NIC, "a");
        a.set("tags", tags("dev"));
        let mut b = res("b", NIC, "b");
        b.set("tags", tags("dev"));
        let c = res("c", "Microsoft.Network/networkSecurityGroups/securityRules", "c");
        let out = template(&tpl(vec![a.clone(), b.clone(), c]));
        assert!(
            out.contains("@description('Tags of every resource that takes tags.')\nvar tags = {\n  env: 'dev'\n}\n"),
            "{out}"
        );
        assert_eq!(out.matches("  tags: tags\n").count(), 2);
        b.set("tags", tags("prod"));
        let out = template(&tpl(vec![a, b]));
        assert!(!out.contains("var tags"), "{out}");
        assert!(out.contains("  tags: {\n    env: 'prod'\n  }\n"), "{out}");
    }

    #[test]
    fn resources_owned_elsewhere_are_existing_with_their_scope() {
        let id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-dns/providers/Microsoft.Network/privateDnsZones/privatelink.openai.azure.com";
        let mut g = res(
            "zoneGroup",
            "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
            "default",
        );
        g.set(
            "properties",
            obj([("privateDnsZoneId", Value::str(id)), ("other", Value::str("x"))]),
        );
        let mut t = tpl(vec![g]);
        t.existing.push(Existing {
            symbol: "zoneOpenai".into(),
            rtype: "Microsoft.Network/privateDnsZones",
            api_version: "2024-06-01",
            id: id.into(),
            subscription: "00000000-0000-0000-0000-000000000000".into(),
            resource_group: "rg-dns".into(),
            name: "privatelink.openai.azure.com".into(),
        });
        let out = template(&t);
        assert!(
            out.contains("resource zoneOpenai 'Microsoft.Network/privateDnsZones@2024-06-01' existing = {\n  name: 'privatelink.openai.azure.com'\n  scope: resourceGroup('00000000-0000-0000-0000-000000000000', 'rg-dns')\n}\n"),
            "{out}"
        );
        assert!(
            out.contains("    privateDnsZoneId: zoneOpenai.id\n    other: 'x'\n"),
            "{out}"
        );
    }

    #[test]
    fn expressions() {
        let t = tpl(vec![res("pe", "Microsoft.Network/privateEndpoints", "pe")]);
        let w = Writer::new(
            &t,
            Here::Group(Scope::default()),
            &[0],
            std::iter::empty(),
            Tags::None,
            None,
        );
        let key = |k: &str| Seg::Key(k.into());
        assert_eq!(w.expr(&Expr::Param("location".into())), "location");
        assert_eq!(w.expr(&Expr::Id("pe".into())), "pe.id");
        assert_eq!(
            w.expr(&Expr::Prop("pe".into(), vec![key("a"), Seg::Index(0)])),
            "pe.properties.a[0]"
        );
        assert_eq!(w.expr(&Expr::TenantId), "subscription().tenantId");
        let r = Expr::ReferenceOf {
            target: Box::new(Expr::Prop("pe".into(), vec![key("nics"), Seg::Index(0), key("id")])),
            api_version: "2025-05-01",
            path: vec![key("ip")],
        };
        assert_eq!(w.expr(&r), "reference(pe.properties.nics[0].id, '2025-05-01').ip");
        let f = |text: &str, args: Vec<Expr>| w.expr(&Expr::Format(text.into(), args));
        let user = || Expr::Param("user".into());
        assert_eq!(f("/home/{0}/.ssh", vec![user()]), "'/home/${user}/.ssh'");
        assert_eq!(f("{0}", vec![user()]), "user", "simplify-interpolation");
        assert_eq!(
            f("{{{0}}}-{1}{0}", vec![user(), Expr::TenantId]),
            "'{${user}}-${subscription().tenantId}${user}'"
        );
        assert_eq!(
            f("it's ${{0}}", vec![user()]),
            "'it\\'s \\${0}'",
            "literal parts are escaped"
        );
        assert_eq!(f(r"a\{0}b\", vec![user()]), r"'a\\${user}b\u{5C}'");
        assert!(!w.host.get());
        assert_eq!(
            f("https://login.microsoftonline.com/{0}", vec![Expr::TenantId]),
            "'https://login.microsoftonline.com/${subscription().tenantId}'"
        );
        assert!(w.host.get(), "the line gets its suppression");
    }

    #[test]
    fn flagged_hosts_get_a_suppression_with_a_reason() {
        let mut r = res("gw", "Microsoft.Network/virtualNetworkGateways", "gw");
        r.set(
            "properties",
            obj([
                ("aadTenant", Value::str("https://login.microsoftonline.com/x")),
                ("aadIssuer", Value::str("https://sts.windows.net/x/")),
            ]),
        );
        let out = template(&tpl(vec![r]));
        assert!(
            out.contains("  properties: {\n    // The topology names its cloud, so this host is that cloud's, as in main.json.\n    #disable-next-line no-hardcoded-env-urls\n    aadTenant: 'https://login.microsoftonline.com/x'\n    aadIssuer: 'https://sts.windows.net/x/'\n"),
            "{out}"
        );
        assert_eq!(out.matches("#disable-next-line").count(), 1);
    }

    #[test]
    fn parameters_and_their_file() {
        let mut vm = res("vm", "Microsoft.Compute/virtualMachines", "vm");
        vm.set(
            "properties",
            obj([
                ("key", Value::param("jumpboxSshPublicKey")),
                (
                    "password",
                    Value::Expr(Expr::Format(
                        "{0}".into(),
                        vec![Expr::Param("jumpboxAdminPassword".into())],
                    )),
                ),
            ]),
        );
        let mut t = tpl(vec![vm]);
        let p = |name: &str, ty, default: Option<Value>| Param {
            name: name.into(),
            ty,
            default,
            description: format!("The {name}."),
        };
        t.parameters = vec![
            p("location", ParamType::String, Some(Value::str("eastus"))),
            p("jumpboxSshPublicKey", ParamType::String, None),
            p("jumpboxAdminPassword", ParamType::SecureString, None),
            p("unused", ParamType::String, Some(Value::str("x"))),
        ];
        t.outputs.push(Output {
            name: "where".into(),
            ty: "string",
            value: Value::param("location"),
            description: "Where.".into(),
        });
        let out = template(&t);
        assert!(out.contains("\n@description('The location.')\nparam location string = 'eastus'\n\n@description('The jumpboxSshPublicKey.')\nparam jumpboxSshPublicKey string\n\n@description('The jumpboxAdminPassword.')\n@secure()\nparam jumpboxAdminPassword string\n"), "{out}");
        assert!(
            out.ends_with("\n@description('Where.')\noutput where string = location\n"),
            "{out}"
        );
        assert!(!out.contains("unused"), "no-unused-params: {out}");
        let params = parameters(&t, "main.bicep");
        assert!(params.starts_with("// Generated by aoai-vnet "), "{params}");
        assert!(
            params.ends_with(
                "using 'main.bicep'

param location = 'eastus'

// Set JUMPBOX_SSH_PUBLIC_KEY before deploying: it is read when the deployment compiles this file.
var envJumpboxSshPublicKey = readEnvironmentVariable('JUMPBOX_SSH_PUBLIC_KEY')
param jumpboxSshPublicKey = envJumpboxSshPublicKey

// Set JUMPBOX_ADMIN_PASSWORD before deploying: it is read when the deployment compiles this file.
var envJumpboxAdminPassword = readEnvironmentVariable('JUMPBOX_ADMIN_PASSWORD')
param jumpboxAdminPassword = envJumpboxAdminPassword
"
            ),
            "{params}"
        );
    }

    fn scoped(symbol: &str, rtype: &'static str, name: &str, sub: Option<&str>, rg: Option<&str>) -> Resource {
        let mut r = res(symbol, rtype, name);
        r.scope = Scope {
            subscription: sub.map(String::from),
            resource_group: rg.map(String::from),
        };
        r
    }

    #[test]
    fn existing_scopes_are_written_from_where_the_file_deploys() {
        let t = tpl(vec![res("a", NIC, "a")]);
        let s = |sub: Option<&str>, rg: Option<&str>| Scope {
            subscription: sub.map(String::from),
            resource_group: rg.map(String::from),
        };
        let w = |here| Writer::new(&t, here, &[], std::iter::empty(), Tags::None, None);
        let default = w(Here::Group(s(None, None)));
        assert_eq!(default.scope_of(&s(None, None)), (None, false, false));
        assert_eq!(
            default.scope_of(&s(None, Some("rg-a"))),
            (Some("resourceGroup('rg-a')".into()), false, false)
        );
        assert_eq!(
            default.scope_of(&s(Some("sub-b"), Some("rg-b"))),
            (Some("resourceGroup('sub-b', 'rg-b')".into()), false, false)
        );
        let app = w(Here::Group(s(None, Some("rg-a"))));
        assert_eq!(
            app.scope_of(&s(None, None)),
            (Some("resourceGroup(resourceGroupName)".into()), true, false)
        );
        let far = w(Here::Group(s(Some("sub-b"), Some("rg-b"))));
        assert_eq!(
            far.scope_of(&s(None, None)),
            (
                Some("resourceGroup(defaultSubscriptionId, resourceGroupName)".into()),
                true,
                true
            )
        );
        assert_eq!(
            far.scope_of(&s(None, Some("rg-a"))),
            (Some("resourceGroup(defaultSubscriptionId, 'rg-a')".into()), false, true)
        );
        let main = w(Here::Subscription);
        assert_eq!(
            main.scope_of(&s(None, None)),
            (Some("resourceGroup(resourceGroupName)".into()), false, false)
        );
    }

    #[test]
    fn module_file_names_are_safe_and_lower_case() {
        assert_eq!(file_stem("contoso-main-1"), "contoso-main-1");
        assert_eq!(file_stem("Contoso-RG(Net)_x.y"), "contoso-rg-net-_x.y");
        assert_eq!(file_stem("..x."), "x");
        assert_eq!(file_stem(".."), "module");
        assert_eq!(file_stem("a/b\\c"), "a-b-c");
    }

    /// Two resource groups: a VNet in each, a peering from one to the other; outputs that read
    /// one module, both modules key by key, and (never produced by lowering) both in one value.
    fn two_groups() -> Template {
        let a = scoped("vnetA", VNET, "vnet-a", None, None);
        let b = scoped("vnetB", VNET, "vnet-b", None, Some("rg-b"));
        let mut p = res("peerBToA", PEERING, "b-to-a");
        p.parent = Some("vnetB".into());
        p.set("properties", obj([("remoteVirtualNetwork", Value::id_ref("vnetA"))]));
        let mut t = tpl(vec![a, b, p]);
        t.workload = "two".into();
        t.default_resource_group = "rg-two".into();
        t.parameters.push(Param {
            name: "location".into(),
            ty: ParamType::String,
            default: Some(Value::str("eastus")),
            description: "Where.".into(),
        });
        let out = |name: &str, ty, value| Output {
            name: name.into(),
            ty,
            value,
            description: format!("The {name}."),
        };
        t.outputs = vec![
            out("idA", "string", Value::id("vnetA")),
            out(
                "ids",
                "object",
                obj([
                    ("a", Value::id("vnetA")),
                    ("b", Value::id("vnetB")),
                    ("n", Value::str("x")),
                ]),
            ),
            out(
                "both",
                "string",
                Value::Expr(Expr::Format(
                    "{0} {1}".into(),
                    vec![Expr::Id("vnetA".into()), Expr::Id("vnetB".into())],
                )),
            ),
        ];
        t
    }

    #[test]
    fn modules_export_what_main_outputs() {
        let files = files(&two_groups());
        let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "main.bicep",
                "main.bicepparam",
                "modules/two-main.bicep",
                "modules/two-rg-b-1.bicep",
                "modules/two-rg-b-2.bicep"
            ]
        );
        let main = &files[0].text;
        assert!(main.contains("\ntargetScope = 'subscription'\n"), "{main}");
        assert!(main.contains("\noutput idA string = main.outputs.idA\n"), "{main}");
        assert!(
            main.contains("\noutput ids object = {\n  a: main.outputs.ids.a\n  b: rgB1.outputs.ids.b\n  n: 'x'\n}\n"),
            "{main}"
        );
        // A value that needs two modules' resources at once: main.bicep declares them
        // `existing`, in their resource groups.
        assert!(
            main.contains("resource vnetA 'Microsoft.Network/virtualNetworks@2025-05-01' existing = {\n  name: 'vnet-a'\n  scope: resourceGroup(resourceGroupName)\n}\n"),
            "{main}"
        );
        assert!(main.contains("\n  scope: resourceGroup('rg-b')\n}\n"), "{main}");
        assert!(
            main.contains("\noutput both string = '${vnetA.id} ${vnetB.id}'\n"),
            "{main}"
        );
        let a = &files[2].text;
        assert!(
            a.ends_with("\n@description('The idA.')\noutput idA string = vnetA.id\n\n@description('The ids.')\noutput ids object = {\n  a: vnetA.id\n}\n"),
            "{a}"
        );
        // The peering (in a later stage than the VNets, see `layout`) refers to the VNet in the
        // default resource group, whose name its module is passed, and waits for its module.
        let b = &files[4].text;
        assert!(b.contains("\nparam resourceGroupName string\n"), "{b}");
        assert!(b.contains("\nresource vnetA 'Microsoft.Network/virtualNetworks@2025-05-01' existing = {\n  name: 'vnet-a'\n  scope: resourceGroup(resourceGroupName)\n}\n"), "{b}");
        assert!(b.contains("\n// Deployed by module `two-rg-b-1`, which this one waits for.\nresource vnetB 'Microsoft.Network/virtualNetworks@2025-05-01' existing = {\n  name: 'vnet-b'\n}\n"), "{b}");
        assert!(b.contains("  parent: vnetB\n  name: 'b-to-a'\n"), "{b}");
        assert!(
            main.contains("  scope: rgB\n  params: {\n    resourceGroupName: resourceGroupName\n  }\n  dependsOn: [\n    main\n    rgB1\n  ]\n"),
            "{main}"
        );
    }
}
