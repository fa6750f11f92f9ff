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

    /// Closes the sending side, then waits up to `timeout` for the daemon to close its side,
    /// and returns the number of packets written.
    ///
    /// NSCA has no acknowledgement, but a daemon reads its connection until the end of the
    /// stream and only then closes it (the C daemon and this workspace's do): once the
    /// connection ends cleanly here, the daemon has read every packet written on it. It may
    /// still have rejected them (a wrong password shows only in its log). When it dies or
    /// drops the connection before reading everything, the end is a reset instead, and this
    /// returns an error: the packets may or may not have reached it.
    ///
    /// # Errors
    /// [`Error::Io`] when the shutdown fails, or when waiting for the daemon's close ends in an
    /// error: a reset, or the timeout (`WouldBlock` or `TimedOut`).
    pub fn finish_and_wait_close(mut self, timeout: Duration) -> Result<u64, Error> {
        const WAITING: &str = "waiting for the daemon to close the connection";
        if let Err(e) = self.stream.shutdown(Shutdown::Write) {
            // A daemon that reset the connection first (it dropped unread packets, or died)
            // leaves its reset as the socket's pending error: report that, not "not connected".
            let cause = self.stream.take_error().ok().flatten().unwrap_or(e);
            return Err(Error::io("closing the connection")(cause));
        }
        let deadline = Instant::now() + timeout;
        let mut buf = [0u8; 512];
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(Error::io(WAITING)(io::ErrorKind::TimedOut.into()));
            }
            self.stream
                .set_read_timeout(Some(left))
                .map_err(Error::io("setting the read timeout"))?;
            match self.stream.read(&mut buf) {
                Ok(0) => return Ok(self.outbox.written()),
                // NSCA daemons send nothing after the init packet; anything else is ignored.
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Error::io(WAITING)(e)),
            }
        }
    }

    /// The connected socket, for what this type does not do itself (changing its timeouts,
    /// shutting it down from another thread through [`TcpStream::try_clone`]).
    pub fn get_ref(&self) -> &TcpStream {
        &self.stream
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

#[cfg(test)]
mod tests {
    use std::net::TcpListener;
    use std::thread;

    use super::*;
    use crate::crypto::EncryptionMethod;

    /// A server that greets (method 0), then does `then` with the connection.
    fn server(then: fn(TcpStream)) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            stream.write_all(&[0; InitPacket::LEN]).unwrap();
            then(stream);
        });
        addr
    }

    fn connect(addr: SocketAddr) -> Client {
        let config = ClientConfig {
            method: EncryptionMethod::None,
            ..ClientConfig::default()
        };
        let mut client = Client::connect_addrs(&[addr], &config).unwrap();
        client
            .send_all(&[
                CheckResult::host("h", 0, "up"),
                CheckResult::host("h", 1, "x"),
            ])
            .unwrap();
        client
    }

    #[test]
    fn a_daemon_that_reads_to_the_end_closes_cleanly() {
        let addr = server(|mut s| {
            let mut all = Vec::new();
            s.read_to_end(&mut all).unwrap();
            assert_eq!(all.len(), 2 * 4304);
        });
        let client = connect(addr);
        assert_eq!(
            client
                .finish_and_wait_close(Duration::from_secs(5))
                .unwrap(),
            2
        );
    }

    #[test]
    fn a_daemon_that_drops_unread_packets_resets() {
        // Closing with unread data makes the kernel send a reset, as when the daemon dies.
        let addr = server(|mut s| {
            let mut one = [0u8; 100];
            s.read_exact(&mut one).unwrap();
        });
        let client = connect(addr);
        let e = client
            .finish_and_wait_close(Duration::from_secs(5))
            .unwrap_err();
        assert!(
            // The reset usually arrives while we wait; when it beats our shutdown, the pending
            // socket error says the same (NotConnected only if the kernel kept no error).
            matches!(&e, Error::Io { source, .. } if matches!(
                source.kind(),
                io::ErrorKind::ConnectionReset | io::ErrorKind::NotConnected
            )),
            "{e:?}"
        );
    }

    #[test]
    fn a_daemon_that_never_closes_times_out() {
        let addr = server(|s| {
            thread::sleep(Duration::from_secs(3));
            drop(s);
        });
        let client = connect(addr);
        let start = Instant::now();
        let e = client
            .finish_and_wait_close(Duration::from_millis(300))
            .unwrap_err();
        assert!(start.elapsed() < Duration::from_secs(2));
        assert!(
            matches!(&e, Error::Io { source, .. }
                if matches!(source.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut)),
            "{e:?}"
        );
    }
}
