//! `aoai-vnet init`: writes a starter `aoai-vnet.yaml` into the current folder, never over an
//! existing file. Default: a commented starter with the guide's architecture
//! (`templates/starter.yaml`); `--example NAME` writes one of `examples/` instead. Both are
//! embedded in the binary.
//!
//! Exit codes: 0 written; 2 unknown example (clap lists the names); 5 the file exists or cannot
//! be written.

use super::{DEFAULT_FILE, EXIT_IO, EXIT_OK};
use std::io::Write;

/// The commented starter.
pub const STARTER: &str = include_str!("../../templates/starter.yaml");

/// The examples, by name (the file name without `.yaml`), sorted. `tests/review.rs` checks that
/// this lists every file in `examples/`: add a new example here.
pub const EXAMPLES: &[(&str, &str)] = &[
    ("central-logs", include_str!("../../examples/central-logs.yaml")),
    ("entra-login", include_str!("../../examples/entra-login.yaml")),
    ("estate-1800", include_str!("../../examples/estate-1800.yaml")),
    ("existing-dns", include_str!("../../examples/existing-dns.yaml")),
    ("firewall-egress", include_str!("../../examples/firewall-egress.yaml")),
    ("government", include_str!("../../examples/government.yaml")),
    ("guide", include_str!("../../examples/guide.yaml")),
    ("hub-endpoint", include_str!("../../examples/hub-endpoint.yaml")),
    ("hub-spoke-vpn", include_str!("../../examples/hub-spoke-vpn.yaml")),
    (
        "landing-zone-spoke",
        include_str!("../../examples/landing-zone-spoke.yaml"),
    ),
    ("logs-and-locks", include_str!("../../examples/logs-and-locks.yaml")),
    ("minimal", include_str!("../../examples/minimal.yaml")),
    ("multi-rg", include_str!("../../examples/multi-rg.yaml")),
    ("no-dns", include_str!("../../examples/no-dns.yaml")),
    ("resolver", include_str!("../../examples/resolver.yaml")),
    (
        "selected-networks",
        include_str!("../../examples/selected-networks.yaml"),
    ),
    ("spokes-300", include_str!("../../examples/spokes-300.yaml")),
    ("two-hubs", include_str!("../../examples/two-hubs.yaml")),
];

fn example_names() -> Vec<&'static str> {
    EXAMPLES.iter().map(|(n, _)| *n).collect()
}

#[derive(clap::Args, Debug)]
pub struct InitArgs {
    /// Start from an example instead of the commented starter.
    #[arg(long, value_name = "NAME", value_parser = clap::builder::PossibleValuesParser::new(example_names()))]
    pub example: Option<String>,
}

/// The text `init` writes.
pub fn text(example: Option<&str>) -> Option<String> {
    let Some(name) = example else {
        return Some(STARTER.to_string());
    };
    let (_, body) = EXAMPLES.iter().find(|(n, _)| *n == name)?;
    // The examples point their editor schema at `../schemas/`, which is not there in the user's
    // folder.
    let body: String = body
        .lines()
        .filter(|l| !l.starts_with("# yaml-language-server:"))
        .map(|l| format!("{l}\n"))
        .collect();
    Some(format!(
        "# From aoai-vnet's example `{name}` (`aoai-vnet init --example {name}`).\n# `aoai-vnet build` compiles this file into infra/; `aoai-vnet schema` prints every key.\n{body}"
    ))
}

pub(super) fn run(a: &InitArgs) -> u8 {
    let Some(text) = text(a.example.as_deref()) else {
        // Unreachable through clap's parser, which checks the name.
        eprintln!(
            "error: no example `{}`; examples: {}",
            a.example.as_deref().unwrap_or_default(),
            example_names().join(", ")
        );
        return super::EXIT_USAGE;
    };
    // `create_new` refuses an existing file atomically: no check-then-write race.
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(DEFAULT_FILE);
    let mut f = match file {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            eprintln!("error: {DEFAULT_FILE} already exists; init never overwrites a file");
            eprintln!("  = help: move it away, or run `aoai-vnet init` in another folder");
            return EXIT_IO;
        }
        Err(e) => {
            eprintln!("error: cannot create {DEFAULT_FILE}: {e}");
            return EXIT_IO;
        }
    };
    if let Err(e) = f.write_all(text.as_bytes()).and_then(|()| f.sync_all()) {
        eprintln!("error: cannot write {DEFAULT_FILE}: {e}");
        let _ = std::fs::remove_file(DEFAULT_FILE);
        return EXIT_IO;
    }
    let what = match &a.example {
        Some(n) => format!("example `{n}`"),
        None => "the commented starter (the guide's architecture)".into(),
    };
    eprintln!("wrote {DEFAULT_FILE} from {what}");
    eprintln!("next: edit it, then `aoai-vnet plan` to review and `aoai-vnet build` to write infra/");
    EXIT_OK
}
