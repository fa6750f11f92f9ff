//! The config file syntax and number parsing of NSCA 2.10's C programs, shared by every program
//! that reads `nsca.cfg` or `send_nsca.cfg` the way they do.
//!
//! Both C programs read their config file with the same loop, and read numbers (in config files
//! and on `send_nsca`'s command line) with glibc's `atoi`, `strtol` and `strtoul`. Reproducing
//! those rules exactly is what lets a config file that worked with C work unchanged, and what
//! makes odd values (`server_port=5667 # main`, `-p 70000`, a delimiter of `09`) behave as they
//! did. The rules, which [`lines`] and [`split_line`] implement:
//!
//! - The file is read in `fgets` chunks of at most [`LINE_CHUNK`] bytes, each ending after a
//!   line feed when there is one; a longer line goes on as the next "line", and line numbers
//!   count these chunks.
//! - A chunk is skipped only when its first byte is `#`, NUL or a line feed: an indented comment
//!   or a line of spaces is not skipped (and is then an error for lack of a value).
//! - Everything after the first NUL of a chunk is ignored (C's string functions stop there).
//! - The name runs from the first byte that is not `=` to the next `=`; the value from after
//!   that `=` (line feeds skipped) to the next line feed. Nothing is trimmed: `password = x`
//!   names `password ` and has the value ` x`, and a CRLF file leaves the CR in the value.
//!
//! Which names a program knows, and how it matches them (C matches most keys by substring, see
//! [`contains`]), is the program's business, not this module's.
//!
//! Nothing here does I/O or panics, whatever the bytes.
//!
//! ```
//! use nsca::config_syntax::{Line, atoi, lines, split_line};
//!
//! let text = b"# comment\nserver_port=5667 # main\n";
//! let parsed: Vec<Line<'_>> = lines(text).map(|chunk| split_line(chunk).unwrap()).collect();
//! assert_eq!(parsed[0], Line::Skipped);
//! let Line::Setting { name, value } = parsed[1] else { unreachable!() };
//! assert_eq!((name, value), (&b"server_port"[..], &b"5667 # main"[..]));
//! assert_eq!(atoi(value), (5667, false)); // C stops at the first byte that is not a digit
//! ```

use std::fmt;

/// `fgets(buf, 5119, fp)`: the most bytes one chunk ("line") of a config file holds.
pub const LINE_CHUNK: usize = 5118;

/// The chunks C's `fgets` loop reads from a whole file held in memory: each at most
/// [`LINE_CHUNK`] bytes, ending after the first line feed when there is one in reach. Chunk
/// `n` (counting from 1) is what the C programs call line `n` in their messages.
pub fn lines(text: &[u8]) -> Lines<'_> {
    Lines { rest: text }
}

/// The iterator [`lines`] returns.
#[derive(Debug, Clone)]
pub struct Lines<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Lines<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        if self.rest.is_empty() {
            return None;
        }
        let (chunk, rest) = self.rest.split_at(chunk_len(self.rest));
        self.rest = rest;
        Some(chunk)
    }
}

/// How many bytes of `buf` the next `fgets` chunk takes: through the first line feed within
/// [`LINE_CHUNK`] bytes, else [`LINE_CHUNK`] (or all of `buf` when it is shorter). A streaming
/// reader that has only part of the file in `buf` must treat a short result without a line
/// feed as "read more first".
pub fn chunk_len(buf: &[u8]) -> usize {
    let take = buf.len().min(LINE_CHUNK);
    buf[..take]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(take, |p| p + 1)
}

/// One chunk of a config file, as the C loop body sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line<'a> {
    /// A comment, an empty line or a line starting with NUL: C goes on to the next.
    Skipped,
    /// `name=value`, split as C's two `strtok` calls split it.
    Setting {
        /// The bytes from the first that is not `=` to the next `=`.
        name: &'a [u8],
        /// The bytes after that `=` (leading line feeds skipped) up to the next line feed.
        value: &'a [u8],
    },
}

