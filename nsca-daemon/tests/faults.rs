//! Fault injection against the `nsca` daemon of this workspace: a command pipe without a reader,
//! a full queue, reloads and stops under load, many and idle connections, refused peers, a
//! missing command file, bad configs, replayed packets, inetd mode, metrics, pid file and
//! detaching.
//!
//! Every result a test sends is numbered (`seq C-I`: connection C, result I), and each test
//! compares the exact multiset of command lines written (plus those dumped) with what was sent:
//! nothing lost, nothing duplicated. Every wait polls a condition with a deadline. The tests
//! that load the machine take [`common::heavy`], so they run one at a time.

mod common;

use std::fs;
use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use common::*;
use nsca::blocking::Client;
use nsca::{CheckResult, EncryptionMethod, InitPacket};
use nsca_tests::{DaemonConfig, TempDir, free_port, ipv6_available};

const V4: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// A FIFO in a fresh temp dir (kept alive by the returned dir).
fn fifo() -> (TempDir, std::path::PathBuf) {
    let dir = TempDir::new("fifo").expect("temp dir");
    let path = dir.path().join("nagios.cmd");
    mkfifo(&path);
    (dir, path)
}

/// The number in `N result(s) written to the alternate dump file ... (reason)` lines whose
/// reason contains `reason`, summed.
fn dumped_per_log(log: &str, reason: &str) -> usize {
    log.lines()
        .filter(|l| {
            l.contains("result(s) written to the alternate dump file") && l.contains(reason)
        })
        .map(|l| {
            let after = l.split(": warning: ").nth(1).unwrap_or(l);
            after
                .split_whitespace()
                .next()
                .and_then(|n| n.parse::<usize>().ok())
                .unwrap_or_else(|| panic!("no count in {l:?}"))
        })
        .sum()
}

/// The command pipe has no reader for 5 s while 1,000 results arrive on 5 connections; then a
/// reader appears and reads all 1,000, in order per connection, each exactly once.
#[test]
fn pipe_without_reader_for_5_s_then_all_1000_results_written_once() {
    let _heavy = heavy();
    let (_dir, fifo) = fifo();
    let daemon = start(&DaemonConfig {
        command_file: Some(fifo.clone()),
        ..config(&["metrics_address=127.0.0.1:0"])
    });
    let metrics = metrics_addr(&daemon);
    let addr = daemon.addr();
    let outage_start = Instant::now();
    let senders: Vec<_> = (0..5)
        .map(|c| thread::spawn(move || send_seq(addr, c, 0..200)))
        .collect();
    for sender in senders {
        assert_eq!(sender.join().expect("sender"), 200);
    }
    // All 1,000 are held by the daemon; none was dumped.
    wait_metric(metrics, "nsca_queued", Duration::from_secs(30), |q| {
        q == 1000
    });
    let all_queued = Instant::now();
    assert!(file_lines(&daemon.dump_file()).is_empty());
    let log = daemon.log();
    assert_eq!(
        count(
            &log,
            "warning: cannot write to the command file now: no process is reading the command pipe;"
        ),
        1,
        "{log}"
    );

    // The outage lasts 5 s on purpose: it is the scenario, not a wait for a condition.
    while outage_start.elapsed() < Duration::from_secs(5) {
        thread::sleep(Duration::from_millis(20));
    }
    let reader = FifoReader::open(&fifo);
    let opened = Instant::now();
    reader.wait_for_commands(1000, Duration::from_secs(30));
    // A last result sent after all 1,000 were queued comes out last: nothing was still held
    // back (a duplicate, say) behind it.
    send_one(addr, &seq_check(99, 0));
    let got = reader.wait_for_commands(1001, Duration::from_secs(10));
    assert_eq!(got.len(), 1001, "{:?}", &got[1000..]);
    assert_eq!(got[1000], seq_command(99, 0));
    assert_same_multiset(&got[..1000], &seq_commands(0..5, 200), "the command pipe");
    assert_in_order_per_connection(&got);

    let log = wait_log(&daemon, Duration::from_secs(5), |l| {
        l.contains("command file writable again after")
    });
    let again: Vec<&str> = log
        .lines()
        .filter(|l| {
            l.contains("notice: command file writable again after ")
                && l.ends_with("s (no process is reading the command pipe)")
        })
        .collect();
    assert_eq!(again.len(), 1, "{log}");
    let secs: f64 = again[0]
        .split("writable again after ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|s| s.parse().ok())
        .expect("seconds in the log line");
    let at_least = opened.duration_since(all_queued).as_secs_f64() - 0.1;
    assert!(secs >= at_least, "{secs} s < {at_least} s: {}", again[0]);
    let body = http_get(metrics).1;
    assert_eq!(
        metric(&body, "nsca_lines_written_total"),
        Some(1001),
        "{body}"
    );
    assert_eq!(metric(&body, "nsca_dumped_total"), Some(0), "{body}");
    assert_eq!(metric(&body, "nsca_lost_total"), Some(0), "{body}");
}

/// max_queued_results=10 and no reader: the daemon holds only a few results and stops reading
/// the 5 connections (500 results), so no client finishes before the reader appears; then all
/// 500 are written, once each, in order per connection.
#[test]
fn full_queue_slows_clients_down_and_drops_nothing() {
    let _heavy = heavy();
    let (_dir, fifo) = fifo();
    let daemon = start(&DaemonConfig {
        command_file: Some(fifo.clone()),
        ..config(&["metrics_address=127.0.0.1:0", "max_queued_results=10"])
    });
    let metrics = metrics_addr(&daemon);
    let addr = daemon.addr();
    let written = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let clients: Vec<_> = (0..5)
        .map(|c| {
            let written = Arc::clone(&written);
            thread::spawn(move || {
                let mut client = RawClient::xor(addr);
                let checks: Vec<CheckResult> = (0..100).map(|i| seq_check(c, i)).collect();
                client.send(&checks).expect("send");
                written.fetch_add(1, Ordering::SeqCst);
                client.finish_and_wait_close().expect("the daemon closes")
            })
        })
        .collect();

    // While there is no reader, the daemon's queue stays small however long it runs: it does
    // not read more from the clients than it can hold. (The bound allows the channel, the
    // batch the writer holds, and one result in hand per connection.)
    let bound = 2 * 10 + 5;
    wait_metric(metrics, "nsca_queued", Duration::from_secs(20), |q| q >= 10);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let body = http_get(metrics).1;
        let queued = metric(&body, "nsca_queued").expect("queued");
        let retries = metric(&body, "nsca_retries_total").expect("retries");
        assert!(
            queued <= bound,
            "{queued} results queued with max_queued_results=10:\n{body}"
        );
        let writers_done = written.load(Ordering::SeqCst) == 5;
        if retries >= 10 && (writers_done || started.elapsed() > Duration::from_secs(3)) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the daemon does not retry:\n{body}"
        );
        thread::sleep(Duration::from_millis(20));
    }
    assert!(
        clients.iter().all(|c| !c.is_finished()),
        "a client finished before the command pipe had a reader"
    );

    let reader = FifoReader::open(&fifo);
    let opened = Instant::now();
    reader.wait_for_commands(500, Duration::from_secs(30));
    for client in clients {
        let closed = client.join().expect("client");
        assert!(
            closed > opened,
            "a connection ended before the reader appeared"
        );
    }
    send_one(addr, &seq_check(99, 0));
    let got = reader.wait_for_commands(501, Duration::from_secs(10));
    assert_eq!(got.len(), 501);
    assert_eq!(got[500], seq_command(99, 0));
    assert_same_multiset(&got[..500], &seq_commands(0..5, 100), "the command pipe");
    assert_in_order_per_connection(&got);
    assert!(file_lines(&daemon.dump_file()).is_empty());
}

