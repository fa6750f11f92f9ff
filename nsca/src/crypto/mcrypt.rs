//! Opens libmcrypt-compatible block ciphers for methods 2 and above, in libmcrypt's `"cfb"`
//! (CFB-8) mode.
//!
//! Each algorithm is behind the Cargo feature of the same name; with the feature off, opening its
//! method reports [`CryptoError::FeatureDisabled`].

use super::{EncryptionMethod, KeyStream};
use crate::error::{CryptoError, Unusable};

with_any_cipher! {
    use super::{BlockEncrypt, Cfb8};

    /// `key` cut or zero-padded to `N` bytes (the caller already passes exactly `N`).
    fn fixed<const N: usize>(key: &[u8]) -> [u8; N] {
        let mut out = [0u8; N];
        let n = key.len().min(N);
        out[..n].copy_from_slice(&key[..n]);
        out
    }

    fn stream<C: BlockEncrypt>(cipher: C, iv: &[u8]) -> Box<dyn KeyStream> {
        Box::new(Cfb8::new(cipher, iv))
    }
}

/// `Ok(stream)` when `$feature` is on, else the error naming the feature. The cipher expression
/// is only compiled with the feature on.
macro_rules! algorithm {
    ($method:expr, $feature:literal, $iv:expr, $cipher:expr) => {{
        #[cfg(feature = $feature)]
        let opened = Ok(stream($cipher, $iv));
        #[cfg(not(feature = $feature))]
        let opened = Err(CryptoError::FeatureDisabled {
            method: $method,
            feature: $feature,
        });
        opened
    }};
}

/// Opens `method` with a key of exactly `method.key_len()` bytes and an IV of exactly
/// `method.block_len()` bytes.
pub(super) fn open(
    method: EncryptionMethod,
    key: &[u8],
    iv: &[u8],
) -> Result<Box<dyn KeyStream>, CryptoError> {
    use EncryptionMethod as M;
    let _ = (key, iv); // Unused when every algorithm feature is off.
    match method {
        M::Des => algorithm!(method, "des", iv, super::des::Des::new(&fixed(key))),
        M::TripleDes => algorithm!(
            method,
            "tripledes",
            iv,
            super::des::TripleDes::new(&fixed(key))
        ),
        M::Cast128 => algorithm!(method, "cast128", iv, super::cast128::new(&fixed(key))),
        M::Cast256 => algorithm!(method, "cast256", iv, super::cast256::new(&fixed(key))),
        M::Xtea => algorithm!(method, "xtea", iv, super::xtea::Xtea::new(&fixed(key))),
        M::Blowfish => algorithm!(method, "blowfish", iv, super::blowfish::new(&fixed(key))),
        M::Twofish => algorithm!(
            method,
            "twofish",
            iv,
            super::twofish::Twofish::new(&fixed(key))
        ),
        M::Loki97 => algorithm!(
            method,
            "loki97",
            iv,
            super::loki97::Loki97::new(&fixed(key))
        ),
        M::Rc2 => algorithm!(method, "rc2", iv, super::rc2::new(&fixed(key))),
        M::Rijndael128 => algorithm!(
            method,
            "rijndael",
            iv,
            super::rijndael::new_128(&fixed(key))
        ),
        M::Rijndael192 => algorithm!(
            method,
            "rijndael",
            iv,
            super::rijndael::Rijndael192::new(&fixed(key))
        ),
        M::Rijndael256 => algorithm!(
            method,
            "rijndael",
            iv,
            super::rijndael::Rijndael256::new(&fixed(key))
        ),
        M::Serpent => algorithm!(method, "serpent", iv, super::serpent::new(&fixed(key))),
        M::Gost => algorithm!(method, "gost", iv, super::gost::Gost::new(&fixed(key))),
        M::SaferPlus => algorithm!(
            method,
            "saferplus",
            iv,
            super::saferplus::SaferPlus::new(&fixed(key))
        ),
        // `Cipher::new` handles none and XOR itself and turns the unusable methods away before
        // calling this; neither is a libmcrypt algorithm this build could open.
        _ => Err(CryptoError::Unusable {
            method,
            reason: method.usability().err().unwrap_or(Unusable::NotInLibmcrypt),
        }),
    }
}
