//! DES (FIPS 46-3), the core of method 2 (libmcrypt `des`) and method 3 (`tripledes`).
//!
//! libmcrypt's DES is the standard one (8-byte key, parity bits ignored), so any correct DES
//! matches it. This one is implemented here for speed, because CFB-8 runs one block encryption
//! per byte: the S-boxes and the P permutation are merged into eight 64-entry tables built at
//! compile time, the expansion E is done with two rotations per round, and the initial and final
//! permutations with five delta swaps each. Triple DES runs its three passes between a single
//! initial and a single final permutation (the ones in between cancel). In CFB-8, where the
//! block is a shift register, neither permutation runs per byte: the register is kept permuted
//! (see [`cfb8_encrypt`]).

use super::BlockEncrypt;
use super::cfb8::MAX_BLOCK;

/// The S-boxes, S1 to S8, each as 4 rows of 16.
const S: [[[u8; 16]; 4]; 8] = [
    [
        [14, 4, 13, 1, 2, 15, 11, 8, 3, 10, 6, 12, 5, 9, 0, 7],
        [0, 15, 7, 4, 14, 2, 13, 1, 10, 6, 12, 11, 9, 5, 3, 8],
        [4, 1, 14, 8, 13, 6, 2, 11, 15, 12, 9, 7, 3, 10, 5, 0],
        [15, 12, 8, 2, 4, 9, 1, 7, 5, 11, 3, 14, 10, 0, 6, 13],
    ],
    [
        [15, 1, 8, 14, 6, 11, 3, 4, 9, 7, 2, 13, 12, 0, 5, 10],
        [3, 13, 4, 7, 15, 2, 8, 14, 12, 0, 1, 10, 6, 9, 11, 5],
        [0, 14, 7, 11, 10, 4, 13, 1, 5, 8, 12, 6, 9, 3, 2, 15],
        [13, 8, 10, 1, 3, 15, 4, 2, 11, 6, 7, 12, 0, 5, 14, 9],
    ],
    [
        [10, 0, 9, 14, 6, 3, 15, 5, 1, 13, 12, 7, 11, 4, 2, 8],
        [13, 7, 0, 9, 3, 4, 6, 10, 2, 8, 5, 14, 12, 11, 15, 1],
        [13, 6, 4, 9, 8, 15, 3, 0, 11, 1, 2, 12, 5, 10, 14, 7],
        [1, 10, 13, 0, 6, 9, 8, 7, 4, 15, 14, 3, 11, 5, 2, 12],
    ],
    [
        [7, 13, 14, 3, 0, 6, 9, 10, 1, 2, 8, 5, 11, 12, 4, 15],
        [13, 8, 11, 5, 6, 15, 0, 3, 4, 7, 2, 12, 1, 10, 14, 9],
        [10, 6, 9, 0, 12, 11, 7, 13, 15, 1, 3, 14, 5, 2, 8, 4],
        [3, 15, 0, 6, 10, 1, 13, 8, 9, 4, 5, 11, 12, 7, 2, 14],
    ],
    [
        [2, 12, 4, 1, 7, 10, 11, 6, 8, 5, 3, 15, 13, 0, 14, 9],
        [14, 11, 2, 12, 4, 7, 13, 1, 5, 0, 15, 10, 3, 9, 8, 6],
        [4, 2, 1, 11, 10, 13, 7, 8, 15, 9, 12, 5, 6, 3, 0, 14],
        [11, 8, 12, 7, 1, 14, 2, 13, 6, 15, 0, 9, 10, 4, 5, 3],
    ],
    [
        [12, 1, 10, 15, 9, 2, 6, 8, 0, 13, 3, 4, 14, 7, 5, 11],
        [10, 15, 4, 2, 7, 12, 9, 5, 6, 1, 13, 14, 0, 11, 3, 8],
        [9, 14, 15, 5, 2, 8, 12, 3, 7, 0, 4, 10, 1, 13, 11, 6],
        [4, 3, 2, 12, 9, 5, 15, 10, 11, 14, 1, 7, 6, 0, 8, 13],
    ],
    [
        [4, 11, 2, 14, 15, 0, 8, 13, 3, 12, 9, 7, 5, 10, 6, 1],
        [13, 0, 11, 7, 4, 9, 1, 10, 14, 3, 5, 12, 2, 15, 8, 6],
        [1, 4, 11, 13, 12, 3, 7, 14, 10, 15, 6, 8, 0, 5, 9, 2],
        [6, 11, 13, 8, 1, 4, 10, 7, 9, 5, 0, 15, 14, 2, 3, 12],
    ],
    [
        [13, 2, 8, 4, 6, 15, 11, 1, 10, 9, 3, 14, 5, 0, 12, 7],
        [1, 15, 13, 8, 10, 3, 7, 4, 12, 5, 6, 11, 0, 14, 9, 2],
        [7, 11, 4, 1, 9, 12, 14, 2, 0, 6, 10, 13, 15, 3, 5, 8],
        [2, 1, 14, 7, 4, 10, 8, 13, 15, 12, 9, 0, 3, 5, 6, 11],
    ],
];

