//! Method 9, libmcrypt `twofish`: Twofish with a 32-byte key. The `twofish` crate matches
//! libmcrypt byte for byte.

use cipher::KeyInit;

use super::rustcrypto::RustCrypto;

/// Twofish with its key schedule done.
pub(crate) type Twofish = RustCrypto<::twofish::Twofish>;

/// Twofish keyed with the 32 bytes NSCA passes.
pub(crate) fn new(key: &[u8; 32]) -> Twofish {
    RustCrypto(::twofish::Twofish::new(key.into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::test_util::{assert_ecb, hex};

    #[test]
    fn twofish_paper_vector() {
        // The Twofish paper, appendix A.1, 256-bit key.
        let key = hex("0123456789abcdeffedcba987654321000112233445566778899aabbccddeeff");
        let c = new(&key.try_into().unwrap());
        assert_ecb(&c, &"00".repeat(16), "37527be0052334b89f0cfccae87cfa20");
    }
}
