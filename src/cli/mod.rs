//! The command line: clap definitions and the commands, each returning an exit code.
//!
//! Exit codes: 0 success; 1 the topology has errors; 2 usage error; 3 generated files are stale;
//! 4 Azure refused or failed the deployment;
//! 5 a file could not be read or written.

mod build;
mod check;
mod completions;
mod deploy;
mod doctor;
mod explain;
mod graph;
mod hosts;
mod init;
mod plan;

use crate::diag::{render, Diagnostic};
use crate::source::SourceFile;
use clap::{Parser, Subcommand, ValueEnum};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

pub const EXIT_OK: u8 = 0;
pub const EXIT_TOPOLOGY: u8 = 1;
pub const EXIT_USAGE: u8 = 2;
pub const EXIT_STALE: u8 = 3;
pub const EXIT_AZURE: u8 = 4;
pub const EXIT_IO: u8 = 5;

const DEFAULT_FILE: &str = "aoai-vnet.yaml";

#[derive(Parser, Debug)]
#[command(
    name = "aoai-vnet",
    version,
    about = "Compile a topology file into ARM templates and Bicep that put an Azure OpenAI account inside a virtual network",
    long_about = None,
    after_help = "Exit codes: 0 success, 1 the topology has errors, 2 usage error, 3 generated files are stale, 4 Azure refused or failed the deployment, 5 a file or the network failed."
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
    /// Explain a diagnostic code (what the rule checks and why); without a code, list them all.
    Explain(ExplainArgs),
    /// Print a review of what would be deployed: address plan, resources, DNS, security, diagram.
    Plan(plan::PlanArgs),
    /// Print the network diagram (Mermaid or Graphviz DOT).
    Graph(graph::GraphArgs),
    /// Print hosts-file lines for the account's names (from a static IP or the deployment's outputs).
    Hosts(hosts::HostsArgs),
    /// Test name resolution, TCP reachability and (with --api) an authenticated call to the account, and name the likely cause of a failure.
    Doctor(doctor::DoctorArgs),
    /// Write a commented starter aoai-vnet.yaml into the current folder.
    Init(init::InitArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions(completions::CompletionsArgs),
    /// Print the manual page (roff) of aoai-vnet or of one command.
    Man(completions::ManArgs),
    /// Deploy the topology through Azure Resource Manager: validate, what-if, deploy, follow, save the outputs.
    Deploy(deploy::DeployArgs),
}

#[derive(clap::Args, Debug)]
pub struct ExplainArgs {
    /// A code such as E0202 or W0001.
    pub code: Option<String>,
}

/// How `check` prints its findings.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Format {
    /// For people: located messages with the source line (colour on a terminal).
    Human,
    /// For scripts: a JSON array, one object per diagnostic.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
}

