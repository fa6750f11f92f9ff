//! The two ends of an NSCA connection, as state machines with no I/O.
//!
//! They take bytes, time and randomness from the caller and give bytes back; the blocking and
//! async shells only move those bytes over sockets.

mod client;
mod server;

pub use client::ClientSession;
pub use server::ServerSession;
