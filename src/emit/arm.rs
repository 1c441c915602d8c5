//! ARM JSON, built as serde_json values (never text templates). `main.json` and
//! `main.parameters.json`.

use crate::ir::{Expr, ParamType, Seg, Template, Value};
use serde_json::{json, Map, Value as Json};

pub const TEMPLATE_SCHEMA: &str = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";
pub const PARAMETERS_SCHEMA: &str = "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#";

/// The resource-group template.
pub fn template(t: &Template) -> Json {
    let mut params = Map::new();
    for p in &t.parameters {
        let mut o = Map::new();
        o.insert("type".into(), json!(param_type(p.ty)));
        if let Some(d) = &p.default {
            o.insert("defaultValue".into(), value(t, d));
        }
        o.insert("metadata".into(), json!({ "description": p.description }));
        params.insert(p.name.clone(), Json::Object(o));
    }
    let resources: Vec<Json> = t
        .resources
        .iter()
        .map(|r| {
            let mut o = Map::new();
            o.insert("type".into(), json!(r.rtype));
            o.insert("apiVersion".into(), json!(r.api_version));
            o.insert("name".into(), literal(&t.full_name(&r.symbol).join("/")));
            for (k, v) in &r.body {
                o.insert(k.clone(), value(t, v));
            }
            let deps: Vec<Json> = r
                .needs()
                .iter()
                .map(|s| json!(format!("[{}]", resource_id(t, s))))
                .collect();
            if !deps.is_empty() {
                o.insert("dependsOn".into(), Json::Array(deps));
            }
            Json::Object(o)
        })
        .collect();
    let mut outputs = Map::new();
    for o in &t.outputs {
        outputs.insert(o.name.clone(), json!({ "type": o.ty, "value": value(t, &o.value) }));
    }
    json!({
        "$schema": TEMPLATE_SCHEMA,
        "contentVersion": "1.0.0.0",
        "metadata": {
            "_generator": { "name": env!("CARGO_PKG_NAME"), "version": env!("CARGO_PKG_VERSION") },
            "description": t.description,
        },
        "parameters": params,
        "resources": resources,
        "outputs": outputs,
    })
}

/// The parameters file: every parameter that has a default, with that value, to edit in place.
/// Parameters without a default (an SSH key, a password) are passed at deploy time.
pub fn parameters(t: &Template) -> Json {
    let mut params = Map::new();
    for p in &t.parameters {
        if let Some(d) = &p.default {
            params.insert(p.name.clone(), json!({ "value": value(t, d) }));
        }
    }
    json!({ "$schema": PARAMETERS_SCHEMA, "contentVersion": "1.0.0.0", "parameters": params })
}

/// Pretty JSON with a final newline: stable bytes for review and diffs.
pub fn to_text(j: &Json) -> String {
    let mut s = serde_json::to_string_pretty(j).expect("JSON values always serialize");
    s.push('\n');
    s
}

fn param_type(ty: ParamType) -> &'static str {
    match ty {
        ParamType::String => "string",
        ParamType::SecureString => "securestring",
        ParamType::Object => "object",
    }
}

fn value(t: &Template, v: &Value) -> Json {
    match v {
        Value::Bool(b) => json!(b),
        Value::Int(i) => json!(i),
        Value::Str(s) => literal(s),
        Value::Array(items) => Json::Array(items.iter().map(|i| value(t, i)).collect()),
        Value::Object(map) => Json::Object(map.iter().map(|(k, v)| (k.clone(), value(t, v))).collect()),
        Value::Expr(e) => json!(format!("[{}]", expr(t, e))),
    }
}

/// A literal string; one that starts with `[` gets a second `[` so ARM does not evaluate it.
fn literal(s: &str) -> Json {
    if s.starts_with('[') {
        json!(format!("[{s}"))
    } else {
        json!(s)
    }
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// `resourceId('type', 'name1', 'name2')` of a resource of the template.
fn resource_id(t: &Template, symbol: &str) -> String {
    let r = t.resource(symbol);
    let names: Vec<String> = t.full_name(symbol).iter().map(|n| quote(n)).collect();
    format!("resourceId({}, {})", quote(r.rtype), names.join(", "))
}

fn path(segs: &[Seg]) -> String {
    segs.iter()
        .map(|s| match s {
            Seg::Key(k) => format!(".{k}"),
            Seg::Index(i) => format!("[{i}]"),
        })
        .collect()
}

fn expr(t: &Template, e: &Expr) -> String {
    match e {
        Expr::Param(p) => format!("parameters({})", quote(p)),
        Expr::Id(s) => resource_id(t, s),
        Expr::ChildId(s, seg, name) => {
            let r = t.resource(s);
            let mut names: Vec<String> = t.full_name(s).iter().map(|n| quote(n)).collect();
            names.push(quote(name));
            format!(
                "resourceId({}, {})",
                quote(&format!("{}/{seg}", r.rtype)),
                names.join(", ")
            )
        }
        Expr::Prop(s, segs) => {
            let r = t.resource(s);
            format!(
                "reference({}, {}){}",
                resource_id(t, s),
                quote(r.api_version),
                path(segs)
            )
        }
        Expr::ReferenceOf {
            target,
            api_version,
            path: segs,
        } => {
            format!("reference({}, {}){}", expr(t, target), quote(api_version), path(segs))
        }
        Expr::Format(text, args) => {
            let args: Vec<String> = args.iter().map(|a| expr(t, a)).collect();
            format!("format({}, {})", quote(text), args.join(", "))
        }
        Expr::TenantId => "subscription().tenantId".into(),
    }
}
