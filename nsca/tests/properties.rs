//! Property tests: what the client encodes the server decodes unchanged, and no byte stream,
//! however it is cut into chunks, makes the decoder panic or grow without bound.

use bytes::BytesMut;
use nsca::{
    CheckResult, ClientSession, DataPacket, EncryptionMethod, InitPacket, PacketSize, ServerSession,
};
use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};

mod common;
use common::check;

fn method() -> impl Strategy<Value = EncryptionMethod> {
    prop_oneof![Just(EncryptionMethod::None), Just(EncryptionMethod::Xor)]
}

fn size() -> impl Strategy<Value = PacketSize> {
    prop_oneof![Just(PacketSize::Standard), Just(PacketSize::Legacy)]
}

fn connection() -> impl Strategy<
    Value = (
        EncryptionMethod,
        Vec<u8>,
        PacketSize,
        Vec<CheckResult>,
        [u8; 128],
        u32,
        u64,
    ),
> {
    (
        method(),
        proptest::collection::vec(any::<u8>(), 0..300),
        size(),
    )
        .prop_flat_map(|(method, password, size)| {
            (
                Just(method),
                Just(password),
                Just(size),
                proptest::collection::vec(check(size), 1..5),
                any::<[u8; 128]>(),
                any::<u32>(),
                any::<u64>(),
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// Encode with the client, decode with the server, in arbitrary chunks: the same check
    /// results come out, with the init packet's timestamp.
    #[test]
    fn client_to_server_is_the_identity(
        (method, password, size, checks, iv, timestamp, seed) in connection(),
        chunk in 1usize..5000,
    ) {
        let init = InitPacket { iv, timestamp };
        let mut client = ClientSession::new(&init, method, &password, size).unwrap();
        let mut rng = StdRng::seed_from_u64(seed);
        let mut wire = Vec::new();
        for c in &checks {
            client.encode(c, &mut rng, &mut wire).unwrap();
        }
        prop_assert_eq!(wire.len(), checks.len() * size.len());
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
            prop_assert_eq!(p.timestamp, timestamp);
            prop_assert_eq!(p.size, size);
        }
    }

    /// A plaintext packet decodes to what was encoded, whatever the filler.
    #[test]
    fn data_packet_round_trip(
        (size, c) in size().prop_flat_map(|s| (Just(s), check(s))),
        seed in any::<u64>(),
        ts in any::<u32>(),
    ) {
        let mut buf = vec![0u8; size.len()];
        StdRng::seed_from_u64(seed).fill_bytes(&mut buf);
        let p = DataPacket { size, timestamp: ts, check: c };
        p.encode(&mut buf).unwrap();
        prop_assert_eq!(DataPacket::decode(&buf).unwrap(), p);
    }

    /// Truncation always yields something that encodes.
    #[test]
    fn truncated_checks_always_encode(
        host in proptest::collection::vec(any::<u8>(), 0..100),
        output in proptest::collection::vec(any::<u8>(), 0..5000),
        size in size(),
    ) {
        let mut c = CheckResult::host([b"h".as_slice(), &host].concat(), 0, output);
        c.truncate(size);
        prop_assert!(c.validate(size).is_ok());
    }

    /// Arbitrary bytes in arbitrary chunks: never a panic, and the caller's buffer never holds
    /// more than one packet plus the last chunk.
    #[test]
    fn arbitrary_streams_never_panic(
        data in proptest::collection::vec(any::<u8>(), 0..12_000),
        chunk in 1usize..6000,
        method in method(),
        iv in any::<[u8; 128]>(),
    ) {
        let mut server = ServerSession::new(InitPacket { iv, timestamp: 0 }, method, b"pw").unwrap();
        let mut input = BytesMut::new();
        for piece in data.chunks(chunk) {
            input.extend_from_slice(piece);
            while let Ok(Some(_)) = server.decode(&mut input) {}
            prop_assert!(input.len() < PacketSize::Standard.len() + chunk);
        }
        while let Ok(Some(_)) = server.decode_eof(&mut input) {}
        prop_assert!(server.is_failed() || input.is_empty());
    }

    /// Any slice decodes to a packet or a precise error.
    #[test]
    fn arbitrary_packets_never_panic(data in proptest::collection::vec(any::<u8>(), 0..5000)) {
        let _ = DataPacket::decode(&data);
        let _ = InitPacket::decode(&data);
    }
}
