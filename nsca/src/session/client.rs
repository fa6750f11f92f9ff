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
        let buf = &mut out[start..];
        rng.fill_bytes(buf);
        let sealed = self.seal(check, buf);
        if sealed.is_err() {
            out.truncate(start);
        }
        sealed
    }

    /// Encodes `check` into `buf`, using the bytes already in `buf` as filler.
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
}
