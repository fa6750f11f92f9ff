//! `nsca.cfg` files from elsewhere: Debian's installed one, upstream's sample as `./configure`
//! fills it in, our `contrib/nsca.cfg`, and parity with the real NSCA 2.10.2 daemon, which must
//! refuse the files we refuse and start with the files we accept.
//!
//! The tests that need Debian's `nsca` package skip loudly when it is not installed, unless
//! `NSCA_REQUIRE_INTEROP=1`.

use std::fs;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use nsca::EncryptionMethod;
use nsca_daemon::config::{Config, ConfigErrorKind, Facility, load, parse};
use nsca_tests::{NSCA_DAEMON, TempDir, interop_required, real_program};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn loaded(path: &Path) -> Config {
    load(path).unwrap_or_else(|e| panic!("{e}"))
}

/// What every Debian-style file below shares (all but the paths, user and group).
fn assert_debian_like(c: &Config) {
    assert_eq!(c.log_facility, Facility::Daemon);
    assert_eq!(c.server_port, 5667);
    assert_eq!(c.server_address, None);
    assert!(!c.debug && !c.aggregate_writes && !c.append_to_file && !c.strict_mode_spoofing);
    assert_eq!(c.max_packet_age, 30);
    assert_eq!(c.decryption_method, EncryptionMethod::Xor);
    assert!(c.password.is_empty());
    assert_eq!(c.check_result_path, None);
    assert_eq!(c.nsca_chroot, None);
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
}

fn assert_debian_values(c: &Config) {
    assert_debian_like(c);
    assert_eq!(
        c.pid_file.as_deref(),
        Some(Path::new("/run/nagios/nsca.pid"))
    );
    assert_eq!(c.nsca_user.as_deref(), Some("nagios"));
    assert_eq!(c.nsca_group.as_deref(), Some("nogroup"));
    assert_eq!(
        c.command_file.as_deref(),
        Some(Path::new("/var/run/icinga2/cmd/icinga2.cmd"))
    );
    assert_eq!(c.alternate_dump_file, Path::new("/run/nagios/nsca.dump"));
}

/// Debian's `/etc/nsca.cfg`, exactly as the package installed it.
#[test]
fn debian_installed_config_loads() {
    let path = Path::new("/etc/nsca.cfg");
    if !path.exists() {
        assert!(
            !interop_required(),
            "/etc/nsca.cfg is required (NSCA_REQUIRE_INTEROP is set) but missing; install \
             Debian's nsca package"
        );
        eprintln!(
            "\n=== SKIPPED: /etc/nsca.cfg (Debian's nsca package) is not installed; \
             debian_installed_config_loads did not run. ===\n"
        );
        return;
    }
    assert_debian_values(&loaded(path));
}

/// The settings of Debian's file, kept here so that they are checked without the package too.
#[test]
fn debian_settings_load() {
    assert_debian_values(&loaded(&data("debian-nsca.cfg")));
}

/// Upstream's sample as `./configure` writes it with its defaults, and its commented examples.
#[test]
fn upstream_sample_loads() {
    let path = data("upstream-nsca.cfg");
    let c = loaded(&path);
    assert_debian_like(&c);
    assert_eq!(c.pid_file.as_deref(), Some(Path::new("/var/run/nsca.pid")));
    assert_eq!(c.nsca_user.as_deref(), Some("nagios"));
    assert_eq!(c.nsca_group.as_deref(), Some("nagios"));
    assert_eq!(
        c.command_file.as_deref(),
        Some(Path::new("/usr/local/nagios/var/rw/nagios.cmd"))
    );
    assert_eq!(
        c.alternate_dump_file,
        Path::new("/usr/local/nagios/var/rw/nsca.dump")
    );

    // The sample's commented-out examples, enabled one by one after its settings.
    let base = fs::read(&path).unwrap();
    let lines = u32::try_from(base.iter().filter(|&&b| b == b'\n').count()).unwrap();
    let with = |line: &str| {
        let mut text = base.clone();
        text.extend_from_slice(line.as_bytes());
        parse(&text, &path)
    };
    let c = with("check_result_path=/usr/local/nagios/var/checkresults\n").unwrap();
    assert_eq!(
        c.check_result_path.as_deref(),
        Some(Path::new("/usr/local/nagios/var/checkresults"))
    );
    let c = with("server_address=192.168.1.1\n").unwrap();
    assert_eq!(c.server_address.as_deref(), Some("192.168.1.1"));
    let c = with("nsca_chroot=/var/run/nagios/rw\n").unwrap();
    assert_eq!(
        c.nsca_chroot.as_deref(),
        Some(Path::new("/var/run/nagios/rw"))
    );
    // Its `#password=`, uncommented as it stands, is refused (by C too).
    let e = with("password=\n").unwrap_err();
    assert_eq!(
        (e.line, e.kind),
        (Some(lines + 1), ConfigErrorKind::NoValue)
    );
}

