//! Parity with Debian's NSCA 2.10.2 daemon: the same client sessions go to `/usr/sbin/nsca` and
//! to ours, both started by the fixture from the same `nsca.cfg`, and both must write the same
//! command-file lines (timestamps aside) and make the same accept or reject decision for every
//! packet: the C `send_nsca` and ours with every method in both packet sizes, wrong passwords,
//! packets crafted with a bad CRC or version, a half packet that stalls, a client that never
//! sends, the methods the config refuses and the ones that can never be served.
//!
//! Where ours deliberately does better, the test says so and asserts what each daemon does:
//! several 720-byte packets on one connection (C drops them all, ours writes every one), and a
//! client stalling in the middle of a packet (C stops serving everyone until it gives up; ours
//! serves the others at once). `max_packet_age` is not compared (C 2.10 ignores it): every
//! client here echoes the daemon's timestamp, so both accept.
//!
//! The C daemon and client come from Debian's `nsca` and `nsca-client` packages; without them
//! the tests skip loudly, unless `NSCA_REQUIRE_INTEROP=1`, which turns that into a failure. Our
//! `send_nsca` is nsca-cli's binary, next to ours in the target directory (`cargo build -p
//! nsca-cli`; `cargo test --workspace` builds it).

use std::fs;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Output, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use nsca::blocking::{Client, ClientConfig};
use nsca::{CheckResult, ClientSession, EncryptionMethod, InitPacket, PacketSize};
use nsca_tests::{
    C_SEND_NSCA, Daemon, DaemonConfig, NSCA_DAEMON, TempDir, client_config, free_port,
    real_program, run_with_stdin,
};

/// Our daemon.
const OUR_DAEMON: &str = env!("CARGO_BIN_EXE_nsca");
/// The longest any single wait lasts: the C daemon may be stalled on another client (up to ~11 s
/// per stalled read).
const WAIT: Duration = Duration::from_secs(15);
/// How long a scenario waits after its last expected line for lines that should not come.
const SETTLE: Duration = Duration::from_millis(400);

/// The C daemon closes a connection whose packet fails the version or CRC check but leaves the
/// socket in its poll set: a connection it accepts in the same poll round gets the same
/// descriptor, is then dropped from the set by the stale entry's `POLLNVAL`, and never gets its
/// init packet (the client waits for its timeout). Scenarios leave the C daemon this long after
/// such a drop before connecting again.
const AFTER_DROP: Duration = Duration::from_millis(500);

/// Every method this workspace implements. In a debug build, our Rijndael-192, Rijndael-256
/// and SAFER+ (15, 16, 26) take about half a second per packet on each side, ten times the
/// others: they run one after the other, so that they do not starve each other's clients.
const SLOW_METHODS: [u8; 3] = [16, 15, 26];
const FAST_METHODS: [u8; 14] = [10, 20, 9, 5, 23, 11, 8, 3, 6, 4, 2, 14, 1, 0];
/// Methods NSCA 2.10.2 accepts in `nsca.cfg` but can never serve.
const UNSERVABLE: [u8; 6] = [7, 12, 19, 22, 24, 25];
/// Methods NSCA 2.10.2 refuses in `nsca.cfg`.
const REFUSED: [u8; 4] = [13, 17, 18, 21];

/// The C daemon and ours, started from the same configuration (each on its own port, with its
/// own command file).
struct Pair {
    c: Daemon,
    ours: Daemon,
}

impl Pair {
    /// Both daemons, or `None` when Debian's programs are missing and interop is not required
    /// (the fixture panics when it is).
    fn start(config: &DaemonConfig) -> Option<Self> {
        let c = Daemon::start(config)?;
        real_program(C_SEND_NSCA, "the C send_nsca 2.10.2 client")?;
        let ours = Daemon::start_ours(Path::new(OUR_DAEMON), config);
        Some(Self { c, ours })
    }

    /// Runs `scenario` against both daemons at the same time; C's result, then ours. A failure
    /// says which daemon it was on, with our daemon's log.
    fn run<T: Send>(&self, scenario: impl Fn(&Daemon) -> T + Sync) -> (T, T) {
        thread::scope(|s| {
            let c = s.spawn(|| scenario(&self.c));
            let ours = s.spawn(|| scenario(&self.ours));
            let mut failures = Vec::new();
            let mut outcome = |side: &str, joined: thread::Result<T>| match joined {
                Ok(value) => Some(value),
                Err(panic) => {
                    let message = panic
                        .downcast_ref::<String>()
                        .map(String::as_str)
                        .or_else(|| panic.downcast_ref::<&str>().copied())
                        .unwrap_or("(no message)");
                    failures.push(format!("on {side}: {message}"));
                    None
                }
            };
            let c = outcome("the C daemon", c.join());
            let ours = outcome("our daemon", ours.join());
            match (c, ours) {
                (Some(c), Some(ours)) => (c, ours),
                _ => panic!(
                    "{}\nour daemon's log:\n{}",
                    failures.join("\n"),
                    self.ours.log()
                ),
            }
        })
    }
}

