//! Nagios check-result spool files: what the NSCA daemon writes instead of a command-file line
//! when `check_result_path` is set.
//!
//! Nagios Core 3 and 4 read such files from their own `check_result_path` directory (the
//! "check result reaper", every `check_result_reaper_frequency` seconds). For one result the
//! NSCA 2.10.2 daemon writes, byte for byte, what [`render`] returns:
//!
//! ```text
//! ### NSCA Passive Check Result ###
//! # Time: Tue Nov 14 22:13:20 2023
//! file_time=1700000000
//!
//! ### Service Check Result ###
//! host_name=web1
//! service_description=HTTP
//! check_type=1
//! scheduled_check=0
//! reschedule_check=0
//! latency=0
//! start_time=1700000000.0
//! finish_time=1700000000.0
//! return_code=2
//! output=down\nsince 10:00
//!
//! ```
//!
//! A host check has `### Host Check Result ###` and no `service_description` line. The fields
//! are cleaned as for the command file (see [`crate::command_line`]): host and service are cut
//! at their first line feed, and in the output a backslash becomes `\\` and a line feed `\n`.
//! [`sanitize`] returns the check result as it ends up in the file.
//!
//! # Writing the file (not done here)
//!
//! This module only builds and reads the bytes. Whoever writes them must follow Nagios' rules
//! for the spool directory, which the C daemon follows too:
//!
//! - the name is exactly 7 bytes, `c` and six more (`mkstemp("<dir>/cXXXXXX")`), a regular
//!   file; other names are ignored;
//! - Nagios reads the file only once an empty `<name>.ok` file exists next to it, so write and
//!   close the file first, then create the `.ok` file; Nagios deletes both when done;
//! - Nagios deletes, unread, a file whose modification time or `file_time` is older than its
//!   `max_check_result_file_age` (default 3600 s). It also skips a file whose `file_time` is
//!   **ahead** of its own clock, even by one second: it subtracts the two as unsigned numbers.
//!   So `time` must be the writer's clock at the time of writing (the C daemon uses
//!   `time(NULL)`), never a packet's timestamp.
//!
//! # How Nagios reads it back
//!
//! Nagios 4 (`process_check_result_file()`) skips lines starting with `#`, splits the others at
//! their first `=`, and treats an empty line as the end of one result, which it processes when
//! it has at least `host_name` and `output`. Unknown keys are ignored, missing ones default
//! (`return_code` 0, times 0). A `service_description` line makes it a service check. It turns
//! `\\` and `\n` in the output back into a backslash and a line feed and leaves any other
//! backslash alone; host and service names are taken as they are.
//!
//! One trap comes with Nagios' line reader, in the C daemon's files as in these: a line ending
//! in a single backslash is joined with the next one, and a line ending in two backslashes
//! loses one. The output is safe (its backslashes are doubled, and the two-backslash rule
//! happens to undo exactly that), but a host or service name that ends in a backslash is
//! misread by Nagios (joined with the next line, or one backslash short), and the result is
//! lost or lands on the wrong object. [`parse`] reads lines as they are and does not reproduce
//! that.

use core::fmt::Write as _;

use crate::check::CheckResult;

/// The check result as [`render`] writes it, the way the C daemon cleans it: host and service
/// description are cut at their first line feed, every field at its first NUL byte (a C string
/// ends there), and a service check whose description is then empty becomes a host check (the
/// daemon decides by `svc_description == ""`). The output keeps its line feeds; they are only
/// escaped in the file.
///
/// ```
/// use nsca::CheckResult;
/// use nsca::checkresult::sanitize;
///
/// let check = CheckResult::service("web1\nX", "\nHTTP", 0, "OK\nall fine");
/// assert_eq!(sanitize(&check), CheckResult::host("web1", 0, "OK\nall fine"));
/// ```
pub fn sanitize(check: &CheckResult) -> CheckResult {
    let host = cut(check.host_name(), true);
    let output = cut(check.output(), false);
    match check.service_description().map(|s| cut(s, true)) {
        Some(service) if !service.is_empty() => {
            CheckResult::service(host, service, check.return_code(), output)
        }
        _ => CheckResult::host(host, check.return_code(), output),
    }
}