/// Our sample loads, with Debian-like values and no warnings; every key it documents is one the
/// parser knows, and every commented-out setting loads too once enabled.
#[test]
fn contrib_sample_loads() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../contrib/nsca.cfg");
    let c = loaded(&path);
    assert_debian_like(&c);
    assert_eq!(
        c.pid_file.as_deref(),
        Some(Path::new("/run/nagios/nsca.pid"))
    );
    assert_eq!(c.nsca_user.as_deref(), Some("nagios"));
    assert_eq!(c.nsca_group.as_deref(), Some("nogroup"));
    assert_eq!(
        c.command_file.as_deref(),
        Some(Path::new("/var/lib/nagios4/rw/nagios.cmd"))
    );
    assert_eq!(c.alternate_dump_file, Path::new("/run/nagios/nsca.dump"));
    let defaults = Config::default();
    assert_eq!(c.allowed_hosts, None);
    assert_eq!(c.max_connections, defaults.max_connections);
    assert_eq!(c.connection_timeout, defaults.connection_timeout);
    assert_eq!(c.max_queued_results, defaults.max_queued_results);
    assert_eq!(c.shutdown_timeout, defaults.shutdown_timeout);
    assert_eq!(c.metrics_address, None);
    assert_eq!(c.icinga2, defaults.icinga2);

    // Every `#key=value` example, enabled (one of the two Icinga 2 password lines at a time).
    let text = fs::read_to_string(&path).unwrap();
    let examples: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix('#'))
        .filter(|l| {
            l.split_once('=').is_some_and(|(k, _)| {
                !k.is_empty()
                    && k.bytes()
                        .all(|b| b.is_ascii_lowercase() || b == b'_' || b.is_ascii_digit())
            })
        })
        .collect();
    let keys: Vec<&str> = examples
        .iter()
        .filter_map(|l| l.split_once('=').map(|(k, _)| k))
        .collect();
    for key in [
        "server_address",
        "nsca_chroot",
        "check_result_path",
        "password",
        "allowed_hosts",
        "metrics_address",
        "icinga2_api_url",
        "icinga2_api_user",
        "icinga2_api_password",
        "icinga2_api_password_file",
        "icinga2_api_ca_file",
        "icinga2_api_tls_name",
        "icinga2_api_client_cert",
        "icinga2_api_client_key",
        "icinga2_check_source",
        "icinga2_api_connections",
    ] {
        assert!(
            keys.contains(&key),
            "contrib/nsca.cfg has no example for {key}"
        );
    }
    for skip in ["icinga2_api_password=", "icinga2_api_password_file="] {
        let mut all = text.clone();
        for e in examples.iter().filter(|e| !e.starts_with(skip)) {
            all.push_str(e);
            all.push('\n');
        }
        let c = parse(all.as_bytes(), &path).unwrap_or_else(|e| panic!("{e}"));
        assert!(c.warnings.is_empty(), "{:?}", c.warnings);
        assert!(c.icinga2.api_url.is_some() && c.allowed_hosts.is_some());
        assert!(!c.password.is_empty());
    }
}

