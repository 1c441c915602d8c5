//! The command line: clap definitions and the commands, each returning an exit code.
//!
//! Exit codes: 0 success; 1 the topology has errors; 2 usage error; 3 generated files are stale;
//! 5 a file could not be read or written.

mod build;
mod check;

use crate::diag::{render, Diagnostic};
use crate::source::SourceFile;
use clap::{Parser, Subcommand, ValueEnum};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

pub const EXIT_OK: u8 = 0;
pub const EXIT_TOPOLOGY: u8 = 1;
pub const EXIT_USAGE: u8 = 2;
pub const EXIT_STALE: u8 = 3;
pub const EXIT_IO: u8 = 5;

const DEFAULT_FILE: &str = "aoai-vnet.yaml";

#[derive(Parser, Debug)]
#[command(
    name = "aoai-vnet",
    version,
    about = "Compile a topology file into ARM templates that put an Azure OpenAI account inside a virtual network",
    long_about = None,
    after_help = "Exit codes: 0 success, 1 the topology has errors, 2 usage error, 3 generated files are stale, 5 a file could not be read or written."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Compile a topology into deployment files.
    Build(BuildArgs),
    /// Check a topology and report every problem, writing nothing.
    Check(CheckArgs),
    /// Print the JSON schema of the topology language (for editors).
    Schema,
}

#[derive(clap::Args, Debug)]
pub struct BuildArgs {
    /// The topology file.
    #[arg(default_value = DEFAULT_FILE)]
    pub file: PathBuf,
    /// What to generate: `arm` writes main.json and main.parameters.json.
    #[arg(long, value_enum, default_value_t = TargetArg::Arm)]
    pub target: TargetArg,
    /// The folder to write into (created if missing).
    #[arg(long, default_value = "infra")]
    pub out_dir: PathBuf,
    /// Write nothing; exit 3 when the files in --out-dir are not what would be generated.
    #[arg(long, conflicts_with = "stdout")]
    pub check: bool,
    /// Print the template to standard output instead of writing files.
    #[arg(long)]
    pub stdout: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum TargetArg {
    Arm,
}

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// The topology file.
    #[arg(default_value = DEFAULT_FILE)]
    pub file: PathBuf,
}

/// Runs the command line; returns the process exit code.
pub fn run(cli: Cli) -> u8 {
    match cli.command {
        Command::Build(a) => build::run(&a),
        Command::Check(a) => check::run(&a),
        Command::Schema => {
            print!("{}", crate::TOPOLOGY_SCHEMA);
            EXIT_OK
        }
    }
}

/// Reads a topology file; on failure prints why and returns the exit code.
pub(crate) fn read(path: &Path) -> Result<SourceFile, u8> {
    match std::fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => Ok(SourceFile::new(path.display().to_string(), text)),
            Err(e) => {
                let upto = &e.as_bytes()[..e.utf8_error().valid_up_to()];
                let line = upto.iter().filter(|b| **b == b'\n').count() + 1;
                eprintln!(
                    "error[E0001]: {} is not UTF-8 text (first bad byte on line {line})",
                    path.display()
                );
                Err(EXIT_TOPOLOGY)
            }
        },
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", path.display());
            if e.kind() == std::io::ErrorKind::NotFound && path == Path::new(DEFAULT_FILE) {
                eprintln!("  = help: pass the topology file, e.g. `aoai-vnet build examples/guide.yaml`");
            }
            Err(EXIT_IO)
        }
    }
}

/// Prints the diagnostics and a summary line; `writes` says whether the command would have
/// written files (so the summary can say that it did not).
pub(crate) fn report(file: &SourceFile, diags: &[Diagnostic], writes: bool) {
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    for d in diags {
        eprint!("{}", render(d, file, color));
    }
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let warnings = diags.len() - errors;
    if errors > 0 {
        let tail = if writes { "; nothing was written" } else { "" };
        eprintln!("{}: {errors} error(s), {warnings} warning(s){tail}", file.name);
    } else if warnings > 0 {
        eprintln!("{}: {warnings} warning(s)", file.name);
    }
}
