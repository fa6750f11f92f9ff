//! Standard input, read exactly as NSCA 2.10.2's `send_nsca` reads it.
//!
//! 1. **Sets.** Input is split into sets at the set delimiter byte (ETB, 0x17, by default; it
//!    is not part of the set), not at line feeds. [`SetReader`] streams them, so memory does not
//!    grow with the input. A set may hold at most [`MAX_SET_LEN`] bytes: any byte (even a
//!    delimiter) arriving when that many are buffered is an error, while end of input there is
//!    fine. As on the C client's x86 builds, a set delimiter of 0x80 or above never matches
//!    (`getc()` returns 0..255, compared with a signed `char`).
//! 2. **Fields.** [`parse_set`] cuts the set at its first NUL (C strings), strips trailing
//!    spaces, tabs, CRs and LFs, then takes three fields as `strtok` does (leading delimiters
//!    skipped, runs of delimiters merged) and the rest of the set, verbatim, as a fourth. Three
//!    fields are a host check (`host, return code, output`), four a service check
//!    (`host, service, return code, output`); fewer and the set is skipped silently.
//! 3. **Values.** [`to_check`] parses return codes with `atoi`, cut to 16 bits, and cuts host,
//!    service and output to 63, 127 and 4095 bytes (511 in legacy mode), reporting each cut so
//!    that `--strict` can refuse it.
//!
//! One deliberate difference: `host<TAB>svc<TAB>0<TAB>` (a service check whose output is empty)
//! is a service check with an empty output, where the C client sends a host check `host` with
//! return code `atoi("svc")` and output `0`. It applies when the third field is followed by a
//! delimiter and the second field is not a number, so a host check written with a trailing
//! delimiter (`host<TAB>1<TAB>DOWN<TAB>`) stays a host check as in C.

use std::io::{self, Read};

use nsca::{CheckResult, Field, PacketSize, ReturnCode};

use nsca::config_syntax::{atoi, is_c_space};

/// The most bytes a set may have (`MAX_INPUT_BUFFER`).
pub const MAX_SET_LEN: usize = 5120;

/// Small on purpose: a process that sends one check should not touch (and fault in) pages it
/// does not need, and larger reads do not make bulk input measurably faster.
const READ_BUF_LEN: usize = 8 * 1024;

/// A set read by [`SetReader`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Set<'a> {
    /// The set's bytes, without its delimiter.
    pub bytes: &'a [u8],
    /// 1-based position of the set in the input.
    pub index: u64,
    /// Offset of the set's first byte in the input.
    pub offset: u64,
}

/// A set longer than [`MAX_SET_LEN`] bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetTooLong {
    /// 1-based position of the set in the input.
    pub index: u64,
    /// Offset of the set's first byte in the input.
    pub offset: u64,
}

/// Streams sets out of a reader, holding at most one set and one read buffer in memory.
#[derive(Debug)]
pub struct SetReader<R> {
    inner: R,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
    delimiter: Option<u8>,
    set: Vec<u8>,
    index: u64,
    offset: u64,
}

impl<R: Read> SetReader<R> {
    /// Reads sets separated by `delimiter` from `inner`.
    pub fn new(inner: R, delimiter: u8) -> Self {
        Self::with_capacity(inner, delimiter, READ_BUF_LEN)
    }

    /// Like [`SetReader::new`], with a read buffer of `capacity` bytes (at least 1).
    pub fn with_capacity(inner: R, delimiter: u8, capacity: usize) -> Self {
        Self {
            inner,
            buf: vec![0; capacity.max(1)],
            start: 0,
            end: 0,
            eof: false,
            // The C client compares getc()'s 0..255 with a signed char: 0x80.. never match.
            delimiter: (delimiter < 0x80).then_some(delimiter),
            set: Vec::with_capacity(MAX_SET_LEN),
            index: 0,
            offset: 0,
        }
    }

    /// Whether the next set can be returned without reading: it is complete in the buffer, or
    /// the input has ended. When not, a caller batching its output should send what it has
    /// before asking, since the read may wait.
    pub fn next_set_is_buffered(&self) -> bool {
        self.eof
            || self
                .delimiter
                .is_some_and(|d| self.buf[self.start..self.end].contains(&d))
    }

