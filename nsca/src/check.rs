//! Check results: what one data packet carries.

use core::fmt;

use crate::error::{EncodeError, Field};
use crate::packet::PacketSize;

/// A plugin return code: a signed 16-bit number on the wire.
///
/// Nagios understands 0 to 3; NSCA carries any `i16` unchanged.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct ReturnCode(pub i16);

impl ReturnCode {
    /// 0: the service or host is fine.
    pub const OK: Self = Self(0);
    /// 1: warning (for a host check, Nagios reads 1 as DOWN).
    pub const WARNING: Self = Self(1);
    /// 2: critical.
    pub const CRITICAL: Self = Self(2);
    /// 3: unknown.
    pub const UNKNOWN: Self = Self(3);

    /// Parses a state the way people write it: `0`..`3` or any `i16`, or a name (`OK`, `WARNING`,
    /// `CRITICAL`, `UNKNOWN`, also `WARN`, `CRIT`, `UP`, `DOWN`, `UNREACHABLE`), case-insensitive.
    pub fn parse(s: &str) -> Option<Self> {
        if let Ok(n) = s.parse::<i16>() {
            return Some(Self(n));
        }
        Some(match s.to_ascii_uppercase().as_str() {
            "OK" | "UP" => Self::OK,
            "WARNING" | "WARN" | "DOWN" => Self::WARNING,
            "CRITICAL" | "CRIT" | "UNREACHABLE" => Self::CRITICAL,
            "UNKNOWN" => Self::UNKNOWN,
            _ => return None,
        })
    }

    /// The service state name for 0..=3, `None` otherwise.
    pub fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            0 => "OK",
            1 => "WARNING",
            2 => "CRITICAL",
            3 => "UNKNOWN",
            _ => return None,
        })
    }
}

impl fmt::Debug for ReturnCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{}({name})", self.0),
            None => write!(f, "{}", self.0),
        }
    }
}

impl fmt::Display for ReturnCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl From<i16> for ReturnCode {
    fn from(n: i16) -> Self {
        Self(n)
    }
}

/// One passive check result: a host check when there is no service, else a service check.
///
/// Fields are bytes, because the wire carries C strings with no encoding; the constructors take
/// anything that converts into `Vec<u8>` (`&str`, `String`, `&[u8]`, …).
///
/// A check result is checked against the packet's field sizes only when it is encoded: encoding
/// fails on a field that does not fit ([`EncodeError::FieldTooLong`]) unless the caller first
/// cuts it with [`CheckResult::truncate`], which reports what it cut. Nothing is cut silently.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CheckResult {
    host: Vec<u8>,
    service: Option<Vec<u8>>,
    code: ReturnCode,
    output: Vec<u8>,
}

impl CheckResult {
    /// A service check result.
    pub fn service(
        host: impl Into<Vec<u8>>,
        service: impl Into<Vec<u8>>,
        code: impl Into<ReturnCode>,
        output: impl Into<Vec<u8>>,
    ) -> Self {
        Self {
            host: host.into(),
            service: Some(service.into()),
            code: code.into(),
            output: output.into(),
        }
    }

    /// A host check result.
    pub fn host(
        host: impl Into<Vec<u8>>,
        code: impl Into<ReturnCode>,
        output: impl Into<Vec<u8>>,
    ) -> Self {
        Self {
            host: host.into(),
            service: None,
            code: code.into(),
            output: output.into(),
        }
    }

    /// The host name.
    pub fn host_name(&self) -> &[u8] {
        &self.host
    }

    /// The service description; `None` for a host check.
    pub fn service_description(&self) -> Option<&[u8]> {
        self.service.as_deref()
    }

    /// The return code.
    pub fn return_code(&self) -> ReturnCode {
        self.code
    }

    /// The plugin output (first line: output; further lines: long output).
    pub fn output(&self) -> &[u8] {
        &self.output
    }

    /// Whether this is a host check.
    pub fn is_host_check(&self) -> bool {
        self.service.is_none()
    }

