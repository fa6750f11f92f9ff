//! libmcrypt's `"cfb"` mode: 8-bit cipher feedback.
//!
//! The shift register starts as the IV. For every byte, the register is encrypted with the block
//! cipher, the first byte of the result is XORed with the data byte, and the register shifts left
//! by one byte taking in the ciphertext byte. One block encryption per byte: this is the mode both
//! NSCA programs use (not full-block CFB, libmcrypt's `"ncfb"`).

use super::KeyStream;

/// Largest block of any NSCA algorithm (Rijndael-256).
pub(crate) const MAX_BLOCK: usize = 32;

/// Bytes decrypted per batch. Decryption knows every register in advance (they are windows of
/// the ciphertext), so it can run this many block encryptions independently of each other.
const LANES: usize = 8;

/// A block cipher with its key schedule done, encrypting one block in place.
pub(crate) trait BlockEncrypt: Clone + Send + Sync + 'static {
    /// Block length in bytes (at most 32).
    const BLOCK: usize;
    /// Encrypts `block` (exactly `BLOCK` bytes) in place.
    fn encrypt_block(&self, block: &mut [u8]);

    /// For each `i < out.len()`, sets `out[i]` to the first byte of the encryption of
    /// `window[i..i + BLOCK]` (`window` holds `out.len() + BLOCK - 1` bytes or more).
    ///
    /// The blocks are independent of each other; ciphers that can run several at once (the
    /// `aes` crate's AES-NI backend pipelines 8) override this.
    #[inline]
    fn first_bytes(&self, window: &[u8], out: &mut [u8]) {
        let mut block = [0u8; MAX_BLOCK];
        for (i, o) in out.iter_mut().enumerate() {
            block[..Self::BLOCK].copy_from_slice(&window[i..i + Self::BLOCK]);
            self.encrypt_block(&mut block[..Self::BLOCK]);
            *o = block[0];
        }
    }

    /// CFB-8 encryption of `buf` in place, starting from the shift register `register` (its
    /// first `BLOCK` bytes), which it leaves as the next byte needs it.
    ///
    /// Every byte waits for the previous one's ciphertext, so this loop is one long chain;
    /// ciphers that can carry the register across bytes in a form of their own, and skip work
    /// on that chain, override it (DES keeps it permuted).
    #[inline]
    fn cfb8_encrypt(&self, register: &mut [u8; MAX_BLOCK], buf: &mut [u8]) {
        // An 8-byte register lives in an integer, shifted there: shifting bytes in memory and
        // reading the block back whole stalls store-to-load forwarding on every byte (2 to 9 %
        // for the 8-byte ciphers here; no gain measured for 16-byte blocks in a u128).
        if Self::BLOCK == 8 {
            let mut reg = u64::from_be_bytes(core::array::from_fn(|i| register[i]));
            for b in buf {
                let mut block = reg.to_be_bytes();
                self.encrypt_block(&mut block);
                *b ^= block[0];
                reg = (reg << 8) | u64::from(*b);
            }
            register[..8].copy_from_slice(&reg.to_be_bytes());
        } else {
            for b in buf {
                let mut block = *register;
                self.encrypt_block(&mut block[..Self::BLOCK]);
                *b ^= block[0];
                register.copy_within(1..Self::BLOCK, 0);
                register[Self::BLOCK - 1] = *b;
            }
        }
    }
}

/// CFB-8 over a block cipher; the register carries over from one call to the next.
#[derive(Clone)]
pub(crate) struct Cfb8<C> {
    cipher: C,
    register: [u8; MAX_BLOCK],
}

impl<C: BlockEncrypt> Cfb8<C> {
    /// `iv` must be `C::BLOCK` bytes; the caller takes them from the transmitted IV.
    pub(crate) fn new(cipher: C, iv: &[u8]) -> Self {
        let mut register = [0u8; MAX_BLOCK];
        let n = C::BLOCK.min(iv.len()).min(MAX_BLOCK);
        register[..n].copy_from_slice(&iv[..n]);
        Self { cipher, register }
    }

