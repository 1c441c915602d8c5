//! Bicep's rule that some values be known at the start of the deployment: resource and module
//! names, `existing` names, `scope:`, `parent:`, loop counts, `reference()` arguments (BCP120,
//! BCP181). ARM evaluates those later and accepts what Bicep refuses, so a template can be valid
//! ARM and still not compile as Bicep (the endpoint-IP output once did: BCP181).
//!
//! Where a deployment-time value could reach such a place, and what keeps it out:
//! - resource names, `existing` names (`ir::Existing`, resources of other modules), module names
//!   and scopes are plain strings in the IR and the layout: only literals and parameters; a name
//!   computed by the deployment (`Resource::name_expr`, a role assignment's `guid(…)`) may hold
//!   resource IDs, which Bicep knows at the start, but no runtime property: checked here;
//! - `scope:` of an extension resource (`Resource::extends`) is a resource symbol;
//! - `reference()` arguments: the IR has no general `reference(expression)`; a resource Azure
//!   creates is read through `Expr::Created`, whose type and name are literals;
//! - we write no loops;
//! - parameter defaults, which may hold any `Value`: checked here, as they may not refer to a
//!   resource (Bicep: a parameter default is evaluated before any resource exists).

use crate::ir::{Expr, Template, Value};

/// What in `t` puts a deployment-time value where Bicep needs a start-of-deployment one.
pub(super) fn violations(t: &Template) -> Vec<String> {
    let mut out = Vec::new();
    for p in &t.parameters {
        if let Some(d) = &p.default {
            if let Some(what) = runtime(d) {
                out.push(format!("the default of parameter `{}` refers to {what}", p.name));
            }
        }
    }
    for r in &t.resources {
        if let Some(what) = r.name_expr.as_ref().and_then(runtime_property) {
            out.push(format!("the name of `{}` refers to {what}", r.symbol));
        }
    }
    for v in t
        .resources
        .iter()
        .flat_map(|r| r.body.values())
        .chain(t.outputs.iter().map(|o| &o.value))
    {
        v.walk_exprs(&mut |e| {
            if let Expr::Created { name, .. } = e {
                if name.is_empty() {
                    out.push("a resource Azure creates is read with no name".into());
                }
            }
        });
    }
    out
}

/// The first resource or runtime property `v` refers to, described.
fn runtime(v: &Value) -> Option<String> {
    let mut found = None;
    v.walk_exprs(&mut |e| {
        let what = match e {
            Expr::Id(s) | Expr::ChildId(s, ..) => format!("the ID of resource `{s}`"),
            _ => match runtime_only(e) {
                Some(w) => w,
                None => return,
            },
        };
        found.get_or_insert(what);
    });
    found
}

/// The first runtime property `e` refers to (resource IDs are known at the start), described.
fn runtime_property(e: &Expr) -> Option<String> {
    let mut found = None;
    e.walk(&mut |e| {
        if let Some(w) = runtime_only(e) {
            found.get_or_insert(w);
        }
    });
    found
}

/// What `e` itself reads that exists only once a resource is deployed.
fn runtime_only(e: &Expr) -> Option<String> {
    match e {
        Expr::Prop(s, _) => Some(format!("a property of resource `{s}`")),
        Expr::Created { owner, .. } => Some(format!("a resource created for `{owner}`")),
        Expr::PrincipalId(s) => Some(format!("the managed identity of resource `{s}`")),
        Expr::Param(_)
        | Expr::Id(_)
        | Expr::ChildId(..)
        | Expr::Format(..)
        | Expr::Str(_)
        | Expr::Guid(_)
        | Expr::SubscriptionResourceId(..)
        | Expr::ResourceId { .. }
        | Expr::TenantId
        | Expr::LoginEndpoint => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Param, ParamType, Resource, Seg};

    fn template(default: Value) -> Template {
        let mut t = Template::default();
        t.resources
            .push(Resource::new("pe", "Microsoft.Network/privateEndpoints", "pe"));
        t.parameters.push(Param {
            name: "p".into(),
            ty: ParamType::String,
            default: Some(default),
            description: "P.".into(),
        });
        t
    }

    #[test]
    fn parameter_defaults_refer_to_no_resource() {
        let ok = template(Value::Expr(Expr::Format("x-{0}".into(), vec![Expr::Param("q".into())])));
        assert!(violations(&ok).is_empty());
        for (e, what) in [
            (Expr::Id("pe".into()), "the ID of resource `pe`"),
            (
                Expr::Prop("pe".into(), vec![Seg::Key("ip".into())]),
                "a property of resource `pe`",
            ),
            (
                Expr::Format("{0}".into(), vec![Expr::Prop("pe".into(), vec![])]),
                "a property of resource `pe`",
            ),
            (
                Expr::Created {
                    owner: "pe".into(),
                    rtype: "Microsoft.Network/networkInterfaces",
                    name: "nic".into(),
                    path: vec![],
                },
                "a resource created for `pe`",
            ),
        ] {
            let v = violations(&template(Value::Expr(e)));
            assert_eq!(v, [format!("the default of parameter `p` refers to {what}")]);
        }
    }

    #[test]
    fn a_computed_name_holds_ids_but_no_runtime_property() {
        let mut t = template(Value::str("x"));
        let mut ra = Resource::new("ra", "Microsoft.Authorization/roleAssignments", "label");
        ra.name_expr = Some(Expr::Guid(vec![Expr::Id("pe".into()), Expr::Str("role".into())]));
        t.resources.push(ra);
        assert!(violations(&t).is_empty());
        t.resources[1].name_expr = Some(Expr::Guid(vec![Expr::PrincipalId("pe".into())]));
        assert_eq!(
            violations(&t),
            ["the name of `ra` refers to the managed identity of resource `pe`"]
        );
    }

    #[test]
    fn a_created_resource_has_a_name() {
        let mut t = template(Value::str("x"));
        t.resources[0].set(
            "properties",
            Value::Expr(Expr::Created {
                owner: "pe".into(),
                rtype: "Microsoft.Network/networkInterfaces",
                name: String::new(),
                path: vec![],
            }),
        );
        assert_eq!(violations(&t).len(), 1);
    }
}
