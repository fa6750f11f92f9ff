//! The `nsca` daemon of nsca-rs: a drop-in replacement for NSCA 2.10's `nsca`, built as a shell
//! over the [`nsca`] library. The protocol lives in the library (the sans-IO
//! [`nsca::ServerSession`] and [`nsca::tokio::serve_connection`]); this crate holds the
//! configuration file, the sinks results go to, and the life of the process.
//!
//! The way a result travels: a connection accepted by [`server`] (after `allowed_hosts`) is
//! served by the library, which hands each decoded packet to one bounded queue; the
//! [`dispatch`] task writes them to the command file or check-result directory, waits (and so
//! slows the clients down) while Nagios cannot take them, and dumps what is left to
//! `alternate_dump_file` when the daemon stops.

#![forbid(unsafe_code)]

pub mod cli;
pub mod config;
pub mod dispatch;
pub mod log;
pub mod process;
pub mod server;
pub mod sink;
pub mod stats;

use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::net::TcpListener;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::{Semaphore, mpsc, watch};

use crate::cli::{Mode, Request};
use crate::config::Config;
use crate::dispatch::{Deadline, Dispatcher};
use crate::process::{Identity, PidFile};
use crate::server::Shared;
use crate::stats::Stats;

/// Runs the daemon with `args` (`argv`, program name first); returns the exit code.
pub fn main_with(args: Vec<OsString>) -> u8 {
    let program = args
        .first()
        .map_or_else(|| "nsca".to_owned(), |p| p.to_string_lossy().into_owned());
    let rest = args.get(1..).unwrap_or_default();
    let cwd = std::env::current_dir().unwrap_or_else(|_| "/".into());
    match cli::parse(&program, rest, &cwd) {
        Request::Exit { error, text } => {
            if let Some(error) = error {
                eprintln!("{error}");
            }
            print!("{text}");
            cli::EXIT_USAGE
        }
        Request::Run {
            config,
            foreground,
            mode,
        } => run(&config, foreground, mode, rest),
    }
}

fn run(path: &Path, foreground: bool, mode: Mode, args: &[OsString]) -> u8 {
    let detached = process::is_detached_child();
    if mode == Mode::Standalone && !foreground && !detached {
        return process::detach(args);
    }
    if detached {
        process::new_session();
    }
    let fail = |message: &str| {
        error!("{message}");
        if detached {
            process::report_failure(message);
        }
        cli::EXIT_FAILURE
    };
    if !foreground {
        log::to_syslog(3);
    }
    let config = match config::load(path) {
        Ok(config) => config,
        Err(e) => return fail(&format!("{e}; not starting")),
    };
    if !foreground {
        log::to_syslog(config.log_facility.code());
    }
    log::set_debug(config.debug);
    for warning in &config.warnings {
        warning!("{}: {warning}", path.display());
    }
    if let Some(dir) = &config.check_result_path {
        if let Err(e) = sink::checkresult::check_writable(dir) {
            return fail(&format!(
                "check_result_path {} does not accept new files: {e}; not starting",
                dir.display()
            ));
        }
    }
    if config.icinga2.api_url.is_some() {
        // Unreadable files, a bad URL: refuse to start rather than queue for a sink that
        // cannot work.
        if let Err(e) = sink::icinga2::api::Api::new(&config.icinga2) {
            return fail(&format!("{e}; not starting"));
        }
    }
    match mode {
        Mode::Inetd => run_inetd(config),
        Mode::Standalone => run_standalone(path, config, detached, &fail),
    }
}

fn run_standalone(path: &Path, config: Config, detached: bool, fail: &dyn Fn(&str) -> u8) -> u8 {
    let listeners = match server::bind(&config) {
        Ok(listeners) => listeners,
        Err(e) => return fail(&format!("{e}; not starting")),
    };
    let identity = match Identity::lookup(config.nsca_user.as_deref(), config.nsca_group.as_deref())
    {
        Ok(identity) => identity,
        Err(e) => return fail(&format!("{e}; not starting")),
    };
    let pid_file = match config.pid_file.as_deref() {
        Some(pid_path) => match PidFile::create(pid_path, &identity) {
            Ok(pid_file) => pid_file,
            Err(e) => return fail(&format!("{e}; not starting")),
        },
        None => None,
    };
    if let Err(e) = identity.enter(config.nsca_chroot.as_deref()) {
        if let Some(pid_file) = pid_file {
            pid_file.remove();
        }
        return fail(&format!("{e}; not starting"));
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return fail(&format!("cannot start the runtime: {e}")),
    };
    let code = runtime.block_on(serve(path, config, listeners, detached));
    runtime.shutdown_timeout(Duration::from_secs(1));
    if let Some(pid_file) = pid_file {
        pid_file.remove();
    }
    code
}

