//! Blocking I/O on `std::net`: a [`Client`] that sends check results, and a [`Receiver`] that
//! accepts them. Both only move bytes; the protocol is in [`crate::ClientSession`] and
//! [`crate::ServerSession`].

mod client;
mod receiver;

pub use client::{Client, ClientConfig};
pub use receiver::{Connection, Received, Receiver, ReceiverConfig, RunningReceiver};

use std::time::{SystemTime, UNIX_EPOCH};

/// The current time as the protocol carries it: seconds since the epoch, cut to 32 bits.
pub(crate) fn now_u32() -> u32 {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    secs as u32 // The wire field is 32 bits; C's htonl((u_int32_t)time(NULL)) cuts the same way.
}
