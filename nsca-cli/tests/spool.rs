//! `send_nsca --spool DIR` (issue 13): results that cannot be delivered are kept in DIR and sent
//! by a later run, exactly once when nothing breaks mid-way, at least once when something does.
//!
//! The scenarios run the built `send_nsca` against the real NSCA 2.10.2 daemon (started and
//! stopped by the tests, `nsca_tests::Daemon`) and check its command file; "daemon down" is a
//! loopback port with no listener. A few edge cases (a server that never reads, one that drops
//! the connection with packets unread) use small servers of their own. Every run is bounded
//! (`-to`, and a kill after 60 s).

use std::fs;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use nsca::CheckResult;
use nsca::batch::Batch;
use nsca_tests::{Daemon, DaemonConfig, TempDir, client_config};

const BIN: &str = env!("CARGO_BIN_EXE_send_nsca");
const METHOD: u8 = 1;
const PASSWORD: &str = "spool test";
const WAIT: Duration = Duration::from_secs(20);

#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

/// A spool directory and a client config in a fresh temporary directory.
struct Setup {
    tmp: TempDir,
    cfg: PathBuf,
}

impl Setup {
    fn new() -> Self {
        let tmp = TempDir::new("spool").expect("temp dir");
        let cfg = client_config(tmp.path(), METHOD, PASSWORD);
        Self { tmp, cfg }
    }

    fn spool(&self) -> PathBuf {
        self.tmp.path().join("spool")
    }

    fn shown(&self) -> String {
        self.spool().display().to_string()
    }

