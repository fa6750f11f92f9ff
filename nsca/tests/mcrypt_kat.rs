//! Known-answer tests for every libmcrypt method NSCA can use, through the public API only.
//!
//! `tests/data/mcrypt-kat.txt` was produced with libmcrypt 2.5.8 and NSCA's own key and IV
//! derivation (see `tests/data/README.md`): two chunks encrypted on one context, so the second
//! checks that the CFB-8 stream continues. The two-packet AES capture checks the same on real
//! `send_nsca` traffic.

use nsca::{Cipher, CryptoError, EncryptionMethod, IV_LEN};

const KAT: &str = include_str!("data/mcrypt-kat.txt");
const PASSWORD: &[u8] = b"nsca-kat-password";
const P1: &[u8] = b"The quick brown fox jumps over the lazy dog 0123";
const P2: &[u8] = b"second-packet...";

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// The Cargo feature each libmcrypt method needs.
fn feature(method: EncryptionMethod) -> &'static str {
    use EncryptionMethod as M;
    match method {
        M::Des => "des",
        M::TripleDes => "tripledes",
        M::Cast128 => "cast128",
        M::Cast256 => "cast256",
        M::Xtea => "xtea",
        M::Blowfish => "blowfish",
        M::Twofish => "twofish",
        M::Loki97 => "loki97",
        M::Rc2 => "rc2",
        M::Rijndael128 | M::Rijndael192 | M::Rijndael256 => "rijndael",
        M::Serpent => "serpent",
        M::Gost => "gost",
        M::SaferPlus => "saferplus",
        other => panic!("{other} has no feature"),
    }
}

/// Whether this build has `feature` (the features are this crate's, so `cfg!` sees them).
fn enabled(feature: &str) -> bool {
    match feature {
        "des" => cfg!(feature = "des"),
        "tripledes" => cfg!(feature = "tripledes"),
        "cast128" => cfg!(feature = "cast128"),
        "cast256" => cfg!(feature = "cast256"),
        "xtea" => cfg!(feature = "xtea"),
        "blowfish" => cfg!(feature = "blowfish"),
        "twofish" => cfg!(feature = "twofish"),
        "loki97" => cfg!(feature = "loki97"),
        "rc2" => cfg!(feature = "rc2"),
        "rijndael" => cfg!(feature = "rijndael"),
        "serpent" => cfg!(feature = "serpent"),
        "gost" => cfg!(feature = "gost"),
        "saferplus" => cfg!(feature = "saferplus"),
        other => panic!("unknown feature {other}"),
    }
}

struct Vector {
    method: EncryptionMethod,
    name: String,
    sizes: Option<(usize, usize)>,
    c1: Vec<u8>,
    c2: Vec<u8>,
}

fn vectors() -> Vec<Vector> {
    KAT.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            assert_eq!(f.len(), 7, "{line}");
            let sizes = match (
                f[2].parse::<usize>(),
                f[3].parse::<usize>(),
                f[4].parse::<usize>(),
            ) {
                (Ok(key), Ok(iv), Ok(block)) => {
                    assert_eq!(iv, block, "{line}");
                    Some((key, block))
                }
                _ => None,
            };
            Vector {
                method: EncryptionMethod::from_number(f[0].parse().unwrap()).unwrap(),
                name: f[1].to_string(),
                sizes,
                c1: hex(f[5]),
                c2: hex(f[6]),
            }
        })
        .collect()
}

fn kat_iv() -> [u8; IV_LEN] {
    core::array::from_fn(|i| i as u8)
}

#[test]
fn the_vectors_cover_every_method_the_daemon_can_run() {
    let mut numbers: Vec<u8> = vectors().iter().map(|v| v.method.number()).collect();
    numbers.sort_unstable();
    assert_eq!(
        numbers,
        [1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 14, 15, 16, 20, 23, 26]
    );
    for m in EncryptionMethod::ALL {
        let listed = numbers.contains(&m.number());
        assert_eq!(
            listed,
            m.usability().is_ok() && m != EncryptionMethod::None,
            "{m}"
        );
    }
}

#[test]
fn names_and_sizes_match_libmcrypt() {
    for v in vectors() {
        assert_eq!(v.method.mcrypt_name(), v.name);
        if let Some((key, block)) = v.sizes {
            assert_eq!(
                (v.method.key_len(), v.method.block_len()),
                (key, block),
                "{}",
                v.name
            );
        }
    }
}

#[test]
fn every_method_matches_libmcrypt_across_two_chunks() {
    let iv = kat_iv();
    for v in vectors() {
        let m = v.method;
        if m != EncryptionMethod::Xor && !enabled(feature(m)) {
            continue;
        }
        let mut enc = Cipher::new(m, PASSWORD, &iv).unwrap();
        let mut c1 = P1.to_vec();
        enc.encrypt(&mut c1);
        assert_eq!(c1, v.c1, "{m}: first chunk");
        let mut c2 = P2.to_vec();
        enc.encrypt(&mut c2);
        assert_eq!(c2, v.c2, "{m}: second chunk, same context");

        let mut dec = Cipher::new(m, PASSWORD, &iv).unwrap();
        dec.decrypt(&mut c1);
        dec.decrypt(&mut c2);
        assert_eq!((&c1[..], &c2[..]), (P1, P2), "{m}: decryption");
    }
}

