//! Writing generated files so that a folder is never left half-updated, clobbered through a
//! link, or mixed by two builds at once:
//!
//! 1. names are checked (a plain name, or one level below the output folder in one of
//!    [`SUBFOLDERS`]; an absolute path, `..`, a backslash, a deeper or unknown folder is
//!    refused) and so are the places they go (a folder where a file belongs, a file where a
//!    folder belongs, a link where the modules' folder belongs);
//! 2. the output folder is locked, so concurrent builds into it take turns;
//! 3. every file is staged as a new temporary file beside its target (`staged`);
//! 4. then all are renamed into place, and files that an earlier run generated and this one no
//!    longer does are pruned. A rename replaces a link, never writes through it.
//!
//! On an error or a signal before step 4, the staged files are removed and nothing has changed.

mod drift;
mod staged;

pub use drift::{drift, Drift, GENERATED_MARK};
pub use staged::abandon;

use crate::OutputFile;
use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};

/// The folder of the files that the owners of an existing VNet deploy (its side of peerings).
pub const PLATFORM_DIR: &str = "platform";
/// The folders below the output folder that generated files may live in: the Bicep modules and
/// the platform team's files.
pub const SUBFOLDERS: &[&str] = &[crate::emit::bicep::MODULES_DIR, PLATFORM_DIR];

/// Why files could not be written: the path concerned and what is wrong with it.
#[derive(Debug)]
pub struct WriteError {
    pub path: PathBuf,
    pub problem: String,
    /// Whether the output folder may have changed (a rename failed after others were done).
    pub partial: bool,
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {}",
            crate::term::clean(&self.path.display().to_string()),
            self.problem
        )
    }
}

fn fail(path: &Path, problem: impl Into<String>) -> WriteError {
    WriteError {
        path: path.to_path_buf(),
        problem: problem.into(),
        partial: false,
    }
}

fn io_fail(path: &Path, e: &io::Error) -> WriteError {
    fail(path, e.to_string())
}

/// The folder and file name of a generated file, after checking its name.
fn target(dir: &Path, name: &str) -> io::Result<(PathBuf, String)> {
    // 255 bytes is the longest file name of common file systems: a longer one would fail only
    // at the final rename, after other files were replaced.
    let plain = |p: &str| !p.is_empty() && p.len() <= 255 && p != "." && p != ".." && !p.contains(['/', '\\', '\0']);
    match name.split_once('/') {
        None if plain(name) => Ok((dir.to_path_buf(), name.to_string())),
        Some((folder, file)) if SUBFOLDERS.contains(&folder) && plain(file) => Ok((dir.join(folder), file.to_string())),
        _ => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("`{name}` is not a name for a generated file"),
        )),
    }
}

/// Locks the output folder: exclusively to write, shared to compare. The lock is released when
/// the file is dropped. On Unix the folder itself is locked (no lock file is left behind); a
/// folder that does not exist needs no shared lock.
fn lock(dir: &Path, exclusive: bool) -> io::Result<Option<File>> {
    #[cfg(unix)]
    let f = match File::open(dir) {
        Ok(f) => f,
        Err(e) if !exclusive && matches!(e.kind(), io::ErrorKind::NotFound | io::ErrorKind::NotADirectory) => {
            return Ok(None)
        }
        Err(e) => return Err(e),
    };
    #[cfg(not(unix))]
    let f = {
        if !exclusive && !dir.is_dir() {
            return Ok(None);
        }
        fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join(".aoai-vnet.lock"))?
    };
    if exclusive {
        f.lock()?;
    } else {
        f.lock_shared()?;
    }
    Ok(Some(f))
}

/// Creates `folder` if missing, saying clearly when something else is in the way; returns
/// whether it was created. The output folder is the user's choice and may be a link to a
/// folder; a subfolder that is a link (one a pull request could plant) is refused.
fn ensure_folder(folder: &Path, may_be_link: bool) -> Result<bool, WriteError> {
    match fs::symlink_metadata(folder) {
        Ok(m) if m.is_dir() => return Ok(false),
        Ok(m) if m.file_type().is_symlink() && may_be_link && folder.is_dir() => return Ok(false),
        Ok(m) if m.file_type().is_symlink() => {
            return Err(fail(
                folder,
                "is a symbolic link; generated files are never written through a link (remove it)",
            ))
        }
        Ok(_) => return Err(fail(folder, NOT_A_FOLDER)),
        Err(e) if matches!(e.kind(), io::ErrorKind::NotFound | io::ErrorKind::NotADirectory) => {}
        Err(e) => return Err(io_fail(folder, &e)),
    }
    // A file somewhere above the folder: name it rather than say "Not a directory".
    if let Some(file) = folder.ancestors().skip(1).find(|a| a.is_file()) {
        return Err(fail(file, NOT_A_FOLDER));
    }
    fs::create_dir_all(folder).map_err(|e| io_fail(folder, &e))?;
    Ok(true)
}

