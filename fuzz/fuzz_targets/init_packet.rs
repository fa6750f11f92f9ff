//! Decoding arbitrary bytes as an init packet: only 132 bytes decode, and they re-encode to
//! themselves.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nsca::{DecodeError, InitPacket};

fuzz_target!(|data: &[u8]| {
    match InitPacket::decode(data) {
        Ok(init) => {
            assert_eq!(data.len(), InitPacket::LEN);
            assert_eq!(&init.encode()[..], data);
        }
        Err(DecodeError::WrongLength {
            expected, actual, ..
        }) => {
            assert_eq!(expected, InitPacket::LEN);
            assert_eq!(actual, data.len());
            assert_ne!(actual, InitPacket::LEN);
        }
        Err(other) => panic!("unexpected error {other:?}"),
    }
});
