//! Proptest strategies shared by the property tests.

use nsca::{CheckResult, Field, PacketSize};
use proptest::prelude::*;

/// Any byte but NUL (a C string cannot hold one), from empty to `max` bytes.
pub fn text(max: usize) -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(1u8..=255, 0..=max)
}

/// Any check result that fits a packet of `size`: host or service check, any `i16` code.
pub fn check(size: PacketSize) -> impl Strategy<Value = CheckResult> {
    let host = proptest::collection::vec(1u8..=255, 1..=63);
    let service = proptest::option::of(proptest::collection::vec(1u8..=255, 1..=127));
    (
        host,
        service,
        any::<i16>(),
        text(size.max_len(Field::Output)),
    )
        .prop_map(|(host, service, code, output)| match service {
            Some(service) => CheckResult::service(host, service, code, output),
            None => CheckResult::host(host, code, output),
        })
}
