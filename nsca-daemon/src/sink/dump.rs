//! `alternate_dump_file`: where command-file lines go when the command file does not exist (as
//! in C), and whatever is still queued when the daemon stops. Opened for appending (created if
//! needed) for every write, as C's `fopen(..., "a")`.

use std::fs::OpenOptions;
use std::io::{self, Write};
use std::path::Path;

/// Appends `lines` (whole command-file lines) to the dump file at `path`.
///
/// # Errors
/// When the file cannot be opened or written; the caller counts the lines as lost and logs it.
pub fn append(path: &Path, lines: &[u8]) -> io::Result<()> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?
        .write_all(lines)
}