/// Why a chunk that C does not skip has no setting in it. The C programs report both as
/// "no variable name" and "no variable value", with the line number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineError {
    /// Nothing but `=` (up to the first NUL): C's first `strtok` finds no name.
    NoName,
    /// A name without `=`, or nothing after the `=`: C's second `strtok` finds no value.
    NoValue,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NoName => "no variable name",
            Self::NoValue => "no variable value",
        })
    }
}

impl std::error::Error for LineError {}

/// Splits one chunk from [`lines`] into name and value, or says that C skips it.
///
/// # Errors
/// [`LineError`] for a chunk C does not skip but finds no name or no value in.
pub fn split_line(chunk: &[u8]) -> Result<Line<'_>, LineError> {
    if matches!(chunk.first(), None | Some(b'#' | 0 | b'\n')) {
        return Ok(Line::Skipped);
    }
    // C's string functions see the chunk up to its first NUL.
    let s = chunk.split(|&b| b == 0).next().unwrap_or_default();
    // strtok(line, "="): skip leading `=`; the name runs to the next `=` (or the end).
    let start = s.iter().position(|&b| b != b'=').ok_or(LineError::NoName)?;
    let name_end = s[start..]
        .iter()
        .position(|&b| b == b'=')
        .map_or(s.len(), |p| start + p);
    if name_end >= s.len() {
        return Err(LineError::NoValue);
    }
    // strtok(NULL, "\n"): skip line feeds; the value runs to the next one.
    let rest = &s[name_end + 1..];
    let value_start = rest
        .iter()
        .position(|&b| b != b'\n')
        .ok_or(LineError::NoValue)?;
    let rest = &rest[value_start..];
    let value = &rest[..rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len())];
    Ok(Line::Setting {
        name: &s[start..name_end],
        value,
    })
}

/// C's `strstr(haystack, needle) != NULL` on byte strings: how the C programs match most
/// config names (`my_password_key` sets `password`). An empty needle is always contained.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|w| w == needle)
}

/// C's `isspace` in the C locale: space, tab, line feed, vertical tab, form feed, carriage
/// return.
pub const fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// The base [`scan`] reads a number in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base {
    /// Decimal digits only: `strtol(s, NULL, 10)`, and `atoi`.
    Decimal,
    /// C's base 0: `0x` followed by a hex digit starts a hexadecimal number, a leading `0` an
    /// octal one, anything else is decimal.
    Auto,
}

/// What glibc's `strtol`/`strtoul` find at the start of a byte string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scanned {
    /// A `-` came before the digits.
    pub negative: bool,
    /// The digits' value, `None` when it does not fit in 64 bits.
    pub magnitude: Option<u64>,
    /// At least one digit was read (C's `endptr != s`).
    pub digits: bool,
    /// Whitespace ([`is_c_space`]) came first, which C skips.
    pub leading_space: bool,
    /// Where the number ended: the index of the first byte not read (C's `endptr`); 0 when no
    /// digit was read.
    pub end: usize,
}

impl Scanned {
    /// `strtol`'s result: saturated at `i64::MIN`/`i64::MAX` (glibc's 64-bit `long`) when the
    /// number does not fit, which is when [`Scanned::overflow`] is true.
    pub fn strtol(&self) -> i64 {
        match (self.magnitude, self.negative) {
            (Some(m), false) => i64::try_from(m).unwrap_or(i64::MAX),
            (Some(m), true) => 0i64.checked_sub_unsigned(m).unwrap_or(i64::MIN),
            (None, false) => i64::MAX,
            (None, true) => i64::MIN,
        }
    }

    /// `strtol` set `errno` to `ERANGE`: the number does not fit in 64 signed bits.
    pub fn overflow(&self) -> bool {
        match (self.magnitude, self.negative) {
            (Some(m), false) => m > i64::MAX as u64,
            (Some(m), true) => m > i64::MIN.unsigned_abs(),
            (None, _) => true,
        }
    }

