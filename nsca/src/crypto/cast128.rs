//! Method 4, libmcrypt `cast-128`: CAST5 (RFC 2144) with a 16-byte key. The `cast5` crate
//! matches libmcrypt byte for byte.

use cipher::KeyInit;

use super::rustcrypto::RustCrypto;

/// CAST-128 with its key schedule done.
pub(crate) type Cast128 = RustCrypto<::cast5::Cast5>;

/// CAST-128 keyed with the 16 bytes NSCA passes.
pub(crate) fn new(key: &[u8; 16]) -> Cast128 {
    RustCrypto(::cast5::Cast5::new(key.into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::test_util::{assert_ecb, hex};

    #[test]
    fn rfc_2144_vector() {
        // RFC 2144, appendix B.1, 128-bit key.
        let key = hex("0123456712345678234567893456789a");
        assert_ecb(
            &new(&key.try_into().unwrap()),
            "0123456789abcdef",
            "238b4fe5847e44b2",
        );
    }
}
