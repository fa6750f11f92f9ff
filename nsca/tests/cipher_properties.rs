//! Property tests for every encryption method this build can run: decryption undoes encryption
//! for any password length and any way the stream is cut into pieces, and what a
//! `ClientSession` encodes a `ServerSession` decodes, for several packets on one connection.

use bytes::BytesMut;
use nsca::{
    Cipher, ClientSession, EncryptionMethod, IV_LEN, InitPacket, PacketSize, ServerSession,
};
use proptest::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;

mod common;
use common::check;

/// Every method `Cipher::new` accepts in this build (methods whose feature is off are left out).
fn working_methods() -> Vec<EncryptionMethod> {
    EncryptionMethod::ALL
        .into_iter()
        .filter(|&m| Cipher::new(m, b"", &[0; IV_LEN]).is_ok())
        .collect()
}

fn method() -> impl Strategy<Value = EncryptionMethod> {
    proptest::sample::select(working_methods())
}

/// A password that is empty, shorter than, as long as or longer than the method's key (none and
/// XOR have no key size: any length up to 300).
fn password(method: EncryptionMethod) -> impl Strategy<Value = Vec<u8>> {
    let key = method.key_len();
    let lengths = if key == 0 {
        vec![0..1, 1..300]
    } else {
        vec![0..1, 1..key, key..key + 1, key + 1..key + 200]
    };
    proptest::sample::select(lengths)
        .prop_flat_map(|len| proptest::collection::vec(any::<u8>(), len))
}

/// Cuts `0..len` at the given points (taken modulo `len + 1`), in order.
fn pieces(len: usize, cuts: &[usize]) -> Vec<std::ops::Range<usize>> {
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (len + 1)).collect();
    points.push(0);
    points.push(len);
    points.sort_unstable();
    points.windows(2).map(|w| w[0]..w[1]).collect()
}

