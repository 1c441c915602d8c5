//! Microsoft's Bicep CLI over the Bicep we write, for every example (and so every output shape:
//! a resource-group template, a subscription-scope template with modules, a template split into
//! chunks) and the fixtures in `tests/fixtures/bicep/`:
//!
//! - `bicep build`: no error and no warning;
//! - `bicep lint` with `tests/bicep/bicepconfig.json` (every core linter rule, as an error): no finding;
//! - `bicep format`: changes no byte of any file, modules included;
//! - `bicep build-params`: every `.bicepparam` builds;
//! - `bicep snapshot` of `main.bicepparam` and of the same parameters `using 'main.json'`: the
//!   deployment engine's own evaluator predicts the same resources from the Bicep and the ARM JSON;
//!   the same for the hub owners' files in `platform/`.
//!
//! The CLI is found as `aoai_vnet::tools::find_bicep` finds it: from `AOAI_VNET_BICEP`, else `bicep` on `PATH`, else `~/.azure/bin/bicep`
//! (where `az bicep install` puts it). Without one the test says that it skipped and why; when
//! `AOAI_VNET_BICEP` names a file that does not run, it fails (CI sets it). Each CLI start costs
//! about a second, so each command runs once over every file (`--pattern`), except `snapshot`,
//! which takes one parameters file, and those run a few at a time.

mod common;
use common::*;
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Instant;

/// The folder of the control file, which has one problem for each command to find.
const CONTROL: &str = "zz-control";
/// The folder of the hub owners' files (`aoai_vnet::output::PLATFORM_DIR`).
const PLATFORM: &str = "platform";

/// The CLI with the environment it needs: a writable folder to unpack its native parts into, no
/// telemetry, ICU's invariant mode where ICU is missing, and placeholder secrets for the
/// parameters files (they read the jump box's key or password from the environment).
struct Bicep {
    exe: PathBuf,
    invariant: bool,
    bundle: PathBuf,
}

impl Bicep {
    fn command(&self, dir: &Path) -> Command {
        let mut c = Command::new(&self.exe);
        c.current_dir(dir)
            .env("DOTNET_BUNDLE_EXTRACT_BASE_DIR", &self.bundle)
            .env("DOTNET_CLI_TELEMETRY_OPTOUT", "1")
            .env("BICEP_TELEMETRY_OPTOUT", "1")
            .env(
                "JUMPBOX_SSH_PUBLIC_KEY",
                "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB7rJ2cQWb0n8bP6n3u0m8xZ0kq6fXQ0rXc3v5w1n9Zk test",
            )
            .env("JUMPBOX_ADMIN_PASSWORD", "Test-Placeholder-1!")
            // The hub owners' files read where the application's VNets are.
            .env("APPLICATION_SUBSCRIPTION_ID", "00000000-0000-0000-0000-0000000000bb")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if self.invariant {
            c.env("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1");
        }
        c
    }

    fn run(&self, dir: &Path, args: &[&str]) -> Output {
        self.command(dir).args(args).output().expect("the Bicep CLI starts")
    }

    fn spawn(&self, dir: &Path, args: &[&str]) -> Child {
        self.command(dir).args(args).spawn().expect("the Bicep CLI starts")
    }

    /// Finds the CLI and starts it once: `bicep --version`, with ICU's invariant mode if it does
    /// not start without.
    fn start() -> Result<(Bicep, String), String> {
        // The project's own lookup (`doctor` reports the same), but a CLI that CI names must be there.
        let exe = match aoai_vnet::tools::find_bicep() {
            Ok(found) => found.path,
            Err(why) if std::env::var_os(aoai_vnet::tools::BICEP_ENV).is_some_and(|v| !v.is_empty()) => panic!("{why}"),
            Err(why) => return Err(why),
        };
        let bundle = std::env::var_os("DOTNET_BUNDLE_EXTRACT_BASE_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_TARGET_TMPDIR")).join("bicep-bundle"));
        std::fs::create_dir_all(&bundle).expect("a folder for the CLI's native parts");
        for invariant in [false, true] {
            let b = Bicep {
                exe: exe.clone(),
                invariant,
                bundle: bundle.clone(),
            };
            let o = b.run(Path::new("."), &["--version"]);
            if o.status.success() {
                return Ok((b, stdout(&o).trim().to_string()));
            }
        }
        panic!(
            "{} does not start (also tried DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1)",
            exe.display()
        );
    }
}

