//! The locks that make one process the writer of a results file, and keep an unsharded sweep
//! and its shards apart; lock files are never opened through a symbolic link.

use anyhow::Context;
use std::io::Write;
use std::path::Path;

/// An advisory lock (flock) on a file beside a results file, `.NAME.lock`, holding the pid of
/// the process that writes it: a second process that wants to write the same file is refused,
/// with the pid, instead of training the same cells again. A sweep without --shard also holds
/// the folder's `.sweep.lock` alone, and shards hold it together, so an unsharded sweep and a
/// shard never train the same cells at once. The locks go with the process, however it ends.
pub(super) struct WriterLock {
    _file: std::fs::File,
    _folder: std::fs::File,
}

impl WriterLock {
    pub(super) fn acquire(results: &Path) -> anyhow::Result<Self> {
        let name = results.file_name().map(|n| n.to_string_lossy().to_string());
        let sharded = name.as_deref() != Some("results.csv");
        let path = results.with_file_name(format!(".{}.lock", name.unwrap_or_default()));
        let mut file = open_lock_file(&path)?;
        match file.try_lock() {
            Ok(()) => {
                file.set_len(0)?;
                write!(file, "{}", std::process::id())?;
                file.sync_data()?;
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                let holder = std::fs::read_to_string(&path).unwrap_or_default();
                anyhow::bail!(
                    "{} is being written by another wdlab (process {}); wait for it to finish, \
                     or run another --shard into the folder",
                    results.display(),
                    if holder.trim().is_empty() {
                        "unknown"
                    } else {
                        holder.trim()
                    }
                )
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(e).with_context(|| format!("cannot lock {}", path.display()))
            }
        }
        let folder_path = results.with_file_name(".sweep.lock");
        let folder = open_lock_file(&folder_path)?;
        let taken = if sharded {
            folder.try_lock_shared()
        } else {
            folder.try_lock()
        };
        match taken {
            Ok(()) => Ok(WriterLock {
                _file: file,
                _folder: folder,
            }),
            Err(std::fs::TryLockError::WouldBlock) => {
                let dir = results.parent().unwrap_or(Path::new(".")).display();
                Err(crate::error::usage(if sharded {
                    format!(
                        "{dir} is being swept without --shard by another wdlab, which trains \
                         this shard's cells too; wait for it to finish, or stop it and run \
                         only shards"
                    )
                } else {
                    format!(
                        "{dir} is being swept in shards by another wdlab; a sweep without \
                         --shard would train their cells too: wait for them to finish, or run \
                         another --shard K/N"
                    )
                }))
            }
            Err(std::fs::TryLockError::Error(e)) => {
                Err(e).with_context(|| format!("cannot lock {}", folder_path.display()))
            }
        }
    }
}

/// Opens (creating) a lock file without following a symbolic link: a link planted there would
/// make the lock truncate the file it points to.
fn open_lock_file(path: &Path) -> anyhow::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let refused = || {
        anyhow::anyhow!(
            "{0} is not a lock file wdlab wrote (a symbolic link or something else than a plain \
             file), and wdlab never writes through one; remove it (rm {0}) and run again",
            path.display()
        )
    };
    let file = match options.open(path) {
        Ok(f) => f,
        #[cfg(unix)]
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => return Err(refused()),
        Err(e) => return Err(e).with_context(|| format!("cannot open {}", path.display())),
    };
    if !file.metadata()?.is_file() {
        return Err(refused());
    }
    Ok(file)
}
