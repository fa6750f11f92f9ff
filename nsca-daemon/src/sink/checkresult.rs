//! `check_result_path`: one Nagios check-result file per result, as the C daemon writes them
//! for Nagios 3 and 4 (`cXXXXXX` with mode 0600, then an empty `cXXXXXX.ok` that tells Nagios
//! the file is complete). The format is the library's [`nsca::checkresult`].

use std::fs::OpenOptions;
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use rand::Rng;

/// Writes one check-result file (and its `.ok` marker) into `dir`; returns the file's path.
///
/// # Errors
/// When no file can be created or written in `dir`; the caller then falls back to the command
/// file, as C does.
pub fn write(dir: &Path, contents: &[u8]) -> io::Result<PathBuf> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    for _ in 0..100 {
        let mut name = String::from("c");
        for _ in 0..6 {
            name.push(char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]));
        }
        let path = dir.join(&name);
        let mut file = match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
        {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        };
        if let Err(e) = file.write_all(contents) {
            let _ = std::fs::remove_file(&path);
            return Err(e);
        }
        drop(file);
        let ok = dir.join(format!("{name}.ok"));
        OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(ok)?;
        return Ok(path);
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        "no free check-result file name after 100 tries",
    ))
}

/// Checks, as the C daemon does when it reads its config, that `dir` accepts new files.
///
/// # Errors
/// When a test file cannot be created there.
pub fn check_writable(dir: &Path) -> io::Result<()> {
    let probe = dir.join(format!("nsca.test.{}", std::process::id()));
    OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&probe)?;
    std::fs::remove_file(probe)
}
