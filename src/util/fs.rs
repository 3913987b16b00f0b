//! Files written whole: a reader, or a run that is killed mid-write, never sees half a file.

use anyhow::Context;
use std::path::Path;

/// Writes `bytes` to `path` atomically: a temporary file in the same folder (named after the
/// target and this process, so two processes writing the same file never share one), then a
/// rename over the target.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let file_name = path
        .file_name()
        .with_context(|| format!("{} is not a file path", path.display()))?;
    let tmp = path.with_file_name(format!(
        ".{}.{}.tmp",
        file_name.to_string_lossy(),
        std::process::id()
    ));
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot replace {}", path.display()))
}

/// Creates `dir` and its parents, naming the flag that asked for it in the error.
pub(crate) fn create_dir(dir: &Path, what: &str) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {what} {}", dir.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_atomic_write_replaces_the_file_and_leaves_no_temporary_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.csv");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "two");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("a.csv")]);
    }

    #[test]
    fn a_path_without_a_file_name_is_an_error_naming_it() {
        let e = write_atomic(Path::new("/"), b"x").unwrap_err();
        assert!(e.to_string().contains("is not a file path"), "{e}");
    }
}
