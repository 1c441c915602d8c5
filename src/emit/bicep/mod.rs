//! Bicep, printed from the same IR as ARM JSON, so the two forms declare the same resources with
//! the same properties: `main.bicep` and `main.bicepparam`.
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
//! One call renders one file of one `ir::Template` ([`template`]), so a deployment split into
//! modules (other resource groups, subscriptions, or more than ARM's limits) renders each module
//! with the same function and adds `module` declarations to its caller.

mod syntax;

use crate::ir::{Expr, Param, ParamType, Resource, Template, Value};
use crate::lower::camel;
use crate::output::GENERATED_MARK;
use std::cell::Cell;
use std::collections::HashSet;

/// Why the template cannot be written as Bicep, if it cannot. A deployment that the layout splits
/// into nested deployments (resources in other resource groups or subscriptions, or more than
/// ARM's resource limit) needs Bicep modules, one file per nested deployment rendered by
/// [`template`]; the writer does not generate those yet, and never writes a flat file that would
/// deploy such a topology into one resource group.
pub fn unsupported(t: &Template) -> Option<&'static str> {
    (!crate::layout::layout(t, &t.workload).is_flat()).then_some(
        "it spans resource groups or subscriptions (or passes ARM's resource limit), which needs Bicep modules; they are not generated yet, and main.json deploys it",
    )
}

/// The name of the template file the parameters file points at (`using`).
pub const TEMPLATE_FILE: &str = "main.bicep";
/// The name of the parameters file.
pub const PARAMETERS_FILE: &str = "main.bicepparam";

/// `main.bicep`: the template.
pub fn template(t: &Template) -> String {
    let mut w = Writer::new(t);
    w.header("the deployment template (its parameter values are in `main.bicepparam`).");
    w.line(0, &format!("metadata description = {}", w.lit(&t.description)));
    for p in used_parameters(t) {
        w.blank();
        w.param(p);
    }
    if let Some(tags) = w.tags {
        w.blank();
        w.line(0, "@description('Tags of every resource that takes tags.')");
        w.value(0, &format!("var {TAGS} = "), tags);
    }
    for e in &t.existing {
        w.blank();
        w.line(
            0,
            &format!(
                "// Not deployed here: it exists in resource group `{}` of subscription `{}`.",
                e.resource_group, e.subscription
            ),
        );
        w.line(
            0,
            &format!("resource {} '{}@{}' existing = {{", e.symbol, e.rtype, e.api_version),
        );
        w.line(1, &format!("name: {}", w.lit(&e.name)));
        let scope = format!(
            "scope: resourceGroup({}, {})",
            w.lit(&e.subscription),
            w.lit(&e.resource_group)
        );
        w.line(1, &scope);
        w.line(0, "}");
    }
    for r in &t.resources {
        w.blank();
        w.resource(r);
    }
    for o in &t.outputs {
        w.blank();
        w.line(0, &format!("@description({})", w.lit(&o.description)));
        w.value(0, &format!("output {} {} = ", o.name, o.ty), &o.value);
    }
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
pub fn parameters(t: &Template, template_file: &str) -> String {
    let mut w = Writer::new(t);
    w.header(&format!("values for the parameters of `{template_file}`."));
    w.line(0, &format!("using {}", syntax::string(template_file)));
    let mut taken: HashSet<String> = t.parameters.iter().map(|p| p.name.clone()).collect();
    for p in used_parameters(t) {
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

/// The name of the variable that holds the common tags.
const TAGS: &str = "tags";

/// A child of a resource of the template that its parent declares inline (a subnet in its VNet's
/// `properties.subnets`), referred to by ID: declared `existing` inside the parent.
struct Child {
    parent: String,
    seg: &'static str,
    name: String,
    symbol: String,
}

struct Writer<'t> {
    t: &'t Template,
    out: String,
    children: Vec<Child>,
    /// The tags every tagged resource has, when they all have the same (then `var tags`).
    tags: Option<&'t Value>,
    /// Set when a string literal of the line being built holds a host `no-hardcoded-env-urls`
    /// flags; `line` then writes the suppression with its reason.
    host: Cell<bool>,
}

impl<'t> Writer<'t> {
    fn new(t: &'t Template) -> Self {
        let mut taken: HashSet<String> = t
            .parameters
            .iter()
            .map(|p| p.name.clone())
            .chain(t.resources.iter().map(|r| r.symbol.clone()))
            .chain(t.existing.iter().map(|e| e.symbol.clone()))
            .collect();
        let tagged: Vec<&Value> = t.resources.iter().filter_map(|r| r.body.get("tags")).collect();
        let tags = match tagged.split_first() {
            Some((first, rest)) if rest.iter().all(|v| v == first) && !taken.contains(TAGS) => {
                taken.insert(TAGS.to_string());
                Some(*first)
            }
            _ => None,
        };
        let mut children: Vec<Child> = Vec::new();
        let mut add = |e: &Expr| {
            if let Expr::ChildId(parent, seg, name) = e {
                if !children
                    .iter()
                    .any(|c| c.parent == *parent && c.seg == *seg && c.name == *name)
                {
                    let singular = seg.strip_suffix('s').unwrap_or(seg);
                    let mut base = camel(name, false);
                    base[..1].make_ascii_lowercase();
                    if !base.to_ascii_lowercase().ends_with(&singular.to_ascii_lowercase()) {
                        base.push_str(&camel(singular, true));
                    }
                    // Unique among the file's own names and the parent's other children; two
                    // VNets may both have a `defaultSubnet` (`vnetHub::defaultSubnet`).
                    let mut symbol = base.clone();
                    let mut n = 2;
                    while taken.contains(&symbol) || children.iter().any(|c| c.parent == *parent && c.symbol == symbol)
                    {
                        symbol = format!("{base}{n}");
                        n += 1;
                    }
                    children.push(Child {
                        parent: parent.clone(),
                        seg,
                        name: name.clone(),
                        symbol,
                    });
                }
            }
        };
        for r in &t.resources {
            r.body.values().for_each(|v| walk_exprs(v, &mut add));
        }
        for o in &t.outputs {
            walk_exprs(&o.value, &mut add);
        }
        Writer {
            t,
            out: String::new(),
            children,
            tags,
            host: Cell::new(false),
        }
    }

    fn header(&mut self, what: &str) {
        self.line(0, &format!("// {GENERATED_MARK} {}: {what}", env!("CARGO_PKG_VERSION")));
        self.line(0, "// Change the topology and build again rather than edit this file.");
        self.blank();
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
            if k == "tags" && self.tags.is_some() {
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
        self.line(0, "}");
    }

    /// The `after` orderings that neither the parent chain nor a reference already implies.
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
            if !implied.contains(&a.as_str()) && !refs.contains(a) && !out.contains(&a.as_str()) && *a != r.symbol {
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

/// The parameters that something refers to, in declaration order. A parameter nothing uses is
/// left out (linter rule `no-unused-params`): it cannot change the deployment.
fn used_parameters(t: &Template) -> impl Iterator<Item = &Param> {
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
    t.parameters.iter().filter(move |p| used.contains(&p.name))
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
        let w = Writer::new(&t);
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
}
