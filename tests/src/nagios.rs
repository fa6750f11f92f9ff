//! Real Nagios Core 4 (Debian's `nagios4-core`, `/usr/sbin/nagios4`) as a test fixture.
//!
//! [`Nagios::start`] writes a minimal main config of its own into a temp dir (external commands
//! on, through a command FIFO the nsca daemon can write to; status written every second; fast
//! freshness checks; one built-in contact whose notifications land in a file), adds the caller's
//! object definitions, runs `nagios4 -v` on it, then starts Nagios in the foreground in its own
//! process group. It returns once Nagios reads its command pipe and has written `status.dat`.
//! Dropping the fixture stops the whole process group (Nagios and its workers).
//!
//! Nagios runs as the current user: `nagios_user`/`nagios_group` are set to it, which Nagios
//! accepts for root too (it only drops privileges when they differ).

use std::collections::BTreeMap;
use std::fs::{self, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::{TempDir, real_program};

/// Where Debian's `nagios4-core` installs Nagios.
pub const NAGIOS: &str = "/usr/sbin/nagios4";

/// The contact every service of the fixture can name (`contacts nsca-tests`): its
/// notifications are appended to [`Nagios::notifications`].
pub const CONTACT: &str = "nsca-tests";

/// What to load into the Nagios under test.
#[derive(Debug, Clone, Default)]
pub struct NagiosConfig {
    /// Object definitions (hosts, services...) written to the fixture's `objects.cfg`. A
    /// `24x7` time period and the [`CONTACT`] contact are always defined.
    pub objects: String,
    /// Existing object files loaded before `objects.cfg` (templates shipped in the repo, say).
    pub object_files: Vec<PathBuf>,
    /// More `key=value` lines for `nagios.cfg`.
    pub extra: Vec<String>,
    /// Leave out the built-in `24x7` time period and [`CONTACT`] (when the object files bring
    /// their own).
    pub skip_builtin_objects: bool,
}

/// A running Nagios Core; stopped on drop.
#[derive(Debug)]
pub struct Nagios {
    child: Child,
    dir: TempDir,
}

/// One `servicestatus` block of `status.dat`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceStatus {
    /// `current_state`: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
    pub current_state: i32,
    /// `has_been_checked`: whether any result arrived yet.
    pub has_been_checked: bool,
    /// `plugin_output`: the first line of the last result.
    pub plugin_output: String,
    /// `long_plugin_output`, unescaped (`\n` -> line feed, `\\` -> backslash).
    pub long_plugin_output: String,
    /// `performance_data`.
    pub performance_data: String,
    /// `last_check` (epoch seconds).
    pub last_check: u64,
    /// Every `key=value` of the block, raw.
    pub fields: BTreeMap<String, String>,
}

impl Nagios {
    /// Starts Nagios, or returns `None` (after a loud notice) when it is not installed and
    /// interop is not required.
    ///
    /// # Panics
    /// When the config does not verify or Nagios does not come up within 30 s.
    pub fn start(config: &NagiosConfig) -> Option<Self> {
        let program = real_program(NAGIOS, "Nagios Core 4 (Debian's nagios4-core)")?;
        let dir = TempDir::new("nagios").expect("temp dir");
        let d = dir.path();
        let cfg_path = write_config(d, config);

        if let Err(out) = check_config(&program, &cfg_path) {
            panic!("nagios4 -v rejected the fixture's config:\n{out}");
        }

        let stdout = fs::File::create(d.join("stdout.log")).expect("stdout.log");
        let stderr = fs::File::create(d.join("stderr.log")).expect("stderr.log");
        let child = Command::new(&program)
            .arg(&cfg_path)
            .current_dir(d)
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr)
            .process_group(0)
            .spawn()
            .expect("spawn nagios4");
        let mut nagios = Self { child, dir };

        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(Some(status)) = nagios.child.try_wait() {
                panic!(
                    "nagios4 exited with {status} while starting:\n{}",
                    nagios.diagnostics()
                );
            }
            if nagios.status_file().exists() && pipe_has_reader(&nagios.command_file()) {
                return Some(nagios);
            }
            assert!(
                Instant::now() < deadline,
                "nagios4 did not come up within 30 s:\n{}",
                nagios.diagnostics()
            );
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// Runs `nagios4 -v` on a config built like [`Nagios::start`]'s: `Ok` with its output when
    /// Nagios accepts it, `Err` with its output otherwise; `None` (after a loud notice) when
    /// Nagios is not installed and interop is not required.
    pub fn verify(config: &NagiosConfig) -> Option<Result<String, String>> {
        let program = real_program(NAGIOS, "Nagios Core 4 (Debian's nagios4-core)")?;
        let dir = TempDir::new("nagios-verify").expect("temp dir");
        let cfg_path = write_config(dir.path(), config);
        Some(check_config(&program, &cfg_path))
    }

