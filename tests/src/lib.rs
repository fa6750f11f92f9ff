//! Test fixtures for the workspace: the real NSCA 2.10.2 daemon and client from Debian's
//! packages, started and stopped by the tests themselves, and small helpers around them.
//!
//! A test asks for the daemon with [`Daemon::start`]. When `/usr/sbin/nsca` is not installed the
//! fixture returns `None` and prints a loud `SKIPPED` line, so that plain `cargo test` works on a
//! machine without the packages; set `NSCA_REQUIRE_INTEROP=1` (the README's test command and CI
//! do) to turn a missing daemon into a failure instead.

pub mod icinga;
pub mod nagios;

use std::fs;
use std::io::{self, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Where Debian installs the daemon.
pub const NSCA_DAEMON: &str = "/usr/sbin/nsca";
/// Where Debian installs the C client.
pub const C_SEND_NSCA: &str = "/usr/sbin/send_nsca";

/// Whether a missing real program must fail the test rather than skip it.
pub fn interop_required() -> bool {
    std::env::var_os("NSCA_REQUIRE_INTEROP").is_some_and(|v| v != "0" && !v.is_empty())
}

/// Returns `path` when the program exists. Otherwise skips loudly, or panics when interop is
/// required.
pub fn real_program(path: &str, what: &str) -> Option<PathBuf> {
    let p = PathBuf::from(path);
    if p.exists() {
        return Some(p);
    }
    assert!(
        !interop_required(),
        "{what} ({path}) is required (NSCA_REQUIRE_INTEROP is set) but not installed"
    );
    eprintln!(
        "\n=== SKIPPED: {what} ({path}) is not installed; this interop test did not run. \
         Install Debian's nsca and nsca-client packages or use the README's test command. ===\n"
    );
    None
}

/// A temporary directory, removed on drop.
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    /// Creates a fresh directory under the system temp dir.
    pub fn new(tag: &str) -> io::Result<Self> {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!(
            "nsca-{tag}-{}-{}-{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        let path = std::env::temp_dir().join(name);
        fs::create_dir_all(&path)?;
        Ok(Self(path))
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// How to configure a daemon under test.
#[derive(Debug, Clone)]
pub struct DaemonConfig {
    /// `decryption_method` (0..=26).
    pub method: u8,
    /// `password`; `None` leaves the key out of the config.
    pub password: Option<String>,
    /// The address to listen on (`127.0.0.1` or `::1`).
    pub bind: IpAddr,
    /// An existing command file (a FIFO, say) to write to; by default the fixture creates a
    /// regular file in its temp dir.
    pub command_file: Option<PathBuf>,
    /// More `key=value` lines for `nsca.cfg`.
    pub extra: Vec<String>,
    /// Leave `command_file` out of `nsca.cfg` (our daemon with the Icinga 2 API as its only
    /// sink); [`Daemon::command_file`] then names a file that is never written.
    pub without_command_file: bool,
}

impl Default for DaemonConfig {
    fn default() -> Self {
        Self {
            method: 1,
            password: None,
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            command_file: None,
            extra: Vec::new(),
            without_command_file: false,
        }
    }
}

impl DaemonConfig {
    /// A config for `method` with `password`.
    pub fn new(method: u8, password: &str) -> Self {
        Self {
            method,
            password: Some(password.to_owned()),
            ..Self::default()
        }
    }
}

/// An NSCA daemon under test, running in the foreground (`-f -c nsca.cfg --single`) on a free
/// loopback port with its own config and command file: the real C one ([`Daemon::start`]) or
/// this workspace's ([`Daemon::start_ours`]), started from the same config so that parity tests
/// can run one scenario against both. Killed on drop.
#[derive(Debug)]
pub struct Daemon {
    child: Child,
    addr: SocketAddr,
    command_file: PathBuf,
    dir: TempDir,
    log: PathBuf,
}

impl Daemon {
    /// Starts the real C daemon, or returns `None` (after a loud notice) when it is not
    /// installed and interop is not required.
    ///
    /// # Panics
    /// When the daemon is installed but does not come up.
    pub fn start(config: &DaemonConfig) -> Option<Self> {
        let program = real_program(NSCA_DAEMON, "the NSCA 2.10.2 daemon")?;
        Some(Self::start_program(&program, config))
    }

    /// Starts this workspace's daemon (`program`: the `nsca` binary, `CARGO_BIN_EXE_nsca` in
    /// the daemon's tests) with the same config the C daemon would get; its stderr log is
    /// [`Daemon::log`].
    ///
    /// # Panics
    /// When it does not come up.
    pub fn start_ours(program: &Path, config: &DaemonConfig) -> Self {
        Self::start_program(program, config)
    }

    fn start_program(program: &Path, config: &DaemonConfig) -> Self {
        let dir = TempDir::new("daemon").expect("temp dir");
        let command_file = match &config.command_file {
            Some(path) => path.clone(),
            None => {
                let path = dir.path().join("nagios.cmd");
                fs::write(&path, b"").expect("create command file");
                path
            }
        };
        let log = dir.path().join("daemon.log");
        let mut last_error = String::new();
        for _ in 0..8 {
            let port = free_port(config.bind);
            let cfg_path = dir.path().join("nsca.cfg");
            let mut cfg = format!(
                "server_port={port}\nserver_address={}\ncommand_file={}\nalternate_dump_file={}\n\
                 append_to_file=1\ndebug=1\nmax_packet_age=30\ndecryption_method={}\n",
                config.bind,
                command_file.display(),
                dir.path().join("dump").display(),
                config.method
            );
            if config.without_command_file {
                cfg = cfg
                    .lines()
                    .filter(|l| !l.starts_with("command_file="))
                    .map(|l| format!("{l}\n"))
                    .collect();
            }
            if let Some(pw) = config.password.as_ref().filter(|p| !p.is_empty()) {
                cfg.push_str(&format!("password={pw}\n"));
            }
            for line in &config.extra {
                cfg.push_str(line);
                cfg.push('\n');
            }
            fs::write(&cfg_path, cfg).expect("write nsca.cfg");
            let log_file = fs::File::create(&log).expect("daemon log");
            let mut child = Command::new(program)
                .arg("-f")
                .arg("-c")
                .arg(&cfg_path)
                .arg("--single")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(log_file)
                .spawn()
                .expect("spawn nsca");
            let addr = SocketAddr::new(config.bind, port);
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                if let Ok(Some(status)) = child.try_wait() {
                    last_error = format!(
                        "{} exited with {status} (port {port}): {}",
                        program.display(),
                        fs::read_to_string(&log).unwrap_or_default()
                    );
                    break;
                }
                if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                    return Self {
                        child,
                        addr,
                        command_file,
                        dir,
                        log,
                    };
                }
                if Instant::now() > deadline {
                    let _ = child.kill();
                    let _ = child.wait();
                    last_error = format!("nsca did not listen on {addr} within 10 s");
                    break;
                }
                thread::sleep(Duration::from_millis(20));
            }
        }
        panic!("could not start the NSCA daemon: {last_error}");
    }

    /// What the daemon wrote to stderr (our daemon logs there with `-f`; the C daemon logs
    /// only to syslog, so this stays empty for it).
    pub fn log(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The daemon's pid.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends `signal` (a name `kill` understands: HUP, TERM, USR1...) to the daemon.
    pub fn signal(&self, signal: &str) {
        let _ = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.child.id().to_string())
            .status();
    }

    /// Waits (at most `timeout`) for the daemon to exit; its exit status, if it did.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            if Instant::now() > deadline {
                return None;
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// The command file (or FIFO) it writes to.
    pub fn command_file(&self) -> &Path {
        &self.command_file
    }

    /// Its `nsca.cfg`.
    pub fn config_file(&self) -> PathBuf {
        self.dir.path().join("nsca.cfg")
    }

    /// Its `alternate_dump_file`.
    pub fn dump_file(&self) -> PathBuf {
        self.dir.path().join("dump")
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Its port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Its temp dir (config, command file).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The command file's lines so far.
    pub fn lines(&self) -> Vec<String> {
        let bytes = fs::read(&self.command_file).unwrap_or_default();
        String::from_utf8_lossy(&bytes)
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// Waits (at most `timeout`) until the command file has at least `n` lines, and returns
    /// them all. A legacy 720-byte packet is written up to a second after the client closes, so
    /// tests wait for lines rather than sleep.
    pub fn wait_for_lines(&self, n: usize, timeout: Duration) -> Vec<String> {
        let deadline = Instant::now() + timeout;
        loop {
            let lines = self.lines();
            if lines.len() >= n || Instant::now() > deadline {
                return lines;
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Like [`Daemon::wait_for_lines`], then the lines without their `[timestamp] ` prefix.
    pub fn wait_for_commands(&self, n: usize, timeout: Duration) -> Vec<String> {
        self.wait_for_lines(n, timeout)
            .iter()
            .map(|l| strip_timestamp(l).to_owned())
            .collect()
    }

    /// Stops the daemon and waits for it.
    pub fn stop(mut self) {
        self.kill();
    }

    fn kill(&mut self) {
        // Already stopped (by `stop`, before the drop).
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A command-file line without its leading `[timestamp] `, checking that the timestamp is a
/// number.
///
/// # Panics
/// When the line does not start with `[digits] `.
pub fn strip_timestamp(line: &str) -> &str {
    let rest = line.strip_prefix('[').expect("line starts with [");
    let (ts, rest) = rest.split_once("] ").expect("timestamp is closed");
    assert!(
        ts.bytes().all(|b| b.is_ascii_digit()) && !ts.is_empty(),
        "timestamp in {line:?}"
    );
    rest
}

/// A currently free TCP port on `ip` (the OS's choice; there is a small race until it is used).
pub fn free_port(ip: IpAddr) -> u16 {
    let l = TcpListener::bind(SocketAddr::new(ip, 0)).expect("bind port 0");
    l.local_addr().expect("local addr").port()
}

/// Whether this machine can use IPv6 loopback.
pub fn ipv6_available() -> bool {
    TcpListener::bind("[::1]:0").is_ok()
}

/// Runs the real C `send_nsca` with `args`, feeding `stdin`; `None` when it is not installed
/// (after a loud notice).
pub fn c_send_nsca(args: &[&str], stdin: &[u8]) -> Option<Output> {
    let program = real_program(C_SEND_NSCA, "the C send_nsca 2.10.2 client")?;
    Some(run_with_stdin(Command::new(program).args(args), stdin))
}

/// Runs `cmd` with `stdin` as its input and returns its output.
///
/// # Panics
/// When the program cannot be started.
pub fn run_with_stdin(cmd: &mut Command, stdin: &[u8]) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut input = child.stdin.take().expect("stdin");
    let data = stdin.to_vec();
    let writer = thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let out = child.wait_with_output().expect("wait");
    let _ = writer.join();
    out
}

/// Writes a `send_nsca.cfg` for `method` and `password` into `dir` and returns its path.
pub fn client_config(dir: &Path, method: u8, password: &str) -> PathBuf {
    let path = dir.join(format!("send_nsca-{method}.cfg"));
    let mut text = format!("encryption_method={method}\n");
    if !password.is_empty() {
        text.push_str(&format!("password={password}\n"));
    }
    fs::write(&path, text).expect("write send_nsca.cfg");
    path
}
