use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, SystemTime};

use bytes::BytesMut;
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::config::ReceiverConfig;
use crate::init::InitPacket;
use crate::io_error::Error;
use crate::packet::DataPacket;
use crate::session::ServerSession;

/// A listening socket that accepts NSCA clients, for tests, demos and tools that want check
/// results without a Nagios daemon.
///
/// It serves a thread per connection and listens with the standard library's backlog (128
/// pending connections). For bursts of hundreds of clients connecting at once, use the async
/// receiver of the `tokio` feature, which listens with a backlog of 4096.
///
/// ```no_run
/// use nsca::blocking::{Receiver, ReceiverConfig};
///
/// let receiver = Receiver::bind("127.0.0.1:5667", ReceiverConfig::default())?;
/// let running = receiver.spawn(|received| match received.result {
///     Ok(packet) => println!("{}", String::from_utf8_lossy(&nsca::command_line(&packet.check, 0))),
///     Err(e) => eprintln!("{}: {e}", received.peer),
/// });
/// # running.shutdown();
/// # Ok::<(), nsca::Error>(())
/// ```
#[derive(Debug)]
pub struct Receiver {
    listener: TcpListener,
    config: ReceiverConfig,
    rng: StdRng,
}

impl Receiver {
    /// Listens on `addr` (port 0 picks a free port; see [`Receiver::local_addr`]).
    ///
    /// # Errors
    /// [`Error::Io`] when the address cannot be bound; [`Error::Crypto`] when the method cannot
    /// be used.
    pub fn bind<A: ToSocketAddrs>(addr: A, config: ReceiverConfig) -> Result<Self, Error> {
        // Fail now, not on the first connection, if the method cannot run.
        crate::crypto::Cipher::new(config.method, config.password.as_bytes(), &[0; 128])?;
        let listener =
            TcpListener::bind(addr).map_err(Error::io("binding the listening socket"))?;
        Ok(Self {
            listener,
            config,
            rng: StdRng::from_os_rng(),
        })
    }

    /// The address the receiver listens on.
    ///
    /// # Errors
    /// [`Error::Io`] from the socket.
    pub fn local_addr(&self) -> Result<SocketAddr, Error> {
        self.listener
            .local_addr()
            .map_err(Error::io("reading the local address"))
    }

    /// Waits for the next client, sends it the init packet, and returns the connection.
    ///
    /// # Errors
    /// [`Error::Io`] when accepting or writing the init packet fails.
    pub fn accept(&mut self) -> Result<Connection, Error> {
        let (stream, peer) = self
            .listener
            .accept()
            .map_err(Error::io("accepting a connection"))?;
        let init = InitPacket::random(&mut self.rng, crate::policy::now_u32());
        Connection::start(stream, peer, init, &self.config)
    }

    /// Serves clients on background threads, one per connection (at most
    /// `config.max_connections` at once), calling `handler` for every decoded packet and every
    /// connection error.
    pub fn spawn<F>(mut self, handler: F) -> RunningReceiver
    where
        F: Fn(Received) + Send + Sync + 'static,
    {
        let addr = self.listener.local_addr().ok();
        let stop = Arc::new(AtomicBool::new(false));
        let thread_stop = Arc::clone(&stop);
        let handler = Arc::new(handler);
        let slots = Arc::new((Mutex::new(0usize), Condvar::new()));
        let max = self.config.max_connections.max(1);
        let thread = thread::spawn(move || {
            while !thread_stop.load(Ordering::SeqCst) {
                wait_for_slot(&slots, max);
                let accepted = self.accept();
                if thread_stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = accepted else {
                    // Accept errors (EMFILE, aborted handshakes) are the listener's, not a
                    // peer's; pause briefly rather than spin.
                    thread::sleep(Duration::from_millis(10));
                    continue;
                };
                let handler = Arc::clone(&handler);
                let slots = Arc::clone(&slots);
                take_slot(&slots);
                thread::spawn(move || {
                    let peer = conn.peer();
                    for result in conn {
                        handler(Received {
                            peer,
                            result,
                            received_at: SystemTime::now(),
                        });
                    }
                    release_slot(&slots);
                });
            }
        });
        RunningReceiver {
            addr,
            stop,
            thread: Some(thread),
        }
    }
}

