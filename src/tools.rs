//! The command-line tools around us: the Azure CLI (`az`, for sign-in and deployments) and
//! Microsoft's Bicep CLI (which `az deployment ... --template-file main.bicep` compiles with).
//! `doctor` reports them; the tests find the Bicep CLI the same way.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The variable that names a Bicep CLI to use.
pub const BICEP_ENV: &str = "AOAI_VNET_BICEP";

/// A tool found on this machine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub path: PathBuf,
    /// How it was found (`AOAI_VNET_BICEP`, `PATH`, `~/.azure/bin`).
    pub via: &'static str,
}

/// The Bicep CLI: `AOAI_VNET_BICEP`, else `bicep` on `PATH`, else `~/.azure/bin/bicep` (where
/// `az bicep install` puts it). `Err` says where it looked.
pub fn find_bicep() -> Result<Found, String> {
    if let Some(p) = std::env::var_os(BICEP_ENV).filter(|p| !p.is_empty()) {
        let path = PathBuf::from(p);
        return if path.is_file() {
            Ok(Found { path, via: BICEP_ENV })
        } else {
            Err(format!("{BICEP_ENV} names {}, which is not a file", path.display()))
        };
    }
    if let Some(path) = on_path("bicep") {
        return Ok(Found { path, via: "PATH" });
    }
    if let Some(home) = std::env::var_os("HOME") {
        let path = Path::new(&home).join(".azure/bin/bicep");
        if path.is_file() {
            return Ok(Found {
                path,
                via: "~/.azure/bin",
            });
        }
    }
    Err(format!(
        "not found ({BICEP_ENV} is not set, no `bicep` on PATH, no ~/.azure/bin/bicep); `az bicep install` installs it"
    ))
}

/// The Azure CLI on `PATH`.
pub fn find_az() -> Result<Found, String> {
    on_path(if cfg!(windows) { "az.cmd" } else { "az" })
        .map(|path| Found { path, via: "PATH" })
        .ok_or_else(|| "not found on PATH (https://aka.ms/installazurecli)".to_string())
}

/// The first executable file named `name` in a folder of `PATH`.
pub fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(p) else { return false };
    if !meta.is_file() {
        return false;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    true
}

/// The first line a tool prints for `args` (its version), within `timeout`; `Err` says why not.
pub fn version(program: &Path, args: &[&str], timeout: Duration) -> Result<String, String> {
    let mut child = Command::new(program)
        .args(args)
        .env("BICEP_TELEMETRY_OPTOUT", "1")
        .env("DOTNET_CLI_TELEMETRY_OPTOUT", "1")
        .env("AZURE_CORE_COLLECT_TELEMETRY", "no")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("does not start: {e}"))?;
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                let mut out = String::new();
                if let Some(mut s) = child.stdout.take() {
                    // A version line is short; never read more than a page of it.
                    let _ = s.by_ref().take(64 * 1024).read_to_string(&mut out);
                }
                let first = out.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
                return match (status.success(), first) {
                    // What a tool prints reaches the terminal: no control characters.
                    (true, l) if !l.is_empty() => Ok(l.chars().filter(|c| !c.is_control()).take(200).collect()),
                    _ => Err(format!("`{}` failed ({status})", args.join(" "))),
                };
            }
            Ok(None) if started.elapsed() < timeout => std::thread::sleep(Duration::from_millis(20)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "no answer to `{}` within {} s",
                    args.join(" "),
                    timeout.as_secs()
                ));
            }
            Err(e) => return Err(e.to_string()),
        }
    }
}

/// One line per tool for `doctor`: where it is and its version, or why it is missing.
pub fn report(timeout: Duration) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = |name: &str, found: Result<Found, String>, args: &[&str], needed: &str| {
        lines.push(match found {
            Ok(f) => {
                let v = version(&f.path, args, timeout).unwrap_or_else(|e| format!("version unknown: {e}"));
                format!("{name}: {} (from {}): {v}", f.path.display(), f.via)
            }
            Err(why) => format!("{name}: {why}; {needed}"),
        });
    };
    line(
        "az",
        find_az(),
        &["version", "--query", "\"azure-cli\"", "--output", "tsv"],
        "`deploy` can sign in without it (service principal, workload or managed identity)",
    );
    line(
        "bicep",
        find_bicep(),
        &["--version"],
        "only the ARM template (main.json) deploys without it",
    );
    lines
}
