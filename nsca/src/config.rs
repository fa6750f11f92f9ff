//! Settings shared by the blocking and async shells.

use std::time::Duration;

use crate::crypto::EncryptionMethod;
use crate::packet::PacketSize;
use crate::password::Password;

/// How a client ([`crate::blocking::Client`], or the async one) connects and encrypts.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// The encryption method; must match the daemon's `decryption_method`.
    pub method: EncryptionMethod,
    /// The password; must match the daemon's.
    pub password: Password,
    /// The packet size: [`PacketSize::Legacy`] for NSCA 2.7 daemons.
    pub packet_size: PacketSize,
    /// Time allowed to connect, across all the addresses the name resolves to.
    pub connect_timeout: Duration,
    /// Time allowed for the init packet, and for each write.
    pub io_timeout: Duration,
}

impl Default for ClientConfig {
    /// `send_nsca`'s defaults: XOR with an empty password, 4304-byte packets, 10 s timeouts.
    fn default() -> Self {
        Self {
            method: EncryptionMethod::Xor,
            password: Password::default(),
            packet_size: PacketSize::Standard,
            connect_timeout: Duration::from_secs(10),
            io_timeout: Duration::from_secs(10),
        }
    }
}

/// How a receiver ([`crate::blocking::Receiver`], or the async one) decrypts and how long it
/// waits.
#[derive(Debug, Clone)]
pub struct ReceiverConfig {
    /// The decryption method; must match the clients' method.
    pub method: EncryptionMethod,
    /// The password; must match the clients'.
    pub password: Password,
    /// How long a connection may stay silent before it is dropped (the daemon's is 10 s).
    pub read_timeout: Duration,
    /// How many connections are served at once; further clients wait to be accepted.
    pub max_connections: usize,
    /// The daemon's `max_packet_age`, in seconds: `0` (the default) accepts any timestamp;
    /// otherwise [`crate::ServerSession::with_max_packet_age`] says which packets pass.
    pub max_packet_age: u32,
}

impl Default for ReceiverConfig {
    /// The daemon's defaults: XOR with an empty password, 10 s read timeout; 64 connections;
    /// no packet age check.
    fn default() -> Self {
        Self {
            method: EncryptionMethod::Xor,
            password: Password::default(),
            read_timeout: Duration::from_secs(10),
            max_connections: 64,
            max_packet_age: 0,
        }
    }
}
