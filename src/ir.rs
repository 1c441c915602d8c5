//! The IR: the deployment as resources with symbolic references. Every emitter (ARM JSON, Bicep,
//! the plan) renders this one structure, so they cannot drift apart. Dependencies are derived from
//! the references a resource makes (`Resource::needs`), plus the few orderings Azure needs that no
//! reference shows (`Resource::after`).

use indexmap::IndexMap;

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Bool(bool),
    Int(i64),
    Str(String),
    Array(Vec<Value>),
    Object(IndexMap<String, Value>),
    Expr(Expr),
}

/// A value known only at deployment time.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// A template parameter.
    Param(String),
    /// The ID of a resource of this template.
    Id(String),
    /// The ID of a child of a resource of this template that is declared inline (a subnet of a
    /// VNet): (parent symbol, child type segment, child name).
    ChildId(String, &'static str, String),
    /// A runtime property of a resource of this template: symbol, then the path below
    /// `properties` (ARM `reference(...)`, Bicep `sym.properties.…`).
    Prop(String, Vec<Seg>),
    /// A runtime property (the path below `properties`) of a resource that Azure creates for
    /// resource `owner`, in the owner's resource group, under a name the template chose: the
    /// private endpoint's network interface (`customNetworkInterfaceName`). ARM:
    /// `reference(resourceId(…, rtype, name), apiVersion)`; Bicep: an `existing` declaration.
    /// Its type and name are literals, so the reference can be calculated at the start of the
    /// deployment, as Bicep requires of `reference()` arguments and `existing` names.
    Created {
        owner: String,
        rtype: &'static str,
        name: String,
        path: Vec<Seg>,
    },
    /// `format(text, args…)` with `{0}` placeholders.
    Format(String, Vec<Expr>),
    /// The tenant of the subscription deployed to.
    TenantId,
    /// A string literal inside an expression (an argument of `Guid`).
    Str(String),
    /// `guid(args…)`: a deterministic GUID of its arguments (a role assignment's name), the same
    /// function in ARM and Bicep.
    Guid(Vec<Expr>),
    /// `subscriptionResourceId(type, name)`: the ID of a resource that exists in every
    /// subscription, such as a built-in role definition, in the subscription deployed to.
    SubscriptionResourceId(&'static str, String),
    /// The principal ID of the system-assigned managed identity of a resource of this template
    /// (ARM `reference(id, apiVersion, 'full').identity.principalId`, Bicep
    /// `sym.identity.principalId`): known once the resource exists.
    PrincipalId(String),
    /// `resourceId(subscription, resourceGroup, type, name)`: the ID of a resource outside this
    /// template whose place is computed (the application's VNet, seen from the hub owners'
    /// template, in the subscription and group their parameters name).
    ResourceId {
        subscription: Box<Expr>,
        resource_group: Box<Expr>,
        rtype: &'static str,
        name: String,
    },
    /// The Entra ID sign-in endpoint of the cloud deployed to, with its trailing slash
    /// (`https://login.microsoftonline.com/` in AzureCloud): `environment().authentication.loginEndpoint`,
    /// so one template names the right host in every cloud.
    LoginEndpoint,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

impl Value {
    pub fn str(s: impl Into<String>) -> Value {
        Value::Str(s.into())
    }
    pub fn param(name: &str) -> Value {
        Value::Expr(Expr::Param(name.into()))
    }
    pub fn id(symbol: &str) -> Value {
        Value::Expr(Expr::Id(symbol.into()))
    }
    /// `{ "id": <id of symbol> }`, the shape of every Azure sub-resource reference.
    pub fn id_ref(symbol: &str) -> Value {
        obj([("id", Value::id(symbol))])
    }
}

/// An object from key-value pairs, in order.
pub fn obj<const N: usize>(pairs: [(&str, Value); N]) -> Value {
    Value::Object(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamType {
    String,
    SecureString,
    Object,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    pub name: String,
    pub ty: ParamType,
    pub default: Option<Value>,
    pub description: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Output {
    pub name: String,
    /// `string` or `object`.
    pub ty: &'static str,
    pub value: Value,
    pub description: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Resource {
    /// Unique identifier in the template; Bicep's symbolic name.
    pub symbol: String,
    pub rtype: &'static str,
    pub api_version: &'static str,
    /// The resource's own name (the last segment).
    pub name: String,
    /// The parent's symbol, for child resources.
    pub parent: Option<String>,
    /// The resource this one applies to, for extension resources such as a role assignment, a lock or a diagnostic setting (ARM
    /// `scope`, Bicep `scope:`). It lives in that resource's resource group.
    pub extends: Option<String>,
    /// A name computed by the deployment (`guid(…)` of a role assignment) instead of `name`, which
    /// then only labels the resource for readers (the plan). Known at the start of the deployment
    /// (`emit::bicep::start` checks it).
    pub name_expr: Option<Expr>,
    /// Top-level fields besides name, type and apiVersion, in the order they are written:
    /// `location`, `tags`, `sku`, `kind`, `identity`, `zones`, `properties`.
    pub body: IndexMap<String, Value>,
    /// Orderings Azure needs that no reference shows (e.g. model deployments one at a time).
    pub after: Vec<String>,
    /// A line for readers of the output (Bicep comment; ARM has none).
    pub comment: Option<String>,
    /// Where the resource lives when not in the deployment's resource group. Child resources
    /// live with their parent (their own `scope` is ignored).
    pub scope: crate::model::Scope,
    /// The resource exists already and belongs to someone else (a platform team's hub VNet): it
    /// is referred to (by resource ID in ARM, as `existing` in Bicep) and is a parent of what we
    /// add to it, but never deployed, changed or waited for.
    pub existing: bool,
}

impl Resource {
    pub fn new(symbol: impl Into<String>, rtype: &'static str, name: impl Into<String>) -> Resource {
        Resource {
            symbol: symbol.into(),
            rtype,
            api_version: crate::azure::api_versions::for_type(rtype),
            name: name.into(),
            parent: None,
            extends: None,
            name_expr: None,
            body: IndexMap::new(),
            after: Vec::new(),
            comment: None,
            scope: crate::model::Scope::default(),
            existing: false,
        }
    }

    pub fn set(&mut self, key: &str, v: Value) -> &mut Self {
        self.body.insert(key.into(), v);
        self
    }

    /// The symbols this resource needs deployed first: its parent, the resource it extends, every
    /// resource it references (in its name too), and `after`; in first-seen order, without
    /// duplicates.
    pub fn needs(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut add = |s: &str| {
            if s != self.symbol && !out.iter().any(|o| o == s) {
                out.push(s.to_string());
            }
        };
        if let Some(p) = &self.parent {
            add(p);
        }
        if let Some(e) = &self.extends {
            add(e);
        }
        if let Some(n) = &self.name_expr {
            n.walk_refs(&mut add);
        }
        for v in self.body.values() {
            v.walk_refs(&mut add);
        }
        for a in &self.after {
            add(a);
        }
        out
    }
}

impl Value {
    /// Calls `f` with this value and every value nested in it.
    pub fn walk(&self, f: &mut impl FnMut(&Value)) {
        f(self);
        match self {
            Value::Array(items) => items.iter().for_each(|v| v.walk(f)),
            Value::Object(map) => map.values().for_each(|v| v.walk(f)),
            Value::Expr(_) | Value::Bool(_) | Value::Int(_) | Value::Str(_) => {}
        }
    }

    /// Calls `f` with every expression in this value, nested expressions included.
    pub fn walk_exprs(&self, f: &mut impl FnMut(&Expr)) {
        self.walk(&mut |v| {
            if let Value::Expr(e) = v {
                e.walk(f);
            }
        });
    }

    /// Calls `f` with every resource symbol this value references.
    pub fn walk_refs(&self, f: &mut impl FnMut(&str)) {
        self.walk_exprs(&mut |e| e.refs(f));
    }
}

impl Expr {
    /// Calls `f` with this expression and every expression nested in it.
    pub fn walk(&self, f: &mut impl FnMut(&Expr)) {
        f(self);
        match self {
            Expr::Format(_, args) | Expr::Guid(args) => args.iter().for_each(|a| a.walk(f)),
            Expr::ResourceId {
                subscription,
                resource_group,
                ..
            } => {
                subscription.walk(f);
                resource_group.walk(f);
            }
            Expr::Param(_)
            | Expr::Id(_)
            | Expr::ChildId(..)
            | Expr::Prop(..)
            | Expr::Created { .. }
            | Expr::Str(_)
            | Expr::SubscriptionResourceId(..)
            | Expr::PrincipalId(_)
            | Expr::TenantId
            | Expr::LoginEndpoint => {}
        }
    }

    /// The resource symbol this expression itself refers to, if any (not those of nested ones).
    fn refs(&self, f: &mut impl FnMut(&str)) {
        if let Expr::Id(s)
        | Expr::ChildId(s, _, _)
        | Expr::Prop(s, _)
        | Expr::Created { owner: s, .. }
        | Expr::PrincipalId(s) = self
        {
            f(s);
        }
    }

    /// Calls `f` with every resource symbol this expression references, nested ones included.
    pub fn walk_refs(&self, f: &mut impl FnMut(&str)) {
        self.walk(&mut |e| e.refs(f));
    }
}

/// `base`, or `base2`, `base3`…: the first name not in `taken`, which it is added to.
pub fn fresh_name(base: &str, taken: &mut std::collections::HashSet<String>) -> String {
    let mut name = base.to_string();
    let mut n = 2;
    while !taken.insert(name.clone()) {
        name = format!("{base}{n}");
        n += 1;
    }
    name
}

/// A resource the template refers to but does not deploy, such as a private DNS zone owned by a
/// platform team. Resource bodies hold its full resource ID, `id`, as a literal string: ARM writes
/// that string as it is; Bicep declares the resource `existing` (in its own subscription and
/// resource group) and writes `symbol.id` wherever the string appears.
#[derive(Clone, Debug, PartialEq)]
pub struct Existing {
    pub symbol: String,
    pub rtype: &'static str,
    pub api_version: &'static str,
    /// The full resource ID, exactly as it appears in resource bodies.
    pub id: String,
    pub subscription: String,
    pub resource_group: String,
    pub name: String,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Template {
    pub description: String,
    /// The topology's workload name (names nested deployments).
    pub workload: String,
    /// The resource group of resources without their own, when the output is a
    /// subscription-scope deployment (the `resourceGroupName` parameter's default).
    pub default_resource_group: String,
    pub parameters: Vec<Param>,
    pub resources: Vec<Resource>,
    pub outputs: Vec<Output>,
    /// Resources owned elsewhere that the resources refer to by ID.
    pub existing: Vec<Existing>,
    /// Symbol to position in `resources`, extended on lookup to the resources added since
    /// (lowering looks up symbols while it adds resources; a linear search made large estates
    /// quadratic).
    index: std::cell::RefCell<std::collections::HashMap<String, usize>>,
}

impl Template {
    pub fn resource(&self, symbol: &str) -> &Resource {
        &self.resources[self.position(symbol)]
    }

    /// The position of a resource in `resources`.
    pub fn position(&self, symbol: &str) -> usize {
        let mut index = self.index.borrow_mut();
        if let Some(&i) = index.get(symbol) {
            if self.resources.get(i).is_some_and(|r| r.symbol == symbol) {
                return i;
            }
            // Resources were removed or reordered since: start over.
            index.clear();
        }
        // Index what was added since the last lookup (each resource once: indexed positions
        // are a prefix of `resources`).
        let from = index.len();
        for (i, r) in self.resources.iter().enumerate().skip(from) {
            index.insert(r.symbol.clone(), i);
        }
        match index.get(symbol) {
            Some(&i) if self.resources.get(i).is_some_and(|r| r.symbol == symbol) => i,
            _ => self
                .resources
                .iter()
                .position(|r| r.symbol == symbol)
                .unwrap_or_else(|| panic!("no resource `{symbol}` in the IR")),
        }
    }

    /// Where a resource lives: its own scope, or its top-level ancestor's (an extension
    /// resource's: the resource it extends).
    pub fn scope_of(&self, symbol: &str) -> &crate::model::Scope {
        let r = self.resource(symbol);
        match r.parent.as_ref().or(r.extends.as_ref()) {
            Some(p) => self.scope_of(p),
            None => &r.scope,
        }
    }

    /// Whether any resource lives outside the deployment's resource group.
    pub fn is_multi_scope(&self) -> bool {
        self.resources
            .iter()
            .any(|r| !r.existing && !self.scope_of(&r.symbol).is_default())
    }

    /// Whether the resource at `i` is deployed by this template (not one that exists already).
    pub fn deployed(&self, i: usize) -> bool {
        !self.resources[i].existing
    }

    /// The names of a resource from the top-level ancestor down (`["vnet-x", "peer-a-to-b"]`).
    pub fn full_name(&self, symbol: &str) -> Vec<String> {
        let r = self.resource(symbol);
        let mut names = match &r.parent {
            Some(p) => self.full_name(p),
            None => Vec::new(),
        };
        names.push(r.name.clone());
        names
    }
}
