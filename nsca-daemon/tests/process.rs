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
