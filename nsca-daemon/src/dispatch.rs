//! The one place results wait, and the one policy for a write that cannot happen now.
//!
//! Connections hand their results to a bounded channel (`max_queued_results`). One task takes
//! them out in arrival order, turns each into its command-file line (or check-result file), and
//! writes them. When the command pipe has no reader, is full, or has vanished for a moment, the
//! task keeps the results it holds and retries with a growing pause (5 ms to 250 ms); meanwhile
//! the channel fills up, connections stop being read, and TCP slows the clients down. Nothing is
//! dropped. Each outage is logged once when it starts and once when it ends.
//!
//! When the daemon stops, results keep being written until the shutdown deadline; from then
//! on, whatever is left (and whatever connections still deliver) goes to `alternate_dump_file`,
//! with a log line that says how many.
//!
//! With `icinga2_api_url`, every result also goes to the Icinga 2 API sink
//! ([`crate::sink::icinga2`]), a task with its own bounded queue: the dispatcher waits for room
//! there, so a sink that cannot deliver slows the clients down in the same way. Without
//! `command_file` (and `check_result_path`), the API is then the only sink and nothing is
//! written to `alternate_dump_file` except what the API sink could not deliver at shutdown.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use nsca::CheckResult;
use nsca::tokio::Received;
use tokio::sync::{mpsc, watch};

use crate::config::Config;
use crate::sink::command_file::{CommandFile, Outcome};
use crate::sink::{Wait, checkresult, dump, icinga2};
use crate::stats::{Stats, bump};
use crate::{debug, error, info, notice, warning};

/// When the dispatcher must give up on its sinks and dump what is left.
#[derive(Debug, Default)]
pub struct Deadline(Mutex<Option<Instant>>);

impl Deadline {
    /// Sets the deadline (the first call wins).
    pub fn set(&self, at: Instant) {
        let mut slot = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if slot.is_none() {
            *slot = Some(at);
        }
    }

    /// Whether the deadline is set and has passed.
    pub(crate) fn passed(&self) -> bool {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .is_some_and(|at| Instant::now() >= at)
    }

    /// Whether the deadline is set.
    pub(crate) fn is_set(&self) -> bool {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .is_some()
    }
}

/// A result on its way to the command file.
#[derive(Debug)]
struct Pending {
    /// The command-file line, with its line feed.
    line: Vec<u8>,
    /// Bytes of `line` already written (a long line can be written in parts to a pipe).
    written: usize,
}

struct Sinks {
    command: Option<CommandFile>,
    checkresult_dir: Option<PathBuf>,
    dump: PathBuf,
    strict_spoofing: bool,
    /// The Icinga 2 API sink, while `icinga2_api_url` is set (kept across reloads).
    icinga2: Option<icinga2::Handle>,
}

impl Sinks {
    fn new(config: &Config) -> Self {
        let command = config
            .command_file
            .clone()
            .map(|path| CommandFile::new(path, config.append_to_file, config.aggregate_writes));
        if let Some(command) = &command {
            if command.overwrites() {
                warning!(
                    "{} is a regular file and append_to_file=0: every result overwrites the \
                     start of the file, as with the C daemon (set append_to_file=1)",
                    command.path().display()
                );
            }
        }
        Self {
            command,
            checkresult_dir: config.check_result_path.clone(),
            dump: config.alternate_dump_file.clone(),
            strict_spoofing: config.strict_mode_spoofing,
            icinga2: None,
        }
    }
}

/// The task that writes results; see the module docs.
pub struct Dispatcher {
    rx: mpsc::Receiver<Received>,
    config: watch::Receiver<Arc<Config>>,
    stats: Arc<Stats>,
    deadline: Arc<Deadline>,
    shutdown_timeout: Duration,
}

impl Dispatcher {
    /// A dispatcher reading `rx`, configured by `config` (re-read on every change).
    pub fn new(
        rx: mpsc::Receiver<Received>,
        config: watch::Receiver<Arc<Config>>,
        stats: Arc<Stats>,
        deadline: Arc<Deadline>,
    ) -> Self {
        let shutdown_timeout = config.borrow().shutdown_timeout;
        Self {
            rx,
            config,
            stats,
            deadline,
            shutdown_timeout,
        }
    }

