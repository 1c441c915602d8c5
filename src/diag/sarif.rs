//! Diagnostics as SARIF 2.1.0, the format GitHub code scanning reads to annotate pull requests.
//! Every code of `codes::ALL` is a rule of the tool; each diagnostic is a result pointing at its
//! file region, with the YAML path as its logical location.

use super::{Diagnostic, Severity};
use crate::codes;
use serde_json::{json, Map, Value};

pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// `file` is the path as given on the command line; SARIF wants a relative URI with `/`.
pub fn render(file: &str, diags: &[Diagnostic]) -> String {
    let uri = file.replace('\\', "/");
    let uri = uri.strip_prefix("./").unwrap_or(&uri).to_string();
    let rules: Vec<Value> = codes::ALL
        .iter()
        .map(|c| {
            json!({
                "id": c.code,
                "name": rule_name(c.title),
                "shortDescription": { "text": c.title },
                "fullDescription": { "text": c.explanation },
                "help": { "text": format!("{}\n\nRun `aoai-vnet explain {}` for details.", c.explanation, c.code) },
                "defaultConfiguration": { "level": level(c.severity) },
            })
        })
        .collect();
    let results: Vec<Value> = diags
        .iter()
        .map(|d| {
            let mut text = d.message.clone();
            if let Some(h) = &d.help {
                text.push_str(&format!(" (help: {h})"));
            }
            let mut physical = Map::new();
            physical.insert("artifactLocation".into(), json!({ "uri": uri }));
            if let Some(s) = d.span {
                let end_col = if s.end.line == s.start.line && s.end.col > s.start.col { s.end.col } else { s.start.col + 1 };
                physical.insert(
                    "region".into(),
                    json!({ "startLine": s.start.line, "startColumn": s.start.col, "endLine": s.start.line, "endColumn": end_col }),
                );
            }
            let mut location = Map::new();
            location.insert("physicalLocation".into(), Value::Object(physical));
            if let Some(p) = d.path.as_ref().filter(|p| !p.is_empty()) {
                location.insert("logicalLocations".into(), json!([{ "fullyQualifiedName": p, "kind": "member" }]));
            }
            json!({
                "ruleId": d.code,
                "ruleIndex": codes::ALL.iter().position(|c| c.code == d.code),
                "level": level(d.severity),
                "message": { "text": text },
                "locations": [Value::Object(location)],
            })
        })
        .collect();
    let doc = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": env!("CARGO_PKG_NAME"),
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "results": results,
            "columnKind": "unicodeCodePoints",
        }],
    });
    let mut s = serde_json::to_string_pretty(&doc).expect("JSON values serialize");
    s.push('\n');
    s
}

/// `not a network address` -> `NotANetworkAddress` (SARIF rule names are identifiers).
fn rule_name(title: &str) -> String {
    title
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}
