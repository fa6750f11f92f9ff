//! One run of `send_nsca`: config, password, connection, stdin, output and exit codes.
//!
//! The order is the C client's: arguments, config file, then the timeout starts; connect and
//! read the init packet; only then read stdin, sending as sets arrive; close; print the count.
//!
//! The timeout bounds everything after the config file (connecting, the init packet, reading
//! stdin, sending), as C's `alarm()` does, and ends the run with `Error: Timeout after N
//! seconds` and exit 2. Every wait is bounded by the one deadline ([`Clock`]): connecting and
//! the init packet by socket timeouts set to the time left, each read of stdin by `poll(2)`
//! with the time left, and writing by a watchdog thread. The thread is started only when the
//! run writes more than one batch of packets (or a first batch too big for a fresh socket's
//! send buffer): a process that sends one check, the usual case when a script runs send_nsca
//! per event, never pays for a thread. A [`Gate`] makes sure exactly one final message is
//! printed, the run's or the watchdog's.

use std::cell::{Cell, RefCell};
use std::ffi::OsString;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::os::fd::AsFd;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::Path;
use std::process::ExitCode;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use nsca::blocking::{Client, ClientConfig};
use nsca::{
    CheckResult, Cipher, ClientSession, CryptoError, EncryptionMethod, Field, IV_LEN, InitPacket,
    PacketSize, Password, command_line,
};

use crate::args::{self, FreeText, Info, Invocation, Options, PasswordSource};
use crate::config::{self, ConfigError, ConfigFile};
use crate::input::{self, Parsed, Problem, SetReader};
use crate::text;

mod spooled;

/// Debian's default config file, read when `-c` is not given and the file exists.
pub const DEFAULT_CONFIG: &str = "/etc/send_nsca.cfg";

/// Marks free text that was cut to fit the packet.
pub const TRUNCATION_MARKER: &str = " [truncated]";

/// The most bytes a password file may hold.
const MAX_PASSWORD_FILE: u64 = 64 * 1024;

/// Exit codes: Nagios' states, as the C client uses them, and C's `return ERROR`.
const EXIT_OK: u8 = 0;
const EXIT_CRITICAL: u8 = 2;
const EXIT_UNKNOWN: u8 = 3;
const EXIT_SET_TOO_LONG: u8 = 255;
/// `--spool`: results could not be delivered and wait in the spool; none was lost (sysexits'
/// `EX_TEMPFAIL`: try again later).
const EXIT_SPOOLED: u8 = 75;

/// Runs `send_nsca` with `argv` (including `argv[0]`) and returns its exit code.
///
/// May also end the process itself (exit 2) when the timeout runs out.
pub fn run(argv: Vec<OsString>) -> ExitCode {
    let program = argv
        .first()
        .map_or_else(|| b"send_nsca".to_vec(), |p| p.as_bytes().to_vec());
    let code = match args::parse(&argv) {
        Invocation::Info(info) => print_info(&program, &info),
        Invocation::Run(options) => send(&options),
    };
    ExitCode::from(code)
}

fn print_info(program: &[u8], info: &Info) -> u8 {
    if let Some(error) = &info.error {
        let mut err = b"Incorrect command line arguments supplied\n".to_vec();
        if let Some(detail) = error.detail() {
            err.extend_from_slice(format!("send_nsca: {detail}\n").as_bytes());
        }
        write_stderr(&err);
    }
    let mut out = text::BANNER.as_bytes().to_vec();
    if info.usage || info.extended_help {
        out.extend_from_slice(&text::usage(program));
        out.extend_from_slice(text::HELP.as_bytes());
    }
    if info.extended_help {
        out.extend_from_slice(text::EXTENSIONS_INTRO.as_bytes());
        out.extend_from_slice(args::extension_options_help().as_bytes());
        out.extend_from_slice(text::EXTENSIONS_MORE.as_bytes());
    }
    if info.license {
        if info.usage || info.extended_help {
            out.push(b'\n');
        }
        out.extend_from_slice(text::LICENSE.as_bytes());
    }
    write_stdout(&out);
    EXIT_UNKNOWN
}

