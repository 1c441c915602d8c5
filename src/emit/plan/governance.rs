//! The plan's governance section: where logs go, what sends them (and what has nothing Azure can
//! send), and the delete locks with the reason each carries. Read from the IR, so it lists what
//! the template deploys.

use super::{cell, code};
use crate::ir::{Resource, Template, Value};
use crate::model::{Model, Workspace};
use serde::Serialize;
use std::fmt::Write;

#[derive(Clone, Debug, Serialize)]
pub struct GovernancePlan {
    /// `None`: no `diagnostics`.
    pub workspace: Option<WorkspacePlan>,
    pub diagnostic_settings: Vec<DiagnosticSettingPlan>,
    /// Resources of a type that has nothing to send (a DNS Private Resolver), with why.
    pub without_logs: Vec<WithoutLogs>,
    pub locks: Vec<LockPlan>,
}

#[derive(Clone, Debug, Serialize)]
pub struct WorkspacePlan {
    pub name: String,
    /// Created by this deployment (in the default resource group), or owned elsewhere.
    pub created: bool,
    /// An existing workspace's resource ID.
    pub resource_id: Option<String>,
    /// A created workspace's retention.
    pub retention_days: Option<u64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct DiagnosticSettingPlan {
    pub name: String,
    #[serde(rename = "type")]
    pub rtype: String,
    /// The resource whose logs it sends.
    pub resource: String,
    pub log_categories: Vec<String>,
    pub log_category_groups: Vec<String>,
    pub metrics: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct WithoutLogs {
    #[serde(rename = "type")]
    pub rtype: String,
    pub resource: String,
    pub reason: &'static str,
}

#[derive(Clone, Debug, Serialize)]
pub struct LockPlan {
    pub name: String,
    #[serde(rename = "type")]
    pub rtype: String,
    /// The resource it protects.
    pub resource: String,
    pub level: String,
    pub notes: String,
}

pub(super) fn plan(m: &Model, t: &Template) -> GovernancePlan {
    let workspace = m.governance.workspace.as_ref().map(|w| match w {
        Workspace::New { name, retention_days } => WorkspacePlan {
            name: name.clone(),
            created: true,
            resource_id: None,
            retention_days: Some(*retention_days),
        },
        Workspace::Existing { id, name, .. } => WorkspacePlan {
            name: name.clone(),
            created: false,
            resource_id: Some(id.clone()),
            retention_days: None,
        },
    });
    let mut g = GovernancePlan {
        diagnostic_settings: Vec::new(),
        without_logs: Vec::new(),
        locks: Vec::new(),
        workspace,
    };
    for r in &t.resources {
        let Some(target) = r.extends.as_ref().map(|s| t.resource(s)) else {
            if g.workspace.is_some() {
                if let Some(s) = crate::azure::diagnostics::sources(r.rtype).filter(|s| !s.sends_anything()) {
                    g.without_logs.push(WithoutLogs {
                        rtype: r.rtype.to_string(),
                        resource: r.name.clone(),
                        reason: s.what,
                    });
                }
            }
            continue;
        };
        match r.rtype {
            "Microsoft.Insights/diagnosticSettings" => g.diagnostic_settings.push(DiagnosticSettingPlan {
                name: r.name.clone(),
                rtype: target.rtype.to_string(),
                resource: target.name.clone(),
                log_categories: listed(r, "logs", "category"),
                log_category_groups: listed(r, "logs", "categoryGroup"),
                metrics: listed(r, "metrics", "category"),
            }),
            "Microsoft.Authorization/locks" => g.locks.push(LockPlan {
                name: r.name.clone(),
                rtype: target.rtype.to_string(),
                resource: target.name.clone(),
                level: text(prop(r, "level")),
                notes: text(prop(r, "notes")),
            }),
            _ => {}
        }
    }
    g
}

fn prop<'r>(r: &'r Resource, key: &str) -> Option<&'r Value> {
    match r.body.get("properties") {
        Some(Value::Object(p)) => p.get(key),
        _ => None,
    }
}

fn text(v: Option<&Value>) -> String {
    match v {
        Some(Value::Str(s)) => s.clone(),
        _ => String::new(),
    }
}

/// The `key` of every entry of the array `properties.{list}`.
fn listed(r: &Resource, list: &str, key: &str) -> Vec<String> {
    match prop(r, list) {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|i| match i {
                Value::Object(o) => o.get(key).map(|v| text(Some(v))),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// `type/name` for a table cell.
fn resource(rtype: &str, name: &str) -> String {
    format!("{} {}", code(name), cell(&format!("({})", short(rtype))))
}

fn short(rtype: &str) -> &str {
    rtype.rsplit('/').next().unwrap_or(rtype)
}

pub(super) fn markdown(g: &GovernancePlan, o: &mut String) {
    if g.workspace.is_none() && g.locks.is_empty() {
        return;
    }
    let _ = writeln!(o, "### Governance\n");
    match &g.workspace {
        Some(w) if w.created => {
            let _ = writeln!(
                o,
                "- Logs and metrics go to the new Log Analytics workspace {} (default resource group), kept {} days.",
                code(&w.name),
                w.retention_days.unwrap_or_default()
            );
        }
        Some(w) => {
            let _ = writeln!(
                o,
                "- Logs and metrics go to the existing Log Analytics workspace {} ({}); its retention is its owner's.",
                code(&w.name),
                code(w.resource_id.as_deref().unwrap_or_default())
            );
        }
        None => {
            let _ = writeln!(
                o,
                "- ⚠️ No diagnostic settings: the account's audit logs are not kept (`diagnostics`)."
            );
        }
    }
    if !g.diagnostic_settings.is_empty() {
        let _ = writeln!(o, "\n| Diagnostic setting | Of | Logs | Metrics |\n|---|---|---|---|");
        for d in &g.diagnostic_settings {
            let mut logs: Vec<String> = d.log_categories.iter().map(|c| code(c)).collect();
            logs.extend(d.log_category_groups.iter().map(|c| format!("{} (group)", code(c))));
            let metrics: Vec<String> = d.metrics.iter().map(|c| code(c)).collect();
            let none = || "none".to_string();
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} |",
                code(&d.name),
                resource(&d.rtype, &d.resource),
                if logs.is_empty() { none() } else { logs.join(", ") },
                if metrics.is_empty() { none() } else { metrics.join(", ") }
            );
        }
    }
    for w in &g.without_logs {
        let _ = writeln!(o, "\n- {}: {}.", resource(&w.rtype, &w.resource), cell(w.reason));
    }
    if g.locks.is_empty() {
        let _ = writeln!(o, "\n- No delete locks (`locks: true` adds them).\n");
        return;
    }
    let _ = writeln!(o, "\n| Lock | On | Level | Why |\n|---|---|---|---|");
    for l in &g.locks {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} |",
            code(&l.name),
            resource(&l.rtype, &l.resource),
            cell(&l.level),
            cell(&l.notes)
        );
    }
    o.push('\n');
}
