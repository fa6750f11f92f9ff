//! Method 20, libmcrypt `serpent`: Serpent with a 32-byte key, in the byte order of the Serpent
//! reference code (NESSIE). The `serpent` crate matches libmcrypt byte for byte.

use cipher::KeyInit;

use super::rustcrypto::RustCrypto;

/// Serpent with its key schedule done.
pub(crate) type Serpent = RustCrypto<::serpent::Serpent>;

/// Serpent keyed with the 32 bytes NSCA passes.
pub(crate) fn new(key: &[u8; 32]) -> Serpent {
    match ::serpent::Serpent::new_from_slice(key) {
        Ok(c) => RustCrypto(c),
        // Serpent takes keys of 16 to 32 bytes, and this one is 32.
        Err(_) => unreachable!("a 32-byte key is a valid Serpent key"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::test_util::assert_ecb;

    #[test]
    fn libmcrypt_vector() {
        let key: Vec<u8> = (0..32).collect();
        let c = new(&key.try_into().unwrap());
        assert_ecb(
            &c,
            "00112233445566778899aabbccddeeff",
            "2868b7a2d28ecd5e4fdefac3c4330074",
        );
    }
}
