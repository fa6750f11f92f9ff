//! Error types of the sans-IO core.
//!
//! Every error carries the numbers and the field it is about, so that a caller can act on it or
//! print a precise message. The I/O shells wrap these in [`crate::Error`].

use core::fmt;

use crate::crypto::EncryptionMethod;

/// A text field of a data packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Field {
    /// `host_name`, 64 bytes on the wire (63 usable).
    Host,
    /// `svc_description`, 128 bytes on the wire (127 usable).
    Service,
    /// `plugin_output`, 4096 bytes (4095 usable), or 512 (511) in legacy 2.7 packets.
    Output,
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Host => "host name",
            Self::Service => "service description",
            Self::Output => "plugin output",
        })
    }
}

/// Why bytes could not be decoded as an NSCA message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The packet version field is not 3.
    ///
    /// The payload is decrypted before this is checked, so the usual cause is that the two sides
    /// use a different password or encryption method (the daemon's log says the same).
    #[error(
        "invalid packet version {found} (expected 3) - possibly due to client using wrong \
         password or encryption method"
    )]
    BadVersion {
        /// The version found after decryption.
        found: i16,
    },
    /// The CRC32 stored in the packet does not match the packet's contents.
    #[error(
        "invalid CRC32 (packet says {stored:#010x}, contents give {computed:#010x}) - possibly \
         due to client using wrong password or encryption method"
    )]
    CrcMismatch {
        /// The CRC32 the packet carries.
        stored: u32,
        /// The CRC32 computed over the received packet.
        computed: u32,
    },
    /// A data packet has a length that is neither 4304 nor 720 bytes.
    #[error("a data packet is 4304 or 720 bytes long, not {actual}")]
    UnknownPacketLength {
        /// The length that was given.
        actual: usize,
    },
    /// The peer closed the connection in the middle of a packet.
    #[error("connection ended {received} bytes into {}", packet_of(*.expected))]
    TruncatedStream {
        /// Bytes of the unfinished packet that arrived.
        received: usize,
        /// The packet length that was expected; `None` when too few bytes of the connection's
        /// first packet came to tell a 4304-byte packet from a legacy 720-byte one.
        expected: Option<usize>,
    },
    /// A packet's timestamp is further from the receiver's clock than the receiver allows
    /// (see [`crate::ServerSession::with_max_packet_age`]): a replayed capture, or a client
    /// whose first packet came long after the connection opened.
    #[error(
        "packet timestamp {timestamp} is {age} s {direction} the receiver's clock (at most {max_age} s allowed)",
        direction = if *.future { "ahead of" } else { "behind" }
    )]
    StaleTimestamp {
        /// The timestamp the packet carries.
        timestamp: u32,
        /// How far it is from the receiver's clock, in seconds.
        age: u64,
        /// Whether it is ahead of the receiver's clock rather than behind it.
        future: bool,
        /// The largest age allowed, in seconds.
        max_age: u32,
    },
    /// A message of fixed length was given the wrong number of bytes.
    #[error("{message} is {expected} bytes long, got {actual}")]
    WrongLength {
        /// Which message.
        message: Message,
        /// Its fixed length.
        expected: usize,
        /// The length that was given.
        actual: usize,
    },
}

/// The two wire messages, for error reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Message {
    /// The server's 132-byte init packet.
    InitPacket,
    /// A client's data packet.
    DataPacket,
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::InitPacket => "an init packet",
            Self::DataPacket => "a data packet",
        })
    }
}

/// "a 4304-byte packet", or, when the size was not known yet, "a packet of either size".
fn packet_of(expected: Option<usize>) -> String {
    match expected {
        Some(len) => format!("a {len}-byte packet"),
        None => "its first packet (4304 or 720 bytes, too short to tell which)".to_owned(),
    }
}

/// Why a check result could not be encoded into a data packet.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// The output buffer is not exactly one packet long.
    #[error("packet buffer is {actual} bytes; a data packet is 4304 or 720 bytes")]
    BufferLength {
        /// The buffer's length.
        actual: usize,
    },
    /// The host name is empty; Nagios cannot match an empty host name.
    #[error("the host name is empty")]
    EmptyHost,
    /// A service check with an empty service description: on the wire that is a host check.
    #[error(
        "the service description is empty; use CheckResult::host for a host check (the daemon \
         treats an empty service description as one)"
    )]
    EmptyService,
    /// A field does not fit (a NUL terminator must follow the text).
    #[error("{field} is {len} bytes; at most {max} fit in this packet size")]
    FieldTooLong {
        /// The field.
        field: Field,
        /// Its length in bytes.
        len: usize,
        /// The most that fits.
        max: usize,
    },
    /// A field contains a NUL byte, which would end it early on the daemon's side.
    #[error("{field} contains a NUL byte at offset {offset}")]
    InteriorNul {
        /// The field.
        field: Field,
        /// Offset of the first NUL byte.
        offset: usize,
    },
}

/// Why an encryption method cannot be set up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CryptoError {
    /// The number is not an NSCA encryption method (0 to 26).
    #[error("{number} is not an NSCA encryption method (valid methods are 0 to 26)")]
    NotAMethod {
        /// The number that was given.
        number: i64,
    },
    /// The method exists, but the reference daemon can never run it either.
    #[error("encryption method {method} cannot be used: {reason}")]
    Unusable {
        /// The method.
        method: EncryptionMethod,
        /// Why not.
        reason: Unusable,
    },
    /// The method's algorithm was left out of this build.
    #[error(
        "encryption method {method} needs the nsca crate's `{feature}` feature, which this build \
         does not have"
    )]
    FeatureDisabled {
        /// The method.
        method: EncryptionMethod,
        /// The Cargo feature that enables it.
        feature: &'static str,
    },
}

/// Why the reference NSCA daemon (2.10.2 with Debian's libmcrypt) cannot run a method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Unusable {
    /// Neither `nsca` nor `send_nsca` accepts this number in its config file.
    NotAccepted,
    /// The algorithm is missing from Debian's libmcrypt build, so the daemon closes every
    /// connection before sending the init packet.
    NotInLibmcrypt,
    /// A stream cipher, which libmcrypt cannot open in the CFB mode NSCA asks for.
    StreamCipher,
}

impl fmt::Display for Unusable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NotAccepted => "NSCA 2.10 rejects this method number in its configuration",
            Self::NotInLibmcrypt => {
                "the algorithm is not in libmcrypt as distributions ship it, so the NSCA daemon \
                 cannot run it"
            }
            Self::StreamCipher => {
                "it is a stream cipher, which libmcrypt cannot run in the CFB mode NSCA uses, so \
                 the NSCA daemon can never accept it"
            }
        })
    }
}
