//! Method 10, libmcrypt `loki97`: LOKI97 (Brown and Pieprzyk, AES submission, 1998) with a
//! 256-bit key, implemented here from the specification; no crate implements it.
//!
//! The algorithm is the specification's. libmcrypt differs only in byte order: it reads the key
//! and each block as 32-bit **little-endian** words and puts each 64-bit value together from two
//! of them, high word first, where the specification reads 64-bit big-endian values. Put
//! differently, libmcrypt's bytes are the specification's with every 4-byte group reversed.
//!
//! The S-boxes and the bit permutation are built at compile time; the round function uses them
//! as lookup tables (S1: 8 KiB, S2: 2 KiB, the permutation: 16 KiB).

use super::BlockEncrypt;

/// `floor((sqrt(5) - 1) * 2^63)`, the key schedule constant.
const DELTA: u64 = 0x9e37_79b9_7f4a_7c15;

/// Rounds of the cipher.
const ROUNDS: usize = 16;

/// `x * y` in GF(2^bits) modulo `poly`.
const fn gf_mul(mut x: u32, mut y: u32, poly: u32, bits: u32) -> u32 {
    let mut r = 0;
    while y != 0 {
        if y & 1 != 0 {
            r ^= x;
        }
        y >>= 1;
        x <<= 1;
        if x & (1 << bits) != 0 {
            x ^= poly;
        }
    }
    r
}

/// `S(x) = ((x XOR all-ones)^3 mod poly) & 0xff` over `2^bits` inputs.
const fn sbox<const N: usize>(poly: u32, bits: u32) -> [u8; N] {
    let mut s = [0u8; N];
    let mut x = 0;
    while x < N {
        let y = (x as u32) ^ ((1 << bits) - 1);
        s[x] = (gf_mul(gf_mul(y, y, poly, bits), y, poly, bits) & 0xff) as u8;
        x += 1;
    }
    s
}

/// S1: 13-bit input, GF(2^13) modulo x^13 + x^11 + x^8 + x^4 + 1 (0x2911).
static S1: [u8; 1 << 13] = sbox(0x2911, 13);
/// S2: 11-bit input, GF(2^11) modulo x^11 + x^9 + x^7 + x^2 + x + 1 (0xaa7).
static S2: [u8; 1 << 11] = sbox(0xaa7, 11);

/// The permutation P, by input byte: `PERM[a][v]` is P applied to byte `v` in byte position `a`
/// (0 = most significant). P sends input bit `63 - (8a + b)` to output bit `56 + a - 8b`: a
/// transpose of the 8x8 bit matrix.
static PERM: [[u64; 256]; 8] = {
    let mut t = [[0u64; 256]; 8];
    let mut a = 0;
    while a < 8 {
        let mut v = 0;
        while v < 256 {
            let mut out = 0u64;
            let mut b = 0;
            while b < 8 {
                if (v >> (7 - b)) & 1 != 0 {
                    out |= 1 << (56 + a - 8 * b);
                }
                b += 1;
            }
            t[a][v] = out;
            v += 1;
        }
        a += 1;
    }
    t
};

/// The round function `f(A, B) = Sb(P(Sa(E(KP(A, B)))), B)`.
#[inline(always)]
fn f(a: u64, b: u64) -> u64 {
    // KP: swap the bits of A's two halves where the low half of B has a one.
    let mask = b & 0xffff_ffff;
    let swap = ((a >> 32) ^ a) & mask;
    let a = a ^ swap ^ (swap << 32);
    // E and Sa: eight overlapping groups of 13 or 11 bits, through S1 or S2.
    let s1 = |x: u64| u64::from(S1[(x & 0x1fff) as usize]);
    let s2 = |x: u64| u64::from(S2[(x & 0x7ff) as usize]);
    let sa = [
        s1(a.rotate_left(8)),
        s2(a >> 48),
        s1(a >> 40),
        s2(a >> 32),
        s2(a >> 24),
        s1(a >> 16),
        s2(a >> 8),
        s1(a),
    ];
    // P. The eight table values have disjoint bits, so OR and ADD both combine them; mixing
    // the two keeps the combination a tree rather than a chain of seven.
    let pm = |i: usize| PERM[i][sa[i] as usize];
    let p = ((pm(0) | pm(1)) + (pm(2) | pm(3))) | ((pm(4) | pm(5)) + (pm(6) | pm(7)));
    // Sb: each byte of P's output with 3 or 5 more bits from the high half of B.
    let byte = |k: u32| (p >> (56 - 8 * k)) & 0xff;
    (((s2(((b >> 61) << 8) | byte(0)) << 56) | (s2(((b >> 58) << 8) | byte(1)) << 48))
        + ((s1(((b >> 53) << 8) | byte(2)) << 40) | (s1(((b >> 48) << 8) | byte(3)) << 32)))
        | (((s2(((b >> 45) << 8) | byte(4)) << 24) | (s2(((b >> 42) << 8) | byte(5)) << 16))
            + ((s1(((b >> 37) << 8) | byte(6)) << 8) | s1(((b >> 32) << 8) | byte(7))))
}

