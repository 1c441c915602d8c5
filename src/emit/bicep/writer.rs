//! The writer: one Bicep file from resources of the IR, where they are deployed and what they refer to.

use super::*;

/// A child of a resource of the template that its parent declares inline (a subnet in its VNet's
/// `properties.subnets`), referred to by ID: declared `existing` inside the parent.
pub(super) struct Child {
    pub(super) parent: String,
    pub(super) seg: &'static str,
    pub(super) name: String,
    pub(super) symbol: String,
}

/// A resource Azure creates for a resource of the template under a name the template chose (the
/// private endpoint's network interface), referred to by `Expr::Created`: declared `existing`.
pub(super) struct Created {
    pub(super) owner: String,
    pub(super) rtype: &'static str,
    pub(super) name: String,
    pub(super) symbol: String,
}

/// A resource outside the template whose resource group and subscription parameters name
/// (`Expr::ResourceId`: the application's VNet in the hub owners' file), declared `existing`
/// with a computed `scope:`, so that its ID is `symbol.id` as the linter wants.
pub(super) struct Located {
    pub(super) subscription: Expr,
    pub(super) resource_group: Expr,
    pub(super) rtype: &'static str,
    pub(super) name: String,
    pub(super) symbol: String,
}

/// Where the groups of a nested layout are, for the comments on `existing` declarations.
pub(super) type Place<'t> = (&'t [usize], &'t Layout);

/// One file: the resources it deploys (`members`), where (`here`), what it refers to.
pub(super) struct Writer<'t> {
    pub(super) t: &'t Template,
    pub(super) here: Here,
    /// By resource index: deployed by this file.
    pub(super) member: Vec<bool>,
    /// Resources of other files this one refers to (or whose children it deploys), declared
    /// `existing`, in IR order.
    pub(super) foreign: Vec<usize>,
    /// The `ir::Existing` resources this file refers to.
    pub(super) existing: Vec<&'t crate::ir::Existing>,
    /// The resource types of `subscriptionResourceId(…)` calls, each with the variable that holds
    /// it (a built-in role definition's ID on one line stays within `bicep format`'s 120
    /// columns, which it would otherwise wrap into a form other Bicep readers do not parse).
    pub(super) types: Vec<(&'static str, String)>,
    /// The template parameters this file refers to.
    pub(super) params: HashSet<String>,
    /// The file refers into the default resource group / the deploying subscription from
    /// elsewhere (a module's `resourceGroupName` and `defaultSubscriptionId` parameters).
    pub(super) needs_rg: bool,
    pub(super) needs_sub: bool,
    pub(super) place: Option<Place<'t>>,
    pub(super) out: String,
    pub(super) children: Vec<Child>,
    pub(super) created: Vec<Created>,
    pub(super) located: Vec<Located>,
    pub(super) tags: Tags<'t>,
    /// Whether a resource of this file has tags.
    pub(super) tagged: bool,
    /// Set when a string literal of the line being built holds a host `no-hardcoded-env-urls`
    /// flags; `line` then writes the suppression with its reason.
    pub(super) host: Cell<bool>,
}

