//! The spool directory of `send_nsca --spool DIR`: files, names and the lock. What to do with
//! them is `run/spooled.rs`'s business; the bytes of each file are an [`nsca::batch::Batch`].
//!
//! - Each run that spools writes one file, `<time in ns, 20 digits>-<pid>-<n>.batch`: written
//!   to `.<name>.tmp`, flushed to disk, renamed, and the directory flushed too. Names sort in
//!   the order the files were written, which is the order they are sent in. Other names are
//!   never touched.
//! - A temporary file older than [`STALE_TEMP`] was left by a run killed while writing it (a
//!   write takes well under a second). The run that holds the lock makes it a spool file under
//!   the name it was being written as when it reads back whole (the run was killed between the
//!   flush and the rename; a rewrite in place then replaces the older contents, as it would
//!   have), and moves it to `DIR/bad/` otherwise.
//! - `DIR/.lock` is locked with `flock(2)` by the run that sends the spool; files are read and
//!   removed only under it. A run without the lock may still add a file, since a file appears
//!   under its final name whole or not at all.
//! - A file that cannot be read back is moved to `DIR/bad/`, never deleted.

use std::ffi::{OsStr, OsString};
use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use nsca::batch::{Batch, BatchError};
use rustix::fs::{FlockOperation, flock};

/// The suffix of spool files.
pub(crate) const SUFFIX: &str = ".batch";
/// Where unreadable files go.
pub(crate) const BAD: &str = "bad";
/// The lock file.
const LOCK: &str = ".lock";
/// Files larger than this are not read (no run writes one; memory stays bounded).
const MAX_FILE: u64 = 256 * 1024 * 1024;
/// How often a run that waits for the lock tries again.
const LOCK_POLL: Duration = Duration::from_millis(10);
/// A temporary file this old belongs to a run that was killed while writing it.
pub(crate) const STALE_TEMP: Duration = Duration::from_secs(600);

/// An open spool directory, locked or not.
#[derive(Debug)]
pub(crate) struct Spool {
    dir: PathBuf,
    lock: Option<File>,
}

/// A spool file that was read back.
#[derive(Debug)]
pub(crate) struct Stored {
    /// Its path.
    pub(crate) path: PathBuf,
    /// Its size in bytes.
    pub(crate) len: u64,
    /// Its results.
    pub(crate) batch: Batch,
}

/// Why a spool file could not be read back.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// Reading it failed (it may have vanished).
    Io(io::Error),
    /// It is larger than any run writes.
    TooLarge(u64),
    /// Its bytes are not a batch this version reads.
    Batch(BatchError),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Io(e) => write!(f, "{e}"),
            Self::TooLarge(len) => write!(f, "{len} bytes, more than any spool file holds"),
            Self::Batch(e) => write!(f, "{e}"),
        }
    }
}

impl Spool {
    /// Opens `dir`, creating it (mode 0700, parents too) when it does not exist.
    pub(crate) fn open(dir: &Path) -> io::Result<Self> {
        DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
        if !fs::metadata(dir)?.is_dir() {
            return Err(io::Error::other("not a directory"));
        }
        Ok(Self {
            dir: dir.to_path_buf(),
            lock: None,
        })
    }

