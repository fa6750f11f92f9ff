//! Async I/O on tokio (feature `tokio`): a [`Client`] for one connection, a [`Sender`] handle
//! for long-running programs (bounded queue, batching, reconnects, an outcome per result), a
//! [`Receiver`] serving many connections at once, and tokio-util codecs for callers that frame
//! sockets themselves.
//!
//! Like [`crate::blocking`], these only move bytes: the protocol is in [`crate::ClientSession`]
//! and [`crate::ServerSession`], and the shared decisions (connect budget, error mapping) are the
//! same code.
//!
//! NSCA has no acknowledgement. The strongest promise any client can make is that a result was
//! written to the socket in full; the daemon may still drop it (a wrong password, for instance)
//! and only its log will say so.

mod client;
mod codec;
mod receiver;
mod sender;

pub use crate::blocking::Received;
pub use crate::config::{ClientConfig, ReceiverConfig};
pub use client::Client;
pub use codec::{ClientCodec, ServerCodec};
pub use receiver::{Incoming, Receiver, serve_connection};
pub use sender::{Closed, Delivery, Sender, SenderConfig, TrySendError};