    /// The fixture's directory (`nagios.cfg`, `objects.cfg`, logs, `status.dat`).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The external command FIFO (give it to the nsca daemon as its `command_file`).
    pub fn command_file(&self) -> PathBuf {
        self.dir().join("nagios.cmd")
    }

    /// Nagios' `check_result_path`: the spool directory it reaps check-result files from
    /// (`cXXXXXX` files, each read once its empty `cXXXXXX.ok` exists).
    pub fn check_result_path(&self) -> PathBuf {
        self.dir().join("checkresults")
    }

    /// `status.dat`.
    pub fn status_file(&self) -> PathBuf {
        self.dir().join("status.dat")
    }

    /// `nagios.log` so far.
    pub fn log(&self) -> String {
        read_lossy(&self.dir().join("nagios.log"))
    }

    /// The notifications so far, one `TYPE host service state` line each (`-` as the service of
    /// a host notification). (`;` would start a comment in Nagios' object files.)
    pub fn notifications(&self) -> Vec<String> {
        read_lossy(&self.dir().join("notifications.log"))
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// Every `servicestatus` block of the current `status.dat`, by (host, service).
    pub fn services(&self) -> BTreeMap<(String, String), ServiceStatus> {
        parse_services(&read_lossy(&self.status_file()))
    }

    /// The current status of one service, if `status.dat` lists it.
    pub fn service(&self, host: &str, service: &str) -> Option<ServiceStatus> {
        self.services()
            .remove(&(host.to_owned(), service.to_owned()))
    }

    /// Waits (at most `timeout`, polling) until the service's status satisfies `done`, and
    /// returns it; on timeout returns the last status seen as the error.
    pub fn wait_for_service(
        &self,
        host: &str,
        service: &str,
        timeout: Duration,
        done: impl Fn(&ServiceStatus) -> bool,
    ) -> Result<ServiceStatus, Option<ServiceStatus>> {
        let deadline = Instant::now() + timeout;
        loop {
            let status = self.service(host, service);
            if let Some(s) = status.as_ref().filter(|s| done(s)) {
                return Ok(s.clone());
            }
            if Instant::now() > deadline {
                return Err(status);
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits (at most `timeout`, polling) until `done(nagios.log)` holds; returns whether it did.
    pub fn wait_for_log(&self, timeout: Duration, done: impl Fn(&str) -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if done(&self.log()) {
                return true;
            }
            if Instant::now() > deadline {
                return false;
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// Its stdout, stderr and `nagios.log`, for failure messages.
    pub fn diagnostics(&self) -> String {
        format!(
            "--- stdout\n{}--- stderr\n{}--- nagios.log\n{}",
            read_lossy(&self.dir().join("stdout.log")),
            read_lossy(&self.dir().join("stderr.log")),
            self.log()
        )
    }

    fn stop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill")
            .args(["-TERM", "--", &group])
            .stderr(Stdio::null())
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            thread::sleep(Duration::from_millis(20));
        }
        // Workers that outlived the main process, or a main process that ignored SIGTERM.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.wait();
    }
}

impl Drop for Nagios {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `nagios4 -v <cfg>`: its output, as `Ok` when it accepts the config.
fn check_config(program: &Path, cfg_path: &Path) -> Result<String, String> {
    let out = Command::new(program)
        .arg("-v")
        .arg(cfg_path)
        .stdin(Stdio::null())
        .output()
        .expect("run nagios4 -v");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    if out.status.success() {
        Ok(text)
    } else {
        Err(text)
    }
}

/// Writes `nagios.cfg`, `base.cfg` and `objects.cfg` into `d`; returns the path of `nagios.cfg`.
fn write_config(d: &Path, config: &NagiosConfig) -> PathBuf {
    fs::create_dir_all(d.join("checkresults")).expect("checkresults dir");
    let user = current_user();
    let group = current_group();

    let base = format!(
        "define timeperiod {{\n    timeperiod_name 24x7\n    alias 24x7\n    \
         sunday 00:00-24:00\n    monday 00:00-24:00\n    tuesday 00:00-24:00\n    \
         wednesday 00:00-24:00\n    thursday 00:00-24:00\n    friday 00:00-24:00\n    \
         saturday 00:00-24:00\n}}\n\
         define command {{\n    command_name nsca-tests-notify-service\n    \
         command_line /usr/bin/printf '%s %s %s %s\\n' \"$NOTIFICATIONTYPE$\" \"$HOSTNAME$\" \
         \"$SERVICEDESC$\" \"$SERVICESTATE$\" >> {notifications}\n}}\n\
         define command {{\n    command_name nsca-tests-notify-host\n    \
         command_line /usr/bin/printf '%s %s - %s\\n' \"$NOTIFICATIONTYPE$\" \"$HOSTNAME$\" \
         \"$HOSTSTATE$\" >> {notifications}\n}}\n\
         define contact {{\n    contact_name {CONTACT}\n    \
         host_notifications_enabled 1\n    service_notifications_enabled 1\n    \
         host_notification_period 24x7\n    service_notification_period 24x7\n    \
         host_notification_options d,u,r\n    service_notification_options w,u,c,r\n    \
         host_notification_commands nsca-tests-notify-host\n    \
         service_notification_commands nsca-tests-notify-service\n}}\n",
        notifications = d.join("notifications.log").display()
    );
    fs::write(d.join("base.cfg"), base).expect("write base.cfg");
    fs::write(d.join("objects.cfg"), &config.objects).expect("write objects.cfg");

    let mut cfg = String::new();
    let mut line = |k: &str, v: &dyn std::fmt::Display| cfg.push_str(&format!("{k}={v}\n"));
    line("log_file", &d.join("nagios.log").display());
    if !config.skip_builtin_objects {
        line("cfg_file", &d.join("base.cfg").display());
    }
    for file in &config.object_files {
        line("cfg_file", &file.display());
    }
    line("cfg_file", &d.join("objects.cfg").display());
    line("object_cache_file", &d.join("objects.cache").display());
    line(
        "precached_object_file",
        &d.join("objects.precache").display(),
    );
    line("status_file", &d.join("status.dat").display());
    line("status_update_interval", &1);
    line("nagios_user", &user);
    line("nagios_group", &group);
    line("check_external_commands", &1);
    line("command_file", &d.join("nagios.cmd").display());
    line("lock_file", &d.join("nagios.lock").display());
    line("temp_file", &d.join("nagios.tmp").display());
    line("temp_path", &d.display());
    line("check_result_path", &d.join("checkresults").display());
    line("query_socket", &d.join("nagios.qh").display());
    line("retain_state_information", &0);
    line("state_retention_file", &d.join("retention.dat").display());
    line("use_syslog", &0);
    line("check_for_updates", &0);
    line("event_broker_options", &0);
    line("check_workers", &1);
    line("check_result_reaper_frequency", &1);
    line("service_freshness_check_interval", &1);
    line("host_freshness_check_interval", &1);
    line("additional_freshness_latency", &0);
    line("enable_notifications", &1);
    line("log_notifications", &1);
    line("log_passive_checks", &1);
    line("log_external_commands", &1);
    line("log_initial_states", &1);
    line("illegal_macro_output_chars", &"`~$&|'\"<>");
    for extra in &config.extra {
        cfg.push_str(extra);
        cfg.push('\n');
    }
    let cfg_path = d.join("nagios.cfg");
    fs::write(&cfg_path, cfg).expect("write nagios.cfg");
    cfg_path
}

/// Parses the `servicestatus` blocks of a `status.dat`.
pub fn parse_services(text: &str) -> BTreeMap<(String, String), ServiceStatus> {
    let mut out = BTreeMap::new();
    let mut block: Option<BTreeMap<String, String>> = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if block.is_none() {
            if trimmed.starts_with("servicestatus {") {
                block = Some(BTreeMap::new());
            }
            continue;
        }
        if trimmed == "}" {
            let fields = block.take().unwrap_or_default();
            let get = |k: &str| fields.get(k).cloned().unwrap_or_default();
            let status = ServiceStatus {
                current_state: get("current_state").parse().unwrap_or(-1),
                has_been_checked: get("has_been_checked") == "1",
                plugin_output: get("plugin_output"),
                long_plugin_output: unescape(&get("long_plugin_output")),
                performance_data: get("performance_data"),
                last_check: get("last_check").parse().unwrap_or(0),
                fields: fields.clone(),
            };
            out.insert((get("host_name"), get("service_description")), status);
            continue;
        }
        if let (Some(map), Some((k, v))) = (block.as_mut(), trimmed.split_once('=')) {
            map.insert(k.to_owned(), v.to_owned());
        }
    }
    out
}

/// Undoes Nagios' escaping of long output in `status.dat`: `\n` is a line feed, `\\` a
/// backslash.
pub fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('\\') => out.push('\\'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

fn read_lossy(path: &Path) -> String {
    String::from_utf8_lossy(&fs::read(path).unwrap_or_default()).into_owned()
}

fn id_output(flag: &str) -> String {
    Command::new("id")
        .arg(flag)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .filter(|s| !s.is_empty())
        .expect("`id` names the current user and group")
}

fn current_user() -> String {
    id_output("-un")
}

fn current_group() -> String {
    id_output("-gn")
}

/// `O_NONBLOCK` for `open(2)`: opening a FIFO for writing without blocking fails with ENXIO
/// while nobody has it open for reading. (Linux values; the BSDs and macOS use 4.)
#[cfg(any(target_arch = "mips", target_arch = "mips64"))]
const O_NONBLOCK: i32 = 0x80;
#[cfg(target_arch = "sparc64")]
const O_NONBLOCK: i32 = 0x4000;
#[cfg(all(
    target_os = "linux",
    not(any(target_arch = "mips", target_arch = "mips64", target_arch = "sparc64"))
))]
const O_NONBLOCK: i32 = 0o4000;
#[cfg(all(
    not(target_os = "linux"),
    not(any(target_arch = "mips", target_arch = "mips64", target_arch = "sparc64"))
))]
const O_NONBLOCK: i32 = 0x0004;

/// Whether `path` is a FIFO that some process (Nagios' command worker) reads.
fn pipe_has_reader(path: &Path) -> bool {
    OpenOptions::new()
        .write(true)
        .custom_flags(O_NONBLOCK)
        .open(path)
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_service_blocks_and_unescapes_long_output() {
        let text = "info {\n\tcreated=1\n\t}\n\nservicestatus {\n\thost_name=web01\n\t\
                    service_description=OSSEC\n\tcurrent_state=2\n\thas_been_checked=1\n\t\
                    plugin_output=a: b back\\slash\n\tlong_plugin_output=l1 a;b\\nl2 \\\\n x\n\t\
                    performance_data=\n\tlast_check=17\n\t}\n";
        let services = parse_services(text);
        let s = &services[&("web01".to_owned(), "OSSEC".to_owned())];
        assert_eq!(s.current_state, 2);
        assert!(s.has_been_checked);
        assert_eq!(s.plugin_output, "a: b back\\slash");
        assert_eq!(s.long_plugin_output, "l1 a;b\nl2 \\n x");
        assert_eq!(s.last_check, 17);
    }
}
