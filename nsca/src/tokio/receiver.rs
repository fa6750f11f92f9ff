use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use std::time::SystemTime;

use ::tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use ::tokio::net::{TcpListener, TcpSocket, TcpStream, ToSocketAddrs};
use ::tokio::sync::{Semaphore, mpsc};
use ::tokio::task::JoinHandle;
use ::tokio::time::timeout;
use bytes::BytesMut;
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::blocking::Received;
use crate::config::ReceiverConfig;
use crate::init::InitPacket;
use crate::io_error::Error;
use crate::policy;
use crate::session::ServerSession;

/// An async listener serving many NSCA clients at once.
///
/// ```no_run
/// # async fn run() -> Result<(), nsca::Error> {
/// use nsca::tokio::{Receiver, ReceiverConfig};
///
/// let receiver = Receiver::bind("127.0.0.1:5667", ReceiverConfig::default()).await?;
/// let mut incoming = receiver.incoming(1024);
/// while let Some(received) = incoming.next().await {
///     match received.result {
///         Ok(packet) => println!("{:?}", packet.check),
///         Err(e) => eprintln!("{}: {e}", received.peer),
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Receiver {
    listener: TcpListener,
    config: ReceiverConfig,
}

impl Receiver {
    /// Listens on `addr` (port 0 picks a free port).
    ///
    /// # Errors
    /// [`Error::Io`] when the address cannot be bound; [`Error::Crypto`] when the method cannot
    /// be used.
    pub async fn bind<A: ToSocketAddrs>(addr: A, config: ReceiverConfig) -> Result<Self, Error> {
        crate::crypto::Cipher::new(config.method, config.password.as_bytes(), &[0; 128])?;
        let addrs = ::tokio::net::lookup_host(addr)
            .await
            .map_err(Error::io("resolving the listening address"))?;
        let mut last = io::Error::from(io::ErrorKind::AddrNotAvailable);
        for addr in addrs {
            match listen(addr) {
                Ok(listener) => return Ok(Self { listener, config }),
                Err(e) => last = e,
            }
        }
        Err(Error::io("binding the listening socket")(last))
    }

    /// The address it listens on.
    ///
    /// # Errors
    /// [`Error::Io`] from the socket.
    pub fn local_addr(&self) -> Result<SocketAddr, Error> {
        self.listener
            .local_addr()
            .map_err(Error::io("reading the local address"))
    }

    /// Starts serving on the current tokio runtime and returns the stream of results.
    ///
    /// At most `config.max_connections` connections are served at once (others wait in the
    /// listen backlog); each is dropped after `config.read_timeout` of silence. Results are
    /// queued for the caller in a channel of `buffer` items: when the caller falls behind,
    /// connections stop being read and TCP flow control slows the clients, so memory stays
    /// bounded. Dropping the [`Incoming`] stops the receiver.
    pub fn incoming(self, buffer: usize) -> Incoming {
        let (tx, rx) = mpsc::channel(buffer.max(1));
        let addr = self.listener.local_addr().ok();
        let task = ::tokio::spawn(serve(self, tx));
        Incoming { rx, task, addr }
    }
}

/// Listen backlog: room for a burst of clients connecting at once. A full backlog makes Linux
/// fall back to SYN cookies, and a client whose handshake is then dropped waits for an init
/// packet that never comes. The kernel caps it at `net.core.somaxconn`.
const LISTEN_BACKLOG: u32 = 4096;

fn listen(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

async fn serve(receiver: Receiver, tx: mpsc::Sender<Received>) {
    let Receiver { listener, config } = receiver;
    let config = Arc::new(config);
    let slots = Arc::new(Semaphore::new(config.max_connections.max(1)));
    let mut rng = StdRng::from_os_rng();
    loop {
        let Ok(permit) = Arc::clone(&slots).acquire_owned().await else {
            return;
        };
        let Ok((stream, peer)) = listener.accept().await else {
            // The listener's own trouble (EMFILE, an aborted handshake): pause, go on.
            ::tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            continue;
        };
        if tx.is_closed() {
            return;
        }
        let init = InitPacket::random(&mut rng, policy::now_u32());
        let config = Arc::clone(&config);
        let tx = tx.clone();
        ::tokio::spawn(async move {
            connection(stream, peer, init, &config, &tx).await;
            drop(permit);
        });
    }
}

/// The first read of a connection asks for this much; a whole packet is 4304 bytes.
const READ_MIN: usize = 4352;
/// Reads grow up to this much while the client fills them.
const READ_MAX: usize = 64 * 1024;

/// Serves one client; its error, if any, is the last item it hands over.
async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    init: InitPacket,
    config: &ReceiverConfig,
    tx: &mpsc::Sender<Received>,
) {
    if let Err(e) = serve_connection(stream, peer, init, config, tx).await {
        let _ = tx
            .send(Received {
                peer,
                result: Err(e),
                received_at: SystemTime::now(),
            })
            .await;
    }
}

