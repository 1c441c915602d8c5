//! ARM's template limits (`azure::arm`), measured on the emitted `main.json` as ARM receives it
//! (without indentation): resources, parameters and outputs per template, nested templates
//! included; the size of the whole template and of each resource definition (a nested deployment
//! with its inline template is one); expression length; deployment names (at most 64 characters,
//! unique among a template's deployments). The layout keeps every count within the limits by
//! construction; size grows with the estate, so `compile` refuses a topology whose template would
//! pass it (E0808), and the tests scan generated estates at and near every limit.

use crate::azure::arm::*;
use serde_json::Value as Json;

/// Every limit `main` passes, described with where (`resources[3].properties.template`).
pub fn scan(main: &Json) -> Vec<String> {
    let mut out = Vec::new();
    let size = template(main, "main.json", &mut out);
    if size > MAX_TEMPLATE_BYTES {
        out.insert(
            0,
            format!(
                "the template is {} as ARM receives it; ARM accepts {}",
                megabytes(size),
                megabytes(MAX_TEMPLATE_BYTES)
            ),
        );
    }
    out
}

/// The size in bytes of a JSON value written without whitespace (as `serde_json::to_vec` writes
/// it), counted without writing it.
pub fn compact_size(j: &Json) -> usize {
    size_with(j, None)
}

/// `compact_size`, taking `known`'s size as given where that value appears (measured already).
fn size_with(j: &Json, known: Option<(&Json, usize)>) -> usize {
    if let Some((k, size)) = known {
        if std::ptr::eq(j, k) {
            return size;
        }
    }
    match j {
        Json::Null => 4,
        Json::Bool(true) => 4,
        Json::Bool(false) => 5,
        Json::Number(n) => n.to_string().len(),
        Json::String(s) => string_size(s),
        Json::Array(items) => {
            2 + items.len().saturating_sub(1) + items.iter().map(|i| size_with(i, known)).sum::<usize>()
        }
        Json::Object(map) => {
            2 + map.len().saturating_sub(1)
                + map
                    .iter()
                    .map(|(k, v)| string_size(k) + 1 + size_with(v, known))
                    .sum::<usize>()
        }
    }
}

/// The size in bytes of a JSON value as `serde_json::to_string_pretty` writes it (two spaces per
/// level, `": "` after keys), counted without writing it: whether `main.json` can stay pretty.
pub fn pretty_size(j: &Json) -> usize {
    pretty_at(j, 0)
}

fn pretty_at(j: &Json, depth: usize) -> usize {
    // `{` and a newline; each entry on its own indented line, then a newline (and before it a
    // comma, but after the last); the closing bracket at the parent's indentation.
    let frame = |n: usize| 2 + n * (2 * (depth + 1)) + n + (n - 1) + 2 * depth + 1;
    match j {
        Json::Array(items) if !items.is_empty() => {
            frame(items.len()) + items.iter().map(|i| pretty_at(i, depth + 1)).sum::<usize>()
        }
        Json::Object(map) if !map.is_empty() => {
            frame(map.len())
                + map
                    .iter()
                    .map(|(k, v)| string_size(k) + 2 + pretty_at(v, depth + 1))
                    .sum::<usize>()
        }
        other => size_with(other, None),
    }
}

/// A JSON string's size with its quotes and escapes: `"` and `\` and the short escapes take two
/// bytes, other control characters six (`\u001b`).
fn string_size(s: &str) -> usize {
    2 + s
        .bytes()
        .map(|b| match b {
            b'"' | b'\\' | b'\n' | b'\r' | b'\t' | 0x08 | 0x0c => 2,
            0..=0x1f => 6,
            _ => 1,
        })
        .sum::<usize>()
}

fn megabytes(bytes: usize) -> String {
    format!("{:.2} MB", bytes as f64 / 1_000_000.0)
}

/// Scans one template (and, through its deployments, the templates nested in it); returns its size.
fn template(t: &Json, at: &str, out: &mut Vec<String>) -> usize {
    let count = |key: &str| t.get(key).and_then(Json::as_object).map_or(0, |m| m.len());
    let resources: &[Json] = t.get("resources").and_then(Json::as_array).map_or(&[], Vec::as_slice);
    for (what, n, max) in [
        ("resources", resources.len(), MAX_RESOURCES),
        ("parameters", count("parameters"), MAX_PARAMETERS),
        ("outputs", count("outputs"), MAX_OUTPUTS),
    ] {
        if n > max {
            out.push(format!("{at} has {n} {what}; ARM allows {max}"));
        }
    }
    expressions(t, at, out);
    let mut names: std::collections::HashSet<String> = Default::default();
    let mut sizes = 0;
    for (i, r) in resources.iter().enumerate() {
        let here = format!("{at} resources[{i}]");
        // A nested template is scanned (and measured) once, through its deployment.
        let nested = r
            .pointer("/properties/template")
            .filter(|_| r.get("type").and_then(Json::as_str) == Some("Microsoft.Resources/deployments"));
        let size = match nested {
            Some(inner) => {
                let inner_size = template(inner, &format!("{here}.properties.template"), out);
                size_with(r, Some((inner, inner_size)))
            }
            None => compact_size(r),
        };
        sizes += size;
        if size > MAX_RESOURCE_BYTES {
            out.push(format!(
                "{here} is {}; ARM allows {} per resource definition",
                megabytes(size),
                megabytes(MAX_RESOURCE_BYTES)
            ));
        }
        if r.get("type").and_then(Json::as_str) != Some("Microsoft.Resources/deployments") {
            continue;
        }
        let name = r.get("name").and_then(Json::as_str).unwrap_or_default();
        if name.chars().count() > MAX_DEPLOYMENT_NAME {
            out.push(format!(
                "{here}: deployment name `{name}` has {} characters; ARM allows {MAX_DEPLOYMENT_NAME}",
                name.chars().count()
            ));
        }
        // Deployments into different resource groups or subscriptions may share a name; the
        // compiler never relies on that.
        if !names.insert(name.to_ascii_lowercase()) {
            out.push(format!("{here}: a second deployment named `{name}`"));
        }
    }
    // The template around its resources, with the resources as measured.
    match t.get("resources") {
        Some(list) => size_with(t, Some((list, 2 + resources.len().saturating_sub(1) + sizes))),
        None => compact_size(t),
    }
}

