//! Renders a what-if result (`WhatIfOperationResult`) the way `az deployment group what-if`
//! does: a legend of the symbols used, then per scope every resource with its change symbol,
//! type/name and API version, the property changes under each modified resource, and a summary
//! line (`Resource changes: 2 to create, 1 to modify, 3 no change.`).

use serde_json::Value;
use std::fmt::Write as _;

/// Resource change types, in the order the legend and the summary list them.
const CHANGES: &[(&str, char, &str, &str)] = &[
    // (changeType, symbol, legend, summary)
    ("Delete", '-', "Delete", "to delete"),
    ("Create", '+', "Create", "to create"),
    ("Modify", '~', "Modify", "to modify"),
    ("Deploy", '!', "Deploy", "to deploy"),
    ("Unsupported", 'x', "Unsupported", "unsupported"),
    ("NoChange", '=', "Nochange", "no change"),
    ("Ignore", '*', "Ignore", "to ignore"),
];

/// The number of resources per change type, in `CHANGES` order.
pub fn counts(result: &Value) -> Vec<(&'static str, usize)> {
    let changes = list(result, "changes");
    CHANGES
        .iter()
        .map(|(ty, ..)| {
            (
                *ty,
                changes
                    .iter()
                    .filter(|c| change_type(c).eq_ignore_ascii_case(ty))
                    .count(),
            )
        })
        .filter(|(_, n)| *n > 0)
        .collect()
}

/// Whether the deployment would change anything (create, modify, delete or deploy).
pub fn has_changes(result: &Value) -> bool {
    counts(result)
        .iter()
        .any(|(ty, _)| matches!(*ty, "Create" | "Modify" | "Delete" | "Deploy"))
}

/// A resource the template does not declare that the deployment expects to find all the same
/// (the zone group that Azure Policy adds under `dns.mode: policy`): what-if lists it as ignored,
/// which is not drift. `id_part` is matched, without regard to case, inside resource IDs.
#[derive(Clone, Debug)]
pub struct Expected {
    pub id_part: String,
    pub why: String,
}

impl Expected {
    fn matches(&self, change: &Value) -> bool {
        let id = change.get("resourceId").and_then(Value::as_str).unwrap_or_default();
        id.to_ascii_lowercase().contains(&self.id_part.to_ascii_lowercase())
    }
}

/// The whole rendering; ANSI colors when `color`.
pub fn render(result: &Value, color: bool) -> String {
    render_expecting(result, color, &[])
}

/// `render`, with the resources the deployment expects beside it marked as such.
pub fn render_expecting(result: &Value, color: bool, expected: &[Expected]) -> String {
    let paint = Paint(color);
    let changes = list(result, "changes");
    let potential = list(result, "potentialChanges");
    let mut out = String::new();
    let used: Vec<&(&str, char, &str, &str)> = CHANGES
        .iter()
        .filter(|(ty, ..)| {
            changes
                .iter()
                .chain(&potential)
                .any(|c| change_type(c).eq_ignore_ascii_case(ty))
        })
        .collect();
    if !used.is_empty() {
        out.push_str("Resource and property changes are indicated with these symbols:\n");
        for (ty, sym, legend, _) in &used {
            let _ = writeln!(out, "  {} {legend}", paint.change(ty, &sym.to_string()));
        }
        out.push('\n');
    }
    render_changes(
        &mut out,
        &changes,
        &paint,
        "The deployment will update the following scope:",
        expected,
    );
    if !potential.is_empty() {
        render_changes(
            &mut out,
            &potential,
            &paint,
            "Potential changes (they depend on values only known during the deployment):",
            expected,
        );
    }
    for d in list(result, "diagnostics") {
        let s = |k: &str| d.get(k).and_then(Value::as_str).unwrap_or_default();
        let target = if s("target").is_empty() {
            String::new()
        } else {
            format!(" ({})", s("target"))
        };
        let _ = writeln!(
            out,
            "{}: {}: {}{target}",
            s("level").to_lowercase(),
            s("code"),
            s("message")
        );
    }
    let summary: Vec<String> = counts(result)
        .iter()
        .map(|(ty, n)| {
            let label = CHANGES.iter().find(|(t, ..)| t == ty).map(|c| c.3).unwrap_or(ty);
            format!("{n} {label}")
        })
        .collect();
    if summary.is_empty() {
        out.push_str("Resource changes: none.\n");
    } else {
        let _ = writeln!(out, "Resource changes: {}.", summary.join(", "));
    }
    for e in expected {
        let n = changes.iter().filter(|c| is_expected(c, e)).count();
        if n > 0 {
            let _ = writeln!(out, "{n} of them expected, not drift: {}.", e.why);
        }
    }
    out
}

