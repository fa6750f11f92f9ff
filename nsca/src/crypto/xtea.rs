//! Method 6, libmcrypt `xtea`: XTEA (Needham and Wheeler, 1997) with 32 cycles (64 Feistel
//! rounds), a 16-byte key and big-endian words, as in the published test vectors. Implemented
//! here: the `xtea` crate reads words little-endian and its cipher cannot be cloned.

use super::BlockEncrypt;

/// The key schedule constant, `floor(2^32 / golden ratio)`.
const DELTA: u32 = 0x9e37_79b9;

/// XTEA cycles.
const CYCLES: usize = 32;

/// XTEA with its key schedule done.
#[derive(Clone)]
pub(crate) struct Xtea {
    /// `sum + key[...]` for each of the 64 rounds, in order.
    round_keys: [u32; 2 * CYCLES],
}

impl Xtea {
    /// XTEA keyed with the 16 bytes NSCA passes.
    pub(crate) fn new(key: &[u8; 16]) -> Self {
        let k: [u32; 4] = core::array::from_fn(|i| {
            u32::from_be_bytes([key[4 * i], key[4 * i + 1], key[4 * i + 2], key[4 * i + 3]])
        });
        let mut round_keys = [0u32; 2 * CYCLES];
        let mut sum = 0u32;
        for pair in round_keys.chunks_exact_mut(2) {
            pair[0] = sum.wrapping_add(k[(sum & 3) as usize]);
            sum = sum.wrapping_add(DELTA);
            pair[1] = sum.wrapping_add(k[((sum >> 11) & 3) as usize]);
        }
        Self { round_keys }
    }
}

/// The XTEA round function of one half.
#[inline(always)]
fn mix(v: u32) -> u32 {
    ((v << 4) ^ (v >> 5)).wrapping_add(v)
}

impl BlockEncrypt for Xtea {
    const BLOCK: usize = 8;

    #[inline]
    fn encrypt_block(&self, block: &mut [u8]) {
        // `Cfb8` always passes exactly `BLOCK` bytes.
        let Ok(bytes) = <&mut [u8; 8]>::try_from(block) else {
            return;
        };
        let mut v0 = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        let mut v1 = u32::from_be_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
        for pair in self.round_keys.chunks_exact(2) {
            v0 = v0.wrapping_add(mix(v1) ^ pair[0]);
            v1 = v1.wrapping_add(mix(v0) ^ pair[1]);
        }
        bytes[..4].copy_from_slice(&v0.to_be_bytes());
        bytes[4..].copy_from_slice(&v1.to_be_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::test_util::{assert_ecb, hex};

    #[test]
    fn published_vectors() {
        // The XTEA test vectors that circulate with the reference code (also in Botan and
        // Crypto++), big-endian; libmcrypt reproduces them.
        let seq: [u8; 16] = hex("000102030405060708090a0b0c0d0e0f").try_into().unwrap();
        let zero = [0u8; 16];
        assert_ecb(&Xtea::new(&seq), "4142434445464748", "497df3d072612cb5");
        assert_ecb(&Xtea::new(&seq), "4141414141414141", "e78f2d13744341d8");
        assert_ecb(&Xtea::new(&zero), "4142434445464748", "a0390589f8b8efa5");
        assert_ecb(&Xtea::new(&zero), "4141414141414141", "ed23375a821a8c2d");
    }

    #[test]
    fn libmcrypt_vector() {
        let key: [u8; 16] = core::array::from_fn(|i| i as u8);
        assert_ecb(&Xtea::new(&key), "0011223344556677", "d9a4f870ba1f45d6");
    }
}