/// LOKI97 with its 48 subkeys computed.
#[derive(Clone)]
pub(crate) struct Loki97 {
    subkeys: [u64; 3 * ROUNDS],
}

/// A 64-bit value in libmcrypt's order: two little-endian 32-bit words, high word first.
fn load(bytes: &[u8]) -> u64 {
    let word = |i: usize| {
        u64::from(u32::from_le_bytes([
            bytes[i],
            bytes[i + 1],
            bytes[i + 2],
            bytes[i + 3],
        ]))
    };
    (word(0) << 32) | word(4)
}

/// The inverse of [`load`].
fn store(value: u64, bytes: &mut [u8]) {
    bytes[..4].copy_from_slice(&((value >> 32) as u32).to_le_bytes());
    bytes[4..8].copy_from_slice(&(value as u32).to_le_bytes());
}

impl Loki97 {
    /// LOKI97 keyed with the 32 bytes NSCA passes, in libmcrypt's byte order.
    pub(crate) fn new(key: &[u8; 32]) -> Self {
        Self::from_words([
            load(&key[0..8]),
            load(&key[8..16]),
            load(&key[16..24]),
            load(&key[24..32]),
        ])
    }

    /// The key schedule for the 256-bit key `[Ka, Kb, Kc, Kd]`.
    fn from_words([ka, kb, kc, kd]: [u64; 4]) -> Self {
        let (mut k4, mut k3, mut k2, mut k1) = (ka, kb, kc, kd);
        let mut subkeys = [0u64; 3 * ROUNDS];
        let mut delta_i = 0u64;
        for sk in &mut subkeys {
            delta_i = delta_i.wrapping_add(DELTA);
            let next = k4 ^ f(k1.wrapping_add(k3).wrapping_add(delta_i), k2);
            *sk = next;
            (k4, k3, k2, k1) = (k3, k2, k1, next);
        }
        Self { subkeys }
    }

    /// Encrypts the block `[L, R]`.
    #[inline]
    fn encrypt_words(&self, mut l: u64, mut r: u64) -> (u64, u64) {
        for sk in self.subkeys.chunks_exact(3) {
            let t = r.wrapping_add(sk[0]);
            (l, r) = (t.wrapping_add(sk[2]), l ^ f(t, sk[1]));
        }
        (r, l)
    }
}

impl BlockEncrypt for Loki97 {
    const BLOCK: usize = 16;

    #[inline]
    fn encrypt_block(&self, block: &mut [u8]) {
        // `Cfb8` always passes exactly `BLOCK` bytes.
        let Ok(bytes) = <&mut [u8; 16]>::try_from(block) else {
            return;
        };
        let (l, r) = self.encrypt_words(load(&bytes[..8]), load(&bytes[8..]));
        store(l, &mut bytes[..8]);
        store(r, &mut bytes[8..]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::test_util::assert_ecb;

    #[test]
    fn specification_vector() {
        // The LOKI97 specification's test triple, in its own (big-endian) byte order.
        let be = |b: [u8; 8]| u64::from_be_bytes(b);
        let key: [u64; 4] =
            core::array::from_fn(|i| be(core::array::from_fn(|j| (8 * i + j) as u8)));
        let c = Loki97::from_words(key);
        let (l, r) = c.encrypt_words(0x0001_0203_0405_0607, 0x0809_0a0b_0c0d_0e0f);
        assert_eq!((l, r), (0x7508_0e35_9f10_fe64, 0x0144_b35c_5712_8dad));
    }

    #[test]
    fn permutation_is_a_bit_transpose() {
        // Input bit 63 goes to output bit 56, input bit 0 to output bit 7.
        assert_eq!(PERM[0][0x80], 1 << 56);
        assert_eq!(PERM[7][0x01], 1 << 7);
        let all: u64 = PERM.iter().map(|t| t[0xff]).fold(0, |a, b| a | b);
        assert_eq!(all, u64::MAX);
    }

    #[test]
    fn libmcrypt_vectors() {
        // The specification's triple in libmcrypt's byte order (every 4-byte group reversed),
        // and libmcrypt's own output for another block.
        let key: [u8; 32] = core::array::from_fn(|i| (i / 4 * 4 + 3 - i % 4) as u8);
        let c = Loki97::new(&key);
        let pt = "03020100070605040b0a09080f0e0d0c";
        assert_ecb(&c, pt, "350e087564fe109f5cb34401ad8d1257");
        let key: [u8; 32] = core::array::from_fn(|i| i as u8);
        let c = Loki97::new(&key);
        assert_ecb(
            &c,
            "000102030405060708090a0b0c0d0e0f",
            "5014420d7cdda0f42cb9b9b8f56f8d7a",
        );
        assert_ecb(
            &c,
            "00112233445566778899aabbccddeeff",
            "6a5c350adb439b041fb8dc4bf9db019d",
        );
    }
}
