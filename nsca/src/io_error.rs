//! The error type of the I/O shells.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use crate::error::{CryptoError, DecodeError, EncodeError};

/// An error from a client or receiver: a protocol error from the core, or an I/O failure with
/// the step it happened in.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server's name could not be resolved.
    #[error("host name lookup failed for '{host}': {source}")]
    Resolve {
        /// The name as given.
        host: String,
        /// The resolver's error.
        #[source]
        source: io::Error,
    },
    /// The name resolved to no address.
    #[error("'{host}' resolved to no address")]
    NoAddress {
        /// The name as given.
        host: String,
    },
    /// Every address was tried and none accepted the connection.
    #[error("could not connect to {}: {}", .attempts.last().map_or(String::new(), |a| a.0.to_string()), .attempts.last().map_or(String::new(), |a| a.1.to_string()))]
    Connect {
        /// Each address tried, with its error, in order.
        attempts: Vec<(SocketAddr, io::Error)>,
    },
    /// The connect timeout ran out before any address accepted the connection.
    #[error("no connection within {0:?}")]
    ConnectTimeout(Duration),
    /// The server closed the connection before its init packet was complete.
    #[error("server closed the connection after {received} of the init packet's 132 bytes")]
    InitClosed {
        /// How many bytes arrived.
        received: usize,
    },
    /// No (whole) init packet arrived in time.
    #[error("no init packet from the server within {0:?}")]
    InitTimeout(Duration),
    /// Writing data packets failed.
    #[error("sending failed after {packets_written} whole packet(s) were written: {source}")]
    Send {
        /// Packets written to the socket in full before the failure, on this connection.
        packets_written: u64,
        /// The socket error.
        #[source]
        source: io::Error,
    },
    /// A peer sent nothing for longer than the read timeout.
    #[error("peer {peer} sent nothing for {timeout:?}")]
    ReadTimeout {
        /// The peer.
        peer: SocketAddr,
        /// The timeout.
        timeout: Duration,
    },
    /// Another I/O error, with what was being done.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: &'static str,
        /// The error.
        #[source]
        source: io::Error,
    },
    /// The encryption method could not be set up.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// A check result could not be encoded.
    #[error(transparent)]
    Encode(#[from] EncodeError),
    /// Received bytes could not be decoded.
    #[error(transparent)]
    Decode(#[from] DecodeError),
}

impl From<io::Error> for Error {
    /// A socket error with no more specific context (used by the tokio-util codecs).
    fn from(source: io::Error) -> Self {
        Self::Io {
            context: "socket I/O",
            source,
        }
    }
}

impl Error {
    pub(crate) fn io(context: &'static str) -> impl FnOnce(io::Error) -> Self {
        move |source| Self::Io { context, source }
    }
}
