//! Nagios' external command file: usually a named pipe that Nagios reads, sometimes a regular
//! file (tests, or a tool that tails it).
//!
//! Opened as the C daemon opens it: write-only, non-blocking, never created, with `O_APPEND` when
//! `append_to_file=1`. What differs is what happens when it cannot be written:
//! - no reader on the pipe (ENXIO), a full pipe (EAGAIN), a reader that went away (EPIPE), or
//!   a pipe that vanished after it had existed (Nagios removes it when it stops): the write
//!   waits and is retried, where C drops the result;
//! - a command file that has never existed in this daemon's life (ENOENT), or that has been
//!   missing for longer than [`MISSING_GRACE`]: [`Outcome::Missing`], and the caller writes to
//!   `alternate_dump_file`, as C does at once.
//!
//! A pipe stays open between writes and is reopened after EPIPE. Several lines go out in one
//! `write` of at most `PIPE_BUF` (4096) bytes, which the kernel keeps whole against other
//! writers; a line longer than that goes alone. A regular file is reopened for every batch, so
//! that log rotation is followed, except with `aggregate_writes=1`, which keeps it open as C
//! does. With `append_to_file=0` and `aggregate_writes=0` C writes every line at offset 0 of a
//! regular file, overwriting the previous one; that is kept too (the daemon warns about it at
//! start).

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::Wait;

/// The most bytes one `write` to a pipe carries without being split (Linux's `PIPE_BUF`).
pub const PIPE_BUF: usize = 4096;

/// How long a command file that existed may be missing before results go to the dump file:
/// Nagios removes its pipe when it stops and creates it again when it starts, so a restart
/// leaves a gap of a few seconds.
pub const MISSING_GRACE: Duration = Duration::from_secs(60);

/// What became of a write.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// `n` bytes were written (possibly fewer than given: the rest must be written next).
    Written(usize),
    /// Nothing was written; try again later.
    Wait(Wait),
    /// The command file does not exist and never did: use the dump file, as C does.
    Missing,
}

/// The command-file sink.
#[derive(Debug)]
pub struct CommandFile {
    path: PathBuf,
    append: bool,
    aggregate: bool,
    file: Option<File>,
    is_pipe: bool,
    seen: bool,
    missing_since: Option<Instant>,
    grace: Duration,
}

impl CommandFile {
    /// A sink for `path` with the C daemon's `append_to_file` and `aggregate_writes`.
    pub fn new(path: PathBuf, append: bool, aggregate: bool) -> Self {
        let seen = path.exists();
        Self {
            path,
            append,
            aggregate,
            file: None,
            is_pipe: false,
            seen,
            missing_since: None,
            grace: MISSING_GRACE,
        }
    }

    /// Changes how long a command file that existed may be missing (tests).
    #[must_use]
    pub fn with_grace(mut self, grace: Duration) -> Self {
        self.grace = grace;
        self
    }

    /// Keeps what `old` learnt about the same path (that it existed, since when it is missing),
    /// so that a reload during a Nagios restart still waits for the pipe instead of dumping.
    pub fn inherit(&mut self, old: &Self) {
        if self.path == old.path {
            self.seen |= old.seen;
            self.missing_since = old.missing_since;
        }
    }

    /// The path.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// Whether this configuration makes every line overwrite the last one (a regular file,
    /// `append_to_file=0`, `aggregate_writes=0`: C's behaviour, kept).
    pub fn overwrites(&self) -> bool {
        !self.append
            && !self.aggregate
            && std::fs::metadata(&self.path).is_ok_and(|m| m.file_type().is_file())
    }

    /// The largest batch of whole lines to hand to [`CommandFile::write`] at once.
    pub fn batch_limit(&self) -> usize {
        if self.is_pipe || self.file.is_none() {
            PIPE_BUF
        } else if !self.append && !self.aggregate {
            // Every line at offset 0: one line per write, as C.
            1
        } else {
            64 * 1024
        }
    }

