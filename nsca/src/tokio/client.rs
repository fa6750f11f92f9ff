use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use ::tokio::io::{AsyncReadExt, AsyncWriteExt};
use ::tokio::net::TcpStream;
use ::tokio::time::{Instant, timeout, timeout_at};

use crate::check::CheckResult;
use crate::config::ClientConfig;
use crate::init::InitPacket;
use crate::io_error::Error;
use crate::outbox::Outbox;
use crate::policy;
use crate::session::ClientSession;

/// An async connection to an NSCA daemon, ready to send check results.
///
/// ```no_run
/// # async fn run() -> Result<(), nsca::Error> {
/// use nsca::CheckResult;
/// use nsca::tokio::{Client, ClientConfig};
///
/// let config = ClientConfig { password: "secret".into(), ..ClientConfig::default() };
/// let mut client = Client::connect("nagios.example.com", 5667, &config).await?;
/// client.send(&CheckResult::service("web1", "HTTP", 0, "HTTP OK")).await?;
/// client.finish().await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Client {
    stream: TcpStream,
    outbox: Outbox,
    io_timeout: Duration,
}

impl Client {
    /// Resolves `host`, connects to the first of its addresses (IPv4 and IPv6) that accepts
    /// within `config.connect_timeout`, and reads the init packet.
    ///
    /// # Errors
    /// As [`crate::blocking::Client::connect`].
    pub async fn connect(host: &str, port: u16, config: &ClientConfig) -> Result<Self, Error> {
        let addrs = policy::resolved(host, ::tokio::net::lookup_host((host, port)).await)?;
        Self::connect_addrs(&addrs, config).await
    }

    /// Connects to the first of `addrs` that accepts within `config.connect_timeout`, and
    /// reads the init packet.
    ///
    /// # Errors
    /// As [`crate::blocking::Client::connect_addrs`].
    pub async fn connect_addrs(addrs: &[SocketAddr], config: &ClientConfig) -> Result<Self, Error> {
        let deadline = Instant::now() + config.connect_timeout;
        let mut attempts = Vec::new();
        for (i, addr) in addrs.iter().enumerate() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            let budget = policy::attempt_timeout(left, addrs.len() - i);
            match timeout(budget, TcpStream::connect(addr)).await {
                Ok(Ok(stream)) => return Self::handshake(stream, config).await,
                Ok(Err(e)) => attempts.push((*addr, e)),
                Err(_) => attempts.push((*addr, io::ErrorKind::TimedOut.into())),
            }
        }
        Err(policy::connect_failure(attempts, config.connect_timeout))
    }

    /// Uses an already connected stream: reads the init packet and sets up the session.
    ///
    /// # Errors
    /// [`Error::InitClosed`], [`Error::InitTimeout`], [`Error::Crypto`], [`Error::Io`].
    pub async fn handshake(mut stream: TcpStream, config: &ClientConfig) -> Result<Self, Error> {
        stream
            .set_nodelay(true)
            .map_err(Error::io("setting TCP_NODELAY"))?;
        let mut buf = [0u8; InitPacket::LEN];
        let mut got = 0;
        let deadline = Instant::now() + config.io_timeout;
        while got < buf.len() {
            match timeout_at(deadline, stream.read(&mut buf[got..])).await {
                Err(_) => return Err(Error::InitTimeout(config.io_timeout)),
                Ok(Ok(0)) => return Err(Error::InitClosed { received: got }),
                Ok(Ok(n)) => got += n,
                Ok(Err(e)) if e.kind() == io::ErrorKind::Interrupted => {}
                Ok(Err(e)) => return Err(policy::init_read_failure(e, got, config.io_timeout)),
            }
        }
        let init = InitPacket::from_bytes(&buf);
        let outbox = Outbox::for_connection(&init, config)?;
        Ok(Self {
            stream,
            outbox,
            io_timeout: config.io_timeout,
        })
    }

    /// The session (packet size, method).
    pub fn session(&self) -> &ClientSession {
        self.outbox.session()
    }

    /// Packets written to the socket in full so far.
    pub fn packets_written(&self) -> u64 {
        self.outbox.written()
    }

    /// Whether the server has closed the connection (it never sends anything after the init
    /// packet, so a readable socket means EOF or an error). Writing to such a socket can still
    /// succeed locally while the data is lost, so check before reusing an idle connection.
    pub fn server_closed(&self) -> bool {
        let mut probe = [0u8; 1];
        match self.stream.try_read(&mut probe) {
            Ok(_) => true, // EOF, or bytes the protocol never sends.
            Err(e) => e.kind() != io::ErrorKind::WouldBlock,
        }
    }

    /// Encodes and writes one check result.
    ///
    /// # Errors
    /// [`Error::Encode`] (nothing sent) or [`Error::Send`].
    pub async fn send(&mut self, check: &CheckResult) -> Result<(), Error> {
        self.send_all(core::iter::once(check)).await.map(drop)
    }

    /// Encodes and writes many check results, gathered into large writes; returns how many were
    /// written. See [`crate::blocking::Client::send_all`] for what the errors promise.
    ///
    /// # Errors
    /// [`Error::Encode`] or [`Error::Send`].
    pub async fn send_all<'a, I>(&mut self, checks: I) -> Result<u64, Error>
    where
        I: IntoIterator<Item = &'a CheckResult>,
    {
        let checks: Vec<&CheckResult> = checks.into_iter().collect();
        self.send_refs(&checks).await
    }

    /// [`Client::send_all`] over a slice: a concrete future, which `Sender`'s spawned task
    /// needs (generic iterator futures trip up `Send` inference across `.await`).
    pub(crate) async fn send_refs(&mut self, checks: &[&CheckResult]) -> Result<u64, Error> {
        let before = self.outbox.written();
        for check in checks {
            match self.outbox.push(check) {
                Ok(false) => {}
                Ok(true) => self.flush().await?,
                Err(e) => {
                    self.flush().await?;
                    return Err(e.into());
                }
            }
        }
        self.flush().await?;
        Ok(self.outbox.written() - before)
    }

    /// Closes the connection cleanly and returns the number of packets written.
    ///
    /// # Errors
    /// [`Error::Io`] if the shutdown fails.
    pub async fn finish(mut self) -> Result<u64, Error> {
        match self.stream.shutdown().await {
            Ok(()) => Ok(self.outbox.written()),
            Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(self.outbox.written()),
            Err(e) => Err(Error::io("closing the connection")(e)),
        }
    }

    async fn flush(&mut self) -> Result<(), Error> {
        while !self.outbox.unsent().is_empty() {
            let write = self.stream.write(self.outbox.unsent());
            match timeout(self.io_timeout, write).await {
                Ok(Ok(0)) => return Err(self.outbox.failed(io::ErrorKind::WriteZero.into())),
                Ok(Ok(n)) => self.outbox.wrote(n),
                Ok(Err(e)) if e.kind() == io::ErrorKind::Interrupted => {}
                Ok(Err(e)) => return Err(self.outbox.failed(e)),
                Err(_) => return Err(self.outbox.failed(io::ErrorKind::TimedOut.into())),
            }
        }
        Ok(())
    }
}
