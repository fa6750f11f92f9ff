//! Our library against the real NSCA 2.10.2 programs: methods 0 and 1, both packet sizes, host
//! and service checks, in both directions.

use std::sync::mpsc;
use std::time::Duration;

use nsca::blocking::{Client, ClientConfig, Receiver, ReceiverConfig};
use nsca::{CheckResult, EncryptionMethod, PacketSize, ReturnCode, command_line};
use nsca_tests::{Daemon, DaemonConfig, TempDir, c_send_nsca, client_config, ipv6_available};

const WAIT: Duration = Duration::from_secs(10);

fn checks() -> Vec<CheckResult> {
    vec![
        CheckResult::service(
            "web1",
            "HTTP",
            ReturnCode::OK,
            "HTTP OK - 0.002 s | time=0.002s",
        ),
        CheckResult::host("db1", ReturnCode::WARNING, "PING WARNING"),
        CheckResult::service(
            "web1",
            "Disk /",
            -1,
            "line1\nline2 back\\slash; semi|pipe\ttab",
        ),
        CheckResult::service("h".repeat(63), "s".repeat(127), 3, "o".repeat(511)),
    ]
}

fn expected(checks: &[CheckResult]) -> Vec<String> {
    checks
        .iter()
        .map(|c| {
            let line = String::from_utf8(command_line(c, 0)).unwrap();
            line.strip_prefix("[0] ").unwrap().to_owned()
        })
        .collect()
}

fn send_to_daemon(method: u8, password: &str, size: PacketSize, per_connection: usize) {
    let Some(daemon) = Daemon::start(&DaemonConfig::new(method, password)) else {
        return;
    };
    let config = ClientConfig {
        method: EncryptionMethod::from_number(method.into()).unwrap(),
        password: password.into(),
        packet_size: size,
        ..ClientConfig::default()
    };
    let checks = checks();
    for batch in checks.chunks(per_connection) {
        let mut client = Client::connect_addrs(&[daemon.addr()], &config).unwrap();
        assert_eq!(client.send_all(batch).unwrap(), batch.len() as u64);
        assert_eq!(client.finish().unwrap(), batch.len() as u64);
    }
    let lines = daemon.wait_for_commands(checks.len(), WAIT);
    assert_eq!(lines, expected(&checks), "method {method}, {size:?}");
}

#[test]
fn none_standard_packets_many_per_connection() {
    send_to_daemon(0, "", PacketSize::Standard, 4);
}

#[test]
fn xor_standard_packets_many_per_connection() {
    send_to_daemon(1, "s3cr3t pass", PacketSize::Standard, 4);
}

#[test]
fn xor_empty_password() {
    send_to_daemon(1, "", PacketSize::Standard, 2);
}

#[test]
fn xor_password_longer_than_the_iv() {
    send_to_daemon(1, &"p".repeat(200), PacketSize::Standard, 4);
}

/// The 2.10 daemon accepts a 720-byte packet only as the last thing before EOF, so legacy
/// clients send one packet per connection.
#[test]
fn none_legacy_packets() {
    send_to_daemon(0, "", PacketSize::Legacy, 1);
}

#[test]
fn xor_legacy_packets() {
    send_to_daemon(1, "legacy", PacketSize::Legacy, 1);
}

#[test]
fn wrong_password_is_dropped_by_the_daemon() {
    let Some(daemon) = Daemon::start(&DaemonConfig::new(1, "right")) else {
        return;
    };
    let config = ClientConfig {
        password: "wrong".into(),
        ..ClientConfig::default()
    };
    let mut client = Client::connect_addrs(&[daemon.addr()], &config).unwrap();
    client.send(&CheckResult::host("h", 0, "x")).unwrap();
    client.finish().unwrap();
    // Then a good one on a new connection: only it is written.
    let config = ClientConfig {
        password: "right".into(),
        ..ClientConfig::default()
    };
    let mut client = Client::connect_addrs(&[daemon.addr()], &config).unwrap();
    client.send(&CheckResult::host("good", 0, "y")).unwrap();
    client.finish().unwrap();
    assert_eq!(
        daemon.wait_for_commands(1, WAIT),
        ["PROCESS_HOST_CHECK_RESULT;good;0;y"]
    );
}

#[test]
fn ipv6_daemon() {
    if !ipv6_available() {
        eprintln!("SKIPPED: no IPv6 loopback on this machine");
        return;
    }
    let config = DaemonConfig {
        bind: "::1".parse().unwrap(),
        ..DaemonConfig::new(1, "six")
    };
    let Some(daemon) = Daemon::start(&config) else {
        return;
    };
    let client_config = ClientConfig {
        password: "six".into(),
        ..ClientConfig::default()
    };
    let mut client = Client::connect_addrs(&[daemon.addr()], &client_config).unwrap();
    client
        .send(&CheckResult::service("v6", "svc", 0, "over ::1"))
        .unwrap();
    client.finish().unwrap();
    assert_eq!(
        daemon.wait_for_commands(1, WAIT),
        ["PROCESS_SERVICE_CHECK_RESULT;v6;svc;0;over ::1"]
    );
}

