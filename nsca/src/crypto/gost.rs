//! Method 23, libmcrypt `gost`: GOST 28147-89 as libmcrypt implements it, which no crate does.
//!
//! The cipher is the standard 32-round Feistel network (key words 0..7 three times, then 7..0;
//! round function: add the key word modulo 2^32, substitute each nibble, rotate left by 11), with
//! libmcrypt's own choices around it:
//! - **S-boxes**: those of the GOST R 34.11-94 test parameter set (the ones Applied Cryptography
//!   prints), but applied in reverse order, S-box 1 on the most significant nibble and S-box 8 on
//!   the least, and with a typo: the last entry of S-box 8 is 2 where the parameter set has 12.
//!   That box is therefore not a permutation; libmcrypt encrypts with it all the same, and so
//!   must we.
//! - **Byte order**: the 32-byte key is read as eight little-endian words, the block as two
//!   big-endian words; the first block word enters the round function first, and the output is
//!   the last two round values in reverse order.
//!
//! The round structure is checked against the published Magma vector (GOST R 34.12-2015 /
//! RFC 8891, the same network with other S-boxes and byte order), the libmcrypt variant against
//! libmcrypt.

use super::BlockEncrypt;

/// Substitution rows by nibble position: `rows[i]` substitutes bits `4i..4i+4`.
type Rows = [[u8; 16]; 8];

/// libmcrypt's rows: the test parameter set's S-boxes 8 (with libmcrypt's typo in its last entry),
/// 7, 6, ... 1, from the least significant nibble up.
const LIBMCRYPT_ROWS: Rows = [
    [1, 15, 13, 0, 5, 7, 10, 4, 9, 2, 3, 14, 6, 11, 8, 2],
    [13, 11, 4, 1, 3, 15, 5, 9, 0, 10, 14, 7, 6, 8, 2, 12],
    [4, 11, 10, 0, 7, 2, 1, 13, 3, 6, 8, 5, 9, 12, 15, 14],
    [6, 12, 7, 1, 5, 15, 13, 8, 4, 10, 9, 14, 0, 3, 11, 2],
    [7, 13, 10, 1, 0, 8, 9, 15, 14, 4, 6, 12, 11, 2, 5, 3],
    [5, 8, 1, 13, 10, 3, 4, 2, 14, 15, 12, 7, 6, 0, 9, 11],
    [14, 11, 4, 12, 6, 13, 15, 10, 2, 3, 8, 1, 0, 7, 5, 9],
    [4, 10, 9, 2, 13, 8, 0, 14, 6, 11, 1, 12, 7, 15, 5, 3],
];

/// The substitution and the rotation by 11 for each byte of a word: `f(x)` is the XOR of
/// `table[b][byte b of x]` over the four bytes (rotation is linear, so it distributes).
type Table = [[u32; 256]; 4];

const fn table(rows: &Rows) -> Table {
    let mut t = [[0u32; 256]; 4];
    let mut b = 0;
    while b < 4 {
        let mut x = 0;
        while x < 256 {
            let lo = rows[2 * b][x & 15] as u32;
            let hi = rows[2 * b + 1][x >> 4] as u32;
            t[b][x] = ((hi << 4 | lo) << (8 * b)).rotate_left(11);
            x += 1;
        }
        b += 1;
    }
    t
}

static LIBMCRYPT_TABLE: Table = table(&LIBMCRYPT_ROWS);

/// The round function: substitute, rotate left by 11 (the key word is already added).
///
/// The four table values have disjoint bits (each byte's substitution, rotated), so OR and ADD
/// combine them as XOR would; mixing them keeps the compiler from chaining the three
/// combinations one after the other, which matters on the path from one round to the next.
#[inline(always)]
fn f(t: &Table, x: u32) -> u32 {
    let [b0, b1, b2, b3] = x.to_le_bytes();
    (t[0][usize::from(b0)] | t[1][usize::from(b1)])
        .wrapping_add(t[2][usize::from(b2)] | t[3][usize::from(b3)])
}

