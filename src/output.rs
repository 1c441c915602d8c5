//! Writing generated files without ever leaving a half-written or clobbered file: each file is
//! written to a temporary file in its own folder, then renamed over its target. Nothing is
//! written at all unless every file was produced.
//!
//! A file's name is relative to the output folder: a plain name (`main.json`), or one level
//! below it in one of [`SUBFOLDERS`] (`modules/contoso-main-1.bicep`). Anything else (an
//! absolute path, `..`, a backslash, a deeper or unknown folder) is refused before anything is
//! written.

use crate::OutputFile;
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// The folders below the output folder that generated files may live in: the Bicep modules.
pub const SUBFOLDERS: &[&str] = &[crate::emit::bicep::MODULES_DIR];

/// The folder and file name of a generated file, after checking its name.
fn target(dir: &Path, name: &str) -> io::Result<(PathBuf, String)> {
    let plain = |p: &str| !p.is_empty() && p != "." && p != ".." && !p.contains(['/', '\\', '\0']);
    match name.split_once('/') {
        None if plain(name) => Ok((dir.to_path_buf(), name.to_string())),
        Some((folder, file)) if SUBFOLDERS.contains(&folder) && plain(file) => Ok((dir.join(folder), file.to_string())),
        _ => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("`{name}` is not a name for a generated file"),
        )),
    }
}

/// Writes `files` into `dir` (created if missing, with the subfolders the files need). On error,
/// the files already renamed are the complete new ones and no temporary file is left behind.
///
/// Then, in each folder of `owned` (a subfolder that only the written files refer to, such as
/// the modules of `main.bicep`), files that an earlier run generated and this one does not are
/// removed; their names are returned. Files the tool did not generate are never touched.
pub fn write_all(dir: &Path, files: &[OutputFile], owned: &[&str]) -> io::Result<Vec<String>> {
    let targets = files
        .iter()
        .map(|f| target(dir, &f.name))
        .collect::<io::Result<Vec<_>>>()?;
    fs::create_dir_all(dir)?;
    for (folder, _) in &targets {
        fs::create_dir_all(folder)?;
    }
    let mut temps = Vec::new();
    let result: io::Result<()> = (|| {
        for (f, (folder, file)) in files.iter().zip(&targets) {
            let tmp = folder.join(format!(".{file}.tmp-{}", std::process::id()));
            temps.push(tmp.clone());
            let mut out = fs::File::create(&tmp)?;
            out.write_all(f.text.as_bytes())?;
            out.sync_all()?;
        }
        for ((folder, file), tmp) in targets.iter().zip(&temps) {
            fs::rename(tmp, folder.join(file))?;
        }
        Ok(())
    })();
    if result.is_err() {
        for t in &temps {
            let _ = fs::remove_file(t);
        }
    }
    result?;
    let mut removed = Vec::new();
    for folder in owned.iter().filter(|f| SUBFOLDERS.contains(f)) {
        for name in generated_in(dir, Some(folder))? {
            if !files.iter().any(|f| f.name == name) {
                fs::remove_file(dir.join(&name))?;
                removed.push(name);
            }
        }
    }
    Ok(removed)
}

/// How the files on disk differ from what would be generated.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Drift {
    pub missing: Vec<String>,
    pub different: Vec<String>,
    /// Files that an earlier run of this tool generated and that this run would not (in the
    /// output folder and its [`SUBFOLDERS`]).
    pub extra: Vec<String>,
}

impl Drift {
    pub fn is_clean(&self) -> bool {
        self.missing.is_empty() && self.different.is_empty() && self.extra.is_empty()
    }
}

/// Compares `files` with `dir` without writing anything.
pub fn drift(dir: &Path, files: &[OutputFile]) -> io::Result<Drift> {
    let mut d = Drift::default();
    for f in files {
        let (folder, file) = target(dir, &f.name)?;
        match fs::read(folder.join(file)) {
            Ok(bytes) if bytes == f.text.as_bytes() => {}
            Ok(_) => d.different.push(f.name.clone()),
            Err(e) if matches!(e.kind(), io::ErrorKind::NotFound | io::ErrorKind::NotADirectory) => {
                d.missing.push(f.name.clone())
            }
            Err(e) => return Err(e),
        }
    }
    let mut extra = generated_in(dir, None)?;
    for folder in SUBFOLDERS {
        extra.extend(generated_in(dir, Some(folder))?);
    }
    extra.retain(|n| !files.iter().any(|f| f.name == *n));
    d.extra = extra;
    Ok(d)
}

