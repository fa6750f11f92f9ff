//! The server session fed an arbitrary byte stream in arbitrary chunks: no panic, the caller's
//! buffer stays bounded, and every error is one of the precise ones the session documents.
//!
//! Method 0 or 1 only, so that a run spends its time on framing, chunking, legacy detection and
//! session state rather than on block encryptions (the CFB-8 methods have the `cipher` and
//! `cipher_packet` targets).
//!
//! Input: see `nsca_fuzz::split` (method: even = none, odd = XOR; password, IV), then two bytes
//! of chunk size (big-endian; 0 = all at once) and the stream.
#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use nsca::{DecodeError, InitPacket, PacketSize, ServerSession};

fn check_error(e: &DecodeError) {
    match e {
        DecodeError::BadVersion { found } => assert_ne!(*found, 3),
        DecodeError::CrcMismatch { stored, computed } => assert_ne!(stored, computed),
        DecodeError::TruncatedStream { received, expected } => {
            // An unknown size is only reported before a first packet could be told apart.
            assert!(*received > 0 && *received < expected.unwrap_or(PacketSize::Legacy.len()));
        }
        other => panic!("unexpected error {other:?}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some(input) = nsca_fuzz::split(data) else {
        return;
    };
    let [c0, c1, stream @ ..] = input.rest else {
        return;
    };
    let chunk = match usize::from(u16::from_be_bytes([*c0, *c1])) {
        0 => stream.len().max(1),
        n => n,
    };
    let init = InitPacket {
        iv: input.iv,
        timestamp: 0,
    };
    let method = nsca_fuzz::fast_method(input.method);
    let mut server = ServerSession::new(init, method, input.password).unwrap();
    let mut buf = BytesMut::new();
    let mut rest = stream;
    let mut failed = false;
    while !rest.is_empty() {
        let (piece, tail) = rest.split_at(chunk.min(rest.len()));
        rest = tail;
        buf.extend_from_slice(piece);
        loop {
            match server.decode(&mut buf) {
                Ok(Some(_)) => assert!(!failed),
                Ok(None) => break,
                Err(e) => {
                    check_error(&e);
                    failed = true;
                }
            }
        }
        assert!(buf.len() < PacketSize::Standard.len() + piece.len());
        if failed {
            assert!(buf.is_empty());
        }
    }
    loop {
        match server.decode_eof(&mut buf) {
            Ok(Some(_)) => assert!(!failed),
            Ok(None) => break,
            Err(e) => {
                check_error(&e);
                failed = true;
            }
        }
    }
    assert!(buf.is_empty());
    assert_eq!(failed, server.is_failed());
});