/// The CLI's diagnostics (`file(line,col) : Error|Warning CODE: ...`), or the failure itself
/// when it failed without one.
fn diagnostics(o: &Output) -> Vec<String> {
    let text = format!("{}{}", stdout(o), stderr(o));
    let mut found: Vec<String> = text
        .lines()
        .filter(|l| l.contains(" : Error ") || l.contains(" : Warning ") || l.contains(" : Info "))
        .map(|l| l.trim().to_string())
        .collect();
    if !o.status.success() && found.is_empty() {
        found.push(format!("exit {:?}: {}", o.status.code(), text.trim()));
    }
    found
}

/// Every file under `dir` with this extension, relative to `dir`, sorted.
fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    fn walk(root: &Path, dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).expect("readable folder") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                walk(root, &p, ext, out);
            } else if p.extension().is_some_and(|e| e == ext) {
                out.push(p.strip_prefix(root).expect("below root").to_path_buf());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, ext, &mut out);
    out.sort();
    out
}

/// The topologies: every example, and the fixtures made for this test.
fn topologies() -> Vec<PathBuf> {
    let mut v = examples();
    let fixtures = repo().join("tests/fixtures/bicep");
    let mut more: Vec<PathBuf> = std::fs::read_dir(&fixtures)
        .expect("tests/fixtures/bicep")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    more.sort();
    v.extend(more);
    v
}

/// `bicep snapshot` of one parameters file: the predicted resources by (type, name), or why not.
fn predicted(dir: &Path, stem: &str, child: Child) -> Result<BTreeMap<(String, String), Json>, String> {
    let o = child.wait_with_output().expect("snapshot finishes");
    let file = dir.join(format!("{stem}.snapshot.json"));
    if !o.status.success() || !file.is_file() {
        return Err(diagnostics(&o).join("; "));
    }
    let snap: Json = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).expect("snapshot JSON");
    let mut out = BTreeMap::new();
    for r in snap["predictedResources"].as_array().expect("predictedResources") {
        let key = (
            r["type"].as_str().unwrap_or_default().to_ascii_lowercase(),
            r["name"].as_str().unwrap_or_default().to_ascii_lowercase(),
        );
        out.insert(key, r.clone());
    }
    Ok(out)
}

/// The deployment scope arguments `bicep snapshot` needs for this template.
fn scope_args(main_json: &Json) -> Vec<&'static str> {
    let mut args = vec![
        "--mode",
        "overwrite",
        "--subscription-id",
        "00000000-0000-0000-0000-0000000000aa",
        "--location",
        "eastus",
    ];
    let schema = main_json["$schema"].as_str().unwrap_or_default();
    if !schema.contains("subscriptionDeploymentTemplate") {
        args.extend(["--resource-group", "rg-test"]);
    }
    args
}

/// Compares the two predictions of one topology.
fn compare(
    name: &str,
    bicep: &BTreeMap<(String, String), Json>,
    arm: &BTreeMap<(String, String), Json>,
    problems: &mut Vec<String>,
) {
    for k in arm.keys().filter(|k| !bicep.contains_key(*k)) {
        problems.push(format!("{name}: snapshot: {} '{}' only from main.json", k.0, k.1));
    }
    for k in bicep.keys().filter(|k| !arm.contains_key(*k)) {
        problems.push(format!("{name}: snapshot: {} '{}' only from main.bicep", k.0, k.1));
    }
    for (k, a) in arm {
        if let Some(b) = bicep.get(k) {
            if a != b {
                problems.push(format!(
                    "{name}: snapshot: {} '{}' differs:\n  main.json:  {a}\n  main.bicep: {b}",
                    k.0, k.1
                ));
            }
        }
    }
}

