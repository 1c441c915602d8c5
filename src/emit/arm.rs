//! ARM JSON, built as serde_json values (never text templates). `main.json` and
//! `main.parameters.json`.
//!
//! A flat layout is one resource-group template. Otherwise (see `layout`) the resources go into
//! nested deployments with inner expression evaluation: each nested template declares the
//! parameters it uses and gets them passed explicitly; references across resource groups and
//! subscriptions use full resource IDs.

use crate::azure::api_versions;
use crate::ir::{Expr, ParamType, Seg, Template, Value};
use crate::layout::{self, Layout};
use crate::model::Scope;
use serde_json::{json, Map, Value as Json};
use std::cell::RefCell;
use std::collections::BTreeSet;

pub const TEMPLATE_SCHEMA: &str = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";
pub const SUBSCRIPTION_TEMPLATE_SCHEMA: &str =
    "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#";
pub const PARAMETERS_SCHEMA: &str = "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#";

/// The parameter naming the default resource group of a subscription-scope deployment.
pub const RESOURCE_GROUP_PARAM: &str = "resourceGroupName";
/// Passed into nested templates in other subscriptions that refer to the deploying subscription.
pub const DEFAULT_SUBSCRIPTION_PARAM: &str = "defaultSubscriptionId";

/// The cloud's Entra ID sign-in endpoint, the same expression in ARM and Bicep.
pub(crate) const LOGIN_ENDPOINT: &str = "environment().authentication.loginEndpoint";

/// Where expressions are evaluated.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Here {
    /// Inside a template deployed to this resource group.
    Group(Scope),
    /// The outer template of a subscription-scope deployment.
    Subscription,
}

/// A rendering context: the template, where we are, and the parameters used so far.
struct Cx<'a> {
    t: &'a Template,
    here: Here,
    used: RefCell<BTreeSet<String>>,
}

impl<'a> Cx<'a> {
    fn new(t: &'a Template, here: Here) -> Self {
        Cx {
            t,
            here,
            used: RefCell::new(BTreeSet::new()),
        }
    }

    fn param(&self, name: &str) -> String {
        self.used.borrow_mut().insert(name.to_string());
        format!("parameters({})", quote(name))
    }

    /// The subscription ID of `scope`, as an expression.
    fn subscription(&self, scope: &Scope) -> String {
        match (&scope.subscription, &self.here) {
            (Some(s), _) => quote(s),
            (None, Here::Group(cs)) if cs.subscription.is_some() => self.param(DEFAULT_SUBSCRIPTION_PARAM),
            (None, _) => "subscription().subscriptionId".into(),
        }
    }

    /// The resource group name of `scope`, as an expression.
    fn resource_group(&self, scope: &Scope) -> String {
        match (&scope.resource_group, &self.here) {
            (Some(rg), _) => quote(rg),
            (None, Here::Group(cs)) if cs.is_default() => "resourceGroup().name".into(),
            (None, _) => self.param(RESOURCE_GROUP_PARAM),
        }
    }

    /// `resourceId(...)` of a resource, short when it lives where we are.
    fn resource_id(&self, symbol: &str) -> String {
        self.id_with(symbol, None)
    }

    fn id_with(&self, symbol: &str, child: Option<(&str, &str)>) -> String {
        let r = self.t.resource(symbol);
        let mut names: Vec<String> = self.t.full_name(symbol).iter().map(|n| quote(n)).collect();
        let mut rtype = r.rtype.to_string();
        if let Some((seg, name)) = child {
            rtype = format!("{rtype}/{seg}");
            names.push(quote(name));
        }
        self.id_in(self.t.scope_of(symbol), &rtype, &names)
    }

    /// `resourceId(...)` of a resource of type `rtype` with these (quoted) names in `scope`.
    fn id_in(&self, scope: &Scope, rtype: &str, names: &[String]) -> String {
        match &self.here {
            Here::Group(cs) if cs == scope => format!("resourceId({}, {})", quote(rtype), names.join(", ")),
            _ => format!(
                "resourceId({}, {}, {}, {})",
                self.subscription(scope),
                self.resource_group(scope),
                quote(rtype),
                names.join(", ")
            ),
        }
    }

    fn value(&self, v: &Value) -> Json {
        match v {
            Value::Bool(b) => json!(b),
            Value::Int(i) => json!(i),
            Value::Str(s) => literal(s),
            Value::Array(items) => Json::Array(items.iter().map(|i| self.value(i)).collect()),
            // ARM evaluates property names as it does values: a tag key `[x]` is escaped too.
            Value::Object(map) => Json::Object(map.iter().map(|(k, v)| (literal_text(k), self.value(v))).collect()),
            Value::Expr(e) => json!(format!("[{}]", self.expr(e))),
        }
    }

