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

mod modules;
mod start;
mod syntax;
mod writer;

use modules::*;
use writer::*;

use crate::emit::arm::{DEFAULT_SUBSCRIPTION_PARAM, RESOURCE_GROUP_PARAM};
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
    files_in(t, &layout::layout(t, &t.workload))
}

/// `files` with the layout computed already (the ARM template has the same).
pub fn files_in(t: &Template, layout: &Layout) -> Vec<OutputFile> {
    // Lowering makes only what Bicep can compile; a violation is a bug in the compiler.
    let bad = start::violations(t);
    assert!(bad.is_empty(), "internal error: not valid Bicep: {}", bad.join("; "));
    let params = main_params(t, layout);
    let file = |name: &str, text: String| OutputFile {
        name: name.to_string(),
        text,
    };
    if layout.is_flat() {
        return vec![
            file(TEMPLATE_FILE, flat(t, &params, PARAMETERS_FILE)),
            file(PARAMETERS_FILE, parameters_file(t, &params, TEMPLATE_FILE)),
        ];
    }
    let plan = Plan::new(t, layout);
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

/// A template of one resource group that is not the deployment itself (the hub owners'
/// `platform/peerings.bicep`): `{base}.bicep` and `{base}.bicepparam`, `base` being a path
/// below the output folder.
pub fn flat_files(t: &Template, base: &str) -> Vec<OutputFile> {
    let layout = layout::layout(t, &t.workload);
    assert!(layout.is_flat(), "internal error: {base} is not one resource group");
    let params = main_params(t, &layout);
    let leaf = |ext: &str| format!("{}.{ext}", base.rsplit('/').next().unwrap_or(base));
    vec![
        OutputFile {
            name: format!("{base}.bicep"),
            text: flat(t, &params, &leaf("bicepparam")),
        },
        OutputFile {
            name: format!("{base}.bicepparam"),
            text: parameters_file(t, &params, &leaf("bicep")),
        },
    ]
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
fn flat(t: &Template, params: &[Param], params_file: &str) -> String {
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
    w.header(&format!(
        "the deployment template (its parameter values are in `{params_file}`)."
    ));
    w.preamble(&t.description, params);
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
    fn a_resource_azure_creates_is_read_through_an_existing_declaration() {
        let pe = res("privateEndpoint", "Microsoft.Network/privateEndpoints", "pep-x");
        let mut t = tpl(vec![pe]);
        t.outputs.push(Output {
            name: "ip".into(),
            ty: "string",
            value: Value::Expr(Expr::Created {
                owner: "privateEndpoint".into(),
                rtype: NIC,
                name: "pep-x-nic".into(),
                path: vec![Seg::Key("ipConfigurations".into()), Seg::Index(0)],
            }),
            description: "IP.".into(),
        });
        let out = template(&t);
        assert!(
            out.contains("resource privateEndpointNetworkInterface 'Microsoft.Network/networkInterfaces@2025-05-01' existing = {\n  name: 'pep-x-nic'\n}\n"),
            "{out}"
        );
        assert!(
            out.contains("output ip string = privateEndpointNetworkInterface.properties.ipConfigurations[0]\n"),
            "{out}"
        );
        assert!(!out.contains("reference("), "{out}");
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
