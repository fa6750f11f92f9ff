//! Known-answer tests from real traffic between Debian's `send_nsca` 2.10.2 and `nsca` 2.10.2
//! (see `tests/data/README.md`): decode every captured packet, and re-encode each one with the
//! captured filler to get the captured bytes back, byte for byte.

use bytes::BytesMut;
use nsca::{
    CheckResult, Cipher, ClientSession, DataPacket, EncryptionMethod, InitPacket, PacketSize,
    ServerSession,
};

/// Reads `xxd -c 16` output back into bytes.
fn xxd(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut out = Vec::new();
    for line in text.lines() {
        let hex = line
            .split_once(": ")
            .unwrap()
            .1
            .split("  ")
            .next()
            .unwrap()
            .replace(' ', "");
        for i in (0..hex.len()).step_by(2) {
            out.push(u8::from_str_radix(&hex[i..i + 2], 16).unwrap());
        }
    }
    out
}

struct Capture {
    init: InitPacket,
    data: Vec<u8>,
}

fn capture(stem: &str) -> Capture {
    let init = xxd(&format!("{stem}-init.hex"));
    Capture {
        init: InitPacket::decode(&init).unwrap(),
        data: xxd(&format!("{stem}-data.hex")),
    }
}

/// Decodes every packet of a capture through the server session, as the daemon would.
fn decode_all(c: &Capture, method: EncryptionMethod, password: &[u8]) -> Vec<DataPacket> {
    let mut server = ServerSession::new(c.init, method, password).unwrap();
    let mut input = BytesMut::from(&c.data[..]);
    let mut out = Vec::new();
    while let Some(p) = server.decode_eof(&mut input).unwrap() {
        out.push(p);
    }
    assert!(input.is_empty());
    out
}

/// Re-encodes each packet with the filler the C client drew, and checks that the result is the
/// captured ciphertext. The fields' text, the header and the CRC are scrubbed from the filler
/// first, so the encoder has to write every one of them.
fn reencode(c: &Capture, method: EncryptionMethod, password: &[u8], size: PacketSize) {
    let packets = decode_all(c, method, password);
    let mut decrypt = Cipher::new(method, password, &c.init.iv).unwrap();
    let mut session = ClientSession::new(&c.init, method, password, size).unwrap();
    for (i, chunk) in c.data.chunks(size.len()).enumerate() {
        let mut filler = chunk.to_vec();
        decrypt.decrypt(&mut filler);
        filler[..2].fill(0); // version (bytes 2..4 are padding: filler)
        filler[4..14].fill(0); // CRC, timestamp, return code
        let check = &packets[i].check;
        for (at, text) in [
            (14, check.host_name()),
            (78, check.service_description().unwrap_or_default()),
            (206, check.output()),
        ] {
            filler[at..=at + text.len()].fill(0xEE);
        }
        session.encode_with_filler(check, &mut filler).unwrap();
        let first_diff = filler.iter().zip(chunk).position(|(a, b)| a != b);
        assert_eq!(
            first_diff, None,
            "packet {i} re-encoded differs at this offset"
        );
    }
}

const CAPTURE_TIME: u32 = 0x6B09_BABB;

#[test]
fn none_service_packet() {
    let c = capture("01-none-service");
    assert_eq!(c.init.timestamp, CAPTURE_TIME);
    assert_eq!(&c.init.iv[..4], &[0xcb, 0x13, 0xbf, 0x25]);
    assert_eq!(c.data.len(), 4304);
    let packets = decode_all(&c, EncryptionMethod::None, b"");
    assert_eq!(packets.len(), 1);
    assert_eq!(packets[0].size, PacketSize::Standard);
    assert_eq!(packets[0].timestamp, CAPTURE_TIME);
    assert_eq!(
        packets[0].check,
        CheckResult::service("localhost", "svc one", 0, "OK - all good | t=1")
    );
    reencode(&c, EncryptionMethod::None, b"", PacketSize::Standard);
}

#[test]
fn none_host_packet() {
    let c = capture("02-none-host");
    let packets = decode_all(&c, EncryptionMethod::None, b"");
    assert_eq!(packets.len(), 1);
    assert_eq!(
        packets[0].check,
        CheckResult::host("myhost", 1, "Host is DOWN")
    );
    assert!(packets[0].check.is_host_check());
    assert_eq!(packets[0].timestamp, c.init.timestamp);
    reencode(&c, EncryptionMethod::None, b"", PacketSize::Standard);
}