/// The permutation P (1-based bit numbers, most significant bit first).
const P: [u8; 32] = [
    16, 7, 20, 21, 29, 12, 28, 17, 1, 15, 23, 26, 5, 18, 31, 10, 2, 8, 24, 14, 32, 27, 3, 9, 19,
    13, 30, 6, 22, 11, 4, 25,
];

/// Permuted choice 1: the 56 key bits kept, as C then D.
const PC1: [u8; 56] = [
    57, 49, 41, 33, 25, 17, 9, 1, 58, 50, 42, 34, 26, 18, 10, 2, 59, 51, 43, 35, 27, 19, 11, 3, 60,
    52, 44, 36, 63, 55, 47, 39, 31, 23, 15, 7, 62, 54, 46, 38, 30, 22, 14, 6, 61, 53, 45, 37, 29,
    21, 13, 5, 28, 20, 12, 4,
];

/// Permuted choice 2: the 48 subkey bits from C and D.
const PC2: [u8; 48] = [
    14, 17, 11, 24, 1, 5, 3, 28, 15, 6, 21, 10, 23, 19, 12, 4, 26, 8, 16, 7, 27, 20, 13, 2, 41, 52,
    31, 37, 47, 55, 30, 40, 51, 45, 33, 48, 44, 49, 39, 56, 34, 53, 46, 42, 50, 36, 29, 32,
];

/// Left rotations of C and D before each round.
const SHIFTS: [u32; 16] = [1, 1, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 2, 1];

/// `SP[i][x]`: S-box `i + 1` on the 6-bit input `x`, its 4 bits placed and sent through P, and the
/// result rotated right by one bit (the round state is kept rotated that way; see [`rounds`]).
static SP: [[u32; 64]; 8] = {
    let mut sp = [[0u32; 64]; 8];
    let mut i = 0;
    while i < 8 {
        let mut x = 0;
        while x < 64 {
            let row = ((x >> 4) & 2) | (x & 1);
            let col = (x >> 1) & 15;
            let s = S[i][row][col] as u32;
            let before = s << (28 - 4 * i);
            let mut after = 0u32;
            let mut j = 0;
            while j < 32 {
                // Output bit j + 1 is input bit P[j] (1-based, MSB first).
                after |= ((before >> (32 - P[j] as u32)) & 1) << (31 - j);
                j += 1;
            }
            sp[i][x] = after.rotate_right(1);
            x += 1;
        }
        i += 1;
    }
    sp
};

/// One round's subkey, arranged for [`f`]: the 6-bit groups for S-boxes 1, 3, 5, 7 in bits
/// 31..26, 23..18, 15..10, 7..2 of the first word; those for 2, 4, 6 in bits 27..22, 19..14,
/// 11..6 of the second, and the one for S-box 8 in its bits 3..0 and 31..30 (wrapping).
type Subkey = [u32; 2];

/// The 16 subkeys of one DES key, in encryption order.
fn key_schedule(key: &[u8; 8]) -> [Subkey; 16] {
    let k = u64::from_be_bytes(*key);
    let bit = |x: u64, width: u32, n: u8| (x >> (width - u32::from(n))) & 1;
    let mut cd = 0u64;
    for &n in &PC1 {
        cd = (cd << 1) | bit(k, 64, n);
    }
    let (mut c, mut d) = ((cd >> 28) as u32, (cd & 0x0fff_ffff) as u32);
    let mut out = [[0u32; 2]; 16];
    for (subkey, &shift) in out.iter_mut().zip(&SHIFTS) {
        c = ((c << shift) | (c >> (28 - shift))) & 0x0fff_ffff;
        d = ((d << shift) | (d >> (28 - shift))) & 0x0fff_ffff;
        let cd = (u64::from(c) << 28) | u64::from(d);
        let mut k48 = 0u64;
        for &n in &PC2 {
            k48 = (k48 << 1) | bit(cd, 56, n);
        }
        for group in 0..8 {
            let six = ((k48 >> (42 - 6 * group)) & 63) as u32;
            // Group i sits where the expansion takes its bits from R rotated right by 1.
            subkey[group % 2] |= six.rotate_left((58 - 4 * group as u32) % 32);
        }
    }
    out
}

