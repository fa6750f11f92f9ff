//! The data packet: one check result, sent by the client, in one of two sizes.
//!
//! The C struct (`data_packet` in NSCA's `common.h`), all integers big-endian:
//!
//! ```text
//! offset  size  field
//!      0     2  packet_version   i16, always 3
//!      2     2  (padding)        random filler, covered by the CRC
//!      4     4  crc32_value      u32, CRC-32 of the whole packet with this field zeroed
//!      8     4  timestamp        u32, the init packet's timestamp echoed back
//!     12     2  return_code      i16
//!     14    64  host_name        NUL-terminated; the bytes after the NUL are filler
//!     78   128  svc_description  NUL-terminated; empty means a host check
//!    206  4096  plugin_output    NUL-terminated (512 bytes in a legacy 2.7 packet)
//!   4302     2  (padding)        filler: 4304 bytes in all (legacy: 718 + 2 = 720)
//! ```
//!
//! [`DataPacket::encode`] writes the fields into a buffer the caller has filled with random bytes
//! (the filler), then the CRC; [`DataPacket::decode`] checks the version and the CRC and reads
//! each field up to its first NUL, cutting a field with no NUL one byte short of its size exactly
//! as the daemon does. Encryption is applied to the whole packet afterwards (see [`crate::crypto`]).

use core::ops::Range;

use crate::check::CheckResult;
use crate::error::{DecodeError, EncodeError, Field};

/// The only packet version NSCA uses.
pub const PACKET_VERSION: i16 = 3;

const VERSION_AT: usize = 0;
const CRC_AT: usize = 4;
const TIMESTAMP_AT: usize = 8;
const CODE_AT: usize = 12;
const HOST_AT: usize = 14;
const HOST_LEN: usize = 64;
const SERVICE_AT: usize = 78;
const SERVICE_LEN: usize = 128;
const OUTPUT_AT: usize = 206;

/// The two packet sizes the NSCA 2.10 daemon accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PacketSize {
    /// 4304 bytes, with 4096 bytes of plugin output: NSCA 2.9 and later.
    #[default]
    Standard,
    /// 720 bytes, with 512 bytes of plugin output: NSCA 2.7, and `send_nsca --legacy-2-7-mode`.
    Legacy,
}

impl PacketSize {
    /// Bytes on the wire.
    #[allow(clippy::len_without_is_empty)] // A packet size is never empty.
    pub const fn len(self) -> usize {
        match self {
            Self::Standard => 4304,
            Self::Legacy => 720,
        }
    }

    /// The size of the plugin output field (including its NUL).
    pub const fn output_capacity(self) -> usize {
        match self {
            Self::Standard => 4096,
            Self::Legacy => 512,
        }
    }

    /// The most bytes of text `field` can hold (its size less the NUL terminator).
    pub const fn max_len(self, field: Field) -> usize {
        match field {
            Field::Host => HOST_LEN - 1,
            Field::Service => SERVICE_LEN - 1,
            Field::Output => self.output_capacity() - 1,
        }
    }

    /// The size whose length is `len`, if any.
    pub const fn from_len(len: usize) -> Option<Self> {
        match len {
            4304 => Some(Self::Standard),
            720 => Some(Self::Legacy),
            _ => None,
        }
    }
}

/// A decoded (or to-be-encoded) data packet: a check result and the timestamp it carries.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DataPacket {
    /// Which of the two sizes it is.
    pub size: PacketSize,
    /// The timestamp field: the init packet's timestamp, echoed by the client. The 2.10 daemon
    /// does not check it.
    pub timestamp: u32,
    /// The check result.
    pub check: CheckResult,
}

impl DataPacket {
    /// Writes the packet into `buf`, whose length selects the size (4304 or 720 bytes).
    ///
    /// Only the fields, their NUL terminators and the CRC are written: every other byte of `buf`
    /// is left as it was and goes on the wire as filler, so fill `buf` with random bytes first
    /// ([`crate::ClientSession`] does).
    ///
    /// # Errors
    /// [`EncodeError::BufferLength`] when `buf` is not a packet length, and the errors of
    /// [`CheckResult::validate`]. `buf` is unchanged on error.
    pub fn encode(&self, buf: &mut [u8]) -> Result<(), EncodeError> {
        encode_check(&self.check, self.timestamp, buf)
    }

