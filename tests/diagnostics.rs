//! Diagnostics: a fixture per rule with a snapshot of what the user sees, the code registry kept
//! in sync with the source and the docs, the JSON and SARIF shapes, and hostile input.

mod common;
use aoai_vnet::{check_source, codes, diag, source::SourceFile};
use common::*;
use std::collections::BTreeSet;
use std::fs;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

fn fixtures() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(repo().join("tests/fixtures/diagnostics"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    v.sort();
    v
}

#[test]
fn every_fixture_reports_its_code_and_matches_its_snapshot() {
    for path in fixtures() {
        let code = path.file_stem().unwrap().to_string_lossy().into_owned();
        let name = format!("tests/fixtures/diagnostics/{code}.yaml");
        let file = SourceFile::new(name, fs::read_to_string(&path).unwrap());
        let (_, diags) = check_source(&file);
        assert!(
            diags.iter().any(|d| d.code == code),
            "{code}: not reported; got {diags:?}"
        );
        let rendered: String = diags.iter().map(|d| diag::render(d, &file, false)).collect();
        insta::with_settings!({
            snapshot_path => "../snapshots/diagnostics",
            prepend_module_to_snapshot => false,
            omit_expression => true,
            description => format!("aoai-vnet check {}", file.name),
        }, {
            insta::assert_snapshot!(code, rendered);
        });
    }
}

#[test]
fn every_code_has_a_fixture_and_every_fixture_a_code() {
    let registered: BTreeSet<&str> = codes::ALL.iter().map(|c| c.code).collect();
    let fixtures: BTreeSet<String> = fixtures()
        .iter()
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    let fixtures: BTreeSet<&str> = fixtures.iter().map(String::as_str).collect();
    assert_eq!(registered, fixtures, "codes without fixture or fixtures without code");
    assert_eq!(registered.len(), codes::ALL.len(), "a code is registered twice");
}

/// Every `"E1234"`/`"W1234"` literal in the source.
fn codes_in_source() -> BTreeSet<String> {
    fn walk(dir: &std::path::Path, out: &mut BTreeSet<String>) {
        for e in fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") && !p.ends_with("codes.rs") {
                let text = fs::read_to_string(&p).unwrap();
                let b = text.as_bytes();
                for i in 0..b.len().saturating_sub(6) {
                    let quoted = b[i] == b'"' && b[i + 6] == b'"';
                    if quoted
                        && (b[i + 1] == b'E' || b[i + 1] == b'W')
                        && b[i + 2..i + 6].iter().all(u8::is_ascii_digit)
                    {
                        out.insert(text[i + 1..i + 6].to_string());
                    }
                }
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(&repo().join("src"), &mut out);
    out
}

#[test]
fn the_registry_matches_the_codes_the_source_uses() {
    let used = codes_in_source();
    let registered: BTreeSet<String> = codes::ALL.iter().map(|c| c.code.to_string()).collect();
    let unregistered: Vec<&String> = used.difference(&registered).collect();
    let unused: Vec<&String> = registered.difference(&used).collect();
    assert!(
        unregistered.is_empty(),
        "codes used in src/ but missing from src/codes.rs: {unregistered:?}"
    );
    assert!(
        unused.is_empty(),
        "codes in src/codes.rs that nothing reports: {unused:?}"
    );
    for c in codes::ALL {
        let sev = if c.code.starts_with('E') {
            diag::Severity::Error
        } else {
            diag::Severity::Warning
        };
        assert_eq!(c.severity, sev, "{}: E codes are errors, W codes warnings", c.code);
    }
}

fn codes_markdown() -> String {
    let mut s = String::from(
        "# Diagnostic codes\n\nEvery problem `aoai-vnet` reports has a stable code. `aoai-vnet explain CODE` prints the\nexplanation; this list is checked against the code by `tests/diagnostics.rs`.\n\n| code | severity | title | what it checks and why |\n|---|---|---|---|\n",
    );
    for c in codes::ALL {
        s.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            c.code,
            c.severity.as_str(),
            c.title,
            c.explanation.replace('|', "\\|")
        ));
    }
    s
}

#[test]
fn docs_list_every_code() {
    let path = repo().join("docs/codes.md");
    let expected = codes_markdown();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, &expected).unwrap();
    }
    let actual = fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "docs/codes.md is out of date: run `UPDATE_DOCS=1 cargo test --test diagnostics`"
    );
}

