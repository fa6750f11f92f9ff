//! OSSEC alerts in Nagios, end to end (issue 6): `contrib/ossec/nagios-alert.sh`, called exactly
//! as ossec-execd calls it, finds each alert of a fixture `alerts.log` by its id and sends it
//! with OUR `send_nsca` to the real NSCA 2.10.2 daemon, which writes into the command pipe of a
//! real Nagios Core 4 loaded with the shipped `contrib/nagios/ossec-templates.cfg`. The test
//! then waits (bounded) until Nagios' `status.dat` shows each expected state, output and long
//! output.
//!
//! Issue 13: with our `send_nsca` the script passes `--spool`; alerts that arrive while the
//! daemon is down are spooled and delivered, in order and once each, with the next alert or by
//! `nagios-alert.sh flush` (checked in the daemon's command file).
//!
//! Our `send_nsca` is `target/<profile>/send_nsca` next to this test binary (`cargo test
//! --workspace` builds it), or the program named by `NSCA_E2E_SEND_NSCA`.

use std::env;
use std::fs;
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use nsca_tests::nagios::{CONTACT, Nagios, NagiosConfig};
use nsca_tests::{
    C_SEND_NSCA, Daemon, DaemonConfig, TempDir, client_config, real_program, run_with_stdin,
};

const WAIT: Duration = Duration::from_secs(20);
/// NSCA method 14 (RIJNDAEL-128 in libmcrypt's terms, AES-256-CFB8), as the guide recommends.
const METHOD: u8 = 14;
const PASSWORD: &str = "ossec-e2e secret";
const ALERTS: &[u8] = include_bytes!("../data/ossec/alerts.log");
const WAZUH_JSON: &[u8] = include_bytes!("../data/ossec/wazuh-4.2-ar.json");
/// The words of OSSEC 2.9's `BAD_WORDS` (etc/rules/syslog_rules.xml, rule 1002 and friends).
/// OSSEC reads active-responses.log itself: a line with one of them would raise a new alert.
const BAD_WORDS: &[&str] = &[
    "core_dumped",
    "failure",
    "error",
    "attack",
    " bad ",
    "illegal ",
    "denied",
    "refused",
    "unauthorized",
    "fatal",
    "failed",
    "segmentation fault",
    "corrupted",
];

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// Our `send_nsca`: `NSCA_E2E_SEND_NSCA`, or the binary cargo built into the same target
/// directory and profile as this test (`target/debug/deps/ossec_e2e-*` -> `target/debug/`).
fn our_send_nsca() -> PathBuf {
    if let Some(path) = env::var_os("NSCA_E2E_SEND_NSCA") {
        let path = PathBuf::from(path);
        assert!(
            path.is_file(),
            "NSCA_E2E_SEND_NSCA={} is not a file",
            path.display()
        );
        return path;
    }
    let exe = env::current_exe().expect("test binary path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps/<test>");
    let path = profile_dir.join("send_nsca");
    assert!(
        path.is_file(),
        "our send_nsca is not built at {}: run `cargo build -p nsca-cli` first (`cargo test \
         --workspace` builds it), or name a binary in NSCA_E2E_SEND_NSCA",
        path.display()
    );
    path
}

/// An OSSEC installation as far as the active response sees it: `<root>/active-response/bin/`
/// with the shipped script, `etc/nagios-alert.conf`, `etc/nagios-hosts.map`,
/// `logs/alerts/alerts.log` and `logs/active-responses.log`.
struct Ossec {
    _dir: TempDir,
    root: PathBuf,
}

impl Ossec {
    fn new(conf: &str, alerts: &[u8]) -> Self {
        let dir = TempDir::new("ossec").expect("temp dir");
        let root = dir.path().join("ossec");
        for sub in ["active-response/bin", "etc", "logs/alerts"] {
            fs::create_dir_all(root.join(sub)).expect("ossec tree");
        }
        let script = root.join("active-response/bin/nagios-alert.sh");
        fs::copy(repo_root().join("contrib/ossec/nagios-alert.sh"), &script).expect("copy script");
        fs::set_permissions(&script, fs::Permissions::from_mode(0o750)).expect("chmod");
        fs::write(root.join("etc/nagios-alert.conf"), conf).expect("conf");
        fs::write(
            root.join("etc/nagios-hosts.map"),
            "# OSSEC name   Nagios host\nweb01   www.example.org\nretired-*  -\n",
        )
        .expect("host map");
        fs::write(root.join("logs/alerts/alerts.log"), alerts).expect("alerts.log");
        fs::write(root.join("logs/active-responses.log"), "").expect("active-responses.log");
        Self { _dir: dir, root }
    }

