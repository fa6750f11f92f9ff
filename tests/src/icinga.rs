//! Real Icinga 2 (Debian's `icinga2-bin`, `/usr/sbin/icinga2`) as a test fixture, for the nsca
//! daemon's Icinga 2 API sink.
//!
//! [`Icinga::start`] builds a throw-away instance in a temp dir: a CA and a node certificate
//! made with `openssl` (CN and DNS name `localhost`, IP address 127.0.0.1), a config with the
//! API listener on a free loopback port, an API user allowed to post check results and read
//! objects, the caller's objects, and a check-result record (see [`Icinga::records`]). Every
//! path Icinga 2 would use is moved into the temp dir with `-D` constants, so `/etc/icinga2`
//! and `/var/lib/icinga2` are never touched, and it runs as the current user. It returns once
//! the API answers. [`Icinga::stop`] stops it cleanly (SIGTERM to the main process, which saves
//! the state), [`Icinga::start_again`] brings it back on the same port with the same state, and
//! dropping the fixture stops it.
//!
//! Icinga 2 runs as three processes (the main one, a worker, a helper). A worker whose main
//! process died keeps serving and ignores SIGTERM; [`Icinga::stop`] kills such leftovers by
//! pid, only those whose command line names this fixture's config.
//!
//! Reading the API back goes through `curl`.

use std::fs;
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::{TempDir, free_port, real_program};

/// Where Debian's `icinga2-bin` installs the program.
pub const ICINGA2: &str = "/usr/sbin/icinga2";

/// The node name, which is also the certificate's CN and DNS name.
pub const NODE_NAME: &str = "localhost";

/// What to load into the Icinga 2 under test.
#[derive(Debug, Clone)]
pub struct IcingaConfig {
    /// Object definitions in Icinga 2's language (hosts, services...). Hosts `web1` (with the
    /// passive service `HTTP`) and `db1` are always defined.
    pub objects: String,
    /// The API user's name.
    pub user: String,
    /// Its password.
    pub password: String,
    /// A second API user authenticated by a client certificate with this CN (see
    /// [`Icinga::client_certificate`]), when set.
    pub cert_user: Option<String>,
    /// Icinga's log level: `information` logs one line per API request (which
    /// [`Icinga::acknowledged`] counts), `warning` is quieter and faster.
    pub log_level: String,
}

impl Default for IcingaConfig {
    fn default() -> Self {
        Self {
            objects: String::new(),
            user: "nsca".to_owned(),
            password: format!("pw-{}-{}", std::process::id(), nanos()),
            cert_user: None,
            log_level: "information".to_owned(),
        }
    }
}

/// One check result as Icinga 2 processed it, from the record the fixture enables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// `host` or `host!service`.
    pub object: String,
    /// The state after the result (0..3 for services, 0 or 1 for hosts).
    pub state: u8,
    /// The output Icinga 2 stored (plugin output and long output).
    pub output: String,
}

/// A running Icinga 2; stopped on drop.
#[derive(Debug)]
pub struct Icinga {
    dir: TempDir,
    port: u16,
    config: IcingaConfig,
    child: Option<Child>,
    program: PathBuf,
    runs: u32,
}

impl Icinga {
    /// Starts Icinga 2, or returns `None` (after a loud notice) when it is not installed and
    /// interop is not required.
    ///
    /// # Panics
    /// When certificates cannot be made or Icinga 2 does not come up within 30 s.
    pub fn start(config: &IcingaConfig) -> Option<Self> {
        let program = real_program(ICINGA2, "Icinga 2 (Debian's icinga2-bin)")?;
        let dir = TempDir::new("icinga").expect("temp dir");
        let d = dir.path();
        for sub in [
            "etc/conf.d",
            "etc/zones.d",
            "lib/certs",
            "log",
            "cache",
            "spool/record",
            "run",
            "pki",
        ] {
            fs::create_dir_all(d.join(sub)).expect("fixture dirs");
        }
        make_certificates(d);
        let mut icinga = Self {
            port: free_port(Ipv4Addr::LOCALHOST.into()),
            dir,
            config: config.clone(),
            child: None,
            program,
            runs: 0,
        };
        icinga.write_config();
        icinga.start_again();
        Some(icinga)
    }