#[test]
fn one_call_or_many_give_the_same_stream() {
    // NSCA's C code encrypts one byte per mcrypt call; chunking must not matter.
    let iv = kat_iv();
    for v in vectors() {
        let m = v.method;
        if m == EncryptionMethod::Xor || !enabled(feature(m)) {
            continue;
        }
        let mut whole = [P1, P2].concat();
        Cipher::new(m, PASSWORD, &iv).unwrap().encrypt(&mut whole);
        assert_eq!(whole, [v.c1.clone(), v.c2.clone()].concat(), "{m}");
        let mut bytes = [P1, P2].concat();
        let mut enc = Cipher::new(m, PASSWORD, &iv).unwrap();
        for b in bytes.chunks_mut(1) {
            enc.encrypt(b);
        }
        assert_eq!(bytes, whole, "{m}: byte by byte");
    }
}

#[test]
fn disabled_features_are_named() {
    let iv = kat_iv();
    for v in vectors() {
        let m = v.method;
        if m == EncryptionMethod::Xor || enabled(feature(m)) {
            continue;
        }
        assert_eq!(
            Cipher::new(m, PASSWORD, &iv).unwrap_err(),
            CryptoError::FeatureDisabled {
                method: m,
                feature: feature(m)
            }
        );
    }
}

/// The two-packet capture of `send_nsca` to `nsca` with method 14 (AES-256 in CFB-8).
#[cfg(feature = "rijndael")]
mod aes_capture {
    use bytes::BytesMut;
    use nsca::{CheckResult, EncryptionMethod, InitPacket, ServerSession};

    use super::hex;

    /// Reads `xxd -c 16` output back into bytes.
    fn xxd(name: &str) -> Vec<u8> {
        let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let mut out = Vec::new();
        for line in text.lines() {
            let (_, rest) = line.split_once(": ").unwrap();
            let digits = rest.split("  ").next().unwrap().replace(' ', "");
            out.extend(hex(&digits));
        }
        out
    }

    #[test]
    fn two_packet_aes_capture_decodes() {
        let init = InitPacket::decode(&xxd("05-aes14-2pkts-init.hex")).unwrap();
        let data = xxd("05-aes14-2pkts-data.hex");
        assert_eq!(data.len(), 2 * 4304);
        let mut server =
            ServerSession::new(init, EncryptionMethod::Rijndael128, b"aes pass").unwrap();
        let mut input = BytesMut::from(&data[..]);
        let mut packets = Vec::new();
        while let Some(p) = server.decode(&mut input).unwrap() {
            packets.push(p);
        }
        while let Some(p) = server.decode_eof(&mut input).unwrap() {
            packets.push(p);
        }
        assert!(input.is_empty());
        let checks: Vec<CheckResult> = packets.iter().map(|p| p.check.clone()).collect();
        assert_eq!(
            checks,
            [
                CheckResult::service("ah", "aes svc", 0, "aes one"),
                CheckResult::service("ah", "aes svc", 1, "aes two"),
            ]
        );
        assert!(packets.iter().all(|p| p.timestamp == init.timestamp));
    }

    #[test]
    fn aes_capture_needs_the_continued_stream() {
        // Restarting the cipher for the second packet (a common bug) breaks it.
        let init = InitPacket::decode(&xxd("05-aes14-2pkts-init.hex")).unwrap();
        let data = xxd("05-aes14-2pkts-data.hex");
        let mut server =
            ServerSession::new(init, EncryptionMethod::Rijndael128, b"aes pass").unwrap();
        let mut input = BytesMut::from(&data[4304..]);
        assert!(server.decode_eof(&mut input).is_err());
    }
}

/// Pseudo-random passwords (empty, shorter than, as long as and longer than the key), IVs and
/// data, encrypted by libmcrypt (`tests/data/mcrypt-streams.txt`, from `tests/data/gen/`): each
/// stream must encrypt to libmcrypt's bytes, and decrypt back in uneven pieces.
#[test]
fn random_streams_match_libmcrypt() {
    let text = include_str!("data/mcrypt-streams.txt");
    let mut seen = std::collections::BTreeMap::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(f.len(), 5, "{line}");
        let m = EncryptionMethod::from_number(f[0].parse().unwrap()).unwrap();
        *seen.entry(m.number()).or_insert(0) += 1;
        if !enabled(feature(m)) {
            continue;
        }
        let password = if f[1] == "-" { Vec::new() } else { hex(f[1]) };
        let iv: [u8; IV_LEN] = hex(f[2]).try_into().unwrap();
        let (plain, cipher) = (hex(f[3]), hex(f[4]));
        let mut buf = plain.clone();
        Cipher::new(m, &password, &iv).unwrap().encrypt(&mut buf);
        assert_eq!(buf, cipher, "{m}, password of {} bytes", password.len());
        let mut dec = Cipher::new(m, &password, &iv).unwrap();
        let (a, rest) = buf.split_at_mut(13);
        let (b, c) = rest.split_at_mut(29);
        dec.decrypt(a);
        dec.decrypt(b);
        dec.decrypt(c);
        assert_eq!(buf, plain, "{m}: decryption");
    }
    assert_eq!(seen.len(), 15);
    // Four per method, and six more for Triple DES keys whose passes cancel.
    assert!(seen.iter().all(|(&m, &n)| n == if m == 3 { 10 } else { 4 }));
}