    /// Reads a decrypted packet of 4304 or 720 bytes.
    ///
    /// # Errors
    /// [`DecodeError::UnknownPacketLength`], [`DecodeError::BadVersion`] (checked first, as the
    /// daemon does) or [`DecodeError::CrcMismatch`].
    pub fn decode(buf: &[u8]) -> Result<Self, DecodeError> {
        let size = PacketSize::from_len(buf.len())
            .ok_or(DecodeError::UnknownPacketLength { actual: buf.len() })?;
        let version = i16::from_be_bytes([buf[VERSION_AT], buf[VERSION_AT + 1]]);
        if version != PACKET_VERSION {
            return Err(DecodeError::BadVersion { found: version });
        }
        let stored = u32_at(buf, CRC_AT);
        let computed = crc_of(buf);
        if stored != computed {
            return Err(DecodeError::CrcMismatch { stored, computed });
        }
        let code = i16::from_be_bytes([buf[CODE_AT], buf[CODE_AT + 1]]);
        let check = CheckResult::from_wire(
            c_string(&buf[HOST_AT..HOST_AT + HOST_LEN]),
            c_string(&buf[SERVICE_AT..SERVICE_AT + SERVICE_LEN]),
            code,
            c_string(&buf[OUTPUT_AT..OUTPUT_AT + size.output_capacity()]),
        );
        Ok(Self {
            size,
            timestamp: u32_at(buf, TIMESTAMP_AT),
            check,
        })
    }
}

/// [`DataPacket::encode`] without owning the check result.
pub(crate) fn encode_check(
    check: &CheckResult,
    timestamp: u32,
    buf: &mut [u8],
) -> Result<(), EncodeError> {
    encode_fields(check, timestamp, buf)?;
    let crc = crc_of(buf);
    buf[CRC_AT..CRC_AT + 4].copy_from_slice(&crc.to_be_bytes());
    Ok(())
}

/// Checks `check` against the size `buf` has and writes every field but the CRC; returns the
/// size. `buf` is unchanged on error.
pub(crate) fn encode_fields(
    check: &CheckResult,
    timestamp: u32,
    buf: &mut [u8],
) -> Result<PacketSize, EncodeError> {
    let size =
        PacketSize::from_len(buf.len()).ok_or(EncodeError::BufferLength { actual: buf.len() })?;
    check.validate(size)?;
    buf[VERSION_AT..VERSION_AT + 2].copy_from_slice(&PACKET_VERSION.to_be_bytes());
    buf[TIMESTAMP_AT..TIMESTAMP_AT + 4].copy_from_slice(&timestamp.to_be_bytes());
    buf[CODE_AT..CODE_AT + 2].copy_from_slice(&check.return_code().0.to_be_bytes());
    put_c_string(&mut buf[HOST_AT..], check.host_name());
    put_c_string(
        &mut buf[SERVICE_AT..],
        check.service_description().unwrap_or_default(),
    );
    put_c_string(&mut buf[OUTPUT_AT..], check.output());
    Ok(size)
}

/// Bytes at the end of a packet that [`patch_crc`] sets.
pub(crate) const CRC_PATCH_LEN: usize = 4;

/// The filler of a packet holding `check` (which fits `size`): the bytes after each string's
/// NUL up to the next field, in wire order, the last range stopping [`CRC_PATCH_LEN`] bytes
/// short of the end. `None` when the output leaves fewer filler bytes than that at the end.
///
/// No reader looks at these bytes; only the CRC covers them. A client may therefore choose
/// them on the wire rather than in the plaintext, as `ClientSession::encode` does for CFB-8
/// ciphers, and make the CRC come out right with [`patch_crc`].
pub(crate) fn free_filler(check: &CheckResult, size: PacketSize) -> Option<[Range<usize>; 3]> {
    let host_end = HOST_AT + check.host_name().len() + 1;
    let service_end = SERVICE_AT + check.service_description().map_or(0, <[u8]>::len) + 1;
    let output_end = OUTPUT_AT + check.output().len() + 1;
    let patch_at = size.len().checked_sub(CRC_PATCH_LEN)?;
    if output_end > patch_at {
        return None;
    }
    Some([
        host_end..SERVICE_AT,
        service_end..OUTPUT_AT,
        output_end..patch_at,
    ])
}

