//! Runs the built `send_nsca` against the library's receiver on loopback and checks stdout,
//! stderr and the exit code exactly, for every case of
//! `reference/captures/send_nsca-2.10.2-transcripts.txt` that does not need the real daemon,
//! and for the extensions.

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use nsca::blocking::{Receiver, ReceiverConfig, RunningReceiver};
use nsca::{CheckResult, EncryptionMethod, PacketSize, ReturnCode};

const BIN: &str = env!("CARGO_BIN_EXE_send_nsca");

/// Output of one run.
#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

/// Runs send_nsca (as `send_nsca`, so usage texts name it so) with `args` and `stdin`, killing
/// it if it takes more than 30 s.
fn run_with<S: AsRef<std::ffi::OsStr> + std::fmt::Debug>(
    args: &[S],
    stdin: Stdin,
    env: &[(&str, &str)],
) -> Run {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    std::os::unix::process::CommandExt::arg0(&mut cmd, "send_nsca");
    let start = Instant::now();
    let mut child = cmd.spawn().expect("spawn send_nsca");
    let pid = child.id();
    let mut input = child.stdin.take().expect("stdin");
    let writer = thread::spawn(move || match stdin {
        Stdin::Bytes(b) => {
            let _ = input.write_all(&b);
        }
        Stdin::OpenFor(d) => {
            thread::sleep(d);
            drop(input);
        }
    });
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let output = match rx.recv_timeout(Duration::from_secs(30)) {
        Ok(out) => out.expect("wait"),
        Err(_) => {
            let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
            panic!("send_nsca {args:?} did not finish within 30 s");
        }
    };
    let elapsed = start.elapsed();
    let _ = writer.join();
    Run {
        code: output
            .status
            .code()
            .expect("exited, not killed by a signal"),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        elapsed,
    }
}

enum Stdin {
    Bytes(Vec<u8>),
    /// Keep stdin open, without writing, for this long.
    OpenFor(Duration),
}

fn run<S: AsRef<std::ffi::OsStr> + std::fmt::Debug>(args: &[S], stdin: &[u8]) -> Run {
    run_with(args, Stdin::Bytes(stdin.to_vec()), &[])
}

fn assert_run(r: &Run, code: i32, stdout: &str, stderr: &str) {
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (code, stdout, stderr),
        "{r:#?}"
    );
}

/// One decoded packet (its size and check), or the receiver's error.
type Got = Result<(PacketSize, CheckResult), String>;

/// A receiver that records what it gets.
struct Rx {
    running: Option<RunningReceiver>,
    addr: SocketAddr,
    got: Arc<Mutex<Vec<Got>>>,
}

impl Rx {
    fn start(method: u8, password: &str) -> Self {
        Self::start_on(IpAddr::V4(Ipv4Addr::LOCALHOST), method, password)
    }

    fn start_on(ip: IpAddr, method: u8, password: &str) -> Self {
        let config = ReceiverConfig {
            method: EncryptionMethod::from_number(method.into()).expect("method"),
            password: password.into(),
            read_timeout: Duration::from_secs(5),
            ..ReceiverConfig::default()
        };
        let receiver = Receiver::bind(SocketAddr::new(ip, 0), config).expect("bind receiver");
        let addr = receiver.local_addr().expect("local addr");
        let got = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&got);
        let running = receiver.spawn(move |received| {
            let item = received
                .result
                .map(|p| (p.size, p.check))
                .map_err(|e| e.to_string());
            sink.lock().unwrap().push(item);
        });
        Self {
            running: Some(running),
            addr,
            got,
        }
    }

    fn port(&self) -> String {
        self.addr.port().to_string()
    }

    /// Waits until `n` items arrived (at most 5 s), then a little longer to catch extras.
    fn wait(&self, n: usize) -> Vec<Got> {
        let deadline = Instant::now() + Duration::from_secs(5);
        while self.got.lock().unwrap().len() < n && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(10));
        }
        thread::sleep(Duration::from_millis(50));
        self.got.lock().unwrap().clone()
    }

    fn checks(&self, n: usize) -> Vec<CheckResult> {
        self.wait(n)
            .into_iter()
            .map(|r| r.expect("packet decoded").1)
            .collect()
    }
}

impl Drop for Rx {
    fn drop(&mut self) {
        if let Some(r) = self.running.take() {
            r.shutdown();
        }
    }
}

/// A fresh temporary directory (removed on drop).
struct Dir(PathBuf);