/// The whole check-result file for `check`, as the NSCA 2.10.2 daemon writes it at `time`
/// (seconds since the epoch): `file_time`, `start_time` and `finish_time` all come from `time`
/// (the C daemon calls `time()` twice, normally within the same second). Fields are cleaned as
/// [`sanitize`] describes.
///
/// The `# Time:` comment is `time` in the format of C's `ctime()`, computed here in UTC; the C
/// daemon uses the local time zone. Nagios skips the line (it is a comment); only `file_time`
/// counts. Years past 9999 are written with more digits.
///
/// ```
/// use nsca::CheckResult;
/// use nsca::checkresult::render;
///
/// let file = render(&CheckResult::host("db1", 1, "PING CRITICAL"), 0);
/// assert!(file.starts_with(b"### NSCA Passive Check Result ###\n# Time: Thu Jan  1 00:00:00 1970\n"));
/// assert!(file.ends_with(b"return_code=1\noutput=PING CRITICAL\n\n"));
/// ```
pub fn render(check: &CheckResult, time: u64) -> Vec<u8> {
    let check = sanitize(check);
    let mut head = String::with_capacity(320);
    let kind = if check.is_host_check() {
        "Host"
    } else {
        "Service"
    };
    // Writing to a String cannot fail.
    let _ = write!(
        head,
        "### NSCA Passive Check Result ###\n# Time: {}\nfile_time={time}\n\n\
         ### {kind} Check Result ###\nhost_name=",
        ctime(time)
    );
    let mut file = Vec::with_capacity(head.len() + 256 + 2 * check.output().len());
    file.extend_from_slice(head.as_bytes());
    file.extend_from_slice(check.host_name());
    file.push(b'\n');
    if let Some(service) = check.service_description() {
        file.extend_from_slice(b"service_description=");
        file.extend_from_slice(service);
        file.push(b'\n');
    }
    file.extend_from_slice(
        format!(
            "check_type=1\nscheduled_check=0\nreschedule_check=0\nlatency=0\n\
             start_time={time}.0\nfinish_time={time}.0\nreturn_code={}\noutput=",
            check.return_code().0
        )
        .as_bytes(),
    );
    for &b in check.output() {
        match b {
            b'\\' => file.extend_from_slice(b"\\\\"),
            b'\n' => file.extend_from_slice(b"\\n"),
            _ => file.push(b),
        }
    }
    file.extend_from_slice(b"\n\n");
    file
}

/// A `start_time` or `finish_time` value, `<seconds>.<microseconds>`.
///
/// As in Nagios, the part after the dot is the `tv_usec` field written as an integer, not a
/// decimal fraction: `5.5` is 5 seconds and 5 microseconds. The NSCA daemon always writes
/// `.0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Timestamp {
    /// Seconds since the epoch.
    pub seconds: u64,
    /// The number after the dot.
    pub microseconds: u64,
}

/// One check-result file, read back by [`parse`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CheckResultFile {
    /// Host, service (if any), return code and output, with the output unescaped (`\\` and
    /// `\n` turned back into a backslash and a line feed, as Nagios does).
    pub check: CheckResult,
    /// `file_time`: when the file was written, seconds since the epoch.
    pub file_time: u64,
    /// `start_time`.
    pub start_time: Timestamp,
    /// `finish_time`.
    pub finish_time: Timestamp,
}

/// Why [`parse`] rejected a file. Line numbers count from 1.
#[derive(Debug, Clone, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum CheckResultFileError {
    /// A line holds a NUL byte (Nagios would stop reading the line there).
    #[error("line {line}: NUL byte")]
    Nul {
        /// The line.
        line: usize,
    },
    /// A line is neither a comment (`#...`), nor empty, nor `key=value`.
    #[error("line {line}: neither a comment, nor empty, nor key=value")]
    NoEquals {
        /// The line.
        line: usize,
    },
    /// A key this format does not have.
    #[error("line {line}: unknown key {key:?}")]
    UnknownKey {
        /// The line.
        line: usize,
        /// The key (lossy UTF-8).
        key: String,
    },
    /// A key appears a second time in the same result.
    #[error("line {line}: {key} given twice")]
    DuplicateKey {
        /// The line of the second one.
        line: usize,
        /// The key.
        key: &'static str,
    },
    /// A number is not one: `file_time` takes decimal digits, `return_code` a decimal `i16`
    /// (with an optional `-`), `start_time` and `finish_time` digits, a dot and digits, each
    /// fitting a `u64`.
    #[error("line {line}: bad value for {key}")]
    BadNumber {
        /// The line.
        line: usize,
        /// The key.
        key: &'static str,
    },
    /// An empty line ends a result that lacks `host_name` or `output`, which Nagios would drop.
    #[error("line {line}: the check result ends here without {missing}")]
    IncompleteResult {
        /// The empty line.
        line: usize,
        /// The missing key.
        missing: &'static str,
    },
    /// A second check result starts after the first one ended: NSCA writes one per file.
    #[error("line {line}: a second check result (one per file)")]
    SecondResult {
        /// The line where the second one starts.
        line: usize,
    },
    /// The file ends without one of the keys NSCA always writes.
    #[error("{key} is missing")]
    Missing {
        /// The key.
        key: &'static str,
    },
}