/// The 32 rounds. `n1` enters the round function first; returns the output words in order.
#[inline(always)]
fn rounds(t: &Table, k: &[u32; 8], mut n1: u32, mut n2: u32) -> (u32, u32) {
    for _ in 0..3 {
        for pair in k.chunks_exact(2) {
            n2 ^= f(t, n1.wrapping_add(pair[0]));
            n1 ^= f(t, n2.wrapping_add(pair[1]));
        }
    }
    for pair in k.rchunks_exact(2) {
        n2 ^= f(t, n1.wrapping_add(pair[1]));
        n1 ^= f(t, n2.wrapping_add(pair[0]));
    }
    (n2, n1)
}

/// libmcrypt's GOST with its key loaded.
#[derive(Clone)]
pub(crate) struct Gost {
    key: [u32; 8],
}

impl Gost {
    /// GOST keyed with the 32 bytes NSCA passes.
    pub(crate) fn new(key: &[u8; 32]) -> Self {
        Self {
            key: core::array::from_fn(|i| {
                u32::from_le_bytes([key[4 * i], key[4 * i + 1], key[4 * i + 2], key[4 * i + 3]])
            }),
        }
    }
}

impl BlockEncrypt for Gost {
    const BLOCK: usize = 8;

    #[inline]
    fn encrypt_block(&self, block: &mut [u8]) {
        // `Cfb8` always passes exactly `BLOCK` bytes.
        let Ok(bytes) = <&mut [u8; 8]>::try_from(block) else {
            return;
        };
        let n1 = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        let n2 = u32::from_be_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
        let (a, b) = rounds(&LIBMCRYPT_TABLE, &self.key, n1, n2);
        bytes[..4].copy_from_slice(&a.to_be_bytes());
        bytes[4..].copy_from_slice(&b.to_be_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::test_util::{assert_ecb, hex};

    /// The S-boxes of GOST R 34.12-2015 (Magma), least significant nibble first.
    const MAGMA_ROWS: Rows = [
        [12, 4, 6, 2, 10, 5, 11, 9, 14, 8, 13, 7, 0, 3, 15, 1],
        [6, 8, 2, 3, 9, 10, 5, 12, 1, 14, 4, 7, 11, 13, 0, 15],
        [11, 3, 5, 8, 2, 15, 10, 13, 14, 1, 7, 4, 12, 9, 6, 0],
        [12, 8, 2, 1, 13, 4, 15, 6, 7, 0, 10, 5, 3, 14, 9, 11],
        [7, 15, 5, 10, 8, 1, 6, 13, 0, 9, 3, 14, 11, 4, 2, 12],
        [5, 13, 15, 6, 9, 2, 12, 10, 11, 7, 8, 1, 4, 3, 14, 0],
        [8, 14, 2, 5, 6, 9, 1, 12, 15, 4, 11, 0, 13, 10, 3, 7],
        [1, 7, 14, 13, 0, 5, 8, 3, 4, 15, 10, 6, 9, 12, 11, 2],
    ];

    #[test]
    fn magma_vector_through_the_same_rounds() {
        // RFC 8891, appendix A.3: Magma's key words are big-endian, and its block is a1 || a0
        // with a0 (the second word) entering the round function first.
        let key = hex("ffeeddccbbaa99887766554433221100f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
        let k: [u32; 8] =
            core::array::from_fn(|i| u32::from_be_bytes(key[4 * i..4 * i + 4].try_into().unwrap()));
        let t = table(&MAGMA_ROWS);
        let (a, b) = rounds(&t, &k, 0x7654_3210, 0xfedc_ba98);
        assert_eq!((b, a), (0x4ee9_01e5, 0xc2d8_ca3d));
    }

    #[test]
    fn libmcrypt_sbox_typo_is_kept() {
        // The box on the lowest nibble maps both 9 and 15 to 2 and nothing to 12.
        assert_eq!(LIBMCRYPT_ROWS[0][9], 2);
        assert_eq!(LIBMCRYPT_ROWS[0][15], 2);
        assert!(!LIBMCRYPT_ROWS[0].contains(&12));
    }

    #[test]
    fn libmcrypt_vectors() {
        let key: [u8; 32] = core::array::from_fn(|i| i as u8);
        assert_ecb(&Gost::new(&key), "0011223344556677", "4c10210a02975e84");
        // Low nibbles of 0xf reach the mistyped entry in the first round.
        let key = [0u8; 32];
        let expect = "79f832b2724e2cdd";
        assert_ecb(&Gost::new(&key), "0000000f0000000f", expect);
    }
}
