//! Diagnostics as JSON for scripts: an array with one object per diagnostic.
//!
//! Shape (stable): `{ "severity": "error"|"warning", "code", "message", "file", "line",
//! "column", "end_line", "end_column", "path", "help" }`; `line`, `column`, `end_*`, `path` and
//! `help` are `null` when unknown. Lines and columns are 1-based, columns count characters.

use super::Diagnostic;
use serde_json::{json, Value};

pub fn render(file: &str, diags: &[Diagnostic]) -> String {
    let items: Vec<Value> = diags
        .iter()
        .map(|d| {
            json!({
                "severity": d.severity.as_str(),
                "code": d.code,
                "message": d.message,
                "file": file,
                "line": d.span.map(|s| s.start.line),
                "column": d.span.map(|s| s.start.col),
                "end_line": d.span.map(|s| s.end.line),
                "end_column": d.span.map(|s| s.end.col),
                "path": d.path,
                "help": d.help,
            })
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&Value::Array(items)).expect("JSON values serialize");
    s.push('\n');
    s
}