/// `a`, `b` exchange the bits selected by `mask` in `b` with those `n` places higher in `a`.
#[inline(always)]
const fn delta_swap(a: &mut u32, b: &mut u32, n: u32, mask: u32) {
    let t = ((*a >> n) ^ *b) & mask;
    *b ^= t;
    *a ^= t << n;
}

/// The initial permutation, on the block's two big-endian halves.
#[inline(always)]
const fn initial_permutation(mut l: u32, mut r: u32) -> (u32, u32) {
    delta_swap(&mut l, &mut r, 4, 0x0f0f_0f0f);
    delta_swap(&mut l, &mut r, 16, 0x0000_ffff);
    delta_swap(&mut r, &mut l, 2, 0x3333_3333);
    delta_swap(&mut r, &mut l, 8, 0x00ff_00ff);
    delta_swap(&mut l, &mut r, 1, 0x5555_5555);
    (l, r)
}

/// The final permutation: the initial one undone (each delta swap is its own inverse).
#[inline(always)]
fn final_permutation(mut l: u32, mut r: u32) -> (u32, u32) {
    delta_swap(&mut l, &mut r, 1, 0x5555_5555);
    delta_swap(&mut r, &mut l, 8, 0x00ff_00ff);
    delta_swap(&mut r, &mut l, 2, 0x3333_3333);
    delta_swap(&mut l, &mut r, 16, 0x0000_ffff);
    delta_swap(&mut l, &mut r, 4, 0x0f0f_0f0f);
    (l, r)
}

/// The round function `f(R, K)` on `R` rotated right by 1, with its result rotated likewise.
///
/// The expansion E takes, for S-box `i` (0-based), the 6 bits of `R` starting one bit before bit
/// `4i` (wrapping). With `R` rotated right by 1 they sit at bits `31 - 4i` down to `26 - 4i`:
/// those of S-boxes 1, 3, 5, 7 and 2, 4, 6 come out with a shift and a mask, S-box 8's (which
/// wrap around) with a rotation. So both halves are kept rotated right by 1 throughout the
/// rounds, with `SP` rotated to match, and the subkeys laid out alike.
///
/// Takes `[R ^ K.0, R ^ K.1]`, so that [`rounds`] can fold the next round's key into the half
/// before `f` of this round is known.
///
/// `latency` picks how the eight table values are combined. They have disjoint bits (P sends
/// each S-box's output to its own four bits), so XOR, OR and ADD all combine them alike. For one
/// block at a time (encryption), mixing the three keeps the combination a tree of depth 3: with
/// XOR alone the compiler makes it a chain of 7 dependent XORs, on the critical path from one
/// round to the next. For several blocks in step (decryption), throughput matters instead, and
/// the plain XOR chain, with the loads folded into it, is the shorter code.
#[inline(always)]
fn f([a, b]: [u32; 2], latency: bool) -> u32 {
    let s1 = SP[0][(a >> 26) as usize];
    let s3 = SP[2][(a >> 18) as usize & 63];
    let s5 = SP[4][(a >> 10) as usize & 63];
    let s7 = SP[6][(a >> 2) as usize & 63];
    let s2 = SP[1][(b >> 22) as usize & 63];
    let s4 = SP[3][(b >> 14) as usize & 63];
    let s6 = SP[5][(b >> 6) as usize & 63];
    let s8 = SP[7][b.rotate_left(2) as usize & 63];
    if latency {
        ((s1 ^ s2) | (s3 ^ s4)).wrapping_add((s5 ^ s6) | (s7 ^ s8))
    } else {
        s1 ^ s2 ^ s3 ^ s4 ^ s5 ^ s6 ^ s7 ^ s8
    }
}