    /// The directory.
    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// Takes the spool's lock, trying until `until`. `Ok(false)` when another run held it all
    /// that time. The lock is released when `self` is dropped (or the process ends).
    pub(crate) fn lock(&mut self, until: Instant) -> io::Result<bool> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(self.dir.join(LOCK))?;
        loop {
            match flock(&file, FlockOperation::NonBlockingLockExclusive) {
                Ok(()) => {
                    self.lock = Some(file);
                    return Ok(true);
                }
                Err(rustix::io::Errno::WOULDBLOCK | rustix::io::Errno::INTR) => {}
                Err(e) => return Err(e.into()),
            }
            let now = Instant::now();
            if now >= until {
                return Ok(false);
            }
            thread::sleep(LOCK_POLL.min(until - now));
        }
    }

    /// The spool files, oldest first (by name).
    pub(crate) fn list(&self) -> io::Result<Vec<PathBuf>> {
        let mut names: Vec<OsString> = Vec::new();
        for entry in fs::read_dir(&self.dir)? {
            let entry = entry?;
            let name = entry.file_name();
            if is_spool_name(&name) && entry.file_type()?.is_file() {
                names.push(name);
            }
        }
        names.sort();
        Ok(names.into_iter().map(|n| self.dir.join(n)).collect())
    }

    /// The temporary files in the directory that were last written more than `age` ago,
    /// oldest name first.
    pub(crate) fn stale_temps(&self, age: Duration) -> io::Result<Vec<PathBuf>> {
        let now = SystemTime::now();
        let mut names: Vec<OsString> = Vec::new();
        for entry in fs::read_dir(&self.dir)? {
            let entry = entry?;
            let name = entry.file_name();
            if temp_target(&name).is_none() {
                continue;
            }
            let meta = entry.metadata()?;
            let old = meta
                .modified()
                .ok()
                .and_then(|m| now.duration_since(m).ok())
                .is_some_and(|a| a > age);
            if meta.is_file() && old {
                names.push(name);
            }
        }
        names.sort();
        Ok(names.into_iter().map(|n| self.dir.join(n)).collect())
    }

    /// Makes the temporary file `temp` the spool file it was being written as; returns that
    /// file's path. Only for a file that [`Spool::read`] reads back whole.
    pub(crate) fn adopt(&self, temp: &Path) -> io::Result<PathBuf> {
        let target = temp
            .file_name()
            .and_then(temp_target)
            .map(|name| self.dir.join(name))
            .ok_or_else(|| io::Error::other("not a temporary spool file"))?;
        fs::rename(temp, &target)?;
        File::open(&self.dir)?.sync_all()?;
        Ok(target)
    }

    /// Reads one spool file back.
    pub(crate) fn read(path: &Path) -> Result<Stored, ReadError> {
        let file = File::open(path).map_err(ReadError::Io)?;
        let len = file.metadata().map_err(ReadError::Io)?.len();
        if len > MAX_FILE {
            return Err(ReadError::TooLarge(len));
        }
        let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
        file.take(MAX_FILE + 1)
            .read_to_end(&mut bytes)
            .map_err(ReadError::Io)?;
        let batch = Batch::decode(&bytes).map_err(ReadError::Batch)?;
        Ok(Stored {
            path: path.to_path_buf(),
            len: bytes.len() as u64,
            batch,
        })
    }

    /// Writes `batch` as a new spool file; returns its path and size.
    pub(crate) fn store(&self, batch: &Batch) -> io::Result<(PathBuf, u64)> {
        static SEQUENCE: AtomicU32 = AtomicU32::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let name = format!(
            "{nanos:020}-{}-{}{SUFFIX}",
            std::process::id(),
            SEQUENCE.fetch_add(1, Ordering::Relaxed)
        );
        let path = self.dir.join(name);
        let len = self.write(&path, batch)?;
        Ok((path, len))
    }

    /// Replaces the spool file at `path` with `batch` (what is left of it); returns its size.
    pub(crate) fn replace(&self, path: &Path, batch: &Batch) -> io::Result<u64> {
        self.write(path, batch)
    }

    /// Writes `batch` to `.<name>.tmp`, flushes it, renames it to `path` and flushes the
    /// directory: the file is whole under its name, or not there (or still the old one).
    fn write(&self, path: &Path, batch: &Batch) -> io::Result<u64> {
        let bytes = batch.encode().map_err(io::Error::other)?;
        let name = path.file_name().unwrap_or(OsStr::new("batch"));
        let mut temp_name = OsString::from(".");
        temp_name.push(name);
        temp_name.push(".tmp");
        let temp = self.dir.join(temp_name);
        let written = (|| {
            let mut file = OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&temp)?;
            file.write_all(&bytes)?;
            file.sync_all()?;
            fs::rename(&temp, path)
        })();
        if let Err(e) = written {
            let _ = fs::remove_file(&temp);
            return Err(e);
        }
        // The rename itself must reach the disk before the run says "spooled".
        File::open(&self.dir)?.sync_all()?;
        Ok(bytes.len() as u64)
    }

    /// Moves a file that cannot be read back to `DIR/bad/` (created if needed); returns where
    /// it went.
    pub(crate) fn set_aside(&self, path: &Path) -> io::Result<PathBuf> {
        let bad = self.dir.join(BAD);
        DirBuilder::new().recursive(true).mode(0o700).create(&bad)?;
        let name = path.file_name().unwrap_or(OsStr::new("unnamed"));
        let target = bad.join(name);
        fs::rename(path, &target)?;
        Ok(target)
    }
}

/// Whether `name` is the name of a spool file (`*.batch`, not hidden).
pub(crate) fn is_spool_name(name: &OsStr) -> bool {
    let bytes = name.as_bytes();
    bytes.len() > SUFFIX.len() && bytes.ends_with(SUFFIX.as_bytes()) && !bytes.starts_with(b".")
}

