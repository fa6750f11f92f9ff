//! A run with `--spool DIR`: store and forward.
//!
//! The order differs from a plain run, which connects first and streams stdin: here the whole
//! input is read first (within the `-to` time), so that the run knows every result it is
//! responsible for before anything can fail. Then, under the spool's lock:
//!
//! 1. every spool file is read back, oldest first; one that cannot be read goes to `DIR/bad/`,
//!    one older than `--spool-max-age` is dropped with a message;
//! 2. the spooled results, then the run's own, go to the daemon in connections of at most
//!    [`PER_CONNECTION`] results;
//! 3. after each, the sending side is closed and the run waits for the daemon to close its side
//!    ([`nsca::blocking::Client::finish_and_wait_close`]). Only then do its results count as
//!    delivered: a file delivered whole is removed, one delivered in part is rewritten with the
//!    rest;
//! 4. when a connection fails (no connection, a failed write, a reset, the deadline), what it
//!    carried and everything after it stays: the files, and the run's own results in a new
//!    file. The run exits 75.
//!
//! That is "at least once": results written on a connection that then failed are kept and sent
//! again, since NSCA never says what it has read. A run that cannot get the lock within half
//! of its `-to` time stores its own results without sending anything.
//!
//! No timeout here ends the process (a plain run's watchdog does, at the deadline): a thread
//! shuts the socket down at the deadline instead, so that the results are spooled, not lost.

use std::fs;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;

use nsca::batch::Batch;

use super::*;
use crate::args::SpoolOptions;
use crate::spool::{ReadError, Spool, Stored};

