//! Blocking I/O on `std::net`: a [`Client`] that sends check results, and a [`Receiver`] that
//! accepts them. Both only move bytes; the protocol is in [`crate::ClientSession`] and
//! [`crate::ServerSession`].

mod client;
mod receiver;

pub use crate::config::{ClientConfig, ReceiverConfig};
pub use client::Client;
pub use receiver::{Connection, Received, Receiver, RunningReceiver};
