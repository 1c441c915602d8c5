//! The `aoai-vnet` binary: parse arguments, run the command, exit with its code.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match aoai_vnet::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                aoai_vnet::cli::EXIT_USAGE
            } else {
                aoai_vnet::cli::EXIT_OK
            });
        }
    };
    ExitCode::from(aoai_vnet::cli::run(cli))
}
