//! What the daemon's fault and end-to-end tests share: clients that number their results, a
//! reader for a command FIFO, the metrics endpoint, log waits, and exact multiset comparisons.
//!
//! Every wait here polls a condition with a deadline; nothing sleeps for correctness.

// Each test file uses its own part of this module.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use nsca::blocking::{Client, ClientConfig};
use nsca::{CheckResult, ClientSession, EncryptionMethod, InitPacket, PacketSize};
use nsca_tests::{Daemon, DaemonConfig, strip_timestamp};

/// The daemon under test.
pub fn ours() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_nsca"))
}

/// The password every test daemon and client share.
pub const PASSWORD: &str = "fault injection";

/// The tests that load the machine (hundreds of connections, continuous senders) take this
/// lock, so that they run one at a time and leave room for the timing-sensitive ones.
pub fn heavy() -> MutexGuard<'static, ()> {
    static HEAVY: Mutex<()> = Mutex::new(());
    HEAVY.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A daemon config (XOR, [`PASSWORD`]) with `extra` lines.
pub fn config(extra: &[&str]) -> DaemonConfig {
    DaemonConfig {
        extra: extra.iter().map(|s| (*s).to_owned()).collect(),
        ..DaemonConfig::new(1, PASSWORD)
    }
}

/// The client side of [`config`].
pub fn client_config() -> ClientConfig {
    ClientConfig {
        method: EncryptionMethod::Xor,
        password: PASSWORD.into(),
        ..ClientConfig::default()
    }
}

/// Starts our daemon, and waits for its "listening on" line (the fixture returns as soon as
/// the port accepts; the line comes once the whole daemon is up).
pub fn start(config: &DaemonConfig) -> Daemon {
    let daemon = Daemon::start_ours(ours(), config);
    wait_log(&daemon, Duration::from_secs(10), |l| {
        l.contains("notice: listening on ")
    });
    daemon
}

/// Result number `i` of connection `conn`: the output says which, so that every line written
/// can be traced back to exactly one send.
pub fn seq_check(conn: usize, i: usize) -> CheckResult {
    CheckResult::service(format!("host{conn}"), "seq", 0, format!("seq {conn}-{i}"))
}

/// The command (without its timestamp) [`seq_check`] becomes.
pub fn seq_command(conn: usize, i: usize) -> String {
    format!("PROCESS_SERVICE_CHECK_RESULT;host{conn};seq;0;seq {conn}-{i}")
}

/// The commands of connections `conns`, `per` results each.
pub fn seq_commands(conns: std::ops::Range<usize>, per: usize) -> Vec<String> {
    conns
        .flat_map(|c| (0..per).map(move |i| seq_command(c, i)))
        .collect()
}

/// Sends results `range` of connection `conn` to `addr` on one connection with the blocking
/// client; returns how many were written.
pub fn send_seq(addr: SocketAddr, conn: usize, range: std::ops::Range<usize>) -> u64 {
    let checks: Vec<CheckResult> = range.map(|i| seq_check(conn, i)).collect();
    let mut client = Client::connect_addrs(&[addr], &client_config())
        .unwrap_or_else(|e| panic!("connection {conn} to {addr}: {e}"));
    let n = client
        .send_all(&checks)
        .unwrap_or_else(|e| panic!("connection {conn}: {e}"));
    client.finish().expect("finish");
    n
}

/// Sends one result on its own connection.
pub fn send_one(addr: SocketAddr, check: &CheckResult) {
    let mut client = Client::connect_addrs(&[addr], &client_config())
        .unwrap_or_else(|e| panic!("connect to {addr}: {e}"));
    client.send(check).expect("send");
    client.finish().expect("finish");
}

/// Lines without their `[timestamp] `.
pub fn commands(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .map(|l| strip_timestamp(l).to_owned())
        .collect()
}

