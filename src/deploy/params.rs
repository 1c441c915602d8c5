//! Template parameter values from `--parameter KEY=VALUE` and `KEY=@FILE`, checked against the
//! template's `parameters` before anything is sent: unknown names (with a suggestion), values of
//! the wrong type, and required parameters (no `defaultValue`) that have no value.
//!
//! Parameters that are not given are not sent: Azure applies their `defaultValue` (which may be
//! an expression). Values are typed by the parameter's declared type: `string`/`securestring`
//! take the text as is (a file's content without its final newline), `int` and `bool` are
//! parsed, `object`/`secureObject`/`array` are JSON.

use super::error::Error;
use serde_json::{Map, Value};
use std::path::PathBuf;

/// The largest `@FILE` value: Resource Manager takes at most 4 MB of request body.
const MAX_FILE: u64 = 4 * 1024 * 1024;

/// A `--parameter` argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assignment {
    pub name: String,
    pub value: Source,
}

#[derive(Clone, PartialEq, Eq)]
pub enum Source {
    Literal(String),
    /// `@FILE`: the file's content.
    File(PathBuf),
}

/// Never shows a literal value: it may be a password.
impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Literal(_) => f.write_str("Literal(***)"),
            Source::File(p) => write!(f, "File({})", p.display()),
        }
    }
}

impl std::str::FromStr for Assignment {
    type Err = String;

    fn from_str(s: &str) -> Result<Assignment, String> {
        let Some((name, value)) = s.split_once('=') else {
            return Err("expected KEY=VALUE or KEY=@FILE".into());
        };
        let name = name.trim();
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return Err(format!("`{name}` is not a parameter name"));
        }
        let value = match value.strip_prefix('@') {
            Some(path) if !path.is_empty() => Source::File(PathBuf::from(path)),
            _ => Source::Literal(value.to_string()),
        };
        Ok(Assignment {
            name: name.to_string(),
            value,
        })
    }
}

/// The parameter values to send, by the template's own spelling of each name.
pub fn resolve(template: &Value, given: &[Assignment]) -> Result<Map<String, Value>, Error> {
    let declared: Map<String, Value> = template
        .get("parameters")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut out = Map::new();
    for a in given {
        // ARM parameter names are case-insensitive.
        let Some((name, decl)) = declared.iter().find(|(k, _)| k.eq_ignore_ascii_case(&a.name)) else {
            let mut msg = format!("the template has no parameter `{}`", a.name);
            match crate::diag::suggest(&a.name, declared.keys().map(String::as_str)) {
                Some(s) => msg.push_str(&format!("; did you mean `{s}`?")),
                None if declared.is_empty() => msg.push_str("; it takes no parameters"),
                None => msg.push_str(&format!(
                    "; it has {}",
                    declared.keys().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
                )),
            }
            return Err(Error::Usage(msg));
        };
        let ty = decl
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("string")
            .to_ascii_lowercase();
        let text = match &a.value {
            Source::Literal(s) => s.clone(),
            Source::File(p) => {
                let t = crate::input::read_text(p, MAX_FILE)
                    .map_err(|e| Error::File(format!("cannot read {} (for parameter `{name}`): {e}", p.display())))?;
                let t = t.strip_suffix('\n').unwrap_or(&t);
                t.strip_suffix('\r').unwrap_or(t).to_string()
            }
        };
        out.insert(name.clone(), typed(name, &ty, text)?);
    }
    let missing: Vec<&String> = declared
        .iter()
        .filter(|(k, d)| d.get("defaultValue").is_none() && !out.contains_key(*k))
        .map(|(k, _)| k)
        .collect();
    if !missing.is_empty() {
        let list: Vec<String> = missing.iter().map(|k| format!("`{k}`")).collect();
        let example = missing[0];
        let how = if example.to_ascii_lowercase().contains("sshpublickey") {
            format!("--parameter {example}=@$HOME/.ssh/id_ed25519.pub")
        } else {
            format!("--parameter {example}=VALUE")
        };
        return Err(Error::Usage(format!(
            "the template needs a value for {} (no default); pass it with `{how}`",
            list.join(", ")
        )));
    }
    Ok(out)
}

fn typed(name: &str, ty: &str, text: String) -> Result<Value, Error> {
    let bad = |why: String| Error::Usage(format!("parameter `{name}` ({ty}): {why}"));
    match ty {
        "string" | "securestring" => Ok(Value::String(text)),
        "int" => text
            .trim()
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| bad("expected a whole number".into())),
        "bool" => match text.trim().to_ascii_lowercase().as_str() {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(bad("expected true or false".into())),
        },
        "object" | "secureobject" | "array" => {
            let v: Value = serde_json::from_str(&text).map_err(|e| bad(format!("expected JSON: {e}")))?;
            let ok = if ty == "array" { v.is_array() } else { v.is_object() };
            if ok {
                Ok(v)
            } else {
                Err(bad(format!(
                    "expected a JSON {}",
                    if ty == "array" { "array" } else { "object" }
                )))
            }
        }
        other => Err(bad(format!("unknown parameter type `{other}`"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn a(s: &str) -> Assignment {
        s.parse().unwrap()
    }

    fn template() -> Value {
        json!({"parameters": {
            "location": {"type": "string", "defaultValue": "eastus"},
            "jumpboxSshPublicKey": {"type": "string"},
            "count": {"type": "int", "defaultValue": 1},
            "flag": {"type": "bool", "defaultValue": false},
            "tags": {"type": "object", "defaultValue": {}},
            "password": {"type": "securestring", "defaultValue": ""}
        }})
    }

    #[test]
    fn parses_assignments() {
        assert_eq!(a("k=v=w").value, Source::Literal("v=w".into()));
        assert_eq!(a("k=@f.pub").value, Source::File("f.pub".into()));
        assert_eq!(a("k=").value, Source::Literal(String::new()));
        assert!("novalue".parse::<Assignment>().is_err());
        assert!("bad name=x".parse::<Assignment>().is_err());
        assert_eq!(
            format!("{:?}", a("password=hunter2")),
            "Assignment { name: \"password\", value: Literal(***) }"
        );
    }

    #[test]
    fn types_values_and_fixes_case() {
        let got = resolve(
            &template(),
            &[
                a("JUMPBOXSSHPUBLICKEY=ssh-ed25519 AAAA"),
                a("count=3"),
                a("flag=TRUE"),
                a("tags={\"a\":\"b\"}"),
            ],
        )
        .unwrap();
        assert_eq!(
            Value::Object(got),
            json!({"jumpboxSshPublicKey": "ssh-ed25519 AAAA", "count": 3, "flag": true, "tags": {"a": "b"}})
        );
    }

    #[test]
    fn refuses_unknown_wrong_and_missing() {
        let e = resolve(&template(), &[a("jumpboxSshPublicKy=x")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("did you mean `jumpboxSshPublicKey`"), "{e}");
        let e = resolve(&template(), &[a("jumpboxSshPublicKey=x"), a("count=many")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("whole number"), "{e}");
        let e = resolve(&template(), &[]).unwrap_err().to_string();
        assert!(e.contains("`jumpboxSshPublicKey` (no default)"), "{e}");
        assert!(e.contains("=@$HOME/.ssh/id_ed25519.pub"), "{e}");
        let e = resolve(&template(), &[a("jumpboxSshPublicKey=@/nonexistent/key.pub")]).unwrap_err();
        assert!(matches!(e, Error::File(_)), "{e:?}");
    }
}
