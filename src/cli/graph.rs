//! `aoai-vnet graph`: the network diagram on its own, as Mermaid or Graphviz DOT.

use super::{DEFAULT_FILE, EXIT_OK};
use crate::emit::graph;
use clap::ValueEnum;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct GraphArgs {
    /// The topology file.
    #[arg(default_value = DEFAULT_FILE)]
    pub file: PathBuf,
    /// `mermaid` (renders in GitHub Markdown) or `dot` (Graphviz: `dot -Tsvg`).
    #[arg(long, value_enum, default_value_t = GraphFormat::Mermaid)]
    pub format: GraphFormat,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum GraphFormat {
    Mermaid,
    Dot,
}

pub(super) fn run(a: &GraphArgs) -> u8 {
    let (_, model) = match super::plan::load(&a.file) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let g = graph::build(&model);
    match a.format {
        GraphFormat::Mermaid => print!("{}", graph::mermaid(&g)),
        GraphFormat::Dot => print!("{}", graph::dot(&g)),
    }
    EXIT_OK
}
