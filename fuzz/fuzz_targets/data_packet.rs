//! Decoding arbitrary bytes as one data packet, with method 0 or 1 (what the CFB-8 methods do
//! to bytes is the `cipher` and `cipher_packet` targets' business, and a CRC that only matches
//! by chance would keep the fuzzer from ever getting past it here). Where decoding succeeds,
//! re-encoding the result with the same filler gives the same bytes.
//!
//! Input: see `nsca_fuzz::split` (method: even = none, odd = XOR; password, IV), then the
//! packet; its length picks the size (only 4304 and 720 can decode).
#![no_main]

use libfuzzer_sys::fuzz_target;
use nsca::{Cipher, ClientSession, DataPacket, DecodeError, InitPacket};

fuzz_target!(|data: &[u8]| {
    let Some(input) = nsca_fuzz::split(data) else {
        return;
    };
    let method = nsca_fuzz::fast_method(input.method);
    let (password, iv, wire) = (input.password, input.iv, input.rest);
    let mut cipher = Cipher::new(method, password, &iv).unwrap();
    let mut plain = wire.to_vec();
    cipher.decrypt(&mut plain);
    let packet = match DataPacket::decode(&plain) {
        Ok(p) => p,
        Err(DecodeError::UnknownPacketLength { actual }) => {
            assert!(actual != 4304 && actual != 720);
            return;
        }
        Err(DecodeError::BadVersion { found }) => {
            assert_ne!(found, 3);
            return;
        }
        Err(DecodeError::CrcMismatch { stored, computed }) => {
            assert_ne!(stored, computed);
            return;
        }
        Err(other) => panic!("unexpected error {other:?}"),
    };
    assert_eq!(packet.size.len(), wire.len());
    // Re-encode with the decrypted bytes as filler.
    let init = InitPacket {
        iv,
        timestamp: packet.timestamp,
    };
    let mut session = ClientSession::new(&init, method, password, packet.size).unwrap();
    let mut again = plain.clone();
    match session.encode_with_filler(&packet.check, &mut again) {
        Ok(()) => {}
        // The daemon accepts an empty host name, or a service description that is empty, but
        // our encoder refuses to produce them.
        Err(nsca::EncodeError::EmptyHost) => {
            assert!(packet.check.host_name().is_empty());
            return;
        }
        Err(e) => panic!("decoded packet does not re-encode: {e:?}"),
    }
    // Fields without a NUL are cut one short by the decoder, so the NUL the encoder writes lands
    // on a byte that was text: then only the decoded result must match.
    let terminated = [(14, 64), (78, 128), (206, packet.size.output_capacity())]
        .iter()
        .all(|&(at, len)| plain[at..at + len].contains(&0));
    if terminated {
        assert_eq!(again, wire, "re-encoding changed the packet");
    } else {
        let mut plain_again = again.clone();
        Cipher::new(method, password, &iv)
            .unwrap()
            .decrypt(&mut plain_again);
        assert_eq!(DataPacket::decode(&plain_again).unwrap(), packet);
    }
});