    /// The next set, `Ok(None)` at the end of the input.
    ///
    /// A read error ends the input, as it ends the C client's `getc()` loop.
    ///
    /// # Errors
    /// [`SetTooLong`]; reading should stop there, as the C client stops.
    pub fn next_set(&mut self) -> Result<Option<Set<'_>>, SetTooLong> {
        // C: `c = getc(stdin); if (c == EOF) break;` — no byte at all means no set.
        if !self.fill() {
            return Ok(None);
        }
        self.set.clear();
        self.index += 1;
        let offset = self.offset;
        loop {
            if !self.fill() {
                break; // End of input ends the set, whatever its length.
            }
            let available = &self.buf[self.start..self.end];
            let found = self
                .delimiter
                .and_then(|d| available.iter().position(|&b| b == d));
            let room = MAX_SET_LEN - self.set.len();
            let content = found.unwrap_or(available.len());
            if content > room || (content == room && found.is_some()) {
                // A byte arrived with MAX_SET_LEN bytes buffered.
                return Err(SetTooLong {
                    index: self.index,
                    offset,
                });
            }
            self.set.extend_from_slice(&available[..content]);
            let used = content + usize::from(found.is_some());
            self.start += used;
            self.offset += used as u64;
            if found.is_some() {
                break;
            }
        }
        Ok(Some(Set {
            bytes: &self.set,
            index: self.index,
            offset,
        }))
    }

    /// Makes sure a byte is buffered; false at the end of the input.
    fn fill(&mut self) -> bool {
        while self.start == self.end {
            if self.eof {
                return false;
            }
            match self.inner.read(&mut self.buf) {
                Ok(0) => self.eof = true,
                Ok(n) => {
                    self.start = 0;
                    self.end = n;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => self.eof = true,
            }
        }
        true
    }

    /// Reads and discards the rest of the input; returns how many bytes that was.
    pub fn drain(&mut self) -> u64 {
        let mut n = (self.end - self.start) as u64;
        self.start = self.end;
        while !self.eof {
            match self.inner.read(&mut self.buf) {
                Ok(0) => self.eof = true,
                Ok(k) => n += k as u64,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => self.eof = true,
            }
        }
        n
    }
}

/// The fields of one set, borrowed from it, before any cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fields<'a> {
    /// The host name.
    pub host: &'a [u8],
    /// The service description; `None` for a host check.
    pub service: Option<&'a [u8]>,
    /// The return code as written.
    pub return_code: &'a [u8],
    /// The plugin output.
    pub output: &'a [u8],
    /// Where a NUL byte cut the set short, if one did.
    pub nul_at: Option<usize>,
}

/// What [`parse_set`] made of a set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parsed<'a> {
    /// Nothing but trailing whitespace: skipped.
    Empty,
    /// Fewer than three fields: skipped silently by the C client.
    TooFewFields {
        /// How many fields the set has (0 to 2).
        fields: usize,
        /// Where a NUL byte cut the set short, if one did.
        nul_at: Option<usize>,
    },
    /// A check result.
    Check(Fields<'a>),
}

/// C's `strtok` over `s` from `*pos`, with a one-byte delimiter set (`None`: the empty set).
fn strtok(s: &[u8], pos: &mut usize, delimiter: Option<u8>) -> Option<(usize, usize)> {
    let mut i = *pos;
    if let Some(d) = delimiter {
        while i < s.len() && s[i] == d {
            i += 1;
        }
    }
    if i >= s.len() {
        *pos = s.len();
        return None;
    }
    let end = delimiter
        .and_then(|d| s[i..].iter().position(|&b| b == d))
        .map_or(s.len(), |p| i + p);
    *pos = if end < s.len() { end + 1 } else { end };
    Some((i, end))
}

