//! Opens libmcrypt-compatible block ciphers for methods 2 and above.

use super::{EncryptionMethod, KeyStream};
use crate::error::CryptoError;

/// Opens `method` with a key of exactly `method.key_len()` bytes and an IV of exactly
/// `method.block_len()` bytes.
pub(super) fn open(
    method: EncryptionMethod,
    key: &[u8],
    iv: &[u8],
) -> Result<Box<dyn KeyStream>, CryptoError> {
    let _ = (key, iv);
    Err(CryptoError::NotImplemented { method })
}
