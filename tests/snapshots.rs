//! Golden files: the generated output of every example, kept in `snapshots/`. Review changes with
//! `cargo insta review` (or `INSTA_UPDATE=always cargo test` then `git diff snapshots/`).

mod common;
use aoai_vnet::{compile, source::SourceFile, OutputFile, Target};
use common::*;
use std::collections::BTreeMap;

#[test]
fn every_example_matches_its_snapshot() {
    for path in examples() {
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        let file = SourceFile::new(format!("examples/{stem}.yaml"), text);
        let (compiled, diags) = compile(&file, Target::All);
        let c = compiled.unwrap_or_else(|| panic!("{stem} does not build: {diags:?}"));
        // `all` is the ARM files, then the Bicep files: main.bicep, main.bicepparam and, for a
        // nested deployment, its modules; each form with the hub owners' files in `platform/`
        // last when a peering's side is theirs.
        let names: Vec<&str> = c.files.iter().map(|f| f.name.as_str()).collect();
        let arm_files = names.iter().filter(|n| n.ends_with(".json")).count();
        assert_eq!(
            names[..2],
            ["main.json", "main.parameters.json"],
            "{stem}: unexpected files {names:?}"
        );
        assert_eq!(
            names[arm_files..arm_files + 2],
            ["main.bicep", "main.bicepparam"],
            "{stem}: unexpected files {names:?}"
        );
        assert!(
            names[2..arm_files].iter().all(|n| n.starts_with("platform/"))
                && names[arm_files + 2..]
                    .iter()
                    .all(|n| (n.starts_with("modules/") && n.ends_with(".bicep")) || n.starts_with("platform/")),
            "{stem}: unexpected files {names:?}"
        );
        // Compiling twice gives the same bytes.
        let (again, _) = compile(&file, Target::All);
        assert_eq!(again.unwrap().files, c.files, "{stem} is not deterministic");
        // Each single target gives exactly its part of `all`.
        for (target, part) in [
            (Target::Arm, &c.files[..arm_files]),
            (Target::Bicep, &c.files[arm_files..]),
        ] {
            let (one, _) = compile(&file, target);
            assert_eq!(one.unwrap().files, part, "{stem}: {target:?}");
        }
        let (top, nested): (Vec<&OutputFile>, Vec<&OutputFile>) = c.files.iter().partition(|f| !f.name.contains('/'));
        let (platform, modules): (Vec<&OutputFile>, Vec<&OutputFile>) =
            nested.into_iter().partition(|f| f.name.starts_with("platform/"));
        for f in top {
            let text = if f.text.len() > SUMMARY_OVER {
                summary(&f.name, &f.text)
            } else {
                f.text.clone()
            };
            snapshot(&stem, &f.name, &f.name, text);
        }
        for f in platform {
            snapshot(&stem, &f.name.replace('/', "__"), &f.name, f.text.clone());
        }
        // Modules one snapshot each; a set too large to review (the 300-spoke example's) as one
        // summary of the set.
        let total: usize = modules.iter().map(|f| f.text.len()).sum();
        if total > SUMMARY_OVER {
            snapshot(&stem, "modules", "modules/*.bicep", module_summary(&modules));
        } else {
            for f in modules {
                snapshot(&stem, &f.name.replace('/', "__"), &f.name, f.text.clone());
            }
        }
    }
}

fn snapshot(stem: &str, name: &str, what: &str, text: String) {
    insta::with_settings!({
        snapshot_path => "../snapshots",
        prepend_module_to_snapshot => false,
        omit_expression => true,
        description => format!("aoai-vnet build examples/{stem}.yaml: {what}"),
    }, {
        insta::assert_snapshot!(format!("{stem}__{name}"), text);
    });
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
                let mut types: BTreeMap<&str, usize> = Default::default();
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

/// A set of modules, one block per file: its size, what it deploys (resources by type), what it
/// declares `existing` (by type), its parameters and its outputs.
fn module_summary(modules: &[&OutputFile]) -> String {
    let total: usize = modules.iter().map(|f| f.text.len()).sum();
    let mut out = format!("summary of {} modules: {total} bytes\n", modules.len());
    for f in modules {
        let mut deployed: BTreeMap<&str, usize> = BTreeMap::new();
        let mut existing: BTreeMap<&str, usize> = BTreeMap::new();
        let (mut params, mut outputs) = (Vec::new(), Vec::new());
        for l in f.text.lines() {
            let words: Vec<&str> = l.split_whitespace().collect();
            match words.as_slice() {
                ["resource", _, ty, rest @ ..] => {
                    let ty = ty.trim_matches('\'').split('@').next().unwrap();
                    let ty = ty.rsplit('/').next().unwrap();
                    let map = if rest.first() == Some(&"existing") {
                        &mut existing
                    } else {
                        &mut deployed
                    };
                    *map.entry(ty).or_default() += 1;
                }
                ["param", name, ..] => params.push(*name),
                ["output", name, ..] => outputs.push(*name),
                _ => {}
            }
        }
        out.push_str(&format!(
            "- {}: {} bytes, {} lines\n  deploys: {deployed:?}\n  existing: {existing:?}\n  params: {params:?}\n  outputs: {outputs:?}\n",
            f.name,
            f.text.len(),
            f.text.lines().count()
        ));
    }
    out
}
