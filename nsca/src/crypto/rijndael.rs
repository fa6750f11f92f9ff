//! Methods 14, 15 and 16, libmcrypt `rijndael-128`, `rijndael-192` and `rijndael-256`.
//!
//! libmcrypt names its Rijndael variants after the **block** size, and NSCA always uses the
//! largest key, 32 bytes:
//! - method 14 is Rijndael with a 128-bit block and a 256-bit key, which is AES-256; the `aes`
//!   crate runs it (with AES-NI where the CPU has it);
//! - methods 15 and 16 are Rijndael with 192- and 256-bit blocks (and a 256-bit key), which AES
//!   left out. [`Rijndael`] implements them here from the Rijndael specification (Daemen and
//!   Rijmen, "AES Proposal: Rijndael", version 2, 1999), with 32-bit lookup tables built at
//!   compile time. libmcrypt's implementation matches the specification's test vectors for every
//!   block and key size.

use cipher::KeyInit;

use super::BlockEncrypt;
use super::rustcrypto::RustCrypto;

/// Method 14: Rijndael-128 with a 256-bit key, i.e. AES-256.
pub(crate) type Rijndael128 = RustCrypto<::aes::Aes256>;

/// Method 15: Rijndael with a 192-bit block.
pub(crate) type Rijndael192 = Rijndael<6>;

/// Method 16: Rijndael with a 256-bit block.
pub(crate) type Rijndael256 = Rijndael<8>;

/// AES-256 keyed with the 32 bytes NSCA passes.
pub(crate) fn new_128(key: &[u8; 32]) -> Rijndael128 {
    RustCrypto(::aes::Aes256::new(key.into()))
}

/// Multiplication by `x` (that is, 2) in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1.
const fn xtime(a: u8) -> u8 {
    (a << 1) ^ if a & 0x80 != 0 { 0x1b } else { 0 }
}

/// The S-box: multiplicative inverse in GF(2^8), then the affine map of the specification.
const SBOX: [u8; 256] = {
    // Powers of the generator 3 give the inverses: inv(3^i) = 3^(255 - i).
    let mut exp = [0u8; 256];
    let mut log = [0usize; 256];
    let mut x: u8 = 1;
    let mut i = 0;
    while i < 255 {
        exp[i] = x;
        log[x as usize] = i;
        x ^= xtime(x); // x * 3
        i += 1;
    }
    let mut sbox = [0u8; 256];
    let mut v = 0;
    while v < 256 {
        let inv = if v == 0 { 0 } else { exp[(255 - log[v]) % 255] };
        sbox[v] = inv
            ^ inv.rotate_left(1)
            ^ inv.rotate_left(2)
            ^ inv.rotate_left(3)
            ^ inv.rotate_left(4)
            ^ 0x63;
        v += 1;
    }
    sbox
};

/// SubBytes and MixColumns for one byte, in the four row rotations: `TE[r][x]` is the column
/// contribution of byte `x` in row `r`, as a big-endian word (row 0 in the top byte).
const TE: [[u32; 256]; 4] = {
    let mut te = [[0u32; 256]; 4];
    let mut x = 0;
    while x < 256 {
        let s = SBOX[x];
        let s2 = xtime(s);
        let s3 = s2 ^ s;
        let word = u32::from_be_bytes([s2, s, s, s3]);
        te[0][x] = word;
        te[1][x] = word.rotate_right(8);
        te[2][x] = word.rotate_right(16);
        te[3][x] = word.rotate_right(24);
        x += 1;
    }
    te
};

/// Most rounds of any block and key size (both 256 bits).
const MAX_ROUNDS: usize = 14;

/// Rijndael with a block of `NB` 32-bit columns (4, 6 or 8) and its key schedule done.
#[derive(Clone)]
pub(crate) struct Rijndael<const NB: usize> {
    round_keys: [[u32; NB]; MAX_ROUNDS + 1],
    rounds: usize,
}