    /// `send_nsca -H 127.0.0.1 -p PORT -c CFG --spool DIR` and `extra`.
    fn args(&self, port: u16, extra: &[&str]) -> Vec<String> {
        let mut args: Vec<String> = [
            "-H",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-c",
            self.cfg.to_str().unwrap(),
            "--spool",
            self.spool().to_str().unwrap(),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        args.extend(extra.iter().map(|s| s.to_string()));
        args
    }

    fn run(&self, port: u16, extra: &[&str], stdin: &[u8]) -> Run {
        run(&self.args(port, extra), stdin)
    }

    fn spawn(&self, port: u16, extra: &[&str], stdin: &[u8]) -> Child {
        spawn(&self.args(port, extra), stdin)
    }

    /// The spool's files, oldest first.
    /// Spools results 1 to `n` in `n` runs while no daemon listens; returns the spool files.
    fn spool_while_down(&self, n: usize) -> Vec<PathBuf> {
        let down = closed_port();
        for i in 1..=n {
            assert_eq!(self.run(down, &[], input(i).as_bytes()).code, 75);
        }
        self.files()
    }

    fn files(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = fs::read_dir(self.spool())
            .map(|d| {
                d.filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|e| e == "batch"))
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        files
    }

    fn daemon(&self) -> Option<Daemon> {
        Daemon::start(&DaemonConfig::new(METHOD, PASSWORD))
    }
}

fn spawn(args: &[String], stdin: &[u8]) -> Child {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn send_nsca");
    let mut input = child.stdin.take().expect("stdin");
    let data = stdin.to_vec();
    thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    child
}

/// Waits for `child`, killing it after 60 s.
fn finish(child: Child) -> Run {
    let start = Instant::now();
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let out = match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(out) => out.expect("wait"),
        Err(_) => {
            let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
            panic!("send_nsca did not finish within 60 s");
        }
    };
    Run {
        code: out.status.code().expect("exited, not killed"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        elapsed: start.elapsed(),
    }
}

fn run(args: &[String], stdin: &[u8]) -> Run {
    finish(spawn(args, stdin))
}

/// A loopback port with no listener: the daemon is down.
fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

fn refused(port: u16) -> String {
    format!(
        "Connection refused by host\nError: Could not connect to host 127.0.0.1 on port {port}\n"
    )
}

/// Input for result `i`, and the command-file line the daemon writes for it.
fn input(i: usize) -> String {
    format!("web{i}\tspool\t{}\tresult {i}\n", i % 4)
}

fn line(i: usize) -> String {
    format!(
        "PROCESS_SERVICE_CHECK_RESULT;web{i};spool;{};result {i}",
        i % 4
    )
}

/// Waits for `n` command lines, then a little longer to catch any extra one.
fn commands(daemon: &Daemon, n: usize) -> Vec<String> {
    daemon.wait_for_commands(n, WAIT);
    thread::sleep(Duration::from_millis(300));
    daemon.wait_for_commands(0, WAIT)
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[test]
fn help_names_the_options_and_status_75() {
    let r = run(&["--help".to_owned()], b"");
    assert_eq!(r.code, 3);
    for needle in [
        "\n      --spool <DIR> ",
        "\n      --flush ",
        "\n      --spool-max-age <SECONDS> ",
        "\n      --spool-max-bytes <BYTES> ",
        "\n  75   --spool: ",
    ] {
        assert!(
            r.stdout.contains(needle),
            "{needle:?} missing:\n{}",
            r.stdout
        );
    }
}

/// Daemon down: three runs spool one result each (status 75, the C client's lines, then how
/// many were spooled); daemon up: the fourth run delivers all four, oldest first, once each.
#[test]
fn daemon_down_then_up_delivers_everything_once_in_order() {
    let s = Setup::new();
    let down = closed_port();
    for i in 1..=3 {
        let r = s.run(down, &[], input(i).as_bytes());
        let mut stderr = refused(down);
        stderr.push_str(&format!(
            "send_nsca: 1 result(s) spooled in {} for a later run\n",
            s.shown()
        ));
        if i > 1 {
            stderr.push_str(&format!(
                "send_nsca: {} result(s) of earlier runs stay spooled in {}\n",
                i - 1,
                s.shown()
            ));
        }
        assert_eq!(
            (r.code, r.stdout.as_str(), r.stderr.as_str()),
            (75, "", stderr.as_str())
        );
        assert_eq!(s.files().len(), i);
    }
    let Some(daemon) = s.daemon() else { return };
    let r = s.run(daemon.port(), &[], input(4).as_bytes());
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (
            0,
            "4 data packet(s) sent to host successfully.\n",
            format!(
                "send_nsca: 3 spooled result(s) from 3 file(s) of {} delivered\n",
                s.shown()
            )
            .as_str()
        )
    );
    assert_eq!(commands(&daemon, 4), (1..=4).map(line).collect::<Vec<_>>());
    assert!(s.files().is_empty());
    // An empty spool is not sent twice: the next run sends its own result only.
    let r = s.run(daemon.port(), &["--quiet"], input(5).as_bytes());
    assert_eq!((r.code, r.stdout.as_str(), r.stderr.as_str()), (0, "", ""));
    assert_eq!(commands(&daemon, 5), (1..=5).map(line).collect::<Vec<_>>());
}

/// `--flush` reads no input and connects only when there is something to send.
#[test]
fn flush_sends_the_spool_and_nothing_else() {
    let s = Setup::new();
    // Empty spool: nothing to do, no connection (the port is closed), status 0.
    let r = s.run(closed_port(), &["--flush"], b"ignored\t0\tnot read\n");
    assert_eq!((r.code, r.stdout.as_str(), r.stderr.as_str()), (0, "", ""));
    let down = closed_port();
    s.run(down, &[], input(1).as_bytes());
    // Daemon still down: the spool stays, status 75.
    let r = s.run(down, &["--flush"], b"");
    assert_eq!(
        (r.code, r.stderr.clone()),
        (
            75,
            format!(
                "{}send_nsca: 1 result(s) of earlier runs stay spooled in {}\n",
                refused(down),
                s.shown()
            )
        )
    );
    let Some(daemon) = s.daemon() else { return };
    let r = s.run(daemon.port(), &["--flush"], input(2).as_bytes());
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (0, "1 data packet(s) sent to host successfully.\n")
    );
    assert_eq!(commands(&daemon, 1), [line(1)]);
    assert!(s.files().is_empty());
}

