//! Cipher correctness on short inputs, for every method a daemon can run: a prefix of a packet
//! (at most 64 bytes; XOR takes any length) encrypted and decrypted whole and in up to seven
//! pieces, with encryption and decryption alternating on one stream (as the client's chosen
//! filler does), against CFB-8's definition, across a clone, with an equivalent password, and
//! (Triple DES) against single DES where two keys cancel.
//!
//! Input: see `nsca_fuzz::split` (method, password, IV), then six bytes of split points (each
//! modulo the plaintext length plus one) and the plaintext.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nsca::{Cipher, EncryptionMethod};
use nsca_fuzz::{USABLE, effective_key, pick_method};

/// Longest plaintext a CFB-8 method gets (every byte costs a few block encryptions).
const MAX_PREFIX: usize = 64;

fuzz_target!(|data: &[u8]| {
    let Some(input) = nsca_fuzz::split(data) else {
        return;
    };
    let method = pick_method(input.method, &USABLE);
    let Some((splits, text)) = input.rest.split_first_chunk::<6>() else {
        return;
    };
    let cfb8 = method.block_len() > 0;
    let pt = if cfb8 {
        &text[..text.len().min(MAX_PREFIX)]
    } else {
        text
    };
    let n = pt.len();
    let mut points: Vec<usize> = splits.iter().map(|&s| usize::from(s) % (n + 1)).collect();
    points.sort_unstable();
    points.insert(0, 0);
    points.push(n);
    let pieces: Vec<_> = points.windows(2).map(|w| w[0]..w[1]).collect();
    let fresh = Cipher::new(method, input.password, &input.iv).expect("usable method");
    assert_eq!(fresh.method(), method);

    // Whole.
    let mut ct = pt.to_vec();
    let mut enc = fresh.clone();
    enc.encrypt(&mut ct);
    let mut back = ct.clone();
    fresh.clone().decrypt(&mut back);
    assert_eq!(back, pt, "decrypt(encrypt(x)) != x");

    match method {
        EncryptionMethod::None => assert_eq!(ct, pt),
        EncryptionMethod::Xor => {
            // Every call starts over at index 0: XOR with the IV, then with the password.
            let key = effective_key(method, input.password);
            for (i, (&c, &x)) in ct.iter().zip(pt).enumerate() {
                let k = if key.is_empty() {
                    0
                } else {
                    key[i % key.len()]
                };
                assert_eq!(c, x ^ input.iv[i % 128] ^ k, "XOR byte {i}");
            }
            let mut again = pt.to_vec();
            enc.encrypt(&mut again);
            assert_eq!(again, ct, "XOR kept state between calls");
        }
        _ => {
            // In pieces: the stream continues across calls.
            let mut buf = pt.to_vec();
            let mut c = fresh.clone();
            for r in &pieces {
                c.encrypt(&mut buf[r.clone()]);
            }
            assert_eq!(buf, ct, "encryption in pieces {pieces:?}");
            let mut c = fresh.clone();
            for r in &pieces {
                c.decrypt(&mut buf[r.clone()]);
            }
            assert_eq!(buf, pt, "decryption in pieces {pieces:?}");
            // Alternating: encrypting and decrypting consecutive pieces advance one register by
            // the ciphertext (what the client's chosen filler relies on).
            let mut c = fresh.clone();
            for (i, r) in pieces.iter().enumerate() {
                if i % 2 == 0 {
                    c.encrypt(&mut buf[r.clone()]);
                    assert_eq!(buf[r.clone()], ct[r.clone()], "alternating, {pieces:?}");
                } else {
                    buf[r.clone()].copy_from_slice(&ct[r.clone()]);
                    c.decrypt(&mut buf[r.clone()]);
                    assert_eq!(buf[r.clone()], pt[r.clone()], "alternating, {pieces:?}");
                }
            }
            // CFB-8's definition for the first and the last byte: the key byte is the first byte
            // of the encryption of the previous block's worth of ciphertext (the IV before it).
            // Loading that window into a fresh register by decrypting it, then encrypting, must
            // agree.
            let bl = method.block_len();
            let mut stream = input.iv[..bl].to_vec();
            stream.extend_from_slice(&ct);
            for i in [0, n.saturating_sub(1)].into_iter().filter(|&i| i < n) {
                let mut window = stream[i..i + bl].to_vec();
                let mut c = fresh.clone();
                c.decrypt(&mut window);
                let mut byte = [pt[i]];
                c.encrypt(&mut byte);
                assert_eq!(byte[0], ct[i], "CFB-8 definition, byte {i}");
            }
        }
    }

    // A clone carries on exactly as the original.
    if method != EncryptionMethod::Xor {
        let mut copy = enc.clone();
        let (mut x, mut y) = ([0x5a, 0xa5], [0x5a, 0xa5]);
        enc.encrypt(&mut x);
        copy.encrypt(&mut y);
        assert_eq!(x, y, "a clone diverged");
    }

    // An equivalent password (cut at the NUL, to the key length) gives the same stream.
    let key = effective_key(method, input.password);
    let trimmed = key.split(|&b| b == 0).next().unwrap_or_default();
    if trimmed != input.password && method != EncryptionMethod::None {
        let mut other = pt.to_vec();
        Cipher::new(method, trimmed, &input.iv)
            .expect("usable method")
            .encrypt(&mut other);
        assert_eq!(other, ct, "equivalent password {trimmed:02x?}");
    }

    // Triple DES whose adjacent keys are one DES key (modulo parity) is single DES with the key
    // left over (the library runs one pass then).
    if method == EncryptionMethod::TripleDes {
        let same = |x: &[u8], y: &[u8]| x.iter().zip(y).all(|(a, b)| a | 1 == b | 1);
        let (k1, k2, k3) = (&key[..8], &key[8..16], &key[16..]);
        let single = if same(k2, k3) {
            Some(k1)
        } else if same(k1, k2) {
            Some(k3)
        } else {
            None
        };
        if let Some(k) = single {
            let mut des = pt.to_vec();
            Cipher::new(EncryptionMethod::Des, k, &input.iv)
                .expect("usable method")
                .encrypt(&mut des);
            assert_eq!(des, ct, "Triple DES with cancelling keys is not DES");
        }
    }
});