/// Which `send_nsca` runs a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sender {
    /// Debian's C client.
    C,
    /// nsca-cli's.
    Ours,
}

const SENDERS: [Sender; 2] = [Sender::C, Sender::Ours];

impl Sender {
    fn program(self) -> PathBuf {
        match self {
            Self::C => PathBuf::from(C_SEND_NSCA),
            Self::Ours => our_send_nsca(),
        }
    }
}

/// nsca-cli's `send_nsca`, built into the same target directory as our daemon.
fn our_send_nsca() -> PathBuf {
    let path = Path::new(OUR_DAEMON).with_file_name("send_nsca");
    assert!(
        path.is_file(),
        "our send_nsca is not built at {}: run `cargo build -p nsca-cli` first (`cargo test \
         --workspace` builds it)",
        path.display()
    );
    path
}

/// Runs `sender` against `daemon` with a fresh `send_nsca.cfg` for `method` and `password`.
fn send_nsca(
    sender: Sender,
    daemon: &Daemon,
    method: u8,
    password: &str,
    legacy: bool,
    input: &[u8],
) -> Output {
    static CONFIGS: AtomicUsize = AtomicUsize::new(0);
    let dir = daemon.dir().join(format!(
        "client-{}",
        CONFIGS.fetch_add(1, Ordering::Relaxed)
    ));
    fs::create_dir(&dir).expect("client config dir");
    let cfg = client_config(&dir, method, password);
    let host = daemon.addr().ip().to_string();
    let port = daemon.port().to_string();
    let mut cmd = Command::new(sender.program());
    // A generous timeout: the clients' 10 s cover the whole session, which a debug build of
    // ours with a slow cipher on a busy machine can exceed; the timeout is not what is compared.
    cmd.args(["-H", &host, "-p", &port, "-to", "60", "-c"])
        .arg(&cfg);
    if legacy {
        cmd.arg("--legacy-2-7-mode");
    }
    run_with_stdin(&mut cmd, input)
}

/// Asserts that a `send_nsca` run said it sent `n` packets (it cannot know more: NSCA has no
/// acknowledgement).
fn assert_sent(out: &Output, n: usize, what: &str) {
    assert_eq!(
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned()
        ),
        (
            Some(0),
            format!("{n} data packet(s) sent to host successfully.\n"),
            String::new()
        ),
        "{what}"
    );
}

/// One scenario's view of a daemon's command file: each client session says how many lines it
/// adds, and the next session starts only once they are there (or after [`WAIT`]), so the order
/// of the lines is the order of the sessions on both daemons.
struct Run<'a> {
    daemon: &'a Daemon,
    want: usize,
}

impl<'a> Run<'a> {
    fn new(daemon: &'a Daemon) -> Self {
        Self { daemon, want: 0 }
    }

    /// Waits until the session just run has added its `lines`.
    fn expect(&mut self, lines: usize) {
        self.want += lines;
        self.daemon.wait_for_lines(self.want, WAIT);
    }

