//! The Debian package, `nsca-rs_*.deb`, as `cargo deb -p nsca-cli` builds it.
//!
//! Building it takes a release build, so the test does not build it itself: `./test.sh` builds it
//! first and passes its path in `NSCA_RS_DEB`. Without that variable the tests are skipped
//! loudly, or fail when `NSCA_REQUIRE_INTEROP` is set (as `./test.sh` sets it).
//!
//! The package is checked as an admin would meet it: its control fields and file list, lintian
//! (no error, no warning that is not overridden with a reason), and its programs, unpacked with
//! `dpkg-deb -x` into a temporary root (never installed: the other tests need Debian's own
//! nsca-client), sending to the real NSCA daemon. Its pages and completions must be the committed
//! ones and its send_nsca must print what the freshly built one prints, so that a stale package
//! fails too.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use nsca_tests::{
    Daemon, DaemonConfig, TempDir, interop_required, run_with_stdin, strip_timestamp,
};

/// Every file the package holds (directories aside).
const FILES: &[&str] = &[
    "/etc/nsca.cfg",
    "/etc/send_nsca.cfg",
    "/lib/systemd/system/nsca.service",
    "/usr/sbin/nsca",
    "/usr/sbin/send_nsca",
    "/usr/share/bash-completion/completions/nsca",
    "/usr/share/bash-completion/completions/send_nsca",
    "/usr/share/doc/nsca-rs/README.send_nsca.md",
    "/usr/share/doc/nsca-rs/changelog.Debian.gz",
    "/usr/share/doc/nsca-rs/copyright",
    "/usr/share/doc/nsca-rs/examples/nagios/nagios.cfg.snippet",
    "/usr/share/doc/nsca-rs/examples/nagios/nsca.cfg.snippet",
    "/usr/share/doc/nsca-rs/examples/nagios/ossec-services.cfg.example",
    "/usr/share/doc/nsca-rs/examples/nagios/ossec-templates.cfg",
    "/usr/share/doc/nsca-rs/examples/nagios/send_nsca.cfg.example",
    "/usr/share/doc/nsca-rs/examples/ossec/nagios-alert.conf",
    "/usr/share/doc/nsca-rs/examples/ossec/nagios-alert.sh",
    "/usr/share/doc/nsca-rs/examples/ossec/nagios-hosts.map",
    "/usr/share/doc/nsca-rs/examples/ossec/ossec.conf.snippet",
    "/usr/share/doc/nsca-rs/ossec-nagios.md",
    "/usr/share/fish/vendor_completions.d/nsca.fish",
    "/usr/share/fish/vendor_completions.d/send_nsca.fish",
    "/usr/share/lintian/overrides/nsca-rs",
    "/usr/share/man/man1/send_nsca.1.gz",
    "/usr/share/man/man5/nsca.cfg.5.gz",
    "/usr/share/man/man5/send_nsca.cfg.5.gz",
    "/usr/share/man/man8/nsca.8.gz",
    "/usr/share/zsh/vendor-completions/_nsca",
    "/usr/share/zsh/vendor-completions/_send_nsca",
];

/// The package's path, or `None` (after a loud notice) when `NSCA_RS_DEB` is not set.
fn package() -> Option<PathBuf> {
    match std::env::var_os("NSCA_RS_DEB") {
        Some(path) => {
            let path = PathBuf::from(path);
            assert!(
                path.is_file(),
                "NSCA_RS_DEB={} is not a file",
                path.display()
            );
            Some(path)
        }
        None => {
            assert!(
                !interop_required(),
                "NSCA_RS_DEB is not set: build the package with `cargo deb -p nsca-cli` and \
                 point NSCA_RS_DEB at it (./test.sh does both)"
            );
            eprintln!(
                "\n=== SKIPPED: NSCA_RS_DEB is not set; the Debian package was not checked. \
                 ./test.sh builds it and runs these tests. ===\n"
            );
            None
        }
    }
}