pub(super) fn send(options: &Options, spool_options: &SpoolOptions) -> u8 {
    let started = unix_time();
    let setup = match prepare(options) {
        Ok(setup) => setup,
        Err(failure) => return report(options, Err(failure)),
    };
    let mut clock = Clock::start(options.timeout, Arc::new(Gate::default()));
    // Never start the watchdog that ends the process: see the module documentation.
    clock.watchdog = true;

    let (own, input_failure) = if spool_options.flush {
        (Vec::new(), None)
    } else {
        collect(options, &setup, &mut clock)
    };
    let dir = spool_options.dir.as_path();
    let shown = dir.display();

    let mut spool = match Spool::open(dir) {
        Ok(spool) => Some(spool),
        Err(e) => {
            note(&format!("cannot use the spool directory {shown}: {e}"));
            None
        }
    };
    if let Some(s) = &mut spool {
        let half = Duration::from_secs(u64::try_from(options.timeout).unwrap_or(1)) / 2;
        let until = (Instant::now() + half).min(clock.deadline);
        match s.lock(until) {
            Ok(true) => {}
            Ok(false) => {
                note(&format!(
                    "{shown} stayed locked by another send_nsca for {:.1} s; nothing was sent",
                    half.as_secs_f64()
                ));
                return leave_locked(options, s, started, &own, input_failure);
            }
            Err(e) => {
                note(&format!("cannot lock {}/.lock: {e}", shown));
                spool = None;
            }
        }
    }

    let mut old = Vec::new();
    if let Some(s) = &spool {
        old = read_spool(s, spool_options, setup.size, started);
    }

    if spool_options.flush && old.is_empty() {
        // Nothing to send; without a usable spool, that is a failure.
        return if spool.is_some() {
            EXIT_OK
        } else {
            EXIT_CRITICAL
        };
    }
    if let Some(Failure::Timeout) = input_failure {
        // The time is up while reading stdin: nothing can be sent any more. As for a plain
        // run, that is the timeout's error; what was read is spooled.
        let code = report(options, Err(Failure::Timeout));
        keep(spool.as_ref(), spool_options, started, &own, old);
        return code;
    }

    // Everything to send, in order: the spooled results, then the run's own, each with the
    // index of where it comes from (`old.len()` for the run's own).
    let flat: Vec<(usize, &CheckResult)> = old
        .iter()
        .map(|s| s.batch.checks.as_slice())
        .chain([own.as_slice()])
        .enumerate()
        .flat_map(|(i, checks)| checks.iter().map(move |c| (i, c)))
        .collect();
    let mut chunks: Vec<&[(usize, &CheckResult)]> = flat.chunks(PER_CONNECTION).collect();
    if chunks.is_empty() {
        // Nothing at all: connect anyway, as the C client does with an empty input.
        chunks.push(&[]);
    }
    let mut done = vec![0usize; old.len() + 1];
    let (mut packets, mut failure) = (0u64, None);
    for (n, chunk) in chunks.iter().enumerate() {
        if n > 0 && clock.remaining().is_zero() {
            failure = Some(Failure::Timeout);
            break;
        }
        match deliver(options, &setup, &clock, chunk.iter().map(|&(_, c)| c)) {
            Ok(written) => {
                packets += written;
                for &(i, _) in *chunk {
                    done[i] += 1;
                }
            }
            Err(f) => {
                failure = Some(f);
                break;
            }
        }
    }
    drop(chunks);
    drop(flat);

    // Settle the spool: a file delivered whole goes, one delivered in part keeps the rest.
    let own_rest = &own[done[old.len()]..];
    let (mut delivered, mut files) = (0, 0);
    let mut kept = Vec::new();
    for (stored, done) in old.into_iter().zip(done) {
        if done > 0 {
            delivered += done;
            files += 1;
        }
        if done == stored.batch.checks.len() {
            if let Err(e) = fs::remove_file(&stored.path) {
                note(&format!(
                    "delivered, but could not remove {} ({e}): its results will be sent again",
                    stored.path.display()
                ));
            }
        } else if done > 0 {
            kept.push(keep_rest(spool.as_ref(), stored, done));
        } else {
            kept.push(stored);
        }
    }
    let delivered_note = || {
        if delivered > 0 && !options.quiet {
            note(&format!(
                "{delivered} spooled result(s) from {files} file(s) of {shown} delivered"
            ));
        }
    };

    match failure {
        None => {
            // The C client's line (or the input's error) first, then ours.
            let code = match input_failure {
                Some(failure) => report(options, Err(failure)),
                None if spool_options.flush => {
                    if !options.quiet {
                        write_stdout(
                            format!("{packets} data packet(s) sent to host successfully.\n")
                                .as_bytes(),
                        );
                    }
                    EXIT_OK
                }
                None => report(options, Ok(Sent { packets })),
            };
            delivered_note();
            code
        }
        Some(failure) => {
            let code = report(options, Err(failure));
            delivered_note();
            let spooled = keep(spool.as_ref(), spool_options, started, own_rest, kept);
            match input_failure {
                // The input's error (a set too long, --strict) decides, as in a plain run.
                Some(failure) => report(options, Err(failure)),
                None => spooled.unwrap_or(code),
            }
        }
    }
}

/// At most this many results go on one connection. Each connection is settled (its results
/// count as delivered once the daemon has closed it) before the next starts, so that a large
/// spool drains part by part instead of never fitting in one run's time, and a failure sends
/// again only what the last connection carried.
const PER_CONNECTION: usize = 500;

/// A spool file whose first `done` results were delivered: rewritten with the rest (same name,
/// same time), or kept whole when that fails.
fn keep_rest(spool: Option<&Spool>, mut stored: Stored, done: usize) -> Stored {
    let rest = Batch::new(stored.batch.created, stored.batch.checks.split_off(done));
    let replaced = match spool {
        Some(spool) => spool.replace(&stored.path, &rest),
        None => Err(io::Error::other("no spool")),
    };
    match replaced {
        Ok(len) => Stored {
            path: stored.path,
            len,
            batch: rest,
        },
        Err(e) => {
            note(&format!(
                "could not rewrite {} without its {done} delivered result(s) ({e}): they will \
                 be sent again",
                stored.path.display()
            ));
            stored.batch.checks.extend(rest.checks);
            stored
        }
    }
}

