//! Method 11, libmcrypt `rc2`: RC2 (RFC 2268) with a 128-byte key and an effective key length
//! of 1024 bits (no reduction). The `rc2` crate matches libmcrypt byte for byte.

use super::rustcrypto::RustCrypto;

/// RC2 with its key schedule done.
pub(crate) type Rc2 = RustCrypto<::rc2::Rc2>;

/// RC2 keyed with the 128 bytes NSCA passes, at 1024 effective key bits.
pub(crate) fn new(key: &[u8; 128]) -> Rc2 {
    RustCrypto(::rc2::Rc2::new_with_eff_key_len(key, 1024))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::test_util::assert_ecb;

    #[test]
    fn libmcrypt_vector() {
        // RFC 2268's vectors all use shorter keys; NSCA always zero-pads to 128 bytes.
        let key: Vec<u8> = (0..128).collect();
        assert_ecb(
            &new(&key.try_into().unwrap()),
            "0011223344556677",
            "0fa9cd2ce78eebe8",
        );
    }
}
