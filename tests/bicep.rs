//! The Bicep form says what the ARM form says.
//!
//! A small, strict reader for the Bicep the writer produces turns `main.bicep` back into
//! ARM-shaped JSON: every resource with its type, API version, full name (`parent` chains joined
//! with `/`), properties and effective dependencies (parent, the resources its properties refer
//! to, `dependsOn`); the parameters; the outputs. ARM's expressions and Bicep's are both reduced
//! to one canonical form (`resourceId(...)` and `sym.id` or `vnet::subnet.id`, `parameters('x')`
//! and `x`, `format()` and interpolation, `reference(resourceId(...), v)` and `sym.properties`, a
//! literal resource ID and an `existing` resource with its scope, the `tags` variable and its
//! value), then the two forms are compared. The reader accepts only the layout the writer promises
//! (one entry per line, escapes Bicep defines) and fails on anything else, so a printer bug (a
//! dropped property, a quote left unescaped, a missing dependency) fails the comparison; the
//! `mutations_are_caught` test shows it does.

mod common;
use aoai_vnet::{compile, source::SourceFile, Target};
use common::*;
use serde_json::{json, Map, Value as Json};
use std::collections::BTreeSet;

// ------------------------------------------------------------------ the cases

#[test]
fn every_example_says_the_same_in_bicep_and_arm() {
    let mut compared = 0;
    for path in examples() {
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let name = format!("examples/{stem}.yaml");
        let text = std::fs::read_to_string(&path).unwrap();
        let Some(files) = build(&name, &text) else {
            assert_no_bicep_only_for_nested_layouts(&name, &text);
            continue;
        };
        if let Err(e) = equivalent(&files) {
            panic!("{stem}: the Bicep and ARM forms differ:\n{e}");
        }
        compared += 1;
    }
    assert!(compared >= 8, "only {compared} examples compared");
}

/// Bicep is left out only where ARM needs nested deployments (Bicep modules are not generated
/// yet), and then the build says so; a flat template always gets its Bicep.
fn assert_no_bicep_only_for_nested_layouts(name: &str, text: &str) {
    let (c, _) = compile(&SourceFile::new(name.to_string(), text.to_string()), Target::All);
    let c = c.unwrap();
    let arm: Json = serde_json::from_str(&c.files[0].text).unwrap();
    let nested = arm["resources"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["type"] == "Microsoft.Resources/deployments");
    assert!(nested, "{name}: no Bicep for a flat template");
    assert!(
        c.notes.iter().any(|n| n.starts_with("no Bicep is written")),
        "{name}: {:?}",
        c.notes
    );
}

/// Strings that need every escape Bicep has, in tag names and values (which go into every
/// resource, the `tags` variable, and so through the whole printer).
const AWKWARD: &str = r#"
name: quoting
location: westeurope
tags:
  "it's": "a 'quoted' value, a back\\slash and a trailing one\\"
  cost-center: "${notAnExpression} and $ {spaced} and $${double}"
  "${key}": "tab\there, newline\nthere, bell\u0007, Zürich – ok"
  "core.windows.net": "https://login.microsoftonline.com/x"
  plain: "'''"
vnets:
  main:
    address_space: 10.0.0.0/16
openai: {}
jumpbox: { vnet: main, image: windows-2022 }
"#;

#[test]
fn awkward_strings_survive_the_round_trip() {
    let files = build("awkward.yaml", AWKWARD).unwrap();
    equivalent(&files).unwrap_or_else(|e| panic!("{e}"));
    let bicep = &files.bicep;
    for line in [
        r"  'it\'s': 'a \'quoted\' value, a back\\slash and a trailing one\u{5C}'",
        r"  'cost-center': '\${notAnExpression} and $ {spaced} and $\${double}'",
        r"  '\${key}': 'tab\there, newline\nthere, bell\u{7}, Zürich – ok'",
        r"  plain: '\'\'\''",
        // A host that the linter's no-hardcoded-env-urls flags: the suppression, with its reason.
        "  #disable-next-line no-hardcoded-env-urls\n  'core.windows.net': 'https://login.microsoftonline.com/x'",
    ] {
        assert!(bicep.contains(&format!("\n{line}\n")), "{line} not in:\n{bicep}");
    }
}

#[test]
fn unused_parameters_are_left_out() {
    // Every resource has a region of its own, so the default `location` is used by nothing.
    let text = "name: elsewhere\nlocation: eastus\nvnets:\n  main:\n    address_space: 10.0.0.0/16\n    location: westus2\nopenai:\n  location: swedencentral\n";
    let files = build("elsewhere.yaml", text).unwrap();
    assert!(files.arm["parameters"].get("location").is_some());
    assert!(!files.bicep.contains("param location "), "{}", files.bicep);
    assert!(!files.bicepparam.contains("param location "), "{}", files.bicepparam);
    equivalent(&files).unwrap();
}