/// Prints one line of ours on stderr.
fn note(message: &str) {
    write_stderr(format!("send_nsca: {message}\n").as_bytes());
}

/// Reads stdin (or free text) into check results, as a plain run would send them. A failure
/// (a set too long, `--strict`, the deadline) comes with the results before it.
fn collect(
    options: &Options,
    setup: &Setup,
    clock: &mut Clock,
) -> (Vec<CheckResult>, Option<Failure>) {
    let store = Rc::new(RefCell::new(Vec::new()));
    let mut sink = Sink::Collect(Rc::clone(&store));
    let stdin = TimedStdin::new(clock.deadline);
    let timed_out = Rc::clone(&stdin.timed_out);
    let result = match &options.free_text {
        Some(free) => send_free_text(options, free, setup.size, stdin, &timed_out, sink).map(drop),
        None => {
            let mut reader = SetReader::new(stdin, options.set_delimiter);
            let result = send_sets(
                options,
                setup.size,
                &mut reader,
                &timed_out,
                &mut sink,
                clock,
            );
            sink.finish();
            result
        }
    };
    (store.take(), result.err())
}

/// Reads every spool file back, oldest first: unreadable ones (or ones with a result that can
/// no longer be sent) go to `bad/`, expired ones are dropped; each with a message.
fn read_spool(spool: &Spool, options: &SpoolOptions, size: PacketSize, now: u64) -> Vec<Stored> {
    recover_temps(spool);
    let paths = match spool.list() {
        Ok(paths) => paths,
        Err(e) => {
            note(&format!(
                "cannot list {}: {e}; nothing spooled is sent",
                spool.dir().display()
            ));
            return Vec::new();
        }
    };
    let mut kept = Vec::new();
    let mut expired = Dropped::default();
    for path in paths {
        let stored = match Spool::read(&path) {
            Ok(mut stored) => match sendable(&mut stored.batch, size) {
                Ok(()) => stored,
                Err(why) => {
                    set_aside(spool, &path, &why);
                    continue;
                }
            },
            // Gone since the listing (another program's doing): nothing to say.
            Err(ReadError::Io(e)) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => {
                set_aside(spool, &path, &e.to_string());
                continue;
            }
        };
        let age = now.saturating_sub(stored.batch.created);
        if options.max_age > 0 && age > options.max_age {
            match fs::remove_file(&stored.path) {
                Ok(()) => expired.add(&stored, age),
                Err(e) => note(&format!(
                    "could not remove the expired {}: {e}",
                    stored.path.display()
                )),
            }
            continue;
        }
        kept.push(stored);
    }
    expired.report(&format!("older than --spool-max-age {}", options.max_age));
    kept
}

/// Cuts the results as the run's own input is cut for this packet size (a file spooled with
/// another size), and checks that each can be encoded.
fn sendable(batch: &mut Batch, size: PacketSize) -> Result<(), String> {
    for (index, check) in batch.checks.iter_mut().enumerate() {
        check.truncate(size);
        check
            .validate(size)
            .map_err(|e| format!("result {} cannot be sent: {e}", index + 1))?;
    }
    Ok(())
}

/// Temporary files of runs that were killed while writing them: whole ones become the spool
/// files they were being written as, the others go to `bad/`; each with a message.
fn recover_temps(spool: &Spool) {
    let temps = match spool.stale_temps(crate::spool::STALE_TEMP) {
        Ok(temps) => temps,
        Err(e) => {
            note(&format!(
                "cannot list {}: {e}; temporary files of earlier runs are left alone",
                spool.dir().display()
            ));
            return;
        }
    };
    for temp in temps {
        let whole = match Spool::read(&temp) {
            Ok(stored) => Ok(stored.batch.checks.len()),
            Err(ReadError::Io(e)) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => Err(e.to_string()),
        };
        match whole {
            Ok(n) => match spool.adopt(&temp) {
                Ok(to) => note(&format!(
                    "{} was left by a run killed while spooling; it holds {n} whole result(s), \
                     kept as {}",
                    temp.display(),
                    to.display()
                )),
                Err(e) => note(&format!(
                    "{} was left by a run killed while spooling, and could not be kept: {e}",
                    temp.display()
                )),
            },
            Err(why) => set_aside(spool, &temp, &why),
        }
    }
}

