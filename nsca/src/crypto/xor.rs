//! Method 1: XOR with the transmitted IV, then with the password (`encrypt_buffer()` in NSCA's
//! `src/utils.c`). Both passes restart at index 0 for every packet, so there is no state between
//! packets. An empty password XORs with the IV only (the C code XORs with the NUL terminator).

use crate::init::IV_LEN;
use crate::packet::PacketSize;

#[derive(Clone)]
pub(super) struct Xor {
    iv: [u8; IV_LEN],
    password: Vec<u8>,
    /// `iv[i % 128] ^ password[i % len]` for one whole standard packet, so that a packet costs
    /// one pass.
    keystream: Vec<u8>,
}

impl Xor {
    pub(super) fn new(iv: &[u8; IV_LEN], password: &[u8]) -> Self {
        let len = PacketSize::Standard.len();
        // The IV repeated, then the password repeated over it: whole-slice copies and XORs
        // rather than two divisions per byte (this runs once per connection, on both ends).
        let mut keystream = Vec::with_capacity(len);
        while keystream.len() < len {
            let take = IV_LEN.min(len - keystream.len());
            keystream.extend_from_slice(&iv[..take]);
        }
        if !password.is_empty() {
            for chunk in keystream.chunks_mut(password.len()) {
                for (k, p) in chunk.iter_mut().zip(password) {
                    *k ^= p;
                }
            }
        }
        Self {
            iv: *iv,
            password: password.to_vec(),
            keystream,
        }
    }

    fn key_byte(&self, i: usize) -> u8 {
        let p = match self.password.len() {
            0 => 0,
            len => self.password[i % len],
        };
        self.iv[i % IV_LEN] ^ p
    }

    /// XOR is its own inverse: this both encrypts and decrypts.
    pub(super) fn apply(&self, buf: &mut [u8]) {
        let (head, tail) = buf.split_at_mut(buf.len().min(self.keystream.len()));
        for (b, k) in head.iter_mut().zip(&self.keystream) {
            *b ^= k;
        }
        let start = head.len();
        for (i, b) in tail.iter_mut().enumerate() {
            *b ^= self.key_byte(start + i);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(buf: &mut [u8], iv: &[u8; IV_LEN], password: &[u8]) {
        for (i, b) in buf.iter_mut().enumerate() {
            *b ^= iv[i % IV_LEN];
        }
        if !password.is_empty() {
            for (i, b) in buf.iter_mut().enumerate() {
                *b ^= password[i % password.len()];
            }
        }
    }

    #[test]
    fn matches_the_two_pass_definition_at_every_length() {
        let iv: [u8; IV_LEN] = core::array::from_fn(|i| (i * 37 + 5) as u8);
        for pw in [&b""[..], b"s", b"secret", &[0xAB; 200]] {
            let x = Xor::new(&iv, pw);
            for len in [0, 1, 127, 128, 129, 720, 4304, 5000] {
                let data: Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
                let mut ours = data.clone();
                x.apply(&mut ours);
                let mut theirs = data.clone();
                reference(&mut theirs, &iv, pw);
                assert_eq!(ours, theirs, "pw len {} len {len}", pw.len());
                x.apply(&mut ours);
                assert_eq!(ours, data);
            }
        }
    }
}