#[test]
fn shared_tags_are_one_variable() {
    let files = example("guide");
    assert!(files
        .bicep
        .contains("var tags = {\n  env: 'dev'\n  owner: 'platform'\n}\n"));
    let tagged = files.arm["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r.get("tags").is_some())
        .count();
    assert!(tagged > 0);
    assert_eq!(files.bicep.matches("\n  tags: tags\n").count(), tagged);
    let files = example("minimal");
    assert!(!files.bicep.contains("tags"), "no tags, no variable (no-unused-vars)");
}

#[test]
fn mutations_are_caught() {
    let guide = example("guide");
    let hub = example("hub-spoke-vpn");
    let existing = example("existing-dns");
    let no_dns = example("no-dns");
    let awkward = build("awkward.yaml", AWKWARD).unwrap();
    for f in [&guide, &hub, &existing, &no_dns, &awkward] {
        equivalent(f).unwrap();
    }
    let cases: &[(&str, &Files, &str, &str)] = &[
        ("a dropped property", &guide, "    disableLocalAuth: true\n", ""),
        ("a changed value", &guide, "capacity: 20", "capacity: 21"),
        (
            "a wrong API version",
            &guide,
            "accounts@2025-06-01' = {",
            "accounts@2024-10-01' = {",
        ),
        (
            "a dropped dependsOn",
            &guide,
            "  dependsOn: [\n    deploymentGpt4o\n  ]\n",
            "",
        ),
        (
            "a dropped parent",
            &guide,
            "  parent: account\n  name: 'gpt-4o'",
            "  name: 'gpt-4o'",
        ),
        (
            "a wrong subnet",
            &guide,
            "vnetMain::defaultSubnet.id",
            "vnetMain::privateEndpointsSubnet.id",
        ),
        (
            "a wrong reference",
            &guide,
            "account.properties.endpoint",
            "account.properties.endpoints",
        ),
        ("an unescaped quote", &awkward, r"'it\'s'", "'it's'"),
        ("an unescaped interpolation", &awkward, r"'\${key}'", "'${key}'"),
        ("a lost escape", &awkward, r"newline\nthere", "newlinenthere"),
        (
            "two entries on one line",
            &guide,
            "    name: 'S0'\n  }\n  kind:",
            "    name: 'S0'\n  } kind:",
        ),
        (
            "a wrong indentation",
            &guide,
            "\n    disableLocalAuth: true\n",
            "\n     disableLocalAuth: true\n",
        ),
        ("a missing @secure()", &no_dns, "@secure()\n", ""),
        (
            "a peering ordering",
            &hub,
            "    vpnGateway\n    peerHubToWeb\n",
            "    vpnGateway\n",
        ),
        ("a wrong zone scope", &existing, "'rg-dns')", "'rg-other')"),
        (
            "a wrong parameter value",
            &guide,
            "param location = 'eastus'",
            "param location = 'westus'",
        ),
        (
            "an unset parameter",
            &guide,
            "param jumpboxSshPublicKey = envJumpboxSshPublicKey\n",
            "",
        ),
        ("a wrong variable", &guide, "'JUMPBOX_SSH_PUBLIC_KEY'", "'SSH_KEY'"),
        (
            "a dropped output",
            &guide,
            "@description('Resource ID of the Azure OpenAI account.')\noutput openaiAccountId string = account.id\n",
            "",
        ),
    ];
    for (what, f, from, to) in cases {
        let mut m = (*f).clone();
        let target = if m.bicep.contains(from) {
            &mut m.bicep
        } else {
            &mut m.bicepparam
        };
        assert!(target.contains(from), "{what}: `{from}` not found");
        *target = target.replacen(from, to, 1);
        assert!(equivalent(&m).is_err(), "{what} went unnoticed");
    }
}

#[test]
fn unnecessary_depends_on_is_refused() {
    let mut files = example("guide");
    // The link refers to the VNet; listing it again is what no-unnecessary-dependson flags.
    files.bicep = files.bicep.replacen(
        "      id: vnetMain.id\n    }\n  }\n}",
        "      id: vnetMain.id\n    }\n  }\n  dependsOn: [\n    vnetMain\n  ]\n}",
        1,
    );
    let e = equivalent(&files).unwrap_err();
    assert!(e.contains("already implied"), "{e}");
}

// ------------------------------------------------------------------ the comparison

#[derive(Clone)]
struct Files {
    arm: Json,
    arm_params: Json,
    bicep: String,
    bicepparam: String,
}

/// The four files of a topology; `None` when it gets no Bicep.
fn build(name: &str, text: &str) -> Option<Files> {
    let (c, diags) = compile(&SourceFile::new(name.to_string(), text.to_string()), Target::All);
    let c = c.unwrap_or_else(|| panic!("{name} does not build: {diags:?}"));
    let get = |n: &str| c.files.iter().find(|f| f.name == n).map(|f| f.text.clone());
    Some(Files {
        arm: serde_json::from_str(&get("main.json")?).unwrap(),
        arm_params: serde_json::from_str(&get("main.parameters.json")?).unwrap(),
        bicep: get("main.bicep")?,
        bicepparam: get("main.bicepparam")?,
    })
}

/// An example's four files.
fn example(stem: &str) -> Files {
    let name = format!("examples/{stem}.yaml");
    let text = std::fs::read_to_string(repo().join(&name)).unwrap();
    build(&name, &text).expect("Bicep is written")
}

fn equivalent(f: &Files) -> Result<(), String> {
    let decls = Parser::new(&f.bicep).file().map_err(|e| format!("main.bicep: {e}"))?;
    let env = Env::new(&decls)?;
    let mut errs = Vec::new();
    let arm = &f.arm;

    check(
        &mut errs,
        "metadata description".into(),
        arm["metadata"]["description"].clone(),
        env.metadata
            .get("description")
            .map(|b| env.json(b))
            .unwrap_or(Err("missing".into())),
    );

    // Parameters: those main.json uses (Bicep leaves out one nothing refers to, linter rule
    // no-unused-params), in the same order, with the same types, defaults and descriptions.
    let arm_params = arm["parameters"].as_object().unwrap();
    let arm_text = format!("{}{}", arm["resources"], arm["outputs"]);
    let used: Vec<&String> = arm_params
        .keys()
        .filter(|k| arm_text.contains(&format!("parameters('{k}')")))
        .collect();
    check(
        &mut errs,
        "parameter names".into(),
        json!(used),
        Ok(json!(env.params.iter().map(|p| &p.name).collect::<Vec<_>>())),
    );
    for p in &env.params {
        let Some(a) = arm_params.get(&p.name) else { continue };
        let mut o = Map::new();
        o.insert(
            "type".into(),
            json!(if p.secure { "securestring" } else { p.ty.as_str() }),
        );
        if let Some(d) = &p.default {
            match env.json(d) {
                Ok(v) => {
                    o.insert("defaultValue".into(), v);
                }
                Err(e) => errs.push(format!("parameter {}: {e}", p.name)),
            }
        }
        o.insert("metadata".into(), json!({ "description": p.description }));
        if p.secure && p.default.is_some() {
            errs.push(format!("parameter {}: a secure parameter with a default", p.name));
        }
        check(
            &mut errs,
            format!("parameter {}", p.name),
            canon_arm(a),
            Ok(Json::Object(o)),
        );
    }

    // Resources: the same list, each with the same fields and the same dependencies.
    let arm_res = arm["resources"].as_array().unwrap();
    let deployed: Vec<&Res> = env.resources.iter().filter(|r| !r.existing).collect();
    check(
        &mut errs,
        "resources".into(),
        json!(arm_res
            .iter()
            .map(|r| format!("{} {}", r["type"], r["name"]))
            .collect::<Vec<_>>()),
        Ok(json!(deployed
            .iter()
            .map(|r| format!("{} {}", json!(r.rtype), json!(env.full_name(r).join("/"))))
            .collect::<Vec<_>>())),
    );
    for (a, r) in arm_res.iter().zip(&deployed) {
        let mut a = canon_arm(a);
        let arm_deps: BTreeSet<String> = a
            .as_object_mut()
            .unwrap()
            .remove("dependsOn")
            .map(|d| d.as_array().unwrap().iter().map(|x| expr_text(x.clone())).collect())
            .unwrap_or_default();
        check(&mut errs, format!("resource {}", r.sym), a, env.resource_json(r));
        match env.dependencies(r) {
            Ok(deps) => check(
                &mut errs,
                format!("dependencies of {}", r.sym),
                json!(arm_deps),
                Ok(json!(deps)),
            ),
            Err(e) => errs.push(format!("dependencies of {}: {e}", r.sym)),
        }
    }

    // Outputs: names, types and values; each with a description.
    let arm_out = arm["outputs"].as_object().unwrap();
    check(
        &mut errs,
        "output names".into(),
        json!(arm_out.keys().collect::<Vec<_>>()),
        Ok(json!(env.outputs.iter().map(|o| &o.0).collect::<Vec<_>>())),
    );
    for (name, ty, value, description) in &env.outputs {
        let Some(a) = arm_out.get(name) else { continue };
        let b = env.json(value).map(|v| json!({ "type": ty, "value": v }));
        check(&mut errs, format!("output {name}"), canon_arm(a), b);
        if description.as_deref().unwrap_or("").is_empty() {
            errs.push(format!("output {name} has no description"));
        }
    }

    // The parameters file: the values of main.parameters.json, and an environment variable for
    // every parameter without a default.
    match Parser::new(&f.bicepparam).file() {
        Err(e) => errs.push(format!("main.bicepparam: {e}")),
        Ok(pdecls) => {
            let penv = Env::new(&pdecls)?;
            if penv.using.as_deref() != Some("main.bicep") {
                errs.push(format!("main.bicepparam: using {:?}", penv.using));
            }
            let set: Vec<&String> = penv.params.iter().map(|p| &p.name).collect();
            check(
                &mut errs,
                "main.bicepparam parameters".into(),
                json!(env.params.iter().map(|p| &p.name).collect::<Vec<_>>()),
                Ok(json!(set)),
            );
            let values = f.arm_params["parameters"].as_object().unwrap();
            for p in &penv.params {
                let v = p.default.as_ref().expect("param x = value");
                let declared = env.params.iter().find(|q| q.name == p.name);
                match (values.get(&p.name), declared.and_then(|d| d.default.as_ref())) {
                    (Some(a), Some(_)) => check(
                        &mut errs,
                        format!("main.bicepparam {}", p.name),
                        canon_arm(&a["value"]),
                        penv.json(v),
                    ),
                    (None, None) => match penv.env_var(v) {
                        Some(var) => {
                            let want = screaming_snake(&p.name);
                            if var != want {
                                errs.push(format!("main.bicepparam {}: reads {var}, not {want}", p.name));
                            }
                        }
                        None => errs.push(format!("main.bicepparam {}: not read from the environment", p.name)),
                    },
                    _ => errs.push(format!("main.bicepparam {}: not a parameter with a default", p.name)),
                }
            }
        }
    }

    if errs.is_empty() {
        Ok(())
    } else {
        Err(errs.join("\n"))
    }
}

fn check(errs: &mut Vec<String>, what: String, arm: Json, bicep: Result<Json, String>) {
    match bicep {
        Ok(b) if b == arm => {}
        Ok(b) => errs.push(format!("{what}:\n  ARM:   {arm}\n  Bicep: {b}")),
        Err(e) => errs.push(format!("{what}: {e}")),
    }
}

fn screaming_snake(s: &str) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

// ------------------------------------------------------------------ the canonical form

/// An expression of either language, reduced to one form.
#[derive(Clone, Debug, PartialEq)]
enum C {
    Lit(Json),
    Param(String),
    /// The ID of a resource of the template: type, names.
    Id(String, Vec<String>),
    /// `reference(target, apiVersion)`.
    Ref(Box<C>, String),
    Member(Box<C>, String),
    Index(Box<C>, i64),
    Call(String, Vec<C>),
    Concat(Vec<C>),
}

impl C {
    fn json(self) -> Json {
        match self {
            C::Lit(j) => j,
            other => json!({ "$expr": format!("{other:?}") }),
        }
    }
}

/// The canonical text of an expression (for sets and messages).
fn expr_text(j: Json) -> String {
    match j.get("$expr") {
        Some(Json::String(s)) => s.clone(),
        _ => j.to_string(),
    }
}

/// Adjacent literals merged; one part is that part.
fn concat(parts: Vec<C>) -> C {
    let mut out: Vec<C> = Vec::new();
    for p in parts.into_iter().filter(|p| *p != C::Lit(json!(""))) {
        match (out.last_mut(), p) {
            (Some(C::Lit(Json::String(a))), C::Lit(Json::String(b))) => a.push_str(&b),
            (_, p) => out.push(p),
        }
    }
    match out.len() {
        0 => C::Lit(json!("")),
        1 => out.pop().unwrap(),
        _ => C::Concat(out),
    }
}

/// ARM `format()` text split at its placeholders.
fn split_format(text: &str, args: Vec<C>) -> Result<C, String> {
    let mut parts = Vec::new();
    let mut lit = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek()) {
            ('{', Some('{')) | ('}', Some('}')) => {
                chars.next();
                lit.push(c);
            }
            ('{', _) => {
                let n: String = chars.by_ref().take_while(|c| *c != '}').collect();
                let n: usize = n.parse().map_err(|_| format!("bad placeholder in {text}"))?;
                parts.push(C::Lit(json!(std::mem::take(&mut lit))));
                parts.push(args.get(n).cloned().ok_or("missing format argument")?);
            }
            _ => lit.push(c),
        }
    }
    parts.push(C::Lit(json!(lit)));
    Ok(concat(parts))
}

