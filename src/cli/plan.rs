//! `aoai-vnet plan`: what a deployment will build, for review: the address plan, the resources,
//! the private DNS, a security summary and a diagram, as Markdown (a pull request comment) or as
//! JSON (for scripts; the shape is documented in docs/ci.md).

use super::{read, report, DEFAULT_FILE, EXIT_OK, EXIT_TOPOLOGY};
use crate::emit::{graph, plan};
use crate::model::Model;
use crate::source::SourceFile;
use clap::ValueEnum;
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
pub struct PlanArgs {
    /// The topology file.
    #[arg(default_value = DEFAULT_FILE)]
    pub file: PathBuf,
    /// `markdown` for a pull request comment, `json` for scripts.
    #[arg(long, value_enum, default_value_t = PlanFormat::Markdown)]
    pub format: PlanFormat,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum PlanFormat {
    Markdown,
    Json,
}

pub(super) fn run(a: &PlanArgs) -> u8 {
    let (file, model) = match load(&a.file) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let template = crate::lower::lower(&model);
    let p = plan::plan(&model, &template);
    match a.format {
        PlanFormat::Markdown => print!("{}", plan::markdown(&p, &graph::build(&model), &file.name)),
        PlanFormat::Json => print!("{}", plan::json(&p)),
    }
    EXIT_OK
}

/// Reads and checks a topology; diagnostics go to stderr. On failure returns the exit code.
pub(super) fn load(path: &Path) -> Result<(SourceFile, Model), u8> {
    let file = read(path)?;
    let (model, diags) = crate::check_source(&file);
    report(&file, &diags, false);
    match model {
        Some(m) => Ok((file, m)),
        None => Err(EXIT_TOPOLOGY),
    }
}
