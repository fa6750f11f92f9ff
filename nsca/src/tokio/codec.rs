use bytes::BytesMut;
use rand::SeedableRng;
use rand::rngs::StdRng;
use tokio_util::codec::{Decoder, Encoder};

use crate::check::CheckResult;
use crate::io_error::Error;
use crate::packet::DataPacket;
use crate::session::{ClientSession, ServerSession};

/// A `tokio_util` [`Decoder`] of data packets, for a server that frames the socket itself
/// (after sending [`ServerSession::init_packet`]).
///
/// ```no_run
/// # async fn run(socket: tokio::net::TcpStream) -> Result<(), nsca::Error> {
/// use nsca::{EncryptionMethod, InitPacket, ServerSession};
/// use nsca::tokio::ServerCodec;
/// use tokio::io::AsyncWriteExt;
/// use tokio_util::codec::FramedRead;
///
/// let init = InitPacket::random(&mut rand::rng(), 1_700_000_000);
/// let session = ServerSession::new(init, EncryptionMethod::Xor, b"pw")?;
/// let (read, mut write) = socket.into_split();
/// write.write_all(&init.encode()).await?;
/// let mut frames = FramedRead::new(read, ServerCodec::new(session));
/// # let _ = &mut frames;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct ServerCodec {
    session: ServerSession,
}

impl ServerCodec {
    /// Wraps a session.
    pub fn new(session: ServerSession) -> Self {
        Self { session }
    }

    /// The session.
    pub fn session(&self) -> &ServerSession {
        &self.session
    }
}

impl Decoder for ServerCodec {
    type Item = DataPacket;
    type Error = Error;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<DataPacket>, Error> {
        Ok(self.session.decode(src)?)
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<DataPacket>, Error> {
        Ok(self.session.decode_eof(src)?)
    }
}

/// A `tokio_util` [`Encoder`] of check results into encrypted data packets, with filler from a
/// cryptographic generator, for a client that frames the socket itself (after reading the init
/// packet into a [`ClientSession`]).
#[derive(Debug)]
pub struct ClientCodec {
    session: ClientSession,
    rng: StdRng,
}

impl ClientCodec {
    /// Wraps a session.
    pub fn new(session: ClientSession) -> Self {
        Self {
            session,
            rng: StdRng::from_os_rng(),
        }
    }

    /// The session.
    pub fn session(&self) -> &ClientSession {
        &self.session
    }
}

impl Encoder<&CheckResult> for ClientCodec {
    type Error = Error;

    fn encode(&mut self, check: &CheckResult, dst: &mut BytesMut) -> Result<(), Error> {
        let start = dst.len();
        let len = self.session.packet_size().len();
        dst.resize(start + len, 0);
        let sealed = self
            .session
            .encode_into(check, &mut self.rng, &mut dst[start..]);
        if sealed.is_err() {
            dst.truncate(start);
        }
        Ok(sealed?)
    }
}

impl Encoder<CheckResult> for ClientCodec {
    type Error = Error;

    fn encode(&mut self, check: CheckResult, dst: &mut BytesMut) -> Result<(), Error> {
        Encoder::<&CheckResult>::encode(self, &check, dst)
    }
}