impl<'t> Writer<'t> {
    /// A writer for a file that deploys `members` at `here` and also writes `values` (outputs).
    pub(super) fn new<'v>(
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
            member[m] = t.deployed(m);
        }
        // `ChildId` references, in first-seen order (named once the scan is done).
        let mut child_refs: Vec<(String, &'static str, String)> = Vec::new();
        let mut created_refs: Vec<(String, &'static str, String)> = Vec::new();
        let mut located_refs: Vec<(Expr, Expr, &'static str, String)> = Vec::new();
        let mut params: HashSet<String> = HashSet::new();
        let mut refs: Vec<bool> = vec![false; n];
        let mut existing_used = vec![false; t.existing.len()];
        let mut type_refs: Vec<&'static str> = Vec::new();
        let mut scan = |v: &Value| {
            v.walk(&mut |v| match v {
                Value::Str(s) => {
                    if let Some(i) = t.existing.iter().position(|e| e.id == *s) {
                        existing_used[i] = true;
                    }
                }
                Value::Expr(e) => e.walk(&mut |e| match e {
                    Expr::Param(p) => {
                        params.insert(p.clone());
                    }
                    Expr::Id(s) | Expr::Prop(s, _) | Expr::PrincipalId(s) => refs[t.position(s)] = true,
                    Expr::ChildId(parent, seg, name) => {
                        refs[t.position(parent)] = true;
                        child_refs.push((parent.clone(), seg, name.clone()));
                    }
                    Expr::Created { owner, rtype, name, .. } => {
                        let c = (owner.clone(), *rtype, name.clone());
                        if !created_refs.contains(&c) {
                            created_refs.push(c);
                        }
                    }
                    Expr::SubscriptionResourceId(rtype, _) => {
                        if !type_refs.contains(rtype) {
                            type_refs.push(rtype);
                        }
                    }
                    Expr::ResourceId {
                        subscription,
                        resource_group,
                        rtype,
                        name,
                    } => {
                        let l = (
                            (**subscription).clone(),
                            (**resource_group).clone(),
                            *rtype,
                            name.clone(),
                        );
                        if !located_refs.contains(&l) {
                            located_refs.push(l);
                        }
                    }
                    Expr::Format(..) | Expr::Guid(_) | Expr::Str(_) | Expr::TenantId | Expr::LoginEndpoint => {}
                }),
                _ => {}
            });
        };
        let mut tagged = false;
        let names: Vec<Value> = members
            .iter()
            .filter_map(|&m| t.resources[m].name_expr.clone().map(Value::Expr))
            .collect();
        for &m in members {
            let r = &t.resources[m];
            tagged |= r.body.contains_key("tags");
            r.body.values().for_each(&mut scan);
        }
        names.iter().for_each(&mut scan);
        for v in values {
            scan(v);
        }
        for &m in members {
            let r = &t.resources[m];
            for p in r.parent.iter().chain(&r.extends) {
                refs[t.position(p)] = true;
            }
        }
        let mut children: Vec<Child> = Vec::new();
        let mut created: Vec<Created> = Vec::new();
        let mut located: Vec<Located> = Vec::new();
        let mut types: Vec<(&'static str, String)> = Vec::new();
        if !child_refs.is_empty() || !created_refs.is_empty() || !type_refs.is_empty() || !located_refs.is_empty() {
            // These symbols take none of the file's names.
            let mut taken: HashSet<String> = t
                .parameters
                .iter()
                .map(|p| p.name.clone())
                .chain(t.resources.iter().map(|r| r.symbol.clone()))
                .chain(t.existing.iter().map(|e| e.symbol.clone()))
                .collect();
            if tags.value().is_some() {
                taken.insert(TAGS.into());
            }
            // Variables first: they are the file's own names (`roleDefinitions`).
            for rtype in type_refs {
                let kind = rtype.rsplit('/').next().unwrap_or(rtype);
                types.push((rtype, fresh(&camel(kind, false), &mut taken)));
            }
            for (parent, seg, name) in &child_refs {
                add_child(&mut children, &taken, parent, seg, name);
            }
            for (subscription, resource_group, rtype, name) in located_refs {
                let symbol = fresh(&camel(&name, false), &mut taken);
                located.push(Located {
                    subscription,
                    resource_group,
                    rtype,
                    name,
                    symbol,
                });
            }
            for (owner, rtype, name) in created_refs {
                let kind = rtype.rsplit('/').next().unwrap_or(rtype);
                let base = format!("{owner}{}", camel(kind.strip_suffix('s').unwrap_or(kind), true));
                let symbol = fresh(&base, &mut taken);
                created.push(Created {
                    owner,
                    rtype,
                    name,
                    symbol,
                });
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
            types,
            params,
            needs_rg: false,
            needs_sub: false,
            place,
            out: String::new(),
            children,
            created,
            located,
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
    pub(super) fn scope_of(&self, there: &Scope) -> (Option<String>, bool, bool) {
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
    pub(super) fn module_params(&self) -> Vec<(Param, String)> {
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

    pub(super) fn header(&mut self, what: &str) {
        self.line(0, &format!("// {GENERATED_MARK} {}: {what}", env!("CARGO_PKG_VERSION")));
        self.line(0, "// Change the topology and build again rather than edit this file.");
        self.blank();
    }

    /// The top of `main.bicep`: its `metadata` description, the parameters and the shared tags
    /// variable.
    pub(super) fn preamble(&mut self, description: &str, params: &[Param]) {
        self.line(0, &format!("metadata description = {}", self.lit(description)));
        for p in params {
            self.blank();
            self.param(p);
        }
        if let Tags::Var(tags) = self.tags {
            self.blank();
            self.line(0, &format!("@description({})", syntax::string(TAGS_DESCRIPTION)));
            self.value(0, &format!("var {TAGS} = "), tags);
        }
    }

    /// The `existing` declarations (resources owned elsewhere, resources of other modules), then
    /// the resources.
    pub(super) fn declarations(&mut self) {
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
        for i in 0..self.located.len() {
            let l = &self.located[i];
            let (sub, rg) = (self.expr(&l.subscription), self.expr(&l.resource_group));
            let (symbol, rtype, name) = (l.symbol.clone(), l.rtype, self.lit(&l.name));
            self.blank();
            self.line(
                0,
                "// Not deployed here: it exists in the resource group and subscription the parameters name.",
            );
            self.line(
                0,
                &format!(
                    "resource {symbol} '{rtype}@{}' existing = {{",
                    crate::azure::api_versions::for_type(rtype)
                ),
            );
            self.line(1, &format!("name: {name}"));
            self.line(1, &format!("scope: resourceGroup({sub}, {rg})"));
            self.line(0, "}");
        }
        for i in 0..self.types.len() {
            let (rtype, var) = self.types[i].clone();
            let description = format!("The resource type `{rtype}`, for `subscriptionResourceId()`.");
            self.blank();
            self.line(0, &format!("@description({})", self.lit(&description)));
            self.line(0, &format!("var {var} = {}", self.lit(rtype)));
        }
        for i in 0..self.created.len() {
            let c = &self.created[i];
            let (scope, _, _) = self.scope_of(self.t.scope_of(&c.owner));
            let head = format!(
                "resource {} '{}@{}' existing = {{",
                c.symbol,
                c.rtype,
                crate::azure::api_versions::for_type(c.rtype)
            );
            let comment = format!("// Created by Azure for `{}`, which names it.", c.owner);
            let name = format!("name: {}", self.lit(&c.name));
            self.blank();
            self.line(0, &comment);
            self.line(0, &head);
            self.line(1, &name);
            if let Some(scope) = scope {
                self.line(1, &format!("scope: {scope}"));
            }
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
            if r.existing {
                self.line(
                    0,
                    "// Exists already (`existing: true`): referred to, never deployed or changed.",
                );
            } else if let Some((group_of, l)) = self.place {
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

    pub(super) fn outputs(&mut self, outputs: &[Output]) {
        for o in outputs {
            self.blank();
            self.line(0, &format!("@description({})", self.lit(&o.description)));
            self.value(0, &format!("output {} {} = ", o.name, o.ty), &o.value);
        }
    }

    /// An output of `main.bicep` of a nested layout.
    pub(super) fn main_out(&mut self, depth: usize, prefix: &str, v: &MainOut) {
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
    pub(super) fn line(&mut self, depth: usize, text: &str) {
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

    pub(super) fn blank(&mut self) {
        self.out.push('\n');
    }

    /// A string literal; notes a flagged host for the line it goes on.
    pub(super) fn lit(&self, s: &str) -> String {
        if syntax::has_disallowed_host(s) {
            self.host.set(true);
        }
        syntax::string(s)
    }

    pub(super) fn key(&self, k: &str) -> String {
        if syntax::is_identifier(k) {
            k.to_string()
        } else {
            self.lit(k)
        }
    }

    pub(super) fn param(&mut self, p: &Param) {
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

    pub(super) fn resource(&mut self, r: &Resource) {
        if let Some(c) = &r.comment {
            for l in c.lines() {
                self.line(0, &format!("// {l}"));
            }
        }
        if let Some(why) = crate::azure::api_versions::lint_exception(r.rtype) {
            self.line(0, &format!("// {why}"));
            self.line(0, &format!("#disable-next-line {}", syntax::RECENT_API_RULE));
        }
        self.line(
            0,
            &format!("resource {} '{}@{}' = {{", r.symbol, r.rtype, r.api_version),
        );
        if let Some(p) = &r.parent {
            self.line(1, &format!("parent: {p}"));
        }
        if let Some(e) = &r.extends {
            self.line(1, &format!("scope: {e}"));
        }
        let name = match &r.name_expr {
            Some(e) => format!("name: {}", self.expr(e)),
            None => format!("name: {}", self.lit(&r.name)),
        };
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
    pub(super) fn kids(&mut self, r: &Resource) {
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
    pub(super) fn depends_on(&self, r: &'t Resource) -> Vec<&'t str> {
        let mut implied: Vec<&str> = Vec::new();
        let mut p = r.parent.as_deref();
        while let Some(s) = p {
            implied.push(s);
            p = self.t.resource(s).parent.as_deref();
        }
        let mut refs: Vec<String> = r.extends.iter().cloned().collect();
        if let Some(n) = &r.name_expr {
            n.walk_refs(&mut |s: &str| refs.push(s.to_string()));
        }
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
    pub(super) fn value(&mut self, depth: usize, prefix: &str, v: &Value) {
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

    pub(super) fn scalar(&self, v: &Value) -> String {
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
    pub(super) fn expr(&self, e: &Expr) -> String {
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
            Expr::Created { owner, name, path, .. } => {
                let c = self
                    .created
                    .iter()
                    .find(|c| c.owner == *owner && c.name == *name)
                    .expect("every created resource was collected");
                format!("{}.properties{}", c.symbol, syntax::path(path))
            }
            Expr::Format(text, args) => self.interpolate(text, args),
            Expr::Str(s) => self.lit(s),
            Expr::Guid(args) => {
                let args: Vec<String> = args.iter().map(|a| self.expr(a)).collect();
                format!("guid({})", args.join(", "))
            }
            Expr::SubscriptionResourceId(rtype, name) => {
                let var = self
                    .types
                    .iter()
                    .find(|(t, _)| t == rtype)
                    .map(|(_, v)| v.as_str())
                    .expect("every resource type was collected");
                format!("subscriptionResourceId({var}, {})", self.lit(name))
            }
            Expr::ResourceId {
                subscription,
                resource_group,
                rtype,
                name,
            } => {
                let l = self
                    .located
                    .iter()
                    .find(|l| {
                        l.subscription == **subscription
                            && l.resource_group == **resource_group
                            && l.rtype == *rtype
                            && l.name == *name
                    })
                    .expect("every located resource was collected");
                format!("{}.id", l.symbol)
            }
            Expr::PrincipalId(s) => format!("{s}.identity.principalId"),
            Expr::TenantId => "subscription().tenantId".into(),
            Expr::LoginEndpoint => crate::emit::arm::LOGIN_ENDPOINT.into(),
        }
    }

    /// ARM's `format('…{0}…', x)` as interpolation, `'…${x}…'` (linter rule `prefer-interpolation`);
    /// `format('{0}', x)` as plain `x` (`simplify-interpolation`). `{{` and `}}` are literal braces.
    pub(super) fn interpolate(&self, text: &str, args: &[Expr]) -> String {
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

    pub(super) fn flush_literal(&self, out: &mut String, literal: &mut String, closing: bool) {
        if syntax::has_disallowed_host(literal) {
            self.host.set(true);
        }
        syntax::escape_into(out, literal, closing);
        literal.clear();
    }
}

/// Where a child is declared in its parent's `properties.{seg}` array (declaration order for the
/// `existing` children of a resource).
pub(super) fn inline_position(parent: &Resource, seg: &str, name: &str) -> usize {
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
pub(super) fn placeholder(s: &str) -> Option<(usize, &str)> {
    let inner = s.strip_prefix('{')?;
    let end = inner.find('}')?;
    let n = inner[..end].parse().ok()?;
    Some((n, &inner[end + 1..]))
}

/// Records the `existing` child that `ChildId(parent, seg, name)` refers to, with a symbol unique
/// among the file's own names and the parent's other children (two VNets may both have a
/// `defaultSubnet`: `vnetHub::defaultSubnet`).
pub(super) fn add_child(
    children: &mut Vec<Child>,
    taken: &HashSet<String>,
    parent: &str,
    seg: &'static str,
    name: &str,
) {
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
pub(super) fn used_parameter_names(t: &Template) -> HashSet<String> {
    let mut used: HashSet<String> = HashSet::new();
    let mut add = |e: &Expr| {
        if let Expr::Param(p) = e {
            used.insert(p.clone());
        }
    };
    let values = t.resources.iter().flat_map(|r| r.body.values());
    let values = values.chain(t.outputs.iter().map(|o| &o.value));
    for v in values.chain(t.parameters.iter().filter_map(|p| p.default.as_ref())) {
        v.walk_exprs(&mut add);
    }
    used
}

pub(super) use crate::ir::fresh_name as fresh;