#[test]
fn microsofts_bicep_cli_accepts_every_topology_and_agrees_with_the_arm_template() {
    let (cli, version) = match Bicep::start() {
        Ok(found) => found,
        Err(why) => {
            eprintln!("skipped: {why}");
            return;
        }
    };
    let started = Instant::now();
    let root = scratch("bicep-cli");
    let config = repo().join("tests/bicep/bicepconfig.json");
    let config = config.to_str().expect("UTF-8 path");

    // Build each topology through the binary, as a user would: `build/NAME/` holds what
    // `aoai-vnet build` writes; `arm/NAME/` the ARM template with the same parameters in Bicep's
    // form, for the snapshot of the ARM side.
    let mut names: Vec<(String, PathBuf, String)> = Vec::new();
    for path in topologies() {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let out = root.join("build").join(&name);
        let o = bin()
            .args(["build", path.to_str().unwrap(), "--out-dir", out.to_str().unwrap()])
            .env("NO_COLOR", "1")
            .output()
            .expect("aoai-vnet runs");
        assert!(o.status.success(), "{name} does not build: {}", stderr(&o));
        // Each deployable template: `main`, and the hub owners' files in `platform/`.
        let mut deployables = vec![(PathBuf::new(), "main".to_string())];
        for f in files(&out, "bicepparam") {
            if f.starts_with(PLATFORM) {
                let stem = f.file_stem().unwrap().to_string_lossy().into_owned();
                deployables.push((PathBuf::from(PLATFORM), stem));
            }
        }
        for (sub, stem) in deployables {
            let (from, arm) = (out.join(&sub), root.join("arm").join(&name).join(&sub));
            let mut template: Json =
                serde_json::from_str(&std::fs::read_to_string(from.join(format!("{stem}.json"))).unwrap()).unwrap();
            // Outputs read runtime values (the endpoint's IP), which a snapshot cannot evaluate.
            template.as_object_mut().unwrap().remove("outputs");
            std::fs::create_dir_all(&arm).unwrap();
            std::fs::write(
                arm.join(format!("{stem}.json")),
                serde_json::to_string(&template).unwrap(),
            )
            .unwrap();
            let params = std::fs::read_to_string(from.join(format!("{stem}.bicepparam"))).unwrap();
            let using = format!("using '{stem}.bicep'");
            assert!(params.contains(&using), "{name}: {params}");
            std::fs::write(
                arm.join(format!("{stem}.bicepparam")),
                params.replacen(&using, &format!("using '{stem}.json'"), 1),
            )
            .unwrap();
            names.push((name.clone(), sub, stem));
        }
    }
    let build_dir = root.join("build");
    // A control beside them, so that the run shows it can fail: one compiler error, one linter
    // finding, one formatting change, each of which must be reported.
    let control = build_dir.join(CONTROL);
    std::fs::create_dir_all(&control).unwrap();
    std::fs::write(
        control.join("main.bicep"),
        "metadata description = 'A control for the test'\n\nparam unused string\n\noutput  wrong int = 'text'\n",
    )
    .unwrap();
    let originals: Vec<(PathBuf, String)> = files(&build_dir, "bicep")
        .into_iter()
        .map(|f| {
            let text = std::fs::read_to_string(build_dir.join(&f)).unwrap();
            (f, text)
        })
        .collect();
    let mut problems: Vec<String> = Vec::new();

    // Snapshots first, a few processes at a time, while nothing else has touched the folders.
    let mut predictions: Vec<(String, Result<_, String>, Result<_, String>)> = Vec::new();
    for batch in names.chunks(2) {
        let running: Vec<(String, String, PathBuf, Child, PathBuf, Child)> = batch
            .iter()
            .map(|(name, sub, stem)| {
                let b = build_dir.join(name).join(sub);
                let a = root.join("arm").join(name).join(sub);
                let template: Json =
                    serde_json::from_str(&std::fs::read_to_string(a.join(format!("{stem}.json"))).unwrap()).unwrap();
                let param_file = format!("{stem}.bicepparam");
                let mut args = vec!["snapshot", param_file.as_str()];
                args.extend(scope_args(&template));
                let cb = cli.spawn(&b, &args);
                let ca = cli.spawn(&a, &args);
                let label = if sub.as_os_str().is_empty() {
                    name.clone()
                } else {
                    format!("{name}/{}/{stem}", sub.display())
                };
                (label, stem.clone(), b, cb, a, ca)
            })
            .collect();
        for (label, stem, b, cb, a, ca) in running {
            let pb = predicted(&b, &stem, cb);
            let pa = predicted(&a, &stem, ca);
            // The snapshot file is not ours: the format and lint passes below must not see it.
            let _ = std::fs::remove_file(b.join(format!("{stem}.snapshot.json")));
            predictions.push((label, pb, pa));
        }
    }
    let mut steps: Vec<(&str, f64)> = vec![("snapshot", started.elapsed().as_secs_f64())];
    let mut lap = Instant::now();
    let mut step = |name: &'static str, steps: &mut Vec<(&str, f64)>| {
        steps.push((name, lap.elapsed().as_secs_f64()));
        lap = Instant::now();
    };
    let mut resources = 0;
    for (name, pb, pa) in &predictions {
        match (pb, pa) {
            (Ok(b), Ok(a)) => {
                resources += a.len();
                compare(name, b, a, &mut problems);
            }
            (b, a) => {
                if let Err(e) = b {
                    problems.push(format!("{name}: snapshot of the Bicep failed: {e}"));
                }
                if let Err(e) = a {
                    problems.push(format!("{name}: snapshot of main.json failed: {e}"));
                }
            }
        }
    }

    // One process per command over every topology. `build` writes `main.json` beside each
    // `main.bicep`, so it gets folders of its own.
    let compiled = root.join("compiled");
    let o = cli.run(
        &build_dir,
        &[
            "build",
            "--pattern",
            "*/main.bicep",
            "--outdir",
            compiled.to_str().unwrap(),
        ],
    );
    problems.extend(diagnostics(&o).into_iter().map(|d| format!("build: {d}")));
    let platform = names.iter().any(|(_, sub, _)| sub.starts_with(PLATFORM));
    if platform {
        let o = cli.run(
            &build_dir,
            &[
                "build",
                "--pattern",
                "*/platform/*.bicep",
                "--outdir",
                root.join("compiled-platform").to_str().unwrap(),
            ],
        );
        problems.extend(diagnostics(&o).into_iter().map(|d| format!("build: {d}")));
    }
    step("build", &mut steps);
    let o = cli.run(&build_dir, &["lint", "--pattern", "**/*.bicep", "--config", config]);
    problems.extend(diagnostics(&o).into_iter().map(|d| format!("lint: {d}")));
    step("lint", &mut steps);
    let o = cli.run(
        &build_dir,
        &[
            "build-params",
            "--pattern",
            "*/main.bicepparam",
            "--outdir",
            compiled.to_str().unwrap(),
        ],
    );
    problems.extend(diagnostics(&o).into_iter().map(|d| format!("build-params: {d}")));
    if platform {
        let o = cli.run(
            &build_dir,
            &[
                "build-params",
                "--pattern",
                "*/platform/*.bicepparam",
                "--outdir",
                root.join("compiled-platform").to_str().unwrap(),
            ],
        );
        problems.extend(diagnostics(&o).into_iter().map(|d| format!("build-params: {d}")));
    }
    step("build-params", &mut steps);
    let o = cli.run(&build_dir, &["format", "--pattern", "**/*.bicep"]);
    problems.extend(diagnostics(&o).into_iter().map(|d| format!("format: {d}")));
    step("format", &mut steps);
    for (f, text) in &originals {
        let now = std::fs::read_to_string(build_dir.join(f)).unwrap();
        if now != *text {
            let line = text
                .lines()
                .zip(now.lines())
                .position(|(a, b)| a != b)
                .map_or(text.lines().count().min(now.lines().count()) + 1, |i| i + 1);
            problems.push(format!(
                "format: `bicep format` changes {} from line {line}",
                f.display()
            ));
        }
    }

    // The control's problems, then none elsewhere.
    let (control, problems): (Vec<String>, Vec<String>) = problems.into_iter().partition(|p| p.contains(CONTROL));
    for (step, what) in [
        ("build: ", "BCP033"),
        ("lint: ", "no-unused-params"),
        ("format: ", "bicep format"),
    ] {
        assert!(
            control.iter().any(|p| p.starts_with(step) && p.contains(what)),
            "the control's {what} was not reported; the checks may be blind:\n{}",
            control.join("\n")
        );
    }

    let steps: Vec<String> = steps.iter().map(|(n, s)| format!("{n} {s:.1} s")).collect();
    eprintln!(
        "{version} at {}: {} topologies ({} templates), {} Bicep files, {resources} predicted resources, {:.1} s ({})",
        cli.exe.display(),
        names
            .iter()
            .map(|n| &n.0)
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        names.len(),
        originals.len(),
        started.elapsed().as_secs_f64(),
        steps.join(", ")
    );
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn snapshots_that_differ_are_reported() {
    let key = ("microsoft.network/virtualnetworks".to_string(), "vnet-a".to_string());
    let one = |prefix: &str| BTreeMap::from([(key.clone(), serde_json::json!({ "addressPrefix": prefix }))]);
    let mut problems = Vec::new();
    compare("t", &one("10.0.0.0/16"), &one("10.0.0.0/16"), &mut problems);
    assert!(problems.is_empty(), "{problems:?}");
    compare("t", &one("10.0.0.0/16"), &one("10.1.0.0/16"), &mut problems);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains("'vnet-a' differs"), "{problems:?}");
    compare("t", &BTreeMap::new(), &one("10.0.0.0/16"), &mut problems);
    assert!(problems[1].contains("only from main.json"), "{problems:?}");
}