#[test]
fn every_method_the_daemon_runs_is_built_by_default() {
    // With default features, the working methods are exactly the ones the daemon can run.
    if cfg!(all(
        feature = "des",
        feature = "tripledes",
        feature = "cast128",
        feature = "cast256",
        feature = "xtea",
        feature = "blowfish",
        feature = "twofish",
        feature = "loki97",
        feature = "rc2",
        feature = "rijndael",
        feature = "serpent",
        feature = "gost",
        feature = "saferplus",
    )) {
        let usable: Vec<EncryptionMethod> = EncryptionMethod::ALL
            .into_iter()
            .filter(|m| m.usability().is_ok())
            .collect();
        assert_eq!(working_methods(), usable);
        assert_eq!(usable.len(), 17);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// Decrypting undoes encrypting, whatever the password length and however either side cuts
    /// the stream; and for the stream methods the cuts do not change the ciphertext. (XOR
    /// restarts for every call, as for every packet, so there both sides cut alike.)
    #[test]
    fn decrypt_undoes_encrypt_in_any_pieces(
        (method, password) in method().prop_flat_map(|m| (Just(m), password(m))),
        iv in any::<[u8; IV_LEN]>(),
        data in proptest::collection::vec(any::<u8>(), 0..1500),
        enc_cuts in proptest::collection::vec(any::<usize>(), 0..6),
        dec_cuts in proptest::collection::vec(any::<usize>(), 0..6),
    ) {
        let xor = method == EncryptionMethod::Xor;
        let mut buf = data.clone();
        let mut enc = Cipher::new(method, &password, &iv).unwrap();
        for r in pieces(buf.len(), &enc_cuts) {
            enc.encrypt(&mut buf[r]);
        }
        if !xor {
            let mut whole = data.clone();
            Cipher::new(method, &password, &iv).unwrap().encrypt(&mut whole);
            prop_assert_eq!(&buf, &whole);
        }

        let mut dec = Cipher::new(method, &password, &iv).unwrap();
        for r in pieces(buf.len(), if xor { &enc_cuts } else { &dec_cuts }) {
            dec.decrypt(&mut buf[r]);
        }
        prop_assert_eq!(buf, data);
    }

    /// The key is the password cut or zero-padded to the key length, up to its first NUL.
    #[test]
    fn only_the_first_key_len_bytes_of_the_password_count(
        method in method(),
        password in proptest::collection::vec(1u8..=255, 0..100),
        tail in proptest::collection::vec(any::<u8>(), 0..20),
        iv in any::<[u8; IV_LEN]>(),
    ) {
        if method.key_len() == 0 {
            // None and XOR have no key size (and a build without ciphers has nothing else).
            return Ok(());
        }
        let used = &password[..password.len().min(method.key_len())];
        let mut padded = used.to_vec();
        padded.resize(method.key_len(), 0);
        let longer = [&password[..], &[0], &tail[..]].concat();
        let data = [0x5au8; 64];
        let runs: Vec<Vec<u8>> = [used, &padded[..], &longer[..]]
            .iter()
            .map(|pw| {
                let mut d = data;
                Cipher::new(method, pw, &iv).unwrap().encrypt(&mut d);
                d.to_vec()
            })
            .collect();
        prop_assert_eq!(&runs[0], &runs[1]);
        prop_assert_eq!(&runs[0], &runs[2]);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// Several packets on one connection, client to server, for every method and both packet
    /// sizes, in arbitrary chunks.
    #[test]
    fn client_to_server_round_trip(
        method in method(),
        password in proptest::collection::vec(any::<u8>(), 0..40),
        (size, checks) in prop_oneof![Just(PacketSize::Standard), Just(PacketSize::Legacy)]
            .prop_flat_map(|s| (Just(s), proptest::collection::vec(check(s), 2..4))),
        iv in any::<[u8; IV_LEN]>(),
        timestamp in any::<u32>(),
        seed in any::<u64>(),
        chunk in 1usize..6000,
    ) {
        let init = InitPacket { iv, timestamp };
        let mut client = ClientSession::new(&init, method, &password, size).unwrap();
        let mut rng = StdRng::seed_from_u64(seed);
        let mut wire = Vec::new();
        for c in &checks {
            client.encode(c, &mut rng, &mut wire).unwrap();
        }
        let mut server = ServerSession::new(init, method, &password).unwrap();
        let mut input = BytesMut::new();
        let mut got = Vec::new();
        for piece in wire.chunks(chunk) {
            input.extend_from_slice(piece);
            while let Some(p) = server.decode(&mut input).unwrap() {
                got.push(p);
            }
        }
        while let Some(p) = server.decode_eof(&mut input).unwrap() {
            got.push(p);
        }
        prop_assert_eq!(got.len(), checks.len());
        for (p, c) in got.iter().zip(&checks) {
            prop_assert_eq!(&p.check, c);
            prop_assert_eq!(p.size, size);
        }
    }
}

/// `ClientSession::encode` sends the filler after each string's NUL as the random bytes it drew
/// (only header, strings and the last 4 bytes go through the CFB-8 chain), unless the output
/// reaches into those last 4 bytes; either way the server reads every packet of the stream.
#[test]
fn cfb8_filler_goes_on_the_wire_as_drawn() {
    let init = InitPacket {
        iv: core::array::from_fn(|i| (i * 7 + 1) as u8),
        timestamp: 1_700_000_000,
    };
    for method in working_methods().into_iter().filter(|m| m.number() >= 2) {
        for size in [PacketSize::Standard, PacketSize::Legacy] {
            let cap = size.output_capacity();
            let mut client = ClientSession::new(&init, method, b"pw", size).unwrap();
            let mut server = ServerSession::new(init, method, b"pw").unwrap();
            for out_len in [0, 100, cap - 3, cap - 2] {
                for check in [
                    nsca::CheckResult::service("web1", "HTTP", 2, "o".repeat(out_len)),
                    nsca::CheckResult::host("h".repeat(63), 1, "x".repeat(out_len)),
                ] {
                    let seed = out_len as u64;
                    let mut wire = Vec::new();
                    client
                        .encode(&check, &mut StdRng::seed_from_u64(seed), &mut wire)
                        .unwrap();
                    let mut drawn = vec![0u8; size.len()];
                    RngCore::fill_bytes(&mut StdRng::seed_from_u64(seed), &mut drawn);
                    let host_end = 14 + check.host_name().len() + 1;
                    let service_end = 78 + check.service_description().map_or(0, <[u8]>::len) + 1;
                    let output_end = 206 + out_len + 1;
                    let patch = size.len() - 4;
                    let filler = [host_end..78, service_end..206, output_end..patch];
                    let chosen = filler
                        .iter()
                        .all(|r| r.start > r.end || wire[r.clone()] == drawn[r.clone()]);
                    let what = format!("{method}, {size:?}, output of {out_len}");
                    assert_eq!(chosen, output_end <= patch, "{what}");
                    // The chain-encrypted bytes are not the drawn ones.
                    assert_ne!(wire[..14], drawn[..14], "{what}");
                    let mut input = BytesMut::from(&wire[..]);
                    let got = server.decode(&mut input).unwrap().unwrap();
                    assert_eq!(got.check, check, "{what}");
                }
            }
        }
    }
}