/// The spool file name a temporary file (`.<name>.batch.tmp`) was being written as.
pub(crate) fn temp_target(name: &OsStr) -> Option<&OsStr> {
    let inner = name.as_bytes().strip_prefix(b".")?.strip_suffix(b".tmp")?;
    let inner = OsStr::from_bytes(inner);
    is_spool_name(inner).then_some(inner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use nsca::CheckResult;

    fn temp_dir(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "send_nsca-spool-{tag}-{}-{}",
            std::process::id(),
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos())
        ));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn store_list_read_and_set_aside() {
        let root = temp_dir("files");
        let dir = root.join("a/spool");
        let spool = Spool::open(&dir).unwrap();
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
            0o700
        );
        let first = Batch::new(5, vec![CheckResult::host("h", 1, "one")]);
        let second = Batch::new(6, vec![CheckResult::service("h", "s", 2, "two")]);
        let (p1, len1) = spool.store(&first).unwrap();
        let (p2, _) = spool.store(&second).unwrap();
        assert!(p1 < p2, "{p1:?} {p2:?}");
        assert_eq!(
            fs::metadata(&p1).unwrap().permissions().mode() & 0o777,
            0o600
        );
        // Other names are ignored; no temporary file is left.
        fs::write(dir.join(".x.batch.tmp"), b"partial").unwrap();
        fs::write(dir.join("notes.txt"), b"x").unwrap();
        fs::create_dir(dir.join("d.batch")).unwrap();
        assert_eq!(spool.list().unwrap(), [p1.clone(), p2.clone()]);
        let stored = Spool::read(&p1).unwrap();
        assert_eq!((stored.batch, stored.len), (first, len1));

        fs::write(&p2, b"NSCAbat\0\0\x09").unwrap();
        match Spool::read(&p2) {
            Err(ReadError::Batch(BatchError::UnsupportedVersion { version: 9, .. })) => {}
            other => panic!("{other:?}"),
        }
        // Rewritten in place: same name, the new contents, no temporary file left.
        let rest = Batch::new(5, vec![CheckResult::host("h", 3, "rest")]);
        let len = spool.replace(&p1, &rest).unwrap();
        let again = Spool::read(&p1).unwrap();
        assert_eq!((again.batch, again.len), (rest, len));
        let moved = spool.set_aside(&p2).unwrap();
        assert_eq!(moved, dir.join("bad").join(p2.file_name().unwrap()));
        assert!(moved.is_file() && !p2.exists());
        assert_eq!(spool.list().unwrap(), [p1]);
        let _ = fs::remove_dir_all(&root);
    }

    #[test]
    fn one_lock_at_a_time() {
        let dir = temp_dir("lock");
        let mut a = Spool::open(&dir).unwrap();
        let mut b = Spool::open(&dir).unwrap();
        assert!(a.lock(Instant::now()).unwrap());
        let start = Instant::now();
        assert!(!b.lock(start + Duration::from_millis(100)).unwrap());
        assert!(start.elapsed() >= Duration::from_millis(100));
        drop(a);
        assert!(b.lock(Instant::now() + Duration::from_secs(1)).unwrap());
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn stale_temporary_files() {
        let dir = temp_dir("temps");
        let spool = Spool::open(&dir).unwrap();
        let old = SystemTime::now() - Duration::from_secs(3600);
        for name in [
            ".b.batch.tmp",
            ".a.batch.tmp",
            ".x.tmp",
            "c.batch.tmp",
            ".d.batch.tmp",
        ] {
            let file = File::create(dir.join(name)).unwrap();
            if name != ".d.batch.tmp" {
                file.set_modified(old).unwrap();
            }
        }
        fs::create_dir(dir.join(".e.batch.tmp")).unwrap();
        let stale = spool.stale_temps(STALE_TEMP).unwrap();
        assert_eq!(stale, [dir.join(".a.batch.tmp"), dir.join(".b.batch.tmp")]);
        assert_eq!(spool.adopt(&stale[0]).unwrap(), dir.join("a.batch"));
        assert!(dir.join("a.batch").is_file() && !stale[0].exists());
        assert!(spool.adopt(&dir.join("c.batch.tmp")).is_err());
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn temporary_names() {
        for (name, target) in [
            (".x.batch.tmp", Some("x.batch")),
            (
                ".00000000000000000001-1-0.batch.tmp",
                Some("00000000000000000001-1-0.batch"),
            ),
            ("x.batch.tmp", None),
            ("..x.batch.tmp", None),
            (".batch.tmp", None),
            (".x.batch", None),
            (".x.tmp", None),
        ] {
            assert_eq!(
                temp_target(OsStr::new(name)),
                target.map(OsStr::new),
                "{name}"
            );
        }
    }

    #[test]
    fn spool_names() {
        for (name, ok) in [
            ("00000000000000000001-1-0.batch", true),
            ("x.batch", true),
            (".batch", false),
            (".x.batch", false),
            (".x.batch.tmp", false),
            ("x.batch~", false),
            (".lock", false),
            ("bad", false),
        ] {
            assert_eq!(is_spool_name(OsStr::new(name)), ok, "{name}");
        }
    }
}
