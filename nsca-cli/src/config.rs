//! `send_nsca.cfg`, read exactly as NSCA 2.10.2's `read_config_file()` reads it.
//!
//! - The line syntax is the one both C programs share ([`nsca::config_syntax`]): `fgets` chunks
//!   of at most 5118 bytes (line numbers count chunks), `#`/NUL/empty chunks skipped, the name
//!   up to the first `=`, the value to the line feed with nothing trimmed (`password = secret`
//!   sets the password ` secret`, and a CRLF file leaves the CR in the value).
//! - Keys are matched by substring, in this order: a name containing `password`, then
//!   `encryption_method`, then `legacy_2_7_mode`; anything else is an unknown option.
//! - The first error ends the reading; every message goes to stdout, followed by
//!   `Error: Config file '<path>' contained errors...`.

use std::io::{self, BufRead};

use nsca::config_syntax::{Line, LineError, atoi, contains, split_line};

/// `fgets(buf, MAX_INPUT_BUFFER - 1, fp)`: at most this many bytes per chunk.
pub const CHUNK_LEN: usize = nsca::config_syntax::LINE_CHUNK;

/// What a config file set. Fields it did not mention are `None`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ConfigFile {
    /// `password`: the raw value.
    pub password: Option<Vec<u8>>,
    /// `encryption_method`: a number the C client accepts (see [`C_METHODS`]).
    pub encryption_method: Option<i32>,
    /// `legacy_2_7_mode`.
    pub legacy_2_7_mode: Option<bool>,
}

impl std::fmt::Debug for ConfigFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConfigFile")
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("encryption_method", &self.encryption_method)
            .field("legacy_2_7_mode", &self.legacy_2_7_mode)
            .finish()
    }
}

/// The method numbers NSCA 2.10.2's client accepts in its config when built with libmcrypt
/// (Debian's build): 13 (RC6), 17 (MARS), 18 (PANAMA) and 21 (IDEA) are refused, as is
/// anything outside 0..=26. Whether a method can actually run is decided later.
pub const C_METHODS: [i32; 23] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 15, 16, 19, 20, 22, 23, 24, 25, 26,
];

/// Why the config file was refused; [`ConfigError::render`] gives the C client's messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    /// The file could not be opened.
    CannotOpen,
    /// A line of only `=` signs.
    NoName {
        /// 1-based chunk number.
        line: u32,
    },
    /// A line with no `=`, or nothing after it.
    NoValue {
        /// 1-based chunk number.
        line: u32,
    },
    /// `encryption_method` is not a number the C client accepts.
    InvalidMethod {
        /// `atoi` of the value.
        method: i32,
        /// 1-based chunk number.
        line: u32,
    },
    /// A name that contains none of the three keys.
    UnknownOption {
        /// 1-based chunk number.
        line: u32,
    },
}

impl ConfigError {
    /// The C client's stdout for this error: the message, then the "contained errors" line.
    pub fn render(&self, path: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut text = |s: &str| out.extend_from_slice(s.as_bytes());
        match self {
            Self::CannotOpen => {
                text("Could not open config file '");
                out.extend_from_slice(path);
                out.extend_from_slice(b"' for reading.\n");
            }
            Self::NoName { line } => in_file(&mut out, "No variable name specified", path, *line),
            Self::NoValue { line } => {
                in_file(&mut out, "No variable value specified", path, *line);
            }
            Self::InvalidMethod { method, line } => in_file(
                &mut out,
                &format!("Invalid encryption method ({method})"),
                path,
                *line,
            ),
            Self::UnknownOption { line } => {
                in_file(&mut out, "Unknown option specified", path, *line);
            }
        }
        out.extend_from_slice(b"Error: Config file '");
        out.extend_from_slice(path);
        out.extend_from_slice(b"' contained errors...\n");
        out
    }
}

fn in_file(out: &mut Vec<u8>, what: &str, path: &[u8], line: u32) {
    out.extend_from_slice(what.as_bytes());
    out.extend_from_slice(b" in config file '");
    out.extend_from_slice(path);
    out.extend_from_slice(format!("' - Line {line}\n").as_bytes());
}

/// Reads a config file from `reader` in the C client's `fgets` chunks. A read error ends the
/// file, as it ends C's `fgets` loop (a directory given as the config file therefore reads as
/// an empty file, as it does in C).
///
/// # Errors
/// The first [`ConfigError`] in the file.
pub fn read<R: BufRead>(mut reader: R) -> Result<ConfigFile, ConfigError> {
    let mut config = ConfigFile::default();
    let mut chunk = Vec::with_capacity(CHUNK_LEN);
    let mut line = 0u32;
    while next_chunk(&mut reader, &mut chunk) {
        line = line.saturating_add(1);
        apply_line(&mut config, &chunk, line)?;
    }
    Ok(config)
}

