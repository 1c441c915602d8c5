//! Helpers shared by the integration tests: run the real binary, make scratch folders.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_aoai-vnet"))
}

/// Runs the binary in `dir` with `args`.
pub fn run_in(dir: &Path, args: &[&str]) -> Output {
    bin()
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A fresh, empty folder under the target directory, unique to `name`.
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The example topologies, sorted by name.
pub fn examples() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(repo().join("examples"))
        .expect("examples/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    v.sort();
    v
}

/// Every resource of the template, nested deployments flattened, with its resource group.
pub fn flatten(t: &serde_json::Value, rg: &str, out: &mut Vec<(String, serde_json::Value)>) {
    for r in t["resources"].as_array().unwrap() {
        if r["type"] == "Microsoft.Resources/deployments" && r["properties"]["template"].is_object() {
            // `['rg-x']` names a group; `[parameters('resourceGroupName')]` is the default one.
            let inner = match r["resourceGroup"].as_str() {
                Some(g) => match g.strip_prefix("['").and_then(|g| g.strip_suffix("']")) {
                    Some(name) => name.to_string(),
                    None => "(default)".to_string(),
                },
                None => rg.to_string(),
            };
            flatten(&r["properties"]["template"], &inner, out);
        } else {
            out.push((rg.to_string(), r.clone()));
        }
    }
}