impl<const NB: usize> Rijndael<NB> {
    /// ShiftRows offsets of rows 1, 2 and 3: (1, 2, 3) for 128- to 192-bit blocks, (1, 3, 4)
    /// for 256-bit ones.
    const SHIFTS: [usize; 3] = if NB == 8 { [1, 3, 4] } else { [1, 2, 3] };

    /// Rijndael keyed with the 32 bytes NSCA passes.
    pub(crate) fn new(key: &[u8; 32]) -> Self {
        Self::expand(key)
    }

    /// The key schedule for a key of 16, 24 or 32 bytes (4, 6 or 8 words).
    fn expand(key: &[u8]) -> Self {
        let nk = key.len() / 4;
        debug_assert!(matches!(nk, 4 | 6 | 8) && key.len() % 4 == 0);
        let rounds = nk.max(NB) + 6;
        let total = NB * (rounds + 1);
        let mut w = [0u32; 8 * (MAX_ROUNDS + 1)];
        for (word, bytes) in w.iter_mut().zip(key.chunks_exact(4)) {
            *word = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        }
        let mut rcon = 1u8;
        for i in nk..total {
            let mut t = w[i - 1];
            if i % nk == 0 {
                t = sub_word(t.rotate_left(8)) ^ (u32::from(rcon) << 24);
                rcon = xtime(rcon);
            } else if nk > 6 && i % nk == 4 {
                t = sub_word(t);
            }
            w[i] = w[i - nk] ^ t;
        }
        let mut round_keys = [[0u32; NB]; MAX_ROUNDS + 1];
        for (r, round_key) in round_keys.iter_mut().enumerate().take(rounds + 1) {
            round_key.copy_from_slice(&w[r * NB..(r + 1) * NB]);
        }
        Self { round_keys, rounds }
    }
}

/// SubBytes on the four bytes of a word.
fn sub_word(w: u32) -> u32 {
    let [a, b, c, d] = w.to_be_bytes();
    u32::from_be_bytes([
        SBOX[usize::from(a)],
        SBOX[usize::from(b)],
        SBOX[usize::from(c)],
        SBOX[usize::from(d)],
    ])
}

impl<const NB: usize> BlockEncrypt for Rijndael<NB> {
    const BLOCK: usize = 4 * NB;