/// Splits one set into fields as the C client does (see the module docs). Never panics.
pub fn parse_set(set: &[u8], delimiter: u8) -> Parsed<'_> {
    let nul_at = set.iter().position(|&b| b == 0);
    let raw = &set[..nul_at.unwrap_or(set.len())];
    let mut len = raw.len();
    while len > 0 && matches!(raw[len - 1], b' ' | b'\t' | b'\r' | b'\n') {
        len -= 1;
    }
    let s = &raw[..len];
    if s.is_empty() {
        return Parsed::Empty;
    }
    let delimiter = (delimiter != 0).then_some(delimiter);
    let mut pos = 0;
    let mut tokens = [(0, 0); 3];
    for (n, token) in tokens.iter_mut().enumerate() {
        match strtok(s, &mut pos, delimiter) {
            Some(t) => *token = t,
            None => return Parsed::TooFewFields { fields: n, nul_at },
        }
    }
    let field = |(a, b): (usize, usize)| &s[a..b];
    let [t1, t2, t3] = tokens;
    // ptr4 = strtok(NULL, ""): the rest of the set, if anything is left.
    let fields = if pos < s.len() {
        Fields {
            host: field(t1),
            service: Some(field(t2)),
            return_code: field(t3),
            output: &s[pos..],
            nul_at,
        }
    } else if delimiter.is_some_and(|d| raw.get(t3.1) == Some(&d)) && !is_number(field(t2)) {
        // `host<d>svc<d>0<d>`: an empty fourth field (deliberately not C's host check).
        Fields {
            host: field(t1),
            service: Some(field(t2)),
            return_code: field(t3),
            output: b"",
            nul_at,
        }
    } else {
        Fields {
            host: field(t1),
            service: None,
            return_code: field(t2),
            output: field(t3),
            nul_at,
        }
    };
    Parsed::Check(fields)
}

/// Whether `s` is a whole number as a person would write it: optional spaces, an optional
/// sign, digits, optional spaces.
fn is_number(s: &[u8]) -> bool {
    let s = trim_c_space(s);
    let digits = s
        .strip_prefix(b"-")
        .or_else(|| s.strip_prefix(b"+"))
        .unwrap_or(s);
    !digits.is_empty() && digits.iter().all(u8::is_ascii_digit)
}

fn trim_c_space(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if !is_c_space(*first) {
            break;
        }
        s = rest;
    }
    while let [rest @ .., last] = s {
        if !is_c_space(*last) {
            break;
        }
        s = rest;
    }
    s
}

/// Something the C client would silently change or drop; `--strict` makes it an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The set has fewer than three fields and is skipped.
    TooFewFields(usize),
    /// A NUL byte ends the set early; what follows it is lost.
    Nul(usize),
    /// The return code is not a number from -32768 to 32767 (`atoi` and a 16-bit cut make
    /// something else of it).
    ReturnCode {
        /// The field as written.
        text: Vec<u8>,
        /// What would be sent.
        sent: i16,
    },
    /// A field is too long and would be cut.
    Cut {
        /// The field.
        field: Field,
        /// Its length.
        len: usize,
        /// The most that fits.
        max: usize,
    },
    /// A host name or service description contains a line feed; the daemon cuts it there.
    LineFeed(Field),
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::TooFewFields(n) => write!(
                f,
                "has {n} field(s); a host check needs 3 (host, return code, output) and a \
                 service check 4 (host, service, return code, output), so it would be skipped"
            ),
            Self::Nul(at) => write!(
                f,
                "has a NUL byte at offset {at}; everything after it would be lost"
            ),
            Self::ReturnCode { text, sent } => write!(
                f,
                "return code '{}' is not a number from -32768 to 32767 (it would be sent as {sent})",
                text.escape_ascii()
            ),
            Self::Cut { field, len, max } => write!(
                f,
                "{field} is {len} bytes long; only {max} fit, so it would be cut"
            ),
            Self::LineFeed(field) => write!(
                f,
                "{field} contains a line feed; the daemon would cut it there"
            ),
        }
    }
}

