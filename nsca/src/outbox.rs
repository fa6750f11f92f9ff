//! The client shells' send buffer: encoded packets waiting for the socket, and the count of
//! packets written in full. Both shells keep their accounting here, so that "written" means the
//! same thing in each; they only move [`Outbox::unsent`] to their socket.

use std::io;

use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::check::CheckResult;
use crate::config::ClientConfig;
use crate::error::EncodeError;
use crate::init::InitPacket;
use crate::io_error::Error;
use crate::session::ClientSession;

/// Packets are gathered up to this many bytes before they go to the socket.
const BATCH_BYTES: usize = 64 * 1024;

#[derive(Debug)]
pub(crate) struct Outbox {
    session: ClientSession,
    rng: StdRng,
    buf: Vec<u8>,
    /// Bytes of `buf` already written.
    sent: usize,
    written: u64,
}

impl Outbox {
    /// An outbox for the connection that sent `init`, with filler from a generator seeded by
    /// the OS.
    pub(crate) fn for_connection(init: &InitPacket, config: &ClientConfig) -> Result<Self, Error> {
        let session = ClientSession::new(
            init,
            config.method,
            config.password.as_bytes(),
            config.packet_size,
        )?;
        Ok(Self {
            session,
            rng: StdRng::from_os_rng(),
            buf: Vec::new(),
            sent: 0,
            written: 0,
        })
    }

    pub(crate) fn session(&self) -> &ClientSession {
        &self.session
    }

    /// Packets written to the socket in full on this connection.
    pub(crate) fn written(&self) -> u64 {
        self.written
    }

    /// Encodes one packet into the buffer. Returns whether the buffer should now be written.
    pub(crate) fn push(&mut self, check: &CheckResult) -> Result<bool, EncodeError> {
        self.session.encode(check, &mut self.rng, &mut self.buf)?;
        Ok(self.buf.len() >= BATCH_BYTES)
    }

    /// The bytes still to write.
    pub(crate) fn unsent(&self) -> &[u8] {
        &self.buf[self.sent..]
    }

    /// Records that the socket took `n` more bytes.
    pub(crate) fn wrote(&mut self, n: usize) {
        self.sent = (self.sent + n).min(self.buf.len());
        if self.sent == self.buf.len() {
            self.settle();
        }
    }

    /// Records a failed write: the packets written in full so far count, the rest is dropped.
    pub(crate) fn failed(&mut self, source: io::Error) -> Error {
        self.settle();
        Error::Send {
            packets_written: self.written,
            source,
        }
    }

    fn settle(&mut self) {
        self.written += (self.sent / self.session.packet_size().len()) as u64;
        self.buf.clear();
        self.sent = 0;
    }
}