/// What the quiet what-if hid, for after the rendering: how many changes, of which kinds, and how
/// to see them. Empty when nothing was hidden.
pub fn hidden_note(q: &super::noise::Quiet) -> String {
    let total = q.hidden_total();
    if total == 0 {
        return String::new();
    }
    let mut out = format!(
        "Hidden: {total} reported change{} that {} (--what-if-all shows {}):\n",
        if total == 1 { "" } else { "s" },
        if total == 1 {
            "is not a change"
        } else {
            "are not changes"
        },
        if total == 1 { "it" } else { "them" },
    );
    for (label, n) in &q.hidden {
        let _ = writeln!(out, "  {n} {label}");
    }
    out
}

/// Whether a change is one that `e` expects: a resource the template leaves alone.
fn is_expected(c: &Value, e: &Expected) -> bool {
    change_type(c).eq_ignore_ascii_case("Ignore") && e.matches(c)
}

fn render_changes(out: &mut String, changes: &[&Value], paint: &Paint, heading: &str, expected: &[Expected]) {
    if changes.is_empty() {
        return;
    }
    // Group by scope (what comes before the last `/providers/`), scopes sorted; inside a scope,
    // by change type (legend order), then by the resource's type and name.
    let mut rows: Vec<(String, usize, String, &Value)> = changes
        .iter()
        .map(|c| {
            let id = c.get("resourceId").and_then(Value::as_str).unwrap_or_default();
            let (scope, rel) = split_id(id);
            let order = CHANGES
                .iter()
                .position(|(t, ..)| change_type(c).eq_ignore_ascii_case(t))
                .unwrap_or(CHANGES.len());
            (scope, order, rel, *c)
        })
        .collect();
    rows.sort_by(|a, b| {
        (a.0.to_lowercase(), a.1, a.2.to_lowercase()).cmp(&(b.0.to_lowercase(), b.1, b.2.to_lowercase()))
    });
    let _ = writeln!(out, "{heading}\n");
    let mut scope: Option<&str> = None;
    for (s, _, rel, c) in &rows {
        if scope != Some(s.as_str()) {
            if scope.is_some() {
                out.push('\n');
            }
            let _ = writeln!(out, "Scope: {s}\n");
            scope = Some(s.as_str());
        }
        let ty = change_type(c);
        let sym = CHANGES
            .iter()
            .find(|(t, ..)| ty.eq_ignore_ascii_case(t))
            .map(|c| c.1)
            .unwrap_or('?');
        let api = c
            .get("after")
            .or_else(|| c.get("before"))
            .and_then(|r| r.get("apiVersion"))
            .and_then(Value::as_str)
            .map(|v| format!(" [{v}]"))
            .unwrap_or_default();
        let why = expected
            .iter()
            .find(|e| is_expected(c, e))
            .map(|e| format!(" (expected: {})", e.why))
            .unwrap_or_default();
        let _ = writeln!(out, "  {} {rel}{api}{why}", paint.change(ty, &sym.to_string()));
        if let Some(reason) = c.get("unsupportedReason").and_then(Value::as_str) {
            let _ = writeln!(out, "    {reason}");
        }
        if let Some(delta) = c.get("delta").and_then(Value::as_array) {
            if !delta.is_empty() {
                out.push('\n');
                for p in delta {
                    property(out, p, 4, paint);
                }
                out.push('\n');
            }
        }
    }
    out.push('\n');
}

/// One property change, with its children (array items, nested properties).
fn property(out: &mut String, p: &Value, indent: usize, paint: &Paint) {
    let pad = " ".repeat(indent);
    let path = p.get("path").and_then(Value::as_str).unwrap_or_default();
    let kind = p.get("propertyChangeType").and_then(Value::as_str).unwrap_or_default();
    let (sym, color_as) = match kind {
        "Create" => ("+", "Create"),
        "Delete" => ("-", "Delete"),
        "Modify" | "Array" => ("~", "Modify"),
        "NoEffect" => ("x", "Ignore"),
        _ => ("?", ""),
    };
    let sym = paint.change(color_as, sym);
    let children = p.get("children").and_then(Value::as_array).filter(|c| !c.is_empty());
    let show = |k: &str| p.get(k).map(|v| v.to_string()).unwrap_or_else(|| "null".into());
    match (kind, children) {
        ("Array", Some(items)) => {
            let _ = writeln!(out, "{pad}{sym} {path}: [");
            for c in items {
                property(out, c, indent + 2, paint);
            }
            let _ = writeln!(out, "{pad}  ]");
        }
        (_, Some(items)) => {
            let _ = writeln!(out, "{pad}{sym} {path}:");
            for c in items {
                property(out, c, indent + 2, paint);
            }
        }
        ("Create", None) => {
            let _ = writeln!(out, "{pad}{sym} {path}: {}", show("after"));
        }
        ("Delete", None) => {
            let _ = writeln!(out, "{pad}{sym} {path}: {}", show("before"));
        }
        ("NoEffect", None) => {
            let _ = writeln!(out, "{pad}{sym} {path}: {}", show("after"));
        }
        _ => {
            let _ = writeln!(out, "{pad}{sym} {path}: {} => {}", show("before"), show("after"));
        }
    }
}