/// 20 runs at once while the daemon is down each spool their result; one `--flush` with the
/// daemon up delivers every result exactly once.
#[test]
fn twenty_runs_at_once_while_down_then_one_flush() {
    let s = Setup::new();
    let down = closed_port();
    let children: Vec<Child> = (1..=20)
        .map(|i| s.spawn(down, &[], input(i).as_bytes()))
        .collect();
    for child in children {
        let r = finish(child);
        assert_eq!(r.code, 75, "{r:?}");
        assert!(
            r.stderr.contains("send_nsca: 1 result(s) spooled in "),
            "{r:?}"
        );
    }
    assert_eq!(s.files().len(), 20);
    let Some(daemon) = s.daemon() else { return };
    let r = s.run(daemon.port(), &["--flush"], b"");
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (
            0,
            "20 data packet(s) sent to host successfully.\n",
            format!(
                "send_nsca: 20 spooled result(s) from 20 file(s) of {} delivered\n",
                s.shown()
            )
            .as_str()
        )
    );
    let mut got = commands(&daemon, 20);
    got.sort();
    let mut want: Vec<String> = (1..=20).map(line).collect();
    want.sort();
    assert_eq!(got, want);
    assert!(s.files().is_empty());
}

/// Five results wait in the spool; 20 runs start at once with the daemon up. Whichever takes
/// the lock first sends the five before its own; no spooled result is sent twice, none is
/// lost (a run that could not get the lock in time spools its result; a flush sends those).
#[test]
fn twenty_runs_at_once_with_the_daemon_up_send_the_spool_once() {
    let s = Setup::new();
    s.spool_while_down(5);
    let Some(daemon) = s.daemon() else { return };
    let children: Vec<Child> = (6..=25)
        .map(|i| s.spawn(daemon.port(), &[], input(i).as_bytes()))
        .collect();
    let runs: Vec<Run> = children.into_iter().map(finish).collect();
    let delivered_the_spool = runs
        .iter()
        .filter(|r| r.stderr.contains("5 spooled result(s) from 5 file(s)"))
        .count();
    assert_eq!(delivered_the_spool, 1, "{runs:#?}");
    let spooled = runs.iter().filter(|r| r.code == 75).count();
    for r in &runs {
        assert!(r.code == 0 || r.code == 75, "{r:?}");
    }
    if spooled > 0 {
        eprintln!("{spooled} of 20 runs could not get the lock in time and spooled");
        assert_eq!(s.run(daemon.port(), &["--flush"], b"").code, 0);
    }
    let got = commands(&daemon, 25);
    assert_eq!(got.len(), 25, "{got:#?}");
    // The spooled five first, in their order; then the 20, each once.
    assert_eq!(got[..5], (1..=5).map(line).collect::<Vec<_>>());
    let mut rest = got[5..].to_vec();
    rest.sort();
    let mut want: Vec<String> = (6..=25).map(line).collect();
    want.sort();
    assert_eq!(rest, want);
    assert!(s.files().is_empty());
}