    /// Checks that every field can be sent in a packet of `size`.
    ///
    /// # Errors
    /// [`EncodeError::EmptyHost`], [`EncodeError::EmptyService`],
    /// [`EncodeError::InteriorNul`] or [`EncodeError::FieldTooLong`], for the first field (host,
    /// service, output) that has the problem.
    pub fn validate(&self, size: PacketSize) -> Result<(), EncodeError> {
        if self.host.is_empty() {
            return Err(EncodeError::EmptyHost);
        }
        if self.service.as_ref().is_some_and(Vec::is_empty) {
            return Err(EncodeError::EmptyService);
        }
        for (field, value) in self.fields() {
            if let Some(offset) = value.iter().position(|&b| b == 0) {
                return Err(EncodeError::InteriorNul { field, offset });
            }
            let max = size.max_len(field);
            if value.len() > max {
                return Err(EncodeError::FieldTooLong {
                    field,
                    len: value.len(),
                    max,
                });
            }
        }
        Ok(())
    }

    /// Cuts every field to what a packet of `size` carries, as `send_nsca` does silently, and
    /// says what was cut. A field is also cut at a NUL byte, where the daemon would stop reading
    /// it. Cutting works on bytes: a multi-byte UTF-8 character may be split; see
    /// [`CheckResult::truncate_output_utf8`] for a gentler cut of the output.
    pub fn truncate(&mut self, size: PacketSize) -> Truncation {
        let mut cut = Truncation::default();
        for field in [Field::Host, Field::Service, Field::Output] {
            let max = size.max_len(field);
            let Some(value) = self.field_mut(field) else {
                continue;
            };
            let end = value
                .iter()
                .position(|&b| b == 0)
                .unwrap_or(value.len())
                .min(max);
            if end < value.len() {
                cut.fields.push(Cut {
                    field,
                    from: value.len(),
                    to: end,
                });
                value.truncate(end);
            }
        }
        cut
    }

    /// Cuts the output to fit a packet of `size` on a UTF-8 character boundary, ending it with
    /// `marker` (for example `"…"` or `" [truncated]"`). Returns whether anything was cut.
    /// Output that is not valid UTF-8 is cut on a byte boundary before the marker.
    pub fn truncate_output_utf8(&mut self, size: PacketSize, marker: &str) -> bool {
        let max = size.max_len(Field::Output);
        if self.output.len() <= max {
            return false;
        }
        let keep = max.saturating_sub(marker.len());
        let mut end = keep;
        if let Ok(valid) = core::str::from_utf8(&self.output) {
            while end > 0 && !valid.is_char_boundary(end) {
                end -= 1;
            }
        } else if let Err(e) = core::str::from_utf8(&self.output[..keep]) {
            // Keep what is valid, unless the invalid part is early (then keep bytes as they are).
            if e.error_len().is_none() {
                end = e.valid_up_to();
            }
        }
        self.output.truncate(end);
        self.output
            .extend_from_slice(&marker.as_bytes()[..marker.len().min(max - end)]);
        true
    }

    pub(crate) fn fields(&self) -> impl Iterator<Item = (Field, &[u8])> {
        [
            Some((Field::Host, self.host.as_slice())),
            self.service.as_deref().map(|s| (Field::Service, s)),
            Some((Field::Output, self.output.as_slice())),
        ]
        .into_iter()
        .flatten()
    }

    fn field_mut(&mut self, field: Field) -> Option<&mut Vec<u8>> {
        match field {
            Field::Host => Some(&mut self.host),
            Field::Service => self.service.as_mut(),
            Field::Output => Some(&mut self.output),
        }
    }

    /// Builds a check result from the fields of a decoded packet (an empty service is a host
    /// check).
    pub(crate) fn from_wire(host: &[u8], service: &[u8], code: i16, output: &[u8]) -> Self {
        Self {
            host: host.to_vec(),
            service: (!service.is_empty()).then(|| service.to_vec()),
            code: ReturnCode(code),
            output: output.to_vec(),
        }
    }
}

