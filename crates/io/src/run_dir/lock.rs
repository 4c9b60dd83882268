//! One writer per run directory at a time.
//!
//! Every command that writes into a run directory (`run`, `run --resume`, `attribute
//! --dynamic`, `study`, `report`) holds [`RunDirLock`] while it does. The lock is an advisory
//! `flock` on the directory itself, which the kernel drops when its process ends, however it
//! ends: a run killed with `kill -9` leaves no lock behind, so there is nothing stale to
//! recover, and taking the lock writes nothing into the directory. Who holds it is read
//! from `/proc/locks` (Linux), so the refusal can name the process.

use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};

use crate::error::IoError;

/// A held run-directory lock; dropping it releases the directory.
#[derive(Debug)]
pub struct RunDirLock {
    /// Held open: the `flock` lives as long as this handle.
    _dir: File,
    path: PathBuf,
}

impl RunDirLock {
    /// Lock the directory `dir` (which must exist), or say which process holds it.
    /// `what` names the command in errors (e.g. `emergent run`).
    pub fn acquire(dir: &Path, what: &str) -> Result<Self, IoError> {
        let handle = File::open(dir).map_err(|e| IoError::io(dir, &e))?;
        match handle.try_lock() {
            Ok(()) => Ok(RunDirLock {
                _dir: handle,
                path: dir.to_path_buf(),
            }),
            Err(TryLockError::WouldBlock) => {
                let holder = holder_of(&handle).unwrap_or_else(|| "another process".into());
                Err(IoError::new(
                    dir,
                    format!(
                        "cannot {what}: the run directory is in use by {holder}; wait for it \
                         to finish, or use another directory"
                    ),
                ))
            }
            Err(TryLockError::Error(e)) => Err(IoError::io(dir, &e)),
        }
    }

    /// The locked directory.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// `pid N (its command line)` of the process holding a `flock` on `handle`'s file, from
/// `/proc/locks` (Linux only; `None` elsewhere or when it cannot be told).
fn holder_of(handle: &File) -> Option<String> {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::MetadataExt;
        let meta = handle.metadata().ok()?;
        let locks = std::fs::read_to_string("/proc/locks").ok()?;
        let pid = flock_holder(&locks, meta.dev(), meta.ino())?;
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        let cmd: String = String::from_utf8_lossy(&cmdline)
            .split('\0')
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        let cmd: String = cmd.chars().take(160).collect();
        Some(match cmd.is_empty() {
            true => format!("pid {pid}"),
            false => format!("pid {pid} ({cmd})"),
        })
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = handle;
        None
    }
}

/// The pid holding a FLOCK on device `dev`, inode `ino`, in the text of `/proc/locks`
/// (lines like `1: FLOCK  ADVISORY  WRITE 4242 fd:01:1234 0 EOF`, the device in hex
/// `major:minor`).
#[cfg(target_os = "linux")]
fn flock_holder(locks: &str, dev: u64, ino: u64) -> Option<u32> {
    // glibc's encoding of dev_t.
    let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & !0xfff);
    let minor = (dev & 0xff) | ((dev >> 12) & !0xff);
    locks.lines().find_map(|line| {
        let f: Vec<&str> = line.split_whitespace().collect();
        // A waiting lock is shown as `1: -> FLOCK …`; only holders count.
        if f.get(1) != Some(&"FLOCK") {
            return None;
        }
        let (pid, id) = (f.get(4)?, f.get(5)?);
        let mut parts = id.split(':');
        let (ma, mi, i) = (parts.next()?, parts.next()?, parts.next()?);
        let same = u64::from_str_radix(ma, 16).ok()? == major
            && u64::from_str_radix(mi, 16).ok()? == minor
            && i.parse::<u64>().ok()? == ino;
        same.then(|| pid.parse().ok()).flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_naming_the_first_and_the_lock_dies_with_its_holder() {
        let dir = tempfile::tempdir().unwrap();
        let first = RunDirLock::acquire(dir.path(), "emergent run").unwrap();
        let err = RunDirLock::acquire(dir.path(), "emergent report").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("cannot emergent report"), "{msg}");
        #[cfg(target_os = "linux")]
        assert!(
            msg.contains(&format!("in use by pid {} (", std::process::id())),
            "{msg}"
        );
        drop(first);
        let again = RunDirLock::acquire(dir.path(), "emergent report").unwrap();
        assert_eq!(again.path(), dir.path());
        // Locking writes nothing into the directory.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn proc_locks_lines_are_matched_by_device_and_inode() {
        let locks = "1: POSIX  ADVISORY  WRITE 10 fd:01:99 0 EOF\n\
                     2: FLOCK  ADVISORY  WRITE 4242 fd:01:1234 0 EOF\n\
                     2: -> FLOCK  ADVISORY  WRITE 4343 fd:01:1234 0 EOF\n";
        let dev = (0xfd << 8) | 0x01;
        assert_eq!(flock_holder(locks, dev, 1234), Some(4242));
        assert_eq!(flock_holder(locks, dev, 99), None);
        assert_eq!(flock_holder(locks, dev + 1, 1234), None);
    }
}
