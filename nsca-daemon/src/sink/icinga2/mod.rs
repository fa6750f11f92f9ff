//! `icinga2_api_url`: results into Icinga 2's REST API (`POST /v1/actions/process-check-result`),
//! the way in that stays when Icinga 2 removes its command pipe.
//!
//! The sink is a task of its own behind a bounded channel. The dispatcher awaits room in that
//! channel for every result, so a sink that cannot deliver fills its channel, then the
//! dispatcher's queue, and then the connections stop being read: clients are slowed down,
//! nothing is dropped.
//!
//! # Delivery
//!
//! - Results for one object (a host, or a host's service) are posted one at a time, in the
//!   order they arrived; results for different objects go out in parallel, at most
//!   `icinga2_api_connections` requests at once, over keep-alive connections.
//! - 200 is delivered. 409 (Icinga 2 already has a newer result for the object) counts as
//!   delivered.
//! - No answer (connection refused, reset, timeout): every post waits, with a pause that grows
//!   from 50 ms to 2 s, then the same result is posted again. 5xx (503: the object is not active
//!   yet, as right after a restart): that object waits, from 100 ms up to 10 s, the others go on.
//! - 400, 403, 404 (no such object, a host state Icinga refuses, passive checks off): the result
//!   is dropped, counted (`icinga2_rejected`) and logged with Icinga's message, at most once a
//!   minute per object.
//! - 401 (wrong user or password) or a certificate that does not verify: the sink stops
//!   posting and says why; results keep queueing (and then slow the clients down). It tries
//!   again every 30 s, and at once after a reload (SIGHUP), so that a fixed configuration
//!   resumes delivery with nothing lost.
//! - When the daemon stops, results are posted until the shutdown deadline; what is left then
//!   (including posts still without an answer, which Icinga 2 may or may not have taken) is
//!   written to `alternate_dump_file` as command-file lines, with a count in the log.

pub mod api;
pub mod mapping;

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures_util::StreamExt as _;
use futures_util::future::BoxFuture;
use futures_util::stream::FuturesUnordered;
use hyper::body::Bytes;
use nsca::CheckResult;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use self::api::{Api, Outcome};
use self::mapping::Target;
use crate::config::Config;
use crate::dispatch::Deadline;
use crate::sink::dump;
use crate::stats::{Stats, bump};
use crate::{debug, error, info, notice, warning};

/// How often a stopped sink (401, certificate) tries again.
pub const STOPPED_RETRY: Duration = Duration::from_secs(30);
/// At most one log line per object and this period for rejected results.
pub const REJECT_LOG_PERIOD: Duration = Duration::from_secs(60);
const UNREACHABLE_PAUSE: (Duration, Duration) = (Duration::from_millis(50), Duration::from_secs(2));
const RETRY_PAUSE: (Duration, Duration) = (Duration::from_millis(100), Duration::from_secs(10));

/// One result on its way to Icinga 2.
#[derive(Debug, Clone)]
pub struct Job {
    /// The result.
    pub check: CheckResult,
    /// When the daemon received it (`execution_start`/`execution_end`).
    pub received_at: SystemTime,
}

/// The dispatcher's end of a running sink.
#[derive(Debug)]
pub struct Handle {
    tx: mpsc::Sender<Job>,
    task: JoinHandle<()>,
}

impl Handle {
    /// Starts the sink for the current configuration of `config`.
    pub fn spawn(
        config: watch::Receiver<Arc<Config>>,
        stats: Arc<Stats>,
        deadline: Arc<Deadline>,
    ) -> Self {
        let current = Arc::clone(&config.borrow());
        let (tx, rx) = mpsc::channel(current.max_queued_results.clamp(1, 1024));
        stats.icinga2_enabled.store(true, Ordering::Relaxed);
        let sink = Sink::new(rx, config, &current, stats, deadline);
        Self {
            tx,
            task: tokio::spawn(sink.run()),
        }
    }

    /// Hands a result to the sink, waiting while its queue is full. Gives the job back when
    /// the sink is gone.
    pub async fn send(&self, job: Job) -> Result<(), Job> {
        self.tx.send(job).await.map_err(|e| e.0)
    }