/// Reads a check-result file as [`render`] or the C daemon writes it.
///
/// Lines are separated by line feeds (a missing final one is fine); lines starting with `#` are
/// comments and empty lines end the result, as in Nagios. `file_time`, `host_name`,
/// `return_code`, `start_time`, `finish_time` and `output` must each appear once,
/// `service_description` at most once; the keys Nagios knows but NSCA has no use for
/// (`check_type`, `check_options`, `scheduled_check`, `reschedule_check`, `latency`,
/// `early_timeout`, `exited_ok`) are skipped without looking at their values. This is stricter
/// than Nagios, which ignores lines without `=` and unknown keys, defaults missing values and
/// reads numbers with `strtoul`/`atoi`; and unlike Nagios it takes each line as it is (see the
/// module documentation on trailing backslashes). Values are not trimmed; a carriage return
/// stays part of the value.
///
/// # Errors
/// A [`CheckResultFileError`] naming the line and key at fault.
///
/// ```
/// use nsca::CheckResult;
/// use nsca::checkresult::{parse, render};
///
/// let check = CheckResult::service("web1", "HTTP", 2, "down\nsince 10:00");
/// let file = parse(&render(&check, 1_700_000_000))?;
/// assert_eq!(file.check, check);
/// assert_eq!(file.file_time, 1_700_000_000);
/// assert_eq!(file.start_time.seconds, 1_700_000_000);
/// # Ok::<(), nsca::checkresult::CheckResultFileError>(())
/// ```
pub fn parse(bytes: &[u8]) -> Result<CheckResultFile, CheckResultFileError> {
    use CheckResultFileError as E;

    let mut file_time = None;
    let mut record = Record::default();
    let mut done = false;

    let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    let lines = (!bytes.is_empty()).then(|| body.split(|&b| b == b'\n'));
    for (index, text) in lines.into_iter().flatten().enumerate() {
        let line = index + 1;
        if text.contains(&0) {
            return Err(E::Nul { line });
        }
        if text.first() == Some(&b'#') {
            continue;
        }
        if text.is_empty() {
            if !record.is_empty() {
                if let Some(missing) = record.missing_minimum() {
                    return Err(E::IncompleteResult { line, missing });
                }
                done = true;
            }
            continue;
        }
        let Some(eq) = text.iter().position(|&b| b == b'=') else {
            return Err(E::NoEquals { line });
        };
        let (key, value) = (&text[..eq], &text[eq + 1..]);
        if key == b"file_time" {
            if file_time.is_some() {
                return Err(E::DuplicateKey {
                    line,
                    key: "file_time",
                });
            }
            let key = "file_time";
            file_time = Some(number(value).ok_or(E::BadNumber { line, key })?);
            continue;
        }
        let Some(key) = KEYS.iter().copied().find(|k| k.as_bytes() == key) else {
            return Err(E::UnknownKey {
                line,
                key: String::from_utf8_lossy(key).into_owned(),
            });
        };
        if done {
            return Err(E::SecondResult { line });
        }
        record.set(key, value, line)?;
    }

    let file_time = file_time.ok_or(E::Missing { key: "file_time" })?;
    record.finish(file_time)
}