/// The daemon is killed (SIGKILL) after it has written 20 of 2,000 results: the run, still
/// writing or waiting for the daemon to close, spools all of them (it cannot know which ones
/// the daemon had read), and a flush delivers them to a new daemon. Nothing is lost; the
/// results the dead daemon had already written to the command file are delivered twice, and
/// only those.
///
/// The C daemon writes about 500 results a second here (it opens, writes and closes the
/// command file for each, and logs each with `debug=1`), so it is still far from the end of
/// the batch when the test, looking every 2 ms, kills it.
#[test]
fn daemon_killed_in_the_middle_of_a_batch() {
    const N: usize = 2000;
    let s = Setup::new();
    let Some(daemon) = s.daemon() else { return };
    let all: String = (1..=N).map(input).collect();
    let child = s.spawn(
        daemon.port(),
        &["--one-check-per-line", "-to", "30"],
        all.as_bytes(),
    );
    let deadline = Instant::now() + WAIT;
    while daemon.lines().len() < 20 {
        assert!(Instant::now() < deadline, "the daemon wrote no 20 lines");
        thread::sleep(Duration::from_millis(2));
    }
    daemon.signal("KILL");
    let r = finish(child);
    let first = daemon.wait_for_commands(0, WAIT);
    assert!(
        fs::read(daemon.dump_file()).unwrap_or_default().is_empty(),
        "the daemon diverted results to its dump file"
    );
    drop(daemon);
    assert_eq!(r.code, 75, "{r:?}");
    eprintln!("the run said: {}", r.stderr.trim_end().replace('\n', " / "));
    // A reset while writing, or while waiting for the close once everything was written.
    let spooled = format!(
        "send_nsca: {N} result(s) spooled in {} for a later run\n",
        s.shown()
    );
    assert!(
        (r.stderr.starts_with("Error: Could not send data to host\n")
            || r.stderr
                .starts_with("send_nsca: the daemon did not close the connection cleanly ("))
            && r.stderr.ends_with(&spooled),
        "{r:?}"
    );
    // What the dead daemon passed on is a prefix of the input, well short of all of it.
    let delivered = first.len();
    assert!((20..N / 2).contains(&delivered), "{delivered}");
    assert!(
        first == (1..=delivered).map(line).collect::<Vec<_>>(),
        "not a prefix of the input"
    );

    let Some(daemon) = s.daemon() else { return };
    let r = s.run(daemon.port(), &["--flush", "-to", "60"], b"");
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (
            0,
            format!("{N} data packet(s) sent to host successfully.\n").as_str()
        ),
        "{r:?}"
    );
    let second = commands(&daemon, N);
    assert!(
        second == (1..=N).map(line).collect::<Vec<_>>(),
        "the flush did not deliver the {N} results in order ({} lines)",
        second.len()
    );
    // Duplicated: exactly the results the first daemon had written before it died.
    eprintln!(
        "daemon killed after writing {delivered} of {N} results: those {delivered} were \
         delivered twice, the other {} once",
        N - delivered
    );
    assert!(s.files().is_empty());
}

/// A file that cannot be read back (a changed byte, cut short, a later format version) goes
/// to `bad/` unchanged, with a message; the other files are delivered.
#[test]
fn unreadable_files_go_to_bad_and_the_others_are_delivered() {
    let s = Setup::new();
    let files = s.spool_while_down(4);
    let mut flipped = fs::read(&files[0]).unwrap();
    flipped[40] ^= 0x01;
    fs::write(&files[0], &flipped).unwrap();
    let full = fs::read(&files[1]).unwrap();
    let cut = full[..full.len() - 3].to_vec();
    fs::write(&files[1], &cut).unwrap();
    let mut newer = fs::read(&files[3]).unwrap();
    newer[9] = 2;
    fs::write(&files[3], &newer).unwrap();

    let Some(daemon) = s.daemon() else { return };
    let r = s.run(daemon.port(), &["--flush"], b"");
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (0, "1 data packet(s) sent to host successfully.\n"),
        "{r:?}"
    );
    let bad = s.spool().join("bad");
    let moved = |f: &Path| bad.join(f.file_name().unwrap());
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(lines.len(), 4, "{}", r.stderr);
    assert!(
        lines[0].starts_with(&format!(
            "send_nsca: {} cannot be read back (batch checksum mismatch (stored 0x",
            files[0].display()
        )) && lines[0].ends_with(&format!("; moved to {}", moved(&files[0]).display())),
        "{}",
        lines[0]
    );
    assert_eq!(
        lines[1],
        format!(
            "send_nsca: {} cannot be read back (batch is truncated: {} of its {} bytes are \
             there); moved to {}",
            files[1].display(),
            cut.len(),
            full.len(),
            moved(&files[1]).display()
        )
    );
    assert_eq!(
        lines[2],
        format!(
            "send_nsca: {} cannot be read back (batch format version 2, but only version 1 can \
             be read); moved to {}",
            files[3].display(),
            moved(&files[3]).display()
        )
    );
    assert_eq!(
        lines[3],
        format!(
            "send_nsca: 1 spooled result(s) from 1 file(s) of {} delivered",
            s.shown()
        )
    );
    assert_eq!(commands(&daemon, 1), [line(3)]);
    // Moved, never changed or deleted; never sent again.
    assert_eq!(fs::read(moved(&files[0])).unwrap(), flipped);
    assert_eq!(fs::read(moved(&files[1])).unwrap(), cut);
    assert_eq!(fs::read(moved(&files[3])).unwrap(), newer);
    assert!(s.files().is_empty());
    let r = s.run(daemon.port(), &["--flush"], b"");
    assert_eq!((r.code, r.stdout.as_str(), r.stderr.as_str()), (0, "", ""));
}