/// Sets the last [`CRC_PATCH_LEN`] bytes of the packet in `buf` so that its CRC is the value
/// already in its CRC field.
///
/// CRC-32 is affine: appending 4 bytes to a register state `s` gives `F(s ^ d)` for an
/// invertible linear `F` (four steps over a zero byte), so the 4 bytes are
/// `F⁻¹(wanted register) ^ s`.
pub(crate) fn patch_crc(buf: &mut [u8]) {
    let Some(patch_at) = buf.len().checked_sub(CRC_PATCH_LEN) else {
        return;
    };
    if patch_at < CRC_AT + 4 {
        return;
    }
    let wanted = u32_at(buf, CRC_AT);
    let mut h = crc32fast::Hasher::new();
    h.update(&buf[..CRC_AT]);
    h.update(&[0; 4]);
    h.update(&buf[CRC_AT + 4..patch_at]);
    // crc32fast starts the register at !0 and inverts it at the end.
    let register = !h.finalize();
    let mut before = !wanted;
    for _ in 0..CRC_PATCH_LEN {
        before = crc_step_back(before);
    }
    buf[patch_at..].copy_from_slice(&(before ^ register).to_le_bytes());
}

/// zlib's CRC-32 table (reflected polynomial 0xEDB88320).
const CRC_TABLE: [u32; 256] = {
    let mut t = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 == 1 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        t[i] = c;
        i += 1;
    }
    t
};

/// `CRC_TABLE_INDEX[t >> 24]` is the `i` with `CRC_TABLE[i] >> 24 == t >> 24`: the top bytes of
/// the table are all different.
const CRC_TABLE_INDEX: [u8; 256] = {
    let mut inv = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        inv[(CRC_TABLE[i] >> 24) as usize] = i as u8;
        i += 1;
    }
    inv
};

/// The register before one step over a zero byte, `r' = (r >> 8) ^ CRC_TABLE[r & 0xff]`, that
/// ended in `after`: the top byte of `after` names the table entry, which gives back `r`.
fn crc_step_back(after: u32) -> u32 {
    let i = CRC_TABLE_INDEX[(after >> 24) as usize];
    ((after ^ CRC_TABLE[usize::from(i)]) << 8) | u32::from(i)
}

/// Whether `buf` (a whole decrypted packet) has version 3 and a matching CRC: a cheap test used
/// to tell a legacy packet from the start of a standard one.
pub(crate) fn looks_valid(buf: &[u8]) -> bool {
    buf.len() > CRC_AT + 4
        && i16::from_be_bytes([buf[0], buf[1]]) == PACKET_VERSION
        && u32_at(buf, CRC_AT) == crc_of(buf)
}

/// CRC-32 (zlib's) of the packet with its CRC field taken as zero.
fn crc_of(buf: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(&buf[..CRC_AT]);
    h.update(&[0; 4]);
    h.update(&buf[CRC_AT + 4..]);
    h.finalize()
}

fn u32_at(buf: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([buf[at], buf[at + 1], buf[at + 2], buf[at + 3]])
}

/// The text of a C string field: up to the first NUL, or one byte short of the field when there
/// is none (the daemon's `strncpy(dst, src, size - 1)`).
fn c_string(field: &[u8]) -> &[u8] {
    let end = field
        .iter()
        .position(|&b| b == 0)
        .unwrap_or(field.len() - 1);
    &field[..end]
}

