use bytes::{Buf, BytesMut};

use crate::crypto::{Cipher, EncryptionMethod};
use crate::error::{CryptoError, DecodeError};
use crate::init::InitPacket;
use crate::packet::{self, DataPacket, PacketSize};

/// How the session frames the connection's bytes into packets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    /// Nothing decided yet: the first 720 bytes tell whether this is a legacy connection.
    Undecided,
    /// 4304-byte packets, with the daemon's rule that a last 720-byte packet before EOF is a
    /// legacy one.
    Standard,
    /// Every packet is 720 bytes.
    Legacy,
    /// A packet failed to decode; the daemon closes such connections, and so should the caller.
    Failed,
}

/// The server end of one connection: turns the bytes a client sent into check results.
///
/// Make one per accepted connection, send [`ServerSession::init_packet`] to the client, then
/// append what arrives to a [`BytesMut`] in chunks of any size and call
/// [`ServerSession::decode`] until it returns `Ok(None)`; when the client has closed, call
/// [`ServerSession::decode_eof`] the same way. The session keeps no buffer of its own, and
/// consumes bytes from the caller's only when a whole packet is there, so memory stays bounded by
/// the caller's reads.
///
/// Framing follows the 2.10 daemon, and goes one step further:
/// - 4304-byte packets, as many as the client sends;
/// - a 720-byte packet that is the last thing before EOF is a legacy (NSCA 2.7) packet;
/// - unlike the daemon, which loses every packet after the first of a legacy client, a connection
///   whose first 720 bytes are a valid legacy packet (version 3 and a matching CRC once
///   decrypted) is read in 720-byte packets to its end. A standard client's first 720 bytes pass
///   that test only if a 32-bit CRC matches by chance (odds of 1 in 2³² per connection, with
///   random filler), so standard connections are not misread.
///
/// After the first error the session stops: [`ServerSession::decode`] drops whatever it is
/// given and returns `Ok(None)`. With a stream cipher the rest of the connection could not be
/// decrypted anyway; close it, as the daemon does.
#[derive(Debug)]
pub struct ServerSession {
    init: InitPacket,
    cipher: Cipher,
    framing: Framing,
    max_age: Option<u32>,
    /// The timestamp of the first packet that passed the age check.
    accepted_timestamp: Option<u32>,
}

impl ServerSession {
    /// A session that will greet the client with `init`.
    ///
    /// Make `init` with [`InitPacket::random`] and the current time.
    ///
    /// # Errors
    /// The errors of [`Cipher::new`].
    pub fn new(
        init: InitPacket,
        method: EncryptionMethod,
        password: &[u8],
    ) -> Result<Self, CryptoError> {
        Ok(Self {
            cipher: Cipher::new(method, password, &init.iv)?,
            init,
            framing: Framing::Undecided,
            max_age: None,
            accepted_timestamp: None,
        })
    }

    /// Makes [`ServerSession::check_age`] enforce `max_age` seconds (the daemon's
    /// `max_packet_age`; `0` turns the check off, as in the daemon's configuration).
    ///
    /// NSCA clients copy the init packet's timestamp into every packet, so a packet's "age" is
    /// how long ago its connection was opened, not a clock difference between hosts. The rule,
    /// chosen so that it stops replayed captures without cutting long-lived connections:
    /// - the first packet of a connection must carry a timestamp within `max_age` seconds of
    ///   the receiver's clock, in either direction (a replayed packet carries the timestamp of
    ///   the connection it was captured from);
    /// - a later packet that carries the same timestamp as that first one is accepted however
    ///   long the connection has been open (a client that keeps its connection for hours, as
    ///   `nsca::tokio::Sender` may, keeps sending the init packet's timestamp); a later packet
    ///   with another timestamp is checked like a first one.
    ///
    /// NSCA 2.10 parses `max_packet_age` and then never applies it; NSCA 2.7 applied it to every
    /// packet, which cut connections held open for longer than `max_age`.
    #[must_use]
    pub fn with_max_packet_age(mut self, max_age: u32) -> Self {
        self.max_age = (max_age > 0).then_some(max_age);
        self
    }

    /// Applies the age rule of [`ServerSession::with_max_packet_age`] to `packet`, decoded by
    /// this session, at `now` (seconds since the epoch, as in the init packet). Without a
    /// maximum age every packet passes.
    ///
    /// # Errors
    /// [`DecodeError::StaleTimestamp`]; the session then stops, as after any decode error.
    pub fn check_age(&mut self, packet: &DataPacket, now: u32) -> Result<(), DecodeError> {
        let Some(max_age) = self.max_age else {
            return Ok(());
        };
        if self.accepted_timestamp == Some(packet.timestamp) {
            return Ok(());
        }
        let (age, future) = if packet.timestamp > now {
            (u64::from(packet.timestamp - now), true)
        } else {
            (u64::from(now - packet.timestamp), false)
        };
        if age > u64::from(max_age) {
            self.framing = Framing::Failed;
            return Err(DecodeError::StaleTimestamp {
                timestamp: packet.timestamp,
                age,
                future,
                max_age,
            });
        }
        if self.accepted_timestamp.is_none() {
            self.accepted_timestamp = Some(packet.timestamp);
        }
        Ok(())
    }

    /// The init packet to send to the client before anything else.
    pub fn init_packet(&self) -> &InitPacket {
        &self.init
    }

