//! Method 26, libmcrypt `saferplus`: SAFER+ (Massey, Khachatrian and Kuregian, AES submission,
//! 1998) with a 256-bit key and 16 rounds, implemented here from the specification; no crate
//! implements it.
//!
//! The algorithm is the specification's. libmcrypt differs only in byte order: it takes the key
//! and each block as 32-bit words in reverse order, so its bytes are the specification's with the
//! order of the 4-byte groups reversed (the bytes inside each group keep their order).

use super::BlockEncrypt;

/// `EXP[x] = 45^x mod 257`, with 256 written as 0.
const EXP: [u8; 256] = {
    let mut e = [0u8; 256];
    let mut x: u32 = 1;
    let mut i = 0;
    while i < 256 {
        e[i] = (x & 0xff) as u8;
        x = x * 45 % 257;
        i += 1;
    }
    e
};

/// The inverse of [`EXP`]: `LOG[EXP[x]] = x`.
const LOG: [u8; 256] = {
    let mut l = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        l[EXP[i] as usize] = i as u8;
        i += 1;
    }
    l
};

/// Byte positions mixed with the key by XOR first (1, 4, 5, 8, 9, 12, 13, 16 in the
/// specification's 1-based numbering); the others are mixed by addition first.
const XOR_FIRST: [bool; 16] = [
    true, false, false, true, true, false, false, true, true, false, false, true, true, false,
    false, true,
];

/// The "Armenian shuffle" between the PHT layers: output byte `j` is input byte `SHUFFLE[j]`.
const SHUFFLE: [usize; 16] = [8, 11, 12, 15, 2, 1, 6, 5, 10, 9, 14, 13, 0, 7, 4, 3];

/// Most subkeys of any key size (256-bit keys: 16 rounds, two subkeys each, plus one).
const MAX_SUBKEYS: usize = 33;

/// SAFER+ with its subkeys computed.
#[derive(Clone)]
pub(crate) struct SaferPlus {
    subkeys: [[u8; 16]; MAX_SUBKEYS],
    rounds: usize,
}

/// Reverses the order of the 4-byte groups of `bytes`: libmcrypt's order to the
/// specification's and back.
fn reverse_words<const N: usize>(bytes: &[u8; N]) -> [u8; N] {
    core::array::from_fn(|i| bytes[N - 4 - i / 4 * 4 + i % 4])
}

impl SaferPlus {
    /// SAFER+ keyed with the 32 bytes NSCA passes, in libmcrypt's byte order.
    pub(crate) fn new(key: &[u8; 32]) -> Self {
        Self::with_key(&reverse_words(key))
    }

    /// The key schedule for a key of 16, 24 or 32 bytes, in the specification's byte order.
    fn with_key(key: &[u8]) -> Self {
        let len = key.len();
        debug_assert!(matches!(len, 16 | 24 | 32));
        let rounds = match len {
            16 => 8,
            24 => 12,
            _ => 16,
        };
        // The key register: the key and one parity byte (the XOR of all key bytes).
        let mut register = [0u8; 33];
        register[..len].copy_from_slice(key);
        register[len] = key.iter().fold(0, |a, b| a ^ b);
        let register = &mut register[..=len];

        let mut subkeys = [[0u8; 16]; MAX_SUBKEYS];
        subkeys[0].copy_from_slice(&key[..16]);
        for (i, subkey) in subkeys.iter_mut().enumerate().take(2 * rounds + 1).skip(1) {
            // Subkey K_(i+1), 1-based as in the specification.
            for b in register.iter_mut() {
                *b = b.rotate_left(3);
            }
            let n = i + 1;
            for (j, k) in subkey.iter_mut().enumerate() {
                // Bias word B_n: 45^(45^(17n + j)) for n up to 17, 45^(17n + j) after that
                // (j 1-based, everything mod 257, exponents mod 256).
                let e = EXP[(17 * n + j + 1) % 256];
                let bias = if n <= 17 { EXP[usize::from(e)] } else { e };
                *k = register[(i + j) % (len + 1)].wrapping_add(bias);
            }
        }
        Self { subkeys, rounds }
    }