    fn script(&self) -> PathBuf {
        self.root.join("active-response/bin/nagios-alert.sh")
    }

    /// Runs the script the way ossec-execd 2.x does: `execv()` of the full path with `add` (or
    /// `delete`), then the rest of its message split on every space; execd's environment (a daemon started by init: PATH
    /// only), cwd `/`, and /dev/null as stdin (stdout and stderr are captured to check them).
    fn execd(&self, args: &[&str]) -> (Output, Duration) {
        let start = Instant::now();
        let out = Command::new(self.script())
            .args(args)
            .env_clear()
            .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
            .current_dir("/")
            .stdin(Stdio::null())
            .output()
            .expect("run nagios-alert.sh");
        (out, start.elapsed())
    }

    /// Runs the script for an alert of the fixture, with execd's argv for a
    /// `<location>server</location>` active response: `- - <id> <rule> <location...> -`.
    fn alert(&self, alert: &Alert) -> (Output, Duration) {
        let mut args = vec!["add", "-", "-", alert.id, alert.rule];
        args.extend(alert.location.split(' '));
        args.push("-");
        let (out, took) = self.execd(&args);
        assert_clean_exit(&out, &self.ar_log());
        (out, took)
    }

    /// Runs the script as Wazuh >= 4.2 does: no arguments, the JSON message on stdin.
    fn wazuh(&self, json: &[u8]) -> Output {
        let out = run_with_stdin(
            Command::new(self.script())
                .env_clear()
                .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
                .current_dir("/"),
            json,
        );
        assert_clean_exit(&out, &self.ar_log());
        out
    }

    /// The spool of our send_nsca (SPOOL_DIR's default).
    fn spool(&self) -> PathBuf {
        self.root.join("var/nagios-spool")
    }

    /// The spool's files.
    fn spooled(&self) -> usize {
        fs::read_dir(self.spool()).map_or(0, |d| {
            d.filter_map(Result::ok)
                .filter(|e| e.file_name().to_string_lossy().ends_with(".batch"))
                .count()
        })
    }

    /// `nagios-alert.sh flush`, as cron runs it.
    fn flush(&self) -> Output {
        Command::new(self.script())
            .arg("flush")
            .env_clear()
            .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
            .current_dir("/")
            .stdin(Stdio::null())
            .output()
            .expect("run nagios-alert.sh flush")
    }

    fn set_conf(&self, conf: &str) {
        fs::write(self.root.join("etc/nagios-alert.conf"), conf).expect("conf");
    }

    fn ar_log(&self) -> String {
        fs::read_to_string(self.root.join("logs/active-responses.log")).unwrap_or_default()
    }

    fn detail_log(&self) -> String {
        fs::read_to_string(self.root.join("logs/nagios-alert.log")).unwrap_or_default()
    }

    /// The outcome line the script logged for `id` (the last one).
    fn outcome(&self, id: &str) -> String {
        let needle = format!("nagios-alert.sh: alert {id} ");
        self.ar_log()
            .lines()
            .rev()
            .find(|l| l.contains(&needle))
            .unwrap_or_else(|| panic!("no outcome logged for {id}:\n{}", self.ar_log()))
            .to_owned()
    }
}

