//! A spool file of `send_nsca --spool` (`nsca::batch::Batch::decode`) from arbitrary bytes.
//!
//! The first byte chooses how the rest is used: even, as the whole file; odd, as the file's
//! body (created, count, records) behind a correct header and before the checksum the decoder
//! computes, so that the record reader is reached without guessing a CRC-32. The first byte
//! also picks the byte changed in the last check. No panic; every error's numbers
//! agree with the input; a batch that decodes encodes back to exactly the same bytes, and any
//! one changed byte of those makes it fail.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nsca::batch::{Batch, BatchError as E, MAGIC, VERSION};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let file = if mode % 2 == 0 {
        rest.to_vec()
    } else {
        let mut file = MAGIC.to_vec();
        file.extend_from_slice(&VERSION.to_be_bytes());
        file.extend_from_slice(&0u16.to_be_bytes());
        let len = 8 + 2 + 2 + 8 + rest.len() + 4;
        file.extend_from_slice(&(len as u64).to_be_bytes());
        file.extend_from_slice(rest);
        file.extend_from_slice(&[0; 4]);
        // The checksum the decoder computes, put where it belongs.
        if let Err(E::Checksum { computed, .. }) = Batch::decode(&file) {
            let at = file.len() - 4;
            file[at..].copy_from_slice(&computed.to_be_bytes());
        }
        file
    };
    match Batch::decode(&file) {
        Ok(batch) => {
            assert_eq!(batch.encoded_len(), file.len());
            let again = batch.encode().expect("a decoded batch encodes");
            assert_eq!(again, file);
            let at = usize::from(mode) % file.len();
            let mut changed = file.clone();
            changed[at] ^= 0x5a;
            assert!(
                Batch::decode(&changed).is_err(),
                "byte {at} changed unnoticed"
            );
        }
        Err(e) => match e {
            E::TooShort { len, min } => assert!(len == file.len() && len < min, "{e}"),
            E::Truncated { expected, actual } => {
                assert!(actual == file.len() && (actual as u64) < expected, "{e}")
            }
            E::TrailingBytes { expected, actual } => {
                assert!(actual == file.len() && (actual as u64) > expected, "{e}")
            }
            E::UnknownKind { offset, .. } | E::RecordPastEnd { offset, .. } => {
                assert!(offset >= 32 && offset < file.len(), "{e}")
            }
            E::ExtraBytes { extra, .. } => assert!(extra > 0 && extra < file.len(), "{e}"),
            E::UnsupportedVersion { version, .. } => assert_ne!(version, VERSION),
            E::UnknownFlags { flags } => assert_ne!(flags, 0),
            E::Checksum { stored, computed } => assert_ne!(stored, computed),
            E::NotABatch => assert!(!file.starts_with(&MAGIC)),
            other => panic!("decoding gave an encoding error: {other}"),
        },
    }
});