/// Expressions longer than ARM evaluates, outside nested templates (which `template` visits).
fn expressions(t: &Json, at: &str, out: &mut Vec<String>) {
    fn walk(v: &Json, at: &str, out: &mut Vec<String>, top: bool) {
        match v {
            // (Bytes bound characters from above: count characters of long strings only.)
            Json::String(s)
                if s.len() > MAX_EXPRESSION_CHARS
                    && s.starts_with('[')
                    && !s.starts_with("[[")
                    && s.chars().count() > MAX_EXPRESSION_CHARS =>
            {
                out.push(format!(
                    "{at}: an expression of {} characters; ARM allows {MAX_EXPRESSION_CHARS}",
                    s.chars().count()
                ));
            }
            Json::Array(items) => items.iter().for_each(|i| walk(i, at, out, false)),
            Json::Object(map) => {
                for (k, x) in map {
                    // A nested template is scanned on its own.
                    if k == "template" && !top && x.get("resources").is_some() {
                        continue;
                    }
                    walk(x, at, out, false);
                }
            }
            _ => {}
        }
    }
    walk(t, at, out, true);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deployment(name: &str, resources: Vec<Json>) -> Json {
        json!({
            "type": "Microsoft.Resources/deployments",
            "name": name,
            "properties": { "template": { "resources": resources } },
        })
    }

    #[test]
    fn counts_are_per_template_nested_ones_included() {
        let vnet = json!({ "type": "Microsoft.Network/virtualNetworks", "name": "v" });
        let ok = json!({ "resources": [deployment("a", vec![vnet.clone(); 800])] });
        assert!(scan(&ok).is_empty(), "{:?}", scan(&ok));
        let over = json!({ "resources": [deployment("a", vec![vnet; 801])] });
        assert_eq!(
            scan(&over),
            ["main.json resources[0].properties.template has 801 resources; ARM allows 800"]
        );
        let params: serde_json::Map<String, Json> = (0..257)
            .map(|i| (format!("p{i}"), json!({ "type": "string" })))
            .collect();
        let outputs: serde_json::Map<String, Json> = (0..65)
            .map(|i| (format!("o{i}"), json!({ "type": "string", "value": "x" })))
            .collect();
        let t = json!({ "parameters": params, "outputs": outputs, "resources": [] });
        assert_eq!(scan(&t).len(), 2, "{:?}", scan(&t));
    }

    #[test]
    fn deployment_names_fit_and_differ() {
        let long = "x".repeat(65);
        let t = json!({ "resources": [deployment(&long, vec![]), deployment("a", vec![]), deployment("A", vec![])] });
        let found = scan(&t);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].contains("65 characters"), "{found:?}");
        assert!(found[1].contains("a second deployment named `A`"), "{found:?}");
    }

    #[test]
    fn pretty_sizes_are_what_serde_json_writes() {
        let j = serde_json::json!({
            "a": [1, [], {}, {"b": "x\"y", "c": [true, null, 2.5]}],
            "d": {},
            "e": "\u{1b}",
            "f": [[["deep"]]]
        });
        assert_eq!(pretty_size(&j), serde_json::to_string_pretty(&j).unwrap().len());
        for v in [serde_json::json!([]), serde_json::json!({}), serde_json::json!("s")] {
            assert_eq!(pretty_size(&v), serde_json::to_string_pretty(&v).unwrap().len());
        }
    }

    #[test]
    fn sizes_are_measured_without_whitespace() {
        let big = "y".repeat(MAX_RESOURCE_BYTES);
        let t = json!({ "resources": [{ "type": "t", "name": "n", "properties": { "x": big } }] });
        let found = scan(&t);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("per resource definition"), "{found:?}");
        let expr = format!("[concat('{}')]", "z".repeat(MAX_EXPRESSION_CHARS));
        let t = json!({ "resources": [], "outputs": { "o": { "type": "string", "value": expr } } });
        assert!(scan(&t)[0].contains("an expression of"), "{:?}", scan(&t));
        assert_eq!(compact_size(&json!({ "a": [1, 2] })), 11);
        // The scan's own measure of a nested template agrees with writing it out.
        let nested =
            json!({ "resources": [deployment("d", vec![json!({ "type": "t", "name": "n\u{1b}" }); 3])], "x": "é" });
        let mut found = Vec::new();
        assert_eq!(
            template(&nested, "t", &mut found),
            serde_json::to_vec(&nested).unwrap().len()
        );
        let odd = json!({ "k\"": ["\u{1b}x\n", null, true, false, -1.5, "é\\"], "": {} });
        assert_eq!(compact_size(&odd), serde_json::to_vec(&odd).unwrap().len());
    }
}
