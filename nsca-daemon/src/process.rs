//! The life of the process: detaching from the terminal, the pid file, chroot, dropping
//! privileges, and telling systemd that the daemon is ready. All of it runs before the async
//! runtime starts its threads, while the process has one thread.

use std::ffi::{CString, OsString};
use std::fs::{self, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use nix::unistd::{Gid, Group, Pid, Uid, User};

/// Set in the environment of the detached child, so that it knows it is one.
pub const DETACHED_ENV: &str = "NSCA_RS_DETACHED";

/// The line the detached child writes to its parent once it listens.
const READY: &str = "ready";

/// Whether this process is the detached child of [`detach`].
pub fn is_detached_child() -> bool {
    std::env::var_os(DETACHED_ENV).is_some_and(|v| v == "1")
}

/// Starts this program again, detached (its own session, no terminal), and waits until it
/// listens or fails. Returns the exit code for the parent: 0 when the child is ready, 2 with
/// its error on stderr otherwise. Unlike the C daemon, whose parent exits before the child has
/// even read its config, a start that fails is seen by whoever started it.
pub fn detach(args: &[OsString]) -> u8 {
    let exe = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("/proc/self/exe"));
    let child = Command::new(exe)
        .args(args)
        .env(DETACHED_ENV, "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) => {
            eprintln!("nsca: cannot start the daemon process: {e}");
            return 2;
        }
    };
    let Some(stdout) = child.stdout.take() else {
        return 2;
    };
    let mut first = String::new();
    let _ = BufReader::new(stdout).read_line(&mut first);
    if first.trim_end() == READY {
        return 0;
    }
    let _ = child.wait();
    let message = first.trim_end();
    if message.is_empty() {
        eprintln!("nsca: the daemon process exited before it was ready");
    } else {
        eprintln!("{message}");
    }
    2
}

/// In the detached child: a new session, so the terminal and its signals are left behind.
pub fn new_session() {
    let _ = nix::unistd::setsid();
}

/// In the detached child: tells the parent that the daemon listens, then points stdout and
/// stderr at /dev/null (the parent stops waiting when the pipe closes).
pub fn report_ready() {
    let mut out = io::stdout().lock();
    let _ = writeln!(out, "{READY}");
    let _ = out.flush();
    drop(out);
    silence_stdio();
}

/// In the detached child: tells the parent why the daemon could not start.
pub fn report_failure(message: &str) {
    let mut out = io::stdout().lock();
    let _ = writeln!(out, "nsca: {message}");
    let _ = out.flush();
}

fn silence_stdio() {
    if let Ok(null) = OpenOptions::new().read(true).write(true).open("/dev/null") {
        let _ = nix::unistd::dup2_stdout(&null);
        let _ = nix::unistd::dup2_stderr(&null);
    }
}

/// Tells systemd (Type=notify) that the daemon is ready; nothing happens without
/// `NOTIFY_SOCKET`.
pub fn notify_ready() {
    let _ = sd_notify::notify(&[sd_notify::NotifyState::Ready]);
}

/// Tells systemd that the daemon is reloading or stopping.
pub fn notify(state: &str) {
    let state = match state {
        "reloading" => sd_notify::NotifyState::Reloading,
        "ready" => sd_notify::NotifyState::Ready,
        _ => sd_notify::NotifyState::Stopping,
    };
    let _ = sd_notify::notify(&[state]);
}

/// The user and group to run as, looked up before a chroot hides /etc/passwd.
#[derive(Debug, Clone)]
pub struct Identity {
    user: Option<(String, Uid)>,
    group: Option<Gid>,
}

