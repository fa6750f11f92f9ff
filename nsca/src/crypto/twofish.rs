//! Method 9, libmcrypt `twofish`: Twofish (Schneier et al., AES submission, 1998) with a 32-byte
//! key, implemented here from the specification. libmcrypt's Twofish is the standard one.
//!
//! The `twofish` crate matches it too, but computes the key-dependent S-boxes for every block
//! (about 6 µs per block, 40 packets a second in CFB-8). This implementation does the "full
//! keying" of the specification instead: the key schedule folds the key-dependent S-boxes and the
//! MDS matrix into four 256-entry tables, so the function g costs four lookups.

use super::BlockEncrypt;

/// The 4-bit permutations from which q0 and q1 are built (`T[q][i]` is t_i of q).
const T: [[[u8; 16]; 4]; 2] = [
    [
        [8, 1, 7, 13, 6, 15, 3, 2, 0, 11, 5, 9, 14, 12, 10, 4],
        [14, 12, 11, 8, 1, 2, 3, 5, 15, 4, 10, 6, 7, 0, 9, 13],
        [11, 10, 5, 14, 6, 13, 9, 0, 12, 8, 15, 3, 2, 4, 7, 1],
        [13, 7, 15, 4, 1, 2, 6, 14, 9, 11, 3, 0, 8, 5, 12, 10],
    ],
    [
        [2, 8, 11, 13, 15, 7, 6, 14, 3, 1, 9, 4, 0, 10, 12, 5],
        [1, 14, 2, 11, 4, 12, 3, 7, 6, 13, 10, 5, 15, 9, 0, 8],
        [4, 12, 7, 5, 1, 6, 9, 10, 0, 14, 13, 8, 2, 11, 3, 15],
        [11, 9, 5, 1, 12, 3, 13, 14, 6, 4, 7, 15, 2, 0, 8, 10],
    ],
];

/// The fixed permutations q0 (`Q[0]`) and q1 (`Q[1]`).
const Q: [[u8; 256]; 2] = {
    const fn ror4(x: u8) -> u8 {
        ((x >> 1) | (x << 3)) & 15
    }
    let mut q = [[0u8; 256]; 2];
    let mut which = 0;
    while which < 2 {
        let t = &T[which];
        let mut x = 0;
        while x < 256 {
            let (a0, b0) = ((x >> 4) as u8, (x & 15) as u8);
            let (a1, b1) = (a0 ^ b0, a0 ^ ror4(b0) ^ ((a0 << 3) & 15));
            let (a2, b2) = (t[0][a1 as usize], t[1][b1 as usize]);
            let (a3, b3) = (a2 ^ b2, a2 ^ ror4(b2) ^ ((a2 << 3) & 15));
            let (a4, b4) = (t[2][a3 as usize], t[3][b3 as usize]);
            q[which][x] = (b4 << 4) | a4;
            x += 1;
        }
        which += 1;
    }
    q
};

/// Multiplication in GF(2^8) modulo `poly` (with its x^8 term).
const fn gf_mul(mut a: u8, mut b: u8, poly: u16) -> u8 {
    let mut r = 0u8;
    while b != 0 {
        if b & 1 != 0 {
            r ^= a;
        }
        b >>= 1;
        let carry = a & 0x80 != 0;
        a <<= 1;
        if carry {
            a ^= (poly & 0xff) as u8;
        }
    }
    r
}

/// The MDS matrix, over GF(2^8) modulo x^8 + x^6 + x^5 + x^3 + 1.
const MDS: [[u8; 4]; 4] = [
    [0x01, 0xef, 0x5b, 0x5b],
    [0x5b, 0xef, 0xef, 0x01],
    [0xef, 0x5b, 0x01, 0xef],
    [0xef, 0x01, 0xef, 0x5b],
];
const MDS_POLY: u16 = 0x169;