/// The names (relative to `dir`) of the files in `dir`, or in its subfolder `folder`, that carry
/// this tool's generator mark, sorted. A folder that does not exist has none.
fn generated_in(dir: &Path, folder: Option<&str>) -> io::Result<Vec<String>> {
    let path = match folder {
        Some(f) => dir.join(f),
        None => dir.to_path_buf(),
    };
    let entries = match fs::read_dir(&path) {
        Ok(e) => e,
        Err(e) if matches!(e.kind(), io::ErrorKind::NotFound | io::ErrorKind::NotADirectory) => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut out: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter(|e| is_generated(&e.path()))
        .map(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            match folder {
                Some(f) => format!("{f}/{n}"),
                None => n,
            }
        })
        .collect();
    out.sort();
    Ok(out)
}

/// Whether a file carries this tool's generator mark in its first bytes.
fn is_generated(path: &Path) -> bool {
    let mut head = Vec::new();
    let Ok(f) = fs::File::open(path) else {
        return false;
    };
    if f.take(600).read_to_end(&mut head).is_err() {
        return false;
    }
    let head = String::from_utf8_lossy(&head);
    head.contains(&format!("\"name\": \"{}\"", env!("CARGO_PKG_NAME"))) || head.contains(GENERATED_MARK)
}

/// The first-line comment of generated text files (Bicep).
pub const GENERATED_MARK: &str = "Generated by aoai-vnet";

#[cfg(test)]
mod tests {
    use super::*;

    fn f(name: &str, text: &str) -> OutputFile {
        OutputFile {
            name: name.into(),
            text: text.into(),
        }
    }

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("aoai-vnet-output-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn names_are_plain_or_one_level_in_a_known_folder() {
        let dir = Path::new("out");
        assert_eq!(
            target(dir, "main.json").unwrap(),
            (dir.to_path_buf(), "main.json".into())
        );
        assert_eq!(
            target(dir, "modules/a-1.bicep").unwrap(),
            (dir.join("modules"), "a-1.bicep".into())
        );
        for bad in [
            "",
            ".",
            "..",
            "../x.bicep",
            "/etc/passwd",
            "modules/..",
            "modules/",
            "modules/a/b.bicep",
            "other/x.bicep",
            "a\\b",
            "modules\\x.bicep",
        ] {
            assert!(target(dir, bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn bad_names_write_nothing() {
        let dir = scratch("bad");
        let e = write_all(&dir, &[f("main.json", "{}"), f("../escape", "x")], &[]).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        assert!(!dir.exists(), "nothing is created");
    }

    #[test]
    fn modules_are_written_compared_and_pruned() {
        let dir = scratch("modules");
        let mark = format!("// {GENERATED_MARK} 0: x\n");
        let files = vec![
            f("main.bicep", &mark),
            f("modules/a.bicep", &format!("{mark}a")),
            f("modules/b.bicep", &format!("{mark}b")),
        ];
        assert_eq!(
            drift(&dir, &files).unwrap().missing,
            ["main.bicep", "modules/a.bicep", "modules/b.bicep"]
        );
        assert!(write_all(&dir, &files, &["modules"]).unwrap().is_empty());
        assert_eq!(
            fs::read_to_string(dir.join("modules/b.bicep")).unwrap(),
            format!("{mark}b")
        );
        assert!(drift(&dir, &files).unwrap().is_clean());
        let names: Vec<_> = fs::read_dir(dir.join("modules"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 2, "no temporary file is left: {names:?}");
        // A hand-written file in the folder is neither extra nor removed.
        fs::write(dir.join("modules/notes.md"), "mine").unwrap();
        fs::write(dir.join("modules/b.bicep"), "edited").unwrap();
        let fewer = &files[..2];
        let d = drift(&dir, fewer).unwrap();
        assert!(d.extra.is_empty(), "an edit without the mark is not ours: {d:?}");
        fs::write(dir.join("modules/b.bicep"), format!("{mark}b")).unwrap();
        let d = drift(&dir, fewer).unwrap();
        assert_eq!(d.extra, ["modules/b.bicep"]);
        // Written without pruning, the stale module stays; with it, it goes.
        assert!(write_all(&dir, fewer, &[]).unwrap().is_empty());
        assert!(dir.join("modules/b.bicep").exists());
        assert_eq!(write_all(&dir, fewer, &["modules"]).unwrap(), ["modules/b.bicep"]);
        assert!(!dir.join("modules/b.bicep").exists());
        assert!(dir.join("modules/notes.md").exists());
        assert!(drift(&dir, fewer).unwrap().is_clean());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_file_where_the_folder_should_be_is_an_error_and_missing_for_check() {
        let dir = scratch("file-folder");
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("modules"), "a file").unwrap();
        let files = [f("main.bicep", "x"), f("modules/a.bicep", "a")];
        assert_eq!(drift(&dir, &files).unwrap().missing, ["main.bicep", "modules/a.bicep"]);
        assert!(write_all(&dir, &files, &["modules"]).is_err());
        assert!(!dir.join("main.bicep").exists(), "nothing written");
        fs::remove_dir_all(&dir).unwrap();
    }
}
