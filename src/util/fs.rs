//! Files written whole: a reader, or a run that is killed mid-write, never sees half a file.

use anyhow::Context;
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` atomically: a temporary file beside the target (named after it
/// and this process, so two processes writing the same file never share one), then a rename
/// over it. A symbolic link is followed, so the file it points to is replaced and the link
/// stays; a target that exists but is not a regular file (a folder, a device) is refused. A
/// new file gets the permissions the umask gives; a replaced one keeps its own.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let target = follow_links(path)?;
    let existing = match std::fs::metadata(&target) {
        Ok(meta) if !meta.is_file() => {
            anyhow::bail!(
                "{} exists and is not a regular file; give the path of a file to write",
                path.display()
            )
        }
        Ok(meta) => Some(meta.permissions()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let file_name = target
        .file_name()
        .with_context(|| format!("{} is not a file path", path.display()))?;
    let tmp = target.with_file_name(format!(
        ".{}.{}.tmp",
        file_name.to_string_lossy(),
        std::process::id()
    ));
    if let Err(e) = std::fs::write(&tmp, bytes) {
        // A full disk leaves no half-written temporary behind.
        let _ = std::fs::remove_file(&tmp);
        return Err(e).with_context(|| format!("cannot write {}", tmp.display()));
    }
    if let Some(permissions) = existing {
        std::fs::set_permissions(&tmp, permissions)
            .with_context(|| format!("cannot set the permissions of {}", tmp.display()))?;
    }
    std::fs::rename(&tmp, &target).with_context(|| format!("cannot replace {}", path.display()))
}

/// The file a path names once symbolic links are followed (the path itself when it is not a
/// link, or when the link points to a file that does not exist yet).
fn follow_links(path: &Path) -> anyhow::Result<PathBuf> {
    let mut current = path.to_path_buf();
    // Linux gives up after 40 links (ELOOP); so does this.
    for _ in 0..40 {
        match std::fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let next = std::fs::read_link(&current)
                    .with_context(|| format!("cannot read the link {}", current.display()))?;
                current = match current.parent() {
                    Some(dir) if next.is_relative() => dir.join(next),
                    _ => next,
                };
            }
            _ => return Ok(current),
        }
    }
    anyhow::bail!("{}: too many levels of symbolic links", path.display())
}

/// Creates `dir` and its parents, naming what it is for in the error.
pub fn create_dir(dir: &Path, what: &str) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {what} {}", dir.display()))
}

/// Checks, before any work is done, that a file can be written at `path`: its folder exists
/// and accepts a new file, and the path is not a folder or a device. `flag` names the option
/// that gave the path.
pub fn check_writable_file(path: &Path, flag: &str) -> anyhow::Result<()> {
    let target = follow_links(path)?;
    if let Ok(meta) = std::fs::metadata(&target) {
        if !meta.is_file() {
            return Err(crate::error::usage(format!(
                "{flag} {}: exists and is not a regular file; give the path of a file",
                path.display()
            )));
        }
    }
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    check_writable_dir(&dir, flag, path)
}

/// Checks that `dir` exists and accepts a new file (by creating and removing one).
pub fn check_writable_dir(dir: &Path, flag: &str, given: &Path) -> anyhow::Result<()> {
    if !dir.is_dir() {
        return Err(crate::error::usage(format!(
            "{flag} {}: the folder {} does not exist; create it first (mkdir -p {1})",
            given.display(),
            dir.display()
        )));
    }
    let probe = dir.join(format!(".wdlab-write-check.{}", std::process::id()));
    match std::fs::File::create(&probe) {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            Ok(())
        }
        Err(e) => Err(crate::error::usage(format!(
            "{flag} {}: cannot write in {}: {e}; choose a folder you can write to",
            given.display(),
            dir.display()
        ))),
    }
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
        assert!(e.to_string().contains("is not a regular file"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn a_link_is_followed_and_kept_and_permissions_are_kept() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.bin");
        std::fs::write(&real, b"old").unwrap();
        std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o640)).unwrap();
        let link = dir.path().join("link.bin");
        std::os::unix::fs::symlink("real.bin", &link).unwrap();
        write_atomic(&link, b"new").unwrap();
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read(&real).unwrap(), b"new");
        let mode = std::fs::metadata(&real).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
    }

    #[cfg(unix)]
    #[test]
    fn a_device_or_a_folder_is_refused() {
        let e = write_atomic(Path::new("/dev/null"), b"x").unwrap_err();
        assert!(e.to_string().contains("not a regular file"), "{e}");
        let dir = tempfile::tempdir().unwrap();
        let e = check_writable_file(dir.path(), "--save").unwrap_err();
        assert!(e.to_string().contains("not a regular file"), "{e}");
        let missing = dir.path().join("no/such/w.safetensors");
        let e = check_writable_file(&missing, "--save").unwrap_err();
        assert!(
            e.to_string().contains("does not exist; create it first"),
            "{e}"
        );
        assert_eq!(crate::error::exit_code(&e), 2);
    }
}
