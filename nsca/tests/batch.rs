//! Property tests of `nsca::batch`: any batch reads back as it was written, any change to its
//! bytes (a flipped byte, a cut, bytes added) is an error rather than other results, and no
//! input makes the reader panic.

use nsca::CheckResult;
use nsca::batch::{Batch, BatchError};
use proptest::prelude::*;

fn field() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..8),
        proptest::collection::vec(any::<u8>(), 0..300),
    ]
}

fn check() -> impl Strategy<Value = CheckResult> {
    (
        field(),
        proptest::option::of(field()),
        any::<i16>(),
        field(),
    )
        .prop_map(|(host, service, code, output)| match service {
            Some(service) => CheckResult::service(host, service, code, output),
            None => CheckResult::host(host, code, output),
        })
}

fn batch() -> impl Strategy<Value = Batch> {
    (any::<u64>(), proptest::collection::vec(check(), 0..6))
        .prop_map(|(created, checks)| Batch::new(created, checks))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn reads_back_what_was_written(batch in batch()) {
        let bytes = batch.encode().unwrap();
        prop_assert_eq!(bytes.len(), batch.encoded_len());
        prop_assert_eq!(Batch::decode(&bytes).unwrap(), batch);
    }

    /// CRC-32 catches every change of up to 32 consecutive bits, and changes to the header are
    /// caught by the header checks: one changed byte never reads as a batch.
    #[test]
    fn any_changed_byte_is_an_error(batch in batch(), at in any::<prop::sample::Index>(), flip in 1u8..) {
        let mut bytes = batch.encode().unwrap();
        let i = at.index(bytes.len());
        bytes[i] ^= flip;
        prop_assert!(Batch::decode(&bytes).is_err());
    }

    #[test]
    fn cut_or_extended_is_an_error(batch in batch(), at in any::<prop::sample::Index>(), extra in proptest::collection::vec(any::<u8>(), 1..10)) {
        let bytes = batch.encode().unwrap();
        let cut = at.index(bytes.len());
        let short = Batch::decode(&bytes[..cut]);
        prop_assert!(short.is_err());
        if cut >= 36 {
            let is_truncated = matches!(short, Err(BatchError::Truncated { .. }));
            prop_assert!(is_truncated, "{:?}", short);
        }
        let mut long = bytes.clone();
        long.extend_from_slice(&extra);
        let is_trailing = matches!(Batch::decode(&long), Err(BatchError::TrailingBytes { .. }));
        prop_assert!(is_trailing);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = Batch::decode(&bytes);
        let mut framed = nsca::batch::MAGIC.to_vec();
        framed.extend_from_slice(&bytes);
        if let Ok(batch) = Batch::decode(&framed) {
            prop_assert_eq!(batch.encode().unwrap(), framed);
        }
    }
}