/// An ARM template value with its expressions in canonical form.
fn canon_arm(v: &Json) -> Json {
    match v {
        Json::String(s) if s.starts_with("[[") => json!(s[1..]),
        Json::String(s) if s.starts_with('[') && s.ends_with(']') => {
            let mut p = ArmParser {
                s: &s.as_bytes()[1..s.len() - 1],
                i: 0,
            };
            let e = p.expr().and_then(|e| {
                if p.i == p.s.len() {
                    Ok(e)
                } else {
                    Err("trailing text".into())
                }
            });
            match e.and_then(arm_canon) {
                Ok(c) => c.json(),
                Err(e) => panic!("ARM expression {s}: {e}"),
            }
        }
        Json::Array(items) => Json::Array(items.iter().map(canon_arm).collect()),
        Json::Object(map) => Json::Object(map.iter().map(|(k, v)| (k.clone(), canon_arm(v))).collect()),
        other => other.clone(),
    }
}

#[derive(Debug)]
enum A {
    Str(String),
    Int(i64),
    Call(String, Vec<A>),
    Member(Box<A>, String),
    Index(Box<A>, Box<A>),
}

struct ArmParser<'a> {
    s: &'a [u8],
    i: usize,
}

impl ArmParser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn expect(&mut self, c: u8) -> Result<(), String> {
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            Err(format!("expected `{}` at {}", c as char, self.i))
        }
    }
    fn ident(&mut self) -> String {
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_') {
            self.i += 1;
        }
        String::from_utf8(self.s[start..self.i].to_vec()).unwrap()
    }
    fn expr(&mut self) -> Result<A, String> {
        let mut e = match self.peek() {
            Some(b'\'') => {
                self.i += 1;
                let mut out = Vec::new();
                loop {
                    match self.peek() {
                        None => return Err("unterminated string".into()),
                        Some(b'\'') if self.s.get(self.i + 1) == Some(&b'\'') => {
                            out.push(b'\'');
                            self.i += 2;
                        }
                        Some(b'\'') => {
                            self.i += 1;
                            break;
                        }
                        Some(c) => {
                            out.push(c);
                            self.i += 1;
                        }
                    }
                }
                A::Str(String::from_utf8(out).unwrap())
            }
            Some(c) if c.is_ascii_digit() => A::Int(self.ident().parse().map_err(|_| "bad number")?),
            Some(c) if c.is_ascii_alphabetic() => {
                let name = self.ident();
                self.expect(b'(')?;
                let mut args = Vec::new();
                while self.peek() != Some(b')') {
                    if !args.is_empty() {
                        self.expect(b',')?;
                        self.expect(b' ')?;
                    }
                    args.push(self.expr()?);
                }
                self.i += 1;
                A::Call(name, args)
            }
            _ => return Err(format!("unexpected text at {}", self.i)),
        };
        loop {
            match self.peek() {
                Some(b'.') => {
                    self.i += 1;
                    e = A::Member(Box::new(e), self.ident());
                }
                Some(b'[') => {
                    self.i += 1;
                    let idx = self.expr()?;
                    self.expect(b']')?;
                    e = A::Index(Box::new(e), Box::new(idx));
                }
                _ => return Ok(e),
            }
        }
    }
}