impl Dir {
    fn new() -> Self {
        static N: AtomicU32 = AtomicU32::new(0);
        let path = std::env::temp_dir().join(format!(
            "send_nsca-cli-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }

    fn file(&self, name: &str, content: &[u8]) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, content).unwrap();
        path.to_str().unwrap().to_owned()
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `encryption_method=0`, as the transcripts' `s0.cfg`.
fn s0(dir: &Dir) -> String {
    dir.file("s0.cfg", b"encryption_method=0\n")
}

fn ok(n: usize) -> String {
    format!("{n} data packet(s) sent to host successfully.\n")
}

/// Sends `stdin` with method 0 and extra `args`; returns the run and what arrived.
fn send0(args: &[&str], stdin: &[u8], expect: usize) -> (Run, Vec<CheckResult>) {
    let rx = Rx::start(0, "");
    let dir = Dir::new();
    let cfg = s0(&dir);
    let port = rx.port();
    let mut all = vec!["-H", "127.0.0.1", "-p", &port, "-c", &cfg];
    all.extend_from_slice(args);
    let r = run(&all, stdin);
    let checks = rx.checks(expect);
    (r, checks)
}

/// A port with nothing listening on it.
fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// `-V`: the version lines, this project's own.
fn banner() -> String {
    format!(
        "send_nsca (nsca-rs) {}
A drop-in replacement for the send_nsca of NSCA 2.10, for NSCA 2.7 to 2.10 daemons.
License: MIT OR Apache-2.0 (send_nsca -l prints the notice).

",
        env!("CARGO_PKG_VERSION")
    )
}

/// `-l`: after the banner.
const LICENSE_NOTICE: &str = "\
send_nsca is part of nsca-rs. You may use, copy, modify and distribute it under the terms of
either the MIT license or the Apache License, Version 2.0, whichever you prefer. Both texts
come with the source (LICENSE-MIT, LICENSE-APACHE) and with the Debian package
(/usr/share/doc/nsca-rs/copyright).

It is provided as is, without warranty of any kind; see the license texts for the details.
";

/// Sentences of NSCA's C client that must not come back (its banner, usage and license texts).
const C_TEXTS: [&str; 10] = [
    "Galstad",
    "GPL",
    "General Public License",
    "NSCA Client",
    "Last Modified",
    "Encryption Routines",
    "This utility is used to send passive check results",
    "Honors hex formatted values",
    "Be quiet unless there are errors",
    "When submitting multiple simultaneous results",
];

/// The help `-h` prints (checked by `usage_texts`).
fn usage() -> String {
    run(&["-h"], b"").stdout
}

fn svc(h: &str, s: &str, rc: i16, o: &str) -> CheckResult {
    CheckResult::service(h, s, rc, o)
}

fn host(h: &str, rc: i16, o: &str) -> CheckResult {
    CheckResult::host(h, rc, o)
}

// ---- success paths (transcripts: none_*, xor_*, cfg_*) ----

#[test]
fn none_svc_and_host() {
    let (r, got) = send0(&[], b"localhost\tsvc one\t0\tOK - all good | t=1\n", 1);
    assert_run(&r, 0, &ok(1), "");
    assert_eq!(got, [svc("localhost", "svc one", 0, "OK - all good | t=1")]);
    let (r, got) = send0(&[], b"myhost\t1\tHost is DOWN\n", 1);
    assert_run(&r, 0, &ok(1), "");
    assert_eq!(got, [host("myhost", 1, "Host is DOWN")]);
}

#[test]
fn sets_split_at_etb_not_newline() {
    let (r, got) = send0(
        &[],
        b"h1\ts1\t0\tout1\x17h2\ts2\t2\tline1\nline2 back\\slash\x17",
        2,
    );
    assert_run(&r, 0, &ok(2), "");
    assert_eq!(
        got,
        [
            svc("h1", "s1", 0, "out1"),
            svc("h2", "s2", 2, "line1\nline2 back\\slash")
        ]
    );
    let (r, got) = send0(&[], b"h1\ts1\t0\tout1\nh2\ts2\t1\tout2\n", 1);
    assert_run(&r, 0, &ok(1), "");
    assert_eq!(got, [svc("h1", "s1", 0, "out1\nh2\ts2\t1\tout2")]);
    let (r, got) = send0(&[], b"h1\ts1\t0\to1\x17\nh2\ts2\t0\to2\n", 2);
    assert_run(&r, 0, &ok(2), "");
    assert_eq!(got, [svc("h1", "s1", 0, "o1"), svc("\nh2", "s2", 0, "o2")]);
}

#[test]
fn delimiters() {
    let (r, got) = send0(&["-d", ";", "-ds", "0x0a"], b"h;s;0;a\nh;s;1;b\n", 2);
    assert_run(&r, 0, &ok(2), "");
    assert_eq!(got, [svc("h", "s", 0, "a"), svc("h", "s", 1, "b")]);
    for d in [",", "0x2c", "44"] {
        let (r, got) = send0(&["-d", d], b"h,s,0,comma out,with,commas\n", 1);
        assert_run(&r, 0, &ok(1), "");
        assert_eq!(got, [svc("h", "s", 0, "comma out,with,commas")]);
    }
    let (r, got) = send0(&["-d", "xyz"], b"haxbx0xout\n", 1);
    assert_run(&r, 0, &ok(1), "");
    assert_eq!(got, [svc("ha", "b", 0, "out")]);
    let (r, got) = send0(&["-d", "09"], b"h\ts\t0\tout\n", 0);
    assert_run(&r, 2, &ok(0), "");
    assert!(got.is_empty());
    // Long names, and the newline mode.
    let (r, got) = send0(
        &["--delimiter=;", "--one-check-per-line"],
        b"h;s;0;a\r\nh;1;b\n",
        2,
    );
    assert_run(&r, 0, &ok(2), "");
    assert_eq!(got, [svc("h", "s", 0, "a"), host("h", 1, "b")]);
}

#[test]
fn fields_like_the_c_client() {
    for (input, want) in [
        (&b"h\t\t0\tcollapsed\n"[..], host("h", 0, "collapsed")),
        (b"h\ts\t0\tout   \t\r\n\n", svc("h", "s", 0, "out")),
        (b"h\ts\t0\tno newline", svc("h", "s", 0, "no newline")),
        (b"h\ts\t2abc\tatoi\n", svc("h", "s", 2, "atoi")),
        (b"\ts1\t0\tout", host("s1", 0, "out")),
    ] {
        let (r, got) = send0(&[], input, 1);
        assert_run(&r, 0, &ok(1), "");
        assert_eq!(got, [want], "{:?}", String::from_utf8_lossy(input));
    }
    let (r, got) = send0(
        &[],
        b"h\ts\t-1\tneg\x17h\ts\t70000\tbig\x17h\ts\tabc\tnonnum\x17h\ts\t 2x\tspace",
        4,
    );
    assert_run(&r, 0, &ok(4), "");
    let codes: Vec<ReturnCode> = got.iter().map(CheckResult::return_code).collect();
    assert_eq!(
        codes,
        [
            ReturnCode(-1),
            ReturnCode(4464),
            ReturnCode(0),
            ReturnCode(2)
        ]
    );
}

#[test]
fn empty_output_is_a_service_check_deliberately() {
    // The C client sends PROCESS_HOST_CHECK_RESULT;h;0;0 here.
    let (r, got) = send0(&[], b"h\ts\t0\t\n", 1);
    assert_run(&r, 0, &ok(1), "");
    assert_eq!(got, [svc("h", "s", 0, "")]);
    // A host check with a trailing tab is still a host check.
    let (r, got) = send0(&[], b"myhost\t1\tHost is DOWN\t\n", 1);
    assert_run(&r, 0, &ok(1), "");
    assert_eq!(got, [host("myhost", 1, "Host is DOWN")]);
}

#[test]
fn closed_stdin_is_empty_input() {
    // The C client's socket becomes fd 0 and it reads its own connection until the timeout;
    // Rust reopens a closed stdin on /dev/null, so this is empty input.
    let rx = Rx::start(0, "");
    let dir = Dir::new();
    let cfg = s0(&dir);
    let script = format!(
        "exec <&- ; exec {BIN} -H 127.0.0.1 -p {} -c {cfg} -to 5",
        rx.port()
    );
    let out = Command::new("sh")
        .arg("-c")
        .arg(&script)
        .output()
        .expect("sh");
    assert_eq!(
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned()
        ),
        (Some(2), ok(0), String::new())
    );
}

#[test]
fn skipped_sets_and_empty_input() {
    for input in [&b""[..], b"onlyhost\n", b"h\ts\n", b"\x17\x17\n"] {
        let (r, got) = send0(&[], input, 0);
        assert_run(&r, 2, &ok(0), "");
        assert!(got.is_empty());
    }
    // --quiet does not hide the 0-packet line.
    let (r, _) = send0(&["--quiet"], b"", 0);
    assert_run(&r, 2, &ok(0), "");
    let (r, got) = send0(&["--quiet"], b"q\tquiet\t0\tquiet mode\n", 1);
    assert_run(&r, 0, "", "");
    assert_eq!(got, [svc("q", "quiet", 0, "quiet mode")]);
}

#[test]
fn long_fields_are_cut() {
    let mut input = vec![b'H'; 100];
    input.push(b'\t');
    input.extend([b'S'; 200]);
    input.extend(b"\t0\t");
    input.extend([b'O'; 4200]);
    let (r, got) = send0(&[], &input, 1);
    assert_run(&r, 0, &ok(1), "");
    assert_eq!(
        got,
        [svc(&"H".repeat(63), &"S".repeat(127), 0, &"O".repeat(4095))]
    );
    let (r, got) = send0(&["--legacy-2-7-mode"], &input, 1);
    assert_run(&r, 0, &ok(1), "");
    assert_eq!(got[0].output().len(), 511);
}

fn set_of(len: usize) -> Vec<u8> {
    let mut set = b"h\ts\t0\t".to_vec();
    set.resize(len, b'O');
    set
}

#[test]
fn set_length_limit() {
    let mut input = set_of(5119);
    input.push(0x17);
    let (r, got) = send0(&[], &input, 1);
    assert_run(&r, 0, &ok(1), "");
    assert_eq!(got[0].output().len(), 4095);
    let (r, _) = send0(&[], &set_of(5120), 1);
    assert_run(&r, 0, &ok(1), "");
    let too_long = "Error: Input set is longer than max allowed.\n";
    let mut input = set_of(5120);
    input.push(0x17);
    let (r, got) = send0(&[], &input, 0);
    assert_run(&r, 255, too_long, "");
    assert!(got.is_empty());
    // Earlier sets are sent; nothing after the long one.
    let mut input = b"h\ts\t0\tfirst\x17h\ts\t0\tsecond\x17".to_vec();
    input.extend(set_of(6007));
    input.extend(b"\x17h\ts\t0\tafter");
    let (r, got) = send0(&[], &input, 2);
    assert_run(&r, 255, too_long, "");
    assert_eq!(got, [svc("h", "s", 0, "first"), svc("h", "s", 0, "second")]);
}

#[test]
fn old_syntax_and_long_options() {
    let rx = Rx::start(0, "");
    let dir = Dir::new();
    let cfg = s0(&dir);
    let port = rx.port();
    let r = run(
        &["127.0.0.1", "-p", &port, "-c", &cfg],
        b"old\tsyntax\t0\thost first\n",
    );
    assert_run(&r, 0, &ok(1), "");
    // Each connection has its own receiver thread: wait, so that the order is known.
    assert_eq!(rx.checks(1), [svc("old", "syntax", 0, "host first")]);
    let r = run(
        &[
            "--host=127.0.0.1",
            "--port",
            &port,
            "--config",
            &cfg,
            "--timeout=5",
        ],
        b"long\toptions\t0\tok\n",
    );
    assert_run(&r, 0, &ok(1), "");
    assert_eq!(
        rx.checks(2),
        [
            svc("old", "syntax", 0, "host first"),
            svc("long", "options", 0, "ok")
        ]
    );
}

#[test]
fn legacy_mode_from_flag_and_config() {
    let rx = Rx::start(0, "");
    let dir = Dir::new();
    let port = rx.port();
    let base = ["-H", "127.0.0.1", "-p", &port, "-c"];
    let s0 = s0(&dir);
    let legacy_true = dir.file("lt.cfg", b"encryption_method=0\nlegacy_2_7_mode=true\n");
    let legacy_false = dir.file("lf.cfg", b"encryption_method=0\nlegacy_2_7_mode=false\n");
    for (cfg, flag, size) in [
        (&s0, true, PacketSize::Legacy),
        (&legacy_true, false, PacketSize::Legacy),
        (&legacy_false, true, PacketSize::Standard),
        (&s0, false, PacketSize::Standard),
    ] {
        let mut args = base.to_vec();
        args.push(cfg);
        if flag {
            args.push("--legacy-2-7-mode");
        }
        let before = rx.got.lock().unwrap().len();
        let r = run(&args, b"l\tlegacy\t0\tout\n");
        assert_run(&r, 0, &ok(1), "");
        let got = rx.wait(before + 1);
        assert_eq!(got.len(), before + 1);
        let (got_size, check) = got[before].clone().expect("decoded");
        assert_eq!((got_size, check), (size, svc("l", "legacy", 0, "out")));
    }
}

#[test]
fn xor_with_password_and_untrimmed_config_values() {
    let rx = Rx::start(1, "secret");
    let dir = Dir::new();
    let port = rx.port();
    let good = dir.file("x.cfg", b"password=secret\nencryption_method=1\n");
    let r = run(
        &["-H", "127.0.0.1", "-p", &port, "-c", &good],
        b"xh\txor svc\t0\txor output\x17xh\txor svc 2\t1\tsecond",
    );
    assert_run(&r, 0, &ok(2), "");
    assert_eq!(
        rx.checks(2),
        [
            svc("xh", "xor svc", 0, "xor output"),
            svc("xh", "xor svc 2", 1, "second")
        ]
    );
    // ' secret' is not 'secret': the client cannot know, the receiver refuses it.
    let spaced = dir.file("sp.cfg", b"password = secret\n");
    let r = run(
        &["-H", "127.0.0.1", "-p", &port, "-c", &spaced],
        b"h\ts\t0\to\n",
    );
    assert_run(&r, 0, &ok(1), "");
    let got = rx.wait(3);
    assert_eq!(got.len(), 3);
    assert!(got[2].is_err(), "{:?}", got[2]);
}

#[test]
fn ipv6_loopback() {
    if TcpListener::bind("[::1]:0").is_err() {
        eprintln!("SKIPPED: no IPv6 loopback on this machine");
        return;
    }
    let rx = Rx::start_on(IpAddr::V6(Ipv6Addr::LOCALHOST), 0, "");
    let dir = Dir::new();
    let cfg = s0(&dir);
    let port = rx.port();
    let r = run(
        &["-H", "::1", "-p", &port, "-c", &cfg],
        b"v6\tipv6\t0\tover ::1\n",
    );
    assert_run(&r, 0, &ok(1), "");
    assert_eq!(rx.checks(1), [svc("v6", "ipv6", 0, "over ::1")]);
}

#[test]
fn default_config_file() {
    // Without -c: /etc/send_nsca.cfg when it exists (Debian's is XOR without a password),
    // else the defaults, which are the same.
    let text = std::fs::read("/etc/send_nsca.cfg").unwrap_or_default();
    if text
        .split(|&b| b == b'\n')
        .any(|l| l.starts_with(b"password") || l.starts_with(b"encryption_method=0"))
    {
        eprintln!("SKIPPED: /etc/send_nsca.cfg sets a password or method 0");
        return;
    }
    let rx = Rx::start(1, "");
    let port = rx.port();
    let r = run(&["-H", "127.0.0.1", "-p", &port], b"d\tdefault\t0\tcfg\n");
    assert_run(&r, 0, &ok(1), "");
    assert_eq!(rx.checks(1), [svc("d", "default", 0, "cfg")]);
}

// ---- config errors (stdout, exit 2) ----

#[test]
fn config_errors() {
    let dir = Dir::new();
    let port = closed_port().to_string();
    for (content, message) in [
        (
            &b"encryption_method=13\n"[..],
            "Invalid encryption method (13) in config file '{}' - Line 1",
        ),
        (
            b"# x\n\nencryption_method=99\n",
            "Invalid encryption method (99) in config file '{}' - Line 3",
        ),
        (
            b"bogus_option=1\n",
            "Unknown option specified in config file '{}' - Line 1",
        ),
        (
            b"password\n",
            "No variable value specified in config file '{}' - Line 1",
        ),
        (
            b"password=\n",
            "No variable value specified in config file '{}' - Line 1",
        ),
        (
            b"  # indented comment\n",
            "No variable value specified in config file '{}' - Line 1",
        ),
        (
            b"=",
            "No variable name specified in config file '{}' - Line 1",
        ),
    ] {
        let path = dir.file("bad.cfg", content);
        let r = run(
            &["-H", "127.0.0.1", "-p", &port, "-c", &path],
            b"h\ts\t0\to\n",
        );
        let message = message.replace("{}", &path);
        assert_run(
            &r,
            2,
            &format!("{message}\nError: Config file '{path}' contained errors...\n"),
            "",
        );
    }
    let r = run(
        &[
            "-H",
            "127.0.0.1",
            "-p",
            &port,
            "-c",
            "/nonexistent/send_nsca.cfg",
        ],
        b"",
    );
    assert_run(
        &r,
        2,
        "Could not open config file '/nonexistent/send_nsca.cfg' for reading.\n\
         Error: Config file '/nonexistent/send_nsca.cfg' contained errors...\n",
        "",
    );
}

// ---- connection errors (stderr, exit 2) ----

#[test]
fn connection_refused() {
    let port = closed_port().to_string();
    let r = run(
        &["-H", "127.0.0.1", "-p", &port, "-c", "/dev/null"],
        b"h\ts\t0\to\n",
    );
    assert_run(
        &r,
        2,
        "",
        &format!(
            "Connection refused by host\nError: Could not connect to host 127.0.0.1 on port {port}\n"
        ),
    );
    let r = run(&["-H", "127.0.0.1", "-p", "abc", "-c", "/dev/null"], b"");
    assert_run(
        &r,
        2,
        "",
        "Connection refused by host\nError: Could not connect to host 127.0.0.1 on port 0\n",
    );
}

#[test]
fn host_name_lookup_failure() {
    // Negative ports fail in getaddrinfo, before any DNS query (none leaves the machine).
    let r = run(&["-H", "127.0.0.1", "-p", "-1", "-c", "/dev/null"], b"");
    assert_run(
        &r,
        2,
        "",
        "Host name lookup failed: '127.0.0.1'\nError: Could not connect to host 127.0.0.1 on port -1\n",
    );
    let r = run(
        &["-H", "127.0.0.1", "-p", "2147483648", "-c", "/dev/null"],
        b"",
    );
    assert_run(
        &r,
        2,
        "",
        "Host name lookup failed: '127.0.0.1'\nError: Could not connect to host 127.0.0.1 on port -2147483648\n",
    );
}

/// A server that accepts and then does `behave` with the connection.
fn fake_server(behave: fn(TcpStream)) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        if let Ok((stream, _)) = listener.accept() {
            behave(stream);
        }
    });
    port
}