    /// `atoi`'s result: `(int) strtol(s, NULL, 10)`, the low 32 bits of [`Scanned::strtol`].
    pub fn atoi(&self) -> i32 {
        self.strtol() as i32
    }

    /// `strtoul`'s result: a negative number wraps modulo 2^64, one that does not fit in 64 bits
    /// gives `ULONG_MAX`.
    pub fn strtoul(&self) -> u64 {
        match self.magnitude {
            Some(m) if self.negative => m.wrapping_neg(),
            Some(m) => m,
            None => u64::MAX,
        }
    }
}

/// Reads a number as glibc's `strtol`/`strtoul` do: optional leading whitespace, an optional
/// sign, then digits in `base`, stopping at the first byte that is not one.
pub fn scan(s: &[u8], base: Base) -> Scanned {
    let mut i = s.iter().take_while(|&&b| is_c_space(b)).count();
    let leading_space = i > 0;
    let negative = match s.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let mut radix = 10;
    if base == Base::Auto && s.get(i) == Some(&b'0') {
        let hex = matches!(s.get(i + 1), Some(b'x' | b'X'))
            && s.get(i + 2).is_some_and(u8::is_ascii_hexdigit);
        if hex {
            radix = 16;
            i += 2;
        } else {
            radix = 8;
        }
    }
    let digits_start = i;
    let mut magnitude = Some(0u64);
    while let Some(d) = s.get(i).and_then(|&b| char::from(b).to_digit(radix)) {
        magnitude = magnitude
            .and_then(|m| m.checked_mul(u64::from(radix)))
            .and_then(|m| m.checked_add(u64::from(d)));
        i += 1;
    }
    let digits = i > digits_start;
    Scanned {
        negative,
        magnitude,
        digits,
        leading_space,
        end: if digits { i } else { 0 },
    }
}

/// glibc's `atoi(s)`, with whether `strtol` underneath overflowed (it sets `errno`). Values
/// beyond 64 bits saturate, then the cast to `int` keeps the low 32 bits: `atoi("4294967297")`
/// is 1, as in C.
pub fn atoi(s: &[u8]) -> (i32, bool) {
    let n = scan(s, Base::Decimal);
    (n.atoi(), n.overflow())
}