    /// Lets the sink deliver what it holds and end; the task to wait for.
    pub fn close(self) -> JoinHandle<()> {
        self.task
    }
}

struct Queued {
    seq: u64,
    job: Job,
}

#[derive(Default)]
struct Object {
    jobs: VecDeque<Queued>,
    /// The first job is being posted.
    busy: bool,
    /// Waiting for a retry (5xx) until this instant.
    waiting: Option<Instant>,
    pause: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum StopCause {
    Unauthorized(String),
    Certificate(String),
    Setup(String),
}

struct Stopped {
    cause: StopCause,
    since: Instant,
    next_try: Instant,
}

struct Rejections {
    last: Instant,
    since_logged: u64,
}

struct Sink {
    rx: mpsc::Receiver<Job>,
    config: watch::Receiver<Arc<Config>>,
    config_open: bool,
    stats: Arc<Stats>,
    deadline: Arc<Deadline>,
    api: Option<Arc<Api>>,
    connections: usize,
    capacity: usize,
    shutdown_timeout: Duration,
    dump_path: PathBuf,
    next_seq: u64,
    objects: HashMap<Target, Object>,
    ready: VecDeque<Target>,
    waiting: BinaryHeap<Reverse<(Instant, u64, Target)>>,
    held: usize,
    /// Posts waiting for their answer, polled by this task itself (no task per request).
    in_flight: FuturesUnordered<BoxFuture<'static, (Target, Outcome)>>,
    pause_until: Option<Instant>,
    pause: Duration,
    outage: Option<Instant>,
    stopped: Option<Stopped>,
    rejections: HashMap<Target, Rejections>,
    closed: bool,
    dumping: bool,
}

impl Sink {
    fn new(
        rx: mpsc::Receiver<Job>,
        config: watch::Receiver<Arc<Config>>,
        current: &Config,
        stats: Arc<Stats>,
        deadline: Arc<Deadline>,
    ) -> Self {
        let mut sink = Self {
            rx,
            config,
            config_open: true,
            stats,
            deadline,
            api: None,
            connections: 1,
            capacity: 1,
            shutdown_timeout: current.shutdown_timeout,
            dump_path: current.alternate_dump_file.clone(),
            next_seq: 0,
            objects: HashMap::new(),
            ready: VecDeque::new(),
            waiting: BinaryHeap::new(),
            held: 0,
            in_flight: FuturesUnordered::new(),
            pause_until: None,
            pause: UNREACHABLE_PAUSE.0,
            outage: None,
            stopped: None,
            rejections: HashMap::new(),
            closed: false,
            dumping: false,
        };
        sink.configure(current);
        sink
    }

    /// Takes the settings of `config`; a new API client unless the URL was removed (then the
    /// old one delivers what is left).
    fn configure(&mut self, config: &Config) {
        self.connections = config.icinga2.api_connections.max(1);
        self.capacity = config.max_queued_results.max(1);
        self.shutdown_timeout = config.shutdown_timeout;
        self.dump_path = config.alternate_dump_file.clone();
        if config.icinga2.api_url.is_none() {
            return;
        }
        match Api::new(&config.icinga2) {
            Ok(api) => {
                info!(
                    "Icinga 2 API sink: posting to {} as check source '{}', at most {} \
                     request(s) at once",
                    api.base(),
                    api.check_source(),
                    self.connections
                );
                self.api = Some(Arc::new(api));
                if let Some(stopped) = self.stopped.as_mut() {
                    // Try at once with the new settings.
                    stopped.next_try = Instant::now();
                }
                self.pause_until = None;
                self.pause = UNREACHABLE_PAUSE.0;
            }
            Err(e) => {
                error!("Icinga 2 API sink: {e}");
                if self.api.is_none() {
                    self.stop(StopCause::Setup(e.0));
                }
            }
        }
    }