const NOT_A_FOLDER: &str = "is a file, not a folder (move it away, or write somewhere else)";

/// Writes `files` into `dir` (created if missing, with the subfolders the files need): all of
/// them, or, on any error or interruption, none (the folder is left as it was).
///
/// Then, in each folder of `owned` (a subfolder that only the written files refer to, such as
/// the modules of `main.bicep`), files that an earlier run generated and this one does not are
/// removed; their names are returned. Files the tool did not generate are never touched.
pub fn write_all(dir: &Path, files: &[OutputFile], owned: &[&str]) -> Result<Vec<String>, WriteError> {
    let targets = files
        .iter()
        .map(|f| target(dir, &f.name))
        .collect::<io::Result<Vec<_>>>()
        .map_err(|e| io_fail(dir, &e))?;
    let mut created = Vec::new();
    if ensure_folder(dir, true)? {
        created.push(dir.to_path_buf());
    }
    let _lock = lock(dir, true).map_err(|e| io_fail(dir, &e))?;
    let result = stage_and_commit(dir, files, &targets, owned, &mut created);
    if result.as_ref().is_err_and(|e| !e.partial) {
        // Folders this run created, if still empty, go too.
        for f in created.iter().rev() {
            let _ = fs::remove_dir(f);
        }
    }
    result
}

fn stage_and_commit(
    dir: &Path,
    files: &[OutputFile],
    targets: &[(PathBuf, String)],
    owned: &[&str],
    created: &mut Vec<PathBuf>,
) -> Result<Vec<String>, WriteError> {
    let mut folders: Vec<&PathBuf> = targets.iter().map(|(f, _)| f).collect();
    folders.dedup();
    for folder in &folders {
        if folder.as_path() != dir && ensure_folder(folder, false)? {
            created.push(folder.to_path_buf());
        }
        let names: Vec<&str> = targets
            .iter()
            .filter(|(f, _)| f == *folder)
            .map(|(_, n)| n.as_str())
            .collect();
        staged::clean_leftovers(folder, &names);
    }
    // Nothing may stand where a file goes but a file or a link (which the rename replaces).
    for (folder, file) in targets {
        let path = folder.join(file);
        if let Ok(m) = fs::symlink_metadata(&path) {
            if m.is_dir() {
                return Err(fail(&path, "is a folder where a generated file belongs (move it away)"));
            }
        }
    }
    let mut pairs = Vec::new();
    for (f, (folder, file)) in files.iter().zip(targets) {
        match staged::stage(folder, f.text.as_bytes()) {
            Ok(tmp) => pairs.push((tmp, folder.join(file))),
            Err(e) => {
                staged::discard();
                return Err(io_fail(&folder.join(file), &e));
            }
        }
    }
    let touched: Vec<PathBuf> = folders.iter().map(|f| f.to_path_buf()).collect();
    staged::commit(&pairs, || {
        let mut removed = Vec::new();
        // Only the kinds this run writes: `--target arm` leaves Bicep files alone.
        let kinds = drift::kinds(files);
        for folder in owned.iter().filter(|f| SUBFOLDERS.contains(f)) {
            for name in drift::generated_in(dir, Some(folder), &kinds)? {
                if !files.iter().any(|f| f.name == name) {
                    fs::remove_file(dir.join(&name))?;
                    removed.push(name);
                }
            }
        }
        for folder in &touched {
            sync_folder(folder);
        }
        Ok(removed)
    })
    .map_err(|(path, e, partial)| WriteError {
        partial,
        ..io_fail(if path.as_os_str().is_empty() { dir } else { &path }, &e)
    })
}

/// Flushes a folder's entries (the renames) to disk, where the platform can.
fn sync_folder(folder: &Path) {
    #[cfg(unix)]
    if let Ok(f) = File::open(folder) {
        let _ = f.sync_all();
    }
    #[cfg(not(unix))]
    let _ = folder;
}

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
            &"x".repeat(256),
        ] {
            assert!(target(dir, bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn bad_names_write_nothing() {
        let dir = scratch("bad");
        let e = write_all(&dir, &[f("main.json", "{}"), f("../escape", "x")], &[]).unwrap_err();
        assert!(e.problem.contains("is not a name for a generated file"), "{e}");
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
