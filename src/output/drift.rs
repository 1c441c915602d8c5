//! The drift check of `build --check`: which files in the output folder are missing, differ
//! from what would be generated, or were generated earlier and would no longer be.
//!
//! Only what the chosen target writes is compared: with `--target arm`, Bicep files are none of
//! its business. A file counts as generated earlier only when it carries this tool's exact
//! mark (a `package.json` named `aoai-vnet` is not ours), and temporary files are ignored.

use super::{staged, target, SUBFOLDERS};
use crate::OutputFile;
use std::fs;
use std::io::{self, Read};
use std::path::Path;

/// How the files on disk differ from what would be generated.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Drift {
    pub missing: Vec<String>,
    pub different: Vec<String>,
    /// Files that an earlier run of this tool generated and that this run would not (in the
    /// output folder and its [`SUBFOLDERS`]), among the kinds of file this run writes.
    pub extra: Vec<String>,
}

impl Drift {
    pub fn is_clean(&self) -> bool {
        self.missing.is_empty() && self.different.is_empty() && self.extra.is_empty()
    }
}

/// Compares `files` with `dir` without writing anything.
pub fn drift(dir: &Path, files: &[OutputFile]) -> io::Result<Drift> {
    // Waits for a build that is writing into the folder, so that its files are seen whole.
    let _lock = super::lock(dir, false)?;
    let mut d = Drift::default();
    for f in files {
        let (folder, file) = target(dir, &f.name)?;
        let path = folder.join(file);
        match fs::symlink_metadata(&path) {
            // A link, folder or device where a generated file belongs is not up to date (and is
            // never followed or read).
            Ok(m) if !m.is_file() => d.different.push(f.name.clone()),
            Ok(m) if m.len() != f.text.len() as u64 => d.different.push(f.name.clone()),
            Ok(_) => match fs::read(&path) {
                Ok(bytes) if bytes == f.text.as_bytes() => {}
                Ok(_) => d.different.push(f.name.clone()),
                Err(e) => return Err(e),
            },
            Err(e) if matches!(e.kind(), io::ErrorKind::NotFound | io::ErrorKind::NotADirectory) => {
                d.missing.push(f.name.clone())
            }
            Err(e) => return Err(e),
        }
    }
    let kinds = kinds(files);
    let mut extra = generated_in(dir, None, &kinds)?;
    for folder in SUBFOLDERS {
        extra.extend(generated_in(dir, Some(folder), &kinds)?);
    }
    extra.retain(|n| !files.iter().any(|f| f.name == *n));
    d.extra = extra;
    Ok(d)
}

/// The kinds of file (extensions) among `files`: what a run compares and prunes, so that one
/// target's run leaves the other target's files alone.
pub(super) fn kinds(files: &[OutputFile]) -> Vec<&str> {
    files.iter().filter_map(|f| extension(&f.name)).collect()
}

fn extension(name: &str) -> Option<&str> {
    name.rsplit_once('.').map(|(_, e)| e)
}

/// The names (relative to `dir`) of the regular files in `dir`, or in its subfolder `folder`,
/// with one of the extensions `kinds`, that carry this tool's generator mark, sorted. A folder
/// that does not exist has none.
pub(super) fn generated_in(dir: &Path, folder: Option<&str>, kinds: &[&str]) -> io::Result<Vec<String>> {
    let path = match folder {
        Some(f) => dir.join(f),
        None => dir.to_path_buf(),
    };
    // A link where the modules' folder belongs is not followed.
    if fs::symlink_metadata(&path).is_ok_and(|m| !m.is_dir()) {
        return Ok(Vec::new());
    }
    let entries = match fs::read_dir(&path) {
        Ok(e) => e,
        Err(e) if matches!(e.kind(), io::ErrorKind::NotFound | io::ErrorKind::NotADirectory) => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut out: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            let ours = !staged::is_temp_name(&n)
                && extension(&n).is_some_and(|x| kinds.contains(&x))
                && is_generated(&e.path());
            ours.then(|| match folder {
                Some(f) => format!("{f}/{n}"),
                None => n,
            })
        })
        .collect();
    out.sort();
    out.dedup();
    Ok(out)
}

/// Whether a file carries this tool's generator mark: Bicep files start with the
/// [`GENERATED_MARK`] comment; ARM templates have `metadata._generator.name` set to this tool,
/// written first in their metadata.
fn is_generated(path: &Path) -> bool {
    let mut head = Vec::new();
    let Ok(f) = fs::File::open(path) else {
        return false;
    };
    if f.take(600).read_to_end(&mut head).is_err() {
        return false;
    }
    let head = String::from_utf8_lossy(&head);
    if head.starts_with(&format!("// {GENERATED_MARK} ")) {
        return true;
    }
    let compact: String = head.chars().filter(|c| !c.is_whitespace()).collect();
    compact.contains(&format!(
        "\"metadata\":{{\"_generator\":{{\"name\":\"{}\"",
        env!("CARGO_PKG_NAME")
    ))
}

/// The first-line comment of generated text files (Bicep).
pub const GENERATED_MARK: &str = "Generated by aoai-vnet";