#[test]
fn init_packet_failures() {
    let closed = "Error: Server closed connection before init packet was received\n\
                  Error: Could not read init packet from server\n";
    let port = fake_server(drop).to_string();
    let r = run(
        &["-H", "127.0.0.1", "-p", &port, "-c", "/dev/null"],
        b"h\ts\t0\to\n",
    );
    assert_run(&r, 2, "", closed);
    let port = fake_server(|mut s| {
        let _ = s.write_all(&[7; 10]);
    })
    .to_string();
    let r = run(
        &["-H", "127.0.0.1", "-p", &port, "-c", "/dev/null"],
        b"h\ts\t0\to\n",
    );
    assert_run(&r, 2, "", closed);
}

#[test]
fn timeout_waiting_for_the_init_packet() {
    let port = fake_server(|s| {
        thread::sleep(Duration::from_secs(4));
        drop(s);
    })
    .to_string();
    let r = run(
        &[
            "-H",
            "127.0.0.1",
            "-p",
            &port,
            "-c",
            "/dev/null",
            "-to",
            "1",
        ],
        b"h\ts\t0\to\n",
    );
    assert_run(&r, 2, "", "Error: Timeout after 1 seconds\n");
    assert!(r.elapsed < Duration::from_secs(3), "{:?}", r.elapsed);
}

