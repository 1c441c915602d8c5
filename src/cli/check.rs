//! `aoai-vnet check`: report every problem of a topology, writing nothing.

use super::{read, report, CheckArgs, EXIT_OK, EXIT_TOPOLOGY};

pub(super) fn run(a: &CheckArgs) -> u8 {
    let file = match read(&a.file) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let (model, diags) = crate::check_source(&file);
    report(&file, &diags, false);
    if model.is_some() {
        eprintln!("{}: ok", file.name);
        EXIT_OK
    } else {
        EXIT_TOPOLOGY
    }
}