#[derive(clap::Args, Debug)]
pub struct BuildArgs {
    /// The topology file.
    #[arg(default_value = DEFAULT_FILE)]
    pub file: PathBuf,
    /// What to generate: `arm` writes main.json and main.parameters.json, `bicep` writes
    /// main.bicep and main.bicepparam (and modules/ when nested), `all` writes both forms. A
    /// peering with an existing VNet adds its owners' side in platform/, in each form.
    #[arg(long, value_enum, default_value_t = TargetArg::All)]
    pub target: TargetArg,
    /// The folder to write into (created if missing).
    #[arg(long, default_value = "infra")]
    pub out_dir: PathBuf,
    /// Write nothing; exit 3 when the files in --out-dir are not what would be generated.
    #[arg(long, conflicts_with = "stdout")]
    pub check: bool,
    /// Print the template (main.json or main.bicep) to standard output instead of writing
    /// files; needs `--target arm` or `--target bicep`.
    #[arg(long)]
    pub stdout: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum TargetArg {
    Arm,
    Bicep,
    All,
}

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// The topology file.
    #[arg(default_value = DEFAULT_FILE)]
    pub file: PathBuf,
    /// Output format; `json` and `sarif` go to standard output.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

/// Runs the command line; returns the process exit code.
pub fn run(cli: Cli) -> u8 {
    match cli.command {
        Command::Build(a) => build::run(&a),
        Command::Check(a) => check::run(&a),
        Command::Explain(a) => explain::run(&a),
        Command::Plan(a) => plan::run(&a),
        Command::Graph(a) => graph::run(&a),
        Command::Hosts(a) => hosts::run(&a),
        Command::Doctor(a) => doctor::run(&a),
        Command::Init(a) => init::run(&a),
        Command::Completions(a) => completions::completions(&a),
        Command::Man(a) => completions::man(&a),
        Command::Deploy(a) => deploy::run(&a),
        Command::Schema => {
            print!("{}", crate::TOPOLOGY_SCHEMA);
            EXIT_OK
        }
    }
}

/// Reads a topology file; on failure prints why and returns the exit code.
pub(crate) fn read(path: &Path) -> Result<SourceFile, u8> {
    match load(path) {
        Ok(f) => Ok(f),
        Err(Load::Invalid(bad)) => {
            let (file, d) = *bad;
            report(&file, &[d], false);
            Err(EXIT_TOPOLOGY)
        }
        Err(Load::Io(code)) => Err(code),
    }
}

/// Why a topology file could not be loaded.
pub(crate) enum Load {
    /// The file is not text we accept; the diagnostic says why (reported like any other).
    Invalid(Box<(SourceFile, Diagnostic)>),
    /// The file could not be read; the message is printed, this is the exit code.
    Io(u8),
}

/// Reads a topology file: refuses oversized files before reading them and non-UTF-8 bytes with
/// a located diagnostic.
pub(crate) fn load(path: &Path) -> Result<SourceFile, Load> {
    let name = path.display().to_string();
    let io_error = |e: std::io::Error| {
        eprintln!("error: cannot read {}: {e}", crate::term::clean(&name));
        if e.kind() == std::io::ErrorKind::NotFound && path == Path::new(DEFAULT_FILE) {
            eprintln!(
                "  = help: pass the topology file, e.g. `aoai-vnet build examples/guide.yaml`, or run `aoai-vnet init`"
            );
        }
        Load::Io(EXIT_IO)
    };
    let bytes = match crate::input::read(path, crate::yaml::MAX_BYTES as u64) {
        Ok(b) => b,
        Err(crate::input::ReadError::TooLarge(size)) => {
            let size = if size == 0 {
                "more than that".to_string()
            } else {
                format!("{size} bytes")
            };
            let d = Diagnostic::error(
                "E0001",
                None,
                format!(
                    "the file is {size}; topology files are limited to {} bytes",
                    crate::yaml::MAX_BYTES
                ),
            );
            return Err(Load::Invalid(Box::new((SourceFile::new(name, ""), d))));
        }
        Err(crate::input::ReadError::Io(e)) => return Err(io_error(e)),
        Err(e) => {
            eprintln!(
                "error: cannot read {}: {e}",
                crate::term::clean(&path.display().to_string())
            );
            eprintln!("  = help: a topology is a YAML or JSON file");
            return Err(Load::Io(EXIT_IO));
        }
    };
    match String::from_utf8(bytes) {
        Ok(text) => Ok(SourceFile::new(name, text)),
        Err(e) => {
            let upto = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let line = upto.iter().filter(|b| **b == b'\n').count() as u32 + 1;
            let col = upto.iter().rev().take_while(|b| **b != b'\n').count() as u32 + 1;
            let at = crate::source::Pos { line, col };
            let d = Diagnostic::error(
                "E0001",
                Some(crate::source::Span::new(at, at)),
                "the file is not UTF-8 text (is it binary, or saved in another encoding?)",
            )
            .with_help("save the topology as UTF-8");
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            Err(Load::Invalid(Box::new((SourceFile::new(name, text), d))))
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
        eprintln!(
            "{}: {errors} error(s), {warnings} warning(s){tail}",
            crate::term::clean(&file.name)
        );
    } else if warnings > 0 {
        eprintln!("{}: {warnings} warning(s)", crate::term::clean(&file.name));
    }
}