#[test]
fn timeout_covers_reading_stdin() {
    let rx = Rx::start(0, "");
    let dir = Dir::new();
    let cfg = s0(&dir);
    let port = rx.port();
    let r = run_with(
        &["-H", "127.0.0.1", "-p", &port, "-c", &cfg, "-to", "1"],
        Stdin::OpenFor(Duration::from_secs(4)),
        &[],
    );
    assert_run(&r, 2, "", "Error: Timeout after 1 seconds\n");
    assert!(r.elapsed < Duration::from_secs(3), "{:?}", r.elapsed);
}

#[test]
fn timeout_while_the_server_does_not_read() {
    // Greets, then never reads: the client's writes stall once the socket buffers are full.
    let port = fake_server(|mut s| {
        let _ = s.write_all(&[0; 132]);
        thread::sleep(Duration::from_secs(5));
    })
    .to_string();
    let dir = Dir::new();
    let cfg = s0(&dir);
    let input: Vec<u8> = (0..3000)
        .flat_map(|i| format!("h\ts\t0\tcheck {i}\x17").into_bytes())
        .collect();
    let r = run(
        &["-H", "127.0.0.1", "-p", &port, "-c", &cfg, "-to", "1"],
        &input,
    );
    assert_run(&r, 2, "", "Error: Timeout after 1 seconds\n");
    assert!(r.elapsed < Duration::from_secs(3), "{:?}", r.elapsed);
}