    #[inline]
    fn key_byte(&self) -> u8 {
        let mut block = [0u8; MAX_BLOCK];
        block[..C::BLOCK].copy_from_slice(&self.register[..C::BLOCK]);
        self.cipher.encrypt_block(&mut block[..C::BLOCK]);
        block[0]
    }

    #[inline]
    fn shift_in(&mut self, cipher_byte: u8) {
        self.register.copy_within(1..C::BLOCK, 0);
        self.register[C::BLOCK - 1] = cipher_byte;
    }
}

impl<C: BlockEncrypt> KeyStream for Cfb8<C> {
    fn encrypt(&mut self, buf: &mut [u8]) {
        self.cipher.cfb8_encrypt(&mut self.register, buf);
    }

    fn decrypt(&mut self, buf: &mut [u8]) {
        let n = C::BLOCK;
        // `window` is the register followed by the next `LANES` ciphertext bytes: the register
        // for byte `i` of the batch is `window[i..i + n]`.
        let mut window = [0u8; MAX_BLOCK + LANES];
        let mut keystream = [0u8; LANES];
        let mut batches = buf.chunks_exact_mut(LANES);
        for batch in &mut batches {
            window[..n].copy_from_slice(&self.register[..n]);
            window[n..n + LANES].copy_from_slice(batch);
            self.cipher
                .first_bytes(&window[..n + LANES - 1], &mut keystream);
            self.register[..n].copy_from_slice(&window[LANES..LANES + n]);
            for (b, k) in batch.iter_mut().zip(&keystream) {
                *b ^= k;
            }
        }
        for b in batches.into_remainder() {
            let c = *b;
            *b ^= self.key_byte();
            self.shift_in(c);
        }
    }

    fn box_clone(&self) -> Box<dyn KeyStream> {
        Box::new(self.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A toy 4-byte "cipher" (add a constant): enough to test the feedback wiring.
    #[derive(Clone)]
    struct Toy;
    impl BlockEncrypt for Toy {
        const BLOCK: usize = 4;
        fn encrypt_block(&self, block: &mut [u8]) {
            for (i, b) in block.iter_mut().enumerate() {
                *b = b.wrapping_add(0x11 * (i as u8 + 1));
            }
        }
    }

    #[test]
    fn batched_decryption_matches_byte_by_byte() {
        let iv = [9, 8, 7, 6];
        let data: Vec<u8> = (0..100u8).map(|i| i.wrapping_mul(37)).collect();
        let mut ct = data.clone();
        Cfb8::new(Toy, &iv).encrypt(&mut ct);
        for split in [0, 1, 7, 8, 9, 16, 17, 63, 100] {
            let mut pt = ct.clone();
            let mut dec = Cfb8::new(Toy, &iv);
            let (a, b) = pt.split_at_mut(split);
            dec.decrypt(a);
            dec.decrypt(b);
            assert_eq!(pt, data, "split at {split}");
        }
    }

    #[test]
    fn feedback_uses_ciphertext_and_continues_across_calls() {
        let iv = [1, 2, 3, 4];
        let data = b"hello, cfb-8 world";
        let mut whole = *data;
        Cfb8::new(Toy, &iv).encrypt(&mut whole);
        // First byte: E(iv)[0] = 1 + 0x11.
        assert_eq!(whole[0], b'h' ^ 0x12);
        // Second byte: register = [2, 3, 4, c0], E(..)[0] = 2 + 0x11.
        assert_eq!(whole[1], b'e' ^ 0x13);
        let mut split = *data;
        let mut enc = Cfb8::new(Toy, &iv);
        let (a, b) = split.split_at_mut(5);
        enc.encrypt(a);
        enc.encrypt(b);
        assert_eq!(split, whole);
        let mut dec = Cfb8::new(Toy, &iv);
        let (a, b) = split.split_at_mut(7);
        dec.decrypt(a);
        dec.decrypt(b);
        assert_eq!(&split, data);
    }
}
