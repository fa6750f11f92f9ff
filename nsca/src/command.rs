//! The line the NSCA 2.10.2 daemon writes to Nagios' external command file for each result.
//!
//! ```text
//! [<time>] PROCESS_SERVICE_CHECK_RESULT;<host>;<service>;<return code>;<output>
//! [<time>] PROCESS_HOST_CHECK_RESULT;<host>;<return code>;<output>
//! ```
//!
//! `<time>` is the daemon's clock when it writes, not the packet's timestamp. Like the 2.10.1+
//! daemon, host and service are cut at their first line feed, and in the output a backslash
//! becomes `\\` and a line feed becomes `\n`, which Nagios turns back into the long output.
//! Nothing else is escaped: a `;` in a host or service name reaches Nagios as it is, as it does
//! from the C daemon.

use std::io::Write;

use crate::check::CheckResult;

/// The command-file line for `check`, written at `time` (seconds since the epoch), without the
/// final line feed. Bytes, because the fields are.
///
/// ```
/// use nsca::{CheckResult, command_line};
///
/// let check = CheckResult::service("web1", "HTTP", 2, "down\nsince 10:00");
/// assert_eq!(
///     command_line(&check, 1_700_000_000),
///     b"[1700000000] PROCESS_SERVICE_CHECK_RESULT;web1;HTTP;2;down\\nsince 10:00".to_vec()
/// );
/// ```
pub fn command_line(check: &CheckResult, time: u64) -> Vec<u8> {
    let service = check.service_description().unwrap_or_default();
    // Room for the line, its escapes up to one in eight bytes, and a line feed the caller may
    // add, so that building it allocates once.
    let output = check.output();
    let mut line = Vec::with_capacity(
        64 + check.host_name().len() + service.len() + output.len() + output.len() / 8,
    );
    // Writing into a Vec cannot fail.
    let _ = write!(line, "[{time}] ");
    // The 2.10.1+ daemon cuts the service at its first line feed, then writes a host check
    // when nothing is left.
    match check
        .service_description()
        .map(first_line)
        .filter(|s| !s.is_empty())
    {
        Some(service) => {
            line.extend_from_slice(b"PROCESS_SERVICE_CHECK_RESULT;");
            line.extend_from_slice(first_line(check.host_name()));
            line.push(b';');
            line.extend_from_slice(service);
        }
        None => {
            line.extend_from_slice(b"PROCESS_HOST_CHECK_RESULT;");
            line.extend_from_slice(first_line(check.host_name()));
        }
    }
    let _ = write!(line, ";{};", check.return_code().0);
    // Backslash and line feed escaped, everything between them copied in one piece.
    let mut rest = output;
    while let Some(i) = rest.iter().position(|&b| b == b'\\' || b == b'\n') {
        line.extend_from_slice(&rest[..i]);
        line.extend_from_slice(if rest[i] == b'\n' { b"\\n" } else { b"\\\\" });
        rest = &rest[i + 1..];
    }
    line.extend_from_slice(rest);
    line
}

fn first_line(field: &[u8]) -> &[u8] {
    field.split(|&b| b == b'\n').next().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_line_and_escaping() {
        let check = CheckResult::host("myhost", 1, "Host is DOWN");
        assert_eq!(
            command_line(&check, 1_795_799_619),
            b"[1795799619] PROCESS_HOST_CHECK_RESULT;myhost;1;Host is DOWN".to_vec()
        );
        let check = CheckResult::service(
            "h\nINJECT",
            "svc\nX",
            -1,
            &b"back\\slash\nnew\rcr;semi\tt"[..],
        );
        assert_eq!(
            command_line(&check, 5),
            b"[5] PROCESS_SERVICE_CHECK_RESULT;h;svc;-1;back\\\\slash\\nnew\rcr;semi\tt".to_vec()
        );
        // A service that is empty once cut at its line feed: a host check, as in C.
        let check = CheckResult::service("h", "\nsvc", 0, "out");
        assert_eq!(
            command_line(&check, 5),
            b"[5] PROCESS_HOST_CHECK_RESULT;h;0;out".to_vec()
        );
    }

    /// Escaping matches the byte-by-byte rule on every mix of backslashes, line feeds and
    /// other bytes up to four long (escapes first, last, next to each other, or none).
    #[test]
    fn escaping_like_byte_by_byte() {
        let alphabet = [b'\\', b'\n', b'x', b'\r'];
        for len in 0..=4u32 {
            for n in 0..4usize.pow(len) {
                let output: Vec<u8> = (0..len).map(|i| alphabet[n / 4usize.pow(i) % 4]).collect();
                let mut want = b"[0] PROCESS_HOST_CHECK_RESULT;h;0;".to_vec();
                for &b in &output {
                    match b {
                        b'\\' => want.extend_from_slice(b"\\\\"),
                        b'\n' => want.extend_from_slice(b"\\n"),
                        _ => want.push(b),
                    }
                }
                let check = CheckResult::host("h", 0, output.clone());
                assert_eq!(command_line(&check, 0), want, "{output:?}");
            }
        }
    }
}