fn set_aside(spool: &Spool, path: &Path, why: &str) {
    match spool.set_aside(path) {
        Ok(to) => note(&format!(
            "{} cannot be read back ({why}); moved to {}",
            path.display(),
            to.display()
        )),
        Err(e) => note(&format!(
            "{} cannot be read back ({why}), and could not be moved to {}/: {e}; skipped",
            path.display(),
            spool.dir().join(crate::spool::BAD).display()
        )),
    }
}

/// Results dropped by a bound, for the message that names them.
#[derive(Default)]
struct Dropped {
    results: usize,
    files: usize,
    youngest: u64,
    oldest: u64,
}

impl Dropped {
    fn add(&mut self, stored: &Stored, age: u64) {
        if self.files == 0 {
            (self.youngest, self.oldest) = (age, age);
        }
        self.youngest = self.youngest.min(age);
        self.oldest = self.oldest.max(age);
        self.results += stored.batch.checks.len();
        self.files += 1;
    }

    fn report(&self, why: &str) {
        if self.files == 0 {
            return;
        }
        let ages = if self.youngest == self.oldest {
            format!("{} seconds", self.oldest)
        } else {
            format!("{} to {} seconds", self.youngest, self.oldest)
        };
        note(&format!(
            "dropped {} spooled result(s) from {} file(s), spooled {ages} ago: {why}",
            self.results, self.files
        ));
    }
}

/// Connects, writes every result, closes and waits for the daemon's close, all within the
/// deadline. The number of packets written on a connection that ended cleanly.
fn deliver<'a>(
    options: &Options,
    setup: &Setup,
    clock: &Clock,
    checks: impl Iterator<Item = &'a CheckResult>,
) -> Result<u64, Failure> {
    let mut client = connect(options, setup, clock)?;
    let guard = DeadlineGuard::arm(client.get_ref(), clock.deadline);
    let timed_out = |guard: &DeadlineGuard, kind: io::ErrorKind| {
        guard.fired() || matches!(kind, io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock)
    };
    if let Err(e) = client.send_all(checks) {
        return Err(match e {
            nsca::Error::Send {
                packets_written,
                source,
            } => {
                if timed_out(&guard, source.kind()) {
                    Failure::Timeout
                } else {
                    Failure::Send {
                        written: packets_written,
                        source,
                    }
                }
            }
            other => Failure::Other(other.to_string()),
        });
    }
    match client.finish_and_wait_close(clock.remaining()) {
        // The deadline's shutdown also ends the wait with an end of stream: not a clean close.
        Ok(_) if guard.fired() => Err(Failure::Timeout),
        Ok(packets) => Ok(packets),
        Err(nsca::Error::Io { source, .. }) if timed_out(&guard, source.kind()) => {
            Err(Failure::Timeout)
        }
        Err(e) => Err(Failure::Unconfirmed(e.to_string())),
    }
}