    /// How many bytes of input the next packet needs in all (4304 or 720), for callers that
    /// read exactly what is needed.
    pub fn next_packet_len(&self) -> usize {
        match self.framing {
            Framing::Undecided | Framing::Legacy => PacketSize::Legacy.len(),
            Framing::Standard | Framing::Failed => PacketSize::Standard.len(),
        }
    }

    /// Whether an error has ended this session.
    pub fn is_failed(&self) -> bool {
        self.framing == Framing::Failed
    }

    /// Decodes the next packet from the front of `input`, consuming its bytes.
    ///
    /// Returns `Ok(None)` when `input` does not hold a whole packet yet.
    ///
    /// # Errors
    /// [`DecodeError::BadVersion`] or [`DecodeError::CrcMismatch`] for a packet that fails
    /// its checks (usually a wrong password or method); the session then stops.
    pub fn decode(&mut self, input: &mut BytesMut) -> Result<Option<DataPacket>, DecodeError> {
        if self.framing == Framing::Undecided {
            let legacy = PacketSize::Legacy.len();
            if input.len() < legacy {
                return Ok(None);
            }
            let mut probe = input[..legacy].to_vec();
            let mut cipher = self.cipher.clone();
            cipher.decrypt(&mut probe);
            self.framing = if packet::looks_valid(&probe) {
                Framing::Legacy
            } else {
                Framing::Standard
            };
        }
        let size = match self.framing {
            Framing::Legacy => PacketSize::Legacy,
            Framing::Standard => PacketSize::Standard,
            Framing::Undecided | Framing::Failed => {
                input.clear();
                return Ok(None);
            }
        };
        if input.len() < size.len() {
            return Ok(None);
        }
        self.open(input, size).map(Some)
    }

    /// Like [`ServerSession::decode`], once the client has closed the connection: decodes what
    /// is left, including a last 720-byte legacy packet, and reports a packet cut short.
    ///
    /// # Errors
    /// Those of [`ServerSession::decode`], and [`DecodeError::TruncatedStream`] when bytes are
    /// left that do not make a whole packet.
    pub fn decode_eof(&mut self, input: &mut BytesMut) -> Result<Option<DataPacket>, DecodeError> {
        if let Some(packet) = self.decode(input)? {
            return Ok(Some(packet));
        }
        let left = input.len();
        if left == 0 || self.framing == Framing::Failed {
            input.clear();
            return Ok(None);
        }
        if left == PacketSize::Legacy.len() {
            return self.open(input, PacketSize::Legacy).map(Some);
        }
        let expected = match self.framing {
            Framing::Legacy => Some(PacketSize::Legacy.len()),
            Framing::Undecided => None,
            Framing::Standard | Framing::Failed => Some(PacketSize::Standard.len()),
        };
        self.framing = Framing::Failed;
        input.clear();
        Err(DecodeError::TruncatedStream {
            received: left,
            expected,
        })
    }

    /// [`ServerSession::decode`] while the client may send more, [`ServerSession::decode_eof`]
    /// once it has closed: the one call an I/O loop needs.
    ///
    /// # Errors
    /// Those of the two methods.
    pub fn next_packet(
        &mut self,
        input: &mut BytesMut,
        at_eof: bool,
    ) -> Result<Option<DataPacket>, DecodeError> {
        if at_eof {
            self.decode_eof(input)
        } else {
            self.decode(input)
        }
    }

    fn open(&mut self, input: &mut BytesMut, size: PacketSize) -> Result<DataPacket, DecodeError> {
        let mut buf = input.split_to(size.len());
        self.cipher.decrypt(&mut buf);
        let decoded = DataPacket::decode(&buf);
        if decoded.is_err() {
            self.framing = Framing::Failed;
            input.advance(input.len());
        }
        decoded
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::CheckResult;

    fn session(max_age: u32) -> ServerSession {
        let init = InitPacket::from_bytes(&[7; InitPacket::LEN]);
        ServerSession::new(init, EncryptionMethod::None, b"")
            .expect("method 0")
            .with_max_packet_age(max_age)
    }

    fn packet(timestamp: u32) -> DataPacket {
        DataPacket {
            size: PacketSize::Standard,
            check: CheckResult::host("h", 0, "ok"),
            timestamp,
        }
    }

    #[test]
    fn age_rule_stops_replays_and_keeps_long_connections() {
        // First packet within the limit, then the same timestamp an hour later: accepted.
        let mut s = session(30);
        assert_eq!(s.check_age(&packet(1000), 1030), Ok(()));
        assert_eq!(s.check_age(&packet(1000), 4600), Ok(()));
        // A later packet with another timestamp is checked like a first one.
        assert_eq!(
            s.check_age(&packet(1200), 4600),
            Err(DecodeError::StaleTimestamp {
                timestamp: 1200,
                age: 3400,
                future: false,
                max_age: 30
            })
        );
        assert!(s.is_failed());

        // A replayed first packet: too old.
        let mut s = session(30);
        let err = s.check_age(&packet(1000), 1031).unwrap_err();
        assert_eq!(
            err.to_string(),
            "packet timestamp 1000 is 31 s behind the receiver's clock (at most 30 s allowed)"
        );
        // From the future.
        let mut s = session(30);
        assert!(matches!(
            s.check_age(&packet(2000), 1000),
            Err(DecodeError::StaleTimestamp {
                future: true,
                age: 1000,
                ..
            })
        ));
        // 0 turns the check off.
        let mut s = session(0);
        assert_eq!(s.check_age(&packet(0), u32::MAX), Ok(()));
    }
}