/// Serves one NSCA connection on any byte stream: sends `init`, then hands every packet the
/// client sends to `tx`, in order, until the client closes.
///
/// This is the loop [`Receiver`] runs for each client, for programs that accept connections
/// themselves (to check the peer's address first, or to serve a socket inherited from inetd).
/// Each packet passes [`ServerSession::check_age`] with `config.max_packet_age`. When `tx` is
/// full the stream is not read until there is room, so TCP flow control slows the client.
///
/// Returns how many packets were handed over: when the client closed cleanly (`Ok`), or when
/// `tx`'s receiver was dropped (`Ok`, with the packets handed over until then).
///
/// # Errors
/// [`Error::ReadTimeout`] after `config.read_timeout` of silence; [`Error::Decode`] for a
/// packet that fails its checks, or a connection closed in the middle of a packet;
/// [`Error::Io`] for socket errors; [`Error::Crypto`] when the method cannot run. The
/// connection should then be closed; packets handed over before the error stay valid.
pub async fn serve_connection<S>(
    mut stream: S,
    peer: SocketAddr,
    init: InitPacket,
    config: &ReceiverConfig,
    tx: &mpsc::Sender<Received>,
) -> Result<u64, Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut session = ServerSession::new(init, config.method, config.password.as_bytes())?
        .with_max_packet_age(config.max_packet_age);
    let limit = policy::nonzero(config.read_timeout);
    let silent = || Error::ReadTimeout {
        peer,
        timeout: limit,
    };
    timeout(limit, async {
        stream.write_all(&init.encode()).await?;
        stream.flush().await
    })
    .await
    .map_err(|_| silent())?
    .map_err(Error::io("sending the init packet"))?;
    // Reads start small, so that a thousand idle connections cost little memory, and grow
    // (up to 64 KiB) while the client keeps filling them, so that a batching client is read in
    // few system calls.
    let mut want = READ_MIN;
    let mut buf = BytesMut::with_capacity(want);
    let mut eof = false;
    let mut handed = 0;
    // When the bytes in `buf` were read: the time of every packet decoded from them (one
    // clock reading per read, not per packet).
    let mut read_at = SystemTime::now();
    loop {
        if let Some(packet) = session.next_packet(&mut buf, eof)? {
            session.check_age(&packet, policy::protocol_secs(read_at))?;
            let received = Received {
                peer,
                result: Ok(packet),
                received_at: read_at,
            };
            if tx.send(received).await.is_err() {
                return Ok(handed);
            }
            handed += 1;
            continue;
        }
        if eof {
            return Ok(handed);
        }
        buf.reserve(want);
        let room = buf.capacity() - buf.len();
        match timeout(limit, stream.read_buf(&mut buf))
            .await
            .map_err(|_| silent())?
        {
            Ok(0) => eof = true,
            Ok(n) if n == room => want = (want * 2).min(READ_MAX),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::io("reading from the client")(e)),
        }
        read_at = SystemTime::now();
    }
}

/// The results of a running [`Receiver`], in arrival order (per connection, in packet order).
/// Also a `futures_core::Stream`. Dropping it stops the receiver.
#[derive(Debug)]
pub struct Incoming {
    rx: mpsc::Receiver<Received>,
    task: JoinHandle<()>,
    addr: Option<SocketAddr>,
}

impl Incoming {
    /// The next decoded packet or connection error; `None` once the receiver has stopped.
    pub async fn next(&mut self) -> Option<Received> {
        self.rx.recv().await
    }

    /// The address the receiver listens on.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.addr
    }
}

impl futures_core::Stream for Incoming {
    type Item = Received;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Received>> {
        self.rx.poll_recv(cx)
    }
}

impl Drop for Incoming {
    fn drop(&mut self) {
        self.task.abort();
    }
}