impl Identity {
    /// Looks up `nsca_user` and `nsca_group` (names, or numeric ids as C accepts them).
    ///
    /// # Errors
    /// A name that is not a known user or group.
    pub fn lookup(user: Option<&str>, group: Option<&str>) -> Result<Self, String> {
        let user = match user {
            None => None,
            Some(name) => Some(match User::from_name(name) {
                Ok(Some(u)) => (name.to_owned(), u.uid),
                _ => match name.parse::<u32>() {
                    Ok(id) => (name.to_owned(), Uid::from_raw(id)),
                    Err(_) => return Err(format!("nsca_user '{name}' is not a known user")),
                },
            }),
        };
        let group = match group {
            None => None,
            Some(name) => Some(match Group::from_name(name) {
                Ok(Some(g)) => g.gid,
                _ => match name.parse::<u32>() {
                    Ok(id) => Gid::from_raw(id),
                    Err(_) => return Err(format!("nsca_group '{name}' is not a known group")),
                },
            }),
        };
        Ok(Self { user, group })
    }

    /// The uid the pid file should belong to.
    fn uid(&self) -> Option<Uid> {
        self.user.as_ref().map(|(_, uid)| *uid)
    }

    /// Changes root (when `chroot` is set), then group and user, as C does: only when running
    /// as root; otherwise the settings are ignored.
    ///
    /// # Errors
    /// When a step fails; the daemon must not go on with more privileges than configured.
    pub fn enter(&self, chroot: Option<&Path>) -> Result<(), String> {
        if let Some(dir) = chroot {
            nix::unistd::chdir(dir)
                .and_then(|()| nix::unistd::chroot("."))
                .map_err(|e| format!("cannot chroot to {}: {e}", dir.display()))?;
        }
        if !nix::unistd::geteuid().is_root() {
            return Ok(());
        }
        if let Some(gid) = self.group {
            nix::unistd::setgid(gid).map_err(|e| format!("cannot set group id {gid}: {e}"))?;
        }
        if let Some((name, uid)) = &self.user {
            let gid = self.group.unwrap_or_else(nix::unistd::getgid);
            if let Ok(cname) = CString::new(name.as_str()) {
                // A numeric user may have no entry; then it simply keeps no extra groups.
                if nix::unistd::initgroups(&cname, gid).is_err() {
                    let _ = nix::unistd::setgroups(&[gid]);
                }
            }
            nix::unistd::setuid(*uid).map_err(|e| format!("cannot set user id {uid}: {e}"))?;
        }
        Ok(())
    }
}

/// A pid file written by this process, removed on [`PidFile::remove`].
#[derive(Debug)]
pub struct PidFile(PathBuf);

impl PidFile {
    /// Writes `path` with this process's pid, following C's rule for an existing file: when
    /// the pid in it is this process's or no longer runs, the file is stale and replaced;
    /// otherwise another daemon runs and this one must not start. (C also refuses a file whose
    /// content is not a number; here such a file is stale too.) A file that cannot be written
    /// is logged and the daemon goes on, as C does.
    ///
    /// # Errors
    /// The message when another daemon runs.
    pub fn create(path: &Path, identity: &Identity) -> Result<Option<Self>, String> {
        if let Ok(text) = fs::read_to_string(path) {
            let pid: i32 = text.trim().parse().unwrap_or(0);
            let mine = i32::try_from(std::process::id()).unwrap_or(0);
            let running =
                pid > 0 && pid != mine && nix::sys::signal::kill(Pid::from_raw(pid), None).is_ok();
            if running {
                return Err(format!(
                    "another nsca daemon is running (pid {pid}, from {})",
                    path.display()
                ));
            }
            let _ = fs::remove_file(path);
        }
        let written = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
            .and_then(|mut f| {
                writeln!(f, "{}", std::process::id())?;
                if let Some(uid) = identity.uid() {
                    let _ = nix::unistd::fchown(&f, Some(uid), identity.group);
                }
                Ok(())
            });
        match written {
            Ok(()) => Ok(Some(Self(path.to_owned()))),
            Err(e) => {
                crate::error!("cannot write the pid file {}: {e}", path.display());
                Ok(None)
            }
        }
    }

    /// Removes the file.
    pub fn remove(self) {
        if let Err(e) = fs::remove_file(&self.0) {
            crate::error!("cannot remove the pid file {}: {e}", self.0.display());
        }
    }
}