/// Everything that ends a run other than success, and how the C client reports it.
#[derive(Debug)]
enum Failure {
    /// The config file could not be read or was refused (stdout).
    Config(Vec<u8>),
    /// `--password-file`/`--password-env` could not be used.
    Password(String),
    /// A free-text option cannot be sent.
    FreeTextArgument(String),
    /// The encryption method cannot be set up.
    Crypto { number: i32, error: CryptoError },
    /// The host name did not resolve.
    Lookup,
    /// No address accepted the connection; the C client's message for the reason.
    Connect(&'static str),
    /// The server closed the connection (or failed) before the init packet.
    InitClosed,
    /// The timeout ran out.
    Timeout,
    /// Writing to the server failed.
    Send { written: u64, source: io::Error },
    /// A set over 5120 bytes.
    SetTooLong,
    /// `--strict` found something the C client would change silently.
    Strict {
        set: u64,
        offset: u64,
        problem: Problem,
        sent: u64,
    },
    /// `--spool`: everything was written, but the connection did not end cleanly (a reset, or
    /// no close from the daemon), so nothing written on it counts as delivered.
    Unconfirmed(String),
    /// Anything else (a bug rather than a situation; reported plainly).
    Other(String),
}

/// What a successful run did.
#[derive(Debug, Clone, Copy)]
struct Sent {
    packets: u64,
}

/// Makes sure that exactly one final message is printed: the run's or the timeout's.
#[derive(Debug, Default)]
struct Gate(Mutex<()>);

impl Gate {
    /// Takes the gate for good; a second caller waits until the process exits.
    fn close(&self) {
        match self.0.lock() {
            Ok(guard) => std::mem::forget(guard),
            Err(poisoned) => std::mem::forget(poisoned.into_inner()),
        }
    }
}

fn send(options: &Options) -> u8 {
    if let Some(spool) = &options.spool {
        return spooled::send(options, spool);
    }
    let gate = Arc::new(Gate::default());
    let result = prepare(options).and_then(|setup| {
        // C calls alarm() here, after reading its config file.
        let mut clock = Clock::start(options.timeout, Arc::clone(&gate));
        transfer(options, setup, &mut clock)
    });
    // The final message: from here on a watchdog can no longer fire.
    gate.close();
    report(options, result)
}

/// The run's deadline, and the watchdog thread once there is one.
struct Clock {
    deadline: Instant,
    seconds: i32,
    gate: Arc<Gate>,
    watchdog: bool,
}

impl Clock {
    fn start(seconds: i32, gate: Arc<Gate>) -> Self {
        let budget = Duration::from_secs(u64::try_from(seconds).unwrap_or(0));
        Self {
            deadline: Instant::now() + budget,
            seconds,
            gate,
            watchdog: false,
        }
    }

    fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    /// Starts the watchdog thread, once: at the deadline it prints the timeout message and
    /// exits 2, unless the run has closed the gate first.
    fn start_watchdog(&mut self) -> Result<(), Failure> {
        if self.watchdog {
            return Ok(());
        }
        let (deadline, seconds, gate) = (self.deadline, self.seconds, Arc::clone(&self.gate));
        thread::Builder::new()
            .stack_size(64 * 1024)
            .spawn(move || {
                let now = Instant::now();
                if deadline > now {
                    thread::sleep(deadline - now);
                }
                gate.close();
                write_stderr(format!("Error: Timeout after {seconds} seconds\n").as_bytes());
                std::process::exit(i32::from(EXIT_CRITICAL));
            })
            .map_err(|e| Failure::Other(format!("could not start the timeout thread: {e}")))?;
        self.watchdog = true;
        Ok(())
    }
}

/// Standard input read without a buffer of its own, each read waiting at most until the
/// deadline (`poll(2)` first). When the deadline passes, the read reports the end of input and
/// sets `timed_out`.
struct TimedStdin {
    file: Option<File>,
    deadline: Instant,
    timed_out: Rc<Cell<bool>>,
}

impl TimedStdin {
    fn new(deadline: Instant) -> Self {
        // A duplicate of fd 0 as a File: plain read(2), no userspace buffer that poll(2) could
        // not see. If stdin is closed, there is no input, as C's getc() finds.
        let file = io::stdin()
            .as_fd()
            .try_clone_to_owned()
            .ok()
            .map(File::from);
        Self {
            file,
            deadline,
            timed_out: Rc::new(Cell::new(false)),
        }
    }
}

impl Read for TimedStdin {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let Some(file) = &mut self.file else {
            return Ok(0);
        };
        loop {
            let left = self.deadline.saturating_duration_since(Instant::now());
            let ready = if left.is_zero() {
                Ok(0)
            } else {
                let timeout = rustix::event::Timespec::try_from(left).ok();
                let mut fds = [rustix::event::PollFd::new(
                    &*file,
                    rustix::event::PollFlags::IN,
                )];
                rustix::event::poll(&mut fds, timeout.as_ref())
            };
            match ready {
                Ok(0) => {
                    self.timed_out.set(true);
                    return Ok(0);
                }
                Err(rustix::io::Errno::INTR) => {}
                // Readable, at its end, or in error: read(2) tells which.
                Ok(_) | Err(_) => return file.read(buf),
            }
        }
    }
}

