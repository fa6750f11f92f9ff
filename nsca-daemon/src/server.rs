//! Listening sockets, access control, and one task per connection. The protocol itself is the
//! library's [`nsca::tokio::serve_connection`]; this module only decides who is served and
//! logs what happened.

use std::io;
use std::net::{IpAddr, Ipv6Addr, SocketAddr, TcpListener as StdListener, ToSocketAddrs};
use std::sync::Arc;

use nsca::tokio::{Received, ReceiverConfig, serve_connection};
use nsca::{DecodeError, Error, InitPacket};
use rand::SeedableRng;
use rand::rngs::StdRng;
use socket2::{Domain, Protocol, Socket, Type};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, mpsc, watch};

use crate::config::Config;
use crate::stats::{Stats, bump};
use crate::{debug, error, warning};

/// Listen backlog, as the library's receiver: room for a burst of clients (the kernel caps it
/// at `net.core.somaxconn`).
const BACKLOG: i32 = 4096;

/// Binds the sockets `config` asks for, as the C daemon does: an empty `server_address` is one
/// IPv6 wildcard socket that also takes IPv4 (or `0.0.0.0` where IPv6 is unavailable); a name or
/// address is resolved and the first address that binds is used.
///
/// # Errors
/// When nothing can be bound, with the address and the reason.
pub fn bind(config: &Config) -> io::Result<Vec<StdListener>> {
    let port = config.server_port;
    match config.server_address.as_deref().filter(|a| !a.is_empty()) {
        None => {
            let any6 = SocketAddr::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), port);
            match listen(any6, true) {
                Ok(l) => Ok(vec![l]),
                Err(_) => Ok(vec![listen(SocketAddr::from(([0, 0, 0, 0], port)), false)?]),
            }
        }
        Some(address) => {
            let host = address.trim_start_matches('[').trim_end_matches(']');
            let addrs = (host, port).to_socket_addrs().map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!("cannot resolve server_address {address}: {e}"),
                )
            })?;
            let mut last = io::Error::new(
                io::ErrorKind::AddrNotAvailable,
                format!("server_address {address} resolves to no address"),
            );
            for addr in addrs {
                match listen(addr, false) {
                    Ok(l) => return Ok(vec![l]),
                    Err(e) => {
                        last = io::Error::new(e.kind(), format!("cannot listen on {addr}: {e}"));
                    }
                }
            }
            Err(last)
        }
    }
}

fn listen(addr: SocketAddr, dual_stack: bool) -> io::Result<StdListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    if addr.is_ipv6() {
        socket.set_only_v6(!dual_stack)?;
    }
    socket.set_reuse_address(true)?;
    socket
        .bind(&addr.into())
        .map_err(|e| io::Error::new(e.kind(), format!("cannot listen on {addr}: {e}")))?;
    socket.listen(BACKLOG)?;
    socket.set_nonblocking(true)?;
    Ok(socket.into())
}

/// What every connection task needs.
#[derive(Debug)]
pub struct Shared {
    /// The current configuration (replaced on reload; new connections use the new one).
    pub config: watch::Receiver<Arc<Config>>,
    /// The counters.
    pub stats: Arc<Stats>,
    /// Connection slots (`max_connections`, fixed at start).
    pub slots: Arc<Semaphore>,
}

/// Accepts connections on `listener` until `stop` turns true; every result goes to `tx`.
pub async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    tx: mpsc::Sender<Received>,
    mut stop: watch::Receiver<bool>,
) {
    let mut rng = StdRng::from_os_rng();
    loop {
        let permit = tokio::select! {
            _ = stop.wait_for(|s| *s) => return,
            permit = Arc::clone(&shared.slots).acquire_owned() => permit,
        };
        let Ok(permit) = permit else { return };
        let accepted = tokio::select! {
            _ = stop.wait_for(|s| *s) => return,
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(pair) => pair,
            Err(e) => {
                // EMFILE, ECONNABORTED and the like are the listener's trouble, not a reason
                // to stop (C's accept loop exits on some of them).
                debug!("accept failed: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                continue;
            }
        };
        let config = Arc::clone(&shared.config.borrow());
        if !config.host_allowed(peer.ip().to_canonical()) {
            bump(&shared.stats.connections_refused);
            warning!(
                "refused connection from {}: not in allowed_hosts",
                peer.ip()
            );
            continue;
        }
        bump(&shared.stats.connections_accepted);
        let init = InitPacket::random(&mut rng, now_u32());
        let shared = Arc::clone(&shared);
        let tx = tx.clone();
        tokio::spawn(async move {
            serve(stream, peer, init, &config, &shared.stats, &tx).await;
            drop(permit);
        });
    }
}

/// Serves one connection (a socket, or inetd's stdin and stdout) and logs how it ended.
pub async fn serve<S>(
    stream: S,
    peer: SocketAddr,
    init: InitPacket,
    config: &Config,
    stats: &Stats,
    tx: &mpsc::Sender<Received>,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    debug!("connection from {peer}");
    let receiver = receiver_config(config);
    match serve_connection(stream, peer, init, &receiver, tx).await {
        Ok(packets) => {
            stats
                .packets_decoded
                .fetch_add(packets, std::sync::atomic::Ordering::Relaxed);
            debug!("end of connection from {peer}: {packets} result(s)");
        }
        Err(e) => {
            bump(&stats.connections_failed);
            report(peer, &e, stats);
        }
    }
}

/// The library receiver's settings from the daemon's configuration.
pub fn receiver_config(config: &Config) -> ReceiverConfig {
    ReceiverConfig {
        method: config.decryption_method,
        password: config.password.clone(),
        read_timeout: config.connection_timeout,
        max_connections: config.max_connections,
        max_packet_age: config.max_packet_age,
    }
}

fn report(peer: SocketAddr, e: &Error, stats: &Stats) {
    let ip = peer.ip();
    match e {
        Error::Decode(DecodeError::BadVersion { .. } | DecodeError::CrcMismatch { .. }) => {
            bump(&stats.packets_failed);
            error!(
                "dropped a packet from {ip} and closed the connection: {e} (check that the \
                 client's password and encryption method match this daemon's)"
            );
        }
        Error::Decode(DecodeError::StaleTimestamp { .. }) => {
            bump(&stats.packets_failed);
            error!(
                "dropped a packet from {ip} and closed the connection: {e} (max_packet_age; a \
                 replayed packet, or a client that waited too long before sending)"
            );
        }
        Error::Decode(DecodeError::TruncatedStream { .. }) => {
            bump(&stats.packets_failed);
            warning!("connection from {ip} ended in the middle of a packet: {e}");
        }
        Error::ReadTimeout { .. } => {
            warning!("closed the connection from {ip}: {e}");
        }
        Error::Crypto(_) => {
            error!("cannot serve {ip}: {e}");
        }
        // A peer that resets the connection (a load balancer's or a monitoring probe's TCP
        // check, a port scan) is not worth a warning; the C daemon logs nothing for it either.
        Error::Io { source, .. } if source.kind() == io::ErrorKind::ConnectionReset => {
            debug!("connection from {ip} reset by the peer: {e}");
        }
        _ => warning!("connection from {ip} failed: {e}"),
    }
}

fn now_u32() -> u32 {
    crate::dispatch::now_secs() as u32
}