/// Sets the flag when dropped, so that senders stop even when the test fails.
struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Senders that keep connecting and sending until told to stop; each returns the connection
/// numbers it completed (10 results each, numbered from `first`).
fn continuous_senders(
    threads: usize,
    addr: &Arc<Mutex<SocketAddr>>,
    stop: &Arc<AtomicBool>,
    per: usize,
) -> Vec<thread::JoinHandle<Vec<usize>>> {
    (0..threads)
        .map(|t| {
            let addr = Arc::clone(addr);
            let stop = Arc::clone(stop);
            thread::spawn(move || {
                let mut done = Vec::new();
                let mut conn = t * 100_000;
                while !stop.load(Ordering::SeqCst) {
                    let target = *addr.lock().unwrap_or_else(PoisonError::into_inner);
                    // A connection the daemon never accepted (the old port closing) gets no
                    // init packet: nothing was sent, try again. Once accepted, it must work.
                    let Ok(mut client) = Client::connect_addrs(&[target], &client_config()) else {
                        thread::sleep(Duration::from_millis(10));
                        continue;
                    };
                    let checks: Vec<CheckResult> = (0..per).map(|i| seq_check(conn, i)).collect();
                    client
                        .send_all(&checks)
                        .unwrap_or_else(|e| panic!("connection {conn} to {target}: {e}"));
                    client.finish().expect("finish");
                    done.push(conn);
                    conn += 1;
                }
                done
            })
        })
        .collect()
}