#[test]
fn load_refuses_what_it_cannot_read() {
    let dir = TempDir::new("cfg-load").unwrap();
    // C's fopen() of a directory succeeds and reads nothing; we refuse it.
    let e = load(dir.path()).unwrap_err();
    assert_eq!((e.path.as_path(), e.line), (dir.path(), None));
    assert!(matches!(e.kind, ConfigErrorKind::CannotRead(_)), "{e}");
    let missing = dir.path().join("missing.cfg");
    let e = load(&missing).unwrap_err();
    assert!(matches!(e.kind, ConfigErrorKind::CannotRead(_)), "{e}");
    let file = dir.path().join("nsca.cfg");
    fs::write(&file, "debug=1\nserver_port=1\r\n\r\n").unwrap();
    let e = load(&file).unwrap_err();
    assert_eq!(
        (e.path, e.line, e.kind),
        (file, Some(3), ConfigErrorKind::NoValue)
    );
}

// ---------------------------------------------------------------------------------------------
// Parity with the real daemon.

/// What one file should do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Both daemons start with it.
    Accepted,
    /// Both refuse it; ours names this line of the case's body (1-based).
    Refused(u32),
    /// A key of ours: C refuses the file, we accept it.
    OursOnly,
}

struct Case {
    label: &'static str,
    body: String,
    expect: Expect,
    /// Where C should listen when it starts: `server_port` is set to this plus `wrap`.
    port: u16,
    wrap: u32,
}

/// How the real daemon ended up.
#[derive(Debug, PartialEq, Eq)]
enum COutcome {
    Exited(Option<i32>),
    Listening,
    Hung,
}

/// The lines every case starts with: loopback only, a free port.
const PREFIX_LINES: u32 = 2;

fn prefix(port: u32) -> String {
    format!("server_address=127.0.0.1\nserver_port={port}\n")
}

/// Runs `nsca -c FILE -f --single` for every file at once and waits, at most 5 s in all, until
/// each has exited or listens on its port; then kills the ones that started.
fn run_real_daemon(nsca: &Path, runs: &[(PathBuf, u16)]) -> Vec<COutcome> {
    let mut children: Vec<Option<Child>> = runs
        .iter()
        .map(|(file, _)| {
            Some(
                Command::new(nsca)
                    .arg("-c")
                    .arg(file)
                    .args(["-f", "--single"])
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .expect("start nsca"),
            )
        })
        .collect();
    let mut outcomes: Vec<Option<COutcome>> = runs.iter().map(|_| None).collect();
    let deadline = Instant::now() + Duration::from_secs(5);
    while outcomes.iter().any(Option::is_none) && Instant::now() < deadline {
        for (i, (_, port)) in runs.iter().enumerate() {
            let Some(child) = children[i].as_mut() else {
                continue;
            };
            if let Some(status) = child.try_wait().expect("wait for nsca") {
                outcomes[i] = Some(COutcome::Exited(status.code()));
                children[i] = None;
                continue;
            }
            let addr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), *port);
            if TcpStream::connect_timeout(&addr, Duration::from_millis(50)).is_ok() {
                outcomes[i] = Some(COutcome::Listening);
            }
        }
        thread::sleep(Duration::from_millis(10));
    }
    for (child, outcome) in children.iter_mut().zip(&mut outcomes) {
        if let Some(mut c) = child.take() {
            let _ = c.kill();
            let _ = c.wait();
            outcome.get_or_insert(COutcome::Hung);
        }
    }
    outcomes
        .into_iter()
        .map(|o| o.unwrap_or(COutcome::Hung))
        .collect()
}

