//! `aoai-vnet explain CODE`: what a rule checks and why; without a code, the list of codes.

use super::{ExplainArgs, EXIT_OK, EXIT_USAGE};
use crate::codes;
use crate::diag::suggest;

pub(super) fn run(a: &ExplainArgs) -> u8 {
    let Some(code) = &a.code else {
        for c in codes::ALL {
            println!("{}  {:<7}  {}", c.code, c.severity.as_str(), c.title);
        }
        return EXIT_OK;
    };
    match codes::find(code) {
        Some(c) => {
            println!("{} ({}): {}\n", c.code, c.severity.as_str(), c.title);
            println!("{}", wrap(c.explanation, 96));
            EXIT_OK
        }
        None => {
            eprintln!("error: no diagnostic code `{code}`");
            match suggest(code, codes::ALL.iter().map(|c| c.code)) {
                Some(s) => eprintln!("  = help: did you mean `{s}`? (`aoai-vnet explain` lists every code)"),
                None => eprintln!("  = help: `aoai-vnet explain` lists every code"),
            }
            EXIT_USAGE
        }
    }
}

/// Wraps text at word boundaries.
fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = 0;
    for word in text.split_whitespace() {
        if line > 0 && line + 1 + word.len() > width {
            out.push('\n');
            line = 0;
        } else if line > 0 {
            out.push(' ');
            line += 1;
        }
        out.push_str(word);
        line += word.len();
    }
    out
}
