//! The command line, run as a user would: the real binary, real files.

mod common;
use common::*;
use std::fs;

const BROKEN: &str = "name: demo\nlocation: eastus\nvnets:\n  hub:\n    address_space: 10.0.0.1/16\nopenai: {}\n";

#[test]
fn build_writes_arm_files_and_is_deterministic() {
    let dir = scratch("cli-build");
    let guide = repo().join("examples/guide.yaml");
    let o = run_in(&dir, &["build", guide.to_str().unwrap(), "--out-dir", "out"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let first = fs::read(dir.join("out/main.json")).unwrap();
    let params = fs::read_to_string(dir.join("out/main.parameters.json")).unwrap();
    assert!(params.contains("deploymentParameters.json"));
    let o = run_in(&dir, &["build", guide.to_str().unwrap(), "--out-dir", "out"]);
    assert!(o.status.success());
    assert_eq!(
        first,
        fs::read(dir.join("out/main.json")).unwrap(),
        "same input, same bytes"
    );
    let json: serde_json::Value = serde_json::from_slice(&first).unwrap();
    assert_eq!(json["metadata"]["_generator"]["name"], "aoai-vnet");
    // No temporary files are left behind.
    let names: Vec<String> = fs::read_dir(dir.join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn default_file_and_default_out_dir() {
    let dir = scratch("cli-defaults");
    fs::copy(repo().join("examples/minimal.yaml"), dir.join("aoai-vnet.yaml")).unwrap();
    let o = run_in(&dir, &["build"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(dir.join("infra/main.json").is_file());
    assert!(dir.join("infra/main.parameters.json").is_file());
}

#[test]
fn errors_exit_1_and_write_nothing() {
    let dir = scratch("cli-errors");
    fs::write(dir.join("t.yaml"), BROKEN).unwrap();
    let o = run_in(&dir, &["build", "t.yaml", "--out-dir", "out"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("error[E0202]: `10.0.0.1/16` is not a network address"),
        "{err}"
    );
    assert!(err.contains("--> t.yaml:5:20"), "{err}");
    assert!(err.contains("= at vnets.hub.address_space"), "{err}");
    assert!(err.contains("help: did you mean `10.0.0.0/16`?"), "{err}");
    assert!(err.contains("nothing was written"), "{err}");
    assert!(!dir.join("out").exists(), "no output folder on error");
}

#[test]
fn errors_never_touch_existing_output() {
    let dir = scratch("cli-no-clobber");
    fs::create_dir_all(dir.join("out")).unwrap();
    fs::write(dir.join("out/main.json"), "previous").unwrap();
    fs::write(dir.join("t.yaml"), BROKEN).unwrap();
    let o = run_in(&dir, &["build", "t.yaml", "--out-dir", "out"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(fs::read_to_string(dir.join("out/main.json")).unwrap(), "previous");
    assert_eq!(fs::read_dir(dir.join("out")).unwrap().count(), 1);
}

#[test]
fn all_problems_are_reported_in_one_run() {
    let dir = scratch("cli-all-problems");
    let text = "name: demo\nlocation: eastuss\nvnets:\n  hub:\n    address_space: 10.0.0.0/16\n    subnets: { a: 10.1.0.0/24, b: /30 }\nopenai: { public_network_access: enabled, colour: blue }\n";
    fs::write(dir.join("t.yaml"), text).unwrap();
    let o = run_in(&dir, &["check", "t.yaml"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    for code in ["E0104", "E0203", "E0205", "E0503", "E0005"] {
        assert!(err.contains(&format!("error[{code}]")), "{code} missing in:\n{err}");
    }
    assert!(err.contains("did you mean `eastus`?"), "{err}");
}

#[test]
fn stdout_prints_the_template_and_writes_nothing() {
    let dir = scratch("cli-stdout");
    let guide = repo().join("examples/guide.yaml");
    let o = run_in(&dir, &["build", guide.to_str().unwrap(), "--stdout"]);
    assert!(o.status.success());
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(json["$schema"].as_str().unwrap().contains("deploymentTemplate.json"));
    assert!(!dir.join("infra").exists());
}

#[test]
fn check_flag_detects_missing_stale_and_extra_files() {
    let dir = scratch("cli-check");
    let guide = repo().join("examples/guide.yaml");
    let g = guide.to_str().unwrap();
    let o = run_in(&dir, &["build", g, "--check", "--out-dir", "out"]);
    assert_eq!(o.status.code(), Some(3), "missing files are stale");
    assert!(stderr(&o).contains("missing: out/main.json"));
    assert!(!dir.join("out").exists(), "--check writes nothing");
    assert!(run_in(&dir, &["build", g, "--out-dir", "out"]).status.success());
    let o = run_in(&dir, &["build", g, "--check", "--out-dir", "out"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = fs::read_to_string(dir.join("out/main.json")).unwrap();
    fs::write(dir.join("out/main.json"), text.replace("10.0.0.0/24", "10.0.9.0/24")).unwrap();
    let o = run_in(&dir, &["build", g, "--check", "--out-dir", "out"]);
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("stale: out/main.json"));
    assert!(run_in(&dir, &["build", g, "--out-dir", "out"]).status.success());
    fs::write(dir.join("out/old.json"), text).unwrap();
    let o = run_in(&dir, &["build", g, "--check", "--out-dir", "out"]);
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("extra: out/old.json"), "{}", stderr(&o));
    fs::write(dir.join("out/notes.txt"), "mine").unwrap();
    fs::remove_file(dir.join("out/old.json")).unwrap();
    let o = run_in(&dir, &["build", g, "--check", "--out-dir", "out"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "files the tool did not generate are left alone"
    );
}

#[test]
fn usage_errors_exit_2_and_missing_files_exit_5() {
    let dir = scratch("cli-usage");
    assert_eq!(run_in(&dir, &["build", "--target", "terraform"]).status.code(), Some(2));
    assert_eq!(run_in(&dir, &["frobnicate"]).status.code(), Some(2));
    let o = run_in(&dir, &["build", "nope.yaml"]);
    assert_eq!(o.status.code(), Some(5));
    assert!(stderr(&o).contains("cannot read nope.yaml"));
    let o = run_in(&dir, &["build"]);
    assert_eq!(o.status.code(), Some(5));
    assert!(
        stderr(&o).contains("aoai-vnet build examples/guide.yaml"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn unwritable_output_exits_5() {
    let dir = scratch("cli-unwritable");
    fs::write(dir.join("out"), "a file where the folder should be").unwrap();
    let guide = repo().join("examples/guide.yaml");
    let o = run_in(&dir, &["build", guide.to_str().unwrap(), "--out-dir", "out"]);
    assert_eq!(o.status.code(), Some(5));
    assert_eq!(
        fs::read_to_string(dir.join("out")).unwrap(),
        "a file where the folder should be"
    );
}

#[test]
fn non_utf8_and_empty_files_are_refused_cleanly() {
    let dir = scratch("cli-junk");
    fs::write(dir.join("bin.yaml"), [0xff, 0xfe, 0x00, 0x41]).unwrap();
    let o = run_in(&dir, &["check", "bin.yaml"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("not UTF-8"), "{}", stderr(&o));
    fs::write(dir.join("empty.yaml"), "").unwrap();
    let o = run_in(&dir, &["check", "empty.yaml"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("error[E0003]: the file is empty"), "{}", stderr(&o));
}

#[test]
fn dns_none_prints_hosts_lines() {
    let dir = scratch("cli-dns-none");
    let ex = repo().join("examples/no-dns.yaml");
    let o = run_in(&dir, &["build", ex.to_str().unwrap(), "--out-dir", "out"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("172.20.1.10 woodgrove-ai.openai.azure.com"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn schema_command_prints_the_topology_schema() {
    let o = run_in(&repo(), &["schema"]);
    assert!(o.status.success());
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(json["properties"]["vnets"].is_object());
}

#[test]
fn help_lists_the_commands() {
    let o = run_in(&repo(), &["--help"]);
    assert!(o.status.success());
    let out = stdout(&o);
    for c in ["build", "check", "schema"] {
        assert!(out.contains(c), "{out}");
    }
}