/// Every key of a check result that Nagios reads (`file_time` aside).
const KEYS: [&str; 13] = [
    "host_name",
    "service_description",
    "check_type",
    "check_options",
    "scheduled_check",
    "reschedule_check",
    "latency",
    "start_time",
    "finish_time",
    "early_timeout",
    "exited_ok",
    "return_code",
    "output",
];

/// The keys of one result seen so far.
#[derive(Default)]
struct Record {
    seen: bool,
    host: Option<Vec<u8>>,
    service: Option<Vec<u8>>,
    code: Option<i16>,
    output: Option<Vec<u8>>,
    start: Option<Timestamp>,
    finish: Option<Timestamp>,
}

impl Record {
    fn is_empty(&self) -> bool {
        !self.seen
    }

    fn missing_minimum(&self) -> Option<&'static str> {
        if self.host.is_none() {
            Some("host_name")
        } else if self.output.is_none() {
            Some("output")
        } else {
            None
        }
    }

    fn set(
        &mut self,
        key: &'static str,
        value: &[u8],
        line: usize,
    ) -> Result<(), CheckResultFileError> {
        use CheckResultFileError as E;
        self.seen = true;
        let bad = E::BadNumber { line, key };
        let duplicate = E::DuplicateKey { line, key };
        match key {
            "host_name" => put(&mut self.host, value.to_vec(), duplicate),
            "service_description" => put(&mut self.service, value.to_vec(), duplicate),
            "output" => put(&mut self.output, unescape(value), duplicate),
            "return_code" => put(&mut self.code, return_code(value).ok_or(bad)?, duplicate),
            "start_time" => put(&mut self.start, timestamp(value).ok_or(bad)?, duplicate),
            "finish_time" => put(&mut self.finish, timestamp(value).ok_or(bad)?, duplicate),
            _ => Ok(()),
        }
    }

    fn finish(self, file_time: u64) -> Result<CheckResultFile, CheckResultFileError> {
        let missing = |key| CheckResultFileError::Missing { key };
        let host = self.host.ok_or(missing("host_name"))?;
        let code = self.code.ok_or(missing("return_code"))?;
        let output = self.output.ok_or(missing("output"))?;
        let start_time = self.start.ok_or(missing("start_time"))?;
        let finish_time = self.finish.ok_or(missing("finish_time"))?;
        let check = match self.service {
            Some(service) => CheckResult::service(host, service, code, output),
            None => CheckResult::host(host, code, output),
        };
        Ok(CheckResultFile {
            check,
            file_time,
            start_time,
            finish_time,
        })
    }
}

fn put<T>(
    slot: &mut Option<T>,
    value: T,
    duplicate: CheckResultFileError,
) -> Result<(), CheckResultFileError> {
    if slot.is_some() {
        return Err(duplicate);
    }
    *slot = Some(value);
    Ok(())
}

/// Decimal digits only, fitting a `u64`.
fn number(value: &[u8]) -> Option<u64> {
    if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
        return None;
    }
    core::str::from_utf8(value).ok()?.parse().ok()
}

/// An optional `-`, then decimal digits, fitting an `i16`.
fn return_code(value: &[u8]) -> Option<i16> {
    let digits = value.strip_prefix(b"-").unwrap_or(value);
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    core::str::from_utf8(value).ok()?.parse().ok()
}

/// `<digits>.<digits>`.
fn timestamp(value: &[u8]) -> Option<Timestamp> {
    let dot = value.iter().position(|&b| b == b'.')?;
    Some(Timestamp {
        seconds: number(&value[..dot])?,
        microseconds: number(&value[dot + 1..])?,
    })
}

/// Nagios' reading of the output: `\\` is a backslash, `\n` a line feed, any other backslash
/// stays as it is.
fn unescape(value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len());
    let mut bytes = value.iter().copied().peekable();
    while let Some(b) = bytes.next() {
        if b == b'\\' {
            match bytes.peek() {
                Some(b'\\') => {
                    bytes.next();
                    out.push(b'\\');
                    continue;
                }
                Some(b'n') => {
                    bytes.next();
                    out.push(b'\n');
                    continue;
                }
                _ => {}
            }
        }
        out.push(b);
    }
    out
}

/// `field` up to its first NUL and, if `at_line_feed`, its first line feed.
fn cut(field: &[u8], at_line_feed: bool) -> Vec<u8> {
    let end = field
        .iter()
        .position(|&b| b == 0 || (at_line_feed && b == b'\n'))
        .unwrap_or(field.len());
    field[..end].to_vec()
}

