//! `aoai-vnet completions SHELL` and `aoai-vnet man [COMMAND]`: generated from the clap
//! definitions, so they cannot drift from the real command line.

use super::{Cli, EXIT_IO, EXIT_OK, EXIT_USAGE};
use clap::CommandFactory;
use clap_complete::Shell;
use std::io::Write;

#[derive(clap::Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: Shell,
}

#[derive(clap::Args, Debug)]
pub struct ManArgs {
    /// A command, for its own page (`aoai-vnet-build(1)`); without one, the main page.
    pub command: Option<String>,
}

pub(super) fn completions(a: &CompletionsArgs) -> u8 {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(a.shell, &mut cmd, "aoai-vnet", &mut out);
    emit(&out)
}

pub(super) fn man(a: &ManArgs) -> u8 {
    let mut cmd = Cli::command();
    cmd.build();
    let page = match &a.command {
        None => cmd,
        Some(name) => match cmd.find_subcommand(name) {
            Some(sub) => sub.clone(),
            None => {
                let names: Vec<&str> = cmd.get_subcommands().map(|c| c.get_name()).collect();
                eprintln!("error: no command `{name}`; commands: {}", names.join(", "));
                return EXIT_USAGE;
            }
        },
    };
    let mut out = Vec::new();
    let man = clap_mangen::Man::new(page).source(format!("aoai-vnet {}", env!("CARGO_PKG_VERSION")));
    if let Err(e) = man.render(&mut out) {
        eprintln!("error: cannot render the manual page: {e}");
        return EXIT_IO;
    }
    emit(&out)
}

fn emit(bytes: &[u8]) -> u8 {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Ok(()) => EXIT_OK,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => EXIT_OK,
        Err(e) => {
            eprintln!("error: cannot write to standard output: {e}");
            EXIT_IO
        }
    }
}