/// Shuts a connection down at the deadline, from a thread, so that a blocked write or read
/// ends with an error instead of outliving the run's time.
struct DeadlineGuard {
    cancel: Option<mpsc::Sender<()>>,
    fired: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl DeadlineGuard {
    fn arm(stream: &std::net::TcpStream, deadline: Instant) -> Self {
        let fired = Arc::new(AtomicBool::new(false));
        let (cancel, wait) = mpsc::channel::<()>();
        // Without a second handle or a thread, the socket timeouts still bound each write.
        let thread = stream.try_clone().ok().and_then(|stream| {
            let fired = Arc::clone(&fired);
            thread::Builder::new()
                .stack_size(64 * 1024)
                .spawn(move || {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if let Err(RecvTimeoutError::Timeout) = wait.recv_timeout(left) {
                        fired.store(true, Ordering::SeqCst);
                        let _ = stream.shutdown(std::net::Shutdown::Both);
                    }
                })
                .ok()
        });
        Self {
            cancel: Some(cancel),
            fired,
            thread,
        }
    }

    fn fired(&self) -> bool {
        self.fired.load(Ordering::SeqCst)
    }
}

impl Drop for DeadlineGuard {
    fn drop(&mut self) {
        drop(self.cancel.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// After a failed delivery: the spooled files stay, the run's own results go into a new one
/// (making room under `--spool-max-bytes` by dropping the oldest). Prints what it did and
/// returns [`EXIT_SPOOLED`] when results wait in the spool and none was lost, `None` when the
/// failure's own status applies.
fn keep(
    spool: Option<&Spool>,
    spool_options: &SpoolOptions,
    now: u64,
    own: &[CheckResult],
    mut old: Vec<Stored>,
) -> Option<u8> {
    let mut own_kept = own.is_empty();
    if let (Some(spool), false) = (spool, own.is_empty()) {
        let batch = Batch::new(now, own.to_vec());
        if spool_options.max_bytes > 0 {
            let mut total: u64 =
                old.iter().map(|s| s.len).sum::<u64>() + batch.encoded_len() as u64;
            let mut dropped = Dropped::default();
            while total > spool_options.max_bytes && !old.is_empty() {
                let oldest = old.remove(0);
                match fs::remove_file(&oldest.path) {
                    Ok(()) => dropped.add(&oldest, now.saturating_sub(oldest.batch.created)),
                    Err(e) => note(&format!("could not remove {}: {e}", oldest.path.display())),
                }
                total = total.saturating_sub(oldest.len);
            }
            dropped.report(&format!(
                "to keep {} under --spool-max-bytes {}",
                spool.dir().display(),
                spool_options.max_bytes
            ));
        }
        match spool.store(&batch) {
            Ok(_) => {
                own_kept = true;
                note(&format!(
                    "{} result(s) spooled in {} for a later run",
                    own.len(),
                    spool.dir().display()
                ));
            }
            Err(e) => note(&format!(
                "could not spool {} result(s) in {}: {e}; they are lost",
                own.len(),
                spool.dir().display()
            )),
        }
    } else if !own.is_empty() {
        note(&format!(
            "{} result(s) were not delivered and are lost",
            own.len()
        ));
    }
    let waiting: usize = old.iter().map(|s| s.batch.checks.len()).sum();
    if waiting > 0 {
        note(&format!(
            "{waiting} result(s) of earlier runs stay spooled in {}",
            spool_options.dir.display()
        ));
    }
    (own_kept && (waiting > 0 || !own.is_empty())).then_some(EXIT_SPOOLED)
}

/// The spool is locked by another run for too long: store the run's own results without
/// looking at the others.
fn leave_locked(
    options: &Options,
    spool: &Spool,
    now: u64,
    own: &[CheckResult],
    input_failure: Option<Failure>,
) -> u8 {
    let mut code = EXIT_SPOOLED;
    if !own.is_empty() {
        match spool.store(&Batch::new(now, own.to_vec())) {
            Ok(_) => note(&format!(
                "{} result(s) spooled in {} for a later run",
                own.len(),
                spool.dir().display()
            )),
            Err(e) => {
                note(&format!(
                    "could not spool {} result(s) in {}: {e}; they are lost",
                    own.len(),
                    spool.dir().display()
                ));
                code = EXIT_CRITICAL;
            }
        }
    }
    match input_failure {
        Some(failure) => report(options, Err(failure)),
        None => code,
    }
}