    fn expr(&self, e: &Expr) -> String {
        match e {
            Expr::Param(p) => self.param(p),
            Expr::Id(s) => self.resource_id(s),
            Expr::ChildId(s, seg, name) => self.id_with(s, Some((seg, name))),
            Expr::Prop(s, segs) => {
                let r = self.t.resource(s);
                format!(
                    "reference({}, {}){}",
                    self.resource_id(s),
                    quote(r.api_version),
                    path(segs)
                )
            }
            Expr::Created {
                owner,
                rtype,
                name,
                path: segs,
            } => format!(
                "reference({}, {}){}",
                self.id_in(self.t.scope_of(owner), rtype, &[quote(name)]),
                quote(api_versions::for_type(rtype)),
                path(segs)
            ),
            Expr::Format(text, args) => {
                let args: Vec<String> = args.iter().map(|a| self.expr(a)).collect();
                format!("format({}, {})", quote(text), args.join(", "))
            }
            Expr::Str(s) => quote(s),
            Expr::Guid(args) => {
                let args: Vec<String> = args.iter().map(|a| self.expr(a)).collect();
                format!("guid({})", args.join(", "))
            }
            Expr::SubscriptionResourceId(rtype, name) => {
                format!("subscriptionResourceId({}, {})", quote(rtype), quote(name))
            }
            Expr::ResourceId {
                subscription,
                resource_group,
                rtype,
                name,
            } => format!(
                "resourceId({}, {}, {}, {})",
                self.expr(subscription),
                self.expr(resource_group),
                quote(rtype),
                quote(name)
            ),
            Expr::PrincipalId(s) => format!(
                "reference({}, {}, 'full').identity.principalId",
                self.resource_id(s),
                quote(self.t.resource(s).api_version)
            ),
            Expr::TenantId => "subscription().tenantId".into(),
            Expr::LoginEndpoint => LOGIN_ENDPOINT.into(),
        }
    }

    /// One resource; `dependsOn` lists the needs that `keep` accepts (those in the same template).
    fn resource(&self, i: usize, keep: &dyn Fn(usize) -> bool) -> Json {
        let t = self.t;
        let r = &t.resources[i];
        let mut o = Map::new();
        o.insert("type".into(), json!(r.rtype));
        o.insert("apiVersion".into(), json!(r.api_version));
        // An extension resource names what it applies to relative to the resource group it is
        // deployed into, which is that resource's (`ir::Resource::extends`).
        if let Some(target) = &r.extends {
            let (namespace, types) = t.resource(target).rtype.split_once('/').unwrap_or_default();
            let mut scope = vec![namespace.to_string()];
            for (ty, name) in types.split('/').zip(t.full_name(target)) {
                scope.push(ty.to_string());
                scope.push(name);
            }
            o.insert("scope".into(), literal(&scope.join("/")));
        }
        let name = match &r.name_expr {
            Some(e) => json!(format!("[{}]", self.expr(e))),
            None => literal(&t.full_name(&r.symbol).join("/")),
        };
        o.insert("name".into(), name);
        for (k, v) in &r.body {
            o.insert(k.clone(), self.value(v));
        }
        let deps: Vec<Json> = r
            .needs()
            .iter()
            .filter(|s| t.deployed(t.position(s)) && keep(t.position(s)))
            .map(|s| json!(format!("[{}]", self.resource_id(s))))
            .collect();
        if !deps.is_empty() {
            o.insert("dependsOn".into(), Json::Array(deps));
        }
        Json::Object(o)
    }

    fn outputs(&self) -> Map<String, Json> {
        self.t
            .outputs
            .iter()
            .map(|o| (o.name.clone(), json!({ "type": o.ty, "value": self.value(&o.value) })))
            .collect()
    }
}

/// The template for `main.json`.
pub fn template(t: &Template) -> Json {
    template_in(t, &layout::layout(t, &t.workload))
}

/// `template` with the layout computed already (the Bicep files use the same).
pub fn template_in(t: &Template, layout: &Layout) -> Json {
    if layout.is_flat() {
        flat(t)
    } else {
        nested(t, layout)
    }
}

fn generator(t: &Template) -> Json {
    json!({
        "_generator": { "name": env!("CARGO_PKG_NAME"), "version": env!("CARGO_PKG_VERSION") },
        "description": t.description,
    })
}

fn parameter_defs(t: &Template, cx: &Cx) -> Map<String, Json> {
    let mut params = Map::new();
    for p in &t.parameters {
        let mut o = Map::new();
        o.insert("type".into(), json!(param_type(p.ty)));
        if let Some(d) = &p.default {
            o.insert("defaultValue".into(), cx.value(d));
        }
        o.insert("metadata".into(), json!({ "description": p.description }));
        params.insert(p.name.clone(), Json::Object(o));
    }
    params
}

