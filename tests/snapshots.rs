//! Golden files: the generated output of every example, kept in `snapshots/`. Review changes with
//! `cargo insta review` (or `INSTA_UPDATE=always cargo test` then `git diff snapshots/`).

mod common;
use aoai_vnet::{compile, source::SourceFile, Target};
use common::*;

#[test]
fn every_example_matches_its_snapshot() {
    for path in examples() {
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        let file = SourceFile::new(format!("examples/{stem}.yaml"), text);
        let (compiled, diags) = compile(&file, Target::Arm);
        let c = compiled.unwrap_or_else(|| panic!("{stem} does not build: {diags:?}"));
        // Compiling twice gives the same bytes.
        let (again, _) = compile(&file, Target::Arm);
        assert_eq!(again.unwrap().files, c.files, "{stem} is not deterministic");
        for f in &c.files {
            insta::with_settings!({
                snapshot_path => "../snapshots",
                prepend_module_to_snapshot => false,
                omit_expression => true,
                description => format!("aoai-vnet build examples/{stem}.yaml: {}", f.name),
            }, {
                insta::assert_snapshot!(format!("{stem}__{}", f.name), f.text);
            });
        }
    }
}
