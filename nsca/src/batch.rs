//! A batch of check results as bytes: a versioned, checksummed form for results that are to be
//! sent later (a spool, a queue on disk, a file handed to another program).
//!
//! This module builds and reads the bytes and does nothing else: no files, no clock. A
//! [`Batch`] keeps what a data packet needs (host, service if any, return code, output) for
//! every result, unchanged and in order, plus the time the caller says it was made. Whoever
//! writes it to disk decides how (`send_nsca --spool` writes each batch to a temporary name and
//! renames it).
//!
//! NSCA 2.x carries no client time: a result sent from a batch reaches Nagios with the time the
//! daemon received it. [`Batch::created`] is only for the sender (to drop what is too old).
//!
//! ```
//! use nsca::CheckResult;
//! use nsca::batch::Batch;
//!
//! let batch = Batch::new(
//!     1_700_000_000,
//!     vec![
//!         CheckResult::service("web1", "HTTP", 2, "down\nsince 10:00"),
//!         CheckResult::host("db1", 0, "PING OK"),
//!     ],
//! );
//! let bytes = batch.encode()?;
//! assert_eq!(bytes.len(), batch.encoded_len());
//! assert_eq!(Batch::decode(&bytes)?, batch);
//! # Ok::<(), nsca::batch::BatchError>(())
//! ```
//!
//! # Format, version 1
//!
//! All integers are big-endian.
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 8 | magic, [`MAGIC`] |
//! | 8 | 2 | format version, [`VERSION`] |
//! | 10 | 2 | flags, 0 (reserved) |
//! | 12 | 8 | length of the whole encoding, checksum included |
//! | 20 | 8 | [`Batch::created`], seconds since the epoch |
//! | 28 | 4 | number of results |
//! | 32 | … | the results, one record each |
//! | length − 4 | 4 | CRC-32 (the one NSCA uses) of every byte before it |
//!
//! A record is one byte of kind (0 a host result, 1 a service result), the return code (`i16`),
//! then each field as a `u32` length and its bytes: the host name, the service description
//! (service results only) and the output. The encoding is canonical: a batch has exactly one,
//! and [`Batch::decode`] accepts nothing else.
//!
//! [`Batch::decode`] checks, in this order: the magic and the version (a later version is
//! refused before anything else is read, since its layout may differ), the flags, the length,
//! the checksum, then the records. A truncated file is therefore reported as such, and a
//! corrupted one by its checksum, before any record is looked at.

use crate::check::CheckResult;

/// The first 8 bytes of every encoded batch.
pub const MAGIC: [u8; 8] = *b"NSCAbat\0";

/// The format version [`Batch::encode`] writes and the only one [`Batch::decode`] reads.
pub const VERSION: u16 = 1;

/// Magic, version, flags, length, created, count.
const HEADER_LEN: usize = 32;
/// The CRC-32 at the end.
const TRAILER_LEN: usize = 4;
/// Kind, code, and the host's and output's lengths: the smallest record.
const MIN_RECORD_LEN: usize = 1 + 2 + 4 + 4;

/// Check results to be sent later, with the time they were put aside.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Batch {
    /// When the batch was made, in seconds since the epoch, by the writer's clock. NSCA does
    /// not send it: it is for the sender's own bookkeeping (ages, ordering).
    pub created: u64,
    /// The results, in the order they are to be sent.
    pub checks: Vec<CheckResult>,
}

