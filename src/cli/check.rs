//! `aoai-vnet check`: report every problem of a topology, writing nothing, for people (human),
//! scripts (json) or GitHub code scanning (sarif).

use super::{load, report, CheckArgs, Format, Load, EXIT_OK, EXIT_TOPOLOGY};
use crate::diag::{json, sarif, Diagnostic};

pub(super) fn run(a: &CheckArgs) -> u8 {
    let (name, diags, file) = match load(&a.file) {
        Ok(file) => {
            let (_, diags) = crate::check_source(&file);
            (file.name.clone(), diags, file)
        }
        Err(Load::Invalid(bad)) => {
            let (file, d) = *bad;
            (file.name.clone(), vec![d], file)
        }
        Err(Load::Io(code)) => return code,
    };
    let failed = diags.iter().any(Diagnostic::is_error);
    match a.format {
        Format::Human => {
            report(&file, &diags, false);
            if !failed {
                eprintln!("{name}: ok");
            }
        }
        Format::Json => print!("{}", json::render(&name, &diags)),
        Format::Sarif => print!("{}", sarif::render(&name, &diags)),
    }
    if failed {
        EXIT_TOPOLOGY
    } else {
        EXIT_OK
    }
}