#[test]
fn send_failure_reports_packets_written() {
    // The server greets, then closes: the C client dies of SIGPIPE here; we exit 3.
    let port = fake_server(|mut s| {
        let _ = s.write_all(&[0; 132]);
        let mut buf = [0u8; 100];
        let _ = s.read(&mut buf);
        let _ = s.shutdown(std::net::Shutdown::Both);
    })
    .to_string();
    let dir = Dir::new();
    let cfg = s0(&dir);
    let input: Vec<u8> = (0..2000)
        .flat_map(|i| format!("h\ts\t0\tcheck {i}\x17").into_bytes())
        .collect();
    let r = run(&["-H", "127.0.0.1", "-p", &port, "-c", &cfg], &input);
    assert_eq!((r.code, r.stdout.as_str()), (3, ""), "{r:#?}");
    let detail = r
        .stderr
        .strip_prefix("Error: Could not send data to host\nError: ")
        .unwrap_or_else(|| panic!("{r:#?}"));
    let (count, rest) = detail.split_once(' ').unwrap();
    assert!(count.parse::<u64>().unwrap() < 2000, "{r:#?}");
    assert!(
        rest.starts_with("data packet(s) had been written when sending failed: "),
        "{r:#?}"
    );
}

// ---- encryption methods ----

#[test]
fn unusable_methods_are_named_with_the_reason() {
    let dir = Dir::new();
    let port = closed_port().to_string();
    let cfg = dir.file("m12.cfg", b"encryption_method=12\n");
    let r = run(
        &["-H", "127.0.0.1", "-p", &port, "-c", &cfg],
        b"h\ts\t0\to\n",
    );
    let reason = nsca::Cipher::new(EncryptionMethod::Arcfour, b"", &[0; 128])
        .expect_err("arcfour cannot run")
        .to_string();
    assert!(
        reason.contains("12 (arcfour)") && reason.contains("stream cipher"),
        "{reason}"
    );
    assert_run(
        &r,
        2,
        "",
        &format!(
            "Error: Failed to initialize encryption libraries for method 12\nError: {reason}\n"
        ),
    );
    let cfg = dir.file("m7.cfg", b"encryption_method=7\n");
    let r = run(&["-H", "127.0.0.1", "-p", &port, "-c", &cfg], b"");
    assert!(
        r.code == 2 && r.stderr.starts_with("Error: Failed to initialize encryption libraries for method 7\nError: encryption method 7 (threeway)"),
        "{r:#?}"
    );
}

