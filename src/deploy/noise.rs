//! The quiet what-if: removes from a what-if result (`WhatIfOperationResult`) what the rules of
//! `azure::whatif_noise` match, and counts what it removed, by rule label. A resource left with no
//! property change is shown as unchanged.

use crate::azure::whatif_noise::{PropertyNoise, ResourceNoise, PROPERTIES, RESOURCES};
use serde_json::Value;

/// A what-if result without its noise.
#[derive(Clone, Debug)]
pub struct Quiet {
    pub result: Value,
    /// What was hidden: a rule's label and how many changes it hid, in the order first met.
    pub hidden: Vec<(&'static str, usize)>,
}

impl Quiet {
    pub fn hidden_total(&self) -> usize {
        self.hidden.iter().map(|(_, n)| n).sum()
    }
}

pub fn quiet(result: &Value) -> Quiet {
    let mut out = result.clone();
    let mut hidden: Vec<(&'static str, usize)> = Vec::new();
    for key in ["changes", "potentialChanges"] {
        let Some(list) = out
            .get_mut("properties")
            .and_then(|p| p.get_mut(key))
            .and_then(Value::as_array_mut)
        else {
            continue;
        };
        list.retain_mut(|c| {
            let rtype = resource_type(c.get("resourceId").and_then(Value::as_str).unwrap_or_default());
            if let Some(rule) = RESOURCES.iter().find(|r| resource_is_noise(r, &rtype, c)) {
                count(&mut hidden, rule.label);
                return false;
            }
            let Some(delta) = c.get_mut("delta").and_then(Value::as_array_mut) else {
                return true;
            };
            let before = delta.len();
            filter(delta, "", &rtype, &mut hidden);
            let modified = c.get("changeType").and_then(Value::as_str) == Some("Modify");
            if before > 0 && c["delta"].as_array().is_some_and(Vec::is_empty) && modified {
                c["changeType"] = Value::String("NoChange".into());
            }
            true
        });
    }
    Quiet { result: out, hidden }
}

fn count(hidden: &mut Vec<(&'static str, usize)>, label: &'static str) {
    match hidden.iter_mut().find(|(l, _)| *l == label) {
        Some((_, n)) => *n += 1,
        None => hidden.push((label, 1)),
    }
}

/// Removes the noise from a list of property changes whose paths continue `prefix`; a container
/// (an array, an object's changes) left empty goes too.
fn filter(list: &mut Vec<Value>, prefix: &str, rtype: &str, hidden: &mut Vec<(&'static str, usize)>) {
    list.retain_mut(|p| {
        let own = p.get("path").and_then(Value::as_str).unwrap_or_default();
        let path = join(prefix, own);
        let kind = p.get("propertyChangeType").and_then(Value::as_str).unwrap_or_default();
        if let Some(rule) = PROPERTIES
            .iter()
            .find(|r| property_is_noise(r, rtype, &path, kind, p.get("before")))
        {
            count(hidden, rule.label);
            return false;
        }
        match p.get_mut("children").and_then(Value::as_array_mut) {
            Some(children) if !children.is_empty() => {
                filter(children, &path, rtype, hidden);
                !children.is_empty()
            }
            _ => true,
        }
    });
}

/// What-if nests paths: an array's items by index (`0`), an object's properties by relative path.
fn join(prefix: &str, own: &str) -> String {
    if prefix.is_empty() {
        own.to_string()
    } else if !own.is_empty() && own.bytes().all(|b| b.is_ascii_digit()) {
        format!("{prefix}[{own}]")
    } else {
        format!("{prefix}.{own}")
    }
}

fn property_is_noise(r: &PropertyNoise, rtype: &str, path: &str, kind: &str, before: Option<&Value>) -> bool {
    (r.rtype == "*" || r.rtype.eq_ignore_ascii_case(rtype))
        && r.kinds.contains(&kind)
        && path_matches(r.path, path)
        && r.before.is_none_or(|b| {
            let want: Value = serde_json::from_str(b).expect("rules hold JSON (tested)");
            before == Some(&want)
        })
}

fn resource_is_noise(r: &ResourceNoise, rtype: &str, change: &Value) -> bool {
    r.rtype.eq_ignore_ascii_case(rtype)
        && change.get("changeType").and_then(Value::as_str) == Some(r.change_type)
        && r.before_has.is_none_or(|p| {
            let pointer = format!("/{}", p.replace('.', "/"));
            change
                .get("before")
                .and_then(|b| b.pointer(&pointer))
                .is_some_and(|v| !v.is_null())
        })
}

/// `[*]` matches one array index, `**` (alone) any path; keys match without regard to case
/// (what-if writes some in lower case).
fn path_matches(pattern: &str, path: &str) -> bool {
    if pattern == "**" {
        return true;
    }
    let (p, q) = (tokens(pattern), tokens(path));
    p.len() == q.len()
        && p.iter()
            .zip(&q)
            .all(|(a, b)| (*a == "[*]" && b.starts_with('[')) || a.eq_ignore_ascii_case(b))
}

/// `a.b[0].c` -> `a`, `b`, `[0]`, `c`.
fn tokens(path: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let mut rest = part;
        while let Some(i) = rest.find('[') {
            if i > 0 {
                out.push(&rest[..i]);
            }
            let end = rest[i..].find(']').map_or(rest.len(), |e| i + e + 1);
            out.push(&rest[i..end]);
            rest = &rest[end..];
        }
        if !rest.is_empty() {
            out.push(rest);
        }
    }
    out
}

/// The type of a resource ID: the namespace after the last `/providers/`, then every other
/// segment (`Microsoft.Network/virtualNetworks/subnets`).
pub fn resource_type(id: &str) -> String {
    let lower = id.to_ascii_lowercase();
    let Some(i) = lower.rfind("/providers/") else {
        return String::new();
    };
    let segs: Vec<&str> = id[i + "/providers/".len()..].split('/').collect();
    let mut out = segs.first().copied().unwrap_or_default().to_string();
    for t in segs.iter().skip(1).step_by(2) {
        out.push('/');
        out.push_str(t);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const RG: &str = "/subscriptions/s/resourceGroups/rg/providers";

    #[test]
    fn paths_and_types() {
        assert_eq!(
            tokens("properties.subnets[0].properties.x"),
            ["properties", "subnets", "[0]", "properties", "x"]
        );
        assert!(path_matches("properties.subnets[*].id", "properties.subnets[3].id"));
        assert!(path_matches(
            "properties.virtualNetworkPeerings",
            "properties.virtualnetworkpeerings"
        ));
        assert!(!path_matches(
            "properties.subnets[*].id",
            "properties.subnets[3].properties.id"
        ));
        assert_eq!(join("properties.subnets", "0"), "properties.subnets[0]");
        assert_eq!(
            join("properties.subnets[0]", "properties.x"),
            "properties.subnets[0].properties.x"
        );
        assert_eq!(
            resource_type(&format!("{RG}/Microsoft.Network/virtualNetworks/v/subnets/s")),
            "Microsoft.Network/virtualNetworks/subnets"
        );
        assert_eq!(
            resource_type(&format!(
                "{RG}/Microsoft.Network/virtualNetworks/v/providers/Microsoft.Authorization/locks/l"
            )),
            "Microsoft.Authorization/locks"
        );
    }

    #[test]
    fn a_default_is_noise_and_a_value_set_by_hand_is_not() {
        let subnet = |policy: &str| {
            json!({"properties": {"changes": [{
                "resourceId": format!("{RG}/Microsoft.Network/virtualNetworks/v"), "changeType": "Modify",
                "delta": [{"path": "properties.subnets", "propertyChangeType": "Array", "children": [
                    {"path": "0", "propertyChangeType": "Modify", "children": [
                        {"path": "properties.privateEndpointNetworkPolicies", "propertyChangeType": "Delete", "before": policy}]}]}]}]}})
        };
        let q = quiet(&subnet("Disabled"));
        assert_eq!(q.hidden, [("subnet properties Azure fills in with their defaults", 1)]);
        assert_eq!(q.result["properties"]["changes"][0]["changeType"], "NoChange");
        assert_eq!(q.result["properties"]["changes"][0]["delta"], json!([]));
        // Someone turned the policies on by hand: the deployment would turn them off. Shown.
        let q = quiet(&subnet("Enabled"));
        assert!(q.hidden.is_empty());
        assert_eq!(q.result, subnet("Enabled"));
    }

    #[test]
    fn resources_azure_manages_are_hidden_only_when_they_are_azures() {
        let nic = |before: Value| {
            json!({"properties": {"changes": [{
                "resourceId": format!("{RG}/Microsoft.Network/networkInterfaces/pep-x-nic"), "changeType": "Ignore",
                "before": before}]}})
        };
        let q = quiet(&nic(json!({"properties": {"privateEndpoint": {"id": "/x"}}})));
        assert_eq!(q.hidden_total(), 1);
        assert_eq!(q.result["properties"]["changes"], json!([]));
        let q = quiet(&nic(json!({"properties": {"ipConfigurations": []}})));
        assert_eq!(q.hidden_total(), 0, "a NIC of someone's VM stays visible");
    }

    #[test]
    fn a_redeployment_with_only_noise_changes_nothing() {
        let reported: Value =
            serde_json::from_str(include_str!("../../tests/fixtures/whatif/redeploy-unchanged.json")).unwrap();
        assert!(
            crate::deploy::whatif::has_changes(&reported),
            "Azure reports two modifications"
        );
        let q = quiet(&reported);
        assert!(!crate::deploy::whatif::has_changes(&q.result));
        assert_eq!(q.hidden_total(), 14);
        assert_eq!(crate::deploy::whatif::counts(&q.result), [("NoChange", 2)]);
    }
}