/// `--spool-max-age`: results spooled too long ago are dropped with a message that names how
/// many and how old; the others are delivered.
#[test]
fn results_older_than_max_age_are_dropped_with_a_message() {
    let s = Setup::new();
    let down = closed_port();
    // Two files from "1000 seconds ago", written as a run would (the library's format; names
    // sort before any file written now).
    fs::create_dir_all(s.spool()).unwrap();
    let old = Batch::new(
        now() - 1000,
        vec![
            CheckResult::service("old", "spool", 2, "stale 1"),
            CheckResult::service("old", "spool", 2, "stale 2"),
        ],
    );
    fs::write(
        s.spool().join("00000000000000000001-1-0.batch"),
        old.encode().unwrap(),
    )
    .unwrap();
    let older = Batch::new(now() - 1500, vec![CheckResult::host("old", 1, "stale 3")]);
    fs::write(
        s.spool().join("00000000000000000000-1-0.batch"),
        older.encode().unwrap(),
    )
    .unwrap();
    assert_eq!(s.run(down, &[], input(1).as_bytes()).code, 75);
    let Some(daemon) = s.daemon() else { return };
    let r = s.run(daemon.port(), &["--flush", "--spool-max-age", "600"], b"");
    assert_eq!(r.code, 0, "{r:?}");
    let (first, rest) = r.stderr.split_once('\n').expect("two lines");
    // The ages are 1000 and 1500 s, or a second more if the clock ticked meanwhile.
    let prefix = "send_nsca: dropped 3 spooled result(s) from 2 file(s), spooled ";
    let suffix = " seconds ago: older than --spool-max-age 600";
    let ages = first
        .strip_prefix(prefix)
        .and_then(|a| a.strip_suffix(suffix))
        .unwrap_or_else(|| panic!("{first}"));
    let (young, old_age) = ages.split_once(" to ").expect("a range");
    assert!(
        ["1000", "1001"].contains(&young) && ["1500", "1501"].contains(&old_age),
        "{first}"
    );
    assert_eq!(
        rest,
        format!(
            "send_nsca: 1 spooled result(s) from 1 file(s) of {} delivered\n",
            s.shown()
        )
    );
    assert_eq!(commands(&daemon, 1), [line(1)]);
    assert!(s.files().is_empty() && !s.spool().join("bad").exists());
}