#[test]
fn every_method_the_library_supports_is_accepted() {
    for n in config_methods() {
        let method = EncryptionMethod::from_number(n.into()).unwrap();
        let Ok(_) = nsca::Cipher::new(method, b"pw", &[0; 128]) else {
            continue;
        };
        let rx = Rx::start(n, "pw");
        let dir = Dir::new();
        let cfg = dir.file(
            "m.cfg",
            format!("encryption_method={n}\npassword=pw\n").as_bytes(),
        );
        let port = rx.port();
        let r = run(
            &["-H", "127.0.0.1", "-p", &port, "-c", &cfg],
            b"m\tone\t0\tfirst\x17m\ttwo\t1\tsecond",
        );
        assert_run(&r, 0, &ok(2), "");
        assert_eq!(
            rx.checks(2),
            [svc("m", "one", 0, "first"), svc("m", "two", 1, "second")],
            "method {n}"
        );
    }
}

/// The methods the C client accepts in its config file.
fn config_methods() -> Vec<u8> {
    (0..=26).filter(|n| ![13, 17, 18, 21].contains(n)).collect()
}

// ---- usage (exit 3) ----

#[test]
fn usage_texts() {
    let help = usage();
    let head = format!(
        "{}Usage: send_nsca -H HOST [-p PORT] [-to SECONDS] [-c FILE] [-d DELIM] [-ds DELIM]
       [--quiet] [--legacy-2-7-mode] [options] < results
   or: send_nsca HOST [options] < results

",
        banner()
    );
    assert!(help.starts_with(&head), "{help}");
    for needle in [
        "\n  -H HOST ",
        "\n  -p PORT ",
        "(default 5667)",
        "\n  -to SECONDS ",
        "(default 10)",
        "\n  -c FILE ",
        "/etc/send_nsca.cfg",
        "\n  -d DELIM ",
        "\n  -ds DELIM ",
        "ETB, 0x17",
        "\n  --quiet ",
        "\n  --legacy-2-7-mode ",
        "\n  -V, --version ",
        "\n  -l, --license ",
        "service result:  HOST  SERVICE  CODE  OUTPUT",
        "host result:     HOST  CODE  OUTPUT",
        "use -ds 0x0a.\n",
    ] {
        assert!(help.contains(needle), "{needle:?} missing from:\n{help}");
    }
    assert!(help.lines().all(|l| l.len() <= 100), "{help}");
    assert_run(&run::<&str>(&[], b""), 3, &help, "");
    assert_run(&run(&["-V"], b""), 3, &banner(), "");
    assert_run(&run(&["--version"], b""), 3, &banner(), "");
    let incorrect = "Incorrect command line arguments supplied\n";
    for args in [
        &["-H", "127.0.0.1", "-x"][..],
        &["-H", "127.0.0.1", "-to", "0"],
        &["-H"],
        &["-H", "127.0.0.1", "-p"],
        &["-H", "127.0.0.1", "-c"],
        &["-H", "127.0.0.1", "-to"],
        &["-H", "127.0.0.1", "-p5667"],
        &["-H", "127.0.0.1", "-d", "99999999999999999999"],
        &["--legacy-2-7-mode", "-H", "127.0.0.1", "-x"],
    ] {
        assert_run(&run(args, b""), 3, &help, incorrect);
    }
    assert_run(&run(&["-h", "--legacy-2-7-mode"], b""), 3, &help, "");
    // The license notice follows the help, even after an error.
    assert_run(
        &run(&["-l"], b""),
        3,
        &format!("{}{LICENSE_NOTICE}", banner()),
        "",
    );
    assert_run(
        &run(&["-l", "-x"], b""),
        3,
        &format!("{help}\n{LICENSE_NOTICE}"),
        incorrect,
    );
    // Invoked under another name, the synopsis names it.
    let mut cmd = Command::new(BIN);
    std::os::unix::process::CommandExt::arg0(&mut cmd, "/usr/sbin/send_nsca");
    let out = cmd.arg("-h").stdin(Stdio::null()).output().expect("run");
    let named = String::from_utf8(out.stdout).expect("utf-8");
    assert_eq!(
        named,
        help.replace("Usage: send_nsca", "Usage: /usr/sbin/send_nsca")
            .replace("or: send_nsca", "or: /usr/sbin/send_nsca")
    );
    // Our own words only.
    let all = run(&["--help", "-l"], b"").stdout;
    for c_text in C_TEXTS {
        assert!(!all.contains(c_text), "{c_text:?} in:\n{all}");
    }
}

#[test]
fn delimiter_without_value_is_a_usage_error() {
    // The C client dies of SIGSEGV (exit 139) here.
    for opt in ["-d", "-ds"] {
        let r = run(&["-H", "127.0.0.1", "-c", "/dev/null", opt], b"");
        assert_run(
            &r,
            3,
            &usage(),
            &format!(
                "Incorrect command line arguments supplied\nsend_nsca: option {opt} needs a value\n"
            ),
        );
    }
}