/// Asserts that `got` holds exactly the lines of `expected`, each as many times, in any order;
/// the message lists what is missing and what is extra (or duplicated).
pub fn assert_same_multiset(got: &[String], expected: &[String], what: &str) {
    let mut counts: BTreeMap<&str, i64> = BTreeMap::new();
    for line in expected {
        *counts.entry(line).or_default() += 1;
    }
    for line in got {
        *counts.entry(line).or_default() -= 1;
    }
    let missing: Vec<_> = counts.iter().filter(|(_, c)| **c > 0).collect();
    let extra: Vec<_> = counts.iter().filter(|(_, c)| **c < 0).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{what}: {} lines, {} expected; {} missing (first: {:?}), {} extra or duplicated \
         (first: {:?})",
        got.len(),
        expected.len(),
        missing.len(),
        missing.iter().take(5).collect::<Vec<_>>(),
        extra.len(),
        extra.iter().take(5).collect::<Vec<_>>()
    );
}

/// Asserts that the [`seq_command`] lines of each connection appear in the order they were
/// sent.
pub fn assert_in_order_per_connection(commands: &[String]) {
    let mut last: BTreeMap<String, usize> = BTreeMap::new();
    for line in commands {
        let Some((_, seq)) = line.rsplit_once(";seq ") else {
            continue;
        };
        let (conn, i) = seq.split_once('-').expect("seq C-I");
        let i: usize = i.parse().expect("sequence number");
        if let Some(prev) = last.insert(conn.to_owned(), i) {
            assert!(
                i > prev,
                "connection {conn}: result {i} written after result {prev}"
            );
        }
    }
}

/// Polls `done` every 20 ms until it returns `Some`, or panics with `what()` after `timeout`.
pub fn wait_until<T>(
    timeout: Duration,
    mut done: impl FnMut() -> Option<T>,
    what: impl Fn() -> String,
) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = done() {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?}: {}",
            what()
        );
        thread::sleep(Duration::from_millis(20));
    }
}

/// Waits until the daemon's log satisfies `done`; returns the log.
pub fn wait_log(daemon: &Daemon, timeout: Duration, done: impl Fn(&str) -> bool) -> String {
    wait_until(
        timeout,
        || Some(daemon.log()).filter(|log| done(log)),
        || format!("the daemon's log so far:\n{}", daemon.log()),
    )
}

/// How many lines of `log` contain `needle`.
pub fn count(log: &str, needle: &str) -> usize {
    log.lines().filter(|l| l.contains(needle)).count()
}

