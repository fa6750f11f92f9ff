//! Method 3, libmcrypt `tripledes`: three-key Triple DES, encrypt-decrypt-encrypt with the 24-byte
//! key read as K1 ‖ K2 ‖ K3. The `des` crate's `TdesEde3` matches libmcrypt byte for byte.

use cipher::KeyInit;

use super::rustcrypto::RustCrypto;

/// Triple DES (EDE, three keys) with its key schedule done.
pub(crate) type TripleDes = RustCrypto<::des::TdesEde3>;

/// Triple DES keyed with the 24 bytes NSCA passes.
pub(crate) fn new(key: &[u8; 24]) -> TripleDes {
    RustCrypto(::des::TdesEde3::new(key.into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::test_util::{assert_ecb, hex};

    #[test]
    fn sp_800_67_example() {
        // NIST SP 800-67, the TDEA example: first block of "The qufck brown fox jump".
        let key = "0123456789abcdef23456789abcdef01456789abcdef0123";
        assert_ecb(
            &new(&hex(key).try_into().unwrap()),
            "5468652071756663",
            "a826fd8ce53b855f",
        );
    }

    #[test]
    fn libmcrypt_vector() {
        let key: Vec<u8> = (0..24).collect();
        assert_ecb(
            &new(&key.try_into().unwrap()),
            "0011223344556677",
            "97a25ba82b564f4c",
        );
    }
}