fn arm_canon(a: A) -> Result<C, String> {
    Ok(match a {
        A::Str(s) => C::Lit(json!(s)),
        A::Int(i) => C::Lit(json!(i)),
        A::Member(b, f) => C::Member(Box::new(arm_canon(*b)?), f),
        A::Index(b, i) => match *i {
            A::Int(n) => C::Index(Box::new(arm_canon(*b)?), n),
            other => return Err(format!("index {other:?}")),
        },
        A::Call(name, args) => {
            let mut args = args.into_iter();
            match name.as_str() {
                "parameters" => match args.next() {
                    Some(A::Str(p)) => C::Param(p),
                    _ => return Err("parameters()".into()),
                },
                "resourceId" => {
                    let mut strs = args.map(|a| match a {
                        A::Str(s) => Ok(s),
                        other => Err(format!("resourceId argument {other:?}")),
                    });
                    let ty = strs.next().ok_or("resourceId()")??;
                    C::Id(ty, strs.collect::<Result<_, _>>()?)
                }
                "reference" => {
                    let target = arm_canon(args.next().ok_or("reference()")?)?;
                    match args.next() {
                        Some(A::Str(api)) => C::Ref(Box::new(target), api),
                        _ => return Err("reference() without an API version".into()),
                    }
                }
                "format" => {
                    let Some(A::Str(text)) = args.next() else {
                        return Err("format()".into());
                    };
                    split_format(&text, args.map(arm_canon).collect::<Result<_, _>>()?)?
                }
                _ => C::Call(name, args.map(arm_canon).collect::<Result<_, _>>()?),
            }
        }
    })
}

// ------------------------------------------------------------------ the Bicep reader

#[derive(Clone, Debug)]
enum B {
    Str(Vec<Part>),
    Int(i64),
    Bool(bool),
    Ident(String),
    Call(String, Vec<B>),
    Member(Box<B>, String),
    /// `parent::child`
    Nested(Box<B>, String),
    Index(Box<B>, Box<B>),
    Array(Vec<B>),
    Object(Vec<(String, B)>),
}

#[derive(Clone, Debug)]
enum Part {
    Lit(String),
    Expr(B),
}