fn cases(dir: &Path) -> Vec<Case> {
    use Expect::{Accepted, OursOnly, Refused};
    let d = dir.display();
    let long_password = "p".repeat(5000);
    let too_long_password = "p".repeat(5200);
    let table: Vec<(&'static str, String, Expect)> = vec![
        // Accepted by both.
        (
            "Debian-like settings",
            format!(
                "# comment\n\nlog_facility=daemon\ndebug=0\ncommand_file={d}/cmd\n\
                 alternate_dump_file={d}/dump\naggregate_writes=0\nappend_to_file=0\n\
                 max_packet_age=30\ndecryption_method=1\n"
            ),
            Accepted,
        ),
        (
            "AES and a password",
            "decryption_method=14\npassword=s3cret=x\n".into(),
            Accepted,
        ),
        (
            "contained names",
            "nsca_password=x\nmy_debug=1\nx_command_file_y=/x\n".into(),
            Accepted,
        ),
        (
            "leading space in a contained name",
            " debug=1\n".into(),
            Accepted,
        ),
        (
            "indented comment holding a key",
            "  # see password=x\n".into(),
            Accepted,
        ),
        ("leading = before the name", "==debug=1\n".into(), Accepted),
        ("unknown facility", "log_facility=bogus\n".into(), Accepted),
        (
            "C's printer facility",
            "log_facility=lrp\n".into(),
            Accepted,
        ),
        (
            "max_packet_age 900",
            "max_packet_age=900\n".into(),
            Accepted,
        ),
        ("max_packet_age 0", "max_packet_age=0\n".into(), Accepted),
        (
            "max_packet_age not a number",
            "max_packet_age=abc\n".into(),
            Accepted,
        ),
        (
            "max_packet_age -(2^64-1)",
            "max_packet_age=-18446744073709551615\n".into(),
            Accepted,
        ),
        (
            "stream cipher method",
            "decryption_method=12\n".into(),
            Accepted,
        ),
        (
            "method with junk",
            "decryption_method= 3x\n".into(),
            Accepted,
        ),
        ("flag not a number", "debug=yes\n".into(), Accepted),
        (
            "CRLF without blank lines",
            "debug=0\r\ndecryption_method=1\r\n".into(),
            Accepted,
        ),
        ("NUL-led line", "\0anything\n".into(), Accepted),
        (
            "check_result_path",
            format!("check_result_path={d}\n"),
            Accepted,
        ),
        (
            "5000-byte password",
            format!("password={long_password}\n"),
            Accepted,
        ),
        (
            "a refused method before a good one",
            "decryption_method=13x\ndecryption_method=1\n".into(),
            Refused(1),
        ),
        (
            "icinga2_api_password (C: a password)",
            "icinga2_api_password=x\n".into(),
            Accepted,
        ),
        (
            "icinga2_api_password_file (C: a password)",
            "icinga2_api_password_file=/x\n".into(),
            Accepted,
        ),
        // Refused by both.
        ("unknown option", "debug=0\nbogus=1\n".into(), Refused(2)),
        ("space before =", "server_port =5667\n".into(), Refused(1)),
        ("upper case", "Debug=1\n".into(), Refused(1)),
        ("empty password", "password=\n".into(), Refused(1)),
        ("no =", "debug\n".into(), Refused(1)),
        ("only =", "debug=0\n===".into(), Refused(2)),
        (
            "blank CRLF line",
            "debug=0\r\n\r\ndebug=1\r\n".into(),
            Refused(2),
        ),
        ("line of spaces", "  \n".into(), Refused(1)),
        ("indented comment", "  # comment\n".into(), Refused(1)),
        ("method 13", "decryption_method=13\n".into(), Refused(1)),
        ("method 17", "decryption_method=17\n".into(), Refused(1)),
        ("method 18", "decryption_method=18\n".into(), Refused(1)),
        ("method 21", "decryption_method=21\n".into(), Refused(1)),
        ("method 27", "decryption_method=27\n".into(), Refused(1)),
        ("method -1", "decryption_method=-1\n".into(), Refused(1)),
        (
            "max_packet_age 901",
            "max_packet_age=901\n".into(),
            Refused(1),
        ),
        (
            "max_packet_age -1",
            "max_packet_age=-1\n".into(),
            Refused(1),
        ),
        (
            "max_packet_age overflow",
            "max_packet_age=99999999999999999999999\n".into(),
            Refused(1),
        ),
        ("negative port", "server_port=-1\n".into(), Refused(1)),
        (
            "port wrapping negative",
            "server_port=2147483648\n".into(),
            Refused(1),
        ),
        (
            "line longer than 5118 bytes",
            format!("password={too_long_password}\n"),
            Refused(2),
        ),
        // Ours only.
        (
            "allowed_hosts",
            "allowed_hosts=127.0.0.1, ::1\n".into(),
            OursOnly,
        ),
        ("max_connections", "max_connections=10\n".into(), OursOnly),
        (
            "connection_timeout",
            "connection_timeout=10\n".into(),
            OursOnly,
        ),
        (
            "max_queued_results",
            "max_queued_results=10\n".into(),
            OursOnly,
        ),
        ("shutdown_timeout", "shutdown_timeout=10\n".into(), OursOnly),
        (
            "metrics_address",
            "metrics_address=127.0.0.1:9167\n".into(),
            OursOnly,
        ),
        (
            "icinga2_api_url",
            "icinga2_api_url=https://localhost:5665\n".into(),
            OursOnly,
        ),
        ("icinga2_api_user", "icinga2_api_user=u\n".into(), OursOnly),
        (
            "icinga2_api_ca_file",
            "icinga2_api_ca_file=/ca\n".into(),
            OursOnly,
        ),
        (
            "icinga2_api_tls_name",
            "icinga2_api_tls_name=n\n".into(),
            OursOnly,
        ),
        (
            "icinga2_api_client_cert",
            "icinga2_api_client_cert=/c\nicinga2_api_client_key=/k\n".into(),
            OursOnly,
        ),
        (
            "icinga2_check_source",
            "icinga2_check_source=s\n".into(),
            OursOnly,
        ),
        (
            "icinga2_api_connections",
            "icinga2_api_connections=4\n".into(),
            OursOnly,
        ),
    ];
    // Every case gets its own port: the listeners that found them stay open until all are
    // chosen, so that the kernel cannot hand the same free port to two cases.
    let mut holders = Vec::new();
    let mut port = || {
        let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let port = listener.local_addr().unwrap().port();
        holders.push(listener);
        port
    };
    let mut cases: Vec<Case> = table
        .into_iter()
        .map(|(label, body, expect)| Case {
            label,
            body,
            expect,
            port: port(),
            wrap: 0,
        })
        .collect();
    // A port above 65535: both listen on its low 16 bits.
    cases.push(Case {
        label: "port above 65535",
        body: String::new(),
        expect: Accepted,
        port: port(),
        wrap: 65536,
    });
    drop(holders);
    cases
}

