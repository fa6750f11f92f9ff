//! Our daemon in front of a real Nagios Core 4 (Debian's `nagios4-core`, through the
//! `nsca_tests::nagios` fixture): results reach Nagios' `status.dat` through its command pipe
//! and through its `check_result_path` spool, service and host results, outputs with long
//! output and performance data; and results sent while Nagios restarts wait for it.
//!
//! Skipped loudly when Nagios is not installed, unless `NSCA_REQUIRE_INTEROP=1`.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::symlink;
use std::thread;
use std::time::{Duration, Instant};

use common::*;
use nsca::CheckResult;
use nsca::blocking::Client;
use nsca_tests::nagios::{CONTACT, Nagios, NagiosConfig, ServiceStatus};
use nsca_tests::{DaemonConfig, TempDir};

const WAIT: Duration = Duration::from_secs(30);

/// Hosts `web1` and `db1`, passive only, and passive services `HTTP` and `Disk` on `web1`.
fn objects() -> String {
    let mut objects = String::from(
        "define command {\n    command_name nsca-rs-true\n    command_line /bin/true\n}\n",
    );
    for host in ["web1", "db1"] {
        objects.push_str(&format!(
            "define host {{\n    host_name {host}\n    address 127.0.0.1\n    \
             max_check_attempts 1\n    check_period 24x7\n    check_command nsca-rs-true\n    \
             active_checks_enabled 0\n    passive_checks_enabled 1\n    \
             notifications_enabled 0\n    contacts {CONTACT}\n}}\n"
        ));
    }
    for service in ["HTTP", "Disk"] {
        objects.push_str(&format!(
            "define service {{\n    host_name web1\n    service_description {service}\n    \
             check_command nsca-rs-true\n    max_check_attempts 1\n    check_interval 5\n    \
             retry_interval 1\n    check_period 24x7\n    active_checks_enabled 0\n    \
             passive_checks_enabled 1\n    notifications_enabled 0\n    \
             notification_period 24x7\n    contacts {CONTACT}\n}}\n"
        ));
    }
    objects
}

fn start_nagios() -> Option<Nagios> {
    Nagios::start(&NagiosConfig {
        objects: objects(),
        ..NagiosConfig::default()
    })
}

/// The `hoststatus` block of `host` in `status.dat`, as its `key=value` pairs.
fn host_status(nagios: &Nagios, host: &str) -> Option<BTreeMap<String, String>> {
    let text =
        String::from_utf8_lossy(&fs::read(nagios.status_file()).unwrap_or_default()).into_owned();
    let mut block: Option<BTreeMap<String, String>> = None;
    for line in text.split('\n') {
        let trimmed = line.trim_start_matches('\t');
        match block.as_mut() {
            None if trimmed == "hoststatus {" => block = Some(BTreeMap::new()),
            None => {}
            Some(map) if trimmed == "}" => {
                if map.get("host_name").map(String::as_str) == Some(host) {
                    return block;
                }
                block = None;
            }
            Some(map) => {
                if let Some((k, v)) = trimmed.split_once('=') {
                    map.insert(k.to_owned(), v.to_owned());
                }
            }
        }
    }
    None
}

/// Waits until `host`'s status satisfies `done`.
fn wait_for_host(
    nagios: &Nagios,
    host: &str,
    done: impl Fn(&BTreeMap<String, String>) -> bool,
) -> BTreeMap<String, String> {
    let deadline = Instant::now() + WAIT;
    loop {
        let status = host_status(nagios, host);
        if let Some(s) = status.as_ref().filter(|s| done(s)) {
            return s.clone();
        }
        assert!(
            Instant::now() < deadline,
            "host {host} in status.dat: {status:?}\n{}",
            nagios.diagnostics()
        );
        thread::sleep(Duration::from_millis(50));
    }
}

fn wait_for_service(
    nagios: &Nagios,
    service: &str,
    done: impl Fn(&ServiceStatus) -> bool,
) -> ServiceStatus {
    nagios
        .wait_for_service("web1", service, WAIT, done)
        .unwrap_or_else(|last| {
            panic!(
                "web1/{service} in status.dat: {last:?}\n{}",
                nagios.diagnostics()
            )
        })
}

/// The results every test sends: a service, a service with long output and performance data,
/// and a host.
fn results(tag: &str) -> Vec<CheckResult> {
    vec![
        CheckResult::service("web1", "HTTP", 2, format!("HTTP CRITICAL - {tag}")),
        CheckResult::service(
            "web1",
            "Disk",
            1,
            format!("DISK WARNING - {tag} | root=91%;90;95\n/ 91% used\n/var 40% used"),
        ),
        CheckResult::host("db1", 1, format!("PING CRITICAL - {tag}")),
    ]
}

fn send(addr: std::net::SocketAddr, checks: &[CheckResult]) {
    let mut client = Client::connect_addrs(&[addr], &client_config()).expect("connect");
    assert_eq!(client.send_all(checks).expect("send"), checks.len() as u64);
    client.finish().expect("finish");
}

/// Checks that Nagios shows what [`results`] sent with `tag`.
fn expect_results(nagios: &Nagios, tag: &str) {
    let http = wait_for_service(nagios, "HTTP", |s| {
        s.has_been_checked && s.plugin_output == format!("HTTP CRITICAL - {tag}")
    });
    assert_eq!(http.current_state, 2);
    assert_eq!(http.fields.get("check_type").map(String::as_str), Some("1"));
    let disk = wait_for_service(nagios, "Disk", |s| {
        s.has_been_checked && s.plugin_output == format!("DISK WARNING - {tag}")
    });
    assert_eq!(disk.current_state, 1);
    assert_eq!(disk.performance_data, "root=91%;90;95");
    assert_eq!(disk.long_plugin_output, "/ 91% used\n/var 40% used");
    let host = wait_for_host(nagios, "db1", |h| {
        h.get("plugin_output") == Some(&format!("PING CRITICAL - {tag}"))
    });
    assert_eq!(host.get("current_state").map(String::as_str), Some("1"));
    assert_eq!(host.get("has_been_checked").map(String::as_str), Some("1"));
    assert_eq!(host.get("check_type").map(String::as_str), Some("1"));
}