fn flat(t: &Template) -> Json {
    let cx = Cx::new(t, Here::Group(Scope::default()));
    let resources: Vec<Json> = (0..t.resources.len())
        .filter(|&i| t.deployed(i))
        .map(|i| cx.resource(i, &|_| true))
        .collect();
    json!({
        "$schema": TEMPLATE_SCHEMA,
        "contentVersion": "1.0.0.0",
        "metadata": generator(t),
        "parameters": parameter_defs(t, &cx),
        "resources": resources,
        "outputs": cx.outputs(),
    })
}

fn nested(t: &Template, l: &Layout) -> Json {
    let outer = Cx::new(
        t,
        if l.subscription_scope {
            Here::Subscription
        } else {
            Here::Group(Scope::default())
        },
    );
    let mut params = parameter_defs(t, &outer);
    let mut resources: Vec<Json> = Vec::new();
    if l.subscription_scope {
        params.insert(
            RESOURCE_GROUP_PARAM.into(),
            json!({
                "type": "string",
                "defaultValue": t.default_resource_group,
                "metadata": { "description": "Resource group of the resources that do not name their own (created if missing)." },
            }),
        );
        for rg in &l.resource_groups {
            resources.push(resource_group(l, rg));
        }
    }
    for g in &l.groups {
        let inner = Cx::new(t, Here::Group(g.scope.clone()));
        let members: BTreeSet<usize> = g.members.iter().copied().collect();
        let rs: Vec<Json> = g
            .members
            .iter()
            .map(|&i| inner.resource(i, &|d| members.contains(&d)))
            .collect();
        let used = inner.used.borrow().clone();
        let mut declared = Map::new();
        let mut passed = Map::new();
        for p in &used {
            let ty = t
                .parameters
                .iter()
                .find(|x| x.name == *p)
                .map_or("string", |x| param_type(x.ty));
            declared.insert(p.clone(), json!({ "type": ty }));
            let value = match p.as_str() {
                DEFAULT_SUBSCRIPTION_PARAM => "[subscription().subscriptionId]".to_string(),
                _ => format!("[{}]", outer.param(p)),
            };
            passed.insert(p.clone(), json!({ "value": value }));
        }
        let mut d = Map::new();
        d.insert("type".into(), json!("Microsoft.Resources/deployments"));
        d.insert("apiVersion".into(), json!(api_versions::RESOURCES));
        d.insert("name".into(), json!(g.name));
        if l.subscription_scope {
            if let Some(s) = &g.scope.subscription {
                d.insert("subscriptionId".into(), json!(s));
            }
            d.insert(
                "resourceGroup".into(),
                json!(format!("[{}]", outer.resource_group(&g.scope))),
            );
        }
        let mut deps: Vec<Json> = g
            .needs
            .iter()
            .map(|&n| json!(format!("[{}]", deployment_id(l, n, &outer))))
            .collect();
        if l.subscription_scope && l.creates(&g.scope) {
            deps.insert(0, json!(format!("[{}]", resource_group_id(l, &g.scope, &outer))));
        }
        if !deps.is_empty() {
            d.insert("dependsOn".into(), Json::Array(deps));
        }
        // No empty `parameters` objects: a nested template that uses none has nothing to review.
        let mut template = Map::new();
        template.insert("$schema".into(), json!(TEMPLATE_SCHEMA));
        template.insert("contentVersion".into(), json!("1.0.0.0"));
        template.insert("metadata".into(), json!({ "description": g.description }));
        if !declared.is_empty() {
            template.insert("parameters".into(), Json::Object(declared));
        }
        template.insert("resources".into(), Json::Array(rs));
        let mut props = Map::new();
        props.insert("mode".into(), json!("Incremental"));
        props.insert("expressionEvaluationOptions".into(), json!({ "scope": "inner" }));
        if !passed.is_empty() {
            props.insert("parameters".into(), Json::Object(passed));
        }
        props.insert("template".into(), Json::Object(template));
        d.insert("properties".into(), Json::Object(props));
        resources.push(Json::Object(d));
    }
    let schema = if l.subscription_scope {
        SUBSCRIPTION_TEMPLATE_SCHEMA
    } else {
        TEMPLATE_SCHEMA
    };
    json!({
        "$schema": schema,
        "contentVersion": "1.0.0.0",
        "metadata": generator(t),
        "parameters": params,
        "resources": resources,
        "outputs": outer.outputs(),
    })
}