    /// Starts the stopped instance again: same directory, port, objects and saved state.
    ///
    /// # Panics
    /// When it does not come up within 30 s.
    pub fn start_again(&mut self) {
        assert!(self.child.is_none(), "Icinga 2 is already running");
        let d = self.dir.path();
        let log = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_file())
            .expect("icinga2.log");
        let err = log.try_clone().expect("log handle");
        let dir = |sub: &str| d.join(sub).display().to_string();
        let child = Command::new(&self.program)
            .arg("daemon")
            .arg("-c")
            .arg(self.config_file())
            .arg("-x")
            .arg(&self.config.log_level)
            .arg(format!("-DConfigDir={}", dir("etc")))
            // Derived from the built-in ConfigDir before -D is read: must be given too.
            .arg(format!("-DZonesDir={}", dir("etc/zones.d")))
            .arg(format!("-DDataDir={}", dir("lib")))
            .arg(format!("-DLogDir={}", dir("log")))
            .arg(format!("-DCacheDir={}", dir("cache")))
            .arg(format!("-DSpoolDir={}", dir("spool")))
            .arg(format!("-DInitRunDir={}", dir("run")))
            // Otherwise Icinga 2 switches to the `nagios` user (and fails to write here).
            .arg(format!("-DRunAsUser={}", id_output("-un")))
            .arg(format!("-DRunAsGroup={}", id_output("-gn")))
            .current_dir(d)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(err)
            // Its own process group: a terminal's signals do not reach it (SIGHUP would
            // make it reload).
            .process_group(0)
            .spawn()
            .expect("spawn icinga2");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(30);
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        loop {
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                self.child = None;
                panic!(
                    "icinga2 exited with {status} while starting:\n{}",
                    self.log_tail()
                );
            }
            // Before its objects are active the API answers 503 or refuses: wait for a 200.
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
                && self.get("/v1/objects/hosts/web1?attrs=name").0 == 200
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "icinga2 did not answer within 30 s:\n{}",
                self.log_tail()
            );
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stops Icinga 2 cleanly (it saves its state) and waits for all its processes to end.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            signal(child.id(), "TERM");
            let deadline = Instant::now() + Duration::from_secs(20);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    break;
                }
                thread::sleep(Duration::from_millis(10));
            }
            if let Ok(None) = child.try_wait() {
                let _ = child.kill();
            }
            let _ = child.wait();
        }
        // The worker and helper end right after the main process; kill what does not.
        let deadline = Instant::now() + Duration::from_secs(3);
        while !self.leftovers().is_empty() && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(20));
        }
        for pid in self.leftovers() {
            signal(pid, "KILL");
        }
        let _ = fs::remove_file(self.dir.path().join("run/icinga2.pid"));
        self.keep_records();
    }

    /// Icinga 2 names a closed record file by the second it closed it: a second run that
    /// stops within the same second would replace the first one's. Each run's files get a
    /// prefix of their own.
    fn keep_records(&mut self) {
        self.runs += 1;
        let dir = self.dir.path().join("spool/record");
        for entry in fs::read_dir(&dir).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !name.ends_with(".tmp") && !name.starts_with("run") {
                let _ = fs::rename(
                    entry.path(),
                    dir.join(format!("run{:03}-{name}", self.runs)),
                );
            }
        }
    }

    /// Whether it runs.
    pub fn running(&self) -> bool {
        self.child.is_some()
    }

    /// Sends SIGHUP: Icinga 2 reloads its config (a new worker takes over the port).
    pub fn reload(&self) {
        if let Some(child) = &self.child {
            signal(child.id(), "HUP");
        }
    }

    /// The API's base URL, `https://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }

    /// The API port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The CA certificate that signed the API's certificate.
    pub fn ca_file(&self) -> PathBuf {
        self.dir.path().join("lib/certs/ca.crt")
    }

    /// The API user's name.
    pub fn user(&self) -> &str {
        &self.config.user
    }

    /// The API user's password.
    pub fn password(&self) -> &str {
        &self.config.password
    }

    /// The fixture's directory.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// A CA certificate that did not sign anything of this instance (for wrong-CA tests).
    pub fn other_ca_file(&self) -> PathBuf {
        let pki = self.dir.path().join("pki");
        let path = pki.join("other-ca.crt");
        if !path.exists() {
            openssl(
                &pki,
                &[
                    "req",
                    "-x509",
                    "-newkey",
                    "rsa:2048",
                    "-nodes",
                    "-sha256",
                    "-days",
                    "30",
                    "-keyout",
                    "other-ca.key",
                    "-out",
                    "other-ca.crt",
                    "-subj",
                    "/CN=Some Other CA",
                ],
            );
        }
        path
    }

    /// A client certificate and key signed by this instance's CA, with CN `cn` (give the same
    /// name as [`IcingaConfig::cert_user`] to log in with it): the paths of the certificate
    /// and of the key.
    pub fn client_certificate(&self, cn: &str) -> (PathBuf, PathBuf) {
        let pki = self.dir.path().join("pki");
        let cert = pki.join(format!("{cn}.crt"));
        let key = pki.join(format!("{cn}.key"));
        if !cert.exists() {
            let csr = format!("{cn}.csr");
            let key_name = format!("{cn}.key");
            let cert_name = format!("{cn}.crt");
            let subject = format!("/CN={cn}");
            openssl(
                &pki,
                &[
                    "req", "-new", "-newkey", "rsa:2048", "-nodes", "-sha256", "-keyout",
                    &key_name, "-out", &csr, "-subj", &subject,
                ],
            );
            fs::write(
                pki.join("client.ext"),
                "basicConstraints=critical,CA:FALSE\n\
                 keyUsage=critical,digitalSignature,keyEncipherment\n\
                 extendedKeyUsage=clientAuth\n",
            )
            .expect("client.ext");
            openssl(
                &pki,
                &[
                    "x509",
                    "-req",
                    "-sha256",
                    "-days",
                    "30",
                    "-in",
                    &csr,
                    "-CA",
                    "ca.crt",
                    "-CAkey",
                    "ca.key",
                    "-CAcreateserial",
                    "-out",
                    &cert_name,
                    "-extfile",
                    "client.ext",
                ],
            );
        }
        (cert, key)
    }

    /// `GET path` on the API with the API user: the HTTP status and the body.
    pub fn get(&self, path: &str) -> (u16, String) {
        let out = Command::new("curl")
            .args(["-sS", "--max-time", "10", "-o", "-", "-w", "\n%{http_code}"])
            .arg("--cacert")
            .arg(self.ca_file())
            .arg("-u")
            .arg(format!("{}:{}", self.config.user, self.config.password))
            .arg(format!("{}{path}", self.url()))
            .stdin(Stdio::null())
            .output()
            .expect("run curl (is it installed?)");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let (body, code) = text.rsplit_once('\n').unwrap_or(("", &text));
        (code.trim().parse().unwrap_or(0), body.to_owned())
    }

    /// What Icinga 2 logged so far (all runs).
    pub fn log(&self) -> String {
        String::from_utf8_lossy(&fs::read(self.log_file()).unwrap_or_default()).into_owned()
    }

    /// How many `POST /v1/actions/process-check-result` requests Icinga 2 answered with 200,
    /// from its request log (needs the `information` log level).
    pub fn acknowledged(&self) -> usize {
        self.log()
            .lines()
            .filter(|l| {
                l.contains("Request: POST /v1/actions/process-check-result")
                    && l.ends_with("status: OK).")
            })
            .count()
    }

    /// Every check result Icinga 2 processed, from the record it writes (one line per result;
    /// written to disk in full when Icinga 2 stops, so read it after [`Icinga::stop`]): run by
    /// run, each run's host results, then its service results, each in the order processed.
    /// Outputs that span lines are joined back.
    pub fn records(&self) -> Vec<Record> {
        let dir = self.dir.path().join("spool/record");
        let mut files: Vec<PathBuf> = fs::read_dir(&dir)
            .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        // Closed files are `runNNN-host.TIME` and `runNNN-service.TIME`; open ones end in .tmp.
        files.sort_by_key(|p| {
            let name = p
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            (name.ends_with(".tmp"), name)
        });
        let mut records = Vec::new();
        for file in files {
            let text = String::from_utf8_lossy(&fs::read(&file).unwrap_or_default()).into_owned();
            // Each record is `RECORD\t<object>\t<state>\t<output>`; an output with line feeds
            // continues on the next lines.
            for chunk in text.split("RECORD\t").filter(|c| !c.is_empty()) {
                let mut fields = chunk.splitn(3, '\t');
                let (Some(object), Some(state), Some(output)) =
                    (fields.next(), fields.next(), fields.next())
                else {
                    continue;
                };
                records.push(Record {
                    object: object.to_owned(),
                    state: state.parse().unwrap_or(u8::MAX),
                    output: output.strip_suffix('\n').unwrap_or(output).to_owned(),
                });
            }
        }
        records
    }

    fn config_file(&self) -> PathBuf {
        self.dir.path().join("etc/icinga2.conf")
    }

    fn log_file(&self) -> PathBuf {
        self.dir.path().join("log/icinga2.log")
    }

    fn log_tail(&self) -> String {
        let log = self.log();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    /// Pids of this fixture's Icinga 2 processes still running (by command line).
    fn leftovers(&self) -> Vec<u32> {
        let conf = self.config_file().display().to_string();
        let Ok(entries) = fs::read_dir("/proc") else {
            return Vec::new();
        };
        entries
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
            .filter(|pid| {
                let comm = fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
                let cmdline = fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
                comm.trim() == "icinga2"
                    && String::from_utf8_lossy(&cmdline)
                        .split('\0')
                        .any(|arg| arg == conf)
            })
            .collect()
    }

    fn write_config(&self) {
        let c = &self.config;
        let quote = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
        let cert_user = c.cert_user.as_ref().map_or_else(String::new, |cn| {
            format!(
                "object ApiUser \"cert-{cn}\" {{\n  client_cn = \"{}\"\n  \
                 permissions = [ \"actions/process-check-result\", \"objects/query/*\" ]\n}}\n",
                quote(cn)
            )
        });
        let text = format!(
            "// Written by the nsca-rs test fixture (tests/src/icinga.rs).\n\
             const NodeName = \"{NODE_NAME}\"\n\
             const ZoneName = NodeName\n\
             const TicketSalt = \"\"\n\
             include <itl>\n\
             object Endpoint NodeName {{ }}\n\
             object Zone ZoneName {{ endpoints = [ NodeName ] }}\n\
             object ApiListener \"api\" {{\n  bind_host = \"127.0.0.1\"\n  bind_port = {port}\n  \
             ticket_salt = TicketSalt\n  accept_config = false\n  accept_commands = false\n}}\n\
             object ApiUser \"{user}\" {{\n  password = \"{password}\"\n  \
             permissions = [ \"actions/process-check-result\", \"objects/query/*\" ]\n}}\n\
             {cert_user}\
             // One line per processed check result; files are closed when Icinga stops.\n\
             object PerfdataWriter \"record\" {{\n  \
             host_perfdata_path = SpoolDir + \"/record/host\"\n  \
             service_perfdata_path = SpoolDir + \"/record/service\"\n  \
             host_temp_path = SpoolDir + \"/record/host.tmp\"\n  \
             service_temp_path = SpoolDir + \"/record/service.tmp\"\n  \
             host_format_template = \"RECORD\\t$host.name$\\t$host.state_id$\\t$host.output$\"\n  \
             service_format_template = \
             \"RECORD\\t$host.name$!$service.name$\\t$service.state_id$\\t$service.output$\"\n  \
             rotation_interval = 1d\n}}\n\
             template Host \"passive-host\" {{\n  check_command = \"dummy\"\n  \
             enable_active_checks = false\n  max_check_attempts = 1\n}}\n\
             template Service \"passive-service\" {{\n  check_command = \"passive\"\n  \
             enable_active_checks = false\n  enable_passive_checks = true\n  \
             max_check_attempts = 1\n}}\n\
             object Host \"web1\" {{ import \"passive-host\" }}\n\
             object Host \"db1\" {{ import \"passive-host\" }}\n\
             object Service \"HTTP\" {{ import \"passive-service\"; host_name = \"web1\" }}\n\
             {objects}\n",
            port = self.port,
            user = quote(&c.user),
            password = quote(&c.password),
            objects = c.objects,
        );
        fs::write(self.config_file(), text).expect("write icinga2.conf");
    }
}