/// What the config file and the options decide before anything touches the network.
struct Setup {
    method: EncryptionMethod,
    password: Password,
    size: PacketSize,
}

fn prepare(options: &Options) -> Result<Setup, Failure> {
    let config = load_config(options.config.as_deref(), Path::new(DEFAULT_CONFIG))?;
    let number = config.encryption_method.unwrap_or(1);
    let mut password = Password::new(config.password.clone().unwrap_or_default());
    // send_nsca.cfg takes precedence over --legacy-2-7-mode, as in C.
    let legacy = config.legacy_2_7_mode.unwrap_or(options.legacy_2_7_mode);
    if let Some(source) = &options.password {
        password = read_password(source)?;
    }
    let method = EncryptionMethod::from_number(i64::from(number))
        .map_err(|error| Failure::Crypto { number, error })?;
    // Check the method before connecting: the C client connects first and only then reports
    // "Failed to initialize encryption libraries"; we also say why.
    Cipher::new(method, password.as_bytes(), &[0; IV_LEN])
        .map_err(|error| Failure::Crypto { number, error })?;
    let size = if legacy {
        PacketSize::Legacy
    } else {
        PacketSize::Standard
    };
    if let Some(free) = &options.free_text {
        let probe = free_text_result(free, Vec::new());
        probe
            .validate(size)
            .map_err(|e| Failure::FreeTextArgument(e.to_string()))?;
    }
    Ok(Setup {
        method,
        password,
        size,
    })
}

/// Reads `-c`'s file, or `default` when there is no `-c` and it exists.
fn load_config(path: Option<&[u8]>, default: &Path) -> Result<ConfigFile, Failure> {
    let path: Vec<u8> = match path {
        Some(p) => p.to_vec(),
        // Debian's send_nsca fails when its default file is missing; we run with the defaults.
        None if default.exists() => default.as_os_str().as_bytes().to_vec(),
        None => return Ok(ConfigFile::default()),
    };
    let file = File::open(Path::new(std::ffi::OsStr::from_bytes(&path)))
        .map_err(|_| Failure::Config(ConfigError::CannotOpen.render(&path)))?;
    config::read(BufReader::new(file)).map_err(|e| Failure::Config(e.render(&path)))
}

fn read_password(source: &PasswordSource) -> Result<Password, Failure> {
    match source {
        PasswordSource::Env(name) => std::env::var_os(name)
            .map(|v| Password::new(v.into_vec()))
            .ok_or_else(|| {
                Failure::Password(format!(
                    "environment variable '{}' (--password-env) is not set",
                    name.as_bytes().escape_ascii()
                ))
            }),
        PasswordSource::File(path) => {
            let shown = path.as_os_str().as_bytes().escape_ascii().to_string();
            let fail = |why: String| {
                Failure::Password(format!("could not read password file '{shown}': {why}"))
            };
            let file = File::open(path).map_err(|e| fail(e.to_string()))?;
            let mut bytes = Vec::new();
            file.take(MAX_PASSWORD_FILE + 1)
                .read_to_end(&mut bytes)
                .map_err(|e| fail(e.to_string()))?;
            if bytes.len() as u64 > MAX_PASSWORD_FILE {
                return Err(fail(format!("it is larger than {MAX_PASSWORD_FILE} bytes")));
            }
            // The first line, without its line ending.
            let mut line = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
            if let Some(l) = line.strip_suffix(b"\r") {
                line = l;
            }
            Ok(Password::new(line.to_vec()))
        }
    }
}