/// The 16 rounds of one DES pass on `N` independent blocks at once, `(L[i], R[i])` after the
/// initial permutation and rotated right by 1 (see [`f`]), with the 16 subkeys in the order
/// given; returns the pre-outputs `(R16, L16)`, rotated alike. Running several blocks in step
/// lets their table lookups overlap.
#[inline(always)]
fn rounds<const N: usize>(
    mut l: [u32; N],
    mut r: [u32; N],
    k: &[Subkey; 16],
) -> ([u32; N], [u32; N]) {
    // `x[i]` is the next round's input half XOR its subkey. The next input half is the one
    // being updated, `h ^ f`, so `x = (h ^ key) ^ f`: the key goes in before `f` is known,
    // which keeps one XOR off the chain from one round to the next.
    let mut x = [[0u32; 2]; N];
    for i in 0..N {
        x[i] = [r[i] ^ k[0][0], r[i] ^ k[0][1]];
    }
    // Two rounds per step, so that the halves need no swapping. (The key for "round 16" is
    // round 0's; that last `x` goes unused.)
    for s in 0..8 {
        let (k1, k2) = (k[2 * s + 1], k[(2 * s + 2) % 16]);
        for i in 0..N {
            let fv = f(x[i], N == 1);
            x[i] = [l[i] ^ k1[0] ^ fv, l[i] ^ k1[1] ^ fv];
            l[i] ^= fv;
        }
        for i in 0..N {
            let fv = f(x[i], N == 1);
            x[i] = [r[i] ^ k2[0] ^ fv, r[i] ^ k2[1] ^ fv];
            r[i] ^= fv;
        }
    }
    (r, l)
}

/// The DES passes (one per subkey slice) on `N` blocks at once, from the initial permutation's
/// output to the final permutation's input, neither rotated.
#[inline(always)]
fn run_passes<const N: usize>(
    mut l: [u32; N],
    mut r: [u32; N],
    passes: &[[Subkey; 16]],
) -> ([u32; N], [u32; N]) {
    for i in 0..N {
        l[i] = l[i].rotate_right(1);
        r[i] = r[i].rotate_right(1);
    }
    // Each pass takes the previous one's pre-output as its input: between them, FP then IP
    // would cancel.
    for subkeys in passes {
        (l, r) = rounds(l, r, subkeys);
    }
    for i in 0..N {
        l[i] = l[i].rotate_left(1);
        r[i] = r[i].rotate_left(1);
    }
    (l, r)
}

/// Blocks run in step when decrypting (see [`BlockEncrypt::first_bytes`]).
const LANES: usize = 4;

/// Runs `passes` (one DES pass per subkey slice) on each block, `N` at a time.
#[inline(always)]
fn encrypt_lanes<const N: usize>(blocks: [[u8; 8]; N], passes: &[[Subkey; 16]]) -> [[u8; 8]; N] {
    let mut l = [0u32; N];
    let mut r = [0u32; N];
    for i in 0..N {
        (l[i], r[i]) = initial_permutation_of(&blocks[i]);
    }
    (l, r) = run_passes(l, r, passes);
    core::array::from_fn(|i| {
        let (a, b) = final_permutation(l[i], r[i]);
        let mut out = [0u8; 8];
        out[..4].copy_from_slice(&a.to_be_bytes());
        out[4..].copy_from_slice(&b.to_be_bytes());
        out
    })
}

/// The initial permutation of a block's two big-endian halves.
#[inline(always)]
fn initial_permutation_of(block: &[u8; 8]) -> (u32, u32) {
    let (l, r) = load(block);
    initial_permutation(l, r)
}

/// `BlockEncrypt::first_bytes` for DES with the given passes, `LANES` blocks at a time.
///
/// The blocks are the windows `window[i..i + 8]`, each the previous one shifted by a byte, so
/// only the first goes through the initial permutation; the others are derived from it as in
/// [`cfb8_encrypt`], and the first output bytes gathered from the pre-outputs without the final
/// permutation.
#[inline(always)]
fn first_bytes(window: &[u8], out: &mut [u8], passes: &[[Subkey; 16]]) {
    let mut first = [0u8; 8];
    for (f, w) in first.iter_mut().zip(window) {
        *f = *w;
    }
    let (l, r) = initial_permutation_of(&first);
    // The permuted window `window[next - 8..next]`.
    let mut state = (u64::from(l) << 32) | u64::from(r);
    let mut next = 8;
    let mut advance = |state: &mut u64| {
        let incoming = window.get(next).copied().unwrap_or(0);
        next += 1;
        let permuted = *state;
        *state = shift_in(permuted, incoming);
        permuted
    };
    let mut batches = out.chunks_exact_mut(LANES);
    for batch in &mut batches {
        let states: [u64; LANES] = core::array::from_fn(|_| advance(&mut state));
        let (a, c) = run_passes(
            states.map(|s| (s >> 32) as u32),
            states.map(|s| s as u32),
            passes,
        );
        for (i, o) in batch.iter_mut().enumerate() {
            *o = first_output_byte(a[i], c[i]);
        }
    }
    for o in batches.into_remainder() {
        let s = advance(&mut state);
        let ([a], [c]) = run_passes([(s >> 32) as u32], [s as u32], passes);
        *o = first_output_byte(a, c);
    }
}

