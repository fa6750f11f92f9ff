//! Structured input: any check results, method, password, packet size and number of packets per
//! connection. Client-encode (with given filler and with filler from an RNG, alternately) then
//! server-decode returns exactly the input after the documented truncation, across several
//! packets on one connection.
#![no_main]

use arbitrary::Arbitrary;
use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use nsca::{
    CheckResult, ClientSession, EncodeError, EncryptionMethod, InitPacket, PacketSize,
    ServerSession,
};
use rand::SeedableRng;
use rand::rngs::StdRng;

#[derive(Debug, Arbitrary)]
struct Check {
    host: Vec<u8>,
    service: Option<Vec<u8>>,
    code: i16,
    output: Vec<u8>,
}

#[derive(Debug, Arbitrary)]
struct Input {
    method: u8,
    password: Vec<u8>,
    legacy: bool,
    iv: [u8; 128],
    timestamp: u32,
    chunk: u16,
    checks: Vec<Check>,
}

fuzz_target!(|input: Input| {
    let method = EncryptionMethod::ALL[usize::from(input.method) % EncryptionMethod::ALL.len()];
    let size = if input.legacy {
        PacketSize::Legacy
    } else {
        PacketSize::Standard
    };
    let init = InitPacket {
        iv: input.iv,
        timestamp: input.timestamp,
    };
    let Ok(mut client) = ClientSession::new(&init, method, &input.password, size) else {
        return;
    };
    let mut server = ServerSession::new(init, method, &input.password).unwrap();
    let mut wire = Vec::new();
    let mut sent = Vec::new();
    let mut filler = 0u8;
    for c in input.checks.iter().take(16) {
        let mut check = match &c.service {
            Some(s) => CheckResult::service(c.host.clone(), s.clone(), c.code, c.output.clone()),
            None => CheckResult::host(c.host.clone(), c.code, c.output.clone()),
        };
        let before = check.clone();
        let cut = check.truncate(size);
        assert_eq!(cut.is_empty(), check == before);
        let mut buf = vec![filler; size.len()];
        filler = filler.wrapping_add(77);
        // Both ways of sealing, on one connection: the filler as given (every byte through the
        // cipher), and drawn from an RNG (with CFB-8, chosen as ciphertext, CRC patched).
        let sealed = if filler % 2 == 0 {
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
    let chunk = usize::from(input.chunk).max(1);
    let mut buf = BytesMut::new();
    let mut got = Vec::new();
    for piece in wire.chunks(chunk) {
        buf.extend_from_slice(piece);
        while let Some(p) = server.decode(&mut buf).expect("our own packets decode") {
            got.push(p);
        }
    }
    while let Some(p) = server.decode_eof(&mut buf).expect("our own packets decode") {
        got.push(p);
    }
    assert_eq!(got.len(), sent.len());
    for (p, c) in got.iter().zip(&sent) {
        assert_eq!(&p.check, c);
        assert_eq!(p.timestamp, input.timestamp);
        assert_eq!(p.size, size);
    }
});
