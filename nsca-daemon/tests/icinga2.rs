//! Our daemon in front of a real Icinga 2 (Debian's `icinga2-bin` 2.13, started by the tests on
//! loopback in a temp dir, see `nsca_tests::icinga`): results sent by our `send_nsca`, the C
//! `send_nsca` and the library's client go through the daemon's Icinga 2 API sink, and are read
//! back from Icinga 2 itself: its objects (`GET /v1/objects/...`), its request log (one line per
//! answered POST) and a check-result record the fixture enables (one line per processed result).
//!
//! Without Icinga 2 installed the tests skip loudly, unless `NSCA_REQUIRE_INTEROP=1`.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use nsca::CheckResult;
use nsca::blocking::Client;
use nsca_tests::icinga::{Icinga, IcingaConfig};
use nsca_tests::{Daemon, DaemonConfig, TempDir, c_send_nsca, client_config, run_with_stdin};
use serde_json::Value;

use common::{
    PASSWORD, client_config as lib_client_config, commands, count, edit_config, file_lines, heavy,
    http_get, metric, metrics_addr, ours, reload, run_bounded, run_inetd, set_key, start, wait_log,
    wait_metric, wait_until, write_config,
};

/// The `icinga2_*` lines that point a daemon at `icinga` with its password and CA.
fn api_lines(icinga: &Icinga) -> Vec<String> {
    vec![
        format!("icinga2_api_url={}", icinga.url()),
        format!("icinga2_api_user={}", icinga.user()),
        format!("icinga2_api_password={}", icinga.password()),
        format!("icinga2_api_ca_file={}", icinga.ca_file().display()),
        "icinga2_check_source=nsca-test".to_owned(),
        "metrics_address=127.0.0.1:0".to_owned(),
    ]
}

/// Our daemon with the Icinga 2 API as its only sink (no `command_file`), plus `extra` lines.
fn api_daemon(icinga: &Icinga, extra: &[&str]) -> Daemon {
    let mut lines = api_lines(icinga);
    lines.extend(extra.iter().map(|s| (*s).to_owned()));
    start(&DaemonConfig {
        extra: lines,
        without_command_file: true,
        ..DaemonConfig::new(1, PASSWORD)
    })
}

/// `GET /v1/objects/<kind>s/<name>`: the object's attributes, `None` when there is no such
/// object.
fn attrs(icinga: &Icinga, kind: &str, name: &str) -> Option<Value> {
    let (code, body) = icinga.get(&format!(
        "/v1/objects/{kind}s/{name}?attrs=last_check_result&attrs=state&attrs=state_type"
    ));
    if code != 200 {
        return None;
    }
    let json: Value = serde_json::from_str(&body).expect("JSON from Icinga 2");
    Some(json["results"][0]["attrs"].clone())
}

/// Waits until the object's last check result has `output`; returns its attributes.
fn wait_output(icinga: &Icinga, kind: &str, name: &str, output: &str) -> Value {
    wait_until(
        Duration::from_secs(20),
        || {
            attrs(icinga, kind, name)
                .filter(|a| a["last_check_result"]["output"].as_str() == Some(output))
        },
        || format!("{kind} {name}: {:?}", attrs(icinga, kind, name)),
    )
}

/// nsca-cli's `send_nsca`, next to our daemon in the target directory.
fn our_send_nsca() -> PathBuf {
    let path = ours().with_file_name("send_nsca");
    assert!(
        path.is_file(),
        "our send_nsca is not built at {}: run `cargo build -p nsca-cli` first (`cargo test \
         --workspace` builds it)",
        path.display()
    );
    path
}

