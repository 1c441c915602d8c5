//! Role assignments: the jump box's managed identity on the account, `openai.role_assignments`,
//! and the sign-in roles on the jump box. Each is an extension resource of what it grants access
//! to, in that resource's resource group, named `guid(scope, principal, role)`: the same name at
//! every deployment, so a second one changes nothing.

use super::Lowering;
use crate::azure::roles::{MANAGED_IDENTITY_PRINCIPAL_TYPE, ROLE_DEFINITIONS};
use crate::ir::{obj, Expr, Resource, Value};
use crate::model::{Grant, RoleRef};

const ROLE_ASSIGNMENT: &str = "Microsoft.Authorization/roleAssignments";
const ACCOUNT: &str = "Microsoft.CognitiveServices/accounts";
const VM: &str = "Microsoft.Compute/virtualMachines";

/// Who a role assignment is for.
enum Who<'a> {
    /// The system-assigned identity of a resource of the template (the jump box).
    Identity(&'a str),
    Principal(&'a Grant),
}

pub(super) fn lower(l: &mut Lowering) {
    let m = l.m;
    let account = symbol_of(l, ACCOUNT).expect("the account is lowered first");
    let Some(j) = &m.jumpbox else {
        for g in &m.openai.role_assignments {
            assign(l, &account, &Who::Principal(g), &g.role, "account", principal_label(g));
        }
        return;
    };
    let vm = symbol_of(l, VM).expect("the jump box is lowered first");
    if let Some(role) = &j.openai_role {
        let label = format!("{} for the managed identity of {}", role.name(), j.name);
        assign(l, &account, &Who::Identity(&vm), role, "jumpbox", label);
    }
    for g in &m.openai.role_assignments {
        assign(l, &account, &Who::Principal(g), &g.role, "account", principal_label(g));
    }
    for g in &j.login {
        let label = format!("{} on {}", principal_label(g), j.name);
        assign(l, &vm, &Who::Principal(g), &g.role, "jumpbox", label);
    }
}

fn symbol_of(l: &Lowering, rtype: &str) -> Option<String> {
    l.t.resources
        .iter()
        .find(|r| r.rtype == rtype)
        .map(|r| r.symbol.clone())
}

fn principal_label(g: &Grant) -> String {
    format!("{} for {} {}", g.role.name(), g.principal.kind, g.principal.id)
}

/// A symbol part for a role (`openai-user`, `vm-user-login`; `custom-role` for a GUID).
fn key(role: &RoleRef) -> &str {
    match role {
        RoleRef::BuiltIn(r) => r.key,
        RoleRef::Id(_) => "custom-role",
    }
}

/// A role assignment of `role` on `scope` for `who`; its symbol starts with `prefix`, `label`
/// describes it for readers (its name is computed by the deployment).
fn assign(l: &mut Lowering, scope: &str, who: &Who, role: &RoleRef, prefix: &str, label: String) {
    let (principal, principal_type) = match who {
        Who::Identity(sym) => (
            Value::Expr(Expr::PrincipalId(sym.to_string())),
            MANAGED_IDENTITY_PRINCIPAL_TYPE,
        ),
        Who::Principal(g) => (Value::str(&g.principal.id), g.principal.kind),
    };
    // The principal in the name: the identity's resource ID (its principal ID is known only once
    // it exists, and a name must be known when the deployment starts), or the object ID.
    let principal_key = match who {
        Who::Identity(sym) => Expr::Id(sym.to_string()),
        Who::Principal(g) => Expr::Str(g.principal.id.clone()),
    };
    let sym = l.symbol(&[prefix, key(role)]);
    let mut r = Resource::new(sym, ROLE_ASSIGNMENT, label);
    r.scope = l.t.scope_of(scope).clone();
    r.extends = Some(scope.to_string());
    r.name_expr = Some(Expr::Guid(vec![
        Expr::Id(scope.to_string()),
        principal_key,
        Expr::Str(role.id().to_string()),
    ]));
    r.set(
        "properties",
        obj([
            (
                "roleDefinitionId",
                Value::Expr(Expr::SubscriptionResourceId(ROLE_DEFINITIONS, role.id().to_string())),
            ),
            ("principalId", principal),
            ("principalType", Value::str(principal_type)),
        ]),
    );
    l.t.resources.push(r);
}

#[cfg(test)]
mod tests {
    use crate::ir::{Expr, Template, Value};
    use crate::source::SourceFile;

    fn lower(text: &str) -> Template {
        let (m, d) = crate::check_source(&SourceFile::new("t.yaml", text));
        super::super::lower(&m.unwrap_or_else(|| panic!("{d:?}")))
    }

    const BASE: &str = "name: demo\nlocation: eastus\nvnets:\n  hub: { address_space: 10.0.0.0/16, egress: nat }\nopenai: {}\nbastion: {}\n";

    fn assignments(t: &Template) -> Vec<&crate::ir::Resource> {
        t.resources
            .iter()
            .filter(|r| r.rtype == "Microsoft.Authorization/roleAssignments")
            .collect()
    }

    fn prop<'a>(r: &'a crate::ir::Resource, key: &str) -> &'a Value {
        match &r.body["properties"] {
            Value::Object(p) => &p[key],
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_jump_box_identity_gets_openai_user_on_the_account_by_default() {
        let t = lower(&format!("{BASE}jumpbox: {{}}\n"));
        let vm = t.resource("jumpbox");
        assert_eq!(
            vm.body["identity"],
            crate::ir::obj([("type", Value::str("SystemAssigned"))])
        );
        let [ra] = assignments(&t)[..] else {
            panic!("one role assignment")
        };
        assert_eq!(ra.extends.as_deref(), Some("account"));
        assert_eq!(
            ra.name_expr,
            Some(Expr::Guid(vec![
                Expr::Id("account".into()),
                Expr::Id("jumpbox".into()),
                Expr::Str("5e0bd9bd-7b93-4f28-af87-19fc36ad61bd".into()),
            ]))
        );
        assert_eq!(
            prop(ra, "principalId"),
            &Value::Expr(Expr::PrincipalId("jumpbox".into()))
        );
        assert_eq!(prop(ra, "principalType"), &Value::str("ServicePrincipal"));
        // It waits for both: the account it applies to and the identity it names.
        assert_eq!(ra.needs(), ["account", "jumpbox"]);
    }

    #[test]
    fn openai_role_none_grants_nothing_and_gives_no_identity() {
        let t = lower(&format!("{BASE}jumpbox: {{ openai_role: none }}\n"));
        assert!(assignments(&t).is_empty());
        assert!(!t.resource("jumpbox").body.contains_key("identity"));
        // Entra ID sign-in needs the identity even without a role.
        let t = lower(&format!("{BASE}jumpbox: {{ openai_role: none, entra_login: true }}\n"));
        assert!(t.resource("jumpbox").body.contains_key("identity"));
    }

    #[test]
    fn grants_and_logins_are_named_by_scope_principal_and_role() {
        let t = lower(&format!(
            "{BASE}jumpbox:\n  entra_login: true\n  login: [{{ principal_id: 11111111-1111-4111-8111-111111111111, principal_type: User, admin: true }}]\n"
        )
        .replace(
            "openai: {}",
            "openai:\n  role_assignments: [{ principal_id: 22222222-2222-4222-8222-222222222222, principal_type: Group, role: ai-user }]",
        ));
        let ras = assignments(&t);
        assert_eq!(ras.len(), 3);
        let group = ras[1];
        assert_eq!(group.extends.as_deref(), Some("account"));
        assert_eq!(
            prop(group, "principalId"),
            &Value::str("22222222-2222-4222-8222-222222222222")
        );
        assert_eq!(prop(group, "principalType"), &Value::str("Group"));
        assert_eq!(
            prop(group, "roleDefinitionId"),
            &Value::Expr(Expr::SubscriptionResourceId(
                "Microsoft.Authorization/roleDefinitions",
                "53ca6127-db72-4b80-b1b0-d745d6d5456d".into()
            ))
        );
        let login = ras[2];
        assert_eq!(login.extends.as_deref(), Some("jumpbox"));
        assert_eq!(
            login.name_expr,
            Some(Expr::Guid(vec![
                Expr::Id("jumpbox".into()),
                Expr::Str("11111111-1111-4111-8111-111111111111".into()),
                Expr::Str("1c0163c0-47e6-4577-8991-ea5c82e286e4".into()),
            ]))
        );
        // The extension and extension operations come with Entra ID sign-in only.
        let ext = t
            .resources
            .iter()
            .find(|r| r.rtype == "Microsoft.Compute/virtualMachines/extensions")
            .expect("the sign-in extension");
        assert_eq!(ext.name, "AADSSHLoginForLinux");
        assert_eq!(ext.parent.as_deref(), Some("jumpbox"));
    }
}