/// `--spool-max-bytes`: a run that adds a file drops the oldest ones to stay under the bound,
/// with a message; its own file is kept.
#[test]
fn the_oldest_files_are_dropped_to_stay_under_max_bytes() {
    let s = Setup::new();
    let down = closed_port();
    s.spool_while_down(3);
    let sizes: Vec<u64> = s
        .files()
        .iter()
        .map(|f| fs::metadata(f).unwrap().len())
        .collect();
    // Room for two files: the run's own and the newest one before it.
    let bound = (sizes[2] * 2 + 1).to_string();
    let r = s.run(down, &["--spool-max-bytes", &bound], input(4).as_bytes());
    assert_eq!(r.code, 75, "{r:?}");
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(lines.len(), 5, "{}", r.stderr);
    assert!(
        lines[2].starts_with("send_nsca: dropped 2 spooled result(s) from 2 file(s), spooled ")
            && lines[2].ends_with(&format!(
                " seconds ago: to keep {} under --spool-max-bytes {bound}",
                s.shown()
            )),
        "{}",
        lines[2]
    );
    assert_eq!(
        lines[3..],
        [
            format!(
                "send_nsca: 1 result(s) spooled in {} for a later run",
                s.shown()
            ),
            format!(
                "send_nsca: 1 result(s) of earlier runs stay spooled in {}",
                s.shown()
            ),
        ]
    );
    let Some(daemon) = s.daemon() else { return };
    assert_eq!(s.run(daemon.port(), &["--flush"], b"").code, 0);
    assert_eq!(commands(&daemon, 2), [line(3), line(4)]);
}

/// A run that cannot get the lock within half its time spools its own result and leaves.
#[test]
fn a_run_that_cannot_get_the_lock_spools_and_leaves() {
    let s = Setup::new();
    let Some(daemon) = s.daemon() else { return };
    fs::create_dir_all(s.spool()).unwrap();
    let lock = fs::File::create(s.spool().join(".lock")).unwrap();
    rustix::fs::flock(&lock, rustix::fs::FlockOperation::LockExclusive).unwrap();
    let r = s.run(daemon.port(), &["-to", "2"], input(1).as_bytes());
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.clone()),
        (
            75,
            "",
            format!(
                "send_nsca: {0} stayed locked by another send_nsca for 1.0 s; nothing was sent\n\
                 send_nsca: 1 result(s) spooled in {0} for a later run\n",
                s.shown()
            )
        )
    );
    assert!(
        r.elapsed >= Duration::from_millis(1000) && r.elapsed < Duration::from_secs(3),
        "{:?}",
        r.elapsed
    );
    assert!(daemon.lines().is_empty());
    drop(lock);
    assert_eq!(s.run(daemon.port(), &["--flush"], b"").code, 0);
    assert_eq!(commands(&daemon, 1), [line(1)]);
}

/// A server that greets (XOR, the test's password is irrelevant: nothing is decoded), then
/// does `then` with the connection.
fn fake_daemon(then: fn(TcpStream)) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        if let Ok((mut stream, _)) = listener.accept() {
            let _ = stream.write_all(&[0u8; 132]);
            then(stream);
        }
    });
    port
}

/// A daemon that reads one packet and then drops the connection with the rest unread (the
/// kernel resets it): everything written counts as not delivered.
#[test]
fn a_reset_after_everything_was_written_keeps_everything() {
    let s = Setup::new();
    let port = fake_daemon(|mut stream| {
        let mut one = vec![0u8; 4304];
        let _ = stream.read_exact(&mut one);
        thread::sleep(Duration::from_millis(300));
    });
    let three: String = (1..=3).map(input).collect();
    let r = s.run(port, &["--one-check-per-line"], three.as_bytes());
    assert_eq!(r.code, 75, "{r:?}");
    assert!(
        r.stderr
            .starts_with("send_nsca: the daemon did not close the connection cleanly (")
            && r.stderr.ends_with(&format!(
                "); what was written on it may not have reached it\n\
                 send_nsca: 3 result(s) spooled in {} for a later run\n",
                s.shown()
            )),
        "{r:?}"
    );
    let Some(daemon) = s.daemon() else { return };
    assert_eq!(s.run(daemon.port(), &["--flush"], b"").code, 0);
    assert_eq!(commands(&daemon, 3), (1..=3).map(line).collect::<Vec<_>>());
}