/// The lowest bit of each byte of a 64-bit permuted block.
const LOW_BITS: u64 = 0x0101_0101_0101_0101;

/// The permuted register `state` after shifting in `byte`: every bit one place down within its
/// byte, and `byte` on the top bits ([`SPREAD`]).
#[inline(always)]
fn shift_in(state: u64, byte: u8) -> u64 {
    ((state >> 1) & !(LOW_BITS << 7)) ^ SPREAD[usize::from(byte)]
}

/// The first byte of the final permutation of the pre-output `(a, c)` ([`GATHER`]).
#[inline(always)]
fn first_output_byte(a: u32, c: u32) -> u8 {
    let low = ((u64::from(a) << 32) | u64::from(c)) & LOW_BITS;
    (low.wrapping_mul(GATHER) >> 56) as u8
}

/// `SPREAD[c]`: the initial permutation of a block that is zero but for its last byte `c`. It
/// sends bit `j` (from the most significant) of that byte to the top bit of byte `m` of the
/// result, for the `j` of row `m + 1` of FIPS 46's IP table: 1, 3, 5, 7, 0, 2, 4, 6.
static SPREAD: [u64; 256] = {
    let mut t = [0u64; 256];
    let mut c = 0;
    while c < 256 {
        let (l, r) = initial_permutation(0, c as u32);
        t[c] = ((l as u64) << 32) | r as u64;
        c += 1;
    }
    t
};

/// Multiplying the lowest bits of the 8 bytes of a pre-output (`pre & 0x0101..01`) by this
/// gathers them into the top byte as the final permutation orders them: its first output byte
/// has bit `j` (from the most significant) from byte `m` of the pre-output, for the `j` above.
/// (Each product bit lands on its own position, so no carry disturbs the top byte.)
const GATHER: u64 = {
    let j = [1, 3, 5, 7, 0, 2, 4, 6];
    let mut g = 0u64;
    let mut m = 0;
    while m < 8 {
        // From bit 8 * (7 - m) to bit 56 + (7 - j).
        g |= 1 << (8 * m + 7 - j[m]);
        m += 1;
    }
    g
};

/// `BlockEncrypt::cfb8_encrypt` for DES with the given passes.
///
/// The register is kept permuted, as the initial permutation leaves it, from one byte to the
/// next, and the final permutation is never run in the loop. Two facts about DES's IP and FP
/// make that cheap:
/// - shifting the register left by a byte moves every bit of its permutation one place down
///   within its byte, and the byte shifted in lands on the top bits of the 8 bytes
///   ([`SPREAD`]);
/// - the first byte of the output is the lowest bits of the 8 bytes of the pre-output
///   ([`GATHER`]), and the same bits, XORed with the plaintext byte, are what lands on those
///   top bits: `(pre & 0x0101..01) << 7`.
///
/// So from one byte's pre-output to the next byte's permuted register is an AND, a shift and
/// two XORs, where FP, bytes through memory and IP used to be.
#[inline(always)]
fn cfb8_encrypt(register: &mut [u8; MAX_BLOCK], buf: &mut [u8], passes: &[[Subkey; 16]]) {
    let (l, r) = initial_permutation_of(&core::array::from_fn(|i| register[i]));
    let mut state = (u64::from(l) << 32) | u64::from(r);
    for b in buf {
        let ([a], [c]) = run_passes([(state >> 32) as u32], [state as u32], passes);
        let plain = *b;
        *b = plain ^ first_output_byte(a, c);
        // `shift_in(state, *b)`, with the key byte's part of `SPREAD[*b]` taken straight from
        // the pre-output, so that the chain does not wait for the gathering multiply.
        let low = ((u64::from(a) << 32) | u64::from(c)) & LOW_BITS;
        state = shift_in(state, plain) ^ (low << 7);
    }
    let (a, c) = final_permutation((state >> 32) as u32, state as u32);
    register[..4].copy_from_slice(&a.to_be_bytes());
    register[4..8].copy_from_slice(&c.to_be_bytes());
}

