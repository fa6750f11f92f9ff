//! The init packet: the 132 bytes the server sends as soon as a client connects.
//!
//! ```text
//! offset  size  field
//!      0   128  iv         random bytes; XOR uses all 128, libmcrypt methods the first block
//!    128     4  timestamp  u32 big-endian, the server's clock; the client echoes it in every packet
//! ```

use rand::{CryptoRng, RngCore};

use crate::error::{DecodeError, Message};

/// Length of the transmitted IV.
pub const IV_LEN: usize = 128;

/// The server's greeting: a fresh IV for this connection and the server's time.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct InitPacket {
    /// The transmitted IV.
    pub iv: [u8; IV_LEN],
    /// Seconds since the Unix epoch, truncated to 32 bits, on the server's clock.
    pub timestamp: u32,
}

impl InitPacket {
    /// Length on the wire.
    pub const LEN: usize = IV_LEN + 4;

    /// A packet with an IV drawn from `rng` and the given time.
    ///
    /// The C daemon seeds `rand()` with one byte, so it can only ever send 256 different IVs;
    /// this draws all 128 bytes from a cryptographic generator.
    pub fn random<R: RngCore + CryptoRng + ?Sized>(rng: &mut R, timestamp: u32) -> Self {
        let mut iv = [0u8; IV_LEN];
        rng.fill_bytes(&mut iv);
        Self { iv, timestamp }
    }

    /// The 132 bytes to send.
    pub fn encode(&self) -> [u8; Self::LEN] {
        let mut out = [0u8; Self::LEN];
        out[..IV_LEN].copy_from_slice(&self.iv);
        out[IV_LEN..].copy_from_slice(&self.timestamp.to_be_bytes());
        out
    }

    /// Reads an init packet from exactly 132 bytes. Any 132 bytes are a valid init packet.
    pub fn from_bytes(bytes: &[u8; Self::LEN]) -> Self {
        let mut iv = [0u8; IV_LEN];
        iv.copy_from_slice(&bytes[..IV_LEN]);
        let mut ts = [0u8; 4];
        ts.copy_from_slice(&bytes[IV_LEN..]);
        Self {
            iv,
            timestamp: u32::from_be_bytes(ts),
        }
    }

    /// Reads an init packet from a slice, which must be exactly 132 bytes long.
    ///
    /// # Errors
    /// [`DecodeError::WrongLength`] for any other length.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let exact: &[u8; Self::LEN] = bytes.try_into().map_err(|_| DecodeError::WrongLength {
            message: Message::InitPacket,
            expected: Self::LEN,
            actual: bytes.len(),
        })?;
        Ok(Self::from_bytes(exact))
    }
}

impl core::fmt::Debug for InitPacket {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("InitPacket")
            .field("iv", &format_args!("{:02x?}..", &self.iv[..8]))
            .field("timestamp", &self.timestamp)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout() {
        let p = InitPacket {
            iv: core::array::from_fn(|i| i as u8),
            timestamp: 0x6B09_BABB,
        };
        let bytes = p.encode();
        assert_eq!(bytes.len(), 132);
        assert_eq!(bytes[0], 0);
        assert_eq!(bytes[127], 127);
        assert_eq!(&bytes[128..], &[0x6B, 0x09, 0xBA, 0xBB]);
        assert_eq!(InitPacket::decode(&bytes), Ok(p));
    }

    #[test]
    fn wrong_lengths() {
        for n in [0, 131, 133, 4304] {
            assert_eq!(
                InitPacket::decode(&vec![0; n]),
                Err(DecodeError::WrongLength {
                    message: Message::InitPacket,
                    expected: 132,
                    actual: n
                })
            );
        }
    }
}
