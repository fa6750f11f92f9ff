//! Method 8, libmcrypt `blowfish`: Blowfish with the longest key it takes, 56 bytes, and
//! big-endian words. The `blowfish` crate matches libmcrypt byte for byte. (libmcrypt's
//! `blowfish-compat`, the little-endian variant, is not an NSCA method.)

use cipher::KeyInit;

use super::rustcrypto::RustCrypto;

/// Blowfish with its key schedule done.
pub(crate) type Blowfish = RustCrypto<::blowfish::Blowfish>;

/// Blowfish keyed with the 56 bytes NSCA passes.
pub(crate) fn new(key: &[u8; 56]) -> Blowfish {
    RustCrypto(::blowfish::Blowfish::new(key.into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::test_util::assert_ecb;

    #[test]
    fn eric_young_vectors() {
        // Schneier's / Eric Young's vectors with all-zero and all-one keys, which read the same
        // at any key length.
        assert_ecb(&new(&[0; 56]), "0000000000000000", "4ef997456198dd78");
        assert_ecb(&new(&[0xff; 56]), "ffffffffffffffff", "51866fd5b85ecb8a");
    }

    #[test]
    fn libmcrypt_vector() {
        let key: Vec<u8> = (0..56).collect();
        assert_ecb(
            &new(&key.try_into().unwrap()),
            "0011223344556677",
            "4b1651f9d676188b",
        );
    }
}
