//! Bicep's rule that some values be known at the start of the deployment: resource and module
//! names, `existing` names, `scope:`, `parent:`, loop counts, `reference()` arguments (BCP120,
//! BCP181). ARM evaluates those later and accepts what Bicep refuses, so a template can be valid
//! ARM and still not compile as Bicep (the endpoint-IP output once did: BCP181).
//!
//! Where a deployment-time value could reach such a place, and what keeps it out:
//! - resource names, `existing` names (`ir::Existing`, resources of other modules), module names
//!   and scopes are plain strings in the IR and the layout: only literals and parameters;
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
            Expr::Prop(s, _) => format!("a property of resource `{s}`"),
            Expr::Created { owner, .. } => format!("a resource created for `{owner}`"),
            Expr::Param(_) | Expr::Format(..) | Expr::TenantId | Expr::LoginEndpoint => return,
        };
        found.get_or_insert(what);
    });
    found
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
