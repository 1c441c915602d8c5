//! Governance: the Log Analytics workspace, a diagnostic setting on each resource that has logs to
//! send (`azure::diagnostics`), and a delete lock on each resource that must not disappear. Works
//! on the resources the other areas put into the IR, by type, so every private endpoint and every
//! set of zones gets its lock; resources owned elsewhere (`ir::Existing`, an existing VNet) get none.

use super::Lowering;
use crate::azure::diagnostics::{self, Logs, ALL_METRICS, WORKSPACE_SKU};
use crate::azure::locks::LEVEL;
use crate::ir::{obj, Existing, Resource, Value};
use crate::model::Workspace;

const WORKSPACE: &str = "Microsoft.OperationalInsights/workspaces";
const DIAGNOSTIC_SETTING: &str = "Microsoft.Insights/diagnosticSettings";
const LOCK: &str = "Microsoft.Authorization/locks";

/// The types that get a CanNotDelete lock with `locks: true`, each with the note the lock carries:
/// why deleting it would hurt.
const LOCKED: &[(&str, &str)] = &[
    (
        "Microsoft.CognitiveServices/accounts",
        "Deleting this Azure OpenAI account deletes its model deployments, and its name and custom subdomain stay taken while it is soft-deleted. Remove the lock only to retire the workload.",
    ),
    (
        "Microsoft.Network/privateEndpoints",
        "The account's public network access is closed: without this private endpoint, clients in the VNets cannot reach it.",
    ),
    (
        "Microsoft.Network/privateDnsZones",
        "Without this zone the account's host name resolves to its public address, which is closed: clients in the VNets fail.",
    ),
    (
        "Microsoft.Network/virtualNetworks",
        "Deleting this VNet deletes its subnets and cuts the clients and private endpoints in it off the account.",
    ),
    (
        WORKSPACE,
        "This workspace keeps the account's audit and request logs: deleting it deletes them.",
    ),
];

/// Who wrote a lock, after its reason.
const LOCK_BY: &str = " (aoai-vnet: change the topology, not the lock.)";

pub(super) fn lower(l: &mut Lowering) {
    if let Some((workspace, name)) = workspace(l) {
        diagnostic_settings(l, &workspace, &name);
    }
    if l.m.governance.locks {
        locks(l);
    }
}

/// The workspace as resource bodies refer to it (the ID of the one created, or the literal ID of
/// an existing one), and its name.
fn workspace(l: &mut Lowering) -> Option<(Value, String)> {
    match l.m.governance.workspace.as_ref()? {
        Workspace::New { name, retention_days } => {
            let sym = l.symbol(&["logAnalytics"]);
            let mut r = Resource::new(sym.clone(), WORKSPACE, name);
            l.place(&mut r, Value::param("location"));
            r.set(
                "properties",
                obj([
                    ("sku", obj([("name", Value::str(WORKSPACE_SKU))])),
                    ("retentionInDays", Value::Int(*retention_days as i64)),
                    // Entra ID only, as for the account: no workspace keys.
                    ("features", obj([("disableLocalAuth", Value::Bool(true))])),
                ]),
            );
            l.t.resources.push(r);
            Some((Value::id(&sym), name.clone()))
        }
        Workspace::Existing {
            id,
            subscription,
            resource_group,
            name,
        } => {
            let symbol = l.symbol(&["logAnalytics"]);
            l.t.existing.push(Existing {
                symbol,
                rtype: WORKSPACE,
                api_version: crate::azure::api_versions::for_type(WORKSPACE),
                id: id.clone(),
                subscription: subscription.clone(),
                resource_group: resource_group.clone(),
                name: name.clone(),
            });
            Some((Value::str(id), name.clone()))
        }
    }
}

/// A setting on every resource whose type has something to send, named after where it sends.
fn diagnostic_settings(l: &mut Lowering, workspace: &Value, workspace_name: &str) {
    let targets: Vec<(String, &'static diagnostics::Sources)> =
        l.t.resources
            .iter()
            .filter(|r| !r.existing)
            .filter_map(|r| diagnostics::sources(r.rtype).map(|s| (r.symbol.clone(), s)))
            .filter(|(_, s)| s.sends_anything())
            .collect();
    for (target, sources) in targets {
        let sym = l.symbol(&[&target, "diagnostics"]);
        let mut r = Resource::new(sym, DIAGNOSTIC_SETTING, format!("to-{workspace_name}"));
        r.scope = l.t.scope_of(&target).clone();
        r.extends = Some(target);
        r.comment = Some(format!("Sends {} to Log Analytics.", sources.what));
        let enabled = |key: &str, name: &str| obj([(key, Value::str(name)), ("enabled", Value::Bool(true))]);
        let mut props = indexmap::IndexMap::new();
        props.insert("workspaceId".to_string(), workspace.clone());
        let logs: Vec<Value> = match sources.logs {
            Some(Logs::Categories(c)) => c.iter().map(|c| enabled("category", c)).collect(),
            Some(Logs::Groups(g)) => g.iter().map(|g| enabled("categoryGroup", g)).collect(),
            None => Vec::new(),
        };
        if !logs.is_empty() {
            props.insert("logs".into(), Value::Array(logs));
        }
        if sources.all_metrics {
            props.insert("metrics".into(), Value::Array(vec![enabled("category", ALL_METRICS)]));
        }
        r.set("properties", Value::Object(props));
        l.t.resources.push(r);
    }
}

fn locks(l: &mut Lowering) {
    let targets: Vec<(String, String, &str)> =
        l.t.resources
            .iter()
            // A VNet that exists already is its owners': no lock of ours on it.
            .filter(|r| r.parent.is_none() && !r.existing)
            .filter_map(|r| {
                let note = LOCKED.iter().find(|(t, _)| *t == r.rtype)?.1;
                Some((r.symbol.clone(), r.name.clone(), note))
            })
            .collect();
    for (target, name, note) in targets {
        let sym = l.symbol(&[&target, "lock"]);
        let mut r = Resource::new(sym, LOCK, lock_name(&name));
        r.scope = l.t.scope_of(&target).clone();
        r.extends = Some(target);
        r.set(
            "properties",
            obj([
                ("level", Value::str(LEVEL)),
                ("notes", Value::str(format!("{note}{LOCK_BY}"))),
            ]),
        );
        l.t.resources.push(r);
    }
}

/// `lock-{name}`: unique per locked resource, and within Azure's rule for lock names (target
/// names hold only letters, digits, `_`, `.` and `-`, at most 64 characters, never a final `.`).
fn lock_name(target: &str) -> String {
    format!("lock-{target}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::azure::locks::{is_valid_name, NOTES_MAX};

    #[test]
    fn notes_fit_and_lock_names_are_valid() {
        for (rtype, note) in LOCKED {
            let n = format!("{note}{LOCK_BY}");
            assert!(n.chars().count() <= NOTES_MAX, "{rtype}: {} characters", n.len());
        }
        for target in [
            "vnet-contoso-main",
            "privatelink.openai.azure.com",
            &"p".repeat(80),
            "pep_x",
        ] {
            assert!(is_valid_name(&lock_name(target)), "{target}");
        }
    }
}
