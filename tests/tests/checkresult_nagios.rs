//! `nsca::checkresult` and `nsca::plugin_output` against the real programs: the NSCA 2.10.2
//! daemon writes the same check-result files as `render` (with `check_result_path` set), and
//! Nagios Core 4 reads rendered files into the states, outputs, long outputs and performance
//! data that `plugin_output::split` predicts, and skips a file dated in its future.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use nsca::blocking::{Client, ClientConfig};
use nsca::checkresult::{parse, render, sanitize};
use nsca::plugin_output::{perfdata_items, split};
use nsca::{CheckResult, EncryptionMethod};
use nsca_tests::nagios::{CONTACT, Nagios, NagiosConfig, unescape};
use nsca_tests::{Daemon, DaemonConfig, TempDir};

const WAIT: Duration = Duration::from_secs(20);

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The check-result files in `dir` that have their `.ok` file.
fn finished_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .expect("read spool dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
            name.is_some_and(|n| n.len() == 7 && n.starts_with('c'))
                && p.with_extension("ok").exists()
        })
        .collect();
    files.sort();
    files
}

/// Digits as `9`, letters as `a`: the shape of a `ctime()` line, whatever the time zone.
fn shape(line: &[u8]) -> Vec<u8> {
    line.iter()
        .map(|&b| match b {
            b'0'..=b'9' => b'9',
            b'a'..=b'z' | b'A'..=b'Z' => b'a',
            _ => b,
        })
        .collect()
}

#[test]
fn c_daemon_writes_what_render_writes() {
    let spool = TempDir::new("spool").expect("temp dir");
    let Some(daemon) = Daemon::start(&DaemonConfig {
        extra: vec![format!("check_result_path={}", spool.path().display())],
        ..DaemonConfig::new(1, "spool secret")
    }) else {
        return;
    };
    let checks = [
        CheckResult::service(
            "web1",
            "HTTP",
            2,
            "HTTP CRITICAL - down | time=5s\nsince 10:00 C:\\tmp\r;x\\n",
        ),
        CheckResult::host("db1", 1, "PING CRITICAL"),
        // The daemon cuts the service at its line feed, to nothing: a host check.
        CheckResult::service("h\nINJECT", "\nsvc", -1, "back\\slash\\"),
        CheckResult::service("web1", "Disk /", 3, ""),
    ];
    let config = ClientConfig {
        method: EncryptionMethod::Xor,
        password: "spool secret".into(),
        ..ClientConfig::default()
    };
    let before = now();
    let mut client = Client::connect_addrs(&[daemon.addr()], &config).unwrap();
    assert_eq!(client.send_all(&checks).unwrap(), checks.len() as u64);
    client.finish().unwrap();

    let deadline = Instant::now() + WAIT;
    let mut files = finished_files(spool.path());
    while files.len() < checks.len() && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(20));
        files = finished_files(spool.path());
    }
    assert_eq!(files.len(), checks.len(), "{files:?}");
    assert!(
        daemon.lines().is_empty(),
        "nothing goes to the command file"
    );

    let mut written: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
    for path in &files {
        let c_bytes = fs::read(path).unwrap();
        assert_eq!(fs::read(path.with_extension("ok")).unwrap(), b"");
        let read = parse(&c_bytes).unwrap_or_else(|e| {
            panic!("{e}:\n{}", String::from_utf8_lossy(&c_bytes));
        });
        let start = read.start_time.seconds;
        assert!(start >= before && start <= now(), "{start}");
        assert!(
            read.file_time == start || read.file_time == start + 1,
            "{read:?}"
        );
        // Same bytes as ours at the same time, but for the comment's time zone (C: local).
        let ours = render(&read.check, start);
        let c_lines: Vec<&[u8]> = c_bytes.split(|&b| b == b'\n').collect();
        let our_lines: Vec<&[u8]> = ours.split(|&b| b == b'\n').collect();
        assert_eq!(c_lines.len(), our_lines.len());
        for (i, (c, o)) in c_lines.iter().zip(&our_lines).enumerate() {
            match i {
                1 => assert_eq!(shape(c), shape(o)),
                2 => assert_eq!(*c, format!("file_time={}", read.file_time).as_bytes()),
                _ => assert_eq!(
                    String::from_utf8_lossy(c),
                    String::from_utf8_lossy(o),
                    "line {}",
                    i + 1
                ),
            }
        }
        written.insert(read.check.host_name().to_vec(), c_bytes);
        assert!(checks.iter().any(|c| sanitize(c) == read.check), "{read:?}");
    }
    // Every check made it, the cut service as a host check.
    let cut = &written[&b"h"[..]];
    let header = b"\n### Host Check Result ###\nhost_name=h\ncheck_type=1\n";
    assert!(cut.windows(header.len()).any(|w| w == header));
    assert!(cut.ends_with(b"return_code=-1\noutput=back\\\\slash\\\\\n\n"));
}