/// SIGHUP while clients send all the time: debug is switched off and on again six times, and a
/// config with an error is refused; every result is written once, and the debug setting takes
/// effect.
#[test]
fn sighup_under_load_toggling_debug_loses_nothing() {
    let _heavy = heavy();
    let daemon = start(&config(&[]));
    let addr = Arc::new(Mutex::new(daemon.addr()));
    let stop = Arc::new(AtomicBool::new(false));
    let _stop_on_drop = StopOnDrop(Arc::clone(&stop));
    let senders = continuous_senders(3, &addr, &stop, 10);

    let mut reloads = 0;
    for round in 0..6 {
        // Results flow between reloads.
        let before = daemon.lines().len();
        daemon.wait_for_lines(before + 20, Duration::from_secs(20));
        let debug = if round % 2 == 0 { "0" } else { "1" };
        edit_config(&daemon, |l| set_key(l, "debug", debug));
        reloads += 1;
        reload(&daemon, reloads);
    }
    // A config with an error: refused, the running one stays.
    edit_config(&daemon, |mut l| {
        l.push("bogus_option=1".to_owned());
        l
    });
    let lines_in_file = fs::read_to_string(daemon.config_file())
        .expect("cfg")
        .lines()
        .count();
    daemon.signal("HUP");
    let log = wait_log(&daemon, Duration::from_secs(10), |l| {
        l.contains("reload refused")
    });
    let refused = format!(
        "error: reload refused, the running configuration stays: {}, line {lines_in_file}: \
         unknown option `bogus_option`",
        daemon.config_file().display()
    );
    assert!(log.contains(&refused), "{refused}\n{log}");
    let before = daemon.lines().len();
    daemon.wait_for_lines(before + 20, Duration::from_secs(20));

    stop.store(true, Ordering::SeqCst);
    let mut expected = Vec::new();
    for sender in senders {
        for conn in sender.join().expect("sender") {
            expected.extend((0..10).map(|i| seq_command(conn, i)));
        }
    }
    let got = daemon.wait_for_commands(expected.len(), Duration::from_secs(30));
    assert_same_multiset(&got, &expected, "the command file");
    assert_in_order_per_connection(&got);

    // The debug setting follows the reloads (the last good one set debug=1; switch it off).
    edit_config(&daemon, |l| {
        let mut l = set_key(l, "debug", "0");
        l.retain(|x| !x.starts_with("bogus_option"));
        l
    });
    reloads += 1;
    reload(&daemon, reloads);
    let n = expected.len();
    send_one(daemon.addr(), &seq_check(900_000, 0));
    daemon.wait_for_lines(n + 1, Duration::from_secs(10));
    assert!(
        !daemon.log().contains("output 'seq 900000-0'"),
        "debug is off"
    );
    edit_config(&daemon, |l| set_key(l, "debug", "1"));
    reloads += 1;
    reload(&daemon, reloads);
    send_one(daemon.addr(), &seq_check(900_001, 0));
    daemon.wait_for_lines(n + 2, Duration::from_secs(10));
    assert!(
        daemon.log().contains(
            "debug: service result from 127.0.0.1: host 'host900001', service 'seq', code 0, \
             output 'seq 900001-0'"
        ),
        "debug is on again:\n{}",
        daemon.log()
    );
    assert!(file_lines(&daemon.dump_file()).is_empty());
}

/// SIGHUP with a new server_port while clients send: the daemon listens on the new port, the
/// old one stops accepting, a connection opened before the reload is still served to its end,
/// and every result of every accepted connection is written once.
#[test]
fn sighup_moving_the_port_under_load_loses_nothing() {
    let _heavy = heavy();
    let daemon = start(&config(&[]));
    let old = daemon.addr();
    let target = Arc::new(Mutex::new(old));
    let stop = Arc::new(AtomicBool::new(false));
    let _stop_on_drop = StopOnDrop(Arc::clone(&stop));

    let mut long = RawClient::xor(old);
    long.send(&[seq_check(500_000, 0), seq_check(500_000, 1)])
        .expect("send");
    let senders = continuous_senders(3, &target, &stop, 5);
    daemon.wait_for_lines(30, Duration::from_secs(20));

    let new = SocketAddr::new(V4, free_port(V4));
    edit_config(&daemon, |l| {
        set_key(l, "server_port", &new.port().to_string())
    });
    let log = reload(&daemon, 1);
    assert!(
        log.contains(&format!("notice: now listening on {new}")),
        "{log}"
    );
    *target.lock().unwrap_or_else(PoisonError::into_inner) = new;
    // The old port stops accepting.
    wait_until(
        Duration::from_secs(10),
        || {
            TcpStream::connect_timeout(&old, Duration::from_millis(500))
                .is_err()
                .then_some(())
        },
        || format!("{old} still accepts connections"),
    );
    // The connection opened before the reload goes on.
    long.send(&[seq_check(500_000, 2)])
        .expect("send after reload");
    long.finish_and_wait_close().expect("served to its end");
    // New connections reach the new port.
    assert_eq!(send_seq(new, 500_001, 0..3), 3);
    let before = daemon.lines().len();
    daemon.wait_for_lines(before + 30, Duration::from_secs(20));

    stop.store(true, Ordering::SeqCst);
    let mut expected = seq_commands(500_000..500_002, 3);
    for sender in senders {
        for conn in sender.join().expect("sender") {
            expected.extend((0..5).map(|i| seq_command(conn, i)));
        }
    }
    let got = daemon.wait_for_commands(expected.len(), Duration::from_secs(30));
    assert_same_multiset(&got, &expected, "the command file");
    assert_in_order_per_connection(&got);
    assert!(TcpStream::connect_timeout(&old, Duration::from_millis(500)).is_err());
}

