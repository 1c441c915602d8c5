//! Parse and check arbitrary bytes as a topology: must never panic, hang or blow up memory; on
//! success, lowering and emitting must not panic either.
#![no_main]

use aoai_vnet::{compile, source::SourceFile, Target};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let file = SourceFile::new("fuzz.yaml", text);
    let (compiled, diags) = compile(&file, Target::All);
    // Every diagnostic renders, whatever the input.
    for d in &diags {
        let _ = aoai_vnet::diag::render(d, &file, false);
    }
    assert_eq!(compiled.is_some(), !diags.iter().any(|d| d.is_error()));
});