fn spawn_listeners(
    listeners: Vec<std::net::TcpListener>,
    shared: &Arc<Shared>,
    tx: &mpsc::Sender<nsca::tokio::Received>,
) -> Result<(watch::Sender<bool>, Vec<SocketAddr>), std::io::Error> {
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut addrs = Vec::new();
    let mut tokio_listeners = Vec::new();
    for listener in listeners {
        let listener = TcpListener::from_std(listener)?;
        addrs.push(listener.local_addr()?);
        tokio_listeners.push(listener);
    }
    for listener in tokio_listeners {
        tokio::spawn(server::accept_loop(
            listener,
            Arc::clone(shared),
            tx.clone(),
            stop_rx.clone(),
        ));
    }
    Ok((stop_tx, addrs))
}

async fn serve(
    path: &Path,
    config: Config,
    listeners: Vec<std::net::TcpListener>,
    detached: bool,
) -> u8 {
    // Signal handlers first: a SIGTERM that arrives once the port accepts must stop the daemon
    // the graceful way.
    let mut signals = match Signals::new() {
        Ok(signals) => signals,
        Err(e) => {
            error!("cannot install signal handlers: {e}");
            return cli::EXIT_FAILURE;
        }
    };
    let stats = Arc::new(Stats::default());
    let queue = config.max_queued_results.max(1);
    let slots = config.max_connections.max(1);
    let shutdown_timeout = config.shutdown_timeout;
    let connection_timeout = config.connection_timeout;
    let metrics_address = config.metrics_address;
    let (config_tx, config_rx) = watch::channel(Arc::new(config));
    let (tx, rx) = mpsc::channel(queue);
    let deadline = Arc::new(Deadline::default());
    let dispatcher = tokio::spawn(
        Dispatcher::new(
            rx,
            config_rx.clone(),
            Arc::clone(&stats),
            Arc::clone(&deadline),
        )
        .run(),
    );
    let shared = Arc::new(Shared {
        config: config_rx,
        stats: Arc::clone(&stats),
        slots: Arc::new(Semaphore::new(slots)),
    });
    let (mut stop, addrs) = match spawn_listeners(listeners, &shared, &tx) {
        Ok(pair) => pair,
        Err(e) => {
            error!("cannot listen: {e}");
            if detached {
                process::report_failure(&format!("cannot listen: {e}"));
            }
            return cli::EXIT_FAILURE;
        }
    };
    if let Some(addr) = metrics_address {
        if let Err(e) = metrics::spawn(addr, Arc::clone(&stats)).await {
            error!("cannot serve metrics on {addr}: {e}");
        }
    }
    notice!(
        "listening on {} (nsca-rs {}), queue of {queue} results, at most {slots} connections",
        addrs
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        env!("CARGO_PKG_VERSION")
    );
    process::notify_ready();
    if detached {
        process::report_ready();
    }
    loop {
        match signals.next().await {
            Signal::Reload => {
                process::notify("reloading");
                reload(path, &config_tx, &shared, &tx, &mut stop);
                process::notify("ready");
            }
            Signal::Counters => notice!("{}", stats.summary()),
            Signal::Stop(name) => {
                notice!(
                    "caught {name}, stopping: no new connections; open ones are read to their end"
                );
                break;
            }
        }
    }
    process::notify("stopping");
    let _ = stop.send(true);
    drop(tx);
    deadline.set(Instant::now() + shutdown_timeout);
    let bound = shutdown_timeout + connection_timeout + Duration::from_secs(5);
    if tokio::time::timeout(bound, dispatcher).await.is_err() {
        error!(
            "the queue was not emptied within {} s; {} result(s) may be lost",
            bound.as_secs(),
            stats.queued.load(std::sync::atomic::Ordering::Relaxed)
        );
    }
    notice!("stopped; {}", stats.summary());
    0
}

