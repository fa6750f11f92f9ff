//! C's number parsing, as glibc does it: `strtol`, and `atoi` on top of it.
//!
//! `send_nsca` reads ports, timeouts, encryption methods and return codes with `atoi`, and
//! numeric delimiters with `strtol(arg, NULL, 0)`. Reproducing them exactly is what makes
//! `-p 70000`, a return code of `2abc` or a delimiter of `09` behave as they do in C.

/// The result of [`strtol`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Strtol {
    /// The value, saturated at `i64::MIN`/`i64::MAX` on overflow (glibc's `long` is 64 bits).
    pub value: i64,
    /// Whether the number overflowed (`errno == ERANGE` in C).
    pub overflow: bool,
    /// Whether any digit was read.
    pub digits: bool,
}

/// C's `isspace` in the C locale.
pub const fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// `strtol(s, NULL, base)` for base 10, or base 0 (`0x` hex, leading `0` octal, else decimal)
/// when `base0` is set. Parsing stops at the first byte that is not part of the number.
pub fn strtol(s: &[u8], base0: bool) -> Strtol {
    let mut i = 0;
    while i < s.len() && is_c_space(s[i]) {
        i += 1;
    }
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
    if base0 && s.get(i) == Some(&b'0') {
        let hex = matches!(s.get(i + 1), Some(b'x' | b'X'))
            && s.get(i + 2).is_some_and(u8::is_ascii_hexdigit);
        if hex {
            radix = 16;
            i += 2;
        } else {
            radix = 8;
        }
    }
    // Accumulate as a negative number so that i64::MIN is reachable, as glibc does.
    let mut acc: i64 = 0;
    let mut overflow = false;
    let mut digits = false;
    while let Some(d) = s.get(i).and_then(|&b| char::from(b).to_digit(radix)) {
        digits = true;
        if !overflow {
            match acc
                .checked_mul(i64::from(radix))
                .and_then(|a| a.checked_sub(i64::from(d)))
            {
                Some(a) => acc = a,
                None => overflow = true,
            }
        }
        i += 1;
    }
    let value = if overflow {
        if negative { i64::MIN } else { i64::MAX }
    } else if negative {
        acc
    } else {
        match acc.checked_neg() {
            Some(v) => v,
            None => {
                overflow = true;
                i64::MAX
            }
        }
    };
    Strtol {
        value,
        overflow,
        digits,
    }
}

/// glibc's `atoi`: `(int) strtol(s, NULL, 10)`, so out-of-range values wrap to 32 bits after
/// saturating at 64. Also returns whether `strtol` overflowed (it sets `errno`).
pub fn atoi(s: &[u8]) -> (i32, bool) {
    let r = strtol(s, false);
    (r.value as i32, r.overflow) // `(int)` cast in C: keeps the low 32 bits.
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
    }

    #[test]
    fn strtol_base_0() {
        let v = |s: &[u8]| strtol(s, true).value;
        assert_eq!(v(b"0x2c"), 44);
        assert_eq!(v(b"0X2C"), 44);
        assert_eq!(v(b"054"), 44);
        assert_eq!(v(b"44"), 44);
        assert_eq!(v(b"09"), 0);
        assert_eq!(v(b"0x"), 0);
        assert_eq!(v(b"0xg"), 0);
        assert_eq!(v(b"-0x10"), -16);
        assert_eq!(v(b"9x"), 9);
        assert!(strtol(b"0xffffffffffffffffff", true).overflow);
        assert!(!strtol(b"0x7fffffffffffffff", true).overflow);
    }
}
