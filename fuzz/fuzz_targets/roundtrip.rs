//! Whole connections, client to server: any check results (up to 16 packets on one connection),
//! either packet size, any timestamp and any chunking of the stream. Client-encode (with given
//! filler and with filler from an RNG, alternately) then server-decode returns exactly the input
//! after the documented truncation.
//!
//! Methods 0 and 1 only, so that a run spends its time on framing and session state: one packet
//! per method and the CFB-8 sealing (filler chosen as ciphertext, CRC patch) are the
//! `cipher_packet` target's.
//!
//! Input: see `nsca_fuzz::split` (method: even = none, odd = XOR; password, IV), then
//! `[flags: bit 0 = legacy] [timestamp: 4 bytes] [chunk: 2 bytes, 0 = all at once]` and check
//! results as `nsca_fuzz::Reader::check` reads them, to the end.
#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use nsca::{ClientSession, EncodeError, InitPacket, PacketSize, ServerSession};
use nsca_fuzz::{Reader, fast_method};
use rand::SeedableRng;
use rand::rngs::StdRng;

/// Packets per connection.
const MAX_PACKETS: usize = 16;

fuzz_target!(|data: &[u8]| {
    let Some(input) = nsca_fuzz::split(data) else {
        return;
    };
    let method = fast_method(input.method);
    let mut r = Reader::new(input.rest);
    let size = if r.u8() & 1 == 1 {
        PacketSize::Legacy
    } else {
        PacketSize::Standard
    };
    let timestamp = r.u32();
    let chunk = r.u16();
    let init = InitPacket {
        iv: input.iv,
        timestamp,
    };
    let mut client = ClientSession::new(&init, method, input.password, size).unwrap();
    let mut server = ServerSession::new(init, method, input.password).unwrap();
    let mut wire = Vec::new();
    let mut sent = Vec::new();
    let mut filler = 0u8;
    for _ in 0..MAX_PACKETS {
        if r.is_empty() {
            break;
        }
        let mut check = r.check();
        let before = check.clone();
        let cut = check.truncate(size);
        assert_eq!(cut.is_empty(), check == before);
        let mut buf = vec![filler; size.len()];
        filler = filler.wrapping_add(77);
        // Both ways of sealing, on one connection: the filler as given, and drawn from an RNG.
        let sealed = if filler.is_multiple_of(2) {
            client.encode_with_filler(&check, &mut buf)
        } else {
            let mut rng = StdRng::seed_from_u64(u64::from(filler));
            client.encode_into(&check, &mut rng, &mut buf)
        };
        match sealed {
            Ok(()) => {
                wire.extend_from_slice(&buf);
                sent.push(check);
            }
            Err(EncodeError::EmptyHost) => assert!(check.host_name().is_empty()),
            Err(EncodeError::EmptyService) => {
                assert_eq!(check.service_description(), Some(&b""[..]));
            }
            Err(e) => panic!("truncated check failed to encode: {e:?}"),
        }
    }
    let chunk = match usize::from(chunk) {
        0 => wire.len().max(1),
        n => n,
    };
    let mut buf = BytesMut::new();
    let mut got = Vec::new();
    for piece in wire.chunks(chunk) {
        buf.extend_from_slice(piece);
        while let Some(p) = server.decode(&mut buf).expect("our own packets decode") {
            got.push(p);
        }
        assert!(buf.len() < size.len());
    }
    while let Some(p) = server.decode_eof(&mut buf).expect("our own packets decode") {
        got.push(p);
    }
    assert!(buf.is_empty());
    assert!(!server.is_failed());
    assert_eq!(got.len(), sent.len());
    for (p, c) in got.iter().zip(&sent) {
        assert_eq!(&p.check, c);
        assert_eq!(p.timestamp, timestamp);
        assert_eq!(p.size, size);
    }
});