impl fmt::Debug for CheckResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        let mut d = f.debug_struct("CheckResult");
        d.field("host", &text(&self.host));
        if let Some(s) = &self.service {
            d.field("service", &text(s));
        }
        d.field("code", &self.code)
            .field("output", &text(&self.output))
            .finish()
    }
}

/// What [`CheckResult::truncate`] cut.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Truncation {
    fields: Vec<Cut>,
}

impl Truncation {
    /// Whether nothing was cut.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The fields that were cut, in packet order.
    pub fn cuts(&self) -> &[Cut] {
        &self.fields
    }
}

/// One field cut by [`CheckResult::truncate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cut {
    /// The field.
    pub field: Field,
    /// Its length before.
    pub from: usize,
    /// Its length after.
    pub to: usize,
}

impl fmt::Display for Cut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} cut from {} to {} bytes",
            self.field, self.from, self.to
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_code_parsing() {
        assert_eq!(ReturnCode::parse("2"), Some(ReturnCode::CRITICAL));
        assert_eq!(ReturnCode::parse("warning"), Some(ReturnCode::WARNING));
        assert_eq!(ReturnCode::parse("Crit"), Some(ReturnCode::CRITICAL));
        assert_eq!(ReturnCode::parse("-1"), Some(ReturnCode(-1)));
        assert_eq!(ReturnCode::parse("fine"), None);
        assert_eq!(ReturnCode::parse("70000"), None);
    }

    #[test]
    fn validate_reports_the_field() {
        let size = PacketSize::Standard;
        assert_eq!(
            CheckResult::host("", 0, "x").validate(size),
            Err(EncodeError::EmptyHost)
        );
        assert_eq!(
            CheckResult::service("h", "", 0, "x").validate(size),
            Err(EncodeError::EmptyService)
        );
        assert_eq!(
            CheckResult::service("h", "s\0x", 0, "x").validate(size),
            Err(EncodeError::InteriorNul {
                field: Field::Service,
                offset: 1
            })
        );
        assert_eq!(
            CheckResult::host("h".repeat(64), 0, "x").validate(size),
            Err(EncodeError::FieldTooLong {
                field: Field::Host,
                len: 64,
                max: 63
            })
        );
        assert_eq!(
            CheckResult::host("h".repeat(63), 0, "x").validate(size),
            Ok(())
        );
        let out = "o".repeat(512);
        assert_eq!(
            CheckResult::host("h", 0, out.as_str()).validate(size),
            Ok(())
        );
        assert_eq!(
            CheckResult::host("h", 0, out).validate(PacketSize::Legacy),
            Err(EncodeError::FieldTooLong {
                field: Field::Output,
                len: 512,
                max: 511
            })
        );
    }

    #[test]
    fn truncate_reports_cuts() {
        let mut c = CheckResult::service("h".repeat(70), "s", 1, "o".repeat(600));
        let t = c.truncate(PacketSize::Legacy);
        assert_eq!(
            t.cuts(),
            &[
                Cut {
                    field: Field::Host,
                    from: 70,
                    to: 63
                },
                Cut {
                    field: Field::Output,
                    from: 600,
                    to: 511
                }
            ]
        );
        assert_eq!(c.validate(PacketSize::Legacy), Ok(()));
        assert!(c.truncate(PacketSize::Legacy).is_empty());
        let mut n = CheckResult::host("a\0b", 0, "x");
        assert_eq!(n.truncate(PacketSize::Standard).cuts().len(), 1);
        assert_eq!(n.host_name(), b"a");
    }

    #[test]
    fn utf8_truncation_keeps_characters_whole() {
        let mut c = CheckResult::host("h", 0, "é".repeat(300)); // 600 bytes
        assert!(c.truncate_output_utf8(PacketSize::Legacy, "…"));
        let out = core::str::from_utf8(c.output()).unwrap();
        assert!(out.ends_with('…'));
        assert!(c.output().len() <= 511);
        assert_eq!(c.output().len(), 508 + 3);
        assert_eq!(c.validate(PacketSize::Legacy), Ok(()));
    }
}