#[derive(Debug)]
struct Decl {
    keyword: String,
    decorators: Vec<(String, Vec<B>)>,
    name: String,
    /// The type of a param or output; `type@apiVersion` of a resource.
    ty: Option<String>,
    existing: bool,
    value: Option<B>,
    /// Resources declared inside a resource.
    children: Vec<Decl>,
}

struct Parser {
    s: Vec<char>,
    i: usize,
}

type R<T> = Result<T, String>;

impl Parser {
    fn new(text: &str) -> Self {
        Parser {
            s: text.chars().collect(),
            i: 0,
        }
    }

    fn err<T>(&self, msg: &str) -> R<T> {
        let before: String = self.s[..self.i.min(self.s.len())].iter().collect();
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        let text: String = before.rsplit('\n').next().unwrap_or("").to_string()
            + &self.s[self.i.min(self.s.len())..]
                .iter()
                .take_while(|c| **c != '\n')
                .collect::<String>();
        Err(format!("{line}:{col}: {msg} | {text}"))
    }
    fn peek(&self) -> Option<char> {
        self.s.get(self.i).copied()
    }
    fn at(&self, t: &str) -> bool {
        t.chars().enumerate().all(|(k, c)| self.s.get(self.i + k) == Some(&c))
    }
    fn eat(&mut self, t: &str) -> bool {
        if self.at(t) {
            self.i += t.chars().count();
            true
        } else {
            false
        }
    }
    fn expect(&mut self, t: &str) -> R<()> {
        if self.eat(t) {
            Ok(())
        } else {
            self.err(&format!("expected `{t}`"))
        }
    }
    fn ident(&mut self) -> R<String> {
        let start = self.i;
        if !self.peek().is_some_and(|c| c.is_ascii_alphabetic() || c == '_') {
            return self.err("expected an identifier");
        }
        while self.peek().is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            self.i += 1;
        }
        Ok(self.s[start..self.i].iter().collect())
    }
    /// The end of a line: nothing else may follow (bar a comment).
    fn end_line(&mut self) -> R<()> {
        if self.eat(" //") {
            while self.peek().is_some_and(|c| c != '\n') {
                self.i += 1;
            }
        }
        match self.peek() {
            None => Ok(()),
            Some('\n') => {
                self.i += 1;
                Ok(())
            }
            _ => self.err("expected the end of the line"),
        }
    }
    /// Blank lines, comment lines and `#disable-next-line` directives, at any indentation.
    fn skip_trivia(&mut self) -> R<()> {
        loop {
            let start = self.i;
            while self.peek() == Some(' ') {
                self.i += 1;
            }
            if self.eat("\n") {
                continue;
            }
            if self.at("//") {
                while self.peek().is_some_and(|c| c != '\n') {
                    self.i += 1;
                }
                continue;
            }
            if self.eat("#disable-next-line ") {
                let rule = self.ident_with_dashes();
                if rule != "no-hardcoded-env-urls" {
                    return self.err(&format!("unexpected suppression of {rule}"));
                }
                self.end_line()?;
                continue;
            }
            self.i = start;
            return Ok(());
        }
    }
    fn ident_with_dashes(&mut self) -> String {
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_alphanumeric() || c == '-') {
            self.i += 1;
        }
        self.s[start..self.i].iter().collect()
    }
    fn indent(&mut self, depth: usize) -> R<()> {
        for _ in 0..depth * 2 {
            self.expect(" ")?;
        }
        if self.peek() == Some(' ') {
            return self.err("wrong indentation");
        }
        Ok(())
    }

    fn file(&mut self) -> R<Vec<Decl>> {
        let mut out = Vec::new();
        loop {
            self.skip_trivia()?;
            if self.peek().is_none() {
                return Ok(out);
            }
            out.push(self.decl(0)?);
        }
    }

    fn decl(&mut self, depth: usize) -> R<Decl> {
        let mut decorators = Vec::new();
        self.indent(depth)?;
        while self.eat("@") {
            let name = self.ident()?;
            self.expect("(")?;
            let mut args = Vec::new();
            while !self.eat(")") {
                if !args.is_empty() {
                    self.expect(", ")?;
                }
                args.push(self.expr(depth)?);
            }
            decorators.push((name, args));
            self.end_line()?;
            self.skip_trivia()?;
            self.indent(depth)?;
        }
        let keyword = self.ident()?;
        self.expect(" ")?;
        let mut d = Decl {
            keyword: keyword.clone(),
            decorators,
            name: String::new(),
            ty: None,
            existing: false,
            value: None,
            children: Vec::new(),
        };
        match keyword.as_str() {
            "using" => d.value = Some(self.expr(depth)?),
            "metadata" | "var" => {
                d.name = self.ident()?;
                self.expect(" = ")?;
                d.value = Some(self.expr(depth)?);
            }
            "param" | "output" => {
                d.name = self.ident()?;
                if !self.eat(" = ") {
                    self.expect(" ")?;
                    d.ty = Some(self.ident()?);
                    if self.eat(" = ") {
                        d.value = Some(self.expr(depth)?);
                    } else if keyword == "output" {
                        return self.err("an output needs a value");
                    }
                } else {
                    d.value = Some(self.expr(depth)?);
                }
            }
            "resource" => {
                d.name = self.ident()?;
                self.expect(" ")?;
                let ty = match self.string(depth)? {
                    B::Str(parts) => match parts.as_slice() {
                        [Part::Lit(t)] => t.clone(),
                        _ => return self.err("a resource type is a plain string"),
                    },
                    _ => unreachable!(),
                };
                d.ty = Some(ty);
                d.existing = self.eat(" existing");
                self.expect(" = {")?;
                self.end_line()?;
                let mut props = Vec::new();
                loop {
                    self.skip_trivia()?;
                    if self.at(&format!("{}}}", "  ".repeat(depth))) {
                        self.indent(depth)?;
                        self.expect("}")?;
                        break;
                    }
                    let save = self.i;
                    self.indent(depth + 1)?;
                    if self.at("resource ") {
                        self.i = save;
                        d.children.push(self.decl(depth + 1)?);
                        continue;
                    }
                    let k = self.key()?;
                    self.expect(": ")?;
                    props.push((k, self.expr(depth + 1)?));
                    self.end_line()?;
                }
                d.value = Some(B::Object(props));
            }
            other => return self.err(&format!("unknown declaration `{other}`")),
        }
        self.end_line()?;
        Ok(d)
    }

    fn key(&mut self) -> R<String> {
        if self.peek() == Some('\'') {
            let save = self.i;
            match self.string(0)? {
                B::Str(parts) => match parts.as_slice() {
                    [Part::Lit(k)] if !is_identifier(k) => Ok(k.clone()),
                    [Part::Lit(_)] => {
                        self.i = save;
                        self.err("a quoted property name that needs no quotes (prefer-unquoted-property-names)")
                    }
                    _ => self.err("an interpolated property name"),
                },
                _ => unreachable!(),
            }
        } else {
            self.ident()
        }
    }

    /// An expression that starts on a line indented at `depth` (multi-line values close there).
    fn expr(&mut self, depth: usize) -> R<B> {
        let mut e = match self.peek() {
            Some('\'') => self.string(depth)?,
            Some(c) if c.is_ascii_digit() || c == '-' => {
                let start = self.i;
                self.i += 1;
                while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    self.i += 1;
                }
                let text: String = self.s[start..self.i].iter().collect();
                B::Int(text.parse().map_err(|_| format!("bad number {text}"))?)
            }
            Some('[') => {
                self.i += 1;
                let mut items = Vec::new();
                if !self.eat("]") {
                    self.end_line()?;
                    loop {
                        self.skip_trivia()?;
                        if self.at(&format!("{}]", "  ".repeat(depth))) {
                            self.indent(depth)?;
                            self.expect("]")?;
                            break;
                        }
                        self.indent(depth + 1)?;
                        items.push(self.expr(depth + 1)?);
                        self.end_line()?;
                    }
                }
                B::Array(items)
            }
            Some('{') => {
                self.i += 1;
                let mut props = Vec::new();
                if !self.eat("}") {
                    self.end_line()?;
                    loop {
                        self.skip_trivia()?;
                        if self.at(&format!("{}}}", "  ".repeat(depth))) {
                            self.indent(depth)?;
                            self.expect("}")?;
                            break;
                        }
                        self.indent(depth + 1)?;
                        let k = self.key()?;
                        self.expect(": ")?;
                        props.push((k, self.expr(depth + 1)?));
                        self.end_line()?;
                    }
                }
                B::Object(props)
            }
            Some(c) if c.is_ascii_alphabetic() => {
                let name = self.ident()?;
                match name.as_str() {
                    "true" => B::Bool(true),
                    "false" => B::Bool(false),
                    _ if self.eat("(") => {
                        let mut args = Vec::new();
                        while !self.eat(")") {
                            if !args.is_empty() {
                                self.expect(", ")?;
                            }
                            args.push(self.expr(depth)?);
                        }
                        B::Call(name, args)
                    }
                    _ => B::Ident(name),
                }
            }
            _ => return self.err("expected a value"),
        };
        loop {
            if self.eat("::") {
                e = B::Nested(Box::new(e), self.ident()?);
            } else if self.eat(".") {
                e = B::Member(Box::new(e), self.ident()?);
            } else if self.peek() == Some('[') && !matches!(e, B::Array(_)) {
                self.i += 1;
                let idx = self.expr(depth)?;
                self.expect("]")?;
                e = B::Index(Box::new(e), Box::new(idx));
            } else {
                return Ok(e);
            }
        }
    }

    /// A string literal with Bicep's escapes and `${…}` interpolation.
    fn string(&mut self, depth: usize) -> R<B> {
        self.expect("'")?;
        let mut parts = Vec::new();
        let mut lit = String::new();
        loop {
            match self.peek() {
                None | Some('\n') => return self.err("unterminated string"),
                Some('\'') => {
                    self.i += 1;
                    break;
                }
                Some('\\') => {
                    self.i += 1;
                    let c = match self.peek() {
                        Some('\\') => '\\',
                        Some('\'') => '\'',
                        Some('n') => '\n',
                        Some('r') => '\r',
                        Some('t') => '\t',
                        Some('$') => '$',
                        Some('u') => {
                            self.i += 1;
                            self.expect("{")?;
                            let start = self.i;
                            while self.peek().is_some_and(|c| c.is_ascii_hexdigit()) {
                                self.i += 1;
                            }
                            let hex: String = self.s[start..self.i].iter().collect();
                            if self.peek() != Some('}') {
                                return self.err("bad \\u{…} escape");
                            }
                            char::from_u32(u32::from_str_radix(&hex, 16).map_err(|_| "bad \\u{…}")?)
                                .ok_or("bad \\u{…}")?
                        }
                        _ => return self.err("unknown escape"),
                    };
                    self.i += 1;
                    lit.push(c);
                }
                Some('$') if self.at("${") => {
                    self.i += 2;
                    parts.push(Part::Lit(std::mem::take(&mut lit)));
                    parts.push(Part::Expr(self.expr(depth)?));
                    self.expect("}")?;
                }
                Some(c) => {
                    self.i += 1;
                    lit.push(c);
                }
            }
        }
        parts.push(Part::Lit(lit));
        parts.retain(|p| !matches!(p, Part::Lit(s) if s.is_empty()));
        if parts.is_empty() {
            parts.push(Part::Lit(String::new()));
        }
        Ok(B::Str(parts))
    }
}

