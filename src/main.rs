//! The `aoai-vnet` binary: parse arguments, run the command, exit with its code.

use clap::Parser;
use std::process::ExitCode;

// mimalloc: a large estate's build allocates millions of small strings and JSON values, and
// glibc's allocator took a quarter of its time (measured with `perf`; see `cargo bench`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