/// Where check results go.
enum Sink {
    Network(Box<Client>),
    DryRun(Box<DryRun>),
    /// `--spool`: kept in memory until the spool has been looked at.
    Collect(Rc<RefCell<Vec<CheckResult>>>),
}

/// `--dry-run`: encodes every check (so that anything that would fail fails) and prints the
/// command-file line the daemon would write for it.
struct DryRun {
    session: ClientSession,
    packet: Vec<u8>,
    out: BufWriter<io::Stdout>,
    sent: u64,
}

impl Sink {
    fn send(&mut self, batch: &[CheckResult]) -> Result<(), Failure> {
        if batch.is_empty() {
            return Ok(());
        }
        match self {
            Self::Network(client) => client.send_all(batch).map(drop).map_err(|e| match e {
                nsca::Error::Send {
                    packets_written,
                    source,
                } => {
                    if matches!(
                        source.kind(),
                        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
                    ) {
                        Failure::Timeout
                    } else {
                        Failure::Send {
                            written: packets_written,
                            source,
                        }
                    }
                }
                other => Failure::Other(other.to_string()),
            }),
            Self::DryRun(dry) => {
                let now = unix_time();
                for check in batch {
                    dry.packet.fill(0);
                    dry.session
                        .encode_with_filler(check, &mut dry.packet)
                        .map_err(|e| Failure::Other(e.to_string()))?;
                    let mut line = command_line(check, now);
                    line.push(b'\n');
                    // A closed stdout is not a reason to stop; the C client ignores it too.
                    let _ = dry.out.write_all(&line);
                    dry.sent += 1;
                }
                Ok(())
            }
            Self::Collect(checks) => {
                checks.borrow_mut().extend_from_slice(batch);
                Ok(())
            }
        }
    }

    fn sent(&self) -> u64 {
        match self {
            Self::Network(client) => client.packets_written(),
            Self::DryRun(dry) => dry.sent,
            Self::Collect(checks) => checks.borrow().len() as u64,
        }
    }

    /// Closes the connection (errors on close are ignored, as C ignores `close()`'s).
    fn finish(self) -> u64 {
        match self {
            Self::Network(client) => {
                let sent = client.packets_written();
                let _ = client.finish();
                sent
            }
            Self::DryRun(mut dry) => {
                let _ = dry.out.flush();
                dry.sent
            }
            Self::Collect(checks) => checks.borrow().len() as u64,
        }
    }
}

fn transfer(options: &Options, setup: Setup, clock: &mut Clock) -> Result<Sent, Failure> {
    let mut sink = if options.dry_run {
        let init = InitPacket {
            iv: [0; IV_LEN],
            timestamp: unix_time() as u32,
        };
        let session =
            ClientSession::new(&init, setup.method, setup.password.as_bytes(), setup.size)
                .map_err(|error| Failure::Crypto {
                    number: i32::from(setup.method.number()),
                    error,
                })?;
        Sink::DryRun(Box::new(DryRun {
            session,
            packet: vec![0; setup.size.len()],
            out: BufWriter::with_capacity(64 * 1024, io::stdout()),
            sent: 0,
        }))
    } else {
        Sink::Network(Box::new(connect(options, &setup, clock)?))
    };
    let stdin = TimedStdin::new(clock.deadline);
    let timed_out = Rc::clone(&stdin.timed_out);
    match &options.free_text {
        Some(free) => send_free_text(options, free, setup.size, stdin, &timed_out, sink),
        None => {
            let mut reader = SetReader::new(stdin, options.set_delimiter);
            match send_sets(
                options,
                setup.size,
                &mut reader,
                &timed_out,
                &mut sink,
                clock,
            ) {
                Ok(()) => Ok(Sent {
                    packets: sink.finish(),
                }),
                Err(e) => {
                    sink.finish();
                    Err(e)
                }
            }
        }
    }
}