    /// Encrypts a block in the specification's byte order.
    #[inline]
    fn encrypt_spec(&self, x: &mut [u8; 16]) {
        for keys in self.subkeys[..2 * self.rounds].chunks_exact(2) {
            let (k1, k2) = (&keys[0], &keys[1]);
            for j in 0..16 {
                x[j] = if XOR_FIRST[j] {
                    EXP[usize::from(x[j] ^ k1[j])].wrapping_add(k2[j])
                } else {
                    LOG[usize::from(x[j].wrapping_add(k1[j]))] ^ k2[j]
                };
            }
            // Four layers of 2-point pseudo-Hadamard transforms, shuffled in between.
            pht(x);
            for _ in 0..3 {
                *x = core::array::from_fn(|j| x[SHUFFLE[j]]);
                pht(x);
            }
        }
        let last = &self.subkeys[2 * self.rounds];
        for j in 0..16 {
            x[j] = if XOR_FIRST[j] {
                x[j] ^ last[j]
            } else {
                x[j].wrapping_add(last[j])
            };
        }
    }
}

/// One PHT layer: `(a, b) -> (2a + b, a + b)` on each pair of bytes.
#[inline(always)]
fn pht(x: &mut [u8; 16]) {
    for pair in x.chunks_exact_mut(2) {
        let sum = pair[0].wrapping_add(pair[1]);
        pair[0] = pair[0].wrapping_add(sum);
        pair[1] = sum;
    }
}

impl BlockEncrypt for SaferPlus {
    const BLOCK: usize = 16;

    #[inline]
    fn encrypt_block(&self, block: &mut [u8]) {
        // `Cfb8` always passes exactly `BLOCK` bytes.
        let Ok(bytes) = <&mut [u8; 16]>::try_from(block) else {
            return;
        };
        let mut x = reverse_words(bytes);
        self.encrypt_spec(&mut x);
        *bytes = reverse_words(&x);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::test_util::{assert_ecb, hex};

    #[test]
    fn exp_and_log() {
        assert_eq!((EXP[0], EXP[1], EXP[128]), (1, 45, 0));
        assert!((0..=255u8).all(|x| EXP[usize::from(LOG[usize::from(x)])] == x));
    }

    #[test]
    fn bias_words_match_the_specification() {
        // B_2, the first bias word, and B_18, the first one that only 192- and 256-bit keys
        // use (from there on the bias takes one exponentiation instead of two).
        let s = SaferPlus::with_key(&[0; 16]);
        // With a zero key, the register is zero, so K_2 is the bias B_2.
        assert_eq!(
            s.subkeys[1],
            [
                70, 151, 177, 186, 163, 183, 16, 10, 197, 55, 179, 201, 90, 40, 172, 100
            ]
        );
        let s = SaferPlus::with_key(&[0; 24]);
        assert_eq!(
            s.subkeys[17],
            [
                220, 134, 119, 215, 166, 17, 251, 244, 186, 146, 145, 100, 131, 241, 51, 239
            ]
        );
    }

    /// The SAFER+ submission's test vectors for the three key sizes (in decimal there).
    #[test]
    fn published_vectors() {
        let cases = [
            (
                "2923be84e16cd6ae529049f1f1bbe9eb",
                "b3a6db3c870c3e99245e0d1c06b747de",
                "e01fb60a0cff54467f0d59f90939a5dc",
            ),
            (
                "48d38f75e6d91d2ae5c0f72b788187440e5f5000d4618dbe",
                "7b0515073b33821f187092da6454ceb1",
                "5c88043f395f640096828210c16fdb85",
            ),
            (
                "f3a88dfebef2eb71ffa0d03b75068c7e8778734dd0be82bedbc246412b8cfa30",
                "7f70f0a754863295aa5b68130be6fcf5",
                "580b1924ace5cad5aa416999dc68998a",
            ),
        ];
        for (key, pt, ct) in cases {
            let s = SaferPlus::with_key(&hex(key));
            let mut block: [u8; 16] = hex(pt).try_into().unwrap();
            s.encrypt_spec(&mut block);
            assert_eq!(block.to_vec(), hex(ct), "key {key}");
        }
    }

    #[test]
    fn libmcrypt_byte_order() {
        // The 256-bit published vector with the 4-byte groups of key, plaintext and ciphertext
        // in reverse order, as libmcrypt gives it.
        let key = "2b8cfa30dbc24641d0be82be8778734d75068c7effa0d03bbef2eb71f3a88dfe";
        let c = SaferPlus::new(&hex(key).try_into().unwrap());
        let pt = "0be6fcf5aa5b6813548632957f70f0a7";
        assert_ecb(&c, pt, "dc68998aaa416999ace5cad5580b1924");
    }

    #[test]
    fn libmcrypt_vector() {
        let key: [u8; 32] = core::array::from_fn(|i| i as u8);
        let c = SaferPlus::new(&key);
        assert_ecb(
            &c,
            "00112233445566778899aabbccddeeff",
            "f973ec11f7346f78277e64302448f40b",
        );
    }
}
