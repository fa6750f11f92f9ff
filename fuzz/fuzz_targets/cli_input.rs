//! `send_nsca`'s input parser on arbitrary stdin bytes and delimiters: the set reader, the
//! strtok-like field splitter and the conversion to a check result.
//!
//! Input: `[field delimiter] [set delimiter] [flags] [stdin...]`; flag bit 0 = legacy packets.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nsca::PacketSize;
use nsca_cli::input::{MAX_SET_LEN, Parsed, SetReader, parse_set, to_check};

fuzz_target!(|data: &[u8]| {
    let [delimiter, set_delimiter, flags, stdin @ ..] = data else {
        return;
    };
    let size = if flags & 1 == 1 {
        PacketSize::Legacy
    } else {
        PacketSize::Standard
    };
    // A small read buffer so that sets straddle reads.
    let mut reader = SetReader::with_capacity(stdin, *set_delimiter, 7);
    let mut index = 0;
    loop {
        let set = match reader.next_set() {
            Ok(Some(set)) => set,
            Ok(None) => break,
            Err(too_long) => {
                assert_eq!(too_long.index, index + 1);
                break;
            }
        };
        index += 1;
        assert_eq!(set.index, index);
        assert!(set.bytes.len() <= MAX_SET_LEN);
        // Like the C client on x86 (signed char), a set delimiter of 0x80 or more never matches.
        if *set_delimiter < 0x80 {
            assert!(!set.bytes.contains(set_delimiter));
        }
        match parse_set(set.bytes, *delimiter) {
            Parsed::Empty => {}
            Parsed::TooFewFields { fields, .. } => assert!(fields < 3),
            Parsed::Check(fields) => {
                assert!(!fields.host.is_empty());
                if *delimiter != 0 {
                    assert!(!fields.host.contains(delimiter));
                    assert!(!fields.return_code.contains(delimiter));
                    if let Some(service) = fields.service {
                        assert!(!service.contains(delimiter));
                    }
                }
                let (check, _problems) = to_check(&fields, size);
                // What the parser hands over always fits the packet; the library may still
                // refuse an empty service (that is the CLI's documented difference).
                match check.validate(size) {
                    Ok(()) | Err(nsca::EncodeError::EmptyService) => {}
                    Err(e) => panic!("parsed check does not encode: {e:?}"),
                }
            }
        }
    }
});
