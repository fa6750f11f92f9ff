use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use crate::check::CheckResult;
use crate::config::ClientConfig;
use crate::init::InitPacket;
use crate::io_error::Error;
use crate::outbox::Outbox;
use crate::policy;
use crate::session::ClientSession;

/// A connection to an NSCA daemon, ready to send check results.
///
/// ```no_run
/// use nsca::CheckResult;
/// use nsca::blocking::{Client, ClientConfig};
///
/// let config = ClientConfig { password: "secret".into(), ..ClientConfig::default() };
/// let mut client = Client::connect("nagios.example.com", 5667, &config)?;
/// client.send(&CheckResult::service("web1", "HTTP", 0, "HTTP OK"))?;
/// client.finish()?;
/// # Ok::<(), nsca::Error>(())
/// ```
///
/// NSCA has no acknowledgement: a result counts as sent once it is written to the socket. The
/// daemon may still drop it (wrong password, for instance) and only its log will say so.
#[derive(Debug)]
pub struct Client {
    stream: TcpStream,
    outbox: Outbox,
}

impl Client {
    /// Resolves `host` (a name, or an IPv4 or IPv6 address), connects to the first of its
    /// addresses that accepts within `config.connect_timeout` (IPv4 and IPv6 alike, in the
    /// resolver's order), and reads the init packet.
    ///
    /// # Errors
    /// [`Error::Resolve`], [`Error::NoAddress`], then those of [`Client::connect_addrs`].
    pub fn connect(host: &str, port: u16, config: &ClientConfig) -> Result<Self, Error> {
        let addrs = policy::resolved(host, (host, port).to_socket_addrs())?;
        Self::connect_addrs(&addrs, config)
    }

    /// Connects to the first of `addrs` that accepts within `config.connect_timeout`, and reads
    /// the init packet.
    ///
    /// # Errors
    /// [`Error::Connect`] (every address refused or failed; each attempt is listed),
    /// [`Error::ConnectTimeout`], then those of [`Client::handshake`].
    pub fn connect_addrs(addrs: &[SocketAddr], config: &ClientConfig) -> Result<Self, Error> {
        let stream = connect_any(addrs, config.connect_timeout)?;
        Self::handshake(stream, config)
    }

    /// Uses an already connected stream: reads the init packet and sets up the session.
    ///
    /// # Errors
    /// [`Error::InitClosed`], [`Error::InitTimeout`], [`Error::Crypto`], [`Error::Io`].
    pub fn handshake(mut stream: TcpStream, config: &ClientConfig) -> Result<Self, Error> {
        stream
            .set_nodelay(true)
            .map_err(Error::io("setting TCP_NODELAY"))?;
        stream
            .set_read_timeout(Some(policy::nonzero(config.io_timeout)))
            .map_err(Error::io("setting the read timeout"))?;
        stream
            .set_write_timeout(Some(policy::nonzero(config.io_timeout)))
            .map_err(Error::io("setting the write timeout"))?;
        let init = read_init(&mut stream, config.io_timeout)?;
        let outbox = Outbox::for_connection(&init, config)?;
        Ok(Self { stream, outbox })
    }

    /// The session (packet size, method).
    pub fn session(&self) -> &ClientSession {
        self.outbox.session()
    }

    /// Packets written to the socket in full so far.
    pub fn packets_written(&self) -> u64 {
        self.outbox.written()
    }

    /// Encodes and writes one check result.
    ///
    /// # Errors
    /// [`Error::Encode`] (nothing is sent, the connection stays usable) or [`Error::Send`].
    pub fn send(&mut self, check: &CheckResult) -> Result<(), Error> {
        self.send_all(core::iter::once(check)).map(drop)
    }

    /// Encodes and writes many check results, gathering them into large writes.
    ///
    /// Returns how many were written. On an encoding error, the results before it have been
    /// written and the error says which field failed; on a socket error,
    /// [`Error::Send`] says how many whole packets reached the socket on this connection.
    ///
    /// # Errors
    /// [`Error::Encode`] or [`Error::Send`].
    pub fn send_all<'a, I>(&mut self, checks: I) -> Result<u64, Error>
    where
        I: IntoIterator<Item = &'a CheckResult>,
    {
        let before = self.outbox.written();
        for check in checks {
            match self.outbox.push(check) {
                Ok(false) => {}
                Ok(true) => self.flush()?,
                Err(e) => {
                    self.flush()?;
                    return Err(e.into());
                }
            }
        }
        self.flush()?;
        Ok(self.outbox.written() - before)
    }

    /// Closes the connection cleanly (the daemon reads until EOF) and returns the number of
    /// packets written.
    ///
    /// # Errors
    /// [`Error::Io`] if the shutdown fails.
    pub fn finish(self) -> Result<u64, Error> {
        match self.stream.shutdown(Shutdown::Write) {
            Ok(()) => Ok(self.outbox.written()),
            Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(self.outbox.written()),
            Err(e) => Err(Error::io("closing the connection")(e)),
        }
    }

    fn flush(&mut self) -> Result<(), Error> {
        while !self.outbox.unsent().is_empty() {
            match self.stream.write(self.outbox.unsent()) {
                Ok(0) => return Err(self.outbox.failed(io::ErrorKind::WriteZero.into())),
                Ok(n) => self.outbox.wrote(n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.outbox.failed(e)),
            }
        }
        Ok(())
    }
}

/// Tries each address in turn, within the shared budget.
fn connect_any(addrs: &[SocketAddr], timeout: Duration) -> Result<TcpStream, Error> {
    let deadline = Instant::now() + timeout;
    let mut attempts = Vec::new();
    for (i, addr) in addrs.iter().enumerate() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        match TcpStream::connect_timeout(addr, policy::attempt_timeout(left, addrs.len() - i)) {
            Ok(stream) => return Ok(stream),
            Err(e) => attempts.push((*addr, e)),
        }
    }
    Err(policy::connect_failure(attempts, timeout))
}

fn read_init(stream: &mut TcpStream, timeout: Duration) -> Result<InitPacket, Error> {
    let mut buf = [0u8; InitPacket::LEN];
    let mut got = 0;
    let deadline = Instant::now() + timeout;
    while got < buf.len() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Error::InitTimeout(timeout));
        }
        stream
            .set_read_timeout(Some(left))
            .map_err(Error::io("setting the read timeout"))?;
        match stream.read(&mut buf[got..]) {
            Ok(0) => return Err(Error::InitClosed { received: got }),
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(policy::init_read_failure(e, got, timeout)),
        }
    }
    Ok(InitPacket::from_bytes(&buf))
}