#[test]
fn real_daemon_agrees() {
    let Some(nsca) = real_program(NSCA_DAEMON, "the C nsca 2.10.2 daemon") else {
        return;
    };
    let dir = TempDir::new("cfg-parity").unwrap();
    let cases = cases(dir.path());
    let mut runs = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let file = dir.path().join(format!("case{i}.cfg"));
        let mut text = prefix(u32::from(case.port) + case.wrap).into_bytes();
        text.extend_from_slice(case.body.as_bytes());
        fs::write(&file, &text).unwrap();
        runs.push((file, case.port));
    }
    let started = Instant::now();
    let outcomes = run_real_daemon(&nsca, &runs);
    let elapsed = started.elapsed();

    let mut failures = Vec::new();
    for ((case, (file, _)), c) in cases.iter().zip(&runs).zip(outcomes) {
        let ours = load(file);
        let (c_want, ours_ok) = match case.expect {
            Expect::Accepted => (COutcome::Listening, true),
            Expect::Refused(_) | Expect::OursOnly => {
                (COutcome::Exited(Some(2)), case.expect == Expect::OursOnly)
            }
        };
        if c != c_want {
            failures.push(format!(
                "{}: real nsca {c:?}, expected {c_want:?}",
                case.label
            ));
        }
        match (&ours, case.expect) {
            (Ok(cfg), Expect::Accepted | Expect::OursOnly) => {
                if cfg.server_port != case.port {
                    failures.push(format!("{}: our port {}", case.label, cfg.server_port));
                }
            }
            (Err(e), Expect::Refused(line)) if e.line == Some(PREFIX_LINES + line) => {}
            _ => failures.push(format!(
                "{}: ours {:?}, expected {}",
                case.label,
                ours.map(|_| "accepted").map_err(|e| e.to_string()),
                if ours_ok { "accepted" } else { "refused" }
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
}
