//! Governance (TOPOLOGY.md): `diagnostics` (a Log Analytics workspace we create, or an existing
//! one by resource ID, in any subscription) and `locks`.

use super::network::is_guid;
use super::Ctx;
use crate::azure::diagnostics::{DEFAULT_RETENTION_DAYS, RETENTION_DAYS};
use crate::azure::naming;
use crate::model::{Governance, Workspace};
use crate::syntax::{LogSettings, Str, Topology};

const WORKSPACE_ID_SHAPE: &str =
    "/subscriptions/<subscription id>/resourceGroups/<group>/providers/Microsoft.OperationalInsights/workspaces/<name>";

pub(super) fn check(cx: &mut Ctx, t: &Topology) -> Governance {
    Governance {
        workspace: t.diagnostics.as_ref().and_then(|d| workspace(cx, d)),
        locks: t.locks.as_ref().is_some_and(|l| l.value),
    }
}

fn workspace(cx: &mut Ctx, d: &LogSettings) -> Option<Workspace> {
    let given = d.workspace.as_ref();
    if given.is_none_or(|w| w.value.eq_ignore_ascii_case("new")) {
        let days = match &d.retention_days {
            Some(r) if !RETENTION_DAYS.contains(&r.value) => {
                cx.error(
                    "E0903",
                    r.span,
                    format!(
                        "a Log Analytics workspace keeps logs {} to {} days, not {}",
                        RETENTION_DAYS.start(),
                        RETENTION_DAYS.end(),
                        r.value
                    ),
                )
                .set_help(format!(
                    "use a number from {} (the default) to {} (two years)",
                    RETENTION_DAYS.start(),
                    RETENTION_DAYS.end()
                ));
                return None;
            }
            Some(r) => r.value,
            None => DEFAULT_RETENTION_DAYS,
        };
        let name = format!("log-{}", cx.workload);
        let span = given.map_or(d.span, |w| w.span);
        let default_group = super::network::scope_key(&crate::model::Scope::default());
        cx.name(&naming::LOG_ANALYTICS_WORKSPACE, &default_group, &name, span);
        return Some(Workspace::New {
            name,
            retention_days: days,
        });
    }
    let w = given.expect("`new` or absent handled above");
    let existing = existing_workspace(cx, w);
    if let Some(r) = &d.retention_days {
        cx.error(
            "E0904",
            r.span,
            "`retention_days` is for a workspace this topology creates (`workspace: new`)",
        )
        .set_help("an existing workspace keeps its own retention; change it where that workspace is managed, or remove `retention_days`");
        return None;
    }
    existing
}

/// The resource ID of an existing workspace; each problem is said precisely, at the value.
fn existing_workspace(cx: &mut Ctx, w: &Str) -> Option<Workspace> {
    let id = w.value.as_str();
    let parts: Vec<&str> = id.split('/').collect();
    let shape = parts.len() == 9
        && parts[0].is_empty()
        && parts[1].eq_ignore_ascii_case("subscriptions")
        && parts[3].eq_ignore_ascii_case("resourceGroups")
        && parts[5].eq_ignore_ascii_case("providers")
        && parts[6].eq_ignore_ascii_case("Microsoft.OperationalInsights")
        && parts[7].eq_ignore_ascii_case("workspaces");
    if !shape {
        let what = if id.starts_with('/') {
            format!("`{id}` is not the resource ID of a Log Analytics workspace")
        } else {
            format!("`{id}` is neither `new` nor the resource ID of a Log Analytics workspace")
        };
        let help = format!(
            "write `new` for a workspace `log-{}` in the default resource group, or {WORKSPACE_ID_SHAPE}",
            cx.workload
        );
        cx.error("E0902", w.span, what).set_help(help);
        return None;
    }
    let problem = if is_guid(parts[2]) {
        naming::check(&naming::RESOURCE_GROUP, parts[4])
            .and_then(|()| naming::check(&naming::LOG_ANALYTICS_WORKSPACE, parts[8]))
            .err()
    } else {
        Some(format!("the subscription `{}` is not a GUID", parts[2]))
    };
    if let Some(p) = problem {
        cx.error("E0902", w.span, format!("in this workspace ID, {p}"))
            .set_help(format!("expected {WORKSPACE_ID_SHAPE}"));
        return None;
    }
    Some(Workspace::Existing {
        id: id.to_string(),
        subscription: parts[2].to_string(),
        resource_group: parts[4].to_string(),
        name: parts[8].to_string(),
    })
}