#[test]
fn legacy_720_byte_packet() {
    let c = capture("03-legacy720");
    assert_eq!(c.data.len(), 720);
    let packets = decode_all(&c, EncryptionMethod::None, b"");
    assert_eq!(packets.len(), 1);
    assert_eq!(packets[0].size, PacketSize::Legacy);
    assert_eq!(
        packets[0].check,
        CheckResult::service("leg", "legacy svc", 0, "legacy output")
    );
    reencode(&c, EncryptionMethod::None, b"", PacketSize::Legacy);
}

#[test]
fn xor_two_packets_on_one_connection() {
    let c = capture("04-xor-secret-2pkts");
    assert_eq!(c.data.len(), 2 * 4304);
    let packets = decode_all(&c, EncryptionMethod::Xor, b"secret");
    let checks: Vec<_> = packets.iter().map(|p| p.check.clone()).collect();
    assert_eq!(
        checks,
        [
            CheckResult::service("xh", "xor svc", 0, "xor output"),
            CheckResult::service("xh", "xor svc 2", 1, "second"),
        ]
    );
    // XOR restarts for every packet: the second packet decodes on its own, too.
    let mut alone = c.data[4304..].to_vec();
    Cipher::new(EncryptionMethod::Xor, b"secret", &c.init.iv)
        .unwrap()
        .decrypt(&mut alone);
    assert_eq!(DataPacket::decode(&alone).unwrap().check, checks[1]);
    reencode(&c, EncryptionMethod::Xor, b"secret", PacketSize::Standard);
}

#[test]
fn xor_with_the_wrong_password_fails_the_version_or_crc_check() {
    let c = capture("04-xor-secret-2pkts");
    let first_error = |password: &[u8]| {
        let mut server = ServerSession::new(c.init, EncryptionMethod::Xor, password).unwrap();
        let mut input = BytesMut::from(&c.data[..]);
        let err = server.decode(&mut input).unwrap_err();
        assert!(
            err.to_string()
                .contains("wrong password or encryption method"),
            "{err}"
        );
        // The session stops after an error, as the daemon closes the connection.
        assert!(server.is_failed());
        assert_eq!(server.decode(&mut input), Ok(None));
        assert!(input.is_empty());
        err
    };
    // 'o' ^ 's' changes the version bytes.
    assert!(matches!(
        first_error(b"other!"),
        nsca::DecodeError::BadVersion { .. }
    ));
    // Only the sixth byte differs: the version survives, the CRC does not.
    assert!(matches!(
        first_error(b"secreT"),
        nsca::DecodeError::CrcMismatch { .. }
    ));
}

#[test]
fn multiline_output_with_backslash() {
    let c = capture("06-multiline-etb-2pkts");
    let packets = decode_all(&c, EncryptionMethod::None, b"");
    assert_eq!(
        packets[0].check,
        CheckResult::service("h1", "s1", 0, "out1")
    );
    assert_eq!(
        packets[1].check,
        CheckResult::service("h2", "s2", 2, "line1\nline2 back\\slash")
    );
    assert_eq!(
        nsca::command_line(&packets[1].check, 1_795_799_619),
        b"[1795799619] PROCESS_SERVICE_CHECK_RESULT;h2;s2;2;line1\\nline2 back\\\\slash".to_vec()
    );
    reencode(&c, EncryptionMethod::None, b"", PacketSize::Standard);
}

#[test]
fn captured_packets_decode_from_any_chunking() {
    let c = capture("04-xor-secret-2pkts");
    for chunk in [1, 7, 131, 720, 4303, 4305, 9000] {
        let mut server = ServerSession::new(c.init, EncryptionMethod::Xor, b"secret").unwrap();
        let mut input = BytesMut::new();
        let mut got = Vec::new();
        for piece in c.data.chunks(chunk) {
            input.extend_from_slice(piece);
            while let Some(p) = server.decode(&mut input).unwrap() {
                got.push(p.check);
            }
        }
        assert!(server.decode_eof(&mut input).unwrap().is_none());
        assert_eq!(got.len(), 2, "chunk {chunk}");
    }
}