    async fn run(mut self) {
        loop {
            if self.config_open && self.config.has_changed().unwrap_or(false) {
                let config = Arc::clone(&self.config.borrow_and_update());
                self.configure(&config);
            }
            if !self.dumping && self.deadline.passed() {
                self.dumping = true;
                self.abandon_in_flight();
            }
            if self.dumping {
                self.dump_held("the daemon is stopping");
                if self.closed {
                    break;
                }
                match self.rx.recv().await {
                    Some(job) => self.push(job),
                    None => self.closed = true,
                }
                while let Ok(job) = self.rx.try_recv() {
                    self.push(job);
                }
                continue;
            }
            if self.closed && self.held == 0 {
                break;
            }
            if self.closed && !self.deadline.is_set() {
                // Nobody sends more (inetd mode): deliver for at most shutdown_timeout.
                self.deadline.set(Instant::now() + self.shutdown_timeout);
            }
            let now = Instant::now();
            self.start_posts(now);
            self.update_gauge();
            let wake = self.next_wake(now);
            tokio::select! {
                Some((target, outcome)) = self.in_flight.next(), if !self.in_flight.is_empty() => {
                    self.finished(target, outcome);
                }
                job = self.rx.recv(), if !self.closed && self.held < self.capacity => match job {
                    Some(job) => self.push(job),
                    None => self.closed = true,
                },
                changed = self.config.changed(), if self.config_open => {
                    if changed.is_ok() {
                        let config = Arc::clone(&self.config.borrow_and_update());
                        self.configure(&config);
                    } else {
                        self.config_open = false;
                    }
                }
                () = sleep_until(wake) => {}
            }
        }
        self.update_gauge();
    }