/// `time` as C's `ctime()` writes it in UTC, without the final line feed:
/// `Thu Jan  1 00:00:00 1970`.
fn ctime(time: u64) -> String {
    const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = time / 86_400;
    let secs = time % 86_400;
    // 1970-01-01 was a Thursday.
    let weekday = DAYS[((days + 4) % 7) as usize];
    let (year, month, day) = civil_from_days(days);
    format!(
        "{weekday} {} {day:2} {:02}:{:02}:{:02} {year}",
        MONTHS[(month - 1) as usize],
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// Year, month (1..=12) and day (1..=31) of the `days`-th day after 1970-01-01 (the proleptic
/// Gregorian calendar; Howard Hinnant's `civil_from_days`, for days on or after the epoch).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468; // days since 0000-03-01
    let era = z / 146_097;
    let doe = z % 146_097; // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365], from March 1st
    let mp = (5 * doy + 2) / 153; // [0, 11], March = 0
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_file_bytes() {
        let check = CheckResult::service("web1", "HTTP", 2, &b"down\nsince 10:00 C:\\tmp\r;x"[..]);
        let expected = b"### NSCA Passive Check Result ###\n\
            # Time: Tue Nov 14 22:13:20 2023\n\
            file_time=1700000000\n\
            \n\
            ### Service Check Result ###\n\
            host_name=web1\n\
            service_description=HTTP\n\
            check_type=1\n\
            scheduled_check=0\n\
            reschedule_check=0\n\
            latency=0\n\
            start_time=1700000000.0\n\
            finish_time=1700000000.0\n\
            return_code=2\n\
            output=down\\nsince 10:00 C:\\\\tmp\r;x\n\
            \n";
        assert_eq!(
            String::from_utf8_lossy(&render(&check, 1_700_000_000)),
            String::from_utf8_lossy(expected)
        );
    }

    #[test]
    fn host_file_bytes_and_cleaning() {
        // A service cut to nothing by its line feed is a host check, as in the C daemon.
        let check = CheckResult::service(&b"db1\nINJECT"[..], "\nsvc", -1, &b"a\0b"[..]);
        let expected = b"### NSCA Passive Check Result ###\n\
            # Time: Wed Mar  1 09:05:07 2000\n\
            file_time=951901507\n\
            \n\
            ### Host Check Result ###\n\
            host_name=db1\n\
            check_type=1\n\
            scheduled_check=0\n\
            reschedule_check=0\n\
            latency=0\n\
            start_time=951901507.0\n\
            finish_time=951901507.0\n\
            return_code=-1\n\
            output=a\n\
            \n";
        assert_eq!(
            String::from_utf8_lossy(&render(&check, 951_901_507)),
            String::from_utf8_lossy(expected)
        );
    }

    #[test]
    fn ctime_like_c() {
        // Values checked with `TZ=UTC date -d @N +'%a %b %e %H:%M:%S %Y'` (glibc's ctime format);
        // the last one with Python, through the 400-year cycle.
        assert_eq!(ctime(0), "Thu Jan  1 00:00:00 1970");
        assert_eq!(ctime(951_782_400), "Tue Feb 29 00:00:00 2000");
        assert_eq!(ctime(4_107_542_399), "Sun Feb 28 23:59:59 2100");
        assert_eq!(ctime(4_107_542_400), "Mon Mar  1 00:00:00 2100");
        assert_eq!(ctime(2_147_483_647), "Tue Jan 19 03:14:07 2038");
        assert_eq!(ctime(253_402_300_799), "Fri Dec 31 23:59:59 9999");
        assert_eq!(ctime(253_402_300_800), "Sat Jan  1 00:00:00 10000");
        // No overflow at the top of the range.
        assert_eq!(ctime(u64::MAX), "Thu Nov  9 07:00:15 584554051223");
    }

    #[test]
    fn unescape_like_nagios() {
        assert_eq!(unescape(b"a\\nb\\\\c\\td\\"), b"a\nb\\c\\td\\");
        assert_eq!(unescape(b"\\\\n"), b"\\n");
        assert_eq!(unescape(b""), b"");
    }
}