/// glibc's `strtol(s, NULL, base)`, with whether it overflowed.
pub fn strtol(s: &[u8], base: Base) -> (i64, bool) {
    let n = scan(s, base);
    (n.strtol(), n.overflow())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atoi_like_glibc() {
        for (s, want) in [
            (&b"0"[..], 0),
            (b"2abc", 2),
            (b" 2x", 2),
            (b"\t\n-1", -1),
            (b"+7", 7),
            (b"abc", 0),
            (b"", 0),
            (b"- 1", 0),
            (b"70000", 70000),
            (b"99999999999", 1_215_752_191),
            (b"2147483648", -2_147_483_648),
            (b"4294967297", 1),
            (b"99999999999999999999", -1),
            (b"-99999999999999999999", 0),
        ] {
            assert_eq!(atoi(s).0, want, "{:?}", String::from_utf8_lossy(s));
        }
        assert!(atoi(b"99999999999999999999").1);
        assert!(atoi(b"-99999999999999999999").1);
        assert!(!atoi(b"9223372036854775807").1);
        assert!(!atoi(b"-9223372036854775808").1);
        assert!(atoi(b"9223372036854775808").1);
        assert!(atoi(b"-9223372036854775809").1);
    }

    #[test]
    fn strtol_base_0() {
        let v = |s: &[u8]| strtol(s, Base::Auto).0;
        assert_eq!(v(b"0x2c"), 44);
        assert_eq!(v(b"0X2C"), 44);
        assert_eq!(v(b"054"), 44);
        assert_eq!(v(b"44"), 44);
        assert_eq!(v(b"09"), 0);
        assert_eq!(v(b"0x"), 0);
        assert_eq!(v(b"0xg"), 0);
        assert_eq!(v(b"-0x10"), -16);
        assert_eq!(v(b"9x"), 9);
        assert!(strtol(b"0xffffffffffffffffff", Base::Auto).1);
        assert!(!strtol(b"0x7fffffffffffffff", Base::Auto).1);
        assert_eq!(strtol(b"0x8000000000000000", Base::Auto), (i64::MAX, true));
        assert_eq!(
            strtol(b"-0x8000000000000000", Base::Auto),
            (i64::MIN, false)
        );
    }

    #[test]
    fn strtoul_wraps_and_saturates() {
        let v = |s: &[u8]| scan(s, Base::Decimal).strtoul();
        assert_eq!(v(b"30"), 30);
        assert_eq!(v(b"-1"), u64::MAX);
        assert_eq!(v(b"-30"), u64::MAX - 29);
        assert_eq!(v(b"18446744073709551615"), u64::MAX);
        assert_eq!(v(b"18446744073709551616"), u64::MAX);
        assert_eq!(v(b"-99999999999999999999"), u64::MAX);
        assert_eq!(v(b"x"), 0);
    }

    #[test]
    fn scan_reports_where_the_number_ends() {
        let n = scan(b" 12ab", Base::Decimal);
        assert_eq!((n.digits, n.leading_space, n.end), (true, true, 3));
        let n = scan(b"-", Base::Decimal);
        assert_eq!((n.digits, n.end), (false, 0));
        let n = scan(b"0x1f!", Base::Auto);
        assert_eq!((n.strtol(), n.end), (31, 4));
    }

    #[test]
    fn lines_are_fgets_chunks() {
        assert_eq!(lines(b"").count(), 0);
        let got: Vec<&[u8]> = lines(b"a\n\nb").collect();
        assert_eq!(got, [&b"a\n"[..], b"\n", b"b"]);
        // A line longer than a chunk goes on as the next "line"; a line feed right after a
        // full chunk is a chunk of its own.
        let mut text = vec![b'x'; LINE_CHUNK + 3];
        text.push(b'\n');
        let got: Vec<usize> = lines(&text).map(<[u8]>::len).collect();
        assert_eq!(got, [LINE_CHUNK, 4]);
        let mut text = vec![b'x'; LINE_CHUNK];
        text.push(b'\n');
        let got: Vec<usize> = lines(&text).map(<[u8]>::len).collect();
        assert_eq!(got, [LINE_CHUNK, 1]);
    }

    #[test]
    fn split_like_strtok() {
        let set = |name: &'static [u8], value: &'static [u8]| Ok(Line::Setting { name, value });
        assert_eq!(split_line(b"# x\n"), Ok(Line::Skipped));
        assert_eq!(split_line(b"\n"), Ok(Line::Skipped));
        assert_eq!(split_line(b"\0x=y\n"), Ok(Line::Skipped));
        assert_eq!(split_line(b""), Ok(Line::Skipped));
        assert_eq!(split_line(b"a=b\n"), set(b"a", b"b"));
        assert_eq!(split_line(b"==a=b=c\r\n"), set(b"a", b"b=c\r"));
        assert_eq!(split_line(b"a = b\n"), set(b"a ", b" b"));
        assert_eq!(split_line(b"a=b\0c\n"), set(b"a", b"b"));
        assert_eq!(split_line(b"  # indented\n"), Err(LineError::NoValue));
        assert_eq!(split_line(b"   \n"), Err(LineError::NoValue));
        assert_eq!(split_line(b"a=\n"), Err(LineError::NoValue));
        assert_eq!(split_line(b"a=\0b\n"), Err(LineError::NoValue));
        assert_eq!(split_line(b"a"), Err(LineError::NoValue));
        assert_eq!(split_line(b"===\n"), Err(LineError::NoValue));
        assert_eq!(split_line(b"==="), Err(LineError::NoName));
    }

    #[test]
    fn contains_is_strstr() {
        assert!(contains(b"my_password_x", b"password"));
        assert!(!contains(b"passwor", b"password"));
        assert!(contains(b"x", b""));
    }
}