/// Parses a whole config file held in memory; the same as [`read`] on its bytes. Never panics.
///
/// # Errors
/// The first [`ConfigError`] in the file.
pub fn parse(bytes: &[u8]) -> Result<ConfigFile, ConfigError> {
    read(bytes)
}

/// `fgets`: up to [`CHUNK_LEN`] bytes, ending after a line feed. False at the end (or on error).
fn next_chunk<R: BufRead>(reader: &mut R, chunk: &mut Vec<u8>) -> bool {
    chunk.clear();
    while chunk.len() < CHUNK_LEN {
        let available = match reader.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => return false,
        };
        if available.is_empty() {
            break;
        }
        let room = CHUNK_LEN - chunk.len();
        let take = &available[..available.len().min(room)];
        let n = nsca::config_syntax::chunk_len(take);
        let done = take[..n].ends_with(b"\n");
        chunk.extend_from_slice(&take[..n]);
        reader.consume(n);
        if done {
            break;
        }
    }
    !chunk.is_empty()
}

/// One `fgets` chunk, as the C loop body treats it.
fn apply_line(config: &mut ConfigFile, chunk: &[u8], line: u32) -> Result<(), ConfigError> {
    let (name, value) = match split_line(chunk) {
        Ok(Line::Skipped) => return Ok(()),
        Ok(Line::Setting { name, value }) => (name, value),
        Err(LineError::NoName) => return Err(ConfigError::NoName { line }),
        Err(LineError::NoValue) => return Err(ConfigError::NoValue { line }),
    };
    // strstr(input_buffer, key): the buffer up to the NUL strtok wrote after the name.
    if contains(name, b"password") {
        config.password = Some(value.to_vec());
    } else if contains(name, b"encryption_method") {
        let method = atoi(value).0;
        if !C_METHODS.contains(&method) {
            return Err(ConfigError::InvalidMethod { method, line });
        }
        config.encryption_method = Some(method);
    } else if contains(name, b"legacy_2_7_mode") {
        if contains(value, b"true") || contains(value, b"yes") {
            config.legacy_2_7_mode = Some(true);
        } else if contains(value, b"false") || contains(value, b"no") {
            config.legacy_2_7_mode = Some(false);
        }
    } else {
        return Err(ConfigError::UnknownOption { line });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &[u8]) -> ConfigFile {
        parse(text).unwrap_or_else(|e| panic!("{:?}: {e:?}", String::from_utf8_lossy(text)))
    }

    #[test]
    fn keys_values_and_comments() {
        let c = ok(b"# comment\n\npassword=secret\nencryption_method=0\nlegacy_2_7_mode=yes\n");
        assert_eq!(c.password.as_deref(), Some(&b"secret"[..]));
        assert_eq!(c.encryption_method, Some(0));
        assert_eq!(c.legacy_2_7_mode, Some(true));
        assert_eq!(ok(b""), ConfigFile::default());
        assert_eq!(ok(b"\0garbage\n").password, None);
    }

    #[test]
    fn values_are_not_trimmed() {
        assert_eq!(ok(b"password = secret\n").password.unwrap(), b" secret");
        assert_eq!(ok(b"password=secret\r\n").password.unwrap(), b"secret\r");
        assert_eq!(ok(b"password==\n").password.unwrap(), b"=");
        assert_eq!(ok(b"password=a=b").password.unwrap(), b"a=b");
        assert_eq!(ok(b"=password=x\n").password.unwrap(), b"x");
        assert_eq!(ok(b"password=a\0b\n").password.unwrap(), b"a");
    }

    #[test]
    fn keys_match_by_substring_in_c_order() {
        assert_eq!(ok(b"my_password_x=p\n").password.unwrap(), b"p");
        let c = ok(b"legacy_2_7_mode_password=true\n");
        assert_eq!(
            (c.password.as_deref(), c.legacy_2_7_mode),
            (Some(&b"true"[..]), None)
        );
        let c = ok(b"encryption_method_legacy_2_7_mode=1\n");
        assert_eq!((c.encryption_method, c.legacy_2_7_mode), (Some(1), None));
    }

    #[test]
    fn encryption_method_atoi_and_c_list() {
        assert_eq!(ok(b"encryption_method=abc\n").encryption_method, Some(0));
        assert_eq!(ok(b"encryption_method= 14x\n").encryption_method, Some(14));
        assert_eq!(
            ok(b"encryption_method=4294967297\n").encryption_method,
            Some(1)
        );
        for m in [13, 17, 18, 21, 27, 99, -1] {
            let text = format!("# c\nencryption_method={m}\n");
            assert_eq!(
                parse(text.as_bytes()),
                Err(ConfigError::InvalidMethod { method: m, line: 2 })
            );
        }
        for m in C_METHODS {
            let text = format!("encryption_method={m}\n");
            assert_eq!(ok(text.as_bytes()).encryption_method, Some(m));
        }
    }

    #[test]
    fn legacy_values() {
        let legacy = |v: &str| ok(format!("legacy_2_7_mode={v}\n").as_bytes()).legacy_2_7_mode;
        assert_eq!(legacy("true"), Some(true));
        assert_eq!(legacy("notrue"), Some(true));
        assert_eq!(legacy("yes no"), Some(true));
        assert_eq!(legacy("false true"), Some(true));
        assert_eq!(legacy("nope"), Some(false));
        assert_eq!(legacy("false"), Some(false));
        assert_eq!(legacy("TRUE"), None);
        assert_eq!(legacy("maybe"), None);
        let c = ok(b"legacy_2_7_mode=true\nlegacy_2_7_mode=maybe\n");
        assert_eq!(c.legacy_2_7_mode, Some(true));
    }

    #[test]
    fn errors_with_line_numbers() {
        for (text, want) in [
            (
                &b"bogus_option=1\n"[..],
                ConfigError::UnknownOption { line: 1 },
            ),
            (b"password\n", ConfigError::NoValue { line: 1 }),
            (b"password=\n", ConfigError::NoValue { line: 1 }),
            (b"password=\n\n", ConfigError::NoValue { line: 1 }),
            (b"password", ConfigError::NoValue { line: 1 }),
            (b"  # indented comment\n", ConfigError::NoValue { line: 1 }),
            (b" \n", ConfigError::NoValue { line: 1 }),
            (b"\r\n", ConfigError::NoValue { line: 1 }),
            (b"=\n", ConfigError::NoValue { line: 1 }),
            (b"=", ConfigError::NoName { line: 1 }),
            (b"===", ConfigError::NoName { line: 1 }),
            (
                b"\n\n#x\n\0abc\npassword=\n",
                ConfigError::NoValue { line: 5 },
            ),
            (
                b"password=1\nfoo=bar\n",
                ConfigError::UnknownOption { line: 2 },
            ),
        ] {
            assert_eq!(
                parse(text),
                Err(want),
                "{:?}",
                String::from_utf8_lossy(text)
            );
        }
    }

    #[test]
    fn long_lines_are_split_like_fgets() {
        // A 5200-byte password: the first chunk has no line feed but a value; the second chunk
        // (line 2) is the rest of the password, which has no `=`.
        let mut text = b"password=".to_vec();
        text.extend(std::iter::repeat_n(b'p', 5200));
        text.push(b'\n');
        assert_eq!(parse(&text), Err(ConfigError::NoValue { line: 2 }));
        // Exactly 5118 bytes then a line feed: the line feed is a chunk of its own, skipped.
        let mut text = b"password=".to_vec();
        text.extend(std::iter::repeat_n(b'p', CHUNK_LEN - 9));
        text.extend_from_slice(b"\nencryption_method=0\n");
        let c = ok(&text);
        assert_eq!(c.password.map(|p| p.len()), Some(CHUNK_LEN - 9));
        assert_eq!(c.encryption_method, Some(0));
    }

    #[test]
    fn messages_are_the_c_clients() {
        let out = |e: ConfigError| String::from_utf8(e.render(b"s13.cfg")).unwrap();
        assert_eq!(
            out(ConfigError::InvalidMethod {
                method: 13,
                line: 3
            }),
            "Invalid encryption method (13) in config file 's13.cfg' - Line 3\n\
             Error: Config file 's13.cfg' contained errors...\n"
        );
        assert_eq!(
            out(ConfigError::CannotOpen),
            "Could not open config file 's13.cfg' for reading.\n\
             Error: Config file 's13.cfg' contained errors...\n"
        );
        assert_eq!(
            out(ConfigError::NoName { line: 7 }),
            "No variable name specified in config file 's13.cfg' - Line 7\n\
             Error: Config file 's13.cfg' contained errors...\n"
        );
        assert_eq!(
            out(ConfigError::UnknownOption { line: 1 }),
            "Unknown option specified in config file 's13.cfg' - Line 1\n\
             Error: Config file 's13.cfg' contained errors...\n"
        );
        assert!(!format!("{:?}", ok(b"password=hunter2\n")).contains("hunter2"));
    }
}
