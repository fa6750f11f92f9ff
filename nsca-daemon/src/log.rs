//! Where the daemon's messages go: stderr in the foreground (`-f`), syslog(3) otherwise, with
//! the ident `nsca` and the facility from `log_facility`, as the C daemon logs. Debug messages
//! (each result, each connection) only with `debug=1`.

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};

/// How serious a message is (syslog's severities that the daemon uses).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Something failed: a result could not be delivered, a config could not be read.
    Error,
    /// Something the administrator should look at.
    Warning,
    /// Start, stop, reload.
    Notice,
    /// Normal operation worth a line.
    Info,
    /// Every connection and result, with `debug=1`.
    Debug,
}

impl Level {
    fn label(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Warning => "warning",
            Self::Notice => "notice",
            Self::Info => "info",
            Self::Debug => "debug",
        }
    }
}

static TO_SYSLOG: AtomicBool = AtomicBool::new(false);
static DEBUG: AtomicBool = AtomicBool::new(false);
static FACILITY: AtomicU8 = AtomicU8::new(3);

/// Sends messages to stderr (the default, and `-f`).
pub fn to_stderr() {
    TO_SYSLOG.store(false, Ordering::SeqCst);
}

/// Sends messages to syslog with `facility` (the RFC 5424 facility number: 3 is `daemon`).
pub fn to_syslog(facility: u8) {
    FACILITY.store(facility, Ordering::SeqCst);
    let _ = nix::syslog::openlog(
        Some(c"nsca"),
        nix::syslog::LogFlags::LOG_PID | nix::syslog::LogFlags::LOG_NDELAY,
        syslog_facility(facility),
    );
    TO_SYSLOG.store(true, Ordering::SeqCst);
}

/// Turns debug messages on or off (`debug` in nsca.cfg; changes on reload).
pub fn set_debug(on: bool) {
    DEBUG.store(on, Ordering::SeqCst);
}

/// Whether debug messages are wanted, for callers that would otherwise format for nothing.
pub fn debug_enabled() -> bool {
    DEBUG.load(Ordering::Relaxed)
}

/// Logs one message.
pub fn log(level: Level, message: &str) {
    if level == Level::Debug && !debug_enabled() {
        return;
    }
    if TO_SYSLOG.load(Ordering::Relaxed) {
        use nix::syslog::{Priority, Severity};
        let severity = match level {
            Level::Error => Severity::LOG_ERR,
            Level::Warning => Severity::LOG_WARNING,
            Level::Notice => Severity::LOG_NOTICE,
            Level::Info => Severity::LOG_INFO,
            Level::Debug => Severity::LOG_DEBUG,
        };
        let facility = syslog_facility(FACILITY.load(Ordering::Relaxed));
        let _ = nix::syslog::syslog(Priority::new(severity, facility), message);
    } else {
        let line = format!(
            "nsca[{}]: {}: {message}\n",
            std::process::id(),
            level.label()
        );
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }
}

fn syslog_facility(code: u8) -> nix::syslog::Facility {
    use nix::syslog::Facility as F;
    match code {
        0 => F::LOG_KERN,
        1 => F::LOG_USER,
        2 => F::LOG_MAIL,
        4 => F::LOG_AUTH,
        5 => F::LOG_SYSLOG,
        6 => F::LOG_LPR,
        7 => F::LOG_NEWS,
        8 => F::LOG_UUCP,
        // cron, authpriv and ftp have no constant in nix: their nearest neighbours.
        9 => F::LOG_DAEMON,
        10 => F::LOG_AUTH,
        11 => F::LOG_DAEMON,
        16 => F::LOG_LOCAL0,
        17 => F::LOG_LOCAL1,
        18 => F::LOG_LOCAL2,
        19 => F::LOG_LOCAL3,
        20 => F::LOG_LOCAL4,
        21 => F::LOG_LOCAL5,
        22 => F::LOG_LOCAL6,
        23 => F::LOG_LOCAL7,
        _ => F::LOG_DAEMON,
    }
}

/// `log(Level::Error, format!(...))`.
#[macro_export]
macro_rules! error {
    ($($arg:tt)*) => { $crate::log::log($crate::log::Level::Error, &format!($($arg)*)) };
}
/// `log(Level::Warning, format!(...))`.
#[macro_export]
macro_rules! warning {
    ($($arg:tt)*) => { $crate::log::log($crate::log::Level::Warning, &format!($($arg)*)) };
}
/// `log(Level::Notice, format!(...))`.
#[macro_export]
macro_rules! notice {
    ($($arg:tt)*) => { $crate::log::log($crate::log::Level::Notice, &format!($($arg)*)) };
}
/// `log(Level::Info, format!(...))`.
#[macro_export]
macro_rules! info {
    ($($arg:tt)*) => { $crate::log::log($crate::log::Level::Info, &format!($($arg)*)) };
}
/// `log(Level::Debug, format!(...))`, formatted only when debug messages are on.
#[macro_export]
macro_rules! debug {
    ($($arg:tt)*) => {
        if $crate::log::debug_enabled() {
            $crate::log::log($crate::log::Level::Debug, &format!($($arg)*))
        }
    };
}