/// The real C client sends to our receiver.
fn c_client_to_receiver(method: u8, password: &str, legacy: bool, input: &[u8]) -> Vec<String> {
    let config = ReceiverConfig {
        method: EncryptionMethod::from_number(method.into()).unwrap(),
        password: password.into(),
        ..ReceiverConfig::default()
    };
    let receiver = Receiver::bind("127.0.0.1:0", config).unwrap();
    let port = receiver.local_addr().unwrap().port().to_string();
    let (tx, rx) = mpsc::channel();
    let running = receiver.spawn(move |received| {
        let _ = tx.send(received.result.map(|p| command_line(&p.check, 0)));
    });
    let dir = TempDir::new("c-client").unwrap();
    let cfg = client_config(dir.path(), method, password);
    let cfg = cfg.to_str().unwrap();
    let mut args = vec!["-H", "127.0.0.1", "-p", &port, "-c", cfg];
    if legacy {
        args.push("--legacy-2-7-mode");
    }
    let Some(out) = c_send_nsca(&args, input) else {
        running.shutdown();
        return Vec::new();
    };
    assert!(out.status.success(), "send_nsca failed: {out:?}");
    let mut lines = Vec::new();
    while let Ok(item) = rx.recv_timeout(Duration::from_millis(500)) {
        let line = String::from_utf8(item.expect("decoded")).unwrap();
        lines.push(line.strip_prefix("[0] ").unwrap().to_owned());
    }
    running.shutdown();
    lines
}

const C_INPUT: &[u8] =
    b"h1\ts1\t0\tout1\x17h2\t2\thost down\x17h3\ts3\t1\tline1\nline2 back\\slash\x17";

fn c_expected() -> Vec<String> {
    [
        "PROCESS_SERVICE_CHECK_RESULT;h1;s1;0;out1",
        "PROCESS_HOST_CHECK_RESULT;h2;2;host down",
        "PROCESS_SERVICE_CHECK_RESULT;h3;s3;1;line1\\nline2 back\\\\slash",
    ]
    .map(str::to_owned)
    .to_vec()
}

#[test]
fn c_client_none_to_our_receiver() {
    let lines = c_client_to_receiver(0, "", false, C_INPUT);
    if nsca_tests::real_program(nsca_tests::C_SEND_NSCA, "send_nsca").is_some() {
        assert_eq!(lines, c_expected());
    }
}

#[test]
fn c_client_xor_to_our_receiver() {
    let lines = c_client_to_receiver(1, "pw from C", false, C_INPUT);
    if nsca_tests::real_program(nsca_tests::C_SEND_NSCA, "send_nsca").is_some() {
        assert_eq!(lines, c_expected());
    }
}

/// Several legacy packets on one connection: the real daemon loses all of them; our receiver
/// keeps every one.
#[test]
fn c_client_legacy_many_packets_to_our_receiver() {
    let lines = c_client_to_receiver(1, "old", true, C_INPUT);
    if nsca_tests::real_program(nsca_tests::C_SEND_NSCA, "send_nsca").is_some() {
        assert_eq!(lines, c_expected());
    }
}

/// Proof that legacy packets really are 720 bytes, and the reason the library's receiver goes
/// beyond the daemon: two legacy packets on one connection (1440 bytes) are silently lost by the
/// 2.10.2 daemon, while one per connection is accepted.
#[test]
fn daemon_loses_two_legacy_packets_on_one_connection() {
    let Some(daemon) = Daemon::start(&DaemonConfig::new(1, "l")) else {
        return;
    };
    let config = ClientConfig {
        password: "l".into(),
        packet_size: PacketSize::Legacy,
        ..ClientConfig::default()
    };
    let mut client = Client::connect_addrs(&[daemon.addr()], &config).unwrap();
    let two = [
        CheckResult::host("lost1", 0, "a"),
        CheckResult::host("lost2", 0, "b"),
    ];
    assert_eq!(client.send_all(&two).unwrap(), 2);
    client.finish().unwrap();
    let mut client = Client::connect_addrs(&[daemon.addr()], &config).unwrap();
    client.send(&CheckResult::host("kept", 0, "c")).unwrap();
    client.finish().unwrap();
    assert_eq!(
        daemon.wait_for_commands(1, WAIT),
        ["PROCESS_HOST_CHECK_RESULT;kept;0;c"]
    );
    // The daemon may handle connections in any order: give the first one time to show up.
    assert_eq!(
        daemon.wait_for_lines(2, Duration::from_millis(1500)).len(),
        1
    );
}