#[cfg(test)]
mod tests {
    use crate::diag::Diagnostics;
    use crate::model::Workspace;
    use crate::source::SourceFile;

    fn check(governance: &str) -> (Option<crate::model::Governance>, Vec<(&'static str, String)>) {
        let text = format!(
            "name: demo\nlocation: eastus\nvnets:\n  main: {{ address_space: 10.0.0.0/16 }}\nopenai: {{}}\n{governance}"
        );
        let file = SourceFile::new("t.yaml", text);
        let mut diags = Diagnostics::default();
        let t = crate::syntax::decode(&crate::yaml::parse(&file.text).unwrap(), &mut diags);
        let m = crate::check::check(&t, &mut diags);
        let d = diags.items.into_iter().map(|d| (d.code, d.message)).collect();
        (m.map(|m| m.governance), d)
    }

    const SUB: &str = "33333333-3333-4333-8333-333333333333";

    #[test]
    fn a_new_workspace_by_default_with_30_days() {
        let (g, d) = check("diagnostics: {}\nlocks: true\n");
        assert!(d.is_empty(), "{d:?}");
        let g = g.unwrap();
        assert!(g.locks);
        assert_eq!(
            g.workspace,
            Some(Workspace::New {
                name: "log-demo".into(),
                retention_days: 30
            })
        );
        let (g, _) = check("diagnostics: { workspace: NEW, retention_days: 730 }\n");
        assert!(matches!(
            g.unwrap().workspace,
            Some(Workspace::New {
                retention_days: 730,
                ..
            })
        ));
        let (g, _) = check("");
        let g = g.unwrap();
        assert!(g.workspace.is_none() && !g.locks);
    }

    #[test]
    fn retention_outside_the_range_is_refused() {
        for days in ["29", "731", "0"] {
            let (g, d) = check(&format!("diagnostics: {{ retention_days: {days} }}\n"));
            assert!(g.is_none());
            assert_eq!(d[0].0, "E0903", "{d:?}");
            assert!(d[0].1.contains("30 to 730 days"), "{d:?}");
        }
    }

    #[test]
    fn an_existing_workspace_in_another_subscription() {
        let id = format!("/subscriptions/{SUB}/resourceGroups/rg-logs/providers/Microsoft.OperationalInsights/workspaces/law-central");
        let (g, d) = check(&format!("diagnostics: {{ workspace: {id} }}\n"));
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(
            g.unwrap().workspace,
            Some(Workspace::Existing {
                id: id.clone(),
                subscription: SUB.into(),
                resource_group: "rg-logs".into(),
                name: "law-central".into()
            })
        );
        let (_, d) = check(&format!("diagnostics: {{ workspace: {id}, retention_days: 90 }}\n"));
        assert_eq!(d.iter().map(|x| x.0).collect::<Vec<_>>(), ["E0904"]);
    }

    #[test]
    fn bad_workspace_ids_say_what_is_wrong() {
        let cases = [
            ("existing", "neither `new` nor"),
            (
                "/subscriptions/x/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/law",
                "the subscription `x` is not a GUID",
            ),
            (
                &format!("/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/law"),
                "not the resource ID of a Log Analytics workspace",
            ),
            (
                &format!(
                    "/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/l-"
                ),
                "Log Analytics workspace",
            ),
            (
                &format!(
                    "/subscriptions/{SUB}/resourceGroups/rg./providers/Microsoft.OperationalInsights/workspaces/law"
                ),
                "resource group",
            ),
        ];
        for (id, says) in cases {
            let (g, d) = check(&format!("diagnostics: {{ workspace: \"{id}\" }}\n"));
            assert!(g.is_none(), "{id}");
            assert_eq!(d.len(), 1, "{id}: {d:?}");
            assert_eq!(d[0].0, "E0902", "{id}");
            assert!(d[0].1.contains(says), "{id}: {}", d[0].1);
        }
    }
}