fn is_identifier(s: &str) -> bool {
    let mut c = s.chars();
    c.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_') && c.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

// ------------------------------------------------------------------ Bicep semantics

struct ParamDecl {
    name: String,
    ty: String,
    secure: bool,
    default: Option<B>,
    description: String,
}

struct Res {
    sym: String,
    rtype: String,
    api: String,
    name: B,
    parent: Option<String>,
    existing: bool,
    scope: Option<B>,
    depends_on: Vec<String>,
    body: Vec<(String, B)>,
}

struct Env {
    metadata: std::collections::HashMap<String, B>,
    params: Vec<ParamDecl>,
    vars: std::collections::HashMap<String, B>,
    resources: Vec<Res>,
    outputs: Vec<(String, String, B, Option<String>)>,
    using: Option<String>,
}

fn description(d: &Decl) -> Option<String> {
    d.decorators
        .iter()
        .find(|(n, _)| n == "description")
        .and_then(|(_, a)| match a.as_slice() {
            [B::Str(parts)] => match parts.as_slice() {
                [Part::Lit(s)] => Some(s.clone()),
                _ => None,
            },
            _ => None,
        })
}

impl Env {
    fn new(decls: &[Decl]) -> R<Env> {
        let mut env = Env {
            metadata: Default::default(),
            params: Vec::new(),
            vars: Default::default(),
            resources: Vec::new(),
            outputs: Vec::new(),
            using: None,
        };
        for d in decls {
            for (name, _) in &d.decorators {
                let ok = match d.keyword.as_str() {
                    "param" => ["description", "secure"].contains(&name.as_str()),
                    "var" | "output" => name == "description",
                    _ => false,
                };
                if !ok {
                    return Err(format!("decorator @{name} on {} {}", d.keyword, d.name));
                }
            }
            let value = d.value.clone();
            match d.keyword.as_str() {
                "metadata" => {
                    env.metadata.insert(d.name.clone(), value.unwrap());
                }
                "using" => {
                    env.using = match value {
                        Some(B::Str(p)) => match p.as_slice() {
                            [Part::Lit(s)] => Some(s.clone()),
                            _ => None,
                        },
                        _ => None,
                    }
                }
                "param" => {
                    let secure = d.decorators.iter().any(|(n, _)| n == "secure");
                    if d.ty.is_some() && description(d).is_none() {
                        return Err(format!("parameter {} has no @description", d.name));
                    }
                    env.params.push(ParamDecl {
                        name: d.name.clone(),
                        ty: d.ty.clone().unwrap_or_default(),
                        secure,
                        default: value,
                        description: description(d).unwrap_or_default(),
                    });
                }
                "var" => {
                    env.vars.insert(d.name.clone(), value.unwrap());
                }
                "output" => env
                    .outputs
                    .push((d.name.clone(), d.ty.clone().unwrap(), value.unwrap(), description(d))),
                "resource" => env.resource(d, None)?,
                other => return Err(format!("unexpected {other}")),
            }
        }
        Ok(env)
    }

    /// A resource declaration; `nested_in` is the (symbol, type, API version) of the resource
    /// it is declared in.
    fn resource(&mut self, d: &Decl, nested_in: Option<(String, String, String)>) -> R<()> {
        let ty = d.ty.as_deref().unwrap();
        let (rtype, api) = match (ty.split_once('@'), &nested_in) {
            (Some((t, a)), _) => (t.to_string(), a.to_string()),
            (None, Some((_, pt, pa))) => (format!("{pt}/{ty}"), pa.clone()),
            (None, None) => return Err(format!("resource {}: no API version", d.name)),
        };
        let Some(B::Object(props)) = &d.value else {
            return Err(format!("resource {}: no body", d.name));
        };
        let mut r = Res {
            sym: d.name.clone(),
            rtype,
            api,
            name: B::Str(Vec::new()),
            parent: nested_in.as_ref().map(|p| p.0.clone()),
            existing: d.existing,
            scope: None,
            depends_on: Vec::new(),
            body: Vec::new(),
        };
        let mut named = false;
        for (k, v) in props {
            match (k.as_str(), v) {
                ("name", v) => {
                    r.name = v.clone();
                    named = true;
                }
                ("parent", B::Ident(p)) if nested_in.is_none() => r.parent = Some(p.clone()),
                ("scope", v) if d.existing => r.scope = Some(v.clone()),
                ("dependsOn", B::Array(items)) => {
                    for i in items {
                        match i {
                            B::Ident(s) => r.depends_on.push(s.clone()),
                            other => return Err(format!("resource {}: dependsOn {other:?}", d.name)),
                        }
                    }
                }
                ("parent" | "scope" | "dependsOn", _) => return Err(format!("resource {}: odd {k}", d.name)),
                _ if d.existing => return Err(format!("existing resource {} with {k}", d.name)),
                _ => r.body.push((k.clone(), v.clone())),
            }
        }
        if !named {
            return Err(format!("resource {}: no name", d.name));
        }
        if let Some((p, _, _)) = &nested_in {
            r.sym = format!("{p}::{}", d.name);
        }
        let me = (r.sym.clone(), r.rtype.clone(), r.api.clone());
        self.resources.push(r);
        for c in &d.children {
            self.resource(c, Some(me.clone()))?;
        }
        Ok(())
    }

    fn res(&self, sym: &str) -> R<&Res> {
        self.resources
            .iter()
            .find(|r| r.sym == sym)
            .ok_or(format!("no resource `{sym}`"))
    }

    fn lit_string(&self, b: &B) -> R<String> {
        match self.json(b)? {
            Json::String(s) => Ok(s),
            other => Err(format!("not a literal string: {other}")),
        }
    }

    fn full_name(&self, r: &Res) -> Vec<String> {
        let mut names = match &r.parent {
            Some(p) => self.full_name(self.res(p).expect("parent declared")),
            None => Vec::new(),
        };
        names.push(self.lit_string(&r.name).expect("literal name"));
        names
    }

    /// The canonical ID of a resource: `resourceId(...)` for one of this template, the literal ID
    /// of an `existing` one in another scope.
    fn id(&self, r: &Res) -> R<C> {
        match &r.scope {
            Some(B::Call(f, args)) if f == "resourceGroup" && args.len() == 2 => {
                let sub = self.lit_string(&args[0])?;
                let rg = self.lit_string(&args[1])?;
                Ok(C::Lit(json!(format!(
                    "/subscriptions/{sub}/resourceGroups/{rg}/providers/{}/{}",
                    r.rtype,
                    self.full_name(r).join("/")
                ))))
            }
            Some(other) => Err(format!("scope {other:?}")),
            None => Ok(C::Id(r.rtype.clone(), self.full_name(r))),
        }
    }

    fn json(&self, b: &B) -> R<Json> {
        Ok(match b {
            B::Array(items) => Json::Array(items.iter().map(|i| self.json(i)).collect::<R<_>>()?),
            B::Object(props) => {
                let mut m = Map::new();
                for (k, v) in props {
                    if m.insert(k.clone(), self.json(v)?).is_some() {
                        return Err(format!("duplicate property {k}"));
                    }
                }
                Json::Object(m)
            }
            other => self.canon(other)?.json(),
        })
    }

    fn canon(&self, b: &B) -> R<C> {
        Ok(match b {
            B::Int(i) => C::Lit(json!(i)),
            B::Bool(v) => C::Lit(json!(v)),
            B::Str(parts) => concat(
                parts
                    .iter()
                    .map(|p| match p {
                        Part::Lit(s) => Ok(C::Lit(json!(s))),
                        Part::Expr(e) => self.canon(e),
                    })
                    .collect::<R<_>>()?,
            ),
            B::Array(_) | B::Object(_) => C::Lit(self.json(b)?),
            B::Ident(x) => {
                if self.params.iter().any(|p| p.name == *x) {
                    C::Param(x.clone())
                } else if let Some(v) = self.vars.get(x) {
                    C::Lit(self.json(v)?)
                } else {
                    return Err(format!("`{x}` alone is not a value"));
                }
            }
            B::Member(base, field) => match (&**base, field.as_str()) {
                (B::Ident(s), "id") if self.res(s).is_ok() => self.id(self.res(s)?)?,
                (B::Nested(p, c), "id") => match &**p {
                    B::Ident(p) => self.id(self.res(&format!("{p}::{c}"))?)?,
                    other => return Err(format!("nested access on {other:?}")),
                },
                (B::Ident(s), "properties") if self.res(s).is_ok() => {
                    let r = self.res(s)?;
                    C::Ref(Box::new(self.id(r)?), r.api.clone())
                }
                (B::Ident(s), f) if self.res(s).is_ok() => return Err(format!("{s}.{f}")),
                _ => C::Member(Box::new(self.canon(base)?), field.clone()),
            },
            B::Index(base, idx) => match &**idx {
                B::Int(i) => C::Index(Box::new(self.canon(base)?), *i),
                other => return Err(format!("index {other:?}")),
            },
            B::Call(f, args) if f == "reference" => match args.as_slice() {
                [target, api] => C::Ref(Box::new(self.canon(target)?), self.lit_string(api)?),
                _ => return Err("reference() needs a target and an API version".into()),
            },
            B::Call(f, args) if f == "subscription" && args.is_empty() => C::Call(f.clone(), Vec::new()),
            other => return Err(format!("unexpected {other:?}")),
        })
    }

    /// A resource as ARM writes it: type, apiVersion, full name, then its body.
    fn resource_json(&self, r: &Res) -> R<Json> {
        let mut m = Map::new();
        m.insert("type".into(), json!(r.rtype));
        m.insert("apiVersion".into(), json!(r.api));
        m.insert("name".into(), json!(self.full_name(r).join("/")));
        for (k, v) in &r.body {
            if m.insert(k.clone(), self.json(v)?).is_some() {
                return Err(format!("duplicate property {k}"));
            }
        }
        Ok(Json::Object(m))
    }

    /// What Bicep makes a resource depend on: its parent, every deployed resource its body refers
    /// to (through an `existing` child, that child's parent), and `dependsOn`, which must not
    /// repeat any of those (no-unnecessary-dependson). As canonical IDs, like ARM's `dependsOn`.
    fn dependencies(&self, r: &Res) -> R<BTreeSet<String>> {
        let mut implied: Vec<String> = Vec::new();
        let mut p = r.parent.clone();
        while let Some(s) = p {
            p = self.res(&s)?.parent.clone();
            implied.push(s);
        }
        for (_, v) in &r.body {
            self.refs(v, &mut implied);
        }
        let mut out = BTreeSet::new();
        for s in &r.depends_on {
            if implied.contains(s) {
                return Err(format!("dependsOn {s} is already implied"));
            }
        }
        for s in implied.iter().chain(&r.depends_on) {
            let mut d = self.res(s)?;
            while d.existing {
                match &d.parent {
                    Some(p) => d = self.res(p)?,
                    None => break,
                }
            }
            if !d.existing {
                out.insert(expr_text(self.id(d)?.json()));
            }
        }
        Ok(out)
    }

    fn refs(&self, b: &B, out: &mut Vec<String>) {
        match b {
            B::Ident(s) if self.res(s).is_ok() => out.push(s.clone()),
            B::Nested(p, c) => {
                if let B::Ident(p) = &**p {
                    out.push(format!("{p}::{c}"));
                }
            }
            B::Member(x, _) => self.refs(x, out),
            B::Index(x, i) => {
                self.refs(x, out);
                self.refs(i, out);
            }
            B::Call(_, args) | B::Array(args) => args.iter().for_each(|a| self.refs(a, out)),
            B::Object(props) => props.iter().for_each(|(_, v)| self.refs(v, out)),
            B::Str(parts) => parts.iter().for_each(|p| {
                if let Part::Expr(e) = p {
                    self.refs(e, out)
                }
            }),
            B::Ident(_) | B::Int(_) | B::Bool(_) => {}
        }
    }

    /// In a parameters file: the environment variable a value is read from, through a variable.
    fn env_var(&self, v: &B) -> Option<String> {
        let B::Ident(var) = v else { return None };
        match self.vars.get(var)? {
            B::Call(f, args) if f == "readEnvironmentVariable" => match args.as_slice() {
                [B::Str(p)] => match p.as_slice() {
                    [Part::Lit(s)] => Some(s.clone()),
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        }
    }
}
