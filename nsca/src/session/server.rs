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
        })
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
            Framing::Legacy | Framing::Undecided => PacketSize::Legacy.len(),
            Framing::Standard | Framing::Failed => PacketSize::Standard.len(),
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