#[test]
fn explain_prints_the_rule_and_lists_codes() {
    let o = run_in(&repo(), &["explain", "e0202"]);
    assert!(o.status.success());
    let out = stdout(&o);
    assert!(out.starts_with("E0202 (error): not a network address"), "{out}");
    assert!(out.contains("host bits"), "{out}");
    let o = run_in(&repo(), &["explain"]);
    assert!(o.status.success());
    assert_eq!(stdout(&o).lines().count(), codes::ALL.len());
    let o = run_in(&repo(), &["explain", "E2020"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no diagnostic code `E2020`"), "{}", stderr(&o));
}

#[test]
fn check_json_has_one_object_per_diagnostic() {
    let o = run_in(
        &repo(),
        &["check", "tests/fixtures/diagnostics/E0202.yaml", "--format", "json"],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stderr.is_empty(), "machine formats keep stderr clean: {}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let items = v.as_array().unwrap();
    assert_eq!(items.len(), 1);
    let d = &items[0];
    assert_eq!(d["severity"], "error");
    assert_eq!(d["code"], "E0202");
    assert_eq!(d["file"], "tests/fixtures/diagnostics/E0202.yaml");
    assert_eq!(d["line"], 6);
    assert_eq!(d["column"], 20);
    assert_eq!(d["end_column"], 31);
    assert_eq!(d["path"], "vnets.hub.address_space");
    assert_eq!(d["help"], "did you mean `10.0.0.0/16`?");
    let o = run_in(&repo(), &["check", "examples/guide.yaml", "--format", "json"]);
    assert!(o.status.success());
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap(),
        serde_json::json!([])
    );
}

#[test]
fn check_sarif_has_the_shape_code_scanning_reads() {
    let o = run_in(
        &repo(),
        &["check", "./tests/fixtures/diagnostics/W0002.yaml", "--format", "sarif"],
    );
    assert_eq!(o.status.code(), Some(0), "warnings alone do not fail the check");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["version"], "2.1.0");
    assert!(v["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
    let run = &v["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), codes::ALL.len());
    assert_eq!(run["tool"]["driver"]["name"], "aoai-vnet");
    let r = &run["results"][0];
    assert_eq!(r["ruleId"], "W0002");
    assert_eq!(r["level"], "warning");
    assert_eq!(rules[r["ruleIndex"].as_u64().unwrap() as usize]["id"], "W0002");
    let loc = &r["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "tests/fixtures/diagnostics/W0002.yaml");
    assert_eq!(loc["region"]["startLine"], 11);
    assert_eq!(loc["region"]["startColumn"], 13);
    assert_eq!(
        r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
        "openai.location"
    );
    assert!(r["message"]["text"].as_str().unwrap().contains("westus2"));
}

/// Runs `check` on a file and fails if it takes longer than a generous bound: hostile input must
/// never hang the compiler.
fn check_bounded(path: &std::path::Path) -> std::process::Output {
    let mut child = bin()
        .args(["check", path.to_str().unwrap()])
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read both pipes while waiting, so a large output cannot block the child.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let t_out = std::thread::spawn(move || {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut out, &mut v).map(|_| v)
    });
    let t_err = std::thread::spawn(move || {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut err, &mut v).map(|_| v)
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("check hung on {}", path.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stdout = t_out.join().unwrap().unwrap();
    let stderr = t_err.join().unwrap().unwrap();
    assert!(
        stderr.len() < 64 * 1024,
        "{}: {} bytes of diagnostics",
        path.display(),
        stderr.len()
    );
    std::process::Output { status, stdout, stderr }
}

#[test]
fn hostile_input_gets_a_clear_error_never_a_panic() {
    let dir = scratch("diag-hostile");
    let mut bomb = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let p = i - 1;
        bomb.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("bomb.yaml", bomb.into_bytes(), "expands to more than"),
        (
            "deep.yaml",
            ("[".repeat(100_000) + &"]".repeat(100_000)).into_bytes(),
            "error[E0001]",
        ),
        (
            "deep-map.yaml",
            (0..200)
                .map(|i| format!("{}k{i}:\n", "  ".repeat(i)))
                .collect::<String>()
                .into_bytes(),
            "nesting deeper",
        ),
        ("latin1.yaml", b"name: caf\xe9\n".to_vec(), "not UTF-8"),
        (
            "junk.yaml",
            (0..4096u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect(),
            "error[E0001]",
        ),
        ("empty.yaml", Vec::new(), "error[E0003]"),
        ("scalar.yaml", b"just a string\n".to_vec(), "error[E0004]"),
        ("list.yaml", b"- a\n- b\n".to_vec(), "error[E0004]"),
        ("tabs.yaml", b"name: x\n\tlocation: y\n".to_vec(), "error[E0001]"),
    ];
    for (name, bytes, expect) in cases {
        let path = dir.join(name);
        fs::write(&path, bytes).unwrap();
        let o = check_bounded(&path);
        assert_eq!(o.status.code(), Some(1), "{name}: {}", stderr(&o));
        assert!(
            stderr(&o).contains(expect),
            "{name}: expected `{expect}` in:\n{}",
            stderr(&o)
        );
        assert!(!stderr(&o).contains("panicked"), "{name}");
    }
}

#[test]
fn oversized_files_are_refused_before_reading() {
    let dir = scratch("diag-huge");
    let path = dir.join("huge.yaml");
    let f = fs::File::create(&path).unwrap();
    f.set_len(17 * 1024 * 1024).unwrap();
    let o = check_bounded(&path);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("topology files are limited to"), "{}", stderr(&o));
}