fn list<'a>(result: &'a Value, key: &str) -> Vec<&'a Value> {
    result
        .get("properties")
        .and_then(|p| p.get(key))
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default()
}

fn change_type(c: &Value) -> &str {
    c.get("changeType").and_then(Value::as_str).unwrap_or_default()
}

/// `(scope, provider-relative id)`: `/subscriptions/s/resourceGroups/rg`, `Microsoft.X/y/name`.
fn split_id(id: &str) -> (String, String) {
    let lower = id.to_ascii_lowercase();
    match lower.rfind("/providers/") {
        Some(i) => (id[..i].to_string(), id[i + "/providers/".len()..].to_string()),
        None => (id.to_string(), id.rsplit('/').next().unwrap_or(id).to_string()),
    }
}

struct Paint(bool);

impl Paint {
    fn change(&self, ty: &str, text: &str) -> String {
        if !self.0 {
            return text.to_string();
        }
        let code = match ty {
            "Create" => "32",
            "Delete" => "31",
            "Modify" => "35",
            "Deploy" => "34",
            "Ignore" | "NoChange" | "Unsupported" => "90",
            _ => return text.to_string(),
        };
        format!("\x1b[{code}m{text}\x1b[0m")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn renders_like_az() {
        let rg = "/subscriptions/0000/resourceGroups/rg";
        let result = json!({"status": "Succeeded", "properties": {"changes": [
            {"resourceId": format!("{rg}/providers/Microsoft.Network/virtualNetworks/vnet"), "changeType": "Modify",
             "before": {"apiVersion": "2025-05-01"}, "after": {"apiVersion": "2025-05-01"},
             "delta": [
                {"path": "properties.addressSpace.addressPrefixes", "propertyChangeType": "Array", "children": [
                    {"path": "0", "propertyChangeType": "Delete", "before": "10.0.0.0/16"},
                    {"path": "0", "propertyChangeType": "Create", "after": "10.1.0.0/16"}]},
                {"path": "tags.env", "propertyChangeType": "Modify", "before": "dev", "after": "prod"}]},
            {"resourceId": format!("{rg}/providers/Microsoft.Network/networkSecurityGroups/nsg"), "changeType": "Create",
             "after": {"apiVersion": "2025-05-01"}},
            {"resourceId": format!("{rg}/providers/Microsoft.Network/privateDnsZones/z"), "changeType": "NoChange"}
        ]}});
        let text = render(&result, false);
        let expected = "\
Resource and property changes are indicated with these symbols:
  + Create
  ~ Modify
  = Nochange

The deployment will update the following scope:

Scope: /subscriptions/0000/resourceGroups/rg

  + Microsoft.Network/networkSecurityGroups/nsg [2025-05-01]
  ~ Microsoft.Network/virtualNetworks/vnet [2025-05-01]

    ~ properties.addressSpace.addressPrefixes: [
      - 0: \"10.0.0.0/16\"
      + 0: \"10.1.0.0/16\"
      ]
    ~ tags.env: \"dev\" => \"prod\"

  = Microsoft.Network/privateDnsZones/z

Resource changes: 1 to create, 1 to modify, 1 no change.
";
        assert_eq!(text, expected);
        assert!(has_changes(&result));
    }

    #[test]
    fn nothing_to_change() {
        let r = json!({"properties": {"changes": [{"resourceId": "/subscriptions/s/resourceGroups/r/providers/A.B/c/d", "changeType": "NoChange"}]}});
        assert!(!has_changes(&r));
        assert!(render(&r, false).ends_with("Resource changes: 1 no change.\n"));
        assert_eq!(render(&json!({}), false), "Resource changes: none.\n");
    }

    #[test]
    fn the_zone_group_azure_policy_adds_is_expected_not_drift() {
        let pe = "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/privateEndpoints/pep-a";
        let r = json!({"properties": {"changes": [
            {"resourceId": format!("{pe}/privateDnsZoneGroups/deployedByPolicy"), "changeType": "Ignore"},
            {"resourceId": "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/networkInterfaces/other", "changeType": "Ignore"},
            {"resourceId": pe, "changeType": "NoChange"}
        ]}});
        let e = Expected {
            id_part: "/privateEndpoints/pep-a/privateDnsZoneGroups/".into(),
            why: "Azure Policy adds the zone group".into(),
        };
        let text = render_expecting(&r, false, &[e]);
        assert!(
            text.contains("  * Microsoft.Network/privateEndpoints/pep-a/privateDnsZoneGroups/deployedByPolicy (expected: Azure Policy adds the zone group)\n"),
            "{text}"
        );
        assert!(
            text.contains("  * Microsoft.Network/networkInterfaces/other\n"),
            "{text}"
        );
        assert!(text.ends_with("Resource changes: 1 no change, 2 to ignore.\n1 of them expected, not drift: Azure Policy adds the zone group.\n"), "{text}");
        assert!(!has_changes(&r));
    }
}