/// Why a batch could not be encoded or decoded.
#[derive(Debug, Clone, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum BatchError {
    /// Encoding: a field longer than the format's 32-bit lengths allow.
    #[error("result {index}: a field of {len} bytes is longer than a batch can hold")]
    FieldTooLong {
        /// The result (from 0).
        index: usize,
        /// The field's length.
        len: usize,
    },
    /// Encoding: more results than the format's 32-bit count allows.
    #[error("{count} results are more than a batch can hold")]
    TooManyResults {
        /// How many results there were.
        count: usize,
    },
    /// Decoding: fewer bytes than the smallest batch (header and checksum).
    #[error("{len} bytes are too short for a batch (at least {min})")]
    TooShort {
        /// How many bytes there were.
        len: usize,
        /// The smallest encoded batch.
        min: usize,
    },
    /// Decoding: the bytes do not start with [`MAGIC`].
    #[error("not a batch of check results (wrong magic bytes)")]
    NotABatch,
    /// Decoding: a format version this code does not read (a later one, most likely written
    /// by a newer version of this crate).
    #[error("batch format version {version}, but only version {supported} can be read")]
    UnsupportedVersion {
        /// The version found.
        version: u16,
        /// The version this code reads.
        supported: u16,
    },
    /// Decoding: reserved flags are set (a later writer's extension).
    #[error("unknown flags {flags:#06x} in the batch header")]
    UnknownFlags {
        /// The flags found.
        flags: u16,
    },
    /// Decoding: fewer bytes than the header says the batch has (a file cut short).
    #[error("batch is truncated: {actual} of its {expected} bytes are there")]
    Truncated {
        /// The length the header gives.
        expected: u64,
        /// How many bytes there were.
        actual: usize,
    },
    /// Decoding: more bytes than the header says the batch has.
    #[error("{actual} bytes, but the batch header says {expected}")]
    TrailingBytes {
        /// The length the header gives.
        expected: u64,
        /// How many bytes there were.
        actual: usize,
    },
    /// Decoding: the checksum does not match the contents (the bytes were changed).
    #[error("batch checksum mismatch (stored {stored:#010x}, contents give {computed:#010x})")]
    Checksum {
        /// The CRC-32 at the end of the batch.
        stored: u32,
        /// The CRC-32 of the contents.
        computed: u32,
    },
    /// Decoding: a record's kind byte is neither 0 (host) nor 1 (service).
    #[error("result {index} (at byte {offset}): unknown kind {kind}")]
    UnknownKind {
        /// The result (from 0).
        index: u32,
        /// Its offset in the batch.
        offset: usize,
        /// The kind byte.
        kind: u8,
    },
    /// Decoding: a record runs past the end of the records.
    #[error("result {index} (at byte {offset}) runs past the end of the batch")]
    RecordPastEnd {
        /// The result (from 0).
        index: u32,
        /// Its offset in the batch.
        offset: usize,
    },
    /// Decoding: bytes are left after the number of results the header gives.
    #[error("{extra} bytes after the last of the {count} results")]
    ExtraBytes {
        /// The number of results the header gives.
        count: u32,
        /// How many bytes are left.
        extra: usize,
    },
}

impl Batch {
    /// A batch of `checks` made at `created` (seconds since the epoch).
    pub fn new(created: u64, checks: Vec<CheckResult>) -> Self {
        Self { created, checks }
    }

    /// The length of [`Batch::encode`]'s bytes.
    pub fn encoded_len(&self) -> usize {
        let records: usize = self.checks.iter().map(record_len).sum();
        HEADER_LEN + records + TRAILER_LEN
    }

    /// The batch as bytes (see the module documentation for the format).
    ///
    /// # Errors
    /// [`BatchError::FieldTooLong`] for a field of 4 GiB or more, and
    /// [`BatchError::TooManyResults`] for more than `u32::MAX` results; nothing else.
    pub fn encode(&self) -> Result<Vec<u8>, BatchError> {
        let count = u32::try_from(self.checks.len()).map_err(|_| BatchError::TooManyResults {
            count: self.checks.len(),
        })?;
        let len = self.encoded_len();
        let mut out = Vec::with_capacity(len);
        out.extend_from_slice(&MAGIC);
        out.extend_from_slice(&VERSION.to_be_bytes());
        out.extend_from_slice(&0u16.to_be_bytes());
        out.extend_from_slice(&(len as u64).to_be_bytes());
        out.extend_from_slice(&self.created.to_be_bytes());
        out.extend_from_slice(&count.to_be_bytes());
        for (index, check) in self.checks.iter().enumerate() {
            let service = check.service_description();
            out.push(u8::from(service.is_some()));
            out.extend_from_slice(&check.return_code().0.to_be_bytes());
            let fields = [Some(check.host_name()), service, Some(check.output())];
            for field in fields.into_iter().flatten() {
                let field_len =
                    u32::try_from(field.len()).map_err(|_| BatchError::FieldTooLong {
                        index,
                        len: field.len(),
                    })?;
                out.extend_from_slice(&field_len.to_be_bytes());
                out.extend_from_slice(field);
            }
        }
        let crc = crc32fast::hash(&out);
        out.extend_from_slice(&crc.to_be_bytes());
        Ok(out)
    }