/// The block's two big-endian halves.
#[inline(always)]
fn load(block: &[u8; 8]) -> (u32, u32) {
    (
        u32::from_be_bytes([block[0], block[1], block[2], block[3]]),
        u32::from_be_bytes([block[4], block[5], block[6], block[7]]),
    )
}

/// Method 2: single DES with its key schedule done.
#[cfg(feature = "des")]
#[derive(Clone)]
pub(crate) struct Des {
    subkeys: [Subkey; 16],
}

#[cfg(feature = "des")]
impl Des {
    /// DES keyed with the 8 bytes NSCA passes.
    pub(crate) fn new(key: &[u8; 8]) -> Self {
        Self {
            subkeys: key_schedule(key),
        }
    }
}

#[cfg(feature = "des")]
impl BlockEncrypt for Des {
    const BLOCK: usize = 8;

    #[inline]
    fn encrypt_block(&self, block: &mut [u8]) {
        // `Cfb8` always passes exactly `BLOCK` bytes.
        let Ok(bytes) = <&mut [u8; 8]>::try_from(block) else {
            return;
        };
        [*bytes] = encrypt_lanes([*bytes], core::slice::from_ref(&self.subkeys));
    }

    #[inline]
    fn first_bytes(&self, window: &[u8], out: &mut [u8]) {
        first_bytes(window, out, core::slice::from_ref(&self.subkeys));
    }

    #[inline]
    fn cfb8_encrypt(&self, register: &mut [u8; MAX_BLOCK], buf: &mut [u8]) {
        cfb8_encrypt(register, buf, core::slice::from_ref(&self.subkeys));
    }
}

/// Method 3: three-key Triple DES, encrypt-decrypt-encrypt, with the 24-byte key read as
/// K1 ‖ K2 ‖ K3 (libmcrypt `tripledes`, as the `des` crate's `TdesEde3`).
///
/// NSCA pads a short password with zero bytes, so any password of 8 bytes or fewer gives
/// K2 = K3 = 0. When two adjacent keys are the same DES key (equal but for the parity bits, which
/// DES ignores), their encryption and decryption cancel, and Triple DES is single DES with the
/// remaining key: E(K3, D(K2, E(K1, x))) = E(K1, x) if K2 ≡ K3, = E(K3, x) if K1 ≡ K2. This
/// type then runs the one pass that matters, three times faster and with the same bytes.
#[cfg(feature = "tripledes")]
#[derive(Clone)]
pub(crate) struct TripleDes {
    /// K1's subkeys forwards, K2's backwards (decryption), K3's forwards.
    passes: [[Subkey; 16]; 3],
    /// The passes that change the block: `0..3`, or the one left when two cancel.
    first: usize,
    end: usize,
}

#[cfg(feature = "tripledes")]
impl TripleDes {
    /// Triple DES keyed with the 24 bytes NSCA passes.
    pub(crate) fn new(key: &[u8; 24]) -> Self {
        let part = |i: usize| {
            let mut k = [0u8; 8];
            k.copy_from_slice(&key[8 * i..8 * i + 8]);
            key_schedule(&k)
        };
        let (k1, mut k2, k3) = (part(0), part(1), part(2));
        // Equal key schedules are the same DES permutation (the schedule drops the parity bits).
        let (first, end) = if k2 == k3 {
            (0, 1)
        } else if k1 == k2 {
            (2, 3)
        } else {
            (0, 3)
        };
        k2.reverse();
        // Between the passes, FP then IP cancel: each pass takes the previous one's pre-output
        // as its input.
        Self {
            passes: [k1, k2, k3],
            first,
            end,
        }
    }

    /// The passes to run.
    #[inline(always)]
    fn passes(&self) -> &[[Subkey; 16]] {
        &self.passes[self.first..self.end]
    }
}

#[cfg(feature = "tripledes")]
impl BlockEncrypt for TripleDes {
    const BLOCK: usize = 8;