/// SIGHUP while Nagios is restarting (its pipe removed): the results that wait must still
/// wait for the pipe to come back, not go to the dump file because the reload forgot that the
/// pipe existed.
#[test]
fn sighup_while_the_pipe_is_gone_keeps_results_waiting() {
    let (_dir, fifo) = fifo();
    let daemon = start(&DaemonConfig {
        command_file: Some(fifo.clone()),
        ..config(&["metrics_address=127.0.0.1:0"])
    });
    let metrics = metrics_addr(&daemon);
    let reader = FifoReader::open(&fifo);
    send_one(daemon.addr(), &seq_check(0, 0));
    assert_eq!(
        reader.wait_for_commands(1, Duration::from_secs(10)),
        [seq_command(0, 0)]
    );
    // Nagios stops: no reader, and the pipe is removed.
    drop(reader);
    fs::remove_file(&fifo).expect("remove the pipe");
    send_seq(daemon.addr(), 1, 0..3);
    wait_log(&daemon, Duration::from_secs(10), |l| {
        l.contains("cannot write to the command file now")
    });
    reload(&daemon, 1);
    // The writer takes the new configuration and tries the missing pipe again before the pipe
    // comes back (two more retries: at least one whole round after the reload), unless it
    // dumps at once.
    let retries = metric(&http_get(metrics).1, "nsca_retries_total").expect("retries");
    wait_until(
        Duration::from_secs(10),
        || {
            let body = http_get(metrics).1;
            (metric(&body, "nsca_retries_total") >= Some(retries + 2)
                || metric(&body, "nsca_dumped_total") > Some(0))
            .then_some(())
        },
        || http_get(metrics).1,
    );
    // Nagios is back.
    mkfifo(&fifo);
    let reader = FifoReader::open(&fifo);
    send_one(daemon.addr(), &seq_check(2, 0));
    let sentinel = seq_command(2, 0);
    wait_until(
        Duration::from_secs(10),
        || commands(&reader.lines()).contains(&sentinel).then_some(()),
        || format!("{sentinel} not read: {:?}", reader.lines()),
    );
    let dumped = commands(&file_lines(&daemon.dump_file()));
    assert!(dumped.is_empty(), "dumped instead of waiting: {dumped:?}");
    let got = commands(&reader.lines());
    assert_eq!(
        got,
        [
            seq_command(1, 0),
            seq_command(1, 1),
            seq_command(1, 2),
            seq_command(2, 0)
        ]
    );
}

/// SIGTERM with results queued (no reader on the pipe, shutdown_timeout=2): the daemon exits 0
/// after about 2 s, and every queued result is in alternate_dump_file as a command-file line;
/// the log says how many.
#[test]
fn sigterm_dumps_what_is_queued_after_shutdown_timeout() {
    let (_dir, fifo) = fifo();
    let mut daemon = start(&DaemonConfig {
        command_file: Some(fifo),
        ..config(&["shutdown_timeout=2"])
    });
    let addr = daemon.addr();
    send_seq(addr, 0, 0..25);
    send_seq(addr, 1, 0..25);
    // debug=1 logs each result as the writer takes it.
    wait_log(&daemon, Duration::from_secs(20), |l| {
        count(l, "debug: service result from 127.0.0.1") == 50
    });
    let asked = Instant::now();
    daemon.signal("TERM");
    let status = daemon
        .wait_exit(Duration::from_secs(15))
        .expect("the daemon stops");
    let took = asked.elapsed();
    assert_eq!(status.code(), Some(0), "{}", daemon.log());
    assert!(
        took >= Duration::from_millis(1900) && took < Duration::from_secs(6),
        "stopped after {took:?} with shutdown_timeout=2"
    );
    let dumped = file_lines(&daemon.dump_file());
    assert_same_multiset(&commands(&dumped), &seq_commands(0..2, 25), "the dump file");
    let log = daemon.log();
    let dump = daemon.dump_file();
    assert_eq!(
        dumped_per_log(&log, "(the daemon is stopping)"),
        50,
        "{log}"
    );
    assert!(
        log.contains(&format!(
            "result(s) written to the alternate dump file {} (the daemon is stopping)",
            dump.display()
        )),
        "{log}"
    );
    assert!(log.contains(" dumped=50 lost=0"), "{log}");
}

/// 1,000 connections open at once, one result each: all 1,000 written, once each.
#[test]
fn thousand_concurrent_connections_all_written_once() {
    let _heavy = heavy();
    ensure_fd_limit(4096);
    let daemon = start(&config(&[]));
    let addr = daemon.addr();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let errors: Vec<String> = runtime.block_on(async move {
        let barrier = Arc::new(tokio::sync::Barrier::new(1000));
        let tasks: Vec<_> = (0..1000)
            .map(|c| {
                let barrier = Arc::clone(&barrier);
                tokio::spawn(async move {
                    let client =
                        nsca::tokio::Client::connect_addrs(&[addr], &client_config()).await;
                    // All 1,000 are connected before any sends.
                    barrier.wait().await;
                    let mut client = client.map_err(|e| format!("connection {c}: {e}"))?;
                    client
                        .send(&seq_check(c, 0))
                        .await
                        .map_err(|e| format!("connection {c}: {e}"))?;
                    client
                        .finish()
                        .await
                        .map_err(|e| format!("connection {c}: {e}"))?;
                    Ok::<(), String>(())
                })
            })
            .collect();
        let mut errors = Vec::new();
        let all = async {
            for task in tasks {
                match task.await {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => errors.push(e),
                    Err(e) => errors.push(e.to_string()),
                }
            }
        };
        tokio::time::timeout(Duration::from_secs(90), all)
            .await
            .expect("1,000 clients within 90 s");
        errors
    });
    assert!(
        errors.is_empty(),
        "{} failed: {:?}",
        errors.len(),
        &errors[..errors.len().min(5)]
    );
    let got = daemon.wait_for_commands(1000, Duration::from_secs(60));
    assert_same_multiset(&got, &seq_commands(0..1000, 1), "the command file");
}