    /// Reads a batch that [`Batch::encode`] wrote. Never panics, and allocates no more than
    /// the input's size, whatever the input.
    ///
    /// # Errors
    /// A [`BatchError`] that says what is wrong and where; see the module documentation for
    /// the order of the checks.
    pub fn decode(bytes: &[u8]) -> Result<Self, BatchError> {
        let min = HEADER_LEN + TRAILER_LEN;
        // The magic and the version first: a later version may have a different header.
        let head = &bytes[..bytes.len().min(MAGIC.len())];
        if !MAGIC.starts_with(head) {
            return Err(BatchError::NotABatch);
        }
        if bytes.len() >= 10 {
            let version = u16::from_be_bytes([bytes[8], bytes[9]]);
            if version != VERSION {
                return Err(BatchError::UnsupportedVersion {
                    version,
                    supported: VERSION,
                });
            }
        }
        let mut header = Reader::new(bytes);
        let (Some(_), Some(_), Some(flags), Some(expected), Some(created), Some(count)) = (
            header.take(MAGIC.len()),
            header.u16(),
            header.u16(),
            header.u64(),
            header.u64(),
            header.u32(),
        ) else {
            return Err(BatchError::TooShort {
                len: bytes.len(),
                min,
            });
        };
        if bytes.len() < min {
            return Err(BatchError::TooShort {
                len: bytes.len(),
                min,
            });
        }
        if flags != 0 {
            return Err(BatchError::UnknownFlags { flags });
        }
        if (bytes.len() as u64) < expected {
            return Err(BatchError::Truncated {
                expected,
                actual: bytes.len(),
            });
        }
        if (bytes.len() as u64) > expected {
            return Err(BatchError::TrailingBytes {
                expected,
                actual: bytes.len(),
            });
        }
        let (body, trailer) = bytes.split_at(bytes.len() - TRAILER_LEN);
        let stored = u32::from_be_bytes([trailer[0], trailer[1], trailer[2], trailer[3]]);
        let computed = crc32fast::hash(body);
        if stored != computed {
            return Err(BatchError::Checksum { stored, computed });
        }

        let mut records = Reader {
            bytes: body,
            pos: HEADER_LEN,
        };
        let room = (body.len() - HEADER_LEN) / MIN_RECORD_LEN;
        let mut checks = Vec::with_capacity(room.min(count as usize));
        for index in 0..count {
            let offset = records.pos;
            let past_end = BatchError::RecordPastEnd { index, offset };
            let (Some(kind), Some(code)) = (records.u8(), records.u16()) else {
                return Err(past_end);
            };
            let code = code as i16;
            let host = records.field().ok_or_else(|| past_end.clone())?;
            let check = match kind {
                0 => {
                    let output = records.field().ok_or(past_end)?;
                    CheckResult::host(host, code, output)
                }
                1 => {
                    let service = records.field().ok_or_else(|| past_end.clone())?;
                    let output = records.field().ok_or(past_end)?;
                    CheckResult::service(host, service, code, output)
                }
                kind => {
                    return Err(BatchError::UnknownKind {
                        index,
                        offset,
                        kind,
                    });
                }
            };
            checks.push(check);
        }
        let extra = body.len() - records.pos;
        if extra != 0 {
            return Err(BatchError::ExtraBytes { count, extra });
        }
        Ok(Self { created, checks })
    }
}

fn record_len(check: &CheckResult) -> usize {
    let service = check.service_description().map_or(0, |s| 4 + s.len());
    1 + 2 + 4 + check.host_name().len() + service + 4 + check.output().len()
}

