//! Nested layouts: `main.bicep` and one module per group of the layout (see the parent module).

use super::*;

/// The names of one group's module.
pub(super) struct Module {
    /// The symbol in `main.bicep`.
    pub(super) symbol: String,
    /// The file, `modules/{name}.bicep`.
    pub(super) file: String,
}

/// How an output of `main.bicep` gets its value.
pub(super) enum MainOut<'t> {
    /// From the IR value itself: it refers to no resource (a literal, a parameter), or (never
    /// for what lowering produces) to resources of several modules, then declared `existing`.
    Ir(&'t Value),
    /// From a module's output (`main1.outputs.openaiEndpoint`, `main1.outputs.vnetIds.hub`).
    Text(String),
    /// An object whose entries come from different modules.
    Object(Vec<(String, MainOut<'t>)>),
}

/// A nested layout rendered as `main.bicep` and its modules.
pub(super) struct Plan<'t> {
    pub(super) t: &'t Template,
    pub(super) l: &'t Layout,
    pub(super) tags: Option<&'t Value>,
    /// Per group.
    pub(super) modules: Vec<Module>,
    /// Per resource group of the layout: its symbol in `main.bicep`.
    pub(super) rg_symbols: Vec<String>,
    /// `modules/resource-group.bicep`, when a resource group lives in another subscription.
    pub(super) rg_module: Option<String>,
    /// Per group: the outputs its module has, for the outputs of `main.bicep`.
    pub(super) exports: Vec<IndexMap<String, Output>>,
    /// The outputs of `main.bicep`.
    pub(super) outputs: Vec<(&'t Output, MainOut<'t>)>,
}

impl<'t> Plan<'t> {
    pub(super) fn new(t: &'t Template, l: &'t Layout) -> Self {
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
    pub(super) fn groups(&self, v: &Value) -> Vec<usize> {
        let mut out: Vec<usize> = Vec::new();
        v.walk_refs(&mut |s: &str| {
            let g = self.l.group_of[self.t.position(s)];
            // What exists already is in no module: `main.bicep` declares it itself.
            if g != crate::layout::NO_GROUP && !out.contains(&g) {
                out.push(g);
            }
        });
        out
    }

    /// How `main.bicep` gets the part `v` at `path` of output `o`: from the one module whose
    /// resources it refers to (which then outputs it), or key by key.
    pub(super) fn split(&mut self, o: &Output, v: &'t Value, path: &[String]) -> MainOut<'t> {
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
    pub(super) fn module(&self, g: usize) -> (String, Vec<(Param, String)>) {
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
            Some((&self.l.group_of, self.l)),
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
    pub(super) fn main(&self, params: &[Param], passed: &[Vec<(Param, String)>]) -> String {
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
        let mut w = Writer::new(t, here, &[], leaves.into_iter(), tags, Some((&l.group_of, l)));
        w.header(&format!(
            "the deployment template (its parameter values are in `main.bicepparam`; it deploys the modules in `{MODULES_DIR}/`)."
        ));
        if l.subscription_scope {
            w.line(0, "targetScope = 'subscription'");
            w.blank();
        }
        w.preamble(&t.description, params);
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
                    let name = format!("name: {}", w.lit(self.l.rg_deployment(s)));
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
                let created = l.resource_groups.iter().position(|s| *s == g.scope);
                let rg = || g.scope.resource_group.as_deref().expect("named");
                let scope = match (&g.scope.subscription, created) {
                    // The resource group's symbol: the module waits for it, no `dependsOn` needed.
                    (None, Some(ri)) => self.rg_symbols[ri].clone(),
                    (Some(sub), Some(ri)) => {
                        deps.push(&self.rg_symbols[ri]);
                        format!("resourceGroup({}, {})", w.lit(sub), w.lit(rg()))
                    }
                    // A resource group that exists already (a platform team's hub): deployed into.
                    (None, None) => format!("resourceGroup({})", w.lit(rg())),
                    (Some(sub), None) => format!("resourceGroup({}, {})", w.lit(sub), w.lit(rg())),
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
pub(super) fn ir_leaves<'t>(v: &MainOut<'t>, out: &mut Vec<&'t Value>) {
    match v {
        MainOut::Ir(x) => out.push(x),
        MainOut::Text(_) => {}
        MainOut::Object(entries) => entries.iter().for_each(|(_, e)| ir_leaves(e, out)),
    }
}

/// Sets the entry at `path` of the object `target` (made of objects along the way).
pub(super) fn insert_at(target: &mut Value, path: &[String], v: Value) {
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
pub(super) fn file_stem(name: &str) -> String {
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