/// The resource group of a scope, created by the subscription-scope template: directly in the
/// deploying subscription, through a subscription-level nested deployment in another one.
fn resource_group(l: &Layout, rg: &Scope) -> Json {
    let name = match &rg.resource_group {
        Some(n) => json!(n),
        None => json!(format!("[parameters('{RESOURCE_GROUP_PARAM}')]")),
    };
    let group = json!({
        "type": "Microsoft.Resources/resourceGroups",
        "apiVersion": api_versions::RESOURCES,
        "name": name,
        "location": "[parameters('location')]",
    });
    let Some(sub) = &rg.subscription else { return group };
    json!({
        "type": "Microsoft.Resources/deployments",
        "apiVersion": api_versions::RESOURCES,
        "name": l.rg_deployment(rg),
        "subscriptionId": sub,
        "location": "[parameters('location')]",
        "properties": {
            "mode": "Incremental",
            "expressionEvaluationOptions": { "scope": "inner" },
            "parameters": { "location": { "value": "[parameters('location')]" } },
            "template": {
                "$schema": SUBSCRIPTION_TEMPLATE_SCHEMA,
                "contentVersion": "1.0.0.0",
                "parameters": { "location": { "type": "string" } },
                "resources": [group],
            },
        },
    })
}

/// What a nested deployment into `scope` waits for so that its resource group exists.
fn resource_group_id(l: &Layout, scope: &Scope, cx: &Cx) -> String {
    match &scope.subscription {
        Some(sub) => format!(
            "subscriptionResourceId({}, 'Microsoft.Resources/deployments', {})",
            quote(sub),
            quote(l.rg_deployment(scope))
        ),
        None => format!(
            "subscriptionResourceId('Microsoft.Resources/resourceGroups', {})",
            cx.resource_group(scope)
        ),
    }
}

/// The ID of nested deployment `n`, as the outer template sees it.
fn deployment_id(l: &Layout, n: usize, cx: &Cx) -> String {
    let g = &l.groups[n];
    if !l.subscription_scope {
        return format!("resourceId('Microsoft.Resources/deployments', {})", quote(&g.name));
    }
    format!(
        "resourceId({}, {}, 'Microsoft.Resources/deployments', {})",
        cx.subscription(&g.scope),
        cx.resource_group(&g.scope),
        quote(&g.name)
    )
}

/// The parameters file: every parameter that has a default, with that value, to edit in place.
/// Parameters without a default (an SSH key, a password) are passed at deploy time.
pub fn parameters(t: &Template) -> Json {
    let cx = Cx::new(t, Here::Group(Scope::default()));
    let mut params = Map::new();
    for p in &t.parameters {
        if let Some(d) = &p.default {
            params.insert(p.name.clone(), json!({ "value": cx.value(d) }));
        }
    }
    if t.is_multi_scope() {
        params.insert(
            RESOURCE_GROUP_PARAM.into(),
            json!({ "value": t.default_resource_group }),
        );
    }
    json!({ "$schema": PARAMETERS_SCHEMA, "contentVersion": "1.0.0.0", "parameters": params })
}

/// `main.json`'s text: pretty, for review, unless that would pass ARM's size limit (a very large
/// estate); then without whitespace, which is what ARM measures (the scan in `emit::limits` has
/// made sure that fits), so that the file itself stays within the limit too.
pub fn template_text(j: &Json) -> String {
    // Measured first, so that a large estate is not also written pretty only to be dropped.
    if crate::emit::limits::pretty_size(j) < crate::azure::arm::MAX_TEMPLATE_BYTES {
        return to_text(j);
    }
    let mut s = serde_json::to_string(j).expect("JSON values always serialize");
    s.push('\n');
    s
}

/// Pretty JSON with a final newline: stable bytes for review and diffs.
pub fn to_text(j: &Json) -> String {
    let mut s = serde_json::to_string_pretty(j).expect("JSON values always serialize");
    s.push('\n');
    s
}

fn param_type(ty: ParamType) -> &'static str {
    match ty {
        ParamType::String => "string",
        ParamType::SecureString => "securestring",
        ParamType::Object => "object",
    }
}

/// A literal string; one that starts with `[` gets a second `[` so ARM does not evaluate it.
fn literal(s: &str) -> Json {
    json!(literal_text(s))
}

fn literal_text(s: &str) -> String {
    if s.starts_with('[') {
        format!("[{s}")
    } else {
        s.to_string()
    }
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn path(segs: &[Seg]) -> String {
    segs.iter()
        .map(|s| match s {
            Seg::Key(k) => format!(".{k}"),
            Seg::Index(i) => format!("[{i}]"),
        })
        .collect()
}