#[test]
fn extended_help() {
    let r = run(&["--help"], b"");
    assert_eq!((r.code, r.stderr.as_str()), (3, ""));
    let rest = r
        .stdout
        .strip_prefix(usage().as_str())
        .expect("the help of -h first");
    for needle in [
        "--host, --port, --timeout,\n--config, --delimiter and --set-delimiter",
        "\n      --one-check-per-line ",
        "\n      --strict ",
        "\n      --dry-run ",
        "\n      --password-file <FILE> ",
        "\n      --password-env <VAR> ",
        "\n      --check-host <NAME> ",
        "\n      --check-service <NAME> ",
        "\n      --check-state <STATE> ",
        "Examples:",
        "\n  255  a set longer than 5120 bytes\n",
        "send_nsca(1)",
    ] {
        assert!(rest.contains(needle), "{needle:?} missing from:\n{rest}");
    }
    // The C options are named in a sentence, not listed again; the hidden one never shows.
    assert!(!rest.contains("\n      --host"), "{rest}");
    assert!(!rest.contains("first-argument"));
    assert!(r.stdout.lines().all(|l| l.len() <= 100), "{}", r.stdout);
}

// ---- extensions ----

#[test]
fn strict_mode() {
    let rx = Rx::start(0, "");
    let dir = Dir::new();
    let cfg = s0(&dir);
    let port = rx.port();
    let args = ["-H", "127.0.0.1", "-p", &port, "-c", &cfg, "--strict"];
    // Clean input behaves as without --strict.
    let r = run(&args, b"a\tb\t0\tc\x17d\t1\te\n\x17");
    assert_run(&r, 0, &ok(2), "");
    assert_eq!(rx.checks(2), [svc("a", "b", 0, "c"), host("d", 1, "e")]);
    for (input, stderr) in [
        (
            &b"a\tb\t0\tc\x17only two\tfields\x17a\tb\t0\tlater"[..],
            "Error: input set 2 (at byte 8) has 2 field(s); a host check needs 3 (host, return code, output) and a service check 4 (host, service, return code, output), so it would be skipped\n\
             Error: --strict: stopped at input set 2; 1 data packet(s) before it were sent, none after it\n",
        ),
        (
            b"a\tb\t0\tc\x17a\tb\tOK\tc",
            "Error: input set 2 (at byte 8) return code 'OK' is not a number from -32768 to 32767 (it would be sent as 0)\n\
             Error: --strict: stopped at input set 2; 1 data packet(s) before it were sent, none after it\n",
        ),
        (
            b"a\tb\t0\tc\x17\nb\tc\t0\td",
            "Error: input set 2 (at byte 8) host name contains a line feed; the daemon would cut it there\n\
             Error: --strict: stopped at input set 2; 1 data packet(s) before it were sent, none after it\n",
        ),
    ] {
        let before = rx.got.lock().unwrap().len();
        let r = run(&args, input);
        assert_run(&r, 2, "", stderr);
        let got = rx.wait(before + 1);
        assert_eq!(got.len(), before + 1, "only the first set is sent");
        assert_eq!(got[before].clone().unwrap().1, svc("a", "b", 0, "c"));
    }
    let mut input = vec![b'h'; 64];
    input.extend(b"\ts\t0\to");
    let r = run(&args, &input);
    assert_run(
        &r,
        2,
        "",
        "Error: input set 1 (at byte 0) host name is 64 bytes long; only 63 fit, so it would be cut\n\
         Error: --strict: stopped at input set 1; 0 data packet(s) before it were sent, none after it\n",
    );
    // The set length limit keeps its exit code.
    let mut input = set_of(5121);
    input.push(0x17);
    let r = run(&args, &input);
    assert_run(
        &r,
        255,
        "Error: Input set is longer than max allowed.\n",
        "",
    );
}

#[test]
fn free_text_mode() {
    let rx = Rx::start(0, "");
    let dir = Dir::new();
    let cfg = s0(&dir);
    let port = rx.port();
    let base = ["-H", "127.0.0.1", "-p", &port, "-c", &cfg];
    let with = |extra: &[&str]| -> Vec<String> {
        base.iter().chain(extra).map(|s| s.to_string()).collect()
    };
    // Multi-line text, tabs and ETB included, is one check's output.
    let r = run(
        &with(&[
            "--check-host",
            "web1",
            "--check-service",
            "Errors",
            "--check-state",
            "WARNING",
        ]),
        b"ERROR one\tx\nERROR two\x17three\n\n",
    );
    assert_run(&r, 0, &ok(1), "");
    assert_eq!(
        rx.checks(1),
        [svc("web1", "Errors", 1, "ERROR one\tx\nERROR two\x17three")]
    );
    // A host check, state by number.
    let r = run(
        &with(&["--check-host=db1", "--check-state=2"]),
        b"PING CRITICAL\n",
    );
    assert_run(&r, 0, &ok(1), "");
    assert_eq!(rx.checks(2)[1], host("db1", 2, "PING CRITICAL"));
    // Too long: cut on a UTF-8 boundary, with the marker.
    let text = "é".repeat(3000); // 6000 bytes
    let r = run(
        &with(&[
            "--check-host",
            "h",
            "--check-service",
            "s",
            "--check-state",
            "ok",
        ]),
        text.as_bytes(),
    );
    assert_run(&r, 0, &ok(1), "");
    let got = rx.checks(3)[2].clone();
    let out = std::str::from_utf8(got.output()).expect("valid UTF-8");
    assert!(out.ends_with(nsca_cli::TRUNCATION_MARKER), "{out}");
    assert!(got.output().len() <= 4095 && got.output().len() > 4080);
    assert!(
        out.trim_end_matches(nsca_cli::TRUNCATION_MARKER)
            .chars()
            .all(|c| c == 'é')
    );
    // Under --strict, cutting is an error and nothing is sent.
    let r = run(
        &with(&["--check-host", "h", "--check-state", "0", "--strict"]),
        text.as_bytes(),
    );
    assert_run(
        &r,
        2,
        "",
        "Error: input set 1 (at byte 0) plugin output is 6000 bytes long; only 4095 fit, so it would be cut\n\
         Error: --strict: stopped at input set 1; 0 data packet(s) before it were sent, none after it\n",
    );
    assert_eq!(rx.wait(3).len(), 3);
    // Options that make no sense together are refused.
    let r = run(&with(&["--check-host", "h"]), b"x");
    assert_eq!(r.code, 3);
    assert!(
        r.stderr
            .starts_with("Incorrect command line arguments supplied\nsend_nsca: ")
    );
    assert!(r.stderr.contains("--check-state"), "{r:#?}");
    let long_host = "h".repeat(64);
    let r = run(
        &with(&["--check-host", &long_host, "--check-state", "0"]),
        b"x",
    );
    assert_run(
        &r,
        3,
        "",
        "send_nsca: --check-host/--check-service: host name is 64 bytes; at most 63 fit in this packet size\n",
    );
}