    /// Runs until every sender is gone and every result is written or dumped.
    pub async fn run(mut self) {
        let mut sinks = Sinks::new(&self.config.borrow_and_update());
        // Sinks whose URL a reload removed: they deliver what they hold, then end.
        let mut retired = Vec::new();
        self.icinga2_sink(&mut sinks, &mut retired);
        let mut pending: VecDeque<Pending> = VecDeque::new();
        let mut dumping = false;
        let mut outage: Option<(Wait, Instant)> = None;
        let mut pause = Duration::from_millis(5);
        let mut closed = false;
        let mut batch = Vec::with_capacity(64 * 1024);
        loop {
            if self.config.has_changed().unwrap_or(false) {
                let config = Arc::clone(&self.config.borrow_and_update());
                self.shutdown_timeout = config.shutdown_timeout;
                let mut new = Sinks::new(&config);
                if let (Some(new_cmd), Some(old_cmd)) =
                    (new.command.as_mut(), sinks.command.as_ref())
                {
                    new_cmd.inherit(old_cmd);
                }
                new.icinga2 = sinks.icinga2.take();
                sinks = new;
                self.icinga2_sink(&mut sinks, &mut retired);
                info!("sinks reconfigured");
            }
            if pending.is_empty() {
                if closed {
                    break;
                }
                match self.rx.recv().await {
                    Some(received) => self.take(received, &mut sinks, &mut pending).await,
                    None => {
                        closed = true;
                        continue;
                    }
                }
            }
            // Read once per round, not once per result (the watch channel takes a lock).
            let hold = self.config.borrow().max_queued_results.clamp(1, 1024);
            while pending.len() < hold {
                match self.rx.try_recv() {
                    Ok(received) => self.take(received, &mut sinks, &mut pending).await,
                    Err(mpsc::error::TryRecvError::Empty) => break,
                    Err(mpsc::error::TryRecvError::Disconnected) => {
                        closed = true;
                        break;
                    }
                }
            }
            self.update_gauge(&pending);
            if dumping || self.deadline.passed() {
                if !dumping {
                    dumping = true;
                    warning!(
                        "shutdown deadline reached: results still queued go to the \
                         alternate dump file {}",
                        sinks.dump.display()
                    );
                }
                self.dump(&sinks, &mut pending, "the daemon is stopping");
                continue;
            }
            match self.flush(&mut sinks, &mut pending, &mut batch) {
                Ok(()) => {
                    self.update_gauge(&pending);
                    if let Some((wait, since)) = outage.take() {
                        notice!(
                            "command file writable again after {:.1} s ({wait})",
                            since.elapsed().as_secs_f64()
                        );
                    }
                    pause = Duration::from_millis(5);
                }
                Err(wait) => {
                    bump(&self.stats.retries);
                    if outage.as_ref().is_none_or(|(w, _)| *w != wait) {
                        warning!(
                            "cannot write to the command file now: {wait}; {} result(s) wait, \
                             clients are slowed down when the queue is full",
                            pending.len() + self.rx.len()
                        );
                        outage = Some((wait, Instant::now()));
                    }
                    if closed && !self.deadline.is_set() {
                        // Nobody will send more (inetd mode, or all connections ended at
                        // shutdown): wait for the sink at most shutdown_timeout.
                        self.deadline.set(Instant::now() + self.shutdown_timeout);
                    }
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_millis(250));
                }
            }
        }
        self.update_gauge(&pending);
        if let Some(handle) = sinks.icinga2.take() {
            retired.push(handle.close());
        }
        for task in retired {
            let _ = task.await;
        }
    }

    /// Starts the Icinga 2 sink when `icinga2_api_url` is set, or retires it when a reload
    /// removed the key.
    fn icinga2_sink(&self, sinks: &mut Sinks, retired: &mut Vec<tokio::task::JoinHandle<()>>) {
        let wanted = self.config.borrow().icinga2.api_url.is_some();
        match (wanted, sinks.icinga2.is_some()) {
            (true, false) => {
                sinks.icinga2 = Some(icinga2::Handle::spawn(
                    self.config.clone(),
                    Arc::clone(&self.stats),
                    Arc::clone(&self.deadline),
                ));
            }
            (false, true) => {
                if let Some(handle) = sinks.icinga2.take() {
                    notice!(
                        "icinga2_api_url removed: the Icinga 2 API sink delivers what it holds \
                         and stops"
                    );
                    retired.push(handle.close());
                }
            }
            _ => {}
        }
    }

    fn update_gauge(&self, pending: &VecDeque<Pending>) {
        let queued = pending.len() + self.rx.len();
        self.stats
            .queued
            .store(u64::try_from(queued).unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    /// Accepts one result: checks it, logs it, writes a check-result file or queues its line.
    async fn take(&self, received: Received, sinks: &mut Sinks, pending: &mut VecDeque<Pending>) {
        let Ok(packet) = received.result else {
            return;
        };
        let check = packet.check;
        if sinks.strict_spoofing && !host_matches_peer(&check, received.peer).await {
            bump(&self.stats.spoofing_dropped);
            warning!(
                "strict_mode_spoofing: dropped the result for host '{}' from {}: the name \
                 does not resolve to that address",
                String::from_utf8_lossy(check.host_name()),
                received.peer.ip()
            );
            return;
        }
        debug!("{}", describe(&check, received.peer));
        let time = received
            .received_at
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        if let Some(sink) = &sinks.icinga2 {
            let job = icinga2::Job {
                check: check.clone(),
                received_at: received.received_at,
            };
            if let Err(job) = sink.send(job).await {
                error!("the Icinga 2 API sink has ended unexpectedly");
                let mut line = nsca::command_line(&job.check, time);
                line.push(b'\n');
                let mut lost = VecDeque::from([Pending { line, written: 0 }]);
                self.dump(sinks, &mut lost, "the Icinga 2 API sink has ended");
            }
            if sinks.command.is_none() && sinks.checkresult_dir.is_none() {
                // The API is the only sink.
                return;
            }
        }
        if let Some(dir) = &sinks.checkresult_dir {
            match checkresult::write(dir, &nsca::checkresult::render(&check, time)) {
                Ok(_) => {
                    bump(&self.stats.checkresult_files);
                    return;
                }
                Err(e) => error!(
                    "cannot write a check result file in {}: {e}; using the command file",
                    dir.display()
                ),
            }
        }
        let mut line = nsca::command_line(&check, time);
        line.push(b'\n');
        pending.push_back(Pending { line, written: 0 });
    }

    /// Writes pending lines until none is left, or the sink has to wait.
    fn flush(
        &self,
        sinks: &mut Sinks,
        pending: &mut VecDeque<Pending>,
        batch: &mut Vec<u8>,
    ) -> Result<(), Wait> {
        while !pending.is_empty() {
            let Some(command) = sinks.command.as_mut() else {
                self.dump(sinks, pending, "no command_file is configured");
                return Ok(());
            };
            let limit = command.batch_limit();
            batch.clear();
            for item in pending.iter() {
                let rest = &item.line[item.written..];
                if !batch.is_empty() && batch.len() + rest.len() > limit {
                    break;
                }
                batch.extend_from_slice(rest);
            }
            match command.write(batch) {
                Outcome::Written(mut n) => {
                    while n > 0 {
                        let Some(front) = pending.front_mut() else {
                            break;
                        };
                        let rest = front.line.len() - front.written;
                        if n >= rest {
                            n -= rest;
                            pending.pop_front();
                            bump(&self.stats.lines_written);
                        } else {
                            front.written += n;
                            n = 0;
                        }
                    }
                }
                Outcome::Wait(wait) => return Err(wait),
                Outcome::Missing => {
                    let reason = format!(
                        "the command file {} does not exist",
                        command.path().display()
                    );
                    self.dump(sinks, pending, &reason);
                }
            }
        }
        Ok(())
    }

    /// Writes every pending line to the dump file.
    fn dump(&self, sinks: &Sinks, pending: &mut VecDeque<Pending>, reason: &str) {
        if pending.is_empty() {
            return;
        }
        let count = pending.len() as u64;
        let mut lines = Vec::new();
        for item in pending.drain(..) {
            lines.extend_from_slice(&item.line);
        }
        match dump::append(&sinks.dump, &lines) {
            Ok(()) => {
                self.stats.dumped.fetch_add(count, Ordering::Relaxed);
                warning!(
                    "{count} result(s) written to the alternate dump file {} ({reason})",
                    sinks.dump.display()
                );
            }
            Err(e) => {
                self.stats.lost.fetch_add(count, Ordering::Relaxed);
                error!(
                    "{count} result(s) LOST: {reason}, and the alternate dump file {} cannot \
                     be written: {e}",
                    sinks.dump.display()
                );
            }
        }
    }
}

/// One debug line per result.
fn describe(check: &CheckResult, peer: SocketAddr) -> String {
    let host = String::from_utf8_lossy(check.host_name());
    let output = String::from_utf8_lossy(check.output());
    match check.service_description() {
        Some(service) => format!(
            "service result from {}: host '{host}', service '{}', code {}, output '{output}'",
            peer.ip(),
            String::from_utf8_lossy(service),
            check.return_code().0
        ),
        None => format!(
            "host result from {}: host '{host}', code {}, output '{output}'",
            peer.ip(),
            check.return_code().0
        ),
    }
}

/// `strict_mode_spoofing`: whether the result's host name resolves to the peer's address.
async fn host_matches_peer(check: &CheckResult, peer: SocketAddr) -> bool {
    let host = String::from_utf8_lossy(check.host_name()).into_owned();
    let peer_ip = peer.ip().to_canonical();
    match tokio::net::lookup_host((host.as_str(), 0)).await {
        Ok(addrs) => addrs.into_iter().any(|a| a.ip().to_canonical() == peer_ip),
        Err(_) => false,
    }
}

/// Seconds since the epoch, now.
pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