/// A spool larger than one connection carries (500 results) is sent over several, each
/// settled when it ends cleanly: when the second one breaks, the first 500 results count as
/// delivered and the file is rewritten with the other 700, which a later flush delivers.
#[test]
fn a_large_spool_drains_one_connection_at_a_time() {
    let s = Setup::new();
    let all: String = (1..=1200).map(input).collect();
    let r = s.run(closed_port(), &["--one-check-per-line"], all.as_bytes());
    assert_eq!(r.code, 75, "{r:?}");
    let before = s.files();
    assert_eq!(before.len(), 1);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = thread::spawn(move || {
        // The first connection is read to its end and closed: delivered.
        let (mut first, _) = listener.accept().unwrap();
        first.write_all(&[0u8; 132]).unwrap();
        let mut got = Vec::new();
        first.read_to_end(&mut got).unwrap();
        drop(first);
        // The second is dropped after one packet, the rest unread: a reset.
        let (mut second, _) = listener.accept().unwrap();
        second.write_all(&[0u8; 132]).unwrap();
        let mut one = vec![0u8; 4304];
        let _ = second.read_exact(&mut one);
        thread::sleep(Duration::from_millis(300));
        got.len()
    });
    let r = s.run(port, &["--flush"], b"");
    assert_eq!(server.join().unwrap(), 500 * 4304);
    assert_eq!(r.code, 75, "{r:?}");
    assert!(
        r.stderr.ends_with(&format!(
            "send_nsca: 500 spooled result(s) from 1 file(s) of {0} delivered\n\
             send_nsca: 700 result(s) of earlier runs stay spooled in {0}\n",
            s.shown()
        )),
        "{r:?}"
    );
    // The same file (its name keeps its place in the order), now with the other 700.
    assert_eq!(s.files(), before);
    let rest = Batch::decode(&fs::read(&before[0]).unwrap()).unwrap();
    assert_eq!(rest.checks.len(), 700);
    let Some(daemon) = s.daemon() else { return };
    let r = s.run(daemon.port(), &["--flush", "-to", "30"], b"");
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (0, "700 data packet(s) sent to host successfully.\n"),
        "{r:?}"
    );
    let got = commands(&daemon, 700);
    assert!(
        got == (501..=1200).map(line).collect::<Vec<_>>(),
        "not results 501 to 1200 in order ({} lines)",
        got.len()
    );
}

/// The time runs out while a daemon does not read (writes block), or reads but never closes:
/// the run ends at its deadline with the C client's timeout line, and spools.
#[test]
fn the_deadline_ends_a_stuck_connection_and_spools() {
    for (what, port) in [
        (
            "never reads",
            fake_daemon(|stream| {
                thread::sleep(Duration::from_secs(6));
                drop(stream);
            }),
        ),
        (
            "never closes",
            fake_daemon(|mut stream| {
                let mut sink = vec![0u8; 65536];
                let deadline = Instant::now() + Duration::from_secs(6);
                let _ = stream.set_read_timeout(Some(Duration::from_millis(100)));
                while Instant::now() < deadline {
                    if let Ok(0) = stream.read(&mut sink) {
                        thread::sleep(Duration::from_secs(6));
                        break;
                    }
                }
            }),
        ),
    ] {
        let s = Setup::new();
        let n = if what == "never reads" { 3000 } else { 2 };
        let all: String = (1..=n).map(input).collect();
        let r = s.run(port, &["--one-check-per-line", "-to", "2"], all.as_bytes());
        assert_eq!(
            (r.code, r.stdout.as_str(), r.stderr.clone()),
            (
                75,
                "",
                format!(
                    "Error: Timeout after 2 seconds\n\
                     send_nsca: {n} result(s) spooled in {} for a later run\n",
                    s.shown()
                )
            ),
            "{what}"
        );
        assert!(
            r.elapsed >= Duration::from_millis(1900) && r.elapsed < Duration::from_secs(4),
            "{what}: {:?}",
            r.elapsed
        );
        assert_eq!(s.files().len(), 1);
    }
}