    #[inline]
    fn encrypt_block(&self, block: &mut [u8]) {
        // `Cfb8` always passes exactly `BLOCK` bytes.
        if block.len() != Self::BLOCK {
            return;
        }
        let [c1, c2, c3] = Self::SHIFTS;
        let mut s = [0u32; NB];
        for ((word, bytes), k) in s
            .iter_mut()
            .zip(block.chunks_exact(4))
            .zip(&self.round_keys[0])
        {
            *word = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) ^ k;
        }
        for round_key in &self.round_keys[1..self.rounds] {
            let mut t = [0u32; NB];
            for (j, out) in t.iter_mut().enumerate() {
                *out = TE[0][(s[j] >> 24) as usize]
                    ^ TE[1][((s[(j + c1) % NB] >> 16) & 0xff) as usize]
                    ^ TE[2][((s[(j + c2) % NB] >> 8) & 0xff) as usize]
                    ^ TE[3][(s[(j + c3) % NB] & 0xff) as usize]
                    ^ round_key[j];
            }
            s = t;
        }
        // The last round has no MixColumns.
        let last = &self.round_keys[self.rounds];
        for (j, bytes) in block.chunks_exact_mut(4).enumerate() {
            let word = u32::from_be_bytes([
                SBOX[(s[j] >> 24) as usize],
                SBOX[((s[(j + c1) % NB] >> 16) & 0xff) as usize],
                SBOX[((s[(j + c2) % NB] >> 8) & 0xff) as usize],
                SBOX[(s[(j + c3) % NB] & 0xff) as usize],
            ]) ^ last[j];
            bytes.copy_from_slice(&word.to_be_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::test_util::{assert_ecb, hex};

    #[test]
    fn sbox_spot_checks() {
        assert_eq!(SBOX[0x00], 0x63);
        assert_eq!(SBOX[0x01], 0x7c);
        assert_eq!(SBOX[0x53], 0xed);
        assert_eq!(SBOX[0xff], 0x16);
    }

    #[test]
    fn fips_197_vectors() {
        // FIPS 197, appendix C.1 and C.3, through both implementations.
        let pt = "00112233445566778899aabbccddeeff";
        let key128: Vec<u8> = (0..16).collect();
        let key256: Vec<u8> = (0..32).collect();
        assert_ecb(
            &Rijndael::<4>::expand(&key128),
            pt,
            "69c4e0d86a7b0430d8cdb78070b4c55a",
        );
        let ct256 = "8ea2b7ca516745bfeafc49904b496089";
        assert_ecb(&Rijndael::<4>::expand(&key256), pt, ct256);
        assert_ecb(&new_128(&key256.try_into().unwrap()), pt, ct256);
    }

    /// Test vectors for every block and key size, from Brian Gladman's "A Specification for
    /// Rijndael, the AES Algorithm": the plaintext and the key are the leading hexadecimal
    /// digits of pi and of e. libmcrypt reproduces all nine.
    #[test]
    fn rijndael_specification_vectors() {
        const PT: &str = "3243f6a8885a308d313198a2e03707344a4093822299f31d0082efa98ec4e6c8";
        const KEY: &str = "2b7e151628aed2a6abf7158809cf4f3c762e7160f38b4da56a784d9045190cfe";
        let cases: [(usize, usize, &str); 9] = [
            (16, 16, "3925841d02dc09fbdc118597196a0b32"),
            (16, 24, "f9fb29aefc384a250340d833b87ebc00"),
            (16, 32, "1a6e6c2c662e7da6501ffb62bc9e93f3"),
            (24, 16, "b24d275489e82bb8f7375e0d5fcdb1f481757c538b65148a"),
            (24, 24, "725ae43b5f3161de806a7c93e0bca93c967ec1ae1b71e1cf"),
            (24, 32, "0ebacf199e3315c2e34b24fcc7c46ef4388aa475d66c194c"),
            (
                32,
                16,
                "7d15479076b69a46ffb3b3beae97ad8313f622f67fedb487de9f06b9ed9c8f19",
            ),
            (
                32,
                24,
                "5d7101727bb25781bf6715b0e6955282b9610e23a43c2eb062699f0ebf5887b2",
            ),
            (
                32,
                32,
                "a49406115dfb30a40418aafa4869b7c6a886ff31602a7dd19c889dc64f7e4e7a",
            ),
        ];
        for (block, key_len, ct) in cases {
            let key = hex(&KEY[..2 * key_len]);
            let pt = &PT[..2 * block];
            match block {
                16 => assert_ecb(&Rijndael::<4>::expand(&key), pt, ct),
                24 => assert_ecb(&Rijndael::<6>::expand(&key), pt, ct),
                _ => assert_ecb(&Rijndael::<8>::expand(&key), pt, ct),
            }
        }
        let key: [u8; 32] = hex(KEY).try_into().unwrap();
        assert_ecb(&new_128(&key), &PT[..32], cases[2].2);
        assert_ecb(&Rijndael192::new(&key), &PT[..48], cases[5].2);
        assert_ecb(&Rijndael256::new(&key), PT, cases[8].2);
    }

    #[test]
    fn libmcrypt_vectors() {
        let key: [u8; 32] = core::array::from_fn(|i| i as u8);
        assert_ecb(
            &Rijndael192::new(&key),
            "00112233445566778899aabbccddeeff1021324354657687",
            "65d851df8d04b5cbb510935fdd1eb17b33efb8cb255ee712",
        );
        assert_ecb(
            &Rijndael256::new(&key),
            "00112233445566778899aabbccddeeff102132435465768798a9bacbdcedfe0f",
            "288fa9d23d00d9dc0a39b33fa92867c6488b5e0f18a6f74c072078ec815462e6",
        );
    }
}