/// SIGHUP: read the config again; rebind when the address changed; keep the queue and the open
/// connections. A config with errors is refused and the old one stays (C exits instead).
fn reload(
    path: &Path,
    config_tx: &watch::Sender<Arc<Config>>,
    shared: &Arc<Shared>,
    tx: &mpsc::Sender<nsca::tokio::Received>,
    stop: &mut watch::Sender<bool>,
) {
    let new = match config::load(path) {
        Ok(config) => config,
        Err(e) => {
            error!("reload refused, the running configuration stays: {e}");
            return;
        }
    };
    if new.icinga2.api_url.is_some() {
        if let Err(e) = sink::icinga2::api::Api::new(&new.icinga2) {
            error!("reload refused, the running configuration stays: {e}");
            return;
        }
    }
    for warning in &new.warnings {
        warning!("{}: {warning}", path.display());
    }
    let old = Arc::clone(&config_tx.borrow());
    if new.listen_changed(&old) {
        match server::bind(&new).and_then(|listeners| spawn_listeners(listeners, shared, tx)) {
            Ok((new_stop, addrs)) => {
                let _ = stop.send(true);
                *stop = new_stop;
                notice!(
                    "now listening on {}",
                    addrs
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            Err(e) => {
                error!(
                    "reload: cannot listen on the new address ({e}); still listening on the old one"
                );
            }
        }
    }
    if new.max_connections != old.max_connections {
        warning!("reload: max_connections takes effect at the next start");
    }
    log::set_debug(new.debug);
    let _ = config_tx.send(Arc::new(new));
    notice!("configuration reloaded from {}", path.display());
}

enum Signal {
    Reload,
    Counters,
    Stop(&'static str),
}

struct Signals {
    hup: tokio::signal::unix::Signal,
    usr1: tokio::signal::unix::Signal,
    term: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
    quit: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> std::io::Result<Self> {
        Ok(Self {
            hup: signal(SignalKind::hangup())?,
            usr1: signal(SignalKind::user_defined1())?,
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
            quit: signal(SignalKind::quit())?,
        })
    }

    async fn next(&mut self) -> Signal {
        tokio::select! {
            _ = self.hup.recv() => Signal::Reload,
            _ = self.usr1.recv() => Signal::Counters,
            _ = self.term.recv() => Signal::Stop("SIGTERM"),
            _ = self.int.recv() => Signal::Stop("SIGINT"),
            _ = self.quit.recv() => Signal::Stop("SIGQUIT"),
        }
    }
}

/// `--inetd`: the connection is on stdin (and stdout); serve it, write its results, exit.
fn run_inetd(config: Config) -> u8 {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            error!("cannot start the runtime: {e}");
            return cli::EXIT_FAILURE;
        }
    };
    runtime.block_on(async move {
        let stats = Arc::new(Stats::default());
        let config = Arc::new(config);
        let (_config_tx, config_rx) = watch::channel(Arc::clone(&config));
        let (tx, rx) = mpsc::channel(config.max_queued_results.max(1));
        let deadline = Arc::new(Deadline::default());
        let dispatcher = tokio::spawn(
            Dispatcher::new(rx, config_rx, Arc::clone(&stats), Arc::clone(&deadline)).run(),
        );
        let init = nsca::InitPacket::random(&mut rand::rng(), dispatch::now_secs() as u32);
        match inetd_socket() {
            Some((stream, peer)) => {
                if config.host_allowed(peer.ip().to_canonical()) {
                    server::serve(stream, peer, init, &config, &stats, &tx).await;
                } else {
                    warning!(
                        "refused connection from {}: not in allowed_hosts",
                        peer.ip()
                    );
                }
            }
            None => {
                // Not a socket (a test, or a pipe from a super-server): plain stdin and stdout.
                let stream = tokio::io::join(tokio::io::stdin(), tokio::io::stdout());
                let peer = SocketAddr::from(([0, 0, 0, 0], 0));
                server::serve(stream, peer, init, &config, &stats, &tx).await;
            }
        }
        drop(tx);
        let _ = dispatcher.await;
    });
    0
}

/// The TCP socket inetd hands over on stdin, with the peer's address.
fn inetd_socket() -> Option<(tokio::net::TcpStream, SocketAddr)> {
    use std::os::fd::AsFd;
    let fd = std::io::stdin().as_fd().try_clone_to_owned().ok()?;
    let stream = std::net::TcpStream::from(fd);
    let peer = stream.peer_addr().ok()?;
    stream.set_nonblocking(true).ok()?;
    let stream = tokio::net::TcpStream::from_std(stream).ok()?;
    Some((stream, peer))
}

pub mod metrics;