/// Copies `text` and a NUL; the caller has checked that it fits.
fn put_c_string(dst: &mut [u8], text: &[u8]) {
    dst[..text.len()].copy_from_slice(text);
    dst[text.len()] = 0;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::ReturnCode;

    fn packet(check: CheckResult) -> DataPacket {
        DataPacket {
            size: PacketSize::Standard,
            timestamp: 0x6B09_BABB,
            check,
        }
    }

    #[test]
    fn layout_of_a_service_packet() {
        let mut buf = vec![0x55; 4304];
        packet(CheckResult::service("localhost", "svc one", 2, "OK"))
            .encode(&mut buf)
            .unwrap();
        assert_eq!(&buf[0..4], &[0x00, 0x03, 0x55, 0x55]);
        assert_eq!(&buf[8..14], &[0x6B, 0x09, 0xBA, 0xBB, 0x00, 0x02]);
        assert_eq!(&buf[14..24], b"localhost\0");
        assert_eq!(buf[24], 0x55);
        assert_eq!(&buf[78..86], b"svc one\0");
        assert_eq!(&buf[206..209], b"OK\0");
        assert_eq!(&buf[4302..], &[0x55, 0x55]);
        let mut zeroed = buf.clone();
        zeroed[4..8].fill(0);
        assert_eq!(&buf[4..8], &crc32fast::hash(&zeroed).to_be_bytes());
    }

    #[test]
    fn decode_checks_version_then_crc() {
        let mut buf = vec![0x41; 720];
        let p = DataPacket {
            size: PacketSize::Legacy,
            timestamp: 7,
            check: CheckResult::host("h", ReturnCode(-1), "down"),
        };
        p.encode(&mut buf).unwrap();
        assert_eq!(DataPacket::decode(&buf), Ok(p));
        let mut bad = buf.clone();
        bad[300] ^= 1;
        assert!(matches!(
            DataPacket::decode(&bad),
            Err(DecodeError::CrcMismatch { .. })
        ));
        bad[1] = 4;
        assert_eq!(
            DataPacket::decode(&bad),
            Err(DecodeError::BadVersion { found: 4 })
        );
        assert_eq!(
            DataPacket::decode(&buf[..719]),
            Err(DecodeError::UnknownPacketLength { actual: 719 })
        );
    }

    #[test]
    fn fields_without_nul_are_cut_one_short() {
        let mut buf = vec![b'A'; 4304];
        buf[0..2].copy_from_slice(&3i16.to_be_bytes());
        let crc = crc_of(&buf);
        buf[4..8].copy_from_slice(&crc.to_be_bytes());
        let p = DataPacket::decode(&buf).unwrap();
        assert_eq!(p.check.host_name().len(), 63);
        assert_eq!(p.check.service_description().map(<[u8]>::len), Some(127));
        assert_eq!(p.check.output().len(), 4095);
    }

    #[test]
    fn crc_table_is_zlibs_and_its_top_bytes_differ() {
        let mut seen = [false; 256];
        for (i, &t) in CRC_TABLE.iter().enumerate() {
            // One byte `b` from the initial register !0 takes entry `0xff ^ b`.
            assert_eq!(crc32fast::hash(&[0xff ^ i as u8]), !((!0u32 >> 8) ^ t));
            assert!(!seen[(t >> 24) as usize]);
            seen[(t >> 24) as usize] = true;
        }
    }

    #[test]
    fn patched_packets_have_the_crc_in_their_field() {
        let mut x = 0x1234_5678_9abc_def0u64;
        for len in [720, 4304] {
            for round in 0..200u32 {
                let mut buf: Vec<u8> = (0..len)
                    .map(|_| {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        x as u8
                    })
                    .collect();
                // Some rounds ask for the CRC the packet already has, or for 0 and !0.
                match round {
                    0 => buf[4..8].copy_from_slice(&[0; 4]),
                    1 => buf[4..8].copy_from_slice(&[0xff; 4]),
                    _ => {}
                }
                let before = buf.clone();
                patch_crc(&mut buf);
                assert_eq!(
                    &buf[..len - 4],
                    &before[..len - 4],
                    "only the patch changes"
                );
                assert_eq!(
                    crc_of(&buf),
                    u32_at(&buf, CRC_AT),
                    "length {len}, round {round}"
                );
            }
        }
    }

    #[test]
    fn free_filler_is_what_follows_each_nul() {
        let check = CheckResult::service("web1", "HTTP", 0, "OK");
        assert_eq!(
            free_filler(&check, PacketSize::Standard),
            Some([19..78, 83..206, 209..4300])
        );
        let host = CheckResult::host("h", 0, "");
        assert_eq!(
            free_filler(&host, PacketSize::Legacy),
            Some([16..78, 79..206, 207..716])
        );
        // The output may run up to the patch, not into it.
        for (size, cap) in [(PacketSize::Standard, 4096), (PacketSize::Legacy, 512)] {
            let fits = CheckResult::host("h", 0, "o".repeat(cap - 3));
            let end = size.len() - 4;
            assert_eq!(
                free_filler(&fits, size).map(|r| r[2].clone()),
                Some(end..end)
            );
            let over = CheckResult::host("h", 0, "o".repeat(cap - 2));
            assert_eq!(free_filler(&over, size), None);
        }
    }

    #[test]
    fn encode_errors_leave_the_buffer_alone() {
        let mut buf = vec![9; 4304];
        let long = packet(CheckResult::host("h".repeat(64), 0, ""));
        assert!(long.encode(&mut buf).is_err());
        assert!(buf.iter().all(|&b| b == 9));
        assert_eq!(
            packet(CheckResult::host("h", 0, "")).encode(&mut buf[..100]),
            Err(EncodeError::BufferLength { actual: 100 })
        );
    }
}