    /// Writes `data` (whole lines) with one `write` call.
    pub fn write(&mut self, data: &[u8]) -> Outcome {
        if self.file.is_none() {
            if let Err(outcome) = self.open() {
                return outcome;
            }
        }
        let Some(file) = self.file.as_mut() else {
            return Outcome::Wait(Wait::Other("command file not open".into()));
        };
        let result = file.write(data);
        let keep = self.is_pipe || self.aggregate;
        match result {
            Ok(n) => {
                if !keep {
                    self.file = None;
                }
                Outcome::Written(n)
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Outcome::Wait(Wait::Full),
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                self.file = None;
                Outcome::Wait(Wait::NoReader)
            }
            Err(e) => {
                self.file = None;
                Outcome::Wait(Wait::Other(format!(
                    "cannot write to the command file {}: {e}",
                    self.path.display()
                )))
            }
        }
    }

    /// Closes the file or pipe (it is opened again on the next write).
    pub fn close(&mut self) {
        self.file = None;
    }

    fn open(&mut self) -> Result<(), Outcome> {
        let mut options = OpenOptions::new();
        options
            .write(true)
            .append(self.append)
            .custom_flags(nix::fcntl::OFlag::O_NONBLOCK.bits());
        match options.open(&self.path) {
            Ok(file) => {
                self.seen = true;
                self.missing_since = None;
                self.is_pipe = file.metadata().is_ok_and(|m| m.file_type().is_fifo());
                self.file = Some(file);
                Ok(())
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let since = *self.missing_since.get_or_insert_with(Instant::now);
                Err(if self.seen && since.elapsed() < self.grace {
                    Outcome::Wait(Wait::Missing)
                } else {
                    Outcome::Missing
                })
            }
            Err(e) if e.raw_os_error() == Some(nix::errno::Errno::ENXIO as i32) => {
                self.is_pipe = true;
                Err(Outcome::Wait(Wait::NoReader))
            }
            Err(e) => Err(Outcome::Wait(Wait::Other(format!(
                "cannot open the command file {}: {e}",
                self.path.display()
            )))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("nsca-cf-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        dir
    }

    #[test]
    fn regular_file_append_and_overwrite() {
        let dir = temp("regular");
        let path = dir.join("cmd");
        std::fs::write(&path, b"").expect("create");
        let mut sink = CommandFile::new(path.clone(), true, false);
        assert_eq!(sink.write(b"one\n"), Outcome::Written(4));
        assert_eq!(sink.write(b"two\n"), Outcome::Written(4));
        assert_eq!(std::fs::read(&path).expect("read"), b"one\ntwo\n");

        // C's append_to_file=0: each line at offset 0.
        let mut sink = CommandFile::new(path.clone(), false, false);
        assert!(sink.overwrites());
        assert_eq!(sink.write(b"ABC\n"), Outcome::Written(4));
        assert_eq!(std::fs::read(&path).expect("read"), b"ABC\ntwo\n");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn missing_file_and_fifo_without_reader() {
        let dir = temp("missing");
        let path = dir.join("cmd");
        let mut sink = CommandFile::new(path.clone(), false, false);
        assert_eq!(sink.write(b"x\n"), Outcome::Missing);

        nix::unistd::mkfifo(&path, nix::sys::stat::Mode::S_IRWXU).expect("mkfifo");
        let mut sink = CommandFile::new(path.clone(), false, false);
        assert_eq!(sink.write(b"x\n"), Outcome::Wait(Wait::NoReader));
        // Once seen, a vanished pipe is waited for rather than dumped.
        let reader = OpenOptions::new()
            .read(true)
            .custom_flags(nix::fcntl::OFlag::O_NONBLOCK.bits())
            .open(&path)
            .expect("reader");
        assert_eq!(sink.write(b"x\n"), Outcome::Written(2));
        drop(reader);
        assert_eq!(sink.write(b"y\n"), Outcome::Wait(Wait::NoReader));
        std::fs::remove_file(&path).expect("unlink");
        assert_eq!(sink.write(b"y\n"), Outcome::Wait(Wait::Missing));
        // ... but not for ever.
        let mut sink = sink.with_grace(Duration::ZERO);
        assert_eq!(sink.write(b"y\n"), Outcome::Missing);
        let _ = std::fs::remove_dir_all(dir);
    }
}