/// Whether the daemon still holds `stream` open (reading past the init packet).
fn still_open(stream: &mut TcpStream) -> bool {
    stream.set_nonblocking(true).expect("nonblocking");
    let mut buf = [0u8; 512];
    let open = loop {
        match stream.read(&mut buf) {
            Ok(0) => break false,
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break true,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => break false,
        }
    };
    stream.set_nonblocking(false).expect("blocking");
    open
}

/// 200 connections that send nothing, with connection_timeout=2: a normal client is served
/// while they are open, and each is closed at its deadline (2 s of silence).
#[test]
fn silent_connections_are_closed_at_connection_timeout_others_are_served() {
    let _heavy = heavy();
    let daemon = start(&config(&["connection_timeout=2"]));
    let addr = daemon.addr();
    let mut idle: Vec<(TcpStream, Instant)> = (0..200)
        .map(|_| {
            let stream =
                TcpStream::connect_timeout(&addr, Duration::from_secs(5)).expect("connect");
            (stream, Instant::now())
        })
        .collect();
    send_one(addr, &seq_check(0, 0));
    let got = daemon.wait_for_commands(1, Duration::from_secs(10));
    assert_eq!(got, [seq_command(0, 0)]);
    // Served well before the deadline: every silent connection is still open.
    let open = idle
        .iter_mut()
        .filter(|(s, _)| still_open(&mut s.try_clone().expect("clone")))
        .count();
    assert_eq!(
        open, 200,
        "silent connections closed before the result was written"
    );

    for (stream, connected) in &mut idle {
        stream
            .set_read_timeout(Some(Duration::from_secs(15)))
            .expect("timeout");
        let closed = wait_closed(stream).expect("closed by the daemon");
        let lived = closed.duration_since(*connected);
        assert!(
            lived >= Duration::from_millis(1950) && lived < Duration::from_secs(8),
            "a silent connection was closed after {lived:?} with connection_timeout=2"
        );
    }
    let log = wait_log(&daemon, Duration::from_secs(10), |l| {
        count(l, "warning: closed the connection from 127.0.0.1: ") >= 200
    });
    assert_eq!(
        count(&log, "warning: closed the connection from 127.0.0.1: "),
        200,
        "{log}"
    );
    assert_eq!(daemon.lines().len(), 1);
}

/// Reads from a connection the daemon should refuse: what arrives before it is closed.
fn bytes_before_close(addr: SocketAddr) -> Vec<u8> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut got = Vec::new();
    let mut buf = [0u8; 256];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return got,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::ConnectionReset => return got,
            Err(e) => panic!("the daemon neither refused nor served: {e}"),
        }
    }
}

/// allowed_hosts=10.0.0.0/8 on a 127.0.0.1 daemon: closed before any init byte, logged,
/// nothing written. allowed_hosts=127.0.0.1/32: served.
#[test]
fn allowed_hosts_refuses_and_admits_ipv4() {
    let daemon = start(&config(&["allowed_hosts=10.0.0.0/8"]));
    let refused = "warning: refused connection from 127.0.0.1: not in allowed_hosts";
    // The fixture's own probe connection was refused too.
    let before = count(
        &wait_log(&daemon, Duration::from_secs(5), |l| l.contains(refused)),
        refused,
    );
    assert!(
        bytes_before_close(daemon.addr()).is_empty(),
        "init bytes sent to a refused peer"
    );
    let err = Client::connect_addrs(&[daemon.addr()], &client_config())
        .expect_err("a refused client gets no init packet");
    assert!(
        matches!(err, nsca::Error::InitClosed { .. } | nsca::Error::Io { .. }),
        "{err}"
    );
    let log = wait_log(&daemon, Duration::from_secs(5), |l| {
        count(l, refused) >= before + 2
    });
    assert_eq!(count(&log, refused), before + 2, "{log}");
    assert!(daemon.lines().is_empty());
    assert!(file_lines(&daemon.dump_file()).is_empty());

    let daemon = start(&config(&["allowed_hosts=127.0.0.1/32"]));
    send_one(daemon.addr(), &seq_check(0, 0));
    assert_eq!(
        daemon.wait_for_commands(1, Duration::from_secs(10)),
        [seq_command(0, 0)]
    );
    assert!(!daemon.log().contains("refused connection"));
}

/// An IPv6 daemon on ::1: allowed_hosts=::1 serves, an IPv4-only list refuses.
#[test]
fn allowed_hosts_on_ipv6() {
    if !ipv6_available() {
        eprintln!(
            "\n=== SKIPPED: no IPv6 loopback on this machine; allowed_hosts_on_ipv6 did not run. ===\n"
        );
        return;
    }
    let v6 = |extra: &str| DaemonConfig {
        bind: IpAddr::V6(Ipv6Addr::LOCALHOST),
        ..config(&[extra])
    };
    let daemon = start(&v6("allowed_hosts=::1"));
    send_one(daemon.addr(), &seq_check(0, 0));
    assert_eq!(
        daemon.wait_for_commands(1, Duration::from_secs(10)),
        [seq_command(0, 0)]
    );
    assert!(!daemon.log().contains("refused connection"));

    let daemon = start(&v6("allowed_hosts=127.0.0.0/8"));
    assert!(bytes_before_close(daemon.addr()).is_empty());
    wait_log(&daemon, Duration::from_secs(5), |l| {
        l.contains("warning: refused connection from ::1: not in allowed_hosts")
    });
    assert!(daemon.lines().is_empty());
}