/// Runs a `send_nsca` (ours or C's) against `daemon` with XOR and [`PASSWORD`]; asserts that
/// it succeeded.
fn send_with(program: Option<&Path>, daemon: &Daemon, dir: &Path, input: &[u8]) {
    let cfg = client_config(dir, 1, PASSWORD);
    let port = daemon.port().to_string();
    let args = ["-H", "127.0.0.1", "-p", &port, "-to", "30", "-c"];
    let out = match program {
        Some(program) => run_with_stdin(Command::new(program).args(args).arg(&cfg), input),
        None => {
            let mut all: Vec<&str> = args.to_vec();
            let cfg = cfg.display().to_string();
            all.push(&cfg);
            let Some(out) = c_send_nsca(&all, input) else {
                return;
            };
            out
        }
    };
    assert!(
        out.status.success(),
        "send_nsca failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Sends `checks` on one connection with the library's client.
fn send_checks(daemon: &Daemon, checks: &[CheckResult]) {
    let mut client =
        Client::connect_addrs(&[daemon.addr()], &lib_client_config()).expect("connect");
    client.send_all(checks).expect("send");
    client.finish().expect("finish");
}

fn now_secs() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// Service and host results from our `send_nsca`, the C `send_nsca` and the library client
/// reach Icinga 2 with their state, output, long output and performance data (quoted labels
/// kept whole, UTF-8 kept), host state 2 becomes DOWN, and with the API as the only sink
/// nothing is written to the dump file.
#[test]
fn results_reach_icinga_objects() {
    let Some(icinga) = Icinga::start(&IcingaConfig {
        objects: "object Service \"disk\" { import \"passive-service\"; host_name = \"web1\" }\n\
                  object Service \"temp\" { import \"passive-service\"; host_name = \"db1\" }\n"
            .to_owned(),
        ..IcingaConfig::default()
    }) else {
        return;
    };
    let daemon = api_daemon(&icinga, &[]);
    let dir = TempDir::new("icinga-e2e").expect("temp dir");
    let before = now_secs();

    // The C client: a service result and a host result with state 2 (sets end at ETB).
    send_with(
        None,
        &daemon,
        dir.path(),
        b"web1\tHTTP\t2\tHTTP CRITICAL - 500 Internal Server Error | time=0.52s;1;2;0\x17\
          db1\t2\tPING CRITICAL - Packet loss = 100%\x17",
    );
    // Ours: multi-line output with performance data on the first line and in the long
    // output, quoted labels with spaces, UTF-8.
    let disk = "DISK WARNING - /var à 81 % | '/var log'=81%;80;90;0;100 /=2%;80;90\n\
                /var/log se remplit (journaux de l'été)\n\
                voir df -h | 'inodes /var'=5%;80;90\n\
                '/home dir'=3%;80;90";
    send_with(
        Some(&our_send_nsca()),
        &daemon,
        dir.path(),
        format!("web1\tdisk\t1\t{disk}\x17db1\ttemp\t0\tTempérature 21 °C | t=21°C\x17").as_bytes(),
    );

    let http = wait_output(
        &icinga,
        "service",
        "web1!HTTP",
        "HTTP CRITICAL - 500 Internal Server Error",
    );
    assert_eq!(http["state"], 2.0);
    let lcr = &http["last_check_result"];
    assert_eq!(
        lcr["performance_data"],
        serde_json::json!(["time=0.52s;1;2;0"])
    );
    assert_eq!(lcr["check_source"], "nsca-test");
    let start = lcr["execution_start"].as_f64().expect("execution_start");
    assert!(
        start >= before - 1.0 && start <= now_secs() + 1.0,
        "execution_start {start} is the daemon's receive time ({before}..)"
    );
    assert_eq!(lcr["execution_end"], lcr["execution_start"]);

    let db1 = wait_output(&icinga, "host", "db1", "PING CRITICAL - Packet loss = 100%");
    assert_eq!(db1["state"], 1.0, "host state 2 becomes DOWN: {db1}");

    let disk = wait_output(
        &icinga,
        "service",
        "web1!disk",
        "DISK WARNING - /var à 81 %\n/var/log se remplit (journaux de l'été)\nvoir df -h ",
    );
    assert_eq!(disk["state"], 1.0);
    assert_eq!(
        disk["last_check_result"]["performance_data"],
        serde_json::json!([
            "'/var log'=81%;80;90;0;100",
            "/=2%;80;90",
            "'inodes /var'=5%;80;90",
            "'/home dir'=3%;80;90"
        ])
    );
    let temp = wait_output(&icinga, "service", "db1!temp", "Température 21 °C");
    assert_eq!(temp["state"], 0.0);
    assert_eq!(
        temp["last_check_result"]["performance_data"],
        serde_json::json!(["t=21°C"])
    );

    // The library's client: host results 0 (UP), 3 (DOWN), then a service code outside
    // 0..3 (UNKNOWN).
    send_checks(
        &daemon,
        &[CheckResult::host("web1", 0, "PING OK - rta 0.1 ms")],
    );
    let web1 = wait_output(&icinga, "host", "web1", "PING OK - rta 0.1 ms");
    assert_eq!(web1["state"], 0.0);
    send_checks(
        &daemon,
        &[
            CheckResult::host("web1", 3, "PING UNKNOWN - no route"),
            CheckResult::service("web1", "HTTP", 7, "odd code"),
        ],
    );
    let web1 = wait_output(&icinga, "host", "web1", "PING UNKNOWN - no route");
    assert_eq!(web1["state"], 1.0, "host state 3 becomes DOWN: {web1}");
    let http = wait_output(&icinga, "service", "web1!HTTP", "odd code");
    assert_eq!(http["state"], 3.0);

    // The mapping is logged at debug level (the fixture sets debug=1).
    let log = daemon.log();
    assert!(
        log.contains(
            "debug: host 'db1': return code 2 sent to Icinga 2 as 1 (DOWN): Icinga 2 takes \
             only 0 (UP) and 1 (DOWN) for hosts"
        ),
        "{log}"
    );
    assert!(
        log.contains("debug: service 'web1!HTTP': return code 7 sent to Icinga 2 as 3 (UNKNOWN)"),
        "{log}"
    );
    let body = http_get(metrics_addr(&daemon)).1;
    assert_eq!(
        metric(&body, "nsca_icinga2_delivered_total"),
        Some(7),
        "{body}"
    );
    assert_eq!(
        metric(&body, "nsca_icinga2_rejected_total"),
        Some(0),
        "{body}"
    );
    assert_eq!(metric(&body, "nsca_icinga2_queued"), Some(0), "{body}");
    assert_eq!(metric(&body, "nsca_dumped_total"), Some(0), "{body}");
    assert!(file_lines(&daemon.dump_file()).is_empty());
    assert!(!daemon.command_file().exists() || daemon.lines().is_empty());
}

/// With `command_file` and the API both set, both get every result.
#[test]
fn command_file_and_api_both_get_every_result() {
    let Some(icinga) = Icinga::start(&IcingaConfig::default()) else {
        return;
    };
    let daemon = start(&DaemonConfig {
        extra: api_lines(&icinga),
        ..DaemonConfig::new(1, PASSWORD)
    });
    let checks: Vec<CheckResult> = (0..20)
        .map(|i| CheckResult::service("web1", "HTTP", i % 3, format!("both {i}")))
        .collect();
    send_checks(&daemon, &checks);
    let lines = daemon.wait_for_commands(20, Duration::from_secs(10));
    let expected: Vec<String> = (0..20)
        .map(|i| format!("PROCESS_SERVICE_CHECK_RESULT;web1;HTTP;{};both {i}", i % 3))
        .collect();
    assert_eq!(lines, expected);
    let http = wait_output(&icinga, "service", "web1!HTTP", "both 19");
    assert_eq!(http["state"], 1.0);
    wait_metric(
        metrics_addr(&daemon),
        "nsca_icinga2_delivered_total",
        Duration::from_secs(10),
        |v| v == 20,
    );
}

/// The "nothing lost" scenario: 1,000 results for 50 services, each with a sequence
/// number, in three bursts: Icinga 2 up; Icinga 2 stopped (cleanly) while the second burst
/// arrives; Icinga 2 started again before the third. Icinga 2's own request log and its
/// check-result record show every result taken exactly once, and every service ends with its
/// last result. The daemon's queue is small (50), so the second burst also backs up into the
/// clients while Icinga 2 is away.
#[test]
fn nothing_lost_while_icinga_restarts() {
    let _heavy = heavy();
    const SERVICES: usize = 50;
    const TOTAL: usize = 1000;
    let objects: String = (0..SERVICES)
        .map(|s| {
            format!("object Service \"svc{s:02}\" {{ import \"passive-service\"; host_name = \"web1\" }}\n")
        })
        .collect();
    let Some(mut icinga) = Icinga::start(&IcingaConfig {
        objects,
        ..IcingaConfig::default()
    }) else {
        return;
    };
    let daemon = api_daemon(&icinga, &["max_queued_results=50"]);
    let metrics = metrics_addr(&daemon);
    let check = |i: usize| {
        CheckResult::service(
            "web1",
            format!("svc{:02}", i % SERVICES),
            (i % 3) as i16,
            format!("seq {i}"),
        )
    };
    // Five connections per burst, each for its own ten services, so that the order of each
    // service's results is the order they were sent in.
    let burst = |range: std::ops::Range<usize>| -> Vec<thread::JoinHandle<()>> {
        let addr = daemon.addr();
        (0..5)
            .map(|conn| {
                let checks: Vec<CheckResult> = range
                    .clone()
                    .filter(|i| (i % SERVICES) / 10 == conn)
                    .map(check)
                    .collect();
                thread::spawn(move || {
                    let mut client =
                        Client::connect_addrs(&[addr], &lib_client_config()).expect("connect");
                    client.send_all(&checks).expect("send");
                    client
                        .finish_and_wait_close(Duration::from_secs(60))
                        .expect("finish");
                })
            })
            .collect()
    };
    let join = |handles: Vec<thread::JoinHandle<()>>| {
        for handle in handles {
            handle.join().expect("sender");
        }
    };
    let delivered = |n: u64| {
        wait_metric(
            metrics,
            "nsca_icinga2_delivered_total",
            Duration::from_secs(60),
            |v| v >= n,
        )
    };

    join(burst(0..334));
    delivered(334);
    icinga.stop();

    let second = burst(334..667);
    // Icinga 2 is away: the daemon says so and keeps trying.
    let log = wait_log(&daemon, Duration::from_secs(20), |l| {
        l.contains("cannot reach the Icinga 2 API")
    });
    wait_until(
        Duration::from_secs(20),
        || metric(&http_get(metrics).1, "nsca_icinga2_retries_total").filter(|v| *v >= 3),
        || log.clone(),
    );
    // The daemon holds at most its queue, the sink's channel and the sink's own 50: the
    // rest of the burst waits in the clients, which cannot finish yet.
    thread::sleep(Duration::from_millis(500));
    let body = http_get(metrics).1;
    let held = metric(&body, "nsca_queued").unwrap_or(0)
        + metric(&body, "nsca_icinga2_queued").unwrap_or(0);
    assert!(held <= 160, "{held} results held:\n{body}");
    assert!(
        second.iter().any(|h| !h.is_finished()),
        "every sender of the second burst finished while Icinga 2 was stopped"
    );
    icinga.start_again();
    join(second);
    delivered(667);
    join(burst(667..TOTAL));
    assert_eq!(delivered(TOTAL as u64), TOTAL as u64);

    // Every service ends with its last result (read before Icinga stops).
    for s in 0..SERVICES {
        let last = (0..TOTAL).rev().find(|i| i % SERVICES == s).expect("last");
        let a = attrs(&icinga, "service", &format!("web1!svc{s:02}")).expect("service");
        assert_eq!(
            a["last_check_result"]["output"],
            format!("seq {last}"),
            "svc{s:02}: {a}"
        );
        assert_eq!(a["state"], (last % 3) as f64, "svc{s:02}");
    }
    icinga.stop();

    // Icinga's side: 1,000 POSTs answered 200, and each sequence number processed once.
    assert_eq!(
        icinga.acknowledged(),
        TOTAL,
        "POSTs answered 200 in Icinga's log"
    );
    let mut seen: BTreeMap<usize, usize> = BTreeMap::new();
    for record in icinga.records() {
        if let Some(n) = record.output.strip_prefix("seq ") {
            *seen.entry(n.parse().expect("seq number")).or_default() += 1;
        }
    }
    let missing: Vec<usize> = (0..TOTAL).filter(|i| !seen.contains_key(i)).collect();
    let twice: Vec<(&usize, &usize)> = seen.iter().filter(|(_, c)| **c != 1).collect();
    assert!(
        missing.is_empty() && twice.is_empty() && seen.len() == TOTAL,
        "missing {missing:?}, more than once {twice:?}"
    );
    let body = http_get(metrics).1;
    assert_eq!(
        metric(&body, "nsca_icinga2_rejected_total"),
        Some(0),
        "{body}"
    );
    assert_eq!(
        metric(&body, "nsca_icinga2_dumped_total"),
        Some(0),
        "{body}"
    );
    assert!(file_lines(&daemon.dump_file()).is_empty());
    assert_eq!(
        count(&daemon.log(), "Icinga 2 API takes results again after"),
        1
    );
}

/// An unknown service (404) is logged once with Icinga's message and counted; the results
/// around it are delivered.
#[test]
fn unknown_service_logged_once_and_counted() {
    let Some(icinga) = Icinga::start(&IcingaConfig::default()) else {
        return;
    };
    let daemon = api_daemon(&icinga, &[]);
    let mut checks = Vec::new();
    for i in 0..5 {
        checks.push(CheckResult::service("web1", "NOPE", 2, format!("nope {i}")));
        checks.push(CheckResult::service("web1", "HTTP", 0, format!("fine {i}")));
    }
    send_checks(&daemon, &checks);
    wait_output(&icinga, "service", "web1!HTTP", "fine 4");
    let metrics = metrics_addr(&daemon);
    wait_metric(
        metrics,
        "nsca_icinga2_rejected_total",
        Duration::from_secs(10),
        |v| v == 5,
    );
    wait_metric(
        metrics,
        "nsca_icinga2_delivered_total",
        Duration::from_secs(10),
        |v| v == 5,
    );
    let log = daemon.log();
    assert_eq!(
        count(
            &log,
            "Icinga 2 rejected a result for service 'web1!NOPE' (404: No objects found.)"
        ),
        1,
        "{log}"
    );
    assert!(file_lines(&daemon.dump_file()).is_empty());
}

/// A wrong password stops the sink with a clear message while results queue; SIGHUP with the
/// right one delivers them all, in order.
#[test]
fn wrong_password_stops_until_sighup_fixes_it() {
    let Some(icinga) = Icinga::start(&IcingaConfig::default()) else {
        return;
    };
    let daemon = api_daemon(&icinga, &["icinga2_api_password=not-the-password"]);
    let checks: Vec<CheckResult> = (0..10)
        .map(|i| CheckResult::service("web1", "HTTP", 1, format!("queued {i}")))
        .collect();
    send_checks(&daemon, &checks);
    let log = wait_log(&daemon, Duration::from_secs(10), |l| {
        l.contains("refused the credentials (401")
    });
    assert_eq!(count(&log, "refused the credentials (401"), 1, "{log}");
    assert!(
        log.contains("check icinga2_api_user and icinga2_api_password"),
        "{log}"
    );
    assert!(log.contains("Delivery to Icinga 2 is stopped"), "{log}");
    let metrics = metrics_addr(&daemon);
    wait_metric(
        metrics,
        "nsca_icinga2_queued",
        Duration::from_secs(10),
        |v| v == 10,
    );
    assert_eq!(
        metric(&http_get(metrics).1, "nsca_icinga2_delivered_total"),
        Some(0)
    );

    let password = icinga.password().to_owned();
    edit_config(&daemon, |lines| {
        set_key(lines, "icinga2_api_password", &password)
    });
    reload(&daemon, 1);
    wait_output(&icinga, "service", "web1!HTTP", "queued 9");
    wait_metric(
        metrics,
        "nsca_icinga2_delivered_total",
        Duration::from_secs(10),
        |v| v == 10,
    );
    let log = wait_log(&daemon, Duration::from_secs(10), |l| {
        l.contains("Icinga 2 API sink: delivering again after")
    });
    assert!(file_lines(&daemon.dump_file()).is_empty(), "{log}");
}

/// A CA that did not sign Icinga's certificate stops the sink with a message naming the
/// certificate problem; SIGHUP with the right CA delivers what waited.
#[test]
fn wrong_ca_stops_until_sighup_fixes_it() {
    let Some(icinga) = Icinga::start(&IcingaConfig::default()) else {
        return;
    };
    let other = icinga.other_ca_file();
    let line = format!("icinga2_api_ca_file={}", other.display());
    let daemon = api_daemon(&icinga, &[&line]);
    send_checks(
        &daemon,
        &[CheckResult::service("web1", "HTTP", 2, "behind a bad CA")],
    );
    let log = wait_log(&daemon, Duration::from_secs(10), |l| {
        l.contains("the server's certificate does not verify")
    });
    assert!(log.contains("UnknownIssuer"), "{log}");
    assert!(
        log.contains("check icinga2_api_ca_file and icinga2_api_tls_name"),
        "{log}"
    );
    let ca = icinga.ca_file().display().to_string();
    edit_config(&daemon, |lines| set_key(lines, "icinga2_api_ca_file", &ca));
    reload(&daemon, 1);
    wait_output(&icinga, "service", "web1!HTTP", "behind a bad CA");
}

/// icinga2_api_tls_name is the name the certificate is checked against (the URL has an
/// address); a client certificate logs in without a password.
#[test]
fn tls_name_and_client_certificate() {
    let Some(icinga) = Icinga::start(&IcingaConfig {
        cert_user: Some("nsca-gateway".to_owned()),
        ..IcingaConfig::default()
    }) else {
        return;
    };
    let (cert, key) = icinga.client_certificate("nsca-gateway");
    let lines = [
        format!("icinga2_api_url={}", icinga.url()),
        format!("icinga2_api_ca_file={}", icinga.ca_file().display()),
        format!("icinga2_api_client_cert={}", cert.display()),
        format!("icinga2_api_client_key={}", key.display()),
        "icinga2_api_tls_name=wrong.example".to_owned(),
    ];
    let daemon = start(&DaemonConfig {
        extra: lines.to_vec(),
        without_command_file: true,
        ..DaemonConfig::new(1, PASSWORD)
    });
    send_checks(
        &daemon,
        &[CheckResult::service("web1", "HTTP", 1, "by certificate")],
    );
    let log = wait_log(&daemon, Duration::from_secs(10), |l| {
        l.contains("the server's certificate does not verify")
    });
    assert!(
        log.contains("certificate not valid for name \"wrong.example\""),
        "{log}"
    );
    edit_config(&daemon, |lines| {
        set_key(lines, "icinga2_api_tls_name", nsca_tests::icinga::NODE_NAME)
    });
    reload(&daemon, 1);
    let http = wait_output(&icinga, "service", "web1!HTTP", "by certificate");
    assert_eq!(http["state"], 1.0);
}

/// SIGTERM while Icinga 2 cannot be reached: the daemon tries until shutdown_timeout, then
/// writes what is left to alternate_dump_file as command-file lines, in order, with a count.
#[test]
fn sigterm_dumps_what_icinga_did_not_take() {
    let Some(mut icinga) = Icinga::start(&IcingaConfig::default()) else {
        return;
    };
    let mut daemon = api_daemon(&icinga, &["shutdown_timeout=1"]);
    icinga.stop();
    let checks: Vec<CheckResult> = (0..12)
        .map(|i| CheckResult::service(format!("host{}", i % 3), "svc", 2, format!("left {i}")))
        .collect();
    send_checks(&daemon, &checks);
    wait_log(&daemon, Duration::from_secs(10), |l| {
        l.contains("cannot reach the Icinga 2 API")
    });
    wait_metric(
        metrics_addr(&daemon),
        "nsca_icinga2_queued",
        Duration::from_secs(10),
        |v| v == 12,
    );
    let stopping = Instant::now();
    daemon.signal("TERM");
    let status = daemon.wait_exit(Duration::from_secs(15)).expect("exit");
    assert!(status.success(), "{status}");
    assert!(stopping.elapsed() < Duration::from_secs(10));
    let dumped = commands(&file_lines(&daemon.dump_file()));
    let expected: Vec<String> = (0..12)
        .map(|i| format!("PROCESS_SERVICE_CHECK_RESULT;host{};svc;2;left {i}", i % 3))
        .collect();
    assert_eq!(dumped, expected);
    let log = daemon.log();
    assert!(
        log.contains(&format!(
            "12 result(s) not delivered to Icinga 2 written to the alternate dump file {} \
             (the daemon is stopping)",
            daemon.dump_file().display()
        )),
        "{log}"
    );
    assert!(log.contains(" icinga2_dumped=12 "), "{log}");
}

/// A configuration the sink cannot use stops the daemon at start (exit 2, naming the key)
/// and is refused at reload.
#[test]
fn unusable_icinga_settings_are_refused() {
    let dir = TempDir::new("icinga-cfg").expect("temp dir");
    let missing = dir.path().join("missing-ca.crt");
    let port = nsca_tests::free_port([127, 0, 0, 1].into());
    let cfg = write_config(
        dir.path(),
        port,
        &[
            "icinga2_api_url=https://127.0.0.1:5665",
            "icinga2_api_user=nsca",
            "icinga2_api_password=x",
            &format!("icinga2_api_ca_file={}", missing.display()),
        ],
    );
    let out = run_bounded(
        Command::new(ours()).arg("-f").arg("-c").arg(&cfg),
        Duration::from_secs(10),
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "icinga2_api_ca_file {}: cannot read it",
            missing.display()
        )) && stderr.contains("not starting"),
        "{stderr}"
    );
    let cfg = write_config(dir.path(), port, &["icinga2_api_url=http://127.0.0.1:5665"]);
    let out = run_bounded(
        Command::new(ours()).arg("-f").arg("-c").arg(&cfg),
        Duration::from_secs(10),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("must start with https://"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // At reload: refused, the running configuration stays.
    let daemon = start(&DaemonConfig::new(1, PASSWORD));
    edit_config(&daemon, |lines| {
        let lines = set_key(lines, "icinga2_api_url", "https://127.0.0.1:5665");
        set_key(lines, "icinga2_api_password_file", "/nonexistent/pw")
    });
    daemon.signal("HUP");
    let log = wait_log(&daemon, Duration::from_secs(10), |l| {
        l.contains("reload refused")
    });
    assert!(
        log.contains("icinga2_api_password_file /nonexistent/pw: cannot read it"),
        "{log}"
    );
}

/// `nsca --inetd` with the API: the connection's results reach Icinga 2 and the process exits
/// 0. With Icinga 2 stopped, it tries for shutdown_timeout, writes what Icinga 2 did not take
/// to alternate_dump_file (the command file gets every result either way), and exits 0.
#[test]
fn inetd_posts_to_icinga_then_exits() {
    let Some(mut icinga) = Icinga::start(&IcingaConfig::default()) else {
        return;
    };
    let dir = TempDir::new("icinga-inetd").expect("temp dir");
    let mut extra: Vec<String> = api_lines(&icinga)
        .into_iter()
        .filter(|l| !l.starts_with("metrics_address="))
        .collect();
    extra.push("shutdown_timeout=2".to_owned());
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    let cfg = write_config(dir.path(), 5667, &extra);

    let up = CheckResult::service("web1", "HTTP", 1, "inetd while Icinga is up");
    let run = run_inetd(&cfg, &[up], Duration::from_secs(20));
    assert_eq!(run.status.code(), Some(0), "{}", run.log);
    let http = wait_output(&icinga, "service", "web1!HTTP", "inetd while Icinga is up");
    assert_eq!(http["state"], 1.0);

    icinga.stop();
    let down = CheckResult::service("web1", "HTTP", 2, "inetd while Icinga is down");
    let run = run_inetd(&cfg, &[down], Duration::from_secs(20));
    assert_eq!(run.status.code(), Some(0), "{}", run.log);
    assert!(
        run.after_client >= Duration::from_secs(2) && run.after_client < Duration::from_secs(10),
        "exited {:?} after the client: {}",
        run.after_client,
        run.log
    );
    assert_eq!(
        commands(&file_lines(&dir.path().join("nagios.cmd"))),
        [
            "PROCESS_SERVICE_CHECK_RESULT;web1;HTTP;1;inetd while Icinga is up",
            "PROCESS_SERVICE_CHECK_RESULT;web1;HTTP;2;inetd while Icinga is down",
        ]
    );
    let dump = dir.path().join("dump");
    assert_eq!(
        commands(&file_lines(&dump)),
        ["PROCESS_SERVICE_CHECK_RESULT;web1;HTTP;2;inetd while Icinga is down"]
    );
    assert!(
        run.log.contains(&format!(
            "1 result(s) not delivered to Icinga 2 written to the alternate dump file {}",
            dump.display()
        )),
        "{}",
        run.log
    );
}