/// Nagios objects: hosts `nsca-rs-host` and `web1`, and passive services on `web1`.
fn objects(services: &[String]) -> String {
    let mut objects = String::from(
        "define command {\n    command_name nsca-rs-true\n    command_line /bin/true\n}\n",
    );
    for host in ["nsca-rs-host", "web1"] {
        objects.push_str(&format!(
            "define host {{\n    host_name {host}\n    address 127.0.0.1\n    \
             max_check_attempts 1\n    check_period 24x7\n    check_command nsca-rs-true\n    \
             active_checks_enabled 0\n    passive_checks_enabled 1\n    \
             notifications_enabled 0\n    contacts {CONTACT}\n}}\n"
        ));
    }
    for service in services {
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

/// The `hoststatus` or `servicestatus` blocks of `status.dat`, each as its `key=value` pairs.
/// Lines end at LF only (a value may end in a CR).
fn status_blocks(nagios: &Nagios, kind: &str) -> Vec<BTreeMap<String, String>> {
    let text =
        String::from_utf8_lossy(&fs::read(nagios.status_file()).unwrap_or_default()).into_owned();
    let mut blocks = Vec::new();
    let mut block: Option<BTreeMap<String, String>> = None;
    for line in text.split('\n') {
        let trimmed = line.trim_start_matches('\t');
        match block.as_mut() {
            None if trimmed == format!("{kind} {{") => block = Some(BTreeMap::new()),
            None => {}
            Some(_) if trimmed == "}" => blocks.extend(block.take()),
            Some(map) => {
                if let Some((k, v)) = trimmed.split_once('=') {
                    map.insert(k.to_owned(), v.to_owned());
                }
            }
        }
    }
    blocks
}

/// The `created=` time of the current `status.dat`.
fn status_created(nagios: &Nagios) -> u64 {
    status_blocks(nagios, "info")
        .first()
        .and_then(|b| b.get("created")?.parse().ok())
        .unwrap_or(0)
}

fn service_status(nagios: &Nagios, service: &str) -> Option<BTreeMap<String, String>> {
    status_blocks(nagios, "servicestatus")
        .into_iter()
        .find(|b| b.get("service_description").map(String::as_str) == Some(service))
}

/// Plugin outputs whose split Nagios must agree with (the cases of nsca/tests/plugin_output.rs).
const OUTPUTS: &[&[u8]] = &[
    b"PING OK - Packet loss = 0%, RTA = 0.80 ms",
    b"OK - load average: 0.05, 0.03, 0.00|load1=0.050;5;10;0 load5=0.030;4;6;0",
    b"OK | a=1\nlong text\nmore",
    b"DISK OK\n/ 15272 MB\n/boot 68 MB | /boot=68MB;88;93\n/home=69357MB\n",
    b"OK\nfirst\n|x=1\nmore text",
    b"DISK OK - free space: / 3326 MB (56%); | /=2643MB;5948;5958;0;5968\n/ 15272 MB (77%);\n\
/boot 68 MB (69%);\n/var/log 819 MB (84%); | /boot=68MB;88;93;0;98\n\
/home=69357MB;253404;253409;0;253414\n/var/log=818MB;970;975;0;980\n",
    b"DISK WARNING | 'disk /var'=81%;80;90 'it''s  here'=1 plain=2 'C:\\ Label'=5",
    b"",
    b"\n",
    b"  \t ",
    b"|",
    b"| a=1",
    b"\nsecond",
    b"OK\n\nb\n\n",
    b"OK |",
    b"OK\nlong |\nx=1",
    b" \t OK - fine   \t| a=1  \n  long line  \n",
    b"OK | a=1\r\nline two\r\nline three\r\n",
    "Température OK – 21 °C | 'température salle'=21°C;25;30\nségment ✓".as_bytes(),
    b"caf\xe9 OK | t\xff=1\nl\xc3",
    b"OK | a=1 | b=2\nlong | c=3|d=4\nmore | e=5",
    b"OK - C:\\new\\nsecond | a=1\\nb=2",
    b"OK | a=1\0\nhidden | b=2",
];

fn write_result(dir: &Path, name: &str, file: &[u8]) {
    let path = dir.join(name);
    fs::write(&path, file).unwrap();
    fs::write(path.with_extension("ok"), b"").unwrap();
}

#[test]
fn nagios_reads_rendered_files() {
    let mut services: Vec<String> = (0..OUTPUTS.len()).map(|i| format!("split-{i}")).collect();
    services.extend(["HTTP".to_owned(), "future".to_owned()]);
    let Some(nagios) = Nagios::start(&NagiosConfig {
        objects: objects(&services),
        ..NagiosConfig::default()
    }) else {
        return;
    };
    let spool = nagios.check_result_path();
    let t = now();

    // A file dated one hour ahead of Nagios' clock: deleted unread.
    let future = CheckResult::service("web1", "future", 2, "from the future");
    let mut file = render(&future, t + 3600);
    let text = String::from_utf8(file.clone()).unwrap();
    file = text
        .replace(
            &format!("start_time={}", t + 3600),
            &format!("start_time={t}"),
        )
        .replace(
            &format!("finish_time={}", t + 3600),
            &format!("finish_time={t}"),
        )
        .into_bytes();
    write_result(&spool, "cfuture", &file);

    let service = CheckResult::service(
        "web1",
        "HTTP",
        2,
        "HTTP CRITICAL - down | time=5.0s\nsince 10:00 C:\\tmp\nback\\nslash",
    );
    write_result(&spool, "cservic", &render(&service, t));
    let host = CheckResult::host("nsca-rs-host", 1, "PING CRITICAL - Packet loss = 100%");
    write_result(&spool, "chost00", &render(&host, t));
    for (i, output) in OUTPUTS.iter().enumerate() {
        let check = CheckResult::service("web1", format!("split-{i}"), 0, *output);
        write_result(&spool, &format!("c{i:06}"), &render(&check, t));
    }

    // The service.
    let deadline = Instant::now() + WAIT;
    let http = loop {
        let status = service_status(&nagios, "HTTP");
        if status
            .as_ref()
            .is_some_and(|s| s["has_been_checked"] == "1")
            || Instant::now() > deadline
        {
            break status;
        }
        thread::sleep(Duration::from_millis(50));
    };
    let http = http.unwrap_or_else(|| panic!("no HTTP status\n{}", nagios.diagnostics()));
    assert_eq!(http["has_been_checked"], "1", "{}", nagios.diagnostics());
    assert_eq!(http["current_state"], "2");
    assert_eq!(http["state_type"], "1", "hard");
    assert_eq!(http["check_type"], "1", "passive");
    assert_eq!(http["last_check"], t.to_string());
    assert_eq!(http["plugin_output"], "HTTP CRITICAL - down");
    assert_eq!(
        unescape(&http["long_plugin_output"]),
        "since 10:00 C:\\tmp\nback\\nslash"
    );
    assert_eq!(http["performance_data"], "time=5.0s");

    // The host.
    let deadline = Instant::now() + WAIT;
    let host_status = loop {
        let status = status_blocks(&nagios, "hoststatus")
            .into_iter()
            .find(|b| b.get("host_name").map(String::as_str) == Some("nsca-rs-host"));
        if status
            .as_ref()
            .is_some_and(|s| s["has_been_checked"] == "1")
            || Instant::now() > deadline
        {
            break status;
        }
        thread::sleep(Duration::from_millis(50));
    };
    let host_status = host_status.expect("nsca-rs-host in status.dat");
    assert_eq!(
        host_status["has_been_checked"],
        "1",
        "{}",
        nagios.diagnostics()
    );
    assert_eq!(host_status["current_state"], "1", "DOWN");
    assert_eq!(host_status["last_check"], t.to_string());
    assert_eq!(
        host_status["plugin_output"],
        "PING CRITICAL - Packet loss = 100%"
    );

    // Every split, as Nagios makes it.
    for (i, output) in OUTPUTS.iter().enumerate() {
        let name = format!("split-{i}");
        let deadline = Instant::now() + WAIT;
        let status = loop {
            let status = service_status(&nagios, &name);
            if status
                .as_ref()
                .is_some_and(|s| s["has_been_checked"] == "1")
                || Instant::now() > deadline
            {
                break status;
            }
            thread::sleep(Duration::from_millis(50));
        };
        let status = status.expect("service in status.dat");
        let shown = String::from_utf8_lossy(output);
        assert_eq!(
            status["has_been_checked"],
            "1",
            "{shown:?}\n{}",
            nagios.diagnostics()
        );
        let parts = split(output);
        // Nagios shows an output whose first line is empty as this text, and turns `;` into
        // `:`; otherwise its output is ours.
        let first_line_empty = output.split(|&b| b == b'\n' || b == 0).next() == Some(&[][..]);
        let expected_output = if first_line_empty {
            "(No output returned from plugin)".to_owned()
        } else {
            parts.output.replace(';', ":")
        };
        assert_eq!(status["plugin_output"], expected_output, "{shown:?}");
        assert_eq!(
            unescape(&status["long_plugin_output"]),
            parts.long_output,
            "{shown:?}"
        );
        assert_eq!(
            perfdata_items(&status["performance_data"]),
            parts.perfdata,
            "{shown:?}"
        );
    }

    // The future file is gone, unread: the service was never checked, even in a status.dat
    // written after the file went away.
    let deadline = Instant::now() + WAIT;
    while spool.join("cfuture").exists() && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(50));
    }
    assert!(!spool.join("cfuture").exists(), "{}", nagios.diagnostics());
    let gone = now();
    let deadline = Instant::now() + WAIT;
    while status_created(&nagios) <= gone && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(50));
    }
    assert!(status_created(&nagios) > gone);
    let future_status = service_status(&nagios, "future").expect("future in status.dat");
    assert_eq!(future_status["has_been_checked"], "0");
    assert_eq!(finished_files(&spool), Vec::<PathBuf>::new());
}