/// A command file that does not exist: results go to alternate_dump_file, as the C daemon
/// does, and the file is not created.
#[test]
fn missing_command_file_sends_results_to_the_dump_file() {
    let dir = TempDir::new("missing").expect("temp dir");
    let missing = dir.path().join("no-such-dir").join("nagios.cmd");
    let daemon = start(&DaemonConfig {
        command_file: Some(missing.clone()),
        ..config(&[])
    });
    send_seq(daemon.addr(), 0, 0..3);
    let dumped = wait_file_commands(&daemon.dump_file(), 3, Duration::from_secs(10));
    assert_eq!(dumped, seq_commands(0..1, 3));
    let log = wait_log(&daemon, Duration::from_secs(5), |l| {
        dumped_per_log(l, "does not exist)") == 3
    });
    assert!(
        log.contains(&format!(
            "(the command file {} does not exist)",
            missing.display()
        )),
        "{log}"
    );
    assert!(!missing.exists());
}

/// Config errors: exit status 2, and stderr names the file, the line and the reason.
#[test]
fn config_errors_name_file_line_and_reason() {
    let dir = TempDir::new("badcfg").expect("temp dir");
    let cases: [(&str, &str); 5] = [
        (
            "server_port=5667\n# comment\nbogus=1\n",
            "line 3: unknown option `bogus`",
        ),
        (
            "server_port=5667\nconnection_timeout=abc\n",
            "line 2: `connection_timeout` needs a whole number, not `abc`",
        ),
        (
            "debug=1\n\nallowed_hosts=10.0.0.300\n",
            "line 3: `allowed_hosts` needs IP addresses or CIDR ranges",
        ),
        (
            "max_packet_age=901\n",
            "line 1: max_packet_age 901 is more than the 900 seconds allowed",
        ),
        (
            "server_port=5667\n # an indented comment\n",
            "line 2: a line with no value (expected name=value; lines starting with # are \
             comments, and an option cannot be set to nothing)",
        ),
    ];
    for (i, (text, reason)) in cases.iter().enumerate() {
        let path = dir.path().join(format!("bad{i}.cfg"));
        fs::write(&path, text).expect("write");
        let out = run_bounded(
            Command::new(ours()).arg("-f").arg("-c").arg(&path),
            Duration::from_secs(10),
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{text:?}: {stderr}");
        let expected = format!("error: {}, {reason}", path.display());
        assert!(
            stderr.contains(&expected),
            "{text:?}:\n{stderr}\nlacks {expected}"
        );
        assert!(stderr.trim_end().ends_with("; not starting"), "{stderr}");
    }
    let missing = dir.path().join("missing.cfg");
    let out = run_bounded(
        Command::new(ours()).arg("-f").arg("-c").arg(&missing),
        Duration::from_secs(10),
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "{}: cannot read the configuration file",
            missing.display()
        )),
        "{stderr}"
    );
}

/// max_packet_age=2: a packet recorded on one connection and replayed on another more than 2 s
/// later is refused and logged; a connection that lives longer than that and keeps sending
/// packets with its init timestamp is served in full.
#[test]
fn max_packet_age_refuses_a_replay_and_serves_a_long_lived_connection() {
    let _heavy = heavy();
    let daemon = start(&DaemonConfig {
        extra: vec!["max_packet_age=2".to_owned()],
        ..DaemonConfig::new(0, PASSWORD)
    });
    let addr = daemon.addr();
    let long = thread::spawn(move || {
        let mut client = RawClient::connect(addr, EncryptionMethod::None, PASSWORD);
        let ts = u64::from(client.init.timestamp);
        client
            .send(&[CheckResult::service("long", "age", 0, "packet 0")])
            .expect("send");
        // Real time has to pass: the next packets are older than max_packet_age.
        while now_secs() < ts + 4 {
            thread::sleep(Duration::from_millis(50));
        }
        client
            .send(&[
                CheckResult::service("long", "age", 0, "packet 1"),
                CheckResult::service("long", "age", 0, "packet 2"),
            ])
            .expect("send");
        client.finish_and_wait_close().expect("closed")
    });

    let mut recorder = RawClient::connect(addr, EncryptionMethod::None, PASSWORD);
    recorder
        .send(&[CheckResult::service("replay", "age", 0, "recorded")])
        .expect("send");
    let capture = recorder.sent.clone();
    let ts = u64::from(recorder.init.timestamp);
    recorder.finish_and_wait_close().expect("closed");
    let recorded = "PROCESS_SERVICE_CHECK_RESULT;replay;age;0;recorded";
    wait_until(
        Duration::from_secs(10),
        || {
            daemon
                .lines()
                .iter()
                .any(|l| l.ends_with(recorded))
                .then_some(())
        },
        || format!("{:?}", daemon.lines()),
    );
    while now_secs() < ts + 4 {
        thread::sleep(Duration::from_millis(50));
    }
    let mut replay = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).expect("connect");
    replay
        .set_read_timeout(Some(Duration::from_secs(15)))
        .expect("timeout");
    let mut init = [0u8; InitPacket::LEN];
    replay.read_exact(&mut init).expect("init");
    replay.write_all(&capture).expect("replay");
    replay
        .shutdown(std::net::Shutdown::Write)
        .expect("shutdown");
    wait_closed(&mut replay).expect("closed");
    let log = wait_log(&daemon, Duration::from_secs(10), |l| {
        l.contains("dropped a packet from 127.0.0.1 and closed the connection:")
    });
    let dropped: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("dropped a packet from 127.0.0.1"))
        .collect();
    assert_eq!(dropped.len(), 1, "{log}");
    assert!(dropped[0].contains("(max_packet_age;"), "{}", dropped[0]);

    long.join().expect("long-lived client");
    let got = daemon.wait_for_commands(4, Duration::from_secs(10));
    let expected: Vec<String> = ["packet 0", "packet 1", "packet 2"]
        .iter()
        .map(|o| format!("PROCESS_SERVICE_CHECK_RESULT;long;age;0;{o}"))
        .chain([recorded.to_owned()])
        .collect();
    assert_same_multiset(&got, &expected, "the command file");
}