fn connect(options: &Options, setup: &Setup, clock: &Clock) -> Result<Client, Failure> {
    // C: sprintf("%d", port) for getaddrinfo, which refuses negative numbers and keeps the low
    // 16 bits of others.
    let port = u32::try_from(options.port).map_err(|_| Failure::Lookup)? as u16;
    let host = std::str::from_utf8(&options.host).map_err(|_| Failure::Lookup)?;
    // Connecting and the init packet get what is left of the run's time. The same socket
    // timeout also bounds the first write; later writes are the watchdog's.
    let left = clock.remaining();
    let config = ClientConfig {
        method: setup.method,
        password: setup.password.clone(),
        packet_size: setup.size,
        connect_timeout: left,
        io_timeout: left,
    };
    Client::connect(host, port, &config).map_err(|e| match e {
        nsca::Error::Resolve { .. } | nsca::Error::NoAddress { .. } => Failure::Lookup,
        nsca::Error::Connect { attempts } => {
            // The C client tries only the first address; report that one's error as it would.
            let kind = attempts.first().map(|(_, e)| e.kind());
            Failure::Connect(match kind {
                Some(io::ErrorKind::ConnectionRefused) => "Connection refused by host",
                Some(io::ErrorKind::TimedOut) => "Timeout while attempting connection",
                Some(io::ErrorKind::NetworkUnreachable) => "Network is unreachable",
                _ => "Connection refused or timed out",
            })
        }
        nsca::Error::ConnectTimeout(_) | nsca::Error::InitTimeout(_) => Failure::Timeout,
        nsca::Error::InitClosed { .. } | nsca::Error::Io { .. } => Failure::InitClosed,
        nsca::Error::Crypto(error) => Failure::Crypto {
            number: i32::from(setup.method.number()),
            error,
        },
        other => Failure::Other(other.to_string()),
    })
}

/// A first batch up to this size fits in a fresh TCP socket's send buffer (Linux starts at
/// 16 KiB), so writing it does not wait and needs no watchdog.
const UNWATCHED_FIRST_BATCH: usize = 16 * 1024;

fn send_sets<R: Read>(
    options: &Options,
    size: PacketSize,
    reader: &mut SetReader<R>,
    timed_out: &Cell<bool>,
    sink: &mut Sink,
    clock: &mut Clock,
) -> Result<(), Failure> {
    // About 64 KiB of packets per write; sooner when the next set is not in the read buffer
    // yet, so that what was read is sent before waiting for more, as the C client would have.
    let per_batch = (64 * 1024 / size.len()).max(1);
    let mut batch: Vec<CheckResult> = Vec::with_capacity(per_batch);
    let mut batches = 0u64;
    let mut flush = |batch: &mut Vec<CheckResult>, sink: &mut Sink| -> Result<(), Failure> {
        if batch.is_empty() {
            return Ok(());
        }
        if batches > 0 || batch.len() * size.len() > UNWATCHED_FIRST_BATCH {
            clock.start_watchdog()?;
        }
        sink.send(batch)?;
        batches += 1;
        batch.clear();
        Ok(())
    };
    loop {
        let next = reader.next_set();
        if timed_out.get() {
            // The set in hand was cut short by the deadline; C would be gone by now.
            return Err(Failure::Timeout);
        }
        let set = match next {
            Ok(Some(set)) => set,
            Ok(None) => break,
            Err(_) => {
                flush(&mut batch, sink)?;
                return Err(Failure::SetTooLong);
            }
        };
        let (index, offset) = (set.index, set.offset);
        let problem = match input::parse_set(set.bytes, options.delimiter) {
            Parsed::Empty => None,
            Parsed::TooFewFields { fields, nul_at } => {
                Some(nul_at.map_or(Problem::TooFewFields(fields), Problem::Nul))
            }
            Parsed::Check(fields) => {
                let (check, problems) = input::to_check(&fields, size);
                match problems.into_iter().next() {
                    // Under --strict the offending check is not sent; the ones before it are.
                    Some(problem) if options.strict => Some(problem),
                    _ => {
                        batch.push(check);
                        None
                    }
                }
            }
        };
        if let Some(problem) = problem.filter(|_| options.strict) {
            flush(&mut batch, sink)?;
            return Err(Failure::Strict {
                set: index,
                offset,
                problem,
                sent: sink.sent(),
            });
        }
        if batch.len() >= per_batch || !reader.next_set_is_buffered() {
            flush(&mut batch, sink)?;
        }
    }
    flush(&mut batch, sink)
}