/// A spool directory that cannot be used is said so; the run then behaves as without
/// `--spool`, and says what it lost.
#[test]
fn an_unusable_spool_directory_is_reported() {
    let s = Setup::new();
    let file = s.tmp.path().join("a-file");
    fs::write(&file, b"x").unwrap();
    let spool = file.join("spool");
    let down = closed_port();
    let args: Vec<String> = [
        "-H",
        "127.0.0.1",
        "-p",
        &down.to_string(),
        "-c",
        s.cfg.to_str().unwrap(),
        "--spool",
        spool.to_str().unwrap(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let r = run(&args, input(1).as_bytes());
    assert_eq!(
        (r.code, r.stderr.clone()),
        (
            2,
            format!(
                "send_nsca: cannot use the spool directory {}: Not a directory (os error 20)\n\
                 {}send_nsca: 1 result(s) were not delivered and are lost\n",
                spool.display(),
                refused(down)
            )
        )
    );
}

/// Input errors keep their own status with `--spool`; what was read before them is spooled.
#[test]
fn input_errors_keep_their_status() {
    let s = Setup::new();
    let down = closed_port();
    let mut too_long = input(1).into_bytes();
    too_long.push(0x17);
    too_long.extend(std::iter::repeat_n(b'x', 6000));
    let r = s.run(down, &[], &too_long);
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.clone()),
        (
            255,
            "Error: Input set is longer than max allowed.\n",
            format!(
                "{}send_nsca: 1 result(s) spooled in {} for a later run\n",
                refused(down),
                s.shown()
            )
        )
    );
    assert_eq!(s.files().len(), 1);
}

/// Temporary files left by runs killed while spooling: a whole one older than ten minutes
/// becomes the spool file it was being written as and is delivered in its place; a partial one
/// goes to `bad/`; a recent one (a run still writing) is left alone.
#[test]
fn temporary_files_of_killed_runs_are_kept_or_set_aside() {
    let s = Setup::new();
    let files = s.spool_while_down(3);
    let temp_of = |f: &Path| {
        s.spool()
            .join(format!(".{}.tmp", f.file_name().unwrap().to_str().unwrap()))
    };
    let an_hour_ago = |f: &Path| {
        let old = SystemTime::now() - Duration::from_secs(3600);
        let file = fs::File::options().write(true).open(f).unwrap();
        file.set_modified(old).unwrap();
    };
    // Killed between the flush and the rename: whole.
    let whole = temp_of(&files[1]);
    fs::rename(&files[1], &whole).unwrap();
    an_hour_ago(&whole);
    // Killed in the middle of the write.
    let partial = temp_of(&files[2]);
    let full = fs::read(&files[2]).unwrap();
    fs::write(&partial, &full[..full.len() - 3]).unwrap();
    fs::remove_file(&files[2]).unwrap();
    an_hour_ago(&partial);
    // Still being written by another run.
    let recent = s.spool().join(".99999999999999999999-1-0.batch.tmp");
    fs::write(&recent, fs::read(&files[0]).unwrap()).unwrap();

    let Some(daemon) = s.daemon() else { return };
    let r = s.run(daemon.port(), &["--flush"], b"");
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (0, "2 data packet(s) sent to host successfully.\n"),
        "{r:?}"
    );
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(
        lines,
        [
            format!(
                "send_nsca: {} was left by a run killed while spooling; it holds 1 whole \
                 result(s), kept as {}",
                whole.display(),
                files[1].display()
            ),
            format!(
                "send_nsca: {} cannot be read back (batch is truncated: {} of its {} bytes are \
                 there); moved to {}",
                partial.display(),
                full.len() - 3,
                full.len(),
                s.spool()
                    .join("bad")
                    .join(partial.file_name().unwrap())
                    .display()
            ),
            format!(
                "send_nsca: 2 spooled result(s) from 2 file(s) of {} delivered",
                s.shown()
            ),
        ],
        "{}",
        r.stderr
    );
    assert_eq!(commands(&daemon, 2), [line(1), line(2)]);
    assert!(s.files().is_empty());
    assert!(recent.is_file(), "a recent temporary file was touched");
}