/// The Reed-Solomon matrix of the key schedule, over GF(2^8) modulo x^8 + x^6 + x^3 + x^2 + 1.
const RS: [[u8; 8]; 4] = [
    [0x01, 0xa4, 0x55, 0x87, 0x5a, 0x58, 0xdb, 0x9e],
    [0xa4, 0x56, 0x82, 0xf3, 0x1e, 0xc6, 0x68, 0xe5],
    [0x02, 0xa1, 0xfc, 0xc1, 0x47, 0xae, 0x3d, 0x19],
    [0xa4, 0x55, 0x87, 0x5a, 0x58, 0xdb, 0x9e, 0x03],
];
const RS_POLY: u16 = 0x14d;

/// Column `j` of the MDS matrix times `y`, as a little-endian word.
fn mds_column(j: usize, y: u8) -> u32 {
    u32::from_le_bytes(core::array::from_fn(|i| gf_mul(MDS[i][j], y, MDS_POLY)))
}

/// Which q each stage of h applies to byte position 0..3, from the stage for `L[3]` (256-bit
/// keys only) down to the last one.
const Q_ORDER: [[usize; 4]; 5] = [
    [1, 0, 0, 1], // before XOR with L[3]
    [1, 1, 0, 0], // before XOR with L[2]
    [0, 1, 0, 1], // before XOR with L[1]
    [0, 0, 1, 1], // before XOR with L[0]
    [1, 0, 1, 0], // last
];

/// The byte substitution of h for byte position `j`, without the MDS matrix: `l` holds the
/// list words L[0..k].
fn h_byte(j: usize, x: u8, l: &[u32]) -> u8 {
    let byte = |w: u32| w.to_le_bytes()[j];
    let k = l.len();
    let mut y = x;
    // Stages for L[k-1] down to L[0]; longer keys add stages at the front.
    for (stage, order) in Q_ORDER[..4].iter().enumerate().skip(4 - k) {
        y = Q[order[j]][usize::from(y)] ^ byte(l[3 - stage]);
    }
    Q[Q_ORDER[4][j]][usize::from(y)]
}

/// The function h of the specification.
fn h(x: u32, l: &[u32]) -> u32 {
    let bytes = x.to_le_bytes();
    (0..4).fold(0, |acc, j| acc ^ mds_column(j, h_byte(j, bytes[j], l)))
}

/// Twofish with its key schedule done: 40 subkeys and the key-dependent tables of g.
#[derive(Clone)]
pub(crate) struct Twofish {
    subkeys: [u32; 40],
    /// `g(X) = G[0][X.b0] ^ G[1][X.b1] ^ G[2][X.b2] ^ G[3][X.b3]`.
    g: [[u32; 256]; 4],
}

impl Twofish {
    /// Twofish keyed with the 32 bytes NSCA passes.
    pub(crate) fn new(key: &[u8; 32]) -> Self {
        Self::with_key(key)
    }

    /// The key schedule for a key of 16, 24 or 32 bytes.
    fn with_key(key: &[u8]) -> Self {
        debug_assert!(matches!(key.len(), 16 | 24 | 32));
        let k = key.len() / 8;
        let m: Vec<u32> = key
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        let even: Vec<u32> = m.iter().step_by(2).copied().collect();
        let odd: Vec<u32> = m.iter().skip(1).step_by(2).copied().collect();
        // S_i = RS * key bytes 8i..8i+8, used in reverse order: L = (S_(k-1), ..., S_0).
        let mut s: Vec<u32> = key
            .chunks_exact(8)
            .map(|c| {
                u32::from_le_bytes(core::array::from_fn(|row| {
                    (0..8).fold(0, |acc, col| acc ^ gf_mul(RS[row][col], c[col], RS_POLY))
                }))
            })
            .collect();
        s.reverse();
        debug_assert_eq!(s.len(), k);

        const RHO: u32 = 0x0101_0101;
        let mut subkeys = [0u32; 40];
        for (i, pair) in (0u32..).zip(subkeys.chunks_exact_mut(2)) {
            let a = h(2 * i * RHO, &even);
            let b = h((2 * i + 1) * RHO, &odd).rotate_left(8);
            pair[0] = a.wrapping_add(b);
            pair[1] = a.wrapping_add(b.wrapping_mul(2)).rotate_left(9);
        }
        let mut g = [[0u32; 256]; 4];
        for (j, table) in g.iter_mut().enumerate() {
            for (x, entry) in (0u8..=255).zip(table.iter_mut()) {
                *entry = mds_column(j, h_byte(j, x, &s));
            }
        }
        Self { subkeys, g }
    }

