//! NSCA, the Nagios Service Check Acceptor protocol: send passive check results to Nagios,
//! Icinga 1 or Naemon through the `nsca` daemon, or receive them yourself.
//!
//! The crate is built in two layers:
//!
//! - a **sans-IO core** that reads and writes the protocol's bytes and does nothing else: the
//!   [`InitPacket`] the server sends, the [`DataPacket`] the client sends (in both sizes the
//!   daemon accepts, with its CRC32), every [`EncryptionMethod`] in [`crypto`], and the two
//!   connection state machines, [`ClientSession`] and [`ServerSession`]. Time and randomness
//!   come from the caller, so everything in it is deterministic and testable;
//! - thin **I/O shells** that only move those bytes: [`blocking`] on `std::net`, and (feature
//!   `tokio`) `nsca::tokio`: an async client, a `Sender` handle with a bounded
//!   queue, batching and reconnects, an async receiver, and tokio-util codecs.
//!
//! Around the protocol, two formats a receiver needs: [`checkresult`], the Nagios check-result
//! spool file the daemon writes when `check_result_path` is set, and [`plugin_output`], which
//! splits an output into text, long text and performance data the way Nagios reads it. A
//! sender that keeps results to send later can store them as a [`batch::Batch`]: versioned,
//! checksummed bytes that read back exactly or fail with a precise error. Programs that read
//! `nsca.cfg` or `send_nsca.cfg` as NSCA's C programs do share [`config_syntax`]: the line
//! syntax and glibc's number parsing.
//!
//! # Sending a check result
//!
//! ```no_run
//! use nsca::CheckResult;
//! use nsca::blocking::{Client, ClientConfig};
//!
//! let config = ClientConfig { password: "secret".into(), ..ClientConfig::default() };
//! let mut client = Client::connect("nagios.example.com", 5667, &config)?;
//! client.send(&CheckResult::service("web1", "HTTP", 0, "HTTP OK - 0.002 s"))?;
//! client.send(&CheckResult::host("web1", 0, "PING OK"))?;
//! client.finish()?;
//! # Ok::<(), nsca::Error>(())
//! ```
//!
//! # The protocol without sockets
//!
//! ```
//! use bytes::BytesMut;
//! use nsca::{CheckResult, ClientSession, EncryptionMethod, InitPacket, PacketSize, ServerSession};
//!
//! // The server greets each connection with a fresh IV and its clock.
//! let init = InitPacket::random(&mut rand::rng(), 1_700_000_000);
//! let mut server = ServerSession::new(init, EncryptionMethod::Xor, b"pw")?;
//!
//! // The client encrypts with the IV it was given.
//! let mut client = ClientSession::new(&init, EncryptionMethod::Xor, b"pw", PacketSize::Standard)?;
//! let mut wire = Vec::new();
//! let check = CheckResult::service("db1", "Replication", 1, "lag 12 s");
//! client.encode(&check, &mut rand::rng(), &mut wire)?;
//!
//! // The server decodes bytes as they arrive, in chunks of any size.
//! let mut input = BytesMut::new();
//! input.extend_from_slice(&wire[..1000]);
//! assert!(server.decode(&mut input)?.is_none());
//! input.extend_from_slice(&wire[1000..]);
//! let packet = server.decode(&mut input)?.expect("a whole packet");
//! assert_eq!(packet.check, check);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Security
//!
//! NSCA's XOR method (1, the default) is obfuscation, not encryption, and no method
//! authenticates anything: the CRC32 only catches a wrong password. The libmcrypt methods (2 and
//! up) hide the contents from a passive listener but, in CFB mode with no MAC, not from an active
//! one. Keep NSCA on a trusted network or inside a tunnel. With Triple DES, a password of 8 bytes
//! or fewer makes it single DES (see [`EncryptionMethod::TripleDes`]).
//!
//! # Compatibility
//!
//! Everything here is byte-compatible with NSCA 2.10.2 (`send_nsca` and `nsca`), checked against
//! captures of the real programs and against the real daemon in the workspace's tests. Where
//! this crate deliberately differs (filler and IVs from a cryptographic generator instead of 256
//! possible `rand()` seeds; with the libmcrypt methods, filler chosen as ciphertext so that only
//! the strings go through CFB-8's byte-by-byte chain, see [`ClientSession::encode`]; a receiver
//! that keeps reading legacy 720-byte packets after the first), the item's documentation says
//! so.

#![forbid(unsafe_code)]
#![cfg_attr(not(fuzzing), deny(missing_docs))]
#![warn(unreachable_pub)]

pub mod batch;
mod check;
pub mod checkresult;
mod command;
pub mod config_syntax;
pub mod crypto;
mod error;
mod init;
mod packet;
mod password;
pub mod plugin_output;
mod session;

pub mod blocking;
mod config;
mod io_error;
mod outbox;
mod policy;
#[cfg(feature = "tokio")]
pub mod tokio;

pub use check::{CheckResult, Cut, ReturnCode, Truncation};
pub use command::command_line;
pub use config::{ClientConfig, ReceiverConfig};
pub use crypto::{Cipher, EncryptionMethod};
pub use error::{CryptoError, DecodeError, EncodeError, Field, Message, Unusable};
pub use init::{IV_LEN, InitPacket};
pub use io_error::Error;
pub use packet::{DataPacket, PACKET_VERSION, PacketSize};
pub use password::Password;
pub use session::{ClientSession, ServerSession};
