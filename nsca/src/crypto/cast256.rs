//! Method 5, libmcrypt `cast-256`: CAST-256 (RFC 2612) with a 32-byte key, but with libmcrypt's
//! byte order: it reads the key and each block as **little-endian** 32-bit words, where RFC 2612
//! (and the `cast6` crate) use big-endian ones. This wraps `cast6` and reverses the bytes of
//! every 32-bit word of the key, and of the block before and after encryption.

use cipher::{Array, BlockCipherEncrypt, KeyInit};

use super::BlockEncrypt;

/// CAST-256 with libmcrypt's word byte order, key schedule done.
#[derive(Clone)]
pub(crate) struct Cast256(::cast6::Cast6);

/// Reverses the bytes of each 32-bit word of `bytes` (a multiple of 4 bytes long).
fn swap_words(bytes: &mut [u8]) {
    for word in bytes.chunks_exact_mut(4) {
        word.reverse();
    }
}

/// CAST-256 keyed with the 32 bytes NSCA passes.
pub(crate) fn new(key: &[u8; 32]) -> Cast256 {
    let mut swapped = *key;
    swap_words(&mut swapped);
    Cast256(::cast6::Cast6::new(&swapped.into()))
}

impl BlockEncrypt for Cast256 {
    const BLOCK: usize = 16;

    #[inline]
    fn encrypt_block(&self, block: &mut [u8]) {
        // `Cfb8` always passes exactly `BLOCK` bytes, so this never skips a block.
        if let Some(block) = Array::slice_as_mut_array(block) {
            swap_words(block);
            self.0.encrypt_block(block);
            swap_words(block);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::test_util::{assert_ecb, hex};

    fn swapped(hex_str: &str) -> String {
        let mut b = hex(hex_str);
        swap_words(&mut b);
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    #[test]
    fn rfc_2612_vector_in_libmcrypt_byte_order() {
        // RFC 2612, appendix B, 256-bit key, zero plaintext; every word byte-reversed.
        let key = swapped("2342bb9efa38542cbed0ac83940ac2988d7c47ce264908461cc1b5137ae6b604");
        let ct = swapped("4f6a2038286897b9c9870136553317fa");
        assert_ecb(&new(&hex(&key).try_into().unwrap()), &"00".repeat(16), &ct);
    }

    #[test]
    fn libmcrypt_vector() {
        let key: Vec<u8> = (0..32).collect();
        let c = new(&key.try_into().unwrap());
        assert_ecb(
            &c,
            "00112233445566778899aabbccddeeff",
            "3fd43ef409439b6f9b577b1c591f9ed4",
        );
    }
}