/// Turns a set's fields into the check result the C client would send: return code by `atoi`,
/// cut to 16 bits; fields cut to what a packet of `size` holds. Also lists every change made,
/// for `--strict`.
pub fn to_check(fields: &Fields<'_>, size: PacketSize) -> (CheckResult, Vec<Problem>) {
    let mut problems = Vec::new();
    if let Some(at) = fields.nul_at {
        problems.push(Problem::Nul(at));
    }
    let sent = atoi(fields.return_code).0 as i16; // C: int16_t return_code = atoi(...).
    let exact = is_number(fields.return_code)
        && std::str::from_utf8(trim_c_space(fields.return_code))
            .ok()
            .and_then(|t| t.strip_prefix('+').unwrap_or(t).parse::<i16>().ok())
            == Some(sent);
    if !exact {
        problems.push(Problem::ReturnCode {
            text: fields.return_code.to_vec(),
            sent,
        });
    }
    let mut cut = |field: Field, value: &[u8]| -> Vec<u8> {
        let max = size.max_len(field);
        if value.len() > max {
            problems.push(Problem::Cut {
                field,
                len: value.len(),
                max,
            });
        }
        value[..value.len().min(max)].to_vec()
    };
    let host = cut(Field::Host, fields.host);
    let service = fields.service.map(|s| cut(Field::Service, s));
    let output = cut(Field::Output, fields.output);
    if host.contains(&b'\n') {
        problems.push(Problem::LineFeed(Field::Host));
    }
    if service.as_ref().is_some_and(|s| s.contains(&b'\n')) {
        problems.push(Problem::LineFeed(Field::Service));
    }
    let code = ReturnCode(sent);
    let check = match service {
        Some(service) => CheckResult::service(host, service, code, output),
        None => CheckResult::host(host, code, output),
    };
    (check, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sets(input: &[u8], delimiter: u8, capacity: usize) -> Result<Vec<Vec<u8>>, SetTooLong> {
        let mut reader = SetReader::with_capacity(input, delimiter, capacity);
        let mut out = Vec::new();
        while let Some(set) = reader.next_set()? {
            out.push(set.bytes.to_vec());
        }
        Ok(out)
    }

    #[test]
    fn splits_at_the_set_delimiter_not_at_newlines() {
        for cap in [1, 3, 7, 64 * 1024] {
            assert_eq!(
                sets(b"a\tb\t0\tx\nc\td\t1\ty\n", 0x17, cap).unwrap(),
                [b"a\tb\t0\tx\nc\td\t1\ty\n".to_vec()]
            );
            assert_eq!(
                sets(b"one\x17two\x17\x17\nthree", 0x17, cap).unwrap(),
                [&b"one"[..], b"two", b"", b"\nthree"]
            );
            assert_eq!(sets(b"a\nb\n", b'\n', cap).unwrap(), [&b"a"[..], b"b"]);
            assert_eq!(sets(b"", 0x17, cap).unwrap(), Vec::<Vec<u8>>::new());
            assert_eq!(sets(b"\x17", 0x17, cap).unwrap(), [b""]);
            // NUL as a set delimiter (-ds 00) works; 0x80 and up never match.
            assert_eq!(sets(b"a\0b", 0, cap).unwrap(), [&b"a"[..], b"b"]);
            assert_eq!(sets(b"a\x97b", 0x97, cap).unwrap(), [b"a\x97b"]);
        }
    }

    #[test]
    fn set_length_limit_is_the_c_clients() {
        let set = |n: usize, tail: &[u8]| {
            let mut v = vec![b'o'; n];
            v.extend_from_slice(tail);
            v
        };
        for cap in [1, 100, 5120, 64 * 1024] {
            assert!(sets(&set(5119, b"\x17"), 0x17, cap).is_ok());
            assert!(sets(&set(5120, b""), 0x17, cap).is_ok());
            assert!(sets(&set(5119, b"\x17\x17"), 0x17, cap).is_ok());
            let too_long = SetTooLong {
                index: 1,
                offset: 0,
            };
            assert_eq!(sets(&set(5120, b"\x17"), 0x17, cap), Err(too_long));
            assert_eq!(sets(&set(5121, b""), 0x17, cap), Err(too_long));
            assert_eq!(sets(&set(5120, b"\n"), 0x17, cap), Err(too_long));
            let mut two = b"h\ts\t0\tfirst\x17".to_vec();
            two.extend(set(6000, b""));
            let mut reader = SetReader::with_capacity(&two[..], 0x17, cap);
            assert_eq!(reader.next_set().unwrap().unwrap().bytes, b"h\ts\t0\tfirst");
            assert_eq!(
                reader.next_set(),
                Err(SetTooLong {
                    index: 2,
                    offset: 12
                })
            );
        }
    }

    #[test]
    fn reports_positions_and_drains() {
        let mut reader = SetReader::with_capacity(&b"ab\x17cde\x17f"[..], 0x17, 2);
        let positions: Vec<(u64, u64)> =
            std::iter::from_fn(|| reader.next_set().unwrap().map(|s| (s.index, s.offset)))
                .collect();
        assert_eq!(positions, [(1, 0), (2, 3), (3, 7)]);
        let mut reader = SetReader::with_capacity(&b"ab\x17cdef"[..], 0x17, 4);
        reader.next_set().unwrap();
        assert_eq!(reader.drain(), 4);
        assert_eq!(reader.next_set(), Ok(None));
    }

    /// Host, service, return code, output.
    type Got = Option<(Vec<u8>, Option<Vec<u8>>, Vec<u8>, Vec<u8>)>;

    fn check(set: &[u8], delimiter: u8) -> Got {
        match parse_set(set, delimiter) {
            Parsed::Check(f) => Some((
                f.host.to_vec(),
                f.service.map(<[u8]>::to_vec),
                f.return_code.to_vec(),
                f.output.to_vec(),
            )),
            _ => None,
        }
    }

    fn svc(h: &str, s: &str, rc: &str, o: &str) -> Got {
        Some((h.into(), Some(s.into()), rc.into(), o.into()))
    }

    fn host(h: &str, rc: &str, o: &str) -> Got {
        Some((h.into(), None, rc.into(), o.into()))
    }

    #[test]
    fn fields_like_strtok() {
        let t = b'\t';
        assert_eq!(
            check(b"localhost\tsvc one\t0\tOK - all good | t=1\n", t),
            svc("localhost", "svc one", "0", "OK - all good | t=1")
        );
        assert_eq!(
            check(b"myhost\t1\tHost is DOWN\n", t),
            host("myhost", "1", "Host is DOWN")
        );
        assert_eq!(
            check(b"h1\ts1\t0\tout1\nh2\ts2\t1\tout2\n", t),
            svc("h1", "s1", "0", "out1\nh2\ts2\t1\tout2")
        );
        assert_eq!(
            check(b"h\t\t0\tcollapsed\n", t),
            host("h", "0", "collapsed")
        );
        assert_eq!(check(b"\ts1\t0\tout", t), host("s1", "0", "out"));
        assert_eq!(
            check(b"h\ts\t0\tout   \t\r\n\n", t),
            svc("h", "s", "0", "out")
        );
        assert_eq!(
            check(b"h\ts\t0\t\t\tlead", t),
            svc("h", "s", "0", "\t\tlead")
        );
        assert_eq!(check(b"\nh2\ts2\t0\to2\n", t), svc("\nh2", "s2", "0", "o2"));
        assert_eq!(
            check(b"h,s,0,comma out,with,commas", b','),
            svc("h", "s", "0", "comma out,with,commas")
        );
        assert_eq!(check(b"haxbx0xout", b'x'), svc("ha", "b", "0", "out"));
        assert_eq!(check(b"h\ts\t0\tcut\0here", t), svc("h", "s", "0", "cut"));
        assert_eq!(
            parse_set(b"onlyhost\n", t),
            Parsed::TooFewFields {
                fields: 1,
                nul_at: None
            }
        );
        assert_eq!(
            parse_set(b"h\ts\n", t),
            Parsed::TooFewFields {
                fields: 2,
                nul_at: None
            }
        );
        assert_eq!(
            parse_set(b"h\t\0s\t0\to", t),
            Parsed::TooFewFields {
                fields: 1,
                nul_at: Some(2)
            }
        );
        assert_eq!(parse_set(b" \t\r\n", t), Parsed::Empty);
        assert_eq!(parse_set(b"", t), Parsed::Empty);
        assert_eq!(parse_set(b"\0h\ts\t0\to", t), Parsed::Empty);
        // No delimiter at all (-d 09): never three fields.
        assert_eq!(
            parse_set(b"h\ts\t0\tout", 0),
            Parsed::TooFewFields {
                fields: 1,
                nul_at: None
            }
        );
    }

    #[test]
    fn empty_output_service_check_is_kept() {
        let t = b'\t';
        assert_eq!(check(b"h\ts\t0\t\n", t), svc("h", "s", "0", ""));
        assert_eq!(check(b"h\ts\t0\t", t), svc("h", "s", "0", ""));
        assert_eq!(check(b"h,s,0,", b','), svc("h", "s", "0", ""));
        // Host checks with a trailing delimiter stay host checks, as in C.
        assert_eq!(
            check(b"myhost\t1\tHost is DOWN\t\n", t),
            host("myhost", "1", "Host is DOWN")
        );
        assert_eq!(check(b"h\t 2 \tout\t", t), host("h", " 2 ", "out"));
        // Without the trailing delimiter it is C's host check.
        assert_eq!(check(b"h\ts\t0", t), host("h", "s", "0"));
    }

    #[test]
    fn values_and_problems() {
        let fields = |set: &'static [u8]| match parse_set(set, b'\t') {
            Parsed::Check(f) => f,
            other => panic!("{other:?}"),
        };
        let (c, p) = to_check(&fields(b"h\ts\t2\tout"), PacketSize::Standard);
        assert_eq!(c, CheckResult::service("h", "s", 2, "out"));
        assert!(p.is_empty());
        for (rc, sent) in [(&b"-1"[..], -1), (b"+3", 3), (b" 2", 2)] {
            let mut set = b"h\ts\t".to_vec();
            set.extend_from_slice(rc);
            set.extend_from_slice(b"\tx");
            let Parsed::Check(f) = parse_set(&set, b'\t') else {
                panic!()
            };
            let (c, p) = to_check(&f, PacketSize::Standard);
            assert_eq!(c.return_code(), ReturnCode(sent));
            assert!(p.is_empty(), "{p:?}");
        }
        for (rc, sent) in [
            (&b"70000"[..], 4464),
            (b"abc", 0),
            (b"2abc", 2),
            (b"-32769", 32767),
        ] {
            let mut set = b"h\ts\t".to_vec();
            set.extend_from_slice(rc);
            set.extend_from_slice(b"\tx");
            let Parsed::Check(f) = parse_set(&set, b'\t') else {
                panic!()
            };
            let (c, p) = to_check(&f, PacketSize::Standard);
            assert_eq!(c.return_code(), ReturnCode(sent));
            assert_eq!(
                p,
                [Problem::ReturnCode {
                    text: rc.to_vec(),
                    sent
                }]
            );
        }
        let long: &'static [u8] = Box::leak(
            [
                &[b'H'; 100][..],
                b"\t",
                &[b'S'; 200],
                b"\t0\t",
                &[b'O'; 4200],
            ]
            .concat()
            .into_boxed_slice(),
        );
        let (c, p) = to_check(&fields(long), PacketSize::Standard);
        assert_eq!(
            (
                c.host_name().len(),
                c.service_description().map(<[u8]>::len),
                c.output().len()
            ),
            (63, Some(127), 4095)
        );
        assert_eq!(
            p,
            [
                Problem::Cut {
                    field: Field::Host,
                    len: 100,
                    max: 63
                },
                Problem::Cut {
                    field: Field::Service,
                    len: 200,
                    max: 127
                },
                Problem::Cut {
                    field: Field::Output,
                    len: 4200,
                    max: 4095
                },
            ]
        );
        let (c, _) = to_check(&fields(long), PacketSize::Legacy);
        assert_eq!(c.output().len(), 511);
        let (_, p) = to_check(&fields(b"\nh\ts\t0\tx\0y"), PacketSize::Standard);
        assert_eq!(p, [Problem::Nul(8), Problem::LineFeed(Field::Host)]);
        let (c, p) = to_check(&fields(b"h\t0\tx"), PacketSize::Standard);
        assert!(c.is_host_check() && p.is_empty());
    }
}
