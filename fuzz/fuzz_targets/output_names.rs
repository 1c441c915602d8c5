//! Writing generated files with arbitrary names and contents: a name that is not a plain name
//! (or one level below a known subfolder) must be refused, and nothing may ever be created
//! outside the output folder or left behind as a temporary file.
#![no_main]

use aoai_vnet::{output, OutputFile};
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fn entries(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                out.extend(entries(&e.path()).into_iter().map(|n| format!("{name}/{n}")));
            }
            out.push(name);
        }
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(4, '\n');
    let names: Vec<String> = parts.by_ref().take(3).map(str::to_string).collect();
    let body = parts.next().unwrap_or_default();
    let root = std::env::temp_dir().join(format!("aoai-vnet-fuzz-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let out = root.join("out");
    std::fs::create_dir_all(&root).unwrap();
    let files: Vec<OutputFile> = names
        .iter()
        .map(|n| OutputFile {
            name: n.clone(),
            text: body.to_string(),
        })
        .collect();
    let result = output::write_all(&out, &files, &["modules"]);
    let outside: Vec<String> = entries(&root)
        .into_iter()
        .filter(|e| e != "out" && !e.starts_with("out/"))
        .collect();
    assert!(outside.is_empty(), "written outside the folder: {outside:?}");
    let inside = entries(&out);
    // A temporary file is `.aoai-vnet-*.tmp`; a file asked for by that name is not one.
    let temp = |e: &String| {
        let file = e.rsplit('/').next().unwrap_or(e);
        file.starts_with(".aoai-vnet-") && file.ends_with(".tmp") && !names.contains(e)
    };
    assert!(!inside.iter().any(temp), "temporary files left: {inside:?}");
    if result.is_ok() {
        for f in &files {
            assert_eq!(std::fs::read_to_string(out.join(&f.name)).unwrap(), body);
        }
    } else {
        assert!(inside.iter().all(|e| e == "modules"), "a refused write left {inside:?}");
    }
    let _ = std::fs::remove_dir_all(&root);
});
