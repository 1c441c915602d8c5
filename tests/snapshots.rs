//! Golden files: the generated output of every example, kept in `snapshots/`. Review changes with
//! `cargo insta review` (or `INSTA_UPDATE=always cargo test` then `git diff snapshots/`).

mod common;
use aoai_vnet::{compile, source::SourceFile, Target};
use common::*;

#[test]
fn every_example_matches_its_snapshot() {
    for path in examples() {
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        let file = SourceFile::new(format!("examples/{stem}.yaml"), text);
        let (compiled, diags) = compile(&file, Target::All);
        let c = compiled.unwrap_or_else(|| panic!("{stem} does not build: {diags:?}"));
        // `all` is the ARM files then the Bicep files (none when Bicep cannot be written yet,
        // which the tests of tests/bicep.rs pin down).
        let names: Vec<&str> = c.files.iter().map(|f| f.name.as_str()).collect();
        let arm = ["main.json", "main.parameters.json"];
        let bicep = ["main.bicep", "main.bicepparam"];
        assert!(
            names == [&arm[..], &bicep[..]].concat() || names == arm,
            "{stem}: unexpected files {names:?}"
        );
        // Compiling twice gives the same bytes.
        let (again, _) = compile(&file, Target::All);
        assert_eq!(again.unwrap().files, c.files, "{stem} is not deterministic");
        // Each single target gives exactly its part of `all`.
        for (target, part) in [(Target::Arm, &c.files[..2]), (Target::Bicep, &c.files[2..])] {
            let (one, _) = compile(&file, target);
            assert_eq!(one.unwrap().files, part, "{stem}: {target:?}");
        }
        for f in &c.files {
            let text = if f.text.len() > SUMMARY_OVER {
                summary(&f.name, &f.text)
            } else {
                f.text.clone()
            };
            insta::with_settings!({
                snapshot_path => "../snapshots",
                prepend_module_to_snapshot => false,
                omit_expression => true,
                description => format!("aoai-vnet build examples/{stem}.yaml: {}", f.name),
            }, {
                insta::assert_snapshot!(format!("{stem}__{}", f.name), text);
            });
        }
    }
}

/// Outputs larger than this (the 300-spoke example) are snapshotted as a summary of their shape:
/// a full snapshot would be megabytes that nobody reviews.
const SUMMARY_OVER: usize = 256 * 1024;

fn summary(name: &str, text: &str) -> String {
    let mut out = format!(
        "summary of {name}: {} bytes, {} lines\n",
        text.len(),
        text.lines().count()
    );
    if name.ends_with(".json") {
        let v: serde_json::Value = serde_json::from_str(text).unwrap();
        out.push_str(&format!("$schema: {}\n", v["$schema"].as_str().unwrap_or_default()));
        for r in v["resources"].as_array().unwrap() {
            let mut line = format!("- {} {}", r["type"].as_str().unwrap(), r["name"]);
            if let Some(inner) = r["properties"]["template"]["resources"].as_array() {
                let mut types: std::collections::BTreeMap<&str, usize> = Default::default();
                for x in inner {
                    *types
                        .entry(x["type"].as_str().unwrap().rsplit('/').next().unwrap())
                        .or_default() += 1;
                }
                let deps = r["dependsOn"].as_array().map_or(0, Vec::len);
                line.push_str(&format!(" ({} resources, waits for {deps}): {types:?}", inner.len()));
            }
            out.push_str(&line);
            out.push('\n');
        }
        out.push_str(&format!(
            "outputs: {:?}\n",
            v["outputs"].as_object().unwrap().keys().collect::<Vec<_>>()
        ));
    } else {
        for kind in ["resource ", "module ", "param ", "output "] {
            out.push_str(&format!(
                "{kind}declarations: {}\n",
                text.lines().filter(|l| l.starts_with(kind)).count()
            ));
        }
    }
    out
}