    #[inline(always)]
    fn g(&self, x: u32) -> u32 {
        let [b0, b1, b2, b3] = x.to_le_bytes();
        self.g[0][usize::from(b0)]
            ^ self.g[1][usize::from(b1)]
            ^ self.g[2][usize::from(b2)]
            ^ self.g[3][usize::from(b3)]
    }

    #[inline(always)]
    fn encrypt_words(&self, w: [u32; 4]) -> [u32; 4] {
        let k = &self.subkeys;
        let [mut r0, mut r1, mut r2, mut r3] = [w[0] ^ k[0], w[1] ^ k[1], w[2] ^ k[2], w[3] ^ k[3]];
        // Two rounds per step, so the halves swap back in place.
        for round in k[8..].chunks_exact(4) {
            let t0 = self.g(r0);
            let t1 = self.g(r1.rotate_left(8));
            r2 = (r2 ^ t0.wrapping_add(t1).wrapping_add(round[0])).rotate_right(1);
            r3 = r3.rotate_left(1) ^ t0.wrapping_add(t1.wrapping_mul(2)).wrapping_add(round[1]);
            let t0 = self.g(r2);
            let t1 = self.g(r3.rotate_left(8));
            r0 = (r0 ^ t0.wrapping_add(t1).wrapping_add(round[2])).rotate_right(1);
            r1 = r1.rotate_left(1) ^ t0.wrapping_add(t1.wrapping_mul(2)).wrapping_add(round[3]);
        }
        [r2 ^ k[4], r3 ^ k[5], r0 ^ k[6], r1 ^ k[7]]
    }
}

impl BlockEncrypt for Twofish {
    const BLOCK: usize = 16;

    #[inline]
    fn encrypt_block(&self, block: &mut [u8]) {
        // `Cfb8` always passes exactly `BLOCK` bytes.
        let Ok(bytes) = <&mut [u8; 16]>::try_from(block) else {
            return;
        };
        let w = core::array::from_fn(|i| {
            u32::from_le_bytes([
                bytes[4 * i],
                bytes[4 * i + 1],
                bytes[4 * i + 2],
                bytes[4 * i + 3],
            ])
        });
        for (chunk, word) in bytes.chunks_exact_mut(4).zip(self.encrypt_words(w)) {
            chunk.copy_from_slice(&word.to_le_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::test_util::{assert_ecb, hex};

    #[test]
    fn q_tables_start_as_published() {
        assert_eq!(&Q[0][..4], &[0xa9, 0x67, 0xb3, 0xe8]);
        assert_eq!(&Q[1][..4], &[0x75, 0xf3, 0xc6, 0xf4]);
    }

    /// The Twofish paper's vectors (appendix A) for the three key sizes; libmcrypt gives the
    /// same.
    #[test]
    fn published_vectors() {
        let zero = "00".repeat(16);
        let cases = [
            ("00".repeat(16), "9f589f5cf6122c32b6bfec2f2ae8c35a"),
            (
                "0123456789abcdeffedcba98765432100011223344556677".to_owned(),
                "cfd1d2e5a9be9cdf501f13b892bd2248",
            ),
            (
                "0123456789abcdeffedcba987654321000112233445566778899aabbccddeeff".to_owned(),
                "37527be0052334b89f0cfccae87cfa20",
            ),
            ("00".repeat(32), "57ff739d4dc92c1bd7fc01700cc8216f"),
        ];
        for (key, ct) in cases {
            assert_ecb(&Twofish::with_key(&hex(&key)), &zero, ct);
        }
    }

    #[test]
    fn libmcrypt_vector() {
        let key: [u8; 32] = core::array::from_fn(|i| i as u8);
        let c = Twofish::new(&key);
        assert_ecb(
            &c,
            "00112233445566778899aabbccddeeff",
            "b7b5fb57ec446a11cbb7e6292342537b",
        );
    }
}