/// The lines of a file (a regular command file or the dump file), empty when it is missing.
pub fn file_lines(path: &Path) -> Vec<String> {
    String::from_utf8_lossy(&fs::read(path).unwrap_or_default())
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Waits until `path` has at least `n` lines; returns them without timestamps.
pub fn wait_file_commands(path: &Path, n: usize, timeout: Duration) -> Vec<String> {
    let lines = wait_until(
        timeout,
        || Some(file_lines(path)).filter(|l| l.len() >= n),
        || {
            format!(
                "{} has {} of {n} lines",
                path.display(),
                file_lines(path).len()
            )
        },
    );
    commands(&lines)
}

/// Seconds since the epoch.
pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Makes a FIFO at `path`.
pub fn mkfifo(path: &Path) {
    nix::unistd::mkfifo(path, nix::sys::stat::Mode::from_bits_truncate(0o600)).expect("mkfifo");
}

/// A process reading a command FIFO, as Nagios does: opened read-write (like `cat 0<>fifo`, so
/// that it never sees end-of-file), read continuously by a thread until dropped.
#[derive(Debug)]
pub struct FifoReader {
    path: PathBuf,
    data: Arc<Mutex<Vec<u8>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl FifoReader {
    /// Opens `path` and starts reading.
    pub fn open(path: &Path) -> Self {
        let mut file: File = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(nix::fcntl::OFlag::O_NONBLOCK.bits())
            .open(path)
            .expect("open the FIFO read-write");
        let data = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let data = Arc::clone(&data);
            let stop = Arc::clone(&stop);
            thread::spawn(move || {
                let mut buf = vec![0u8; 64 * 1024];
                loop {
                    match file.read(&mut buf) {
                        Ok(n) => data
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .extend_from_slice(&buf[..n]),
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                            if stop.load(Ordering::SeqCst) {
                                return;
                            }
                            thread::sleep(Duration::from_millis(2));
                        }
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => panic!("reading the FIFO: {e}"),
                    }
                }
            })
        };
        Self {
            path: path.to_owned(),
            data,
            stop,
            thread: Some(thread),
        }
    }

    /// Every complete line read so far.
    pub fn lines(&self) -> Vec<String> {
        let data = self.data.lock().unwrap_or_else(PoisonError::into_inner);
        let complete = data.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        String::from_utf8_lossy(&data[..complete])
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// Waits until at least `n` lines were read; returns them without timestamps.
    pub fn wait_for_commands(&self, n: usize, timeout: Duration) -> Vec<String> {
        let lines = wait_until(
            timeout,
            || Some(self.lines()).filter(|l| l.len() >= n),
            || {
                format!(
                    "{}: {} of {n} lines",
                    self.path.display(),
                    self.lines().len()
                )
            },
        );
        commands(&lines)
    }
}

impl Drop for FifoReader {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A client speaking the protocol by hand on a plain socket: it knows the init packet, can
/// record the bytes it sends, and can wait for the daemon to close.
#[derive(Debug)]
pub struct RawClient {
    /// The socket.
    pub stream: TcpStream,
    /// The daemon's init packet.
    pub init: InitPacket,
    session: ClientSession,
    /// Every byte sent so far.
    pub sent: Vec<u8>,
}

impl RawClient {
    /// Connects and reads the init packet.
    pub fn connect(addr: SocketAddr, method: EncryptionMethod, password: &str) -> Self {
        let mut stream =
            TcpStream::connect_timeout(&addr, Duration::from_secs(10)).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .expect("read timeout");
        stream
            .set_write_timeout(Some(Duration::from_secs(30)))
            .expect("write timeout");
        let mut init = [0u8; InitPacket::LEN];
        stream.read_exact(&mut init).expect("init packet");
        let init = InitPacket::from_bytes(&init);
        let session = ClientSession::new(&init, method, password.as_bytes(), PacketSize::Standard)
            .expect("session");
        Self {
            stream,
            init,
            session,
            sent: Vec::new(),
        }
    }

    /// Connects with XOR and [`PASSWORD`].
    pub fn xor(addr: SocketAddr) -> Self {
        Self::connect(addr, EncryptionMethod::Xor, PASSWORD)
    }

    /// Encodes and writes `checks` (packets carry the init packet's timestamp).
    pub fn send(&mut self, checks: &[CheckResult]) -> io::Result<()> {
        let mut wire = Vec::new();
        for check in checks {
            self.session
                .encode(check, &mut rand::rng(), &mut wire)
                .expect("encode");
        }
        self.stream.write_all(&wire)?;
        self.sent.extend_from_slice(&wire);
        Ok(())
    }

    /// Closes the sending side, then waits (at most the read timeout) until the daemon closes
    /// its side; returns when that happened.
    pub fn finish_and_wait_close(mut self) -> io::Result<Instant> {
        self.stream.shutdown(Shutdown::Write)?;
        wait_closed(&mut self.stream)
    }
}

/// Reads (and discards) until end-of-file or a reset; when that happened.
pub fn wait_closed(stream: &mut TcpStream) -> io::Result<Instant> {
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return Ok(Instant::now()),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::ConnectionReset => return Ok(Instant::now()),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// The port of the daemon's metrics endpoint (`metrics_address=127.0.0.1:0`), from its log.
pub fn metrics_addr(daemon: &Daemon) -> SocketAddr {
    let log = wait_log(daemon, Duration::from_secs(10), |l| {
        l.contains("serving metrics on http://")
    });
    let rest = log
        .split("serving metrics on http://")
        .nth(1)
        .expect("metrics line");
    let addr = rest.split('/').next().expect("address");
    addr.parse().expect("metrics address")
}

/// `GET /metrics` over a raw HTTP/1.0 request: the status line and the body.
pub fn http_get(addr: SocketAddr) -> (String, String) {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    stream
        .write_all(b"GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n")
        .expect("request");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).expect("response");
    let text = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").expect("HTTP response");
    let status = head.lines().next().unwrap_or_default().to_owned();
    (status, body.to_owned())
}

/// The value of `nsca_<name>` (`_total` for counters) in a metrics body.
pub fn metric(body: &str, name: &str) -> Option<u64> {
    body.lines()
        .filter(|l| !l.starts_with('#'))
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
}

/// Polls the metrics until `name`'s value satisfies `done`; returns it.
pub fn wait_metric(
    addr: SocketAddr,
    name: &str,
    timeout: Duration,
    done: impl Fn(u64) -> bool,
) -> u64 {
    wait_until(
        timeout,
        || metric(&http_get(addr).1, name).filter(|v| done(*v)),
        || format!("metric {name}:\n{}", http_get(addr).1),
    )
}

/// Rewrites the daemon's `nsca.cfg`: `edit` gets the lines and returns the new ones.
pub fn edit_config(daemon: &Daemon, edit: impl FnOnce(Vec<String>) -> Vec<String>) {
    let path = daemon.config_file();
    let text = fs::read_to_string(&path).expect("read nsca.cfg");
    let lines = edit(text.lines().map(str::to_owned).collect());
    fs::write(&path, lines.join("\n") + "\n").expect("write nsca.cfg");
}

/// Sets `key=value` in a config's lines (replacing the key's lines, or adding one).
pub fn set_key(mut lines: Vec<String>, key: &str, value: &str) -> Vec<String> {
    let prefix = format!("{key}=");
    lines.retain(|l| !l.starts_with(&prefix));
    lines.push(format!("{key}={value}"));
    lines
}

/// Sends SIGHUP and waits for the `n`th "configuration reloaded" line.
pub fn reload(daemon: &Daemon, n: usize) -> String {
    daemon.signal("HUP");
    wait_log(daemon, Duration::from_secs(10), |l| {
        count(l, "configuration reloaded from") >= n
    })
}

/// Writes an `nsca.cfg` for a daemon started by hand (not through the fixture) into `dir`:
/// port `port` on 127.0.0.1, XOR with [`PASSWORD`], command file `dir/nagios.cmd` (created
/// empty), dump file `dir/dump`, then `extra`. Returns its path.
pub fn write_config(dir: &Path, port: u16, extra: &[&str]) -> PathBuf {
    let command_file = dir.join("nagios.cmd");
    if !command_file.exists() {
        fs::write(&command_file, b"").expect("command file");
    }
    let mut text = format!(
        "server_port={port}\nserver_address=127.0.0.1\ncommand_file={}\nalternate_dump_file={}\n\
         append_to_file=1\ndebug=1\ndecryption_method=1\npassword={PASSWORD}\n",
        command_file.display(),
        dir.join("dump").display()
    );
    for line in extra {
        text.push_str(line);
        text.push('\n');
    }
    let path = dir.join("nsca.cfg");
    fs::write(&path, text).expect("write nsca.cfg");
    path
}

/// Runs `cmd` (stdout and stderr captured) and waits at most `timeout` for it; kills it and
/// panics when it does not exit in time.
pub fn run_bounded(cmd: &mut std::process::Command, timeout: Duration) -> std::process::Output {
    use std::process::Stdio;
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let deadline = Instant::now() + timeout;
    while child.try_wait().expect("try_wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().expect("wait");
            panic!(
                "{cmd:?} did not exit within {timeout:?}; stderr:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        thread::sleep(Duration::from_millis(10));
    }
    child.wait_with_output().expect("wait")
}

/// Whether process `pid` runs (a zombie does not count).
pub fn alive(pid: i32) -> bool {
    let Ok(stat) = fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    // The state follows the command name, which is in parentheses.
    let state = stat
        .rsplit_once(") ")
        .and_then(|(_, rest)| rest.chars().next());
    !matches!(state, Some('Z' | 'X') | None)
}

/// Makes sure this process may open `need` file descriptors (1,000 connections need about
/// 2,000 in this process and 1,000 in the daemon, which inherits the limit): raises the soft
/// limit up to the hard one with `prlimit` when it is lower.
pub fn ensure_fd_limit(need: u64) {
    fn limits() -> (u64, u64) {
        let text = fs::read_to_string("/proc/self/limits").unwrap_or_default();
        let line = text
            .lines()
            .find(|l| l.starts_with("Max open files"))
            .unwrap_or_default();
        let mut numbers = line.split_whitespace().filter_map(|w| {
            w.parse::<u64>()
                .ok()
                .or((w == "unlimited").then_some(u64::MAX))
        });
        (numbers.next().unwrap_or(0), numbers.next().unwrap_or(0))
    }
    let (soft, hard) = limits();
    if soft >= need {
        return;
    }
    let target = if hard == u64::MAX { need } else { hard };
    let _ = std::process::Command::new("prlimit")
        .arg(format!("--pid={}", std::process::id()))
        .arg(format!(
            "--nofile={target}:{}",
            if hard == u64::MAX {
                "unlimited".to_owned()
            } else {
                hard.to_string()
            }
        ))
        .status();
    let (soft, hard) = limits();
    assert!(
        soft >= need,
        "this test needs {need} open files but the limit is {soft} (hard {hard}); run it \
         with `ulimit -n 8192` as test.sh does"
    );
}

/// What one `nsca --inetd` run did.
#[derive(Debug)]
pub struct InetdRun {
    /// How it exited.
    pub status: std::process::ExitStatus,
    /// Its stderr.
    pub log: String,
    /// The client's address, as the daemon saw it.
    pub peer: SocketAddr,
    /// From the end of the client's connection to the exit.
    pub after_client: Duration,
}

/// Runs `nsca --inetd -f -c cfg` as inetd would, on a connection accepted here from a library
/// client that sends `checks` and closes; waits at most `timeout` for the exit (kills it and
/// panics after that).
pub fn run_inetd(cfg: &Path, checks: &[CheckResult], timeout: Duration) -> InetdRun {
    use std::os::fd::OwnedFd;
    use std::process::{Command, Stdio};
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).expect("listen");
    let addr = listener.local_addr().expect("addr");
    let owned = checks.to_vec();
    let client = thread::spawn(move || {
        let mut client = Client::connect_addrs(&[addr], &client_config()).expect("connect");
        let sent = client.send_all(&owned).expect("send");
        client.finish().expect("finish");
        sent
    });
    let (stream, peer) = listener.accept().expect("accept");
    let log_path = cfg.with_extension("inetd.log");
    let mut child = {
        let out = stream.try_clone().expect("clone");
        Command::new(ours())
            .arg("--inetd")
            .arg("-f")
            .arg("-c")
            .arg(cfg)
            .stdin(Stdio::from(OwnedFd::from(stream)))
            .stdout(Stdio::from(OwnedFd::from(out)))
            .stderr(File::create(&log_path).expect("log"))
            .spawn()
            .expect("spawn nsca --inetd")
    };
    assert_eq!(client.join().expect("client"), checks.len() as u64);
    let client_done = Instant::now();
    let deadline = client_done + timeout;
    let status = loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "nsca --inetd did not exit within {timeout:?}:\n{}",
                fs::read_to_string(&log_path).unwrap_or_default()
            );
        }
        thread::sleep(Duration::from_millis(20));
    };
    InetdRun {
        status,
        log: fs::read_to_string(&log_path).unwrap_or_default(),
        peer,
        after_client: client_done.elapsed(),
    }
}
