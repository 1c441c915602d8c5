//! The output folder under stress, through the real binary: planted links, concurrent builds,
//! interruptions, things in the way, and what `build --check` counts.

mod common;
use common::*;
use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};

/// Every entry below `dir` (files, links and folders), relative, sorted.
fn tree(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let name = e.file_name().into_string().unwrap();
        if e.file_type().unwrap().is_dir() {
            out.extend(tree(&e.path()).into_iter().map(|n| format!("{name}/{n}")));
        } else {
            out.push(name);
        }
    }
    out.sort();
    out
}

/// No temporary file of a build is left in the folder or its modules.
fn assert_no_temp_files(dir: &Path) {
    let t = tree(dir);
    assert!(
        !t.iter().any(|n| n.contains(".tmp")),
        "temporary files left behind: {t:?}"
    );
}

fn example(name: &str) -> String {
    repo().join("examples").join(name).to_str().unwrap().to_string()
}

#[cfg(unix)]
#[test]
fn planted_links_are_never_followed() {
    use std::os::unix::fs::symlink;
    let dir = scratch("output-links");
    fs::write(dir.join("victim.txt"), "precious").unwrap();
    fs::create_dir_all(dir.join("out")).unwrap();
    fs::create_dir_all(dir.join("victims")).unwrap();
    // Links at the target names and at temporary names of earlier versions (a pull request can
    // commit such links).
    symlink("../victim.txt", dir.join("out/main.json")).unwrap();
    for pid in 1..50 {
        symlink("../victim.txt", dir.join(format!("out/.main.json.tmp-{pid}"))).unwrap();
    }
    // The attack of the issue: a link at the temporary name an earlier version would use, the
    // process ID of the build being that of the shell (`exec`).
    let g = example("guide.yaml");
    let o = Command::new("/bin/sh")
        .current_dir(&dir)
        .env("NO_COLOR", "1")
        .args([
            "-c",
            "ln -s ../victim.txt out/.main.json.tmp-$$; ln -s ../victim.txt out/.main.bicep.tmp-$$; exec \"$0\" build \"$1\" --out-dir out",
            env!("CARGO_BIN_EXE_aoai-vnet"),
            &g,
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(fs::read_to_string(dir.join("victim.txt")).unwrap(), "precious");
    for f in ["main.json", "main.bicep", "main.parameters.json"] {
        let m = fs::symlink_metadata(dir.join("out").join(f)).unwrap();
        assert!(m.is_file(), "{f} is a file of its own, not a link");
    }
    assert!(
        fs::symlink_metadata(dir.join("out/.main.json.tmp-7"))
            .unwrap()
            .file_type()
            .is_symlink(),
        "links are neither followed nor removed"
    );

    // A modules folder that is a link is refused before anything is written.
    let m = example("multi-rg.yaml");
    symlink("../victims", dir.join("out/modules")).unwrap();
    let before = fs::read(dir.join("out/main.json")).unwrap();
    let o = run_in(&dir, &["build", &m, "--out-dir", "out"]);
    assert_eq!(o.status.code(), Some(5), "{}", stderr(&o));
    assert!(stderr(&o).contains("out/modules: is a symbolic link"), "{}", stderr(&o));
    assert!(
        tree(&dir.join("victims")).is_empty(),
        "nothing written through the link"
    );
    assert_eq!(fs::read(dir.join("out/main.json")).unwrap(), before, "nothing changed");
}

#[test]
fn concurrent_builds_into_one_folder_all_succeed() {
    let dir = scratch("output-concurrent");
    let s = example("spokes-300.yaml");
    let children: Vec<_> = (0..8)
        .map(|_| {
            bin()
                .current_dir(&dir)
                .args(["build", &s, "--out-dir", "out"])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let o = c.wait_with_output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    assert_no_temp_files(&dir.join("out"));
    let o = run_in(&dir, &["build", &s, "--check", "--out-dir", "out"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

/// The folder holds exactly the files of one of the given builds: all old or all new.
fn contents(dir: &Path) -> Vec<(String, Vec<u8>)> {
    tree(dir)
        .into_iter()
        .map(|n| {
            let bytes = fs::read(dir.join(&n)).unwrap();
            (n, bytes)
        })
        .collect()
}

#[cfg(unix)]
#[test]
fn an_interrupted_build_changes_nothing_or_everything() {
    let dir = scratch("output-interrupt");
    let spokes = fs::read_to_string(repo().join("examples/spokes-300.yaml")).unwrap();
    fs::write(dir.join("old.yaml"), spokes.replace("name: tailwind", "name: tailwand")).unwrap();
    let new = example("spokes-300.yaml");
    assert!(run_in(&dir, &["build", "old.yaml", "--out-dir", "new"])
        .status
        .success());
    let old_files = contents(&dir.join("new"));
    assert!(run_in(&dir, &["build", &new, "--out-dir", "ref"]).status.success());
    let new_files = contents(&dir.join("ref"));
    // Signals at many points of the run: before, while staging, around the renames, after.
    for (i, signal) in (0..16).zip([libc::SIGINT, libc::SIGTERM].iter().cycle()) {
        let out = dir.join("new");
        fs::remove_dir_all(&out).unwrap();
        assert!(run_in(&dir, &["build", "old.yaml", "--out-dir", "new"])
            .status
            .success());
        let mut child = Command::new(env!("CARGO_BIN_EXE_aoai-vnet"))
            .current_dir(&dir)
            .args(["build", &new, "--out-dir", "new"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(i * 40));
        unsafe { libc::kill(child.id() as i32, *signal) };
        let status = child.wait().unwrap();
        assert_no_temp_files(&out);
        let now = contents(&out);
        assert!(
            now == old_files || now == new_files,
            "run {i} (exit {status:?}) left a mixed folder: {:?}",
            tree(&out)
        );
    }
}

#[test]
fn a_folder_where_a_file_belongs_changes_nothing_and_is_named() {
    let dir = scratch("output-dir-in-the-way");
    let g = example("guide.yaml");
    let m = example("minimal.yaml");
    assert!(run_in(&dir, &["build", &m, "--out-dir", "out"]).status.success());
    fs::remove_file(dir.join("out/main.bicep")).unwrap();
    fs::create_dir(dir.join("out/main.bicep")).unwrap();
    let before = contents(&dir.join("out"));
    let o = run_in(&dir, &["build", &g, "--out-dir", "out"]);
    assert_eq!(o.status.code(), Some(5), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("out/main.bicep: is a folder where a generated file belongs"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("nothing was written"), "{}", stderr(&o));
    assert_eq!(contents(&dir.join("out")), before, "main.json was not updated either");
    assert_no_temp_files(&dir.join("out"));
}

#[test]
fn an_output_folder_that_is_a_file_is_said_so() {
    let dir = scratch("output-file-in-the-way");
    fs::write(dir.join("infra"), "a file").unwrap();
    let g = example("guide.yaml");
    for out in ["infra", "infra/sub"] {
        let o = run_in(&dir, &["build", &g, "--out-dir", out]);
        assert_eq!(o.status.code(), Some(5), "{}", stderr(&o));
        assert!(stderr(&o).contains("infra: is a file, not a folder"), "{}", stderr(&o));
    }
    assert_eq!(fs::read_to_string(dir.join("infra")).unwrap(), "a file");
}

#[test]
fn leftovers_of_a_killed_build_are_ignored_by_check_and_removed_by_build() {
    let dir = scratch("output-leftovers");
    let g = example("guide.yaml");
    assert!(run_in(&dir, &["build", &g, "--out-dir", "out"]).status.success());
    let main = fs::read(dir.join("out/main.json")).unwrap();
    let bicep = fs::read(dir.join("out/main.bicep")).unwrap();
    // What a killed build leaves: temporary files with the generator mark, current and old names.
    fs::write(dir.join("out/.aoai-vnet-k1LLed.tmp"), &main).unwrap();
    fs::write(dir.join("out/.main.json.tmp-4242"), &main).unwrap();
    fs::write(dir.join("out/.main.bicep.tmp-4242"), &bicep).unwrap();
    let o = run_in(&dir, &["build", &g, "--check", "--out-dir", "out"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(dir.join("out/.main.json.tmp-4242").exists(), "--check writes nothing");
    // Another program's file of the old form, for a file this tool does not write, is not ours.
    fs::write(dir.join("out/.notes.txt.tmp-77"), "theirs").unwrap();
    let o = run_in(&dir, &["build", &g, "--out-dir", "out"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    fs::remove_file(dir.join("out/.notes.txt.tmp-77")).expect("left alone");
    assert_no_temp_files(&dir.join("out"));
}

#[test]
fn check_counts_only_the_targets_files_and_the_exact_mark() {
    let dir = scratch("output-check-kinds");
    let g = example("guide.yaml");
    assert!(run_in(&dir, &["build", &g, "--out-dir", "out"]).status.success());
    fs::write(
        dir.join("out/package.json"),
        "{\n  \"name\": \"aoai-vnet\",\n  \"version\": \"1.0.0\"\n}\n",
    )
    .unwrap();
    fs::write(
        dir.join("out/notes.bicep"),
        "// about aoai-vnet: Generated by aoai-vnet? no\n",
    )
    .unwrap();
    for target in ["all", "arm", "bicep"] {
        let o = run_in(&dir, &["build", &g, "--check", "--target", target, "--out-dir", "out"]);
        assert_eq!(o.status.code(), Some(0), "--target {target}: {}", stderr(&o));
    }
    // Only ARM files in the folder: the Bicep check reports its files missing, not main.json.
    let arm = scratch("output-check-arm-only");
    assert!(run_in(&arm, &["build", &g, "--target", "arm", "--out-dir", "out"])
        .status
        .success());
    let o = run_in(&arm, &["build", &g, "--check", "--target", "arm", "--out-dir", "out"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = run_in(&arm, &["build", &g, "--check", "--target", "bicep", "--out-dir", "out"]);
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("missing: out/main.bicep"), "{}", stderr(&o));
    assert!(!stderr(&o).contains("main.json"), "{}", stderr(&o));
}
