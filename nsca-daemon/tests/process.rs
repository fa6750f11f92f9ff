//! Process set-up of our daemon as root: privileges dropped to nsca_user/nsca_group after
//! binding, and nsca_chroot.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use common::{config, send_one, start};
use nsca::CheckResult;

fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

fn status_ids(pid: u32, key: &str) -> String {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    status
        .lines()
        .find(|l| l.starts_with(key))
        .map(|l| {
            l[key.len()..]
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default()
}

#[test]
fn privileges_are_dropped_after_binding() {
    if !is_root() {
        eprintln!("SKIPPED: privilege drop needs root");
        return;
    }
    let nobody = nix::unistd::User::from_name("nobody")
        .expect("passwd")
        .expect("user nobody");
    let nogroup = nix::unistd::Group::from_name("nogroup")
        .expect("group")
        .expect("group nogroup");
    let daemon = start(&config(&["nsca_user=nobody", "nsca_group=nogroup"]));
    // The command file must be writable by the unprivileged user.
    std::fs::set_permissions(
        daemon.command_file(),
        std::fs::Permissions::from_mode(0o666),
    )
    .expect("chmod");
    let uid = nobody.uid.as_raw();
    let gid = nogroup.gid.as_raw();
    assert_eq!(
        status_ids(daemon.pid(), "Uid:"),
        format!("{uid} {uid} {uid} {uid}")
    );
    assert_eq!(
        status_ids(daemon.pid(), "Gid:"),
        format!("{gid} {gid} {gid} {gid}")
    );
    send_one(
        daemon.addr(),
        &CheckResult::host("after-drop", 0, "still served"),
    );
    let lines = daemon.wait_for_commands(1, Duration::from_secs(10));
    assert_eq!(
        lines,
        ["PROCESS_HOST_CHECK_RESULT;after-drop;0;still served"]
    );
}

#[test]
fn chroot_then_paths_are_inside_it() {
    if !is_root() {
        eprintln!("SKIPPED: chroot needs root");
        return;
    }
    // Inside the chroot every path is the chroot's: the command file is /nagios.cmd there.
    let dir = nsca_tests::TempDir::new("chroot").expect("temp");
    std::fs::write(dir.path().join("nagios.cmd"), b"").expect("command file");
    let mut cfg = config(&[]);
    cfg.command_file = Some(dir.path().join("nagios.cmd"));
    cfg.extra = vec![
        format!("nsca_chroot={}", dir.path().display()),
        "command_file=/nagios.cmd".to_owned(),
        "alternate_dump_file=/dump".to_owned(),
        "append_to_file=1".to_owned(),
    ];
    let daemon = start(&cfg);
    let root = std::fs::read_link(format!("/proc/{}/root", daemon.pid())).expect("root link");
    assert_eq!(root, dir.path());
    send_one(
        daemon.addr(),
        &CheckResult::service("jailed", "svc", 1, "inside"),
    );
    let lines = daemon.wait_for_commands(1, Duration::from_secs(10));
    assert_eq!(lines, ["PROCESS_SERVICE_CHECK_RESULT;jailed;svc;1;inside"]);
}

/// Type=notify: READY=1 reaches $NOTIFY_SOCKET once the daemon listens, and STOPPING=1 when it
/// stops.
#[test]
fn tells_systemd_when_ready_and_stopping() {
    use std::os::unix::net::UnixDatagram;
    use std::process::{Command, Stdio};

    let dir = nsca_tests::TempDir::new("notify").expect("temp");
    let socket_path = dir.path().join("notify.sock");
    let socket = UnixDatagram::bind(&socket_path).expect("notify socket");
    socket
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let port = nsca_tests::free_port("127.0.0.1".parse().expect("ip"));
    let cfg = common::write_config(dir.path(), port, &[]);
    let mut child = Command::new(common::ours())
        .arg("-f")
        .arg("-c")
        .arg(&cfg)
        .env("NOTIFY_SOCKET", &socket_path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut buf = [0u8; 256];
    let n = socket.recv(&mut buf).expect("a notification within 10 s");
    let ready = String::from_utf8_lossy(&buf[..n]).into_owned();
    // Ready means listening: the port accepts at once.
    let listening = std::net::TcpStream::connect(("127.0.0.1", port)).is_ok();
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status();
    let n = socket.recv(&mut buf).expect("a notification on stop");
    let stopping = String::from_utf8_lossy(&buf[..n]).into_owned();
    let status = child.wait().expect("wait");
    assert_eq!(ready.trim(), "READY=1");
    assert!(listening, "READY=1 came before the port accepted");
    assert_eq!(stopping.trim(), "STOPPING=1");
    assert!(status.success(), "{status}");
}

/// No `server_address`: one socket for IPv6 and IPv4 at once, as the C daemon listens.
#[test]
fn empty_server_address_listens_on_ipv4_and_ipv6() {
    use std::process::{Command, Stdio};

    if !nsca_tests::ipv6_available() {
        eprintln!("SKIPPED: no IPv6 loopback on this machine");
        return;
    }
    let dir = nsca_tests::TempDir::new("dual").expect("temp");
    let command_file = dir.path().join("nagios.cmd");
    std::fs::write(&command_file, b"").expect("command file");
    let port = nsca_tests::free_port("::".parse().expect("ip"));
    let cfg = dir.path().join("nsca.cfg");
    std::fs::write(
        &cfg,
        format!(
            "server_port={port}\ncommand_file={}\nappend_to_file=1\ndecryption_method=1\n\
             password={}\n",
            command_file.display(),
            common::PASSWORD
        ),
    )
    .expect("nsca.cfg");
    let mut child = Command::new(common::ours())
        .arg("-f")
        .arg("-c")
        .arg(&cfg)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let v4: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().expect("v4");
    let v6: std::net::SocketAddr = format!("[::1]:{port}").parse().expect("v6");
    common::wait_until(
        Duration::from_secs(10),
        || std::net::TcpStream::connect(v6).ok().map(|_| ()),
        || format!("not listening on [::1]:{port}"),
    );
    send_one(v4, &CheckResult::host("over-ipv4", 0, "v4"));
    send_one(v6, &CheckResult::host("over-ipv6", 0, "v6"));
    let lines = common::wait_file_commands(&command_file, 2, Duration::from_secs(10));
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(
        lines,
        [
            "PROCESS_HOST_CHECK_RESULT;over-ipv4;0;v4",
            "PROCESS_HOST_CHECK_RESULT;over-ipv6;0;v6"
        ]
    );
}

/// Detached (no `-f`), the daemon logs through syslog(3) with `log_facility`. The test gives it
/// a private /dev (a mount namespace made with unshare(1)) whose /dev/log is the test's socket.
#[test]
fn detached_daemon_logs_to_syslog_with_its_facility() {
    use std::os::unix::net::UnixDatagram;
    use std::process::Command;

    if !is_root() || Command::new("unshare").arg("--version").output().is_err() {
        eprintln!("SKIPPED: needs root and unshare(1)");
        return;
    }
    let dir = nsca_tests::TempDir::new("syslog").expect("temp");
    let socket_path = dir.path().join("log");
    let socket = UnixDatagram::bind(&socket_path).expect("log socket");
    socket
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let port = nsca_tests::free_port("127.0.0.1".parse().expect("ip"));
    let pid_file = dir.path().join("nsca.pid");
    let cfg = common::write_config(
        dir.path(),
        port,
        &[
            "log_facility=local3",
            &format!("pid_file={}", pid_file.display()),
        ],
    );
    let script = format!(
        "mount -t tmpfs none /dev && mknod -m 666 /dev/null c 1 3 && \
         mknod -m 444 /dev/urandom c 1 9 && ln -s {} /dev/log && exec {} -c {}",
        socket_path.display(),
        common::ours().display(),
        cfg.display()
    );
    let out = common::run_bounded(
        Command::new("unshare").args(["-m", "--propagation", "private", "sh", "-c", &script]),
        Duration::from_secs(20),
    );
    assert!(out.status.success(), "{out:?}");
    let mut seen = Vec::new();
    let mut buf = [0u8; 2048];
    while let Ok(n) = socket.recv(&mut buf) {
        let line = String::from_utf8_lossy(&buf[..n]).into_owned();
        let done = line.contains("listening on");
        seen.push(line);
        if done {
            break;
        }
    }
    let pid: i32 = std::fs::read_to_string(&pid_file)
        .expect("pid file")
        .trim()
        .parse()
        .expect("pid");
    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGTERM,
    );
    // local3 is facility 19, notice is severity 5: priority 19 * 8 + 5 = 157.
    let listening = seen
        .iter()
        .find(|l| l.contains("listening on"))
        .unwrap_or_else(|| panic!("no 'listening on' message in {seen:?}"));
    assert!(listening.starts_with("<157>"), "{listening}");
    assert!(listening.contains(&format!("nsca[{pid}]: ")), "{listening}");
    common::wait_until(
        Duration::from_secs(10),
        || (!common::alive(pid)).then_some(()),
        || format!("the daemon (pid {pid}) did not stop"),
    );
}