impl Drop for Icinga {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A CA and a node certificate for `localhost` / 127.0.0.1, where Icinga 2.13 reads them
/// (`DataDir/certs/<NodeName>.crt|.key` and `ca.crt`); the CA key stays in `pki/`.
fn make_certificates(d: &Path) {
    let pki = d.join("pki");
    openssl(
        &pki,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-sha256",
            "-days",
            "30",
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
            "-subj",
            "/CN=nsca-rs test CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
    let subject = format!("/CN={NODE_NAME}");
    openssl(
        &pki,
        &[
            "req", "-new", "-newkey", "rsa:2048", "-nodes", "-sha256", "-keyout", "node.key",
            "-out", "node.csr", "-subj", &subject,
        ],
    );
    fs::write(
        pki.join("node.ext"),
        format!(
            "basicConstraints=critical,CA:FALSE\n\
             keyUsage=critical,digitalSignature,keyEncipherment\n\
             extendedKeyUsage=serverAuth,clientAuth\n\
             subjectAltName=DNS:{NODE_NAME},IP:127.0.0.1\n"
        ),
    )
    .expect("node.ext");
    openssl(
        &pki,
        &[
            "x509",
            "-req",
            "-sha256",
            "-days",
            "30",
            "-in",
            "node.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "node.crt",
            "-extfile",
            "node.ext",
        ],
    );
    let certs = d.join("lib/certs");
    fs::copy(pki.join("ca.crt"), certs.join("ca.crt")).expect("copy ca.crt");
    fs::copy(pki.join("node.crt"), certs.join(format!("{NODE_NAME}.crt"))).expect("copy crt");
    fs::copy(pki.join("node.key"), certs.join(format!("{NODE_NAME}.key"))).expect("copy key");
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("run openssl (is it installed?)");
    assert!(
        out.status.success(),
        "openssl {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn signal(pid: u32, name: &str) {
    let _ = Command::new("kill")
        .arg(format!("-{name}"))
        .arg(pid.to_string())
        .stderr(Stdio::null())
        .status();
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

fn nanos() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos())
}