/// Through Nagios' command pipe: every result shows in status.dat, and Nagios logged the
/// external commands as our daemon wrote them.
#[test]
fn results_through_the_command_pipe_reach_nagios() {
    let Some(nagios) = start_nagios() else {
        return;
    };
    let daemon = start(&DaemonConfig {
        command_file: Some(nagios.command_file()),
        ..config(&["metrics_address=127.0.0.1:0"])
    });
    let metrics = metrics_addr(&daemon);
    send(daemon.addr(), &results("pipe"));
    expect_results(&nagios, "pipe");
    assert!(nagios.wait_for_log(WAIT, |log| {
        log.contains("EXTERNAL COMMAND: PROCESS_SERVICE_CHECK_RESULT;web1;Disk;1;DISK WARNING - pipe | root=91%;90;95\\n/ 91% used\\n/var 40% used")
            && log.contains("EXTERNAL COMMAND: PROCESS_HOST_CHECK_RESULT;db1;1;PING CRITICAL - pipe")
    }), "{}", nagios.log());
    let body = http_get(metrics).1;
    assert_eq!(metric(&body, "nsca_lines_written_total"), Some(3), "{body}");
    assert_eq!(
        metric(&body, "nsca_checkresult_files_total"),
        Some(0),
        "{body}"
    );
}

/// Through Nagios' check_result_path: one spool file per result, reaped by Nagios into
/// status.dat; nothing goes through the pipe.
#[test]
fn results_through_check_result_path_reach_nagios() {
    let Some(nagios) = start_nagios() else {
        return;
    };
    let spool = format!("check_result_path={}", nagios.check_result_path().display());
    let daemon = start(&DaemonConfig {
        command_file: Some(nagios.command_file()),
        ..config(&[&spool, "metrics_address=127.0.0.1:0"])
    });
    let metrics = metrics_addr(&daemon);
    send(daemon.addr(), &results("spool"));
    expect_results(&nagios, "spool");
    let body = http_get(metrics).1;
    assert_eq!(
        metric(&body, "nsca_checkresult_files_total"),
        Some(3),
        "{body}"
    );
    assert_eq!(metric(&body, "nsca_lines_written_total"), Some(0), "{body}");
    assert!(
        !nagios.log().contains("EXTERNAL COMMAND: PROCESS_"),
        "{}",
        nagios.log()
    );
    // Nagios reaped (and removed) the files.
    wait_until(
        WAIT,
        || {
            fs::read_dir(nagios.check_result_path())
                .map(|d| d.count() == 0)
                .unwrap_or(false)
                .then_some(())
        },
        || "check-result files left in the spool".to_owned(),
    );
}

/// Nagios restarts: while it is down (its pipe gone) the results wait in the daemon, neither
/// dropped nor dumped; a new Nagios comes up on the same command-file path and gets them all.
///
/// The fixture gives each Nagios its own directory, so the daemon's `command_file` is a
/// symbolic link that is moved from the first Nagios' pipe to the second's: to the daemon that
/// path vanishes when the first Nagios removes its pipe and comes back as a new pipe with a
/// reader, as with one Nagios restarted in place.
#[test]
fn results_sent_while_nagios_restarts_wait_and_arrive() {
    let Some(first) = start_nagios() else {
        return;
    };
    let links = TempDir::new("nagios-link").expect("temp dir");
    let link = links.path().join("nagios.cmd");
    symlink(first.command_file(), &link).expect("symlink");
    let daemon = start(&DaemonConfig {
        command_file: Some(link.clone()),
        ..config(&["metrics_address=127.0.0.1:0"])
    });
    let metrics = metrics_addr(&daemon);
    send(
        daemon.addr(),
        &[CheckResult::service("web1", "HTTP", 0, "HTTP OK - before")],
    );
    wait_for_service(&first, "HTTP", |s| s.plugin_output == "HTTP OK - before");

    drop(first);
    send(daemon.addr(), &results("restart"));
    wait_metric(metrics, "nsca_queued", WAIT, |q| q == 3);
    wait_log(&daemon, WAIT, |l| {
        l.contains("warning: cannot write to the command file now:")
    });

    let Some(second) = start_nagios() else {
        return;
    };
    // The results still wait while the link leads to the old Nagios' pipe.
    let body = http_get(metrics).1;
    assert_eq!(metric(&body, "nsca_queued"), Some(3), "{body}");
    let tmp = links.path().join("nagios.cmd.new");
    symlink(second.command_file(), &tmp).expect("symlink");
    fs::rename(&tmp, &link).expect("move the link");

    expect_results(&second, "restart");
    let body = http_get(metrics).1;
    assert_eq!(metric(&body, "nsca_lines_written_total"), Some(4), "{body}");
    assert_eq!(metric(&body, "nsca_dumped_total"), Some(0), "{body}");
    assert_eq!(metric(&body, "nsca_queued"), Some(0), "{body}");
    assert!(file_lines(&daemon.dump_file()).is_empty());
    let log = daemon.log();
    assert!(
        log.contains("notice: command file writable again after"),
        "{log}"
    );
    // The new Nagios never saw the result sent before the restart.
    assert!(
        !second.log().contains("HTTP OK - before"),
        "{}",
        second.log()
    );
}