fn assert_clean_exit(out: &Output, ar_log: &str) {
    assert!(
        out.status.success() && out.stdout.is_empty() && out.stderr.is_empty(),
        "the script must exit 0 silently; status {}, stdout {:?}, stderr {:?}\n\
         active-responses.log:\n{ar_log}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// An alert of `tests/data/ossec/alerts.log` and what Nagios must show for it.
struct Alert {
    id: &'static str,
    rule: &'static str,
    location: &'static str,
    host: &'static str,
    state: i32,
    output: &'static str,
    long: &'static str,
}

const SUDO: Alert = Alert {
    id: "1529416931.0",
    rule: "5402",
    location: "ossec-srv->/var/log/auth.log",
    host: "ossec-srv",
    state: 0,
    output: "Successful sudo to ROOT executed",
    long: "Rule 5402 (level 3), alert 1529416931.0, ossec-srv->/var/log/auth.log\n\
           User: alice\n\
           Jun 19 14:02:10 ossec-srv sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; \
           COMMAND=/bin/systemctl restart nginx",
};

/// Level 2, below the test's MIN_LEVEL 3: never sent.
const MYSQL: Alert = Alert {
    id: "1529416940.281",
    rule: "1002",
    location: "(db02) 10.0.0.12->/var/log/syslog",
    host: "db02",
    state: -1,
    output: "",
    long: "",
};

/// Agent web01, mapped to the Nagios host www.example.org.
const SSHD_FAILED: Alert = Alert {
    id: "1529416958.563",
    rule: "5716",
    location: "(web01) 10.0.0.5->/var/log/secure",
    host: "www.example.org",
    state: 0,
    output: "SSHD authentication failed.",
    long: "Rule 5716 (level 5), alert 1529416958.563, (web01) 10.0.0.5->/var/log/secure\n\
           Src IP: 203.0.113.45\n\
           User: root\n\
           Jun 19 14:02:37 web01 sshd[21873]: Failed password for root from 203.0.113.45 port \
           51234 ssh2",
};

/// A correlation rule: eight log lines.
const SSHD_MULTIPLE: Alert = Alert {
    id: "1529416972.861",
    rule: "5720",
    location: "(db02) 10.0.0.12->/var/log/auth.log",
    host: "db02",
    state: 1,
    output: "Multiple SSHD authentication failures.",
    long: "Rule 5720 (level 10), alert 1529416972.861, (db02) 10.0.0.12->/var/log/auth.log\n\
           Src IP: 198.51.100.77\n\
           User: root\n\
           Jun 19 14:02:51 db02 sshd[30911]: Failed password for root from 198.51.100.77 port 40522 ssh2\n\
           Jun 19 14:01:48 db02 sshd[30909]: Failed password for root from 198.51.100.77 port 40518 ssh2\n\
           Jun 19 14:01:44 db02 sshd[30907]: Failed password for root from 198.51.100.77 port 40514 ssh2\n\
           Jun 19 14:01:40 db02 sshd[30905]: Failed password for root from 198.51.100.77 port 40510 ssh2\n\
           Jun 19 14:01:36 db02 sshd[30903]: Failed password for root from 198.51.100.77 port 40506 ssh2\n\
           Jun 19 14:01:32 db02 sshd[30901]: Failed password for root from 198.51.100.77 port 40502 ssh2\n\
           Jun 19 14:01:28 db02 sshd[30899]: Failed password for root from 198.51.100.77 port 40498 ssh2\n\
           Jun 19 14:01:24 db02 sshd[30897]: Failed password for root from 198.51.100.77 port 40494 ssh2",
};

/// syscheck: a multi-line event followed by two empty lines.
const SYSCHECK: Alert = Alert {
    id: "1529417012.1840",
    rule: "550",
    location: "ossec-srv->syscheck",
    host: "ossec-srv",
    state: 1,
    output: "Integrity checksum changed.",
    long: "Rule 550 (level 7), alert 1529417012.1840, ossec-srv->syscheck\n\
           Integrity checksum changed for: '/etc/passwd'\n\
           Size changed from '1642' to '1689'\n\
           Old md5sum was: '86f7e437faa5a7fce15d1ddcb9eaeaea'\n\
           New md5sum is : 'e9d71f5ee7c92d6dc9e92ffdad17b8bd'\n\
           Old sha1sum was: '84a516841ba77a5b4648de2cd0dfcb30ea46dbb4'\n\
           New sha1sum is : '3c363836cf4e16666669a25da280a1865c2d2874'",
};

/// `;`, `|`, backslashes, a literal `\n`, a TAB and non-ASCII text. The script turns `|` into
/// `¦` (Nagios would cut the output there) and the TAB into a space; Nagios itself turns `;` into
/// `:` in the first line (never in the long output).
const WEB_ATTACK: Alert = Alert {
    id: "1529417041.2289",
    rule: "100100",
    location: "(web02) 10.0.0.6->/var/log/apache2/error.log",
    host: "web02",
    state: 2,
    output: "Web attack: path with ¦ pipe, back\\slash and accents: accès refusé à « /admin »",
    long: "Rule 100100 (level 12), alert 1529417041.2289, (web02) 10.0.0.6->/var/log/apache2/error.log\n\
           Src IP: 203.0.113.9\n\
           [Tue Jun 19 14:04:01.123456 2018] [authz_core:error] [pid 1234] [client 203.0.113.9:4242] \
           AH01630: client denied by server configuration: /var/www/html/admin¦x;y\\z\n\
           [Tue Jun 19 14:04:01.223456 2018] [php:notice] [pid 1234] user «élodie» uploaded \
           C:\\temp\\new.php; literal \\n stays; 100% ¦ done ✓",
};

/// A description with quotes in it (and a trailing space); web01 again, mapped.
const RM_RF: Alert = Alert {
    id: "1529417077.2841",
    rule: "100200",
    location: "(web01) 10.0.0.5->/var/log/auth.log",
    host: "www.example.org",
    state: 2,
    output: "Command 'rm -rf /' run by 'www-data'",
    long: "Rule 100200 (level 13), alert 1529417077.2841, (web01) 10.0.0.5->/var/log/auth.log\n\
           User: www-data\n\
           Jun 19 14:04:36 web01 sudo: www-data : TTY=unknown ; PWD=/var/www ; USER=root ; \
           COMMAND=/bin/rm -rf /",
};

/// Sent through the Wazuh 4.2 JSON interface (tests/data/ossec/wazuh-4.2-ar.json).
const BRUTE_FORCE: Alert = Alert {
    id: "1529417093.3131",
    rule: "5712",
    location: "(db02) 10.0.0.12->/var/log/auth.log",
    host: "db02",
    state: 1,
    output: "SSHD brute force trying to get access to the system.",
    long: "Rule 5712 (level 10), alert 1529417093.3131, (db02) 10.0.0.12->/var/log/auth.log\n\
           Src IP: 192.0.2.200\n\
           Jun 19 14:04:52 db02 sshd[31011]: Invalid user admin from 192.0.2.200\n\
           Jun 19 14:04:50 db02 sshd[31009]: Invalid user oracle from 192.0.2.200\n\
           Jun 19 14:04:48 db02 sshd[31007]: Invalid user test from 192.0.2.200",
};

/// On lab01, whose service has a 2-second freshness threshold.
const HONEYPOT: Alert = Alert {
    id: "1529417110.3570",
    rule: "100300",
    location: "(lab01) 10.0.0.30->/var/log/auth.log",
    host: "lab01",
    state: 2,
    output: "Honeypot: login attempt on a decoy host.",
    long: "",
};

const ALL: &[&Alert] = &[
    &SUDO,
    &MYSQL,
    &SSHD_FAILED,
    &SSHD_MULTIPLE,
    &SYSCHECK,
    &WEB_ATTACK,
    &RM_RF,
    &BRUTE_FORCE,
    &HONEYPOT,
];

fn nagios_objects() -> String {
    let mut objects = String::new();
    for host in [
        "ossec-srv",
        "db02",
        "www.example.org",
        "web02",
        "lab01",
        "c-client",
    ] {
        objects.push_str(&format!(
            "define host {{\n    host_name {host}\n    address 127.0.0.1\n    \
             max_check_attempts 1\n    check_period 24x7\n    active_checks_enabled 0\n    \
             contacts {CONTACT}\n}}\n\
             define service {{\n    use ossec-passive-service\n    host_name {host}\n    \
             service_description OSSEC\n    contacts {CONTACT}\n{}}}\n",
            if host == "lab01" {
                "    freshness_threshold 2\n"
            } else {
                ""
            }
        ));
    }
    objects
}

fn script_conf(send_nsca: &Path, port: u16, cfg: &Path) -> String {
    format!(
        "# written by tests/tests/ossec_e2e.rs\nNSCA_HOST=127.0.0.1\nNSCA_PORT={port}\n\
         NSCA_TIMEOUT=5\nSEND_NSCA='{}'\nSEND_NSCA_CFG='{}'\nMIN_LEVEL=3\nALERT_WAIT=1\n",
        send_nsca.display(),
        cfg.display()
    )
}

fn expect_service(nagios: &Nagios, alert: &Alert, after: u64) {
    let got = nagios.wait_for_service(alert.host, "OSSEC", WAIT, |s| {
        s.last_check >= after
            && s.current_state == alert.state
            && s.plugin_output == alert.output
            && s.long_plugin_output == alert.long
    });
    if let Err(last) = got {
        panic!(
            "Nagios never showed alert {} on {}/OSSEC as state {}\n  output {:?}\n  long   {:?}\n\
             last status: {last:#?}\n{}",
            alert.id,
            alert.host,
            alert.state,
            alert.output,
            alert.long,
            nagios.diagnostics()
        );
    }
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[test]
fn fixture_alert_ids_are_byte_offsets() {
    // ossec-analysisd's alert id is <time>.<ftell(alerts.log)>: check that the fixture is
    // faithful, so the script's seek-to-offset path is what runs.
    for alert in ALL {
        let offset: usize = alert.id.split_once('.').unwrap().1.parse().unwrap();
        let header = format!("** Alert {}:", alert.id);
        assert!(
            ALERTS[offset..].starts_with(header.as_bytes()),
            "{} is not at byte {offset}",
            alert.id
        );
    }
}

#[test]
fn script_is_valid_posix_sh() {
    let out = Command::new("sh")
        .arg("-n")
        .arg(repo_root().join("contrib/ossec/nagios-alert.sh"))
        .output()
        .expect("sh -n");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The shipped example (hosts, host group, the service on the group) loads into Nagios 4
/// together with the templates and Debian's sample objects (linux-server, admins, 24x7).
#[test]
fn shipped_nagios_example_verifies() {
    let sample = Path::new("/etc/nagios4/objects");
    let mut object_files: Vec<PathBuf> = [
        "timeperiods.cfg",
        "commands.cfg",
        "contacts.cfg",
        "templates.cfg",
    ]
    .iter()
    .map(|f| sample.join(f))
    .collect();
    if !object_files.iter().all(|f| f.is_file()) {
        // nagios4-core without nagios4-common's samples: verify what we can on its own.
        object_files.clear();
    }
    let with_samples = !object_files.is_empty();
    object_files.push(repo_root().join("contrib/nagios/ossec-templates.cfg"));
    if with_samples {
        object_files.push(repo_root().join("contrib/nagios/ossec-services.cfg.example"));
    }
    let Some(result) = Nagios::verify(&NagiosConfig {
        object_files,
        skip_builtin_objects: with_samples,
        objects: if with_samples {
            // Debian defines check-host-alive (used by linux-server) in the monitoring plugins'
            // /etc/nagios-plugins/config/ping.cfg, which this test does not need.
            "define command {\n    command_name check-host-alive\n    command_line /bin/true\n}\n"
                .to_owned()
        } else {
            format!(
                "define host {{\n    host_name h\n    max_check_attempts 1\n    contacts {CONTACT}\n}}\n\
                 define service {{\n    use ossec-passive-service\n    host_name h\n    \
                 service_description OSSEC\n    contacts {CONTACT}\n}}\n"
            )
        },
        ..NagiosConfig::default()
    }) else {
        return;
    };
    let out =
        result.unwrap_or_else(|out| panic!("nagios4 -v rejected the shipped objects:\n{out}"));
    assert!(out.contains("Total Errors:   0"), "{out}");
}

#[test]
fn ossec_alerts_reach_nagios() {
    let Some(nagios) = Nagios::start(&NagiosConfig {
        objects: nagios_objects(),
        object_files: vec![repo_root().join("contrib/nagios/ossec-templates.cfg")],
        ..NagiosConfig::default()
    }) else {
        return;
    };
    let Some(daemon) = Daemon::start(&DaemonConfig {
        command_file: Some(nagios.command_file()),
        ..DaemonConfig::new(METHOD, PASSWORD)
    }) else {
        return;
    };
    let send_nsca = our_send_nsca();
    let cfg_dir = TempDir::new("ossec-client").expect("temp dir");
    let cfg = client_config(cfg_dir.path(), METHOD, PASSWORD);
    let ossec = Ossec::new(&script_conf(&send_nsca, daemon.port(), &cfg), ALERTS);

    // Below MIN_LEVEL: skipped before anything is sent.
    ossec.alert(&MYSQL);
    assert!(
        ossec
            .outcome(MYSQL.id)
            .ends_with("level 2 below MIN_LEVEL 3, skipped"),
        "{}",
        ossec.ar_log()
    );

    // Every other alert, one after the other, each checked in status.dat.
    for alert in [
        &SUDO,
        &SSHD_FAILED,
        &SSHD_MULTIPLE,
        &SYSCHECK,
        &WEB_ATTACK,
        &RM_RF,
    ] {
        let before = now();
        let (_, took) = ossec.alert(alert);
        assert!(took < Duration::from_secs(5), "{} took {took:?}", alert.id);
        let outcome = ossec.outcome(alert.id);
        assert!(
            outcome.contains(&format!(
                "sent to Nagios as {}/OSSEC state {}",
                alert.host, alert.state
            )),
            "{outcome}\n{}",
            ossec.detail_log()
        );
        expect_service(&nagios, alert, before);
    }

    // Wazuh >= 4.2: no argv, the JSON message on stdin. db02 was already WARNING: with
    // is_volatile the second WARNING notifies again.
    let before = now();
    ossec.wazuh(WAZUH_JSON);
    assert!(ossec.ar_log().contains(&format!(
        "nagios-alert.sh add - - {} 5712 (wazuh json)",
        BRUTE_FORCE.id
    )));
    expect_service(&nagios, &BRUTE_FORCE, before);

    // The freshness check brings lab01 back to OK two seconds after its alert.
    ossec.alert(&HONEYPOT);
    let critical = format!(
        "SERVICE ALERT: lab01;OSSEC;CRITICAL;HARD;1;{}",
        HONEYPOT.output
    );
    let recovered = nagios.wait_for_log(WAIT, |log| {
        log.find(&critical).is_some_and(|at| {
            log[at..].contains("SERVICE ALERT: lab01;OSSEC;OK;HARD;1;OK - no new OSSEC alert")
        })
    });
    assert!(
        recovered,
        "lab01 did not return to OK:\n{}",
        nagios.diagnostics()
    );

    // An alert id that alerts.log does not have: logged, nothing sent, bounded by ALERT_WAIT.
    let (out, took) = ossec.execd(&[
        "add",
        "-",
        "-",
        "1529417999.4242",
        "5720",
        "(db02)",
        "x->y",
        "-",
    ]);
    assert_clean_exit(&out, &ossec.ar_log());
    assert!(took < Duration::from_secs(4), "unknown id took {took:?}");
    assert!(
        ossec
            .outcome("1529417999.4242")
            .contains("alert not found in ")
    );
    // An id whose offset points into another alert: still not found (no false match).
    let (out, _) = ossec.execd(&[
        "add",
        "-",
        "-",
        "1529416972.900",
        "5720",
        "(db02)",
        "x->y",
        "-",
    ]);
    assert_clean_exit(&out, &ossec.ar_log());
    assert!(
        ossec
            .outcome("1529416972.900")
            .contains("alert not found in ")
    );
    // execd's timeout re-run and agent_control's manual run: nothing to send.
    let (out, _) = ossec.execd(&["delete", "-", "-", SUDO.id, SUDO.rule, SUDO.location, "-"]);
    assert_clean_exit(&out, &ossec.ar_log());
    assert!(
        ossec
            .outcome(SUDO.id)
            .ends_with("nothing to do for action 'delete'")
    );
    let (out, _) = ossec.execd(&["add", "-", "192.0.2.9", "(from_the_server)", "(no_rule_id)"]);
    assert_clean_exit(&out, &ossec.ar_log());
    assert!(
        ossec
            .outcome("(from_the_server)")
            .ends_with("no usable alert id, nothing sent")
    );

    // Nothing was ever sent for the level-2 alert.
    assert!(!nagios.log().contains("Unknown problem somewhere"));

    // Each non-OK result notified, including the repeated WARNING on db02 (is_volatile).
    let notified = |host: &str, state: &str| {
        nagios
            .notifications()
            .iter()
            .filter(|l| *l == &format!("PROBLEM {host} OSSEC {state}"))
            .count()
    };
    let deadline = Instant::now() + WAIT;
    while notified("db02", "WARNING") < 2 && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        notified("db02", "WARNING"),
        2,
        "{:#?}\n{}",
        nagios.notifications(),
        nagios.diagnostics()
    );
    assert_eq!(
        notified("web02", "CRITICAL"),
        1,
        "{:#?}",
        nagios.notifications()
    );
    assert_eq!(notified("ossec-srv", "OK"), 0);

    // The C send_nsca works with the same script and config (when installed).
    if let Some(c_client) = real_program(C_SEND_NSCA, "the C send_nsca 2.10.2 client") {
        let map = "c-client";
        let c_ossec = Ossec::new(&script_conf(&c_client, daemon.port(), &cfg), ALERTS);
        fs::write(
            c_ossec.root.join("etc/nagios-hosts.map"),
            format!("* {map}\n"),
        )
        .unwrap();
        let before = now();
        c_ossec.alert(&WEB_ATTACK);
        expect_service(
            &nagios,
            &Alert {
                host: map,
                ..WEB_ATTACK
            },
            before,
        );
    }

    // A server that accepts but never answers: send_nsca's timeout (NSCA_TIMEOUT=1) ends it.
    // SPOOL=no: our send_nsca without its spool, as the C client sends.
    let silent = TcpListener::bind("127.0.0.1:0").expect("bind");
    let silent_port = silent.local_addr().unwrap().port();
    let slow = Ossec::new(
        &(script_conf(&send_nsca, silent_port, &cfg).replace("NSCA_TIMEOUT=5", "NSCA_TIMEOUT=1")
            + "SPOOL=no\n"),
        ALERTS,
    );
    let (_, took) = slow.alert(&SYSCHECK);
    assert!(took < Duration::from_secs(4), "silent server: {took:?}");
    assert!(
        slow.outcome(SYSCHECK.id).contains("NOT delivered"),
        "{}",
        slow.ar_log()
    );
    drop(silent);

    // The daemon is down: the script exits cleanly at once, our send_nsca spools the alert, and
    // the log says so.
    let port = daemon.port();
    daemon.stop();
    let (_, took) = ossec.alert(&SSHD_MULTIPLE);
    assert!(took < Duration::from_secs(4), "daemon down: {took:?}");
    let outcome = ossec.outcome(SSHD_MULTIPLE.id);
    assert!(
        outcome.ends_with(&format!(
            "level 10 spooled for Nagios as db02/OSSEC state 1 via 127.0.0.1:{port} (daemon not \
             reachable now, kept in {})",
            ossec.spool().display()
        )),
        "{outcome}"
    );
    let detail = ossec.detail_log();
    let last = detail.lines().last().unwrap_or_default();
    assert!(
        last.contains("send_nsca exit 75")
            && last.contains("Could not connect to host 127.0.0.1")
            && last.contains("send_nsca: 1 result(s) spooled in "),
        "{detail}"
    );

    // Every call is logged in the stock format, and nothing in active-responses.log (which OSSEC
    // watches) can raise an alert of its own.
    let ar_log = ossec.ar_log();
    let script = ossec.script();
    // "`date` $0 $1 $2 $3 $4 $5", like host-deny.sh and firewall-drop.sh.
    let call = format!(
        "{} add - - {} {}",
        script.display(),
        WEB_ATTACK.id,
        WEB_ATTACK.rule
    );
    assert!(ar_log.lines().any(|l| l.ends_with(&call)), "{ar_log}");
    for line in ar_log.lines().chain(slow.ar_log().lines()) {
        let lower = line.to_lowercase();
        for word in BAD_WORDS {
            assert!(
                !lower.contains(word),
                "{word:?} in active-responses.log: {line}"
            );
        }
    }
}

/// The command-file line the daemon writes for an alert (it escapes backslashes and line
/// breaks). Not for an alert whose first line has a `;` or ends in a space, which only Nagios
/// changes.
fn command(alert: &Alert) -> String {
    let mut text = alert.output.to_owned();
    if !alert.long.is_empty() {
        text.push('\n');
        text.push_str(alert.long);
    }
    format!(
        "PROCESS_SERVICE_CHECK_RESULT;{};OSSEC;{};{}",
        alert.host,
        alert.state,
        text.replace('\\', "\\\\").replace('\n', "\\n")
    )
}

/// Issue 13: the daemon is down while three alerts arrive: each is spooled (and logged as
/// such); once it is back, the fourth alert delivers all four, in order, once each. Then a
/// flush by hand (as cron runs it) while the daemon is down keeps the spool, and once it is back
/// delivers it. The C client, with the same script, sends without a spool as before.
#[test]
fn alerts_spooled_while_the_daemon_is_down_arrive_in_order_once() {
    let send_nsca = our_send_nsca();
    let cfg_dir = TempDir::new("ossec-client").expect("temp dir");
    let cfg = client_config(cfg_dir.path(), METHOD, PASSWORD);
    let down = {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().unwrap().port()
    };
    let ossec = Ossec::new(&script_conf(&send_nsca, down, &cfg), ALERTS);
    let first = [&SUDO, &SSHD_FAILED, &SSHD_MULTIPLE];
    for (n, alert) in first.iter().enumerate() {
        let (_, took) = ossec.alert(alert);
        assert!(took < Duration::from_secs(4), "{} took {took:?}", alert.id);
        let outcome = ossec.outcome(alert.id);
        assert!(
            outcome.contains(&format!(
                "spooled for Nagios as {}/OSSEC state {} via 127.0.0.1:{down} (daemon not \
                 reachable now, kept in {})",
                alert.host,
                alert.state,
                ossec.spool().display()
            )),
            "{outcome}\n{}",
            ossec.detail_log()
        );
        assert_eq!(ossec.spooled(), n + 1);
    }

    let Some(daemon) = Daemon::start(&DaemonConfig::new(METHOD, PASSWORD)) else {
        return;
    };
    ossec.set_conf(&script_conf(&send_nsca, daemon.port(), &cfg));
    ossec.alert(&SYSCHECK);
    assert!(
        ossec.outcome(SYSCHECK.id).ends_with(&format!(
            "level 7 sent to Nagios as ossec-srv/OSSEC state 1 via 127.0.0.1:{}",
            daemon.port()
        )),
        "{}",
        ossec.ar_log()
    );
    let want: Vec<String> = [&SUDO, &SSHD_FAILED, &SSHD_MULTIPLE, &SYSCHECK]
        .into_iter()
        .map(command)
        .collect();
    assert_eq!(daemon.wait_for_commands(4, WAIT), want);
    thread::sleep(Duration::from_millis(300));
    assert_eq!(
        daemon.wait_for_commands(0, WAIT),
        want,
        "a result came twice"
    );
    assert_eq!(ossec.spooled(), 0);
    let detail = ossec.detail_log();
    assert!(
        detail.lines().last().unwrap_or_default().contains(
            "send_nsca exit 0: 4 data packet(s) sent to host successfully. send_nsca: 3 \
             spooled result(s) from 3 file(s) of "
        ),
        "{detail}"
    );

    // The daemon goes down again: an alert waits in the spool; a flush by hand keeps it (75)
    // until the daemon is back, then delivers it (0).
    let port = daemon.port();
    daemon.stop();
    ossec.alert(&BRUTE_FORCE);
    assert!(
        ossec
            .outcome(BRUTE_FORCE.id)
            .contains(" spooled for Nagios as db02/OSSEC state 1")
    );
    let out = ossec.flush();
    assert_eq!(out.status.code(), Some(75), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!(
            "Connection refused by host\nError: Could not connect to host 127.0.0.1 on port \
             {port}\nsend_nsca: 1 result(s) of earlier runs stay spooled in {}\n",
            ossec.spool().display()
        )
    );
    let Some(daemon) = Daemon::start(&DaemonConfig::new(METHOD, PASSWORD)) else {
        return;
    };
    ossec.set_conf(&script_conf(&send_nsca, daemon.port(), &cfg));
    let out = ossec.flush();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!(
            "1 data packet(s) sent to host successfully.\nsend_nsca: 1 spooled result(s) from \
             1 file(s) of {} delivered\n",
            ossec.spool().display()
        )
    );
    assert_eq!(daemon.wait_for_commands(1, WAIT), [command(&BRUTE_FORCE)]);
    assert_eq!(ossec.spooled(), 0);
    // Nothing to send: a quiet success.
    let out = ossec.flush();
    assert_eq!(
        (out.status.code(), out.stdout.is_empty()),
        (Some(0), true),
        "{out:?}"
    );

    // SPOOL=no: no flush, and an alert that cannot be delivered is only logged.
    let no_spool = Ossec::new(
        &(script_conf(&send_nsca, down, &cfg) + "SPOOL=no\n"),
        ALERTS,
    );
    no_spool.alert(&SUDO);
    assert!(
        no_spool
            .outcome(SUDO.id)
            .contains("NOT delivered to 127.0.0.1")
    );
    assert!(!no_spool.spool().exists());
    assert_eq!(no_spool.flush().status.code(), Some(2));

    // The C client: the same script sends without a spool, as before.
    if let Some(c_client) = real_program(C_SEND_NSCA, "the C send_nsca 2.10.2 client") {
        let c_ossec = Ossec::new(&script_conf(&c_client, down, &cfg), ALERTS);
        c_ossec.alert(&SUDO);
        assert!(
            c_ossec.outcome(SUDO.id).contains(&format!(
                "level 3 for ossec-srv/OSSEC NOT delivered to 127.0.0.1:{down} (send_nsca exit 2"
            )),
            "{}",
            c_ossec.ar_log()
        );
        assert!(!c_ossec.spool().exists());
    }

    for line in ossec.ar_log().lines() {
        let lower = line.to_lowercase();
        for word in BAD_WORDS {
            assert!(
                !lower.contains(word),
                "{word:?} in active-responses.log: {line}"
            );
        }
    }
}
