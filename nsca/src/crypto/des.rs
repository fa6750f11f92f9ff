//! Method 2, libmcrypt `des`: standard DES (FIPS 46-3), 8-byte key with its parity bits ignored.
//! The `des` crate matches libmcrypt byte for byte.

use cipher::KeyInit;

use super::rustcrypto::RustCrypto;

/// DES with its key schedule done.
pub(crate) type Des = RustCrypto<::des::Des>;

/// DES keyed with all 8 bytes NSCA passes.
pub(crate) fn new(key: &[u8; 8]) -> Des {
    RustCrypto(::des::Des::new(key.into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::test_util::{assert_ecb, hex};

    #[test]
    fn fips_81_vector() {
        // FIPS 81, appendix B: key 0123456789abcdef, "Now is t".
        let c = new(&hex("0123456789abcdef").try_into().unwrap());
        assert_ecb(&c, "4e6f772069732074", "3fa40e8a984d4815");
    }
}