    fn update_gauge(&self) {
        let queued = self.held + self.rx.len();
        self.stats
            .icinga2_queued
            .store(u64::try_from(queued).unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    fn push(&mut self, job: Job) {
        let target = Target::of(&job.check);
        let seq = self.next_seq;
        self.next_seq += 1;
        self.held += 1;
        let object = self
            .objects
            .entry(target.clone())
            .or_insert_with(|| Object {
                pause: RETRY_PAUSE.0,
                ..Object::default()
            });
        object.jobs.push_back(Queued { seq, job });
        if object.jobs.len() == 1 && !object.busy && object.waiting.is_none() {
            self.ready.push_back(target);
        }
    }

    /// When the loop must wake up without an event.
    fn next_wake(&self, now: Instant) -> Option<Instant> {
        let mut wake: Vec<Instant> = Vec::new();
        if let Some(at) = self.pause_until {
            wake.push(at);
        }
        if let Some(Reverse((at, _, _))) = self.waiting.peek() {
            wake.push(*at);
        }
        if let Some(stopped) = &self.stopped {
            wake.push(stopped.next_try);
        }
        if self.held > 0 || self.closed {
            // The deadline is set by another task: look at it regularly.
            wake.push(now + Duration::from_millis(100));
        }
        wake.into_iter().min()
    }

    /// Posts the first result of ready objects, up to the connection limit.
    fn start_posts(&mut self, now: Instant) {
        while let Some(Reverse((at, _, _))) = self.waiting.peek() {
            if *at > now {
                break;
            }
            let Some(Reverse((_, _, target))) = self.waiting.pop() else {
                break;
            };
            if let Some(object) = self.objects.get_mut(&target) {
                object.waiting = None;
                if !object.busy && !object.jobs.is_empty() {
                    self.ready.push_back(target);
                }
            }
        }
        let Some(api) = self.api.clone() else {
            return;
        };
        let mut limit = self.connections;
        if let Some(stopped) = &self.stopped {
            // One probe at a time, every STOPPED_RETRY.
            if now < stopped.next_try || !self.in_flight.is_empty() {
                return;
            }
            limit = 1;
        }
        if self.pause_until.is_some_and(|at| now < at) {
            return;
        }
        self.pause_until = None;
        while self.in_flight.len() < limit {
            let Some(target) = self.ready.pop_front() else {
                break;
            };
            let Some(object) = self.objects.get_mut(&target) else {
                continue;
            };
            let Some(first) = object.jobs.front() else {
                continue;
            };
            if object.busy || object.waiting.is_some() {
                continue;
            }
            object.busy = true;
            let code = first.job.check.return_code().0;
            let (status, changed) = mapping::exit_status(&target, code);
            if changed {
                debug!(
                    "{target}: return code {code} sent to Icinga 2 as {status}{}",
                    if matches!(target, Target::Host(_)) {
                        " (DOWN): Icinga 2 takes only 0 (UP) and 1 (DOWN) for hosts"
                    } else {
                        " (UNKNOWN): outside 0..3"
                    }
                );
            }
            let body = mapping::body(&first.job.check, first.job.received_at, api.check_source());
            let body = Bytes::from(body.to_string());
            let api = Arc::clone(&api);
            self.in_flight
                .push(Box::pin(async move { (target, api.post(body).await) }));
            if let Some(stopped) = self.stopped.as_mut() {
                stopped.next_try = now + STOPPED_RETRY;
            }
        }
    }

    fn finished(&mut self, target: Target, outcome: Outcome) {
        let now = Instant::now();
        if let Some(object) = self.objects.get_mut(&target) {
            object.busy = false;
        }
        match outcome {
            Outcome::Delivered => {
                bump(&self.stats.icinga2_delivered);
                self.done(&target, now);
            }
            Outcome::Superseded(message) => {
                bump(&self.stats.icinga2_delivered);
                debug!(
                    "Icinga 2 has a newer result for {target} ({message}); this one counts as delivered"
                );
                self.done(&target, now);
            }
            Outcome::Rejected(code, message) => {
                bump(&self.stats.icinga2_rejected);
                self.log_rejection(&target, code, &message, now);
                self.done(&target, now);
            }
            Outcome::Retry(code, message) => {
                bump(&self.stats.icinga2_retries);
                self.outage_starts(
                    &format!("Icinga 2 answered {code} ({message}) for {target}"),
                    now,
                );
                let Some(object) = self.objects.get_mut(&target) else {
                    return;
                };
                let at = now + object.pause;
                object.pause = (object.pause * 2).min(RETRY_PAUSE.1);
                object.waiting = Some(at);
                let seq = object.jobs.front().map_or(0, |q| q.seq);
                self.waiting.push(Reverse((at, seq, target)));
            }
            Outcome::Unreachable(reason) => {
                bump(&self.stats.icinga2_retries);
                self.outage_starts(&format!("cannot reach the Icinga 2 API: {reason}"), now);
                if self.pause_until.is_none_or(|at| at <= now) {
                    self.pause_until = Some(now + self.pause);
                    self.pause = (self.pause * 2).min(UNREACHABLE_PAUSE.1);
                }
                self.ready.push_front(target);
            }
            Outcome::Unauthorized(message) => {
                bump(&self.stats.icinga2_retries);
                self.stop(StopCause::Unauthorized(message));
                self.ready.push_front(target);
            }
            Outcome::Certificate(reason) => {
                bump(&self.stats.icinga2_retries);
                self.stop(StopCause::Certificate(reason));
                self.ready.push_front(target);
            }
        }
    }

    /// The first result of `target` is done with (delivered or rejected).
    fn done(&mut self, target: &Target, now: Instant) {
        if let Some(stopped) = self.stopped.take() {
            notice!(
                "Icinga 2 API sink: delivering again after {:.1} s; {} result(s) wait",
                now.duration_since(stopped.since).as_secs_f64(),
                self.held.saturating_sub(1)
            );
        }
        if let Some(since) = self.outage.take() {
            notice!(
                "Icinga 2 API takes results again after {:.1} s; {} result(s) wait",
                now.duration_since(since).as_secs_f64(),
                self.held.saturating_sub(1)
            );
        }
        self.pause = UNREACHABLE_PAUSE.0;
        self.held = self.held.saturating_sub(1);
        let Some(object) = self.objects.get_mut(target) else {
            return;
        };
        object.jobs.pop_front();
        object.pause = RETRY_PAUSE.0;
        if object.jobs.is_empty() {
            self.objects.remove(target);
        } else if object.waiting.is_none() {
            self.ready.push_back(target.clone());
        }
    }

    fn outage_starts(&mut self, what: &str, now: Instant) {
        if self.outage.is_none() && self.stopped.is_none() {
            warning!(
                "{what}; {} result(s) wait and are posted again (clients are slowed down when \
                 the queue is full)",
                self.held + self.rx.len()
            );
            self.outage = Some(now);
        }
    }

    fn stop(&mut self, cause: StopCause) {
        let now = Instant::now();
        if self.stopped.as_ref().is_some_and(|s| s.cause == cause) {
            if let Some(stopped) = self.stopped.as_mut() {
                stopped.next_try = now + STOPPED_RETRY;
            }
            debug!("Icinga 2 API sink: still stopped");
            return;
        }
        let base = self.api.as_ref().map_or("", |a| a.base()).to_owned();
        let why = match &cause {
            StopCause::Unauthorized(message) => format!(
                "the Icinga 2 API at {base} refused the credentials (401: {message}); check \
                 icinga2_api_user and icinga2_api_password (or icinga2_api_password_file, or \
                 the client certificate) and the ApiUser in Icinga 2"
            ),
            StopCause::Certificate(reason) => format!(
                "TLS with the Icinga 2 API at {base} failed: {reason}; check \
                 icinga2_api_ca_file and icinga2_api_tls_name (the name in Icinga's \
                 certificate)"
            ),
            StopCause::Setup(reason) => format!("the Icinga 2 API sink cannot start: {reason}"),
        };
        let retry = if matches!(cause, StopCause::Setup(_)) {
            "fix the configuration and reload (SIGHUP)".to_owned()
        } else {
            format!(
                "trying again every {} s, and at once after a reload (SIGHUP)",
                STOPPED_RETRY.as_secs()
            )
        };
        error!(
            "{why}. Delivery to Icinga 2 is stopped: {} result(s) are kept and more are \
             queued; {retry}",
            self.held + self.rx.len()
        );
        let since = self.stopped.as_ref().map_or(now, |s| s.since);
        self.stopped = Some(Stopped {
            cause,
            since,
            next_try: now + STOPPED_RETRY,
        });
        self.outage = None;
    }

    fn log_rejection(&mut self, target: &Target, code: u16, message: &str, now: Instant) {
        if self.rejections.len() > 10_000 {
            self.rejections
                .retain(|_, r| now.duration_since(r.last) < REJECT_LOG_PERIOD);
        }
        let entry = self.rejections.get_mut(target);
        match entry {
            Some(r) if now.duration_since(r.last) < REJECT_LOG_PERIOD => {
                r.since_logged += 1;
            }
            _ => {
                let more = entry.map_or(0, |r| r.since_logged);
                warning!(
                    "Icinga 2 rejected a result for {target} ({code}: {message}); it is not \
                     posted again{}",
                    if more > 0 {
                        format!(" ({more} more for this object since the last message)")
                    } else {
                        String::new()
                    }
                );
                self.rejections.insert(
                    target.clone(),
                    Rejections {
                        last: now,
                        since_logged: 0,
                    },
                );
            }
        }
    }

    /// At the deadline: posts without an answer are given up (their results are dumped with
    /// the rest; Icinga 2 may have taken some of them).
    fn abandon_in_flight(&mut self) {
        self.in_flight.clear();
    }

    /// Writes every held result to the dump file, in arrival order.
    fn dump_held(&mut self, reason: &str) {
        if self.held == 0 {
            return;
        }
        let mut all: Vec<Queued> = self
            .objects
            .drain()
            .flat_map(|(_, object)| object.jobs)
            .collect();
        self.ready.clear();
        self.waiting.clear();
        self.held = 0;
        all.sort_by_key(|q| q.seq);
        let mut lines = Vec::new();
        for queued in &all {
            let time = queued
                .job
                .received_at
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            lines.extend_from_slice(&nsca::command_line(&queued.job.check, time));
            lines.push(b'\n');
        }
        let count = all.len() as u64;
        match dump::append(&self.dump_path, &lines) {
            Ok(()) => {
                self.stats
                    .icinga2_dumped
                    .fetch_add(count, Ordering::Relaxed);
                warning!(
                    "{count} result(s) not delivered to Icinga 2 written to the alternate \
                     dump file {} ({reason})",
                    self.dump_path.display()
                );
            }
            Err(e) => {
                self.stats.lost.fetch_add(count, Ordering::Relaxed);
                error!(
                    "{count} result(s) for Icinga 2 LOST: {reason}, and the alternate dump \
                     file {} cannot be written: {e}",
                    self.dump_path.display()
                );
            }
        }
        self.update_gauge();
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}