fn free_text_result(free: &FreeText, output: Vec<u8>) -> CheckResult {
    match &free.service {
        Some(service) => {
            CheckResult::service(free.host.clone(), service.clone(), free.state, output)
        }
        None => CheckResult::host(free.host.clone(), free.state, output),
    }
}

/// Free-text mode: all of stdin (up to what fits; the rest is read and dropped) is the output
/// of one check. Trailing whitespace is stripped; text that does not fit is cut on a UTF-8
/// boundary and ends with [`TRUNCATION_MARKER`].
fn send_free_text<R: Read>(
    options: &Options,
    free: &FreeText,
    size: PacketSize,
    mut stdin: R,
    timed_out: &Cell<bool>,
    mut sink: Sink,
) -> Result<Sent, Failure> {
    let max = size.max_len(Field::Output);
    let mut text = Vec::with_capacity(max + 1);
    let mut buf = [0u8; 8192];
    let mut total = 0u64;
    let mut tail_has_text = false;
    loop {
        let n = match stdin.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        total += n as u64;
        let keep = (max + 1 - text.len()).min(n);
        text.extend_from_slice(&buf[..keep]);
        tail_has_text |= buf[keep..n]
            .iter()
            .any(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'));
    }
    if timed_out.get() {
        sink.finish();
        return Err(Failure::Timeout);
    }
    let mut problem = None;
    if let Some(nul) = text.iter().position(|&b| b == 0) {
        problem = Some(Problem::Nul(nul));
        text.truncate(nul);
        tail_has_text = false;
    }
    if !tail_has_text {
        while text
            .last()
            .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
        {
            text.pop();
        }
    }
    let over = text.len() > max || tail_has_text;
    if over && problem.is_none() {
        problem = Some(Problem::Cut {
            field: Field::Output,
            len: usize::try_from(total).unwrap_or(usize::MAX),
            max,
        });
    }
    if let Some(problem) = problem.filter(|_| options.strict) {
        sink.finish();
        return Err(Failure::Strict {
            set: 1,
            offset: 0,
            problem,
            sent: 0,
        });
    }
    let mut check = free_text_result(free, text);
    if over {
        check.truncate_output_utf8(size, TRUNCATION_MARKER);
    }
    let result = sink.send(std::slice::from_ref(&check));
    let packets = sink.finish();
    result.map(|()| Sent { packets })
}

fn report(options: &Options, result: Result<Sent, Failure>) -> u8 {
    let host = || options.host.as_slice();
    let could_not_connect = || {
        let mut m = b"Error: Could not connect to host ".to_vec();
        m.extend_from_slice(host());
        m.extend_from_slice(format!(" on port {}\n", options.port).as_bytes());
        m
    };
    match result {
        Ok(Sent { packets }) if options.dry_run => {
            if packets == 0 || !options.quiet {
                write_stderr(
                    format!(
                        "{packets} data packet(s) would be sent to host (dry run: nothing was sent).\n"
                    )
                    .as_bytes(),
                );
            }
            if packets == 0 { EXIT_CRITICAL } else { EXIT_OK }
        }
        Ok(Sent { packets }) => {
            // 2.10.2 prints the count even with --quiet when nothing was sent, and exits 2.
            if packets == 0 || !options.quiet {
                write_stdout(
                    format!("{packets} data packet(s) sent to host successfully.\n").as_bytes(),
                );
            }
            if packets == 0 { EXIT_CRITICAL } else { EXIT_OK }
        }
        Err(Failure::Config(out)) => {
            write_stdout(&out);
            EXIT_CRITICAL
        }
        Err(Failure::Password(message) | Failure::Other(message)) => {
            write_stderr(format!("Error: {message}\n").as_bytes());
            EXIT_CRITICAL
        }
        Err(Failure::FreeTextArgument(message)) => {
            write_stderr(
                format!("send_nsca: --check-host/--check-service: {message}\n").as_bytes(),
            );
            EXIT_UNKNOWN
        }
        Err(Failure::Crypto { number, error }) => {
            write_stderr(
                format!(
                    "Error: Failed to initialize encryption libraries for method {number}\nError: {error}\n"
                )
                .as_bytes(),
            );
            EXIT_CRITICAL
        }
        Err(Failure::Lookup) => {
            let mut m = b"Host name lookup failed: '".to_vec();
            m.extend_from_slice(host());
            m.extend_from_slice(b"'\n");
            m.extend_from_slice(&could_not_connect());
            write_stderr(&m);
            EXIT_CRITICAL
        }
        Err(Failure::Connect(why)) => {
            let mut m = format!("{why}\n").into_bytes();
            m.extend_from_slice(&could_not_connect());
            write_stderr(&m);
            EXIT_CRITICAL
        }
        Err(Failure::InitClosed) => {
            write_stderr(
                b"Error: Server closed connection before init packet was received\n\
                  Error: Could not read init packet from server\n",
            );
            EXIT_CRITICAL
        }
        Err(Failure::Timeout) => {
            write_stderr(format!("Error: Timeout after {} seconds\n", options.timeout).as_bytes());
            EXIT_CRITICAL
        }
        Err(Failure::Send { written, source }) => {
            write_stderr(
                format!(
                    "Error: Could not send data to host\n\
                     Error: {written} data packet(s) had been written when sending failed: {source}\n"
                )
                .as_bytes(),
            );
            EXIT_UNKNOWN
        }
        Err(Failure::Unconfirmed(why)) => {
            write_stderr(
                format!(
                    "send_nsca: the daemon did not close the connection cleanly ({why}); what was \
                     written on it may not have reached it\n"
                )
                .as_bytes(),
            );
            EXIT_UNKNOWN
        }
        Err(Failure::SetTooLong) => {
            write_stdout(b"Error: Input set is longer than max allowed.\n");
            EXIT_SET_TOO_LONG
        }
        Err(Failure::Strict {
            set,
            offset,
            problem,
            sent,
        }) => {
            let verb = if options.dry_run {
                "would have been"
            } else if options.spool.is_some() {
                "were sent or spooled"
            } else {
                "were"
            };
            write_stderr(
                format!(
                    "Error: input set {set} (at byte {offset}) {problem}\n\
                     Error: --strict: stopped at input set {set}; {sent} data packet(s) before it {verb} sent, none after it\n"
                )
                .as_bytes(),
            );
            EXIT_CRITICAL
        }
    }
}

fn unix_time() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn write_stdout(bytes: &[u8]) {
    let mut out = io::stdout().lock();
    let _ = out.write_all(bytes);
    let _ = out.flush();
}

fn write_stderr(bytes: &[u8]) {
    let _ = io::stderr().lock().write_all(bytes);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_config_is_optional_but_read_when_present() {
        let missing = Path::new("/nonexistent/send_nsca.cfg");
        assert_eq!(load_config(None, missing).ok(), Some(ConfigFile::default()));
        // With -c, a missing file is the C client's error.
        match load_config(Some(b"/nonexistent/send_nsca.cfg"), missing) {
            Err(Failure::Config(out)) => assert!(out.starts_with(b"Could not open config file")),
            other => panic!("{other:?}"),
        }
        let dir = std::env::temp_dir().join(format!("send_nsca-run-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let present = dir.join("send_nsca.cfg");
        std::fs::write(&present, "encryption_method=0\npassword=pw\n").unwrap();
        let config = load_config(None, &present).unwrap();
        assert_eq!(config.encryption_method, Some(0));
        assert_eq!(config.password.as_deref(), Some(&b"pw"[..]));
        std::fs::write(&present, "bogus=1\n").unwrap();
        assert!(matches!(
            load_config(None, &present),
            Err(Failure::Config(_))
        ));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
