//! One packet, or two on one stream, through the client and server sessions with a real cipher:
//! the CFB-8 sealing with the filler chosen as ciphertext and the CRC patched (or the plain way,
//! every byte through the cipher), the server's legacy probe on a cloned cipher, and the decode,
//! with the stream going on from one packet to the next.
//!
//! A packet costs one block encryption per byte two or three times over (720 bytes for a legacy
//! packet, 4304 for a standard one), and the slowest ciphers take half a microsecond a block
//! under the fuzzer's instrumentation. What this target checks lies above the cipher: it only
//! needs the stream to behave as CFB-8 does, which the `cipher` target checks for every method on
//! short inputs. So it runs one method from each family of code that carries the stream (see
//! `FAMILIES`), legacy packets with all of them and standard ones with the cheap ones
//! (`STANDARD`).
//!
//! Input: see `nsca_fuzz::split` (method, among `FAMILIES`; password, IV), then `[flags: bit 0 =
//! standard size, bit 1 = plain sealing, bit 2 = a second packet on the same stream, sealed the
//! other way] [filler seed] [timestamp: 4 bytes]` and one check result as
//! `nsca_fuzz::Reader::check` reads it.
#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use nsca::{
    Cipher, ClientSession, EncodeError, EncryptionMethod, InitPacket, PacketSize, ServerSession,
};
use nsca_fuzz::{Reader, pick_method};
use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};

/// One method for each way the library carries a stream: no cipher, XOR, DES's own CFB-8 loops
/// (Triple DES shares them), 8-byte blocks from a RustCrypto crate (CAST-128; Blowfish and RC2
/// too) and from the library's own code (XTEA; GOST too), 16-byte blocks from RustCrypto
/// (AES-256; Serpent too) and from the library (CAST-256; Twofish, LOKI97 and SAFER+ too).
/// Rijndael-192 and -256 run the same generic loop as CAST-256 with a longer register, at two
/// to three times the cost a packet; the `cipher` target checks them.
const FAMILIES: [EncryptionMethod; 7] = [
    EncryptionMethod::None,
    EncryptionMethod::Xor,
    EncryptionMethod::Des,
    EncryptionMethod::Cast128,
    EncryptionMethod::Cast256,
    EncryptionMethod::Xtea,
    EncryptionMethod::Rijndael128,
];

/// Methods that also get standard-size packets: none, XOR and AES-256 (method 14, run by AES-NI
/// eight blocks at a time).
const STANDARD: [EncryptionMethod; 3] = [
    EncryptionMethod::None,
    EncryptionMethod::Xor,
    EncryptionMethod::Rijndael128,
];

/// Offsets of the fields in a decrypted packet.
const HOST_AT: usize = 14;
const SERVICE_AT: usize = 78;
const OUTPUT_AT: usize = 206;

fuzz_target!(|data: &[u8]| {
    let Some(input) = nsca_fuzz::split(data) else {
        return;
    };
    let method = pick_method(input.method, &FAMILIES);
    let mut r = Reader::new(input.rest);
    let flags = r.u8();
    let size = if flags & 1 == 1 && STANDARD.contains(&method) {
        PacketSize::Standard
    } else {
        PacketSize::Legacy
    };
    let seed = r.u8();
    let timestamp = r.u32();
    let mut check = r.check();
    check.truncate(size);
    let init = InitPacket {
        iv: input.iv,
        timestamp,
    };
    let mut client = ClientSession::new(&init, method, input.password, size).unwrap();
    // One packet, or two on the same stream (the second sealed the other way).
    let packets = if flags & 4 == 4 { 2 } else { 1 };
    let mut wire = Vec::new();
    for i in 0..packets {
        let plain_sealing = (flags & 2 == 2) != (i == 1);
        let mut packet = vec![seed; size.len()];
        let rng_seed = u64::from(seed) + i;
        let sealed = if plain_sealing {
            client.encode_with_filler(&check, &mut packet)
        } else {
            client.encode_into(&check, &mut StdRng::seed_from_u64(rng_seed), &mut packet)
        };
        match sealed {
            Ok(()) => {}
            Err(EncodeError::EmptyHost) => {
                assert!(check.host_name().is_empty());
                return;
            }
            Err(EncodeError::EmptyService) => {
                assert_eq!(check.service_description(), Some(&b""[..]));
                return;
            }
            Err(e) => panic!("truncated check failed to encode: {e:?}"),
        }

        let output_end = OUTPUT_AT + check.output().len() + 1;
        if plain_sealing && i == 0 {
            // The header and host field decrypt to what method 0 writes with the same filler.
            let mut reference = vec![seed; size.len()];
            ClientSession::new(&init, EncryptionMethod::None, b"", size)
                .unwrap()
                .encode_with_filler(&check, &mut reference)
                .unwrap();
            let mut prefix = packet[..SERVICE_AT].to_vec();
            Cipher::new(method, input.password, &input.iv)
                .unwrap()
                .decrypt(&mut prefix);
            assert_eq!(prefix, reference[..SERVICE_AT], "decrypted prefix");
        } else if !plain_sealing && method.block_len() > 0 && output_end + 4 <= size.len() {
            // CFB-8 with room for the CRC patch: the filler goes out as drawn, as ciphertext.
            let mut drawn = vec![0; size.len()];
            StdRng::seed_from_u64(rng_seed).fill_bytes(&mut drawn);
            let host_end = HOST_AT + check.host_name().len() + 1;
            let service_end = SERVICE_AT + check.service_description().map_or(0, <[u8]>::len) + 1;
            for free in [
                host_end..SERVICE_AT,
                service_end..OUTPUT_AT,
                output_end..size.len() - 4,
            ] {
                assert_eq!(
                    packet[free.clone()],
                    drawn[free.clone()],
                    "filler at {free:?}"
                );
            }
        }
        wire.extend_from_slice(&packet);
    }

    // The server reads them back: 720-byte packets through the legacy probe (on a clone of the
    // cipher), 4304-byte ones past it, the cipher stream going on from one to the next.
    let mut server = ServerSession::new(init, method, input.password).unwrap();
    let mut buf = BytesMut::from(&wire[..]);
    for _ in 0..packets {
        let packet = server
            .decode(&mut buf)
            .expect("our own packet decodes")
            .expect("a whole packet");
        assert_eq!(packet.check, check);
        assert_eq!(packet.timestamp, timestamp);
        assert_eq!(packet.size, size);
    }
    assert!(buf.is_empty());
    assert_eq!(server.decode_eof(&mut buf), Ok(None));
    assert!(!server.is_failed());
});