    /// Waits until a line containing `needle` is there (for sessions that add a different
    /// number of lines on each daemon).
    fn expect_line(&mut self, needle: &str) {
        let deadline = Instant::now() + WAIT;
        while !self.daemon.lines().iter().any(|l| l.contains(needle)) && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// A well-behaved client sends `check` on its own connection (our library, method and
    /// password of the daemon), and the run waits for its line.
    fn marker(&mut self, method: u8, password: &str, check: &CheckResult) {
        send_checks(
            self.daemon,
            method,
            password,
            PacketSize::Standard,
            &[check],
        );
        self.expect(1);
    }

    /// Every line written, without timestamps, after a further [`SETTLE`] for lines that
    /// should not come.
    fn lines(self) -> Vec<String> {
        thread::sleep(SETTLE);
        self.daemon.wait_for_commands(0, Duration::ZERO)
    }
}

/// Our library's blocking client sends `checks` on one connection.
fn send_checks(
    daemon: &Daemon,
    method: u8,
    password: &str,
    size: PacketSize,
    checks: &[&CheckResult],
) {
    let config = ClientConfig {
        method: method_of(method),
        password: password.into(),
        packet_size: size,
        ..ClientConfig::default()
    };
    let mut client = Client::connect_addrs(&[daemon.addr()], &config).expect("connect");
    let sent = client.send_all(checks.iter().copied()).expect("send");
    assert_eq!(sent, checks.len() as u64);
    client.finish().expect("finish");
}

fn method_of(number: u8) -> EncryptionMethod {
    EncryptionMethod::from_number(number.into()).expect("a method number")
}

/// A connection that has read the daemon's init packet, for crafting packets by hand.
fn raw_connect(daemon: &Daemon) -> (TcpStream, InitPacket) {
    let mut stream =
        TcpStream::connect_timeout(&daemon.addr(), Duration::from_secs(5)).expect("connect");
    stream.set_read_timeout(Some(WAIT)).expect("read timeout");
    let mut init = [0; InitPacket::LEN];
    stream.read_exact(&mut init).expect("init packet");
    (stream, InitPacket::from_bytes(&init))
}

/// Encrypted packets carrying `checks`, as a client of this connection sends them.
fn encode(
    init: &InitPacket,
    method: u8,
    password: &str,
    size: PacketSize,
    checks: &[&CheckResult],
) -> Vec<u8> {
    let mut session = ClientSession::new(init, method_of(method), password.as_bytes(), size)
        .expect("client session");
    let mut wire = Vec::new();
    for check in checks {
        session
            .encode(check, &mut rand::rng(), &mut wire)
            .expect("encode");
    }
    wire
}

/// Sends `bytes` on `stream`, closes its sending side, and waits for the daemon to close the
/// connection (a reset, when the daemon closes with data unread, is fine too).
fn send_and_close(mut stream: TcpStream, bytes: &[u8]) {
    // A daemon that drops a packet closes the connection with the rest unread, which resets
    // it: the write or the shutdown may then fail.
    let gone = |e: &io::Error| {
        matches!(
            e.kind(),
            ErrorKind::ConnectionReset | ErrorKind::BrokenPipe | ErrorKind::NotConnected
        )
    };
    if let Err(e) = stream.write_all(bytes) {
        assert!(gone(&e), "write: {e}");
    }
    if let Err(e) = stream.shutdown(Shutdown::Write) {
        assert!(gone(&e), "shutdown: {e}");
    }
    let mut rest = Vec::new();
    match stream.read_to_end(&mut rest) {
        Ok(_) => assert!(rest.is_empty(), "the daemon sent {} bytes", rest.len()),
        Err(e) => assert!(gone(&e), "waiting for the daemon to close: {e}"),
    }
}

/// What both daemons must have written, or what differs.
fn compare(what: &str, (c, ours): &(Vec<String>, Vec<String>), want: &[String]) -> Vec<String> {
    let mut failures = Vec::new();
    if c != want {
        failures.push(format!(
            "{what}: the C daemon wrote\n  {c:?}\nexpected\n  {want:?}"
        ));
    }
    if ours != want {
        failures.push(format!(
            "{what}: our daemon wrote\n  {ours:?}\nexpected\n  {want:?}"
        ));
    }
    failures
}

fn assert_same(what: &str, results: &(Vec<String>, Vec<String>), want: &[String]) {
    let failures = compare(what, results, want);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `plugin_output` as the daemon writes it: backslashes doubled, line feeds as `\n`.
fn escaped(output: &str) -> String {
    output.replace('\\', "\\\\").replace('\n', "\\n")
}

fn strings(lines: &[&str]) -> Vec<String> {
    lines.iter().map(|&l| l.to_owned()).collect()
}

// ---------------------------------------------------------------------------------------------
// Every method, both clients, both packet sizes.

/// Four ETB-separated sets on one connection: a service check with perfdata, a host check, a
/// multi-line output with a backslash, and UTF-8 everywhere.
const STANDARD_INPUT: &str = "web1\tHTTP\t0\tHTTP OK - 0.002 s | time=0.002s\x17\
    db1\t1\tPING WARNING - packet loss 20%\x17\
    web1\tDisk /\t2\tline1\nline2 back\\slash; semi|pipe\x17\
    hôst-é\tsërvice ✓\t3\tÜñíçødé 日本語 🚀\n";

const STANDARD_LINES: [&str; 4] = [
    "PROCESS_SERVICE_CHECK_RESULT;web1;HTTP;0;HTTP OK - 0.002 s | time=0.002s",
    "PROCESS_HOST_CHECK_RESULT;db1;1;PING WARNING - packet loss 20%",
    "PROCESS_SERVICE_CHECK_RESULT;web1;Disk /;2;line1\\nline2 back\\\\slash; semi|pipe",
    "PROCESS_SERVICE_CHECK_RESULT;hôst-é;sërvice ✓;3;Üñíçødé 日本語 🚀",
];

/// Legacy sessions, one packet per connection (all the C daemon accepts): a multi-line UTF-8
/// output longer than the 512-byte field, which the clients cut to 511 bytes, and a host check.
fn legacy_sessions() -> Vec<(String, String)> {
    let output = format!("first line\nsecond \\ line ✓ {}", "x".repeat(600));
    let cut = std::str::from_utf8(&output.as_bytes()[..511]).expect("cut between characters");
    vec![
        (
            format!("leg\tlegacy svc\t2\t{output}"),
            format!(
                "PROCESS_SERVICE_CHECK_RESULT;leg;legacy svc;2;{}",
                escaped(cut)
            ),
        ),
        (
            "leghost\t1\tlegacy host down".to_owned(),
            "PROCESS_HOST_CHECK_RESULT;leghost;1;legacy host down".to_owned(),
        ),
    ]
}

/// A password for `method` that varies between methods: empty, short with a space, or longer
/// than any key.
fn password(method: u8) -> String {
    match method % 3 {
        0 => String::new(),
        1 => "s3cret pw".to_owned(),
        _ => "a password longer than any key of any method: 0123456789abcdef".to_owned(),
    }
}

/// The C `send_nsca`, then ours: four standard packets on one connection, then each legacy
/// session on its own connection.
fn every_client_session(daemon: &Daemon, method: u8) -> Vec<String> {
    let password = password(method);
    let mut run = Run::new(daemon);
    for sender in SENDERS {
        let out = send_nsca(
            sender,
            daemon,
            method,
            &password,
            false,
            STANDARD_INPUT.as_bytes(),
        );
        assert_sent(&out, 4, &format!("{sender:?} send_nsca, method {method}"));
        run.expect(4);
        for (input, _) in legacy_sessions() {
            let out = send_nsca(sender, daemon, method, &password, true, input.as_bytes());
            assert_sent(
                &out,
                1,
                &format!("{sender:?} send_nsca --legacy-2-7-mode, method {method}"),
            );
            run.expect(1);
        }
    }
    run.lines()
}

#[test]
fn every_method_both_clients_both_packet_sizes() {
    let mut want = Vec::new();
    for _ in SENDERS {
        want.extend(strings(&STANDARD_LINES));
        want.extend(legacy_sessions().into_iter().map(|(_, line)| line));
    }
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    let check = |method: u8| {
        let config = DaemonConfig::new(method, &password(method));
        let Some(pair) = Pair::start(&config) else {
            return;
        };
        let results = pair.run(|d| every_client_session(d, method));
        let what = format!("method {method} ({})", method_of(method));
        let mut found = compare(&what, &results, &want);
        failures.lock().expect("failures").append(&mut found);
    };
    thread::scope(|s| {
        s.spawn(|| SLOW_METHODS.into_iter().for_each(check));
        for _ in 0..2 {
            s.spawn(|| {
                while let Some(&method) = FAST_METHODS.get(next.fetch_add(1, Ordering::Relaxed)) {
                    check(method);
                }
            });
        }
    });
    let failures = failures.into_inner().expect("failures");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// Several legacy packets on one connection: ours does better.

/// Three 720-byte packets on one connection, from each client, then a standard packet on a new
/// connection as a marker. The C daemon reads 2160 bytes, sees neither 4304 nor exactly 720
/// and drops them all without a word; ours writes all three.
#[test]
fn several_legacy_packets_on_one_connection_ours_writes_them_all() {
    let input = |sender: Sender| {
        format!(
            "{sender:?}-1\tsvc\t0\tfirst\x17{sender:?}-2\t1\tsecond host\x17\
             {sender:?}-3\tsvc\t2\tthird\nline"
        )
    };
    let legacy_lines = |sender: Sender| {
        vec![
            format!("PROCESS_SERVICE_CHECK_RESULT;{sender:?}-1;svc;0;first"),
            format!("PROCESS_HOST_CHECK_RESULT;{sender:?}-2;1;second host"),
            format!("PROCESS_SERVICE_CHECK_RESULT;{sender:?}-3;svc;2;third\\nline"),
        ]
    };
    let marker = |sender: Sender| format!("PROCESS_HOST_CHECK_RESULT;marker-{sender:?};0;after");
    for method in [1, 3] {
        let password = password(method);
        let Some(pair) = Pair::start(&DaemonConfig::new(method, &password)) else {
            return;
        };
        let (c, ours) = pair.run(|d| {
            let mut run = Run::new(d);
            for sender in SENDERS {
                let out = send_nsca(sender, d, method, &password, true, input(sender).as_bytes());
                assert_sent(&out, 3, &format!("{sender:?} send_nsca, method {method}"));
                let host = format!("marker-{sender:?}");
                send_checks(
                    d,
                    method,
                    &password,
                    PacketSize::Standard,
                    &[&CheckResult::host(host.as_str(), 0, "after")],
                );
                run.expect_line(&marker(sender));
            }
            run.lines()
        });
        assert_eq!(
            c,
            [marker(Sender::C), marker(Sender::Ours)],
            "the C daemon, method {method}"
        );
        // Ours: every line of every connection, each connection's in order (ours serves
        // connections concurrently, so a marker may overtake the connection before it).
        let connection = |prefix: &str| -> Vec<String> {
            ours.iter()
                .filter(|l| l.split(';').nth(1).is_some_and(|h| h.starts_with(prefix)))
                .cloned()
                .collect()
        };
        assert_eq!(ours.len(), 8, "our daemon, method {method}: {ours:?}");
        for sender in SENDERS {
            assert_eq!(
                connection(&format!("{sender:?}-")),
                legacy_lines(sender),
                "our daemon, method {method}: {ours:?}"
            );
        }
        assert_eq!(
            connection("marker-"),
            [marker(Sender::C), marker(Sender::Ours)],
            "our daemon, method {method}: {ours:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Wrong password.

/// Each client sends with the wrong password (one packet per connection, so the client never
/// sees the daemon close early), then the C client with the right one: only its line is
/// written by both. Ours says why it dropped the others.
#[test]
fn wrong_password_is_dropped_by_both() {
    for method in [1, 14] {
        let Some(pair) = Pair::start(&DaemonConfig::new(method, "right-pw")) else {
            return;
        };
        let results = pair.run(|d| {
            let mut run = Run::new(d);
            for sender in SENDERS {
                let out = send_nsca(sender, d, method, "wrong-pw", false, b"h\tsvc\t0\twrong\n");
                assert_sent(&out, 1, &format!("{sender:?} send_nsca, method {method}"));
                thread::sleep(AFTER_DROP);
            }
            let out = send_nsca(
                Sender::C,
                d,
                method,
                "right-pw",
                false,
                b"h\tsvc\t0\tright\n",
            );
            assert_sent(&out, 1, "the right password");
            run.expect(1);
            run.lines()
        });
        assert_same(
            &format!("wrong password, method {method}"),
            &results,
            &strings(&["PROCESS_SERVICE_CHECK_RESULT;h;svc;0;right"]),
        );
        let log = pair.ours.log();
        let dropped: Vec<&str> = log
            .lines()
            .filter(|l| {
                l.contains("error: dropped a packet from 127.0.0.1 and closed the connection: ")
            })
            .collect();
        assert_eq!(dropped.len(), 2, "method {method}: {log}");
        for line in dropped {
            assert!(
                line.ends_with(
                    "(check that the client's password and encryption method match this \
                     daemon's)"
                ),
                "{line}"
            );
            if method == 1 {
                // XOR: the version bytes 0, 3 come out as 0 ^ 'w' ^ 'r', 3 ^ 'r' ^ 'i'.
                let version = i16::from_be_bytes([b'r' ^ b'w', 3 ^ b'i' ^ b'r']);
                assert!(
                    line.contains(&format!("invalid packet version {version} (expected 3)")),
                    "{line}"
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Packets crafted by hand: bad CRC, bad version.

/// A good packet, a packet spoiled by `spoil` after encryption, and another good packet, all
/// on one connection; then a marker on another. Both daemons write the first packet and the
/// marker only: the spoiled packet closes the connection and the last one is never read.
fn spoiled_second_packet(daemon: &Daemon, method: u8, spoil: fn(&mut [u8])) -> Vec<String> {
    let password = password(method);
    let mut run = Run::new(daemon);
    let (stream, init) = raw_connect(daemon);
    let checks = [
        CheckResult::service("crafted", "first", 0, "good"),
        CheckResult::service("crafted", "second", 1, "spoiled"),
        CheckResult::service("crafted", "third", 2, "never read"),
    ];
    let mut wire = encode(
        &init,
        method,
        &password,
        PacketSize::Standard,
        &checks.iter().collect::<Vec<_>>(),
    );
    let size = PacketSize::Standard.len();
    spoil(&mut wire[size..2 * size]);
    send_and_close(stream, &wire);
    run.expect(1);
    thread::sleep(AFTER_DROP);
    run.marker(method, &password, &CheckResult::host("marker", 0, "after"));
    run.lines()
}

const SPOILED_WANT: [&str; 2] = [
    "PROCESS_SERVICE_CHECK_RESULT;crafted;first;0;good",
    "PROCESS_HOST_CHECK_RESULT;marker;0;after",
];

/// One byte of the output field flipped after encryption (methods 0 and 1 leave every other
/// byte as it was): the CRC no longer matches.
#[test]
fn bad_crc_closes_the_connection_on_both() {
    for method in [0, 1] {
        let Some(pair) = Pair::start(&DaemonConfig::new(method, &password(method))) else {
            return;
        };
        let results = pair.run(|d| spoiled_second_packet(d, method, |p| p[300] ^= 0x20));
        assert_same(
            &format!("bad CRC, method {method}"),
            &results,
            &strings(&SPOILED_WANT),
        );
        let log = pair.ours.log();
        assert_eq!(
            log.matches(
                "error: dropped a packet from 127.0.0.1 and closed the connection: invalid CRC32 \
                 (packet says 0x"
            )
            .count(),
            1,
            "method {method}: {log}"
        );
    }
}

/// The version field turned from 3 into 2 after encryption (the CRC, which covers it, is then
/// wrong too; both daemons check the version first).
#[test]
fn bad_version_closes_the_connection_on_both() {
    for method in [0, 1] {
        let Some(pair) = Pair::start(&DaemonConfig::new(method, &password(method))) else {
            return;
        };
        let results = pair.run(|d| spoiled_second_packet(d, method, |p| p[1] ^= 3 ^ 2));
        assert_same(
            &format!("bad version, method {method}"),
            &results,
            &strings(&SPOILED_WANT),
        );
        let log = pair.ours.log();
        assert_eq!(
            log.matches(
                "error: dropped a packet from 127.0.0.1 and closed the connection: invalid packet \
                 version 2 (expected 3)"
            )
            .count(),
            1,
            "method {method}: {log}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Short data followed by EOF.

/// A 720-byte packet then EOF (accepted by both), then 100 bytes of a packet then EOF (dropped
/// by both), then a marker.
#[test]
fn legacy_packet_then_eof_is_kept_and_100_bytes_then_eof_are_dropped() {
    let method = 1;
    let password = password(method);
    let Some(pair) = Pair::start(&DaemonConfig::new(method, &password)) else {
        return;
    };
    let results = pair.run(|d| {
        let mut run = Run::new(d);
        let (stream, init) = raw_connect(d);
        let check = CheckResult::service("eof", "legacy", 1, "720 bytes then EOF");
        send_and_close(
            stream,
            &encode(&init, method, &password, PacketSize::Legacy, &[&check]),
        );
        run.expect(1);
        let (stream, init) = raw_connect(d);
        let check = CheckResult::service("eof", "short", 2, "100 bytes then EOF");
        let wire = encode(&init, method, &password, PacketSize::Standard, &[&check]);
        send_and_close(stream, &wire[..100]);
        run.marker(method, &password, &CheckResult::host("marker", 0, "after"));
        run.lines()
    });
    assert_same(
        "720 bytes + EOF, 100 bytes + EOF",
        &results,
        &strings(&[
            "PROCESS_SERVICE_CHECK_RESULT;eof;legacy;1;720 bytes then EOF",
            "PROCESS_HOST_CHECK_RESULT;marker;0;after",
        ]),
    );
    assert_logged_cut_first_packet(&pair);
}

/// Our daemon logged a connection that ended 100 bytes into its first packet, whose size it
/// could not know yet.
fn assert_logged_cut_first_packet(pair: &Pair) {
    let log = pair.ours.log();
    assert!(
        log.contains(
            "warning: connection from 127.0.0.1 ended in the middle of a packet: connection \
             ended 100 bytes into its first packet (4304 or 720 bytes, too short to tell which)"
        ),
        "{log}"
    );
}

// ---------------------------------------------------------------------------------------------
// Slow and silent clients.

/// A client sends 100 bytes of a packet and holds the connection for 2 s while the C
/// `send_nsca` sends a normal check: both daemons write the check and nothing from the half
/// packet. The C daemon (single process) sits in its read of the half packet until the client
/// closes, so everyone waits; ours writes the check while the half packet is still open.
/// Returns the lines and whether the check was written before the stalling client closed.
fn half_packet_stall(daemon: &Daemon) -> (Vec<String>, bool) {
    let method = 1;
    let password = password(method);
    let hold = Duration::from_secs(2);
    let (mut staller, init) = raw_connect(daemon);
    let opened = Instant::now();
    let half = CheckResult::service("stall", "half", 2, "never complete");
    let wire = encode(&init, method, &password, PacketSize::Standard, &[&half]);
    staller
        .write_all(&wire[..100])
        .expect("write half a packet");
    thread::scope(|s| {
        let closer = s.spawn(move || {
            thread::sleep(hold.saturating_sub(opened.elapsed()));
            drop(staller);
            Instant::now()
        });
        let good = s.spawn(|| {
            thread::sleep(Duration::from_millis(100));
            send_nsca(
                Sender::C,
                daemon,
                method,
                &password,
                false,
                b"good\tsvc\t0\tserved\n",
            )
        });
        let mut run = Run::new(daemon);
        run.expect(1);
        let written = Instant::now();
        let closed = closer.join().expect("closer");
        assert_sent(&good.join().expect("client"), 1, "the C send_nsca");
        (run.lines(), written < closed)
    })
}

#[test]
fn half_packet_that_stalls() {
    let Some(pair) = Pair::start(&DaemonConfig::new(1, &password(1))) else {
        return;
    };
    let ((c, c_early), (ours, ours_early)) = pair.run(half_packet_stall);
    assert_same(
        "half a packet, then a stall",
        &(c, ours),
        &strings(&["PROCESS_SERVICE_CHECK_RESULT;good;svc;0;served"]),
    );
    eprintln!("half packet: C wrote the other check while stalled: {c_early}");
    assert!(
        ours_early,
        "our daemon did not serve the other client while one stalled mid-packet"
    );
    assert_logged_cut_first_packet(&pair);
}

/// A client connects, reads the init packet and sends nothing for 3 s while our `send_nsca`
/// sends a check: both daemons write it at once (before the silent client leaves), and nothing
/// for the silent one.
fn silent_client(daemon: &Daemon) -> (Vec<String>, bool) {
    let method = 1;
    let password = password(method);
    let hold = Duration::from_secs(3);
    let (silent, _init) = raw_connect(daemon);
    let opened = Instant::now();
    thread::scope(|s| {
        let closer = s.spawn(move || {
            thread::sleep(hold.saturating_sub(opened.elapsed()));
            drop(silent);
            Instant::now()
        });
        let out = send_nsca(
            Sender::Ours,
            daemon,
            method,
            &password,
            false,
            b"other\tsvc\t0\tserved\n",
        );
        assert_sent(&out, 1, "our send_nsca");
        let mut run = Run::new(daemon);
        run.expect(1);
        let written = Instant::now();
        let closed = closer.join().expect("closer");
        (run.lines(), written < closed)
    })
}

#[test]
fn client_that_never_sends() {
    let Some(pair) = Pair::start(&DaemonConfig::new(1, &password(1))) else {
        return;
    };
    let ((c, c_early), (ours, ours_early)) = pair.run(silent_client);
    assert_same(
        "a silent client",
        &(c, ours),
        &strings(&["PROCESS_SERVICE_CHECK_RESULT;other;svc;0;served"]),
    );
    assert!(
        c_early,
        "the C daemon did not serve others while one was silent"
    );
    assert!(
        ours_early,
        "our daemon did not serve others while one was silent"
    );
    // Still serving after the silent client left.
    let results = pair.run(|d| {
        let mut run = Run::new(d);
        send_checks(
            d,
            1,
            &password(1),
            PacketSize::Standard,
            &[&CheckResult::host("after", 0, "still here")],
        );
        run.expect(2);
        run.lines()
    });
    assert_same(
        "after the silent client",
        &results,
        &strings(&[
            "PROCESS_SERVICE_CHECK_RESULT;other;svc;0;served",
            "PROCESS_HOST_CHECK_RESULT;after;0;still here",
        ]),
    );
}

// ---------------------------------------------------------------------------------------------
// Methods that cannot run.

/// What a client meets at a daemon configured with a method it can never serve: the bytes the
/// daemon sent before closing, and each `send_nsca`'s exit code, stdout and stderr.
fn unservable_session(daemon: &Daemon, method: u8) -> (usize, Vec<(Option<i32>, String, String)>) {
    let mut stream =
        TcpStream::connect_timeout(&daemon.addr(), Duration::from_secs(5)).expect("connect");
    stream.set_read_timeout(Some(WAIT)).expect("read timeout");
    let mut got = Vec::new();
    match stream.read_to_end(&mut got) {
        Ok(_) => {}
        Err(e) => assert_eq!(e.kind(), ErrorKind::ConnectionReset, "{e}"),
    }
    let outputs = SENDERS
        .iter()
        .map(|&sender| {
            let out = send_nsca(sender, daemon, method, "pw", false, b"h\tsvc\t0\tx\n");
            (
                out.status.code(),
                String::from_utf8_lossy(&out.stdout).into_owned(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            )
        })
        .collect();
    (got.len(), outputs)
}

/// Methods 7, 12, 19, 22, 24 and 25: both daemons start (the config is valid), then close
/// every connection before the init packet; both clients then fail the same way at either
/// daemon, and nothing is written.
#[test]
fn unservable_methods_close_before_the_init_packet() {
    let c_client = (
        Some(2),
        String::new(),
        "Error: Server closed connection before init packet was received\n\
         Error: Could not read init packet from server\n"
            .to_owned(),
    );
    thread::scope(|s| {
        for method in UNSERVABLE {
            let c_client = c_client.clone();
            s.spawn(move || {
                let Some(pair) = Pair::start(&DaemonConfig::new(method, "pw")) else {
                    return;
                };
                let (c, ours) = pair.run(|d| unservable_session(d, method));
                assert_eq!(c, ours, "method {method}: C's daemon, then ours");
                assert_eq!(c.0, 0, "method {method}: bytes before the close");
                assert_eq!(c.1[0], c_client, "method {method}: the C send_nsca");
                // Ours knows the method cannot work and says so without connecting.
                assert_eq!(c.1[1].0, Some(2), "method {method}: our send_nsca");
                assert!(
                    c.1[1].2.starts_with(&format!(
                        "Error: Failed to initialize encryption libraries for method {method}\n"
                    )),
                    "method {method}: our send_nsca: {:?}",
                    c.1[1]
                );
                thread::sleep(SETTLE);
                assert!(pair.c.lines().is_empty(), "method {method}");
                assert!(pair.ours.lines().is_empty(), "method {method}");
                let log = pair.ours.log();
                let name = method_of(method).mcrypt_name();
                assert!(
                    log.contains(&format!(
                        "warning: {}: line 8: decryption method {method} ({name}) cannot be used",
                        pair.ours.config_file().display()
                    )),
                    "{log}"
                );
                // The fixture's readiness probe, the raw connection and the C client.
                assert_eq!(
                    log.matches(&format!(
                        "error: cannot serve 127.0.0.1: encryption method {method} ({name}) \
                         cannot be used"
                    ))
                    .count(),
                    3,
                    "{log}"
                );
            });
        }
    });
}

/// Runs `program -f -c config --single` and waits (at most 10 s) for it to exit.
fn exit_of(program: &Path, config: &Path) -> (ExitStatus, String) {
    let mut child = Command::new(program)
        .arg("-f")
        .arg("-c")
        .arg(config)
        .arg("--single")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            let mut stderr = String::new();
            if let Some(mut pipe) = child.stderr.take() {
                let _ = pipe.read_to_string(&mut stderr);
            }
            return (status, stderr);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{} -c {} is still running",
                program.display(),
                config.display()
            );
        }
        thread::sleep(Duration::from_millis(20));
    }
}

/// Methods 13, 17, 18 and 21 in `nsca.cfg`: neither daemon starts; both exit with status 2.
#[test]
fn refused_methods_stop_both_daemons_at_start() {
    let Some(c_daemon) = real_program(NSCA_DAEMON, "the NSCA 2.10.2 daemon") else {
        return;
    };
    let dir = TempDir::new("parity-refused").expect("temp dir");
    let command_file = dir.path().join("nagios.cmd");
    fs::write(&command_file, b"").expect("command file");
    for method in REFUSED {
        let config = dir.path().join(format!("nsca-{method}.cfg"));
        fs::write(
            &config,
            format!(
                "server_port={}\nserver_address=127.0.0.1\ncommand_file={}\n\
                 alternate_dump_file={}\nappend_to_file=1\ndebug=1\nmax_packet_age=30\n\
                 decryption_method={method}\npassword=pw\n",
                free_port("127.0.0.1".parse().expect("address")),
                command_file.display(),
                dir.path().join("dump").display()
            ),
        )
        .expect("write nsca.cfg");
        let (c, _) = exit_of(&c_daemon, &config);
        let (ours, stderr) = exit_of(Path::new(OUR_DAEMON), &config);
        assert_eq!(
            (c.code(), ours.code()),
            (Some(2), Some(2)),
            "method {method}: {stderr}"
        );
        assert!(
            stderr.contains(&format!(
                "error: {}, line 8: decryption method {method} does not exist",
                config.display()
            )) && stderr.trim_end().ends_with("; not starting"),
            "{stderr}"
        );
    }
    assert!(fs::read(&command_file).expect("command file").is_empty());
}