fn run(program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `dpkg-deb -f` of one control field.
fn field(deb: &Path, name: &str) -> String {
    let out = run("dpkg-deb", &["-f", deb.to_str().expect("utf-8"), name]);
    assert!(out.status.success(), "dpkg-deb -f {name}");
    text(&out.stdout).trim().to_owned()
}

/// The package unpacked into a temporary root.
fn unpack(deb: &Path) -> TempDir {
    let root = TempDir::new("deb-root").expect("temp dir");
    let out = Command::new("dpkg-deb")
        .arg("-x")
        .arg(deb)
        .arg(root.path())
        .output()
        .expect("dpkg-deb -x");
    assert!(out.status.success(), "dpkg-deb -x: {}", text(&out.stderr));
    root
}

#[test]
fn control_fields() {
    let Some(deb) = package() else { return };
    assert_eq!(field(&deb, "Package"), "nsca-rs");
    assert_eq!(
        field(&deb, "Version"),
        format!("{}-1", env!("CARGO_PKG_VERSION"))
    );
    for relation in ["Conflicts", "Replaces", "Provides"] {
        assert_eq!(field(&deb, relation), "nsca-client, nsca", "{relation}");
    }
    assert!(field(&deb, "Depends").contains("libc6"));
    let control = TempDir::new("deb-control").expect("temp dir");
    let out = Command::new("dpkg-deb")
        .arg("-e")
        .arg(&deb)
        .arg(control.path().join("DEBIAN"))
        .output()
        .expect("dpkg-deb -e");
    assert!(out.status.success(), "dpkg-deb -e: {}", text(&out.stderr));
    let conffiles =
        std::fs::read_to_string(control.path().join("DEBIAN/conffiles")).expect("conffiles");
    assert_eq!(
        conffiles.lines().collect::<BTreeSet<_>>(),
        BTreeSet::from(["/etc/nsca.cfg", "/etc/send_nsca.cfg"])
    );
    // The unit is neither enabled nor started by the package, only re-enabled when it was
    // enabled before (Debian's nsca), and unmasked after Debian's nsca masked it on removal.
    let postinst =
        std::fs::read_to_string(control.path().join("DEBIAN/postinst")).expect("postinst");
    for needle in [
        "deb-systemd-helper unmask nsca.service",
        "deb-systemd-helper --quiet was-enabled nsca.service",
        "deb-systemd-invoke try-restart nsca.service",
    ] {
        assert!(postinst.contains(needle), "{needle} missing:\n{postinst}");
    }
    let code: String = postinst
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .collect();
    for word in [
        "invoke start",
        "invoke restart",
        "systemctl start",
        "enable --now",
    ] {
        assert!(!code.contains(word), "{word:?} in postinst:\n{postinst}");
    }
    let prerm = std::fs::read_to_string(control.path().join("DEBIAN/prerm")).expect("prerm");
    assert!(prerm.contains("deb-systemd-invoke stop nsca.service"));
    for script in ["postinst", "prerm", "postrm"] {
        let out = Command::new("sh")
            .arg("-n")
            .arg(control.path().join("DEBIAN").join(script))
            .output()
            .expect("sh -n");
        assert!(
            out.status.success(),
            "sh -n {script}: {}",
            text(&out.stderr)
        );
    }
}

#[test]
fn files_and_modes() {
    let Some(deb) = package() else { return };
    let out = run("dpkg-deb", &["-c", deb.to_str().expect("utf-8")]);
    assert!(out.status.success());
    let listing = text(&out.stdout);
    let mut files = BTreeSet::new();
    for line in listing.lines() {
        let mode = line.split_whitespace().next().expect("mode");
        let path = line.rsplit(' ').next().expect("path");
        let path = path.strip_prefix('.').expect("./path");
        if mode.starts_with('d') {
            continue;
        }
        let want = if path.starts_with("/usr/sbin/") {
            "-rwxr-xr-x"
        } else {
            "-rw-r--r--"
        };
        assert_eq!(mode, want, "{path}");
        files.insert(path.to_owned());
    }
    let want: BTreeSet<String> = FILES.iter().map(|f| (*f).to_owned()).collect();
    assert_eq!(files, want);
}

#[test]
fn lintian_is_clean() {
    let Some(deb) = package() else { return };
    if !Path::new("/usr/bin/lintian").exists() {
        assert!(
            !interop_required(),
            "lintian is required (Debian package lintian)"
        );
        eprintln!("\n=== SKIPPED: lintian is not installed ===\n");
        return;
    }
    let out = Command::new("lintian")
        .args(["--fail-on", "error,warning", "--pedantic"])
        .arg(&deb)
        .output()
        .expect("run lintian");
    let report = format!("{}{}", text(&out.stdout), text(&out.stderr));
    let problems: Vec<&str> = report
        .lines()
        .filter(|l| l.starts_with("E: ") || l.starts_with("W: ") || l.starts_with("P: "))
        .collect();
    assert!(
        out.status.success() && problems.is_empty(),
        "lintian {:?}:\n{report}",
        out.status
    );
    // The overrides file is read and each override is used (an unused one is a warning above).
    let out = Command::new("lintian")
        .args(["--pedantic", "--show-overrides"])
        .arg(&deb)
        .output()
        .expect("run lintian");
    let report = text(&out.stdout);
    for tag in [
        "initial-upload-closes-no-bugs",
        "manual-page-for-system-command",
    ] {
        assert!(
            report
                .lines()
                .any(|l| l.starts_with("O: ") && l.contains(tag)),
            "override {tag} not used:\n{report}"
        );
    }
}

/// Pages and completions in the package are the committed, generated ones.
#[test]
fn documentation_is_the_generated_one() {
    let Some(deb) = package() else { return };
    let root = unpack(&deb);
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (packaged, committed) in [
        ("usr/share/man/man1/send_nsca.1.gz", "man/send_nsca.1"),
        (
            "usr/share/man/man5/send_nsca.cfg.5.gz",
            "man/send_nsca.cfg.5",
        ),
        ("usr/share/man/man8/nsca.8.gz", "man/nsca.8"),
        ("usr/share/man/man5/nsca.cfg.5.gz", "man/nsca.cfg.5"),
    ] {
        let out = Command::new("gzip")
            .arg("-dc")
            .arg(root.path().join(packaged))
            .output()
            .expect("gzip -dc");
        assert!(out.status.success(), "{packaged}");
        let want = std::fs::read(crate_dir.join(committed)).expect(committed);
        assert!(out.stdout == want, "{packaged} differs from {committed}");
    }
    for (packaged, committed) in [
        (
            "usr/share/bash-completion/completions/send_nsca",
            "completions/send_nsca.bash",
        ),
        (
            "usr/share/zsh/vendor-completions/_send_nsca",
            "completions/_send_nsca",
        ),
        (
            "usr/share/fish/vendor_completions.d/send_nsca.fish",
            "completions/send_nsca.fish",
        ),
        (
            "usr/share/bash-completion/completions/nsca",
            "completions/nsca.bash",
        ),
        (
            "usr/share/zsh/vendor-completions/_nsca",
            "completions/_nsca",
        ),
        (
            "usr/share/fish/vendor_completions.d/nsca.fish",
            "completions/nsca.fish",
        ),
        ("etc/send_nsca.cfg", "../contrib/send_nsca.cfg"),
        ("etc/nsca.cfg", "../contrib/nsca.cfg"),
        (
            "lib/systemd/system/nsca.service",
            "../contrib/systemd/nsca.service",
        ),
    ] {
        let got = std::fs::read(root.path().join(packaged)).expect(packaged);
        let want = std::fs::read(crate_dir.join(committed)).expect(committed);
        assert!(got == want, "{packaged} differs from {committed}");
    }
    for script in ["send_nsca", "nsca"] {
        let out = Command::new("bash")
            .arg("-n")
            .arg(
                root.path()
                    .join("usr/share/bash-completion/completions")
                    .join(script),
            )
            .output()
            .expect("bash -n");
        assert!(out.status.success(), "bash -n: {}", text(&out.stderr));
    }
}

/// The unpacked daemon is the one these sources build, and the unpacked send_nsca delivers to
/// it, encrypted with AES (method 14).
#[test]
fn unpacked_nsca_receives_from_unpacked_send_nsca() {
    let Some(deb) = package() else { return };
    let root = unpack(&deb);
    let nsca = root.path().join("usr/sbin/nsca");
    let out = Command::new(&nsca).arg("-V").output().expect("run nsca -V");
    assert_eq!(
        (out.status.code(), text(&out.stdout)),
        (Some(3), nsca_daemon::cli::banner()),
        "the packaged nsca -V differs from the one built from these sources"
    );
    let out = Command::new(&nsca).arg("-h").output().expect("run nsca -h");
    assert_eq!(
        text(&out.stdout),
        format!(
            "{}{}",
            nsca_daemon::cli::banner(),
            nsca_daemon::cli::usage(nsca.to_str().expect("utf-8"))
        )
    );
    let daemon = Daemon::start_ours(&nsca, &DaemonConfig::new(14, "package secret"));
    let dir = TempDir::new("deb-client").expect("temp dir");
    let config = dir.path().join("send_nsca.cfg");
    std::fs::write(&config, "encryption_method=14\npassword=package secret\n").expect("cfg");
    let port = daemon.port().to_string();
    let mut cmd = Command::new(root.path().join("usr/sbin/send_nsca"));
    cmd.args(["-H", "127.0.0.1", "-p", &port, "-c"])
        .arg(&config);
    let out = run_with_stdin(&mut cmd, b"deb\tAES\t2\tfrom package to package\n");
    assert_eq!(
        (out.status.code(), text(&out.stdout)),
        (
            Some(0),
            "1 data packet(s) sent to host successfully.\n".to_owned()
        ),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        settled(&daemon, 1),
        ["PROCESS_SERVICE_CHECK_RESULT;deb;AES;2;from package to package"],
        "daemon log:\n{}",
        daemon.log()
    );
}

/// The unpacked send_nsca is the one these sources build, and it delivers to the real daemon
/// with the package's own sample configuration.
#[test]
fn unpacked_send_nsca_sends_to_the_daemon() {
    let Some(deb) = package() else { return };
    let root = unpack(&deb);
    let send_nsca = root.path().join("usr/sbin/send_nsca");
    for args in [&["-V"][..], &["--help"], &["-l"]] {
        let packaged = Command::new(&send_nsca).args(args).output().expect("run");
        let built = Command::new(env!("CARGO_BIN_EXE_send_nsca"))
            .args(args)
            .output()
            .expect("run");
        assert_eq!(packaged.status.code(), Some(3), "{args:?}");
        assert_eq!(
            text(&packaged.stdout).replace(send_nsca.to_str().expect("utf-8"), "send_nsca"),
            text(&built.stdout).replace(env!("CARGO_BIN_EXE_send_nsca"), "send_nsca"),
            "the packaged send_nsca {args:?} differs from the one built from these sources"
        );
    }
    // The sample /etc/send_nsca.cfg: XOR and no password, Debian's defaults.
    let Some(daemon) = Daemon::start(&DaemonConfig::new(1, "")) else {
        return;
    };
    let config = root.path().join("etc/send_nsca.cfg");
    let port = daemon.port().to_string();
    let mut cmd = Command::new(&send_nsca);
    cmd.args(["-H", "127.0.0.1", "-p", &port, "-c"])
        .arg(&config);
    let out = run_with_stdin(
        &mut cmd,
        b"pkg-host\tpackaged\t1\tsent by the unpacked package\x17pkg-host\t0\tup\n",
    );
    assert_eq!(
        (out.status.code(), text(&out.stdout), text(&out.stderr)),
        (
            Some(0),
            "2 data packet(s) sent to host successfully.\n".to_owned(),
            String::new()
        )
    );
    let lines = settled(&daemon, 2);
    assert_eq!(
        lines,
        [
            "PROCESS_SERVICE_CHECK_RESULT;pkg-host;packaged;1;sent by the unpacked package",
            "PROCESS_HOST_CHECK_RESULT;pkg-host;0;up",
        ]
    );
}

/// The command file's lines without timestamps, once `n` arrived (at most 10 s).
fn settled(daemon: &Daemon, n: usize) -> Vec<String> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let lines = daemon.lines();
        if lines.len() >= n || std::time::Instant::now() > deadline {
            std::thread::sleep(std::time::Duration::from_millis(100));
            return daemon
                .lines()
                .iter()
                .map(|l| strip_timestamp(l).to_owned())
                .collect();
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}
