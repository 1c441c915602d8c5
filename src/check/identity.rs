//! Identities and roles: who may call the account with Entra ID (keys are off by default), the
//! jump box's managed identity and its role, Entra ID sign-in to the jump box.

use super::network::is_guid;
use super::Ctx;
use crate::azure::images::Os;
use crate::azure::roles::{self, Role, OPENAI_USER, PRINCIPAL_TYPES, VM_ADMIN_LOGIN, VM_USER_LOGIN};
use crate::model::{Egress, Grant, Jumpbox, Principal, RoleRef, Vnet};
use crate::source::Span;
use crate::syntax::{self, Str, Topology};

/// `openai.role_assignments`, each checked; a principal given the same role twice is refused
/// (both would be one role assignment, with one deterministic name).
pub(super) fn account_grants(cx: &mut Ctx, o: &syntax::OpenAi) -> Vec<Grant> {
    let mut out: Vec<(Grant, Span)> = Vec::new();
    for a in &o.role_assignments {
        let principal = principal(cx, a.principal_id.as_ref(), a.principal_type.as_ref());
        let role = match &a.role {
            Some(r) => account_role(cx, r),
            None => Some(RoleRef::BuiltIn(&OPENAI_USER)),
        };
        if let (Some(principal), Some(role)) = (principal, role) {
            let grant = Grant { principal, role };
            if let Some((_, first)) = out.iter().find(|(g, _)| same(g, &grant)) {
                let line = first.start.line;
                cx.error(
                    "E1003",
                    a.span,
                    format!(
                        "`{}` already has {} on the account (line {line})",
                        grant.principal.id,
                        grant.role.name()
                    ),
                )
                .set_help("remove one of the two entries");
                continue;
            }
            out.push((grant, a.span));
        }
    }
    out.into_iter().map(|(g, _)| g).collect()
}

/// The same principal and role (a role given by GUID is the built-in one with that ID).
fn same(a: &Grant, b: &Grant) -> bool {
    a.principal.id == b.principal.id && a.role.id() == b.role.id()
}

/// `jumpbox.openai_role`: a role of the account for the jump box's identity; `none` grants nothing.
pub(super) fn jumpbox_role(cx: &mut Ctx, j: &syntax::Jumpbox) -> Option<RoleRef> {
    match &j.openai_role {
        None => Some(RoleRef::BuiltIn(&OPENAI_USER)),
        Some(r) if r.value.eq_ignore_ascii_case("none") => None,
        Some(r) => account_role(cx, r),
    }
}

/// `jumpbox.login`: Virtual Machine User Login, or Administrator Login with `admin: true`.
pub(super) fn jumpbox_logins(cx: &mut Ctx, j: &syntax::Jumpbox) -> Vec<Grant> {
    let mut out: Vec<Grant> = Vec::new();
    for l in &j.login {
        let Some(principal) = principal(cx, l.principal_id.as_ref(), l.principal_type.as_ref()) else {
            continue;
        };
        let admin = l.admin.as_ref().is_some_and(|a| a.value);
        let role: &'static Role = if admin { &VM_ADMIN_LOGIN } else { &VM_USER_LOGIN };
        let grant = Grant {
            principal,
            role: RoleRef::BuiltIn(role),
        };
        if out.iter().any(|g| same(g, &grant)) {
            cx.error(
                "E1003",
                l.span,
                format!("`{}` is listed twice with {}", grant.principal.id, role.name),
            )
            .set_help("remove one of the two entries");
            continue;
        }
        out.push(grant);
    }
    out
}

fn principal(cx: &mut Ctx, id: Option<&Str>, kind: Option<&Str>) -> Option<Principal> {
    let id = id?;
    let ok = is_guid(&id.value);
    if !ok {
        cx.error(
            "E1001",
            id.span,
            format!("`{}` is not an object ID (a GUID)", id.value),
        )
        .set_help("use the principal's object ID: `az ad user show --id <upn> --query id -o tsv`, `az ad group show -g <name> --query id -o tsv` or `az ad sp show --id <app id> --query id -o tsv`");
    }
    let kind = kind.and_then(|k| cx.one_of(k, PRINCIPAL_TYPES, "E0007", "principal type"));
    if !ok {
        return None;
    }
    Some(Principal {
        id: id.value.to_ascii_lowercase(),
        kind: kind?,
    })
}

/// A role of the account: a name of `azure::roles::ACCOUNT_ROLES`, or a role definition GUID.
fn account_role(cx: &mut Ctx, r: &Str) -> Option<RoleRef> {
    if let Some(role) = roles::account_role(&r.value) {
        return Some(RoleRef::BuiltIn(role));
    }
    if is_guid(&r.value) {
        let id = r.value.to_ascii_lowercase();
        return Some(match roles::by_id(&id) {
            Some(role) => RoleRef::BuiltIn(role),
            None => RoleRef::Id(id),
        });
    }
    let names: Vec<&str> = roles::ACCOUNT_ROLES.iter().map(|r| r.key).collect();
    let d = cx.error("E1002", r.span, format!("`{}` is not a role of the account", r.value));
    match crate::diag::suggest(&r.value, names.iter().copied()) {
        Some(near) => d.set_help(format!("did you mean `{near}`? Or give a role definition GUID")),
        None => d.set_help(format!("use one of {}, or a role definition GUID", names.join(", "))),
    }
    None
}

/// Entra ID sign-in: the extension installs from the Internet, so the jump box's subnet needs
/// egress; `login` without `entra_login` grants roles nobody can use.
pub(super) fn check_sign_in(cx: &mut Ctx, t: &Topology, j: &Jumpbox, vnets: &[Vnet]) {
    let Some(js) = &t.jumpbox else { return };
    let egress = vnets[j.vnet]
        .subnets
        .iter()
        .find(|s| s.name == j.subnet)
        .and_then(|s| s.egress);
    if let (Some(e), Some(Egress::NoInternet)) = (js.entra_login.as_ref().filter(|e| e.value), egress) {
        let extension = match j.image.os {
            Os::Linux => crate::azure::vm::ENTRA_LOGIN_LINUX.kind,
            Os::Windows => crate::azure::vm::ENTRA_LOGIN_WINDOWS.kind,
        };
        cx.error(
            "E1004",
            e.span,
            format!(
                "Entra ID sign-in needs outbound Internet, and subnet `{}` of VNet `{}` has none: the {extension} extension downloads when it installs",
                j.subnet, vnets[j.vnet].key
            ),
        )
        .set_help(format!(
            "set `egress: nat` (or `egress: {{ next_hop: <firewall IP> }}`) on VNet `{}` or on subnet `{}`, or remove `entra_login`",
            vnets[j.vnet].key, j.subnet
        ));
    }
    if !j.entra_login && !js.login.is_empty() {
        cx.warning(
            "W1001",
            js.login[0].span,
            "`login` grants sign-in roles, but `entra_login` is off: nobody can sign in with Entra ID",
        )
        .set_help("add `entra_login: true` (it needs egress), or remove `login`");
    }
}
