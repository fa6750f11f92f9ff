use rand::RngCore;

use crate::check::CheckResult;
use crate::crypto::{Cipher, EncryptionMethod};
use crate::error::{CryptoError, EncodeError};
use crate::init::InitPacket;
use crate::packet::{self, PacketSize};

/// The client end of one connection: turns check results into encrypted data packets.
///
/// Build it from the init packet the server sent; it keeps the cipher state for the whole
/// connection, so use one session per connection and send its packets in the order they were
/// encoded.
///
/// ```
/// use nsca::{CheckResult, ClientSession, EncryptionMethod, InitPacket, PacketSize};
///
/// let init = InitPacket { iv: [7; 128], timestamp: 1_700_000_000 };
/// let mut session =
///     ClientSession::new(&init, EncryptionMethod::Xor, b"secret", PacketSize::Standard)?;
/// let mut wire = Vec::new();
/// let check = CheckResult::service("web1", "HTTP", 0, "HTTP OK - 0.01 s");
/// session.encode(&check, &mut rand::rng(), &mut wire)?;
/// assert_eq!(wire.len(), 4304);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct ClientSession {
    timestamp: u32,
    cipher: Cipher,
    size: PacketSize,
}

impl ClientSession {
    /// A session for the connection that sent `init`.
    ///
    /// # Errors
    /// The errors of [`Cipher::new`].
    pub fn new(
        init: &InitPacket,
        method: EncryptionMethod,
        password: &[u8],
        size: PacketSize,
    ) -> Result<Self, CryptoError> {
        Ok(Self {
            timestamp: init.timestamp,
            cipher: Cipher::new(method, password, &init.iv)?,
            size,
        })
    }

    /// The packet size this session sends.
    pub fn packet_size(&self) -> PacketSize {
        self.size
    }

    /// The encryption method.
    pub fn method(&self) -> EncryptionMethod {
        self.cipher.method()
    }

    /// Appends one encrypted packet carrying `check` to `out`, with filler from `rng`.
    ///
    /// The filler (every byte no field covers) is drawn from `rng` for each packet; pass a
    /// cryptographic generator such as `rand::rng()` in production, a seeded one in tests.
    ///
    /// With the libmcrypt methods (2 and above), the filler after the strings is sent as drawn,
    /// as ciphertext, and only the rest goes through the cipher's byte-by-byte chain, with a
    /// CRC patch in the packet's last 4 bytes (see the crate's README on performance): a short
    /// check encodes several times faster than by encrypting all 4304 bytes, and the daemon
    /// reads the same packet. The time an encode takes then grows with the length of the
    /// strings (the packet's length does not change). [`Self::encode_with_filler`] encrypts
    /// every byte.
    ///
    /// # Errors
    /// The errors of [`CheckResult::validate`]; then nothing is appended and the cipher state is
    /// unchanged, so the session can go on.
    pub fn encode<R: RngCore + ?Sized>(
        &mut self,
        check: &CheckResult,
        rng: &mut R,
        out: &mut Vec<u8>,
    ) -> Result<(), EncodeError> {
        let start = out.len();
        out.resize(start + self.size.len(), 0);
        let sealed = self.encode_into(check, rng, &mut out[start..]);
        if sealed.is_err() {
            out.truncate(start);
        }
        sealed
    }

    /// [`Self::encode`] into `buf`, which must be exactly one packet of this session's size
    /// (for callers that own the output buffer, such as a framing codec).
    ///
    /// # Errors
    /// [`EncodeError::BufferLength`] and the errors of [`CheckResult::validate`]; the cipher
    /// state is unchanged on error.
    pub fn encode_into<R: RngCore + ?Sized>(
        &mut self,
        check: &CheckResult,
        rng: &mut R,
        buf: &mut [u8],
    ) -> Result<(), EncodeError> {
        if buf.len() != self.size.len() {
            return Err(EncodeError::BufferLength { actual: buf.len() });
        }
        rng.fill_bytes(buf);
        if self.cipher.is_cfb8() {
            self.seal_choosing_filler(check, buf)
        } else {
            self.seal(check, buf)
        }
    }

    /// Encodes `check` into `buf`, using the bytes already in `buf` as filler (plaintext), and
    /// encrypts the whole packet in order, as the C client does.
    ///
    /// For tests and for reproducing captured packets byte for byte; `buf` must be exactly one
    /// packet of this session's size.
    ///
    /// # Errors
    /// [`EncodeError::BufferLength`] and the errors of [`CheckResult::validate`]; `buf` and the
    /// cipher state are unchanged on error.
    pub fn encode_with_filler(
        &mut self,
        check: &CheckResult,
        buf: &mut [u8],
    ) -> Result<(), EncodeError> {
        if buf.len() != self.size.len() {
            return Err(EncodeError::BufferLength { actual: buf.len() });
        }
        self.seal(check, buf)
    }

    fn seal(&mut self, check: &CheckResult, buf: &mut [u8]) -> Result<(), EncodeError> {
        packet::encode_check(check, self.timestamp, buf)?;
        self.cipher.encrypt(buf);
        Ok(())
    }

    /// [`Self::seal`] for a CFB-8 cipher, with the filler chosen as ciphertext.
    ///
    /// CFB-8 encryption is a chain: every byte waits for a whole block encryption of a register
    /// holding the bytes just sent. Decryption is not, since the registers are the ciphertext
    /// itself. No reader looks at the filler, so instead of encrypting random plaintext filler
    /// byte after byte, the random bytes in `wire` are kept as the filler's ciphertext, and its
    /// plaintext (needed only for the CRC) is found by decrypting them, several blocks at a
    /// time. Only the header, the strings and their NULs are encrypted in the chain, then the
    /// packet's last 4 bytes, set so that the CRC comes out as the random value already in its
    /// field ([`packet::patch_crc`]). The receiver decrypts the same bytes either way; a check
    /// whose output leaves no room for that patch is sealed the plain way.
    fn seal_choosing_filler(
        &mut self,
        check: &CheckResult,
        wire: &mut [u8],
    ) -> Result<(), EncodeError> {
        let mut plain = [0u8; PacketSize::Standard.len()];
        let Some(plain) = plain.get_mut(..wire.len()) else {
            return Err(EncodeError::BufferLength { actual: wire.len() });
        };
        plain.copy_from_slice(wire);
        let size = packet::encode_fields(check, self.timestamp, plain)?;
        let Some(filler) = packet::free_filler(check, size) else {
            return self.seal(check, wire);
        };
        let mut next = 0;
        for free in filler {
            wire[next..free.start].copy_from_slice(&plain[next..free.start]);
            self.cipher.encrypt(&mut wire[next..free.start]);
            plain[free.clone()].copy_from_slice(&wire[free.clone()]);
            self.cipher.decrypt(&mut plain[free.clone()]);
            next = free.end;
        }
        packet::patch_crc(plain);
        wire[next..].copy_from_slice(&plain[next..]);
        self.cipher.encrypt(&mut wire[next..]);
        Ok(())
    }
}