/// `nsca --inetd`: the accepted connection as stdin and stdout; a client sends two results,
/// both are written and the process exits 0.
#[test]
fn inetd_serves_one_connection_and_exits_0() {
    let dir = TempDir::new("inetd").expect("temp dir");
    let cfg = write_config(dir.path(), 5667, &[]);
    let run = run_inetd(
        &cfg,
        &[
            seq_check(0, 0),
            CheckResult::host("inetd-host", 1, "DOWN\nsince now"),
        ],
        Duration::from_secs(15),
    );
    assert_eq!(run.status.code(), Some(0), "{}", run.log);
    let got = commands(&file_lines(&dir.path().join("nagios.cmd")));
    assert_eq!(
        got,
        [
            seq_command(0, 0),
            "PROCESS_HOST_CHECK_RESULT;inetd-host;1;DOWN\\nsince now".to_owned()
        ]
    );
    assert!(
        run.log.contains(&format!(
            "debug: end of connection from {}: 2 result(s)",
            run.peer
        )),
        "{}",
        run.log
    );
}

/// metrics_address: the counters after some traffic over HTTP, and the same counters in the
/// log line SIGUSR1 asks for.
#[test]
fn metrics_endpoint_and_sigusr1_counters() {
    let daemon = start(&config(&["metrics_address=127.0.0.1:0"]));
    let metrics = metrics_addr(&daemon);
    // The fixture's probe connection (connect, close) is counted before the traffic.
    wait_log(&daemon, Duration::from_secs(10), |l| {
        l.contains("debug: end of connection from") || l.contains("warning: connection from")
    });
    let (status, body) = http_get(metrics);
    assert!(status.contains(" 200 "), "{status}");
    assert!(
        body.contains("# TYPE nsca_lines_written_total counter\nnsca_lines_written_total 0\n"),
        "{body}"
    );
    let base = |name: &str| metric(&body, name).unwrap_or_else(|| panic!("{name} in {body}"));
    let accepted = base("nsca_connections_accepted_total");
    let failed = base("nsca_connections_failed_total");

    send_seq(daemon.addr(), 0, 0..3);
    let wrong = nsca::ClientConfig {
        password: "not the password".into(),
        ..client_config()
    };
    let mut client = Client::connect_addrs(&[daemon.addr()], &wrong).expect("connect");
    client.send(&seq_check(1, 0)).expect("send");
    client.finish().expect("finish");
    daemon.wait_for_lines(3, Duration::from_secs(10));
    wait_log(&daemon, Duration::from_secs(10), |l| {
        l.contains("error: dropped a packet from 127.0.0.1 and closed the connection")
    });
    wait_metric(
        metrics,
        "nsca_packets_decoded_total",
        Duration::from_secs(10),
        |v| v == 3,
    );
    let (_, body) = http_get(metrics);
    let expect = [
        ("nsca_connections_accepted_total", accepted + 2),
        ("nsca_connections_refused_total", 0),
        ("nsca_connections_failed_total", failed + 1),
        ("nsca_packets_decoded_total", 3),
        ("nsca_packets_failed_total", 1),
        ("nsca_spoofing_dropped_total", 0),
        ("nsca_lines_written_total", 3),
        ("nsca_checkresult_files_total", 0),
        ("nsca_queued", 0),
        ("nsca_retries_total", 0),
        ("nsca_dumped_total", 0),
        ("nsca_lost_total", 0),
    ];
    for (name, value) in expect {
        assert_eq!(metric(&body, name), Some(value), "{name}:\n{body}");
    }
    assert!(body.contains("# TYPE nsca_queued gauge\n"), "{body}");

    daemon.signal("USR1");
    let line = format!(
        "notice: counters: connections_accepted={} connections_refused=0 connections_failed={} \
         packets_decoded=3 packets_failed=1 spoofing_dropped=0 lines_written=3 \
         checkresult_files=0 queued=0 retries=0 dumped=0 lost=0",
        accepted + 2,
        failed + 1
    );
    let log = wait_log(&daemon, Duration::from_secs(10), |l| {
        l.contains("counters:")
    });
    assert!(log.lines().any(|l| l.ends_with(&line)), "{line}\n{log}");
}