#[test]
fn dry_run_connects_to_nothing() {
    let dir = Dir::new();
    let cfg = s0(&dir);
    // Nothing listens on this port; a dry run does not care.
    let port = closed_port().to_string();
    let r = run(
        &["-H", "127.0.0.1", "-p", &port, "-c", &cfg, "--dry-run"],
        b"web1\tHTTP\t0\tOK\nlong\\output\x17db1\t2\tPING CRITICAL\x17x\x17",
    );
    assert_eq!(r.code, 0, "{r:#?}");
    assert_eq!(
        r.stderr,
        "2 data packet(s) would be sent to host (dry run: nothing was sent).\n"
    );
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{r:#?}");
    let strip = |l: &str| {
        l.split_once("] ").map(|(t, rest)| {
            (
                t.trim_start_matches('[').parse::<u64>().is_ok(),
                rest.to_owned(),
            )
        })
    };
    assert_eq!(
        strip(lines[0]),
        Some((
            true,
            "PROCESS_SERVICE_CHECK_RESULT;web1;HTTP;0;OK\\nlong\\\\output".to_owned()
        ))
    );
    assert_eq!(
        strip(lines[1]),
        Some((
            true,
            "PROCESS_HOST_CHECK_RESULT;db1;2;PING CRITICAL".to_owned()
        ))
    );
    // Nothing to send: exit 2, as a real run.
    let r = run(
        &[
            "-H",
            "127.0.0.1",
            "-p",
            &port,
            "-c",
            &cfg,
            "--dry-run",
            "--quiet",
        ],
        b"x\n",
    );
    assert_run(
        &r,
        2,
        "",
        "0 data packet(s) would be sent to host (dry run: nothing was sent).\n",
    );
    // A dry run reports what a real one would: here an unusable method.
    let m12 = dir.file("m12.cfg", b"encryption_method=12\n");
    let r = run(&["-H", "127.0.0.1", "-c", &m12, "--dry-run"], b"h\ts\t0\to");
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .starts_with("Error: Failed to initialize encryption libraries for method 12\n")
    );
}

#[test]
fn password_from_file_or_environment() {
    let rx = Rx::start(1, "s3cr3t pw");
    let dir = Dir::new();
    let port = rx.port();
    // The config has another password; the option wins.
    let cfg = dir.file("x.cfg", b"password=wrong\n");
    let file = dir.file("pw", b"s3cr3t pw\r\nignored second line\n");
    let base = ["-H", "127.0.0.1", "-p", &port, "-c", &cfg];
    let with = |extra: &[&str]| {
        let mut a = base.to_vec();
        a.extend_from_slice(extra);
        run_with(
            &a,
            Stdin::Bytes(b"p\tfile\t0\tok\n".to_vec()),
            &[("NSCA_TEST_PW", "s3cr3t pw")],
        )
    };
    assert_run(&with(&["--password-file", &file]), 0, &ok(1), "");
    assert_run(&with(&["--password-env", "NSCA_TEST_PW"]), 0, &ok(1), "");
    assert_eq!(
        rx.checks(2),
        [svc("p", "file", 0, "ok"), svc("p", "file", 0, "ok")]
    );
    let r = with(&["--password-env", "NSCA_NO_SUCH_VARIABLE"]);
    assert_run(
        &r,
        2,
        "",
        "Error: environment variable 'NSCA_NO_SUCH_VARIABLE' (--password-env) is not set\n",
    );
    let missing = format!("{}/nope", dir.0.display());
    let r = with(&["--password-file", &missing]);
    assert_run(
        &r,
        2,
        "",
        &format!(
            "Error: could not read password file '{missing}': No such file or directory (os error 2)\n"
        ),
    );
    // A refused config file never shows the password either.
    let bad = dir.file("bad.cfg", b"password=s3cr3t pw\nbogus\n");
    let r = run(&["-H", "127.0.0.1", "-p", &port, "-c", &bad], b"");
    assert!(
        !r.stdout.contains("s3cr3t") && !r.stderr.contains("s3cr3t"),
        "{r:#?}"
    );
}

#[test]
fn many_checks_stream_through() {
    let rx = Rx::start(1, "");
    let port = rx.port();
    let dir = Dir::new();
    let cfg = dir.file("x.cfg", b"encryption_method=1\n");
    let n = 5000;
    let input: Vec<u8> = (0..n)
        .flat_map(|i| format!("host{i}\tsvc\t{}\toutput {i}\n", i % 4).into_bytes())
        .collect();
    let r = run(
        &["-H", "127.0.0.1", "-p", &port, "-c", &cfg, "-ds", "0x0a"],
        &input,
    );
    assert_run(&r, 0, &ok(n), "");
    let got = rx.checks(n);
    assert_eq!(got.len(), n);
    for (i, c) in got.iter().enumerate() {
        assert_eq!(
            c,
            &svc(
                &format!("host{i}"),
                "svc",
                (i % 4) as i16,
                &format!("output {i}")
            )
        );
    }
}
