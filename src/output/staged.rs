//! The temporary files of a write in progress, known to the whole process so that Ctrl-C or
//! SIGTERM can remove them: a build that is interrupted leaves the folder as it was.
//!
//! Temporary files are created by the `tempfile` crate: exclusively (`O_EXCL`, so a planted
//! file or symbolic link of that name is never opened), with an unpredictable name, in the
//! folder of their target so that the final rename stays on one file system.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

/// Every temporary file of this tool starts with this and ends with [`TEMP_SUFFIX`].
pub const TEMP_PREFIX: &str = ".aoai-vnet-";
pub const TEMP_SUFFIX: &str = ".tmp";

/// The staged files not yet renamed into place, and whether the renames are done.
struct State {
    staged: Vec<PathBuf>,
    committed: bool,
}

static STATE: Mutex<State> = Mutex::new(State {
    staged: Vec::new(),
    committed: false,
});

fn state() -> MutexGuard<'static, State> {
    STATE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Writes `text` to a new temporary file in `folder`, flushed to disk; returns its path.
/// The file is registered before this returns, so an interruption removes it.
pub fn stage(folder: &Path, text: &[u8]) -> io::Result<PathBuf> {
    let mut st = state();
    let mut b = tempfile::Builder::new();
    b.prefix(TEMP_PREFIX).suffix(TEMP_SUFFIX);
    #[cfg(unix)]
    {
        // As `File::create` would: the umask decides, not tempfile's private 0600.
        use std::os::unix::fs::PermissionsExt;
        b.permissions(fs::Permissions::from_mode(0o666));
    }
    let mut tmp = b.tempfile_in(folder)?;
    st.staged.push(tmp.path().to_path_buf());
    drop(st);
    tmp.write_all(text)?;
    tmp.as_file().sync_all()?;
    // Kept on disk: from here, `abandon` (or `commit`) owns its removal.
    let (_, path) = tmp.keep().map_err(|e| e.error)?;
    Ok(path)
}

/// Renames each staged file to its target, holding the state so that a signal waits for the
/// renames to end (the folder is never left half-updated by Ctrl-C). `then` runs while the
/// state is held (the pruning of files no longer generated). On error, what is still staged
/// is removed; the error says whether anything had been renamed or removed by then.
pub fn commit<T>(
    pairs: &[(PathBuf, PathBuf)],
    then: impl FnOnce() -> io::Result<T>,
) -> Result<T, (PathBuf, io::Error, bool)> {
    let mut st = state();
    let mut result = Ok(());
    for (i, (tmp, target)) in pairs.iter().enumerate() {
        if let Err(e) = fs::rename(tmp, target) {
            result = Err((target.clone(), e, i > 0));
            break;
        }
        st.staged.retain(|p| p != tmp);
    }
    let result = result.and_then(|()| then().map_err(|e| (PathBuf::new(), e, true)));
    match result {
        Ok(v) => {
            st.committed = true;
            Ok(v)
        }
        Err(e) => {
            remove(&mut st);
            Err(e)
        }
    }
}

/// Removes the staged files of a write that failed before its renames.
pub fn discard() {
    remove(&mut state());
}

/// Called on Ctrl-C or SIGTERM: waits for renames in progress, removes what is staged, and
/// tells whether the files were written (`true`: the renames had all been done).
pub fn abandon() -> bool {
    let mut st = state();
    remove(&mut st);
    // The state stays locked: the process is about to exit, and no new file may be staged.
    let committed = st.committed;
    std::mem::forget(st);
    committed
}

fn remove(st: &mut State) {
    for p in st.staged.drain(..) {
        let _ = fs::remove_file(p);
    }
}

/// Whether `name` is one of this tool's temporary files: the current form, or the
/// `.{file}.tmp-{pid}` of versions before it.
pub fn is_temp_name(name: &str) -> bool {
    if name.starts_with(TEMP_PREFIX) && name.ends_with(TEMP_SUFFIX) {
        return true;
    }
    name.starts_with('.')
        && name
            .rsplit_once(".tmp-")
            .is_some_and(|(_, pid)| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
}

/// Removes this tool's temporary files left in `folder` by a run that was killed (only while
/// the folder's lock is held: no other run is writing there): the current form, and the old
/// form only for the `files` written there (another program's `.x.tmp-123` is not ours). Links
/// and folders are left alone.
pub fn clean_leftovers(folder: &Path, files: &[&str]) {
    let Ok(entries) = fs::read_dir(folder) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let ours = (name.starts_with(TEMP_PREFIX) && name.ends_with(TEMP_SUFFIX))
            || (is_temp_name(&name)
                && name
                    .rsplit_once(".tmp-")
                    .is_some_and(|(base, _)| files.iter().any(|f| base.strip_prefix('.') == Some(*f))));
        if ours && e.file_type().is_ok_and(|t| t.is_file()) {
            let _ = fs::remove_file(e.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_names() {
        assert!(is_temp_name(".aoai-vnet-Xa1b2c.tmp"));
        assert!(is_temp_name(".main.json.tmp-4242"));
        assert!(!is_temp_name("main.json"));
        assert!(!is_temp_name(".main.json.tmp-"));
        assert!(!is_temp_name("notes.tmp-1"));
    }
}