/// pid_file: written with the daemon's pid and removed when it stops; a stale file (a dead
/// pid) is replaced.
#[test]
fn pid_file_written_removed_and_stale_one_replaced() {
    let dir = TempDir::new("pid").expect("temp dir");
    let pid_path = dir.path().join("nsca.pid");
    let pid_line = format!("pid_file={}", pid_path.display());
    let mut daemon = start(&config(&[&pid_line]));
    assert_eq!(
        fs::read_to_string(&pid_path).expect("pid file"),
        format!("{}\n", daemon.pid())
    );
    daemon.signal("TERM");
    assert_eq!(
        daemon
            .wait_exit(Duration::from_secs(15))
            .and_then(|s| s.code()),
        Some(0)
    );
    assert!(!pid_path.exists(), "the pid file is removed at exit");

    // The pid of a process that has exited.
    let mut gone = Command::new("true").spawn().expect("spawn true");
    let dead = gone.id();
    gone.wait().expect("wait");
    fs::write(&pid_path, format!("{dead}\n")).expect("stale pid file");
    let daemon = start(&config(&[&pid_line]));
    assert_eq!(
        fs::read_to_string(&pid_path).expect("pid file"),
        format!("{}\n", daemon.pid())
    );
}

/// A pid file naming a live process: the daemon does not start (exit 2) and leaves the file.
#[test]
fn pid_file_of_a_live_process_refuses_to_start() {
    let dir = TempDir::new("pidlive").expect("temp dir");
    let pid_path = dir.path().join("nsca.pid");
    let me = std::process::id();
    fs::write(&pid_path, format!("{me}\n")).expect("pid file");
    let cfg = write_config(
        dir.path(),
        free_port(V4),
        &[&format!("pid_file={}", pid_path.display())],
    );
    let out = run_bounded(
        Command::new(ours())
            .arg("-f")
            .arg("-c")
            .arg(&cfg)
            .arg("--single"),
        Duration::from_secs(10),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "another nsca daemon is running (pid {me}, from {})",
            pid_path.display()
        )),
        "{stderr}"
    );
    assert_eq!(
        fs::read_to_string(&pid_path).expect("pid file"),
        format!("{me}\n")
    );
}

/// Kills a detached daemon that a failed test left running.
struct KillOnDrop(Option<i32>);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Some(pid) = self.0.take() {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
    }
}

/// Without -f: the command returns 0 once the daemon listens, the pid file names the detached
/// child (in its own session), a result is delivered, and SIGTERM to that pid stops it.
#[test]
fn detached_daemon_listens_before_the_command_returns() {
    let dir = TempDir::new("detach").expect("temp dir");
    let pid_path = dir.path().join("nsca.pid");
    let mut guard = KillOnDrop(None);
    for _ in 0..5 {
        let port = free_port(V4);
        let cfg = write_config(
            dir.path(),
            port,
            &[&format!("pid_file={}", pid_path.display())],
        );
        let mut cmd = Command::new(ours());
        cmd.arg("-c").arg(&cfg);
        let out = run_bounded(&mut cmd, Duration::from_secs(20));
        let stderr = String::from_utf8_lossy(&out.stderr);
        if out.status.code() == Some(2) && stderr.contains("Address already in use") {
            continue; // The free port was taken meanwhile.
        }
        assert_eq!(out.status.code(), Some(0), "{stderr}");
        let pid: i32 = fs::read_to_string(&pid_path)
            .expect("the pid file exists when the command returns")
            .trim()
            .parse()
            .expect("a pid");
        guard.0 = Some(pid);
        // Listening already: no waiting.
        let addr = SocketAddr::new(V4, port);
        TcpStream::connect_timeout(&addr, Duration::from_secs(2))
            .expect("the daemon listens when the command returns");
        assert!(alive(pid));
        assert_eq!(
            fs::read_link(format!("/proc/{pid}/exe")).expect("exe"),
            fs::canonicalize(ours()).expect("our binary")
        );
        let sid = nix::unistd::getsid(Some(nix::unistd::Pid::from_raw(pid))).expect("getsid");
        assert_eq!(sid.as_raw(), pid, "the daemon leads its own session");

        send_one(addr, &seq_check(0, 0));
        let got = wait_file_commands(&dir.path().join("nagios.cmd"), 1, Duration::from_secs(10));
        assert_eq!(got, [seq_command(0, 0)]);

        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGTERM,
        )
        .expect("SIGTERM");
        wait_until(
            Duration::from_secs(15),
            || (!alive(pid)).then_some(()),
            || format!("pid {pid} still runs after SIGTERM"),
        );
        guard.0 = None;
        wait_until(
            Duration::from_secs(5),
            || (!pid_path.exists()).then_some(()),
            || "the pid file stays after the daemon stopped".to_owned(),
        );
        return;
    }
    panic!("no free port in 5 tries");
}