    #[inline]
    fn encrypt_block(&self, block: &mut [u8]) {
        // `Cfb8` always passes exactly `BLOCK` bytes.
        let Ok(bytes) = <&mut [u8; 8]>::try_from(block) else {
            return;
        };
        [*bytes] = encrypt_lanes([*bytes], self.passes());
    }

    #[inline]
    fn first_bytes(&self, window: &[u8], out: &mut [u8]) {
        first_bytes(window, out, self.passes());
    }

    #[inline]
    fn cfb8_encrypt(&self, register: &mut [u8; MAX_BLOCK], buf: &mut [u8]) {
        cfb8_encrypt(register, buf, self.passes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// FIPS 46 table IP, for checking the delta swaps.
    const IP: [u8; 64] = [
        58, 50, 42, 34, 26, 18, 10, 2, 60, 52, 44, 36, 28, 20, 12, 4, 62, 54, 46, 38, 30, 22, 14,
        6, 64, 56, 48, 40, 32, 24, 16, 8, 57, 49, 41, 33, 25, 17, 9, 1, 59, 51, 43, 35, 27, 19, 11,
        3, 61, 53, 45, 37, 29, 21, 13, 5, 63, 55, 47, 39, 31, 23, 15, 7,
    ];

    #[test]
    fn delta_swaps_are_the_fips_permutations() {
        let mut x = 0x0123_4567_89ab_cdefu64;
        for _ in 0..64 {
            let mut want = 0u64;
            for &n in &IP {
                want = (want << 1) | ((x >> (64 - u32::from(n))) & 1);
            }
            let (l, r) = initial_permutation((x >> 32) as u32, x as u32);
            assert_eq!((u64::from(l) << 32) | u64::from(r), want);
            let (l, r) = final_permutation(l, r);
            assert_eq!((u64::from(l) << 32) | u64::from(r), x);
            x = x.rotate_left(7).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0x5555;
        }
    }

    #[test]
    fn spread_and_gather_are_the_permutations_restricted_to_one_byte() {
        let mut x = 0x0f1e_2d3c_4b5a_6978u64;
        for c in 0..=255u8 {
            // IP of a block holding only `c` in its last byte.
            let (l, r) = initial_permutation(0, u32::from(c));
            assert_eq!(SPREAD[usize::from(c)], (u64::from(l) << 32) | u64::from(r));
            // The first byte of FP(x) from x's lowest bits.
            let (a, _) = final_permutation((x >> 32) as u32, x as u32);
            let gathered = ((x & 0x0101_0101_0101_0101).wrapping_mul(GATHER) >> 56) as u8;
            assert_eq!(gathered, a.to_be_bytes()[0], "{x:016x}");
            x = x.rotate_left(11).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ u64::from(c);
        }
    }

    /// The permuted-register loop against the plain one (encrypt the register, take a byte,
    /// shift), on both DES types, for uneven pieces of one stream.
    #[cfg(all(feature = "des", feature = "tripledes"))]
    #[test]
    fn cfb8_encrypt_matches_the_byte_by_byte_mode() {
        fn plain<C: BlockEncrypt>(c: &C, register: &mut [u8; MAX_BLOCK], buf: &mut [u8]) {
            for b in buf {
                let mut block: [u8; 8] = core::array::from_fn(|i| register[i]);
                c.encrypt_block(&mut block);
                *b ^= block[0];
                register.copy_within(1..8, 0);
                register[7] = *b;
            }
        }
        fn check<C: BlockEncrypt>(c: &C, iv: [u8; 8], data: &[u8]) {
            let mut want = data.to_vec();
            let mut reg = [0u8; MAX_BLOCK];
            reg[..8].copy_from_slice(&iv);
            plain(c, &mut reg, &mut want);
            for split in [0, 1, 7, 8, 9, 100, data.len()] {
                let mut got = data.to_vec();
                let mut r = [0u8; MAX_BLOCK];
                r[..8].copy_from_slice(&iv);
                let (x, y) = got.split_at_mut(split.min(data.len()));
                c.cfb8_encrypt(&mut r, x);
                c.cfb8_encrypt(&mut r, y);
                assert_eq!(got, want, "split at {split}");
                assert_eq!(r, reg, "register after split at {split}");
            }
        }
        let data: Vec<u8> = (0..300u32).map(|i| (i * 151 + 7) as u8).collect();
        let key: [u8; 24] = core::array::from_fn(|i| (i * 37 + 11) as u8);
        let iv = [0xfe, 0x01, 0x80, 0x7f, 0x55, 0xaa, 0x00, 0xff];
        check(&Des::new(&key[..8].try_into().unwrap()), iv, &data);
        check(&TripleDes::new(&key), iv, &data);
        let mut short = [0u8; 24];
        short[..5].copy_from_slice(b"short");
        check(&TripleDes::new(&short), iv, &data);
    }

    #[cfg(feature = "des")]
    #[test]
    fn fips_81_and_libmcrypt_vectors() {
        use crate::crypto::test_util::{assert_ecb, hex};
        // FIPS 81, appendix B: key 0123456789abcdef, "Now is t".
        let c = Des::new(&hex("0123456789abcdef").try_into().unwrap());
        assert_ecb(&c, "4e6f772069732074", "3fa40e8a984d4815");
        // The classic single-bit vectors (NBS SP 500-20): zero key, plaintext 0x80 00...
        assert_ecb(
            &Des::new(&[0x01; 8]),
            "8000000000000000",
            "95f8a5e5dd31d900",
        );
        let key: [u8; 8] = core::array::from_fn(|i| i as u8);
        assert_ecb(&Des::new(&key), "0011223344556677", "3ef0a891cf8ed990");
    }

    #[cfg(feature = "tripledes")]
    #[test]
    fn sp_800_67_and_libmcrypt_vectors() {
        use crate::crypto::test_util::{assert_ecb, hex};
        // NIST SP 800-67, the TDEA example: first block of "The qufck brown fox jump".
        let key = "0123456789abcdef23456789abcdef01456789abcdef0123";
        let c = TripleDes::new(&hex(key).try_into().unwrap());
        assert_ecb(&c, "5468652071756663", "a826fd8ce53b855f");
        let key: [u8; 24] = core::array::from_fn(|i| i as u8);
        assert_ecb(
            &TripleDes::new(&key),
            "0011223344556677",
            "97a25ba82b564f4c",
        );
        // With K1 = K2 = K3, Triple DES is single DES.
        let k = hex("0123456789abcdef");
        let c = TripleDes::new(&[&k[..], &k, &k].concat().try_into().unwrap());
        assert_ecb(&c, "4e6f772069732074", "3fa40e8a984d4815");
    }

    /// Whether the shortcut is taken, and that it gives what all three passes give.
    #[cfg(feature = "tripledes")]
    #[test]
    fn cancelling_keys_run_one_pass_with_the_same_result() {
        let mut seed = 0x3de5_u64;
        let mut byte = move || {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (seed >> 56) as u8
        };
        let mut random = |n: usize| (0..n).map(|_| byte()).collect::<Vec<u8>>();
        for round in 0..64 {
            let (a, b, c) = (random(8), random(8), random(8));
            // `b` with its parity bits (bit 0 of each byte) flipped: the same DES key.
            let b_parity: Vec<u8> = b.iter().map(|x| x ^ 1).collect();
            let cases: [(Vec<u8>, (usize, usize)); 6] = [
                ([&a[..], &b, &c].concat(), (0, 3)),
                ([&a[..], &b, &b_parity].concat(), (0, 1)),
                ([&b[..], &b_parity, &c].concat(), (2, 3)),
                ([&a[..], &[0; 16]].concat(), (0, 1)),
                ([&b[..], &b, &b].concat(), (0, 1)),
                // K1 = K3 is two-key Triple DES: nothing cancels.
                ([&a[..], &b, &a].concat(), (0, 3)),
            ];
            for (key, want) in cases {
                let t = TripleDes::new(&key.as_slice().try_into().unwrap());
                assert_eq!((t.first, t.end), want, "key {key:02x?}");
                let block: [u8; 8] = random(8).try_into().unwrap();
                let full = encrypt_lanes([block], &t.passes);
                let mut got = block;
                t.encrypt_block(&mut got);
                assert_eq!([got], full, "round {round}, key {key:02x?}");
                // One batch of 4 and 3 more, from the shortest window allowed.
                let mut seven = [0u8; 7];
                let window = random(14);
                t.first_bytes(&window, &mut seven);
                for (i, &o) in seven.iter().enumerate() {
                    let w: [u8; 8] = window[i..i + 8].try_into().unwrap();
                    assert_eq!(o, encrypt_lanes([w], &t.passes)[0][0]);
                }
            }
        }
    }
}