/// Reads big-endian numbers and length-prefixed fields, `None` at the end of the bytes.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, pos: 0 }
    }

    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let slice = self.bytes.get(self.pos..end)?;
        self.pos = end;
        Some(slice)
    }

    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }

    fn u8(&mut self) -> Option<u8> {
        self.array::<1>().map(|[b]| b)
    }

    fn u16(&mut self) -> Option<u16> {
        self.array().map(u16::from_be_bytes)
    }

    fn u32(&mut self) -> Option<u32> {
        self.array().map(u32::from_be_bytes)
    }

    fn u64(&mut self) -> Option<u64> {
        self.array().map(u64::from_be_bytes)
    }

    fn field(&mut self) -> Option<&'a [u8]> {
        let len = usize::try_from(self.u32()?).ok()?;
        self.take(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Batch {
        Batch::new(
            1_700_000_000,
            vec![
                CheckResult::service("web1", "HTTP", 2, "down\nsince 10:00"),
                CheckResult::host("db1", -1, ""),
                CheckResult::service(&b"h\0\xff"[..], "", i16::MIN, &b"|\x17\t"[..]),
            ],
        )
    }

    #[test]
    fn round_trip_and_layout() {
        let batch = sample();
        let bytes = batch.encode().unwrap();
        assert_eq!(bytes.len(), batch.encoded_len());
        assert_eq!(&bytes[..8], b"NSCAbat\0");
        assert_eq!(&bytes[8..12], &[0, 1, 0, 0]);
        assert_eq!(&bytes[12..20], &(bytes.len() as u64).to_be_bytes());
        assert_eq!(&bytes[20..28], &1_700_000_000u64.to_be_bytes());
        assert_eq!(&bytes[28..32], &[0, 0, 0, 3]);
        // The first record: service, code 2, "web1", "HTTP", the output.
        assert_eq!(&bytes[32..35], &[1, 0, 2]);
        assert_eq!(&bytes[35..43], b"\0\0\0\x04web1");
        let crc = crc32fast::hash(&bytes[..bytes.len() - 4]);
        assert_eq!(&bytes[bytes.len() - 4..], &crc.to_be_bytes());
        assert_eq!(Batch::decode(&bytes).unwrap(), batch);

        let empty = Batch::new(0, Vec::new());
        let bytes = empty.encode().unwrap();
        assert_eq!(bytes.len(), 36);
        assert_eq!(Batch::decode(&bytes).unwrap(), empty);
    }

    #[test]
    fn precise_errors() {
        let good = sample().encode().unwrap();
        let len = good.len();
        assert_eq!(
            Batch::decode(&good[..5]),
            Err(BatchError::TooShort { len: 5, min: 36 })
        );
        assert_eq!(
            Batch::decode(b""),
            Err(BatchError::TooShort { len: 0, min: 36 })
        );
        assert!(matches!(
            Batch::decode(b"NSCAbat"),
            Err(BatchError::TooShort { len: 7, .. })
        ));
        assert_eq!(
            Batch::decode(b"hello world, not a batch"),
            Err(BatchError::NotABatch)
        );
        assert_eq!(Batch::decode(b"NSCx"), Err(BatchError::NotABatch));

        let mut newer = good.clone();
        newer[9] = 2;
        assert_eq!(
            Batch::decode(&newer),
            Err(BatchError::UnsupportedVersion {
                version: 2,
                supported: 1
            })
        );
        // A later version is named even when the rest is too short to read.
        assert!(matches!(
            Batch::decode(&newer[..10]),
            Err(BatchError::UnsupportedVersion { version: 2, .. })
        ));
        let mut flagged = good.clone();
        flagged[11] = 1;
        assert_eq!(
            Batch::decode(&flagged),
            Err(BatchError::UnknownFlags { flags: 1 })
        );
        assert_eq!(
            Batch::decode(&good[..len - 1]),
            Err(BatchError::Truncated {
                expected: len as u64,
                actual: len - 1
            })
        );
        let mut longer = good.clone();
        longer.push(0);
        assert_eq!(
            Batch::decode(&longer),
            Err(BatchError::TrailingBytes {
                expected: len as u64,
                actual: len + 1
            })
        );
        let mut flipped = good.clone();
        flipped[40] ^= 0x20;
        assert!(matches!(
            Batch::decode(&flipped),
            Err(BatchError::Checksum { .. })
        ));
    }

    /// A body that is wrong although its checksum is right (a writer's bug, or a forgery).
    fn with_body(count: u32, records: &[u8]) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        out.extend_from_slice(&[0, 1, 0, 0]);
        let len = (HEADER_LEN + records.len() + TRAILER_LEN) as u64;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&7u64.to_be_bytes());
        out.extend_from_slice(&count.to_be_bytes());
        out.extend_from_slice(records);
        let crc = crc32fast::hash(&out);
        out.extend_from_slice(&crc.to_be_bytes());
        out
    }

    #[test]
    fn record_errors_behind_a_good_checksum() {
        let host = b"\0\0\0\x01h\0\0\0\x01o";
        let mut one = vec![0, 0, 0];
        one.extend_from_slice(host);
        assert_eq!(
            Batch::decode(&with_body(1, &one)).unwrap(),
            Batch::new(7, vec![CheckResult::host("h", 0, "o")])
        );
        assert_eq!(
            Batch::decode(&with_body(2, &one)),
            Err(BatchError::RecordPastEnd {
                index: 1,
                offset: 32 + one.len()
            })
        );
        assert_eq!(
            Batch::decode(&with_body(0, &one)),
            Err(BatchError::ExtraBytes {
                count: 0,
                extra: one.len()
            })
        );
        let mut kind = one.clone();
        kind[0] = 9;
        assert_eq!(
            Batch::decode(&with_body(1, &kind)),
            Err(BatchError::UnknownKind {
                index: 0,
                offset: 32,
                kind: 9
            })
        );
        // A huge count or field length with few bytes: an error, no huge allocation.
        assert!(matches!(
            Batch::decode(&with_body(u32::MAX, &one)),
            Err(BatchError::RecordPastEnd { index: 1, .. })
        ));
        let mut long = vec![0, 0, 0, 0xff, 0xff, 0xff, 0xff];
        long.extend_from_slice(b"abc");
        assert_eq!(
            Batch::decode(&with_body(1, &long)),
            Err(BatchError::RecordPastEnd {
                index: 0,
                offset: 32
            })
        );
    }
}