fn wait_for_slot(slots: &(Mutex<usize>, Condvar), max: usize) {
    let (lock, cvar) = slots;
    let mut active = lock
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    while *active >= max {
        active = cvar
            .wait(active)
            .unwrap_or_else(std::sync::PoisonError::into_inner);
    }
}

fn take_slot(slots: &(Mutex<usize>, Condvar)) {
    *slots
        .0
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) += 1;
}

fn release_slot(slots: &(Mutex<usize>, Condvar)) {
    *slots
        .0
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) -= 1;
    slots.1.notify_one();
}

/// One decoded packet, or one connection error, from a [`Receiver::spawn`]ed receiver.
#[derive(Debug)]
pub struct Received {
    /// The client's address.
    pub peer: SocketAddr,
    /// The packet, or what went wrong on that connection (which then ends).
    pub result: Result<DataPacket, Error>,
    /// When the packet was decoded (or the error happened), by the receiver's clock.
    pub received_at: SystemTime,
}

/// A receiver serving on background threads. Dropping it leaves it running until the process
/// exits; call [`RunningReceiver::shutdown`] to stop accepting.
#[derive(Debug)]
pub struct RunningReceiver {
    addr: Option<SocketAddr>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl RunningReceiver {
    /// The address it listens on.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.addr
    }

    /// Stops accepting new connections and waits for the accept loop to end. Connections
    /// already accepted finish on their own threads.
    pub fn shutdown(mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(mut addr) = self.addr {
            // Wake the blocked accept() with a connection of our own.
            if addr.ip().is_unspecified() {
                addr.set_ip(match addr.ip() {
                    IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
                    IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::LOCALHOST),
                });
            }
            let _ = TcpStream::connect_timeout(&addr, Duration::from_secs(1));
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// One accepted client: iterate over it for its packets, in order.
///
/// The iterator ends when the client closes the connection; an error (a packet that fails to
/// decode, a read timeout, a reset) is the last item.
#[derive(Debug)]
pub struct Connection {
    stream: TcpStream,
    peer: SocketAddr,
    session: ServerSession,
    buf: BytesMut,
    read_timeout: Duration,
    eof: bool,
    done: bool,
}

impl Connection {
    fn start(
        mut stream: TcpStream,
        peer: SocketAddr,
        init: InitPacket,
        config: &ReceiverConfig,
    ) -> Result<Self, Error> {
        let session = ServerSession::new(init, config.method, config.password.as_bytes())?
            .with_max_packet_age(config.max_packet_age);
        let timeout = config.read_timeout.max(Duration::from_millis(1));
        stream
            .set_read_timeout(Some(timeout))
            .map_err(Error::io("setting the read timeout"))?;
        stream
            .set_write_timeout(Some(timeout))
            .map_err(Error::io("setting the write timeout"))?;
        stream
            .write_all(&init.encode())
            .map_err(Error::io("sending the init packet"))?;
        Ok(Self {
            stream,
            peer,
            session,
            buf: BytesMut::with_capacity(16 * 1024),
            read_timeout: timeout,
            eof: false,
            done: false,
        })
    }

    /// The client's address.
    pub fn peer(&self) -> SocketAddr {
        self.peer
    }

    /// The init packet this connection was greeted with.
    pub fn init_packet(&self) -> &InitPacket {
        self.session.init_packet()
    }

    fn next_packet(&mut self) -> Result<Option<DataPacket>, Error> {
        let mut chunk = [0u8; 8192];
        loop {
            let decoded = self.session.next_packet(&mut self.buf, self.eof)?;
            if let Some(packet) = &decoded {
                self.session.check_age(packet, crate::policy::now_u32())?;
            }
            if decoded.is_some() || self.eof {
                return Ok(decoded);
            }
            match self.stream.read(&mut chunk) {
                Ok(0) => self.eof = true,
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    return Err(Error::ReadTimeout {
                        peer: self.peer,
                        timeout: self.read_timeout,
                    });
                }
                Err(e) => return Err(Error::io("reading from the client")(e)),
            }
        }
    }
}

impl Iterator for Connection {
    type Item = Result<DataPacket, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.next_packet() {
            Ok(Some(packet)) => Some(Ok(packet)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}
