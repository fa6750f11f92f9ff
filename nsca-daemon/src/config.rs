//! `nsca.cfg`: the daemon's configuration file, read the way NSCA 2.10.2's daemon reads it, plus
//! the keys only this daemon knows.
//!
//! [`parse`] turns the bytes of a file into a [`Config`] and does no I/O: it takes any bytes,
//! never panics, and reports the first problem as a [`ConfigError`] naming the file, the line
//! and the reason. [`load`] reads a file and hands it to [`parse`]. NSCA 2.10.2 has no way to
//! include other files, and neither has this format.
//!
//! # Syntax
//!
//! A file is a list of `name=value` lines, read exactly as the C daemon reads them:
//!
//! - Lines are taken in pieces of at most 5118 bytes (C's `fgets` buffer). A longer line goes
//!   on as the next piece, which counts as a line of its own for line numbers and parsing.
//! - A line whose first byte is `#`, a line feed or NUL is ignored. Nothing else is: a comment
//!   indented by a space, a line of spaces and the empty line of a CRLF file (a lone carriage
//!   return) are all errors ("no value").
//! - The name ends at the first `=` (`=` signs before the name are skipped); the value is
//!   everything after it up to the line feed. Neither is trimmed: `debug = 1` names the option
//!   `debug ` (with a space) and `password= x` sets the password ` x`. A file with CRLF line
//!   ends keeps the carriage return at the end of each value, as C does; numbers read by C's
//!   rules stop before it, but a path or a password keeps it, so [`parse`] warns about it.
//! - A value must not be empty: `password=` alone is an error, so "no password" means leaving
//!   the line out. Bytes from a NUL on are ignored, as C strings end there.
//! - When a key appears again, the later line wins.
//!
//! # Which key a name selects
//!
//! Names are tried in this order, and the first match wins:
//!
//! 1. The keys of this daemon (see below), compared exactly. NSCA 2.10 refuses them as unknown
//!    options, except `icinga2_api_password` and `icinga2_api_password_file`, which it would take
//!    as `password` (see 2): a file using them is meant for this daemon.
//! 2. NSCA 2.10's keys, in C's order, some compared exactly and some found anywhere inside the
//!    name (so `nsca_password` sets `password`, and `debug_password` sets `password` too because
//!    `password` comes before `debug`). This reproduces C, and [`parse`] adds a warning whenever
//!    a name only contains a key rather than being it.
//! 3. Anything else is an error ("unknown option").
//!
//! # NSCA 2.10's keys
//!
//! Numbers in these keys are read as C's `atoi` (or `strtoul` for `max_packet_age`) reads them:
//! leading white space and a sign are allowed, reading stops at the first byte that is not a
//! digit, and a value with no digits reads as 0. A value that is not a plain number gets a
//! warning telling how it was read.
//!
//! | key | compared | default | meaning here |
//! |---|---|---|---|
//! | `server_port` | exactly | 5667 | TCP port to listen on. Negative is an error; above 65535 it wraps modulo 65536 as in C (with a warning); 0 asks the system for a free port. C also refuses ports below 1024 unless run as root; here that is left to the bind, which fails the same way without the right privilege. |
//! | `server_address` | exactly | unset | Address or host name to listen on. Unset: every address, IPv6 and IPv4 on one socket. |
//! | `command_file` | contained | unset | The Nagios/Icinga external command file results are written to. |
//! | `alternate_dump_file` | contained | `/dev/null` | Where results go when the command file does not exist. |
//! | `password` | contained | empty | The shared password, raw bytes. |
//! | `decryption_method` | contained | 1 (XOR) | Encryption method number, 0–26 except 13, 17, 18 and 21, which are errors. Methods no NSCA daemon can run (7, 12, 19, 22, 24, 25) are accepted with a warning, as C accepts them. |
//! | `debug` | contained | 0 | Verbose logging when the number is above 0. |
//! | `strict_mode_spoofing` | contained | 0 | When above 0, drop results whose host name does not resolve to the sender's address. |
//! | `aggregate_writes` | contained | 0 | When above 0, keep the command file open instead of opening it per result. |
//! | `check_result_path` | contained | unset | Write results as check-result spool files into this directory instead. C checks here that the directory is writable; [`parse`] does no I/O, so the daemon checks it when it starts. |
//! | `append_to_file` | contained | 0 | When above 0, open the command file for appending. |
//! | `max_packet_age` | exactly | 30 | Seconds a result may take after the connection opened; 0 turns the check off; above 900 is an error. |
//! | `nsca_user` | exactly | unset | User to switch to when started as root. |
//! | `nsca_group` | exactly | unset | Group to switch to when started as root. |
//! | `nsca_chroot` | exactly | unset | Directory to change root into before dropping privileges. |
//! | `pid_file` | exactly | unset | File to write the process id into. |
//! | `log_facility` | exactly | `daemon` | Syslog facility, one of the names of [`Facility`]. An unknown name is not an error: it gives a warning and selects `daemon`, as in C. C spells the printer facility `lrp`; both `lrp` and `lpr` are accepted. |
//!
//! # This daemon's keys
//!
//! These are read strictly: a number is decimal digits only (no sign, no spaces, no carriage
//! return), and a value that does not fit is an error naming the key and the value.
//!
//! | key | default | meaning |
//! |---|---|---|
//! | `allowed_hosts` | everyone | Who may connect: IPv4 and IPv6 addresses and CIDR ranges (`192.0.2.7`, `10.0.0.0/8`, `2001:db8::/32`), separated by commas, spaces or tabs. An IPv4 peer on the dual-stack socket (`::ffff:a.b.c.d`) matches the IPv4 entries. |
//! | `max_connections` | 1024 | Connections served at once (1 to 1,000,000). |
//! | `connection_timeout` | 10 | Seconds a connection may wait for its next packet (1 to 86400; C's fixed value is 10). |
//! | `max_queued_results` | 10000 | Results held in memory on their way to the sinks (1 to 10,000,000). When the queue is full, the daemon stops reading from clients instead of dropping results. |
//! | `shutdown_timeout` | 10 | Seconds a stop request may spend delivering queued results (0 to 86400). |
//! | `metrics_address` | off | `address:port` to serve metrics on (`127.0.0.1:9167`, `[::1]:9167`). |
//! | `icinga2_api_url` | unset | Base URL of the Icinga 2 API (`https://icinga.example:5665`); enables the Icinga 2 API sink ([`crate::sink::icinga2`]). |
//! | `icinga2_api_user` | unset | API user for HTTP basic authentication. |
//! | `icinga2_api_password` | unset | That user's password (not together with the next key). |
//! | `icinga2_api_password_file` | unset | A file whose first line is that password. |
//! | `icinga2_api_ca_file` | the system's CAs | CA certificate(s) that sign the API's server certificate. |
//! | `icinga2_api_tls_name` | unset | Name to expect in the server certificate, when it is not the URL's host. |
//! | `icinga2_api_client_cert` | unset | Client certificate, for certificate authentication (needs the next key). |
//! | `icinga2_api_client_key` | unset | Its private key (needs the previous key). |
//! | `icinga2_check_source` | this host's name | `check_source` reported with each result. |
//! | `icinga2_api_connections` | 4 | Parallel connections to the API (1 to 256). |
//!
//! Setting an `icinga2_*` key without `icinga2_api_url` gives a warning, as it has no effect.
//! [`parse`] does no I/O; whether the files these keys name can be used is checked by the
//! daemon when it starts and when it reloads.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use nsca::config_syntax::{self, Base, Line, LineError, Scanned, contains};
use nsca::{EncryptionMethod, Password, Unusable};

/// C reads the file with `fgets(buf, 5119, fp)`: at most this many bytes per line.
pub const CHUNK_LEN: usize = config_syntax::LINE_CHUNK;
/// `server_port` when the file does not set it.
pub const DEFAULT_PORT: u16 = 5667;
/// The largest `max_packet_age` NSCA accepts (15 minutes).
pub const MAX_PACKET_AGE_LIMIT: u32 = 900;
/// `alternate_dump_file` when the file does not set it.
pub const DEFAULT_DUMP_FILE: &str = "/dev/null";

/// What a config file says, with every key it leaves out at its default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// `server_port`: 5667 unless set.
    pub server_port: u16,
    /// `server_address`: `None` when unset, meaning a dual-stack `[::]` socket that also takes
    /// IPv4 (IPV6_V6ONLY off).
    pub server_address: Option<String>,
    /// `password`: empty when unset.
    pub password: Password,
    /// `decryption_method`: XOR (1) unless set.
    pub decryption_method: EncryptionMethod,
    /// `command_file`.
    pub command_file: Option<PathBuf>,
    /// `alternate_dump_file`: `/dev/null` unless set.
    pub alternate_dump_file: PathBuf,
    /// `aggregate_writes`.
    pub aggregate_writes: bool,
    /// `append_to_file`.
    pub append_to_file: bool,
    /// `check_result_path` (not checked for writability here).
    pub check_result_path: Option<PathBuf>,
    /// `max_packet_age` in seconds: 30 unless set, 0 = no check, never above 900.
    pub max_packet_age: u32,
    /// `debug`.
    pub debug: bool,
    /// `strict_mode_spoofing`.
    pub strict_mode_spoofing: bool,
    /// `nsca_user`.
    pub nsca_user: Option<String>,
    /// `nsca_group`.
    pub nsca_group: Option<String>,
    /// `nsca_chroot`.
    pub nsca_chroot: Option<PathBuf>,
    /// `pid_file`.
    pub pid_file: Option<PathBuf>,
    /// `log_facility`: `daemon` unless set to a known name.
    pub log_facility: Facility,
    /// `allowed_hosts`: `None` lets everyone connect. Never `Some` of an empty list.
    pub allowed_hosts: Option<Vec<IpNet>>,
    /// `max_connections`: 1024 unless set, at least 1.
    pub max_connections: usize,
    /// `connection_timeout`: how long a connection may wait for its next packet; 10 s unless set.
    pub connection_timeout: Duration,
    /// `max_queued_results`: the bound of the queue in front of the sinks; 10000 unless set.
    pub max_queued_results: usize,
    /// `shutdown_timeout`: how long a stop request may spend delivering what is queued; 10 s
    /// unless set.
    pub shutdown_timeout: Duration,
    /// `metrics_address`: off unless set.
    pub metrics_address: Option<SocketAddr>,
    /// The `icinga2_*` keys, for the Icinga 2 API sink.
    pub icinga2: Icinga2Config,
    /// Findings that do not stop the daemon, in file order; log them when starting.
    pub warnings: Vec<ConfigWarning>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            server_port: DEFAULT_PORT,
            server_address: None,
            password: Password::default(),
            decryption_method: EncryptionMethod::Xor,
            command_file: None,
            alternate_dump_file: PathBuf::from(DEFAULT_DUMP_FILE),
            aggregate_writes: false,
            append_to_file: false,
            check_result_path: None,
            max_packet_age: 30,
            debug: false,
            strict_mode_spoofing: false,
            nsca_user: None,
            nsca_group: None,
            nsca_chroot: None,
            pid_file: None,
            log_facility: Facility::Daemon,
            allowed_hosts: None,
            max_connections: 1024,
            connection_timeout: Duration::from_secs(10),
            max_queued_results: 10_000,
            shutdown_timeout: Duration::from_secs(10),
            metrics_address: None,
            icinga2: Icinga2Config::default(),
            warnings: Vec::new(),
        }
    }
}

impl Config {
    /// Whether `other` listens somewhere else (`server_address` or `server_port` differ), so
    /// that a reload must bind a new socket.
    pub fn listen_changed(&self, other: &Self) -> bool {
        self.server_address != other.server_address || self.server_port != other.server_port
    }

    /// Whether a peer at `ip` may connect, according to `allowed_hosts`.
    pub fn host_allowed(&self, ip: IpAddr) -> bool {
        self.allowed_hosts
            .as_ref()
            .is_none_or(|nets| nets.iter().any(|net| net.contains(ip)))
    }
}

/// The `icinga2_*` keys. `Debug` does not show the password.
#[derive(Clone, PartialEq, Eq)]
pub struct Icinga2Config {
    /// `icinga2_api_url`: the sink is on when this is set.
    pub api_url: Option<String>,
    /// `icinga2_api_user`.
    pub api_user: Option<String>,
    /// `icinga2_api_password`.
    pub api_password: Option<String>,
    /// `icinga2_api_password_file`.
    pub api_password_file: Option<PathBuf>,
    /// `icinga2_api_ca_file`.
    pub api_ca_file: Option<PathBuf>,
    /// `icinga2_api_tls_name`.
    pub api_tls_name: Option<String>,
    /// `icinga2_api_client_cert`.
    pub api_client_cert: Option<PathBuf>,
    /// `icinga2_api_client_key`.
    pub api_client_key: Option<PathBuf>,
    /// `icinga2_check_source`.
    pub check_source: Option<String>,
    /// `icinga2_api_connections`: 4 unless set.
    pub api_connections: usize,
}

impl Default for Icinga2Config {
    fn default() -> Self {
        Self {
            api_url: None,
            api_user: None,
            api_password: None,
            api_password_file: None,
            api_ca_file: None,
            api_tls_name: None,
            api_client_cert: None,
            api_client_key: None,
            check_source: None,
            api_connections: 4,
        }
    }
}

impl fmt::Debug for Icinga2Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Icinga2Config")
            .field("api_url", &self.api_url)
            .field("api_user", &self.api_user)
            .field(
                "api_password",
                &self.api_password.as_ref().map(|_| "<redacted>"),
            )
            .field("api_password_file", &self.api_password_file)
            .field("api_ca_file", &self.api_ca_file)
            .field("api_tls_name", &self.api_tls_name)
            .field("api_client_cert", &self.api_client_cert)
            .field("api_client_key", &self.api_client_key)
            .field("check_source", &self.check_source)
            .field("api_connections", &self.api_connections)
            .finish()
    }
}

/// A syslog facility, as `log_facility` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)] // Each variant is the facility it names.
pub enum Facility {
    Kern,
    User,
    Mail,
    Daemon,
    Auth,
    Syslog,
    Lpr,
    News,
    Uucp,
    Cron,
    Authpriv,
    Ftp,
    Local0,
    Local1,
    Local2,
    Local3,
    Local4,
    Local5,
    Local6,
    Local7,
}

impl Facility {
    /// Every facility, in the order of their numbers.
    pub const ALL: [Self; 20] = [
        Self::Kern,
        Self::User,
        Self::Mail,
        Self::Daemon,
        Self::Auth,
        Self::Syslog,
        Self::Lpr,
        Self::News,
        Self::Uucp,
        Self::Cron,
        Self::Authpriv,
        Self::Ftp,
        Self::Local0,
        Self::Local1,
        Self::Local2,
        Self::Local3,
        Self::Local4,
        Self::Local5,
        Self::Local6,
        Self::Local7,
    ];

    /// The facility's number in syslog messages (RFC 5424 §6.2.1; `LOG_<NAME> >> 3` in C).
    pub const fn code(self) -> u8 {
        match self {
            Self::Kern => 0,
            Self::User => 1,
            Self::Mail => 2,
            Self::Daemon => 3,
            Self::Auth => 4,
            Self::Syslog => 5,
            Self::Lpr => 6,
            Self::News => 7,
            Self::Uucp => 8,
            Self::Cron => 9,
            Self::Authpriv => 10,
            Self::Ftp => 11,
            Self::Local0 => 16,
            Self::Local1 => 17,
            Self::Local2 => 18,
            Self::Local3 => 19,
            Self::Local4 => 20,
            Self::Local5 => 21,
            Self::Local6 => 22,
            Self::Local7 => 23,
        }
    }

    /// The facility's usual name (`"lpr"` for the printer facility).
    pub const fn name(self) -> &'static str {
        match self {
            Self::Kern => "kern",
            Self::User => "user",
            Self::Mail => "mail",
            Self::Daemon => "daemon",
            Self::Auth => "auth",
            Self::Syslog => "syslog",
            Self::Lpr => "lpr",
            Self::News => "news",
            Self::Uucp => "uucp",
            Self::Cron => "cron",
            Self::Authpriv => "authpriv",
            Self::Ftp => "ftp",
            Self::Local0 => "local0",
            Self::Local1 => "local1",
            Self::Local2 => "local2",
            Self::Local3 => "local3",
            Self::Local4 => "local4",
            Self::Local5 => "local5",
            Self::Local6 => "local6",
            Self::Local7 => "local7",
        }
    }

    /// The facility a `log_facility` value names, compared exactly (lower case, nothing
    /// around it). Besides [`Facility::name`], NSCA's spelling `lrp` selects [`Facility::Lpr`].
    pub fn from_name(name: &[u8]) -> Option<Self> {
        if name == b"lrp" {
            return Some(Self::Lpr);
        }
        Self::ALL.into_iter().find(|f| f.name().as_bytes() == name)
    }
}

impl fmt::Display for Facility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An IPv4 or IPv6 network: an address and a prefix length (a single address is a /32 or
/// /128). The address is kept with its host bits cleared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

/// Why a string is not an [`IpNet`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IpNetError {
    /// The part before `/` is not an IPv4 or IPv6 address.
    #[error("not an IP address")]
    Address,
    /// The part after `/` is not a prefix length the address family allows.
    #[error("the prefix length must be 0 to 32 for IPv4 and 0 to 128 for IPv6")]
    Prefix,
}

impl IpNet {
    /// The network of `addr` with `prefix` leading bits.
    ///
    /// # Errors
    /// [`IpNetError::Prefix`] when `prefix` exceeds 32 (IPv4) or 128 (IPv6).
    pub fn new(addr: IpAddr, prefix: u8) -> Result<Self, IpNetError> {
        let addr = match addr {
            IpAddr::V4(a) if prefix <= 32 => {
                IpAddr::V4(Ipv4Addr::from(u32::from(a) & v4_mask(prefix)))
            }
            IpAddr::V6(a) if prefix <= 128 => {
                IpAddr::V6(Ipv6Addr::from(u128::from(a) & v6_mask(prefix)))
            }
            _ => return Err(IpNetError::Prefix),
        };
        Ok(Self { addr, prefix })
    }

    /// The network address (host bits cleared).
    pub fn addr(&self) -> IpAddr {
        self.addr
    }

    /// The prefix length.
    pub fn prefix_len(&self) -> u8 {
        self.prefix
    }

    /// Whether `ip` is in this network. IPv4 and IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`,
    /// how an IPv4 peer shows on a dual-stack socket) are the same address here, whichever of
    /// the two forms the network and `ip` are written in.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(a)) => v4_in(net, self.prefix, a),
            (IpAddr::V4(net), IpAddr::V6(a)) => a
                .to_ipv4_mapped()
                .is_some_and(|a| v4_in(net, self.prefix, a)),
            (IpAddr::V6(net), IpAddr::V6(a)) => v6_in(net, self.prefix, a),
            (IpAddr::V6(net), IpAddr::V4(a)) => v6_in(net, self.prefix, a.to_ipv6_mapped()),
        }
    }
}

fn v4_mask(prefix: u8) -> u32 {
    u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0)
}

fn v6_mask(prefix: u8) -> u128 {
    u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0)
}

fn v4_in(net: Ipv4Addr, prefix: u8, a: Ipv4Addr) -> bool {
    u32::from(a) & v4_mask(prefix) == u32::from(net)
}

fn v6_in(net: Ipv6Addr, prefix: u8, a: Ipv6Addr) -> bool {
    u128::from(a) & v6_mask(prefix) == u128::from(net)
}

impl FromStr for IpNet {
    type Err = IpNetError;

    /// `192.0.2.7`, `10.0.0.0/8`, `2001:db8::1`, `2001:db8::/32`, `::ffff:10.0.0.0/104`. The
    /// prefix is decimal digits only.
    fn from_str(s: &str) -> Result<Self, IpNetError> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = addr.parse().map_err(|_| IpNetError::Address)?;
        let prefix = match prefix {
            None => match addr {
                IpAddr::V4(_) => 32,
                IpAddr::V6(_) => 128,
            },
            Some(p) if !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()) => {
                p.parse().map_err(|_| IpNetError::Prefix)?
            }
            Some(_) => return Err(IpNetError::Prefix),
        };
        Self::new(addr, prefix)
    }
}

impl fmt::Display for IpNet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// A finding that does not stop the daemon, with the line it was found on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigWarning {
    /// 1-based line number (counted as [`parse`] counts lines).
    pub line: u32,
    /// What was found.
    pub kind: ConfigWarningKind,
}

impl fmt::Display for ConfigWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.kind)
    }
}

/// The findings [`ConfigWarning`] reports.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigWarningKind {
    /// A name that only contains one of NSCA's substring-matched keys.
    #[error("`{name}` is read as `{key}`, because NSCA 2.10 accepts any name containing `{key}`")]
    ContainedKey {
        /// The name as written.
        name: String,
        /// The key it selects.
        key: &'static str,
    },
    /// A value ending in a carriage return, kept as part of a text value.
    #[error(
        "the value of `{key}` ends with a carriage return (a CRLF line end), which is kept as \
         part of the value, as NSCA 2.10 keeps it"
    )]
    CarriageReturn {
        /// The key.
        key: &'static str,
    },
    /// A value of one of NSCA's numeric keys that is not a plain number.
    #[error("`{value}` is not a plain number; `{key}` reads it as {read}, as NSCA 2.10 does")]
    LenientNumber {
        /// The key.
        key: &'static str,
        /// The value as written (escaped).
        value: String,
        /// The number it was read as.
        read: i64,
    },
    /// A `server_port` above 65535, which NSCA turns into `port % 65536`.
    #[error(
        "server_port {value} is above 65535; like NSCA 2.10, the daemon listens on port {port}"
    )]
    PortWrapped {
        /// The number read.
        value: i32,
        /// The port it means.
        port: u16,
    },
    /// An unknown `log_facility`.
    #[error("`{value}` is not a syslog facility; logging to `daemon` instead")]
    UnknownFacility {
        /// The value as written (escaped).
        value: String,
    },
    /// A `decryption_method` that NSCA 2.10 accepts in its config but can never use.
    #[error("decryption method {method} cannot be used: {reason}")]
    UnusableMethod {
        /// The method.
        method: EncryptionMethod,
        /// Why.
        reason: Unusable,
    },
    /// An `icinga2_*` key without `icinga2_api_url`.
    #[error("`{key}` has no effect without `icinga2_api_url`")]
    Icinga2WithoutUrl {
        /// The first such key in the file.
        key: &'static str,
    },
}

/// Why a config file was refused: which file, which line (when the problem is on one), and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The file.
    pub path: PathBuf,
    /// The 1-based line, counted as [`parse`] counts lines; `None` when the file could not be
    /// read.
    pub line: Option<u32>,
    /// The reason.
    pub kind: ConfigErrorKind,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}, line {line}: {}", self.path.display(), self.kind),
            None => write!(f, "{}: {}", self.path.display(), self.kind),
        }
    }
}

impl std::error::Error for ConfigError {}

/// The reasons a [`ConfigError`] gives.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigErrorKind {
    /// The file could not be read.
    #[error("cannot read the configuration file: {0}")]
    CannotRead(String),
    /// A line made only of `=` signs.
    #[error("a line with no option name")]
    NoName,
    /// A line with no `=`, or nothing after it (this includes `password=` with no password,
    /// an indented comment and the empty line of a CRLF file).
    #[error(
        "a line with no value (expected name=value; lines starting with # are comments, \
         and an option cannot be set to nothing)"
    )]
    NoValue,
    /// A name that selects no key.
    #[error("unknown option `{name}`")]
    UnknownOption {
        /// The name as written (escaped).
        name: String,
    },
    /// A value that is not a number, for a key that needs one.
    #[error("`{key}` needs a whole number, not `{value}`")]
    InvalidNumber {
        /// The key.
        key: &'static str,
        /// The value as written (escaped).
        value: String,
    },
    /// A number outside the range a key allows.
    #[error("`{key}` must be from {min} to {max}, not {value}")]
    OutOfRange {
        /// The key.
        key: &'static str,
        /// The number.
        value: u64,
        /// The smallest allowed.
        min: u64,
        /// The largest allowed.
        max: u64,
    },
    /// A `decryption_method` number NSCA 2.10 refuses.
    #[error(
        "decryption method {0} does not exist (use 0 to 26, except 13, 17, 18 and 21, which \
         NSCA never implemented)"
    )]
    InvalidMethod(i32),
    /// A `max_packet_age` above 900 seconds.
    #[error("max_packet_age {0} is more than the 900 seconds allowed")]
    MaxPacketAgeTooLarge(u64),
    /// A negative `server_port`.
    #[error("server_port {0} is not a port number")]
    PortOutOfRange(i32),
    /// A value that is not the kind of address the key needs.
    #[error("`{key}` needs {expected}, not `{value}`")]
    InvalidAddress {
        /// The key.
        key: &'static str,
        /// The offending value or list entry (escaped).
        value: String,
        /// What the key takes.
        expected: &'static str,
    },
    /// `allowed_hosts` with separators but no entry.
    #[error("`allowed_hosts` lists no address; leave the line out to allow everyone")]
    EmptyAllowedHosts,
    /// A text value that is not UTF-8.
    #[error("the value of `{key}` is not valid UTF-8")]
    NotUtf8 {
        /// The key.
        key: &'static str,
    },
    /// Two keys that exclude each other.
    #[error("`{key}` and `{other}` cannot both be set")]
    Conflict {
        /// The key on this line.
        key: &'static str,
        /// The key set earlier.
        other: &'static str,
    },
    /// A key set without one it needs.
    #[error("`{key}` needs `{needs}` too")]
    Needs {
        /// The key set.
        key: &'static str,
        /// The key missing.
        needs: &'static str,
    },
}

/// Reads the file at `path` and parses it.
///
/// # Errors
/// [`ConfigErrorKind::CannotRead`] (with no line) when the file cannot be read, a directory
/// included; otherwise what [`parse`] finds.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    match std::fs::read(path) {
        Ok(text) => parse(&text, path),
        Err(e) => Err(ConfigError {
            path: path.to_path_buf(),
            line: None,
            kind: ConfigErrorKind::CannotRead(e.to_string()),
        }),
    }
}

/// Parses the bytes of a config file; `path` only names the file in errors. Takes any bytes
/// and never panics.
///
/// # Errors
/// The first problem in the file, or in how its keys go together.
pub fn parse(text: &[u8], path: &Path) -> Result<Config, ConfigError> {
    let mut parser = Parser {
        config: Config::default(),
        lines: KeyLines::default(),
    };
    let mut line = 0u32;
    for chunk in config_syntax::lines(text) {
        line = line.saturating_add(1);
        parser.line(chunk, line).map_err(|kind| ConfigError {
            path: path.to_path_buf(),
            line: Some(line),
            kind,
        })?;
    }
    parser.finish().map_err(|(line, kind)| ConfigError {
        path: path.to_path_buf(),
        line: Some(line),
        kind,
    })
}

/// How a key of NSCA 2.10 is compared with a name.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Compare {
    Exact,
    Contained,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Setting {
    ServerPort,
    ServerAddress,
    CommandFile,
    AlternateDumpFile,
    Password,
    DecryptionMethod,
    Debug,
    StrictModeSpoofing,
    AggregateWrites,
    CheckResultPath,
    AppendToFile,
    MaxPacketAge,
    NscaUser,
    NscaGroup,
    NscaChroot,
    PidFile,
    LogFacility,
    AllowedHosts,
    MaxConnections,
    ConnectionTimeout,
    MaxQueuedResults,
    ShutdownTimeout,
    MetricsAddress,
    Icinga2ApiUrl,
    Icinga2ApiUser,
    Icinga2ApiPassword,
    Icinga2ApiPasswordFile,
    Icinga2ApiCaFile,
    Icinga2ApiTlsName,
    Icinga2ApiClientCert,
    Icinga2ApiClientKey,
    Icinga2CheckSource,
    Icinga2ApiConnections,
}

/// This daemon's keys, compared exactly, before NSCA's.
const OUR_KEYS: [(&str, Setting); 16] = [
    ("allowed_hosts", Setting::AllowedHosts),
    ("max_connections", Setting::MaxConnections),
    ("connection_timeout", Setting::ConnectionTimeout),
    ("max_queued_results", Setting::MaxQueuedResults),
    ("shutdown_timeout", Setting::ShutdownTimeout),
    ("metrics_address", Setting::MetricsAddress),
    ("icinga2_api_url", Setting::Icinga2ApiUrl),
    ("icinga2_api_user", Setting::Icinga2ApiUser),
    ("icinga2_api_password", Setting::Icinga2ApiPassword),
    ("icinga2_api_password_file", Setting::Icinga2ApiPasswordFile),
    ("icinga2_api_ca_file", Setting::Icinga2ApiCaFile),
    ("icinga2_api_tls_name", Setting::Icinga2ApiTlsName),
    ("icinga2_api_client_cert", Setting::Icinga2ApiClientCert),
    ("icinga2_api_client_key", Setting::Icinga2ApiClientKey),
    ("icinga2_check_source", Setting::Icinga2CheckSource),
    ("icinga2_api_connections", Setting::Icinga2ApiConnections),
];

/// NSCA 2.10.2's keys in the order its `read_config_file()` tries them.
const C_KEYS: [(&str, Compare, Setting); 17] = [
    ("server_port", Compare::Exact, Setting::ServerPort),
    ("server_address", Compare::Exact, Setting::ServerAddress),
    ("command_file", Compare::Contained, Setting::CommandFile),
    (
        "alternate_dump_file",
        Compare::Contained,
        Setting::AlternateDumpFile,
    ),
    ("password", Compare::Contained, Setting::Password),
    (
        "decryption_method",
        Compare::Contained,
        Setting::DecryptionMethod,
    ),
    ("debug", Compare::Contained, Setting::Debug),
    (
        "strict_mode_spoofing",
        Compare::Contained,
        Setting::StrictModeSpoofing,
    ),
    (
        "aggregate_writes",
        Compare::Contained,
        Setting::AggregateWrites,
    ),
    (
        "check_result_path",
        Compare::Contained,
        Setting::CheckResultPath,
    ),
    ("append_to_file", Compare::Contained, Setting::AppendToFile),
    ("max_packet_age", Compare::Exact, Setting::MaxPacketAge),
    ("nsca_user", Compare::Exact, Setting::NscaUser),
    ("nsca_group", Compare::Exact, Setting::NscaGroup),
    ("nsca_chroot", Compare::Exact, Setting::NscaChroot),
    ("pid_file", Compare::Exact, Setting::PidFile),
    ("log_facility", Compare::Exact, Setting::LogFacility),
];

/// The key `name` selects: its spelling and whether the name only contains it.
fn lookup(name: &[u8]) -> Option<(Setting, &'static str, bool)> {
    if let Some(&(spelling, key)) = OUR_KEYS.iter().find(|(k, _)| k.as_bytes() == name) {
        return Some((key, spelling, false));
    }
    C_KEYS.iter().find_map(|&(spelling, compare, key)| {
        let k = spelling.as_bytes();
        match compare {
            Compare::Exact => (name == k).then_some((key, spelling, false)),
            Compare::Contained => contains(name, k).then_some((key, spelling, name != k)),
        }
    })
}

/// Lines of the keys whose combinations are checked at the end.
#[derive(Default)]
struct KeyLines {
    icinga2_first: Option<(u32, &'static str)>,
    api_password: Option<u32>,
    api_password_file: Option<u32>,
    api_client_cert: Option<u32>,
    api_client_key: Option<u32>,
}

struct Parser {
    config: Config,
    lines: KeyLines,
}

/// Bytes for a message: printable ASCII as is, everything else escaped.
fn shown(bytes: &[u8]) -> String {
    bytes.escape_ascii().to_string()
}

#[cfg(unix)]
fn path_from(bytes: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    PathBuf::from(std::ffi::OsStr::from_bytes(bytes))
}

#[cfg(not(unix))]
fn path_from(bytes: &[u8]) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(bytes).into_owned())
}

fn text(key: &'static str, value: &[u8]) -> Result<String, ConfigErrorKind> {
    String::from_utf8(value.to_vec()).map_err(|_| ConfigErrorKind::NotUtf8 { key })
}

/// Whether a value is one plain decimal number and nothing else (a trailing CR, from a CRLF
/// file, aside: it has its own warning).
fn plain(s: &[u8], n: &Scanned) -> bool {
    let end = if s.get(n.end) == Some(&b'\r') && n.end + 1 == s.len() {
        n.end + 1
    } else {
        n.end
    };
    n.digits && !n.leading_space && end == s.len() && n.magnitude.is_some()
}

/// A number of this daemon's keys: decimal digits only, within `min..=max`.
fn strict_number(
    key: &'static str,
    value: &[u8],
    min: u64,
    max: u64,
) -> Result<u64, ConfigErrorKind> {
    let invalid = || ConfigErrorKind::InvalidNumber {
        key,
        value: shown(value),
    };
    if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
        return Err(invalid());
    }
    let n = value.iter().try_fold(0u64, |acc, &b| {
        acc.checked_mul(10)?.checked_add(u64::from(b - b'0'))
    });
    match n {
        Some(n) if (min..=max).contains(&n) => Ok(n),
        Some(n) => Err(ConfigErrorKind::OutOfRange {
            key,
            value: n,
            min,
            max,
        }),
        None => Err(ConfigErrorKind::OutOfRange {
            key,
            value: u64::MAX,
            min,
            max,
        }),
    }
}

fn strict_usize(
    key: &'static str,
    value: &[u8],
    min: usize,
    max: usize,
) -> Result<usize, ConfigErrorKind> {
    let n = strict_number(key, value, min as u64, max as u64)?;
    // `max` is a usize, so `n` fits.
    Ok(usize::try_from(n).unwrap_or(max))
}

const ALLOWED_HOSTS_EXPECTED: &str =
    "IP addresses or CIDR ranges like 192.0.2.0/24 or 2001:db8::/32";

impl Parser {
    fn warn(&mut self, line: u32, kind: ConfigWarningKind) {
        self.config.warnings.push(ConfigWarning { line, kind });
    }

    fn line(&mut self, chunk: &[u8], line: u32) -> Result<(), ConfigErrorKind> {
        let (name, value) = match config_syntax::split_line(chunk) {
            Ok(Line::Skipped) => return Ok(()),
            Ok(Line::Setting { name, value }) => (name, value),
            Err(LineError::NoName) => return Err(ConfigErrorKind::NoName),
            Err(LineError::NoValue) => return Err(ConfigErrorKind::NoValue),
        };
        let Some((key, spelling, contained)) = lookup(name) else {
            return Err(ConfigErrorKind::UnknownOption { name: shown(name) });
        };
        if contained {
            self.warn(
                line,
                ConfigWarningKind::ContainedKey {
                    name: shown(name),
                    key: spelling,
                },
            );
        }
        self.apply(key, spelling, value, line)
    }

    /// A text value that C keeps whole: warn about a CRLF leftover.
    fn raw<'v>(&mut self, key: &'static str, value: &'v [u8], line: u32) -> &'v [u8] {
        if value.last() == Some(&b'\r') {
            self.warn(line, ConfigWarningKind::CarriageReturn { key });
        }
        value
    }

    /// An NSCA number key, read as C reads it, with a warning when it is not a plain number.
    fn c_number(&mut self, key: &'static str, value: &[u8], line: u32) -> Scanned {
        // C reads these keys with `atoi`, `max_packet_age` with `strtoul`: both decimal.
        let n = config_syntax::scan(value, Base::Decimal);
        if !plain(value, &n) {
            let read = if key == "max_packet_age" {
                i64::try_from(n.strtoul()).unwrap_or(i64::MAX)
            } else {
                i64::from(n.atoi())
            };
            self.warn(
                line,
                ConfigWarningKind::LenientNumber {
                    key,
                    value: shown(value),
                    read,
                },
            );
        }
        n
    }

    fn c_flag(&mut self, key: &'static str, value: &[u8], line: u32) -> bool {
        let n = self.c_number(key, value, line);
        n.atoi() > 0
    }

    fn icinga2_seen(&mut self, key: &'static str, line: u32) {
        if self.lines.icinga2_first.is_none() && key != "icinga2_api_url" {
            self.lines.icinga2_first = Some((line, key));
        }
    }

    fn apply(
        &mut self,
        key: Setting,
        name: &'static str,
        value: &[u8],
        line: u32,
    ) -> Result<(), ConfigErrorKind> {
        match key {
            Setting::ServerPort => {
                let n = self.c_number(name, value, line);
                let port = n.atoi();
                if port < 0 {
                    return Err(ConfigErrorKind::PortOutOfRange(port));
                }
                // C formats the int and getaddrinfo() keeps its low 16 bits.
                let wrapped = (port & 0xffff) as u16;
                if port > 0xffff {
                    self.warn(
                        line,
                        ConfigWarningKind::PortWrapped {
                            value: port,
                            port: wrapped,
                        },
                    );
                }
                self.config.server_port = wrapped;
            }
            Setting::ServerAddress => {
                let v = self.raw(name, value, line);
                self.config.server_address = Some(text(name, v)?);
            }
            Setting::CommandFile => {
                let v = self.raw(name, value, line);
                self.config.command_file = Some(path_from(v));
            }
            Setting::AlternateDumpFile => {
                let v = self.raw(name, value, line);
                self.config.alternate_dump_file = path_from(v);
            }
            Setting::Password => {
                let v = self.raw(name, value, line);
                self.config.password = Password::new(v);
            }
            Setting::DecryptionMethod => {
                let n = self.c_number(name, value, line);
                let number = n.atoi();
                let method = EncryptionMethod::from_number(i64::from(number))
                    .ok()
                    .filter(|m| m.usability() != Err(Unusable::NotAccepted))
                    .ok_or(ConfigErrorKind::InvalidMethod(number))?;
                if let Err(reason) = method.usability() {
                    self.warn(line, ConfigWarningKind::UnusableMethod { method, reason });
                }
                self.config.decryption_method = method;
            }
            Setting::Debug => self.config.debug = self.c_flag(name, value, line),
            Setting::StrictModeSpoofing => {
                self.config.strict_mode_spoofing = self.c_flag(name, value, line);
            }
            Setting::AggregateWrites => {
                self.config.aggregate_writes = self.c_flag(name, value, line)
            }
            Setting::CheckResultPath => {
                let v = self.raw(name, value, line);
                self.config.check_result_path = Some(path_from(v));
            }
            Setting::AppendToFile => self.config.append_to_file = self.c_flag(name, value, line),
            Setting::MaxPacketAge => {
                let n = self.c_number(name, value, line);
                let age = n.strtoul();
                if age > u64::from(MAX_PACKET_AGE_LIMIT) {
                    return Err(ConfigErrorKind::MaxPacketAgeTooLarge(age));
                }
                self.config.max_packet_age = u32::try_from(age).unwrap_or(MAX_PACKET_AGE_LIMIT);
            }
            Setting::NscaUser => {
                let v = self.raw(name, value, line);
                self.config.nsca_user = Some(text(name, v)?);
            }
            Setting::NscaGroup => {
                let v = self.raw(name, value, line);
                self.config.nsca_group = Some(text(name, v)?);
            }
            Setting::NscaChroot => {
                let v = self.raw(name, value, line);
                self.config.nsca_chroot = Some(path_from(v));
            }
            Setting::PidFile => {
                let v = self.raw(name, value, line);
                self.config.pid_file = Some(path_from(v));
            }
            Setting::LogFacility => {
                // C sets `daemon` when the name is unknown, even after a valid earlier line.
                let facility = Facility::from_name(value);
                if facility.is_none() {
                    self.warn(
                        line,
                        ConfigWarningKind::UnknownFacility {
                            value: shown(value),
                        },
                    );
                }
                self.config.log_facility = facility.unwrap_or(Facility::Daemon);
            }
            Setting::AllowedHosts => {
                let mut nets = Vec::new();
                for entry in value
                    .split(|&b| matches!(b, b',' | b' ' | b'\t'))
                    .filter(|e| !e.is_empty())
                {
                    let invalid = || ConfigErrorKind::InvalidAddress {
                        key: name,
                        value: shown(entry),
                        expected: ALLOWED_HOSTS_EXPECTED,
                    };
                    let s = std::str::from_utf8(entry).map_err(|_| invalid())?;
                    nets.push(s.parse::<IpNet>().map_err(|_| invalid())?);
                }
                if nets.is_empty() {
                    return Err(ConfigErrorKind::EmptyAllowedHosts);
                }
                self.config.allowed_hosts = Some(nets);
            }
            Setting::MaxConnections => {
                self.config.max_connections = strict_usize(name, value, 1, 1_000_000)?
            }
            Setting::ConnectionTimeout => {
                self.config.connection_timeout =
                    Duration::from_secs(strict_number(name, value, 1, 86_400)?);
            }
            Setting::MaxQueuedResults => {
                self.config.max_queued_results = strict_usize(name, value, 1, 10_000_000)?;
            }
            Setting::ShutdownTimeout => {
                self.config.shutdown_timeout =
                    Duration::from_secs(strict_number(name, value, 0, 86_400)?);
            }
            Setting::MetricsAddress => {
                let addr = std::str::from_utf8(value)
                    .ok()
                    .and_then(|s| s.parse::<SocketAddr>().ok())
                    .ok_or_else(|| ConfigErrorKind::InvalidAddress {
                        key: name,
                        value: shown(value),
                        expected: "an IP address and a port like 127.0.0.1:9167 or [::1]:9167",
                    })?;
                self.config.metrics_address = Some(addr);
            }
            Setting::Icinga2ApiUrl => {
                let v = self.raw(name, value, line);
                self.config.icinga2.api_url = Some(text(name, v)?);
            }
            Setting::Icinga2ApiUser => {
                self.icinga2_seen(name, line);
                let v = self.raw(name, value, line);
                self.config.icinga2.api_user = Some(text(name, v)?);
            }
            Setting::Icinga2ApiPassword => {
                self.icinga2_seen(name, line);
                let v = self.raw(name, value, line);
                self.config.icinga2.api_password = Some(text(name, v)?);
                self.lines.api_password = Some(line);
            }
            Setting::Icinga2ApiPasswordFile => {
                self.icinga2_seen(name, line);
                let v = self.raw(name, value, line);
                self.config.icinga2.api_password_file = Some(path_from(v));
                self.lines.api_password_file = Some(line);
            }
            Setting::Icinga2ApiCaFile => {
                self.icinga2_seen(name, line);
                let v = self.raw(name, value, line);
                self.config.icinga2.api_ca_file = Some(path_from(v));
            }
            Setting::Icinga2ApiTlsName => {
                self.icinga2_seen(name, line);
                let v = self.raw(name, value, line);
                self.config.icinga2.api_tls_name = Some(text(name, v)?);
            }
            Setting::Icinga2ApiClientCert => {
                self.icinga2_seen(name, line);
                let v = self.raw(name, value, line);
                self.config.icinga2.api_client_cert = Some(path_from(v));
                self.lines.api_client_cert = Some(line);
            }
            Setting::Icinga2ApiClientKey => {
                self.icinga2_seen(name, line);
                let v = self.raw(name, value, line);
                self.config.icinga2.api_client_key = Some(path_from(v));
                self.lines.api_client_key = Some(line);
            }
            Setting::Icinga2CheckSource => {
                self.icinga2_seen(name, line);
                let v = self.raw(name, value, line);
                self.config.icinga2.check_source = Some(text(name, v)?);
            }
            Setting::Icinga2ApiConnections => {
                self.icinga2_seen(name, line);
                self.config.icinga2.api_connections = strict_usize(name, value, 1, 256)?;
            }
        }
        Ok(())
    }

    /// Checks how the keys go together; an error names the line of the later key involved.
    fn finish(mut self) -> Result<Config, (u32, ConfigErrorKind)> {
        let l = &self.lines;
        if let (Some(a), Some(b)) = (l.api_password, l.api_password_file) {
            let (line, key, other) = if a > b {
                (a, "icinga2_api_password", "icinga2_api_password_file")
            } else {
                (b, "icinga2_api_password_file", "icinga2_api_password")
            };
            return Err((line, ConfigErrorKind::Conflict { key, other }));
        }
        match (l.api_client_cert, l.api_client_key) {
            (Some(line), None) => {
                return Err((
                    line,
                    ConfigErrorKind::Needs {
                        key: "icinga2_api_client_cert",
                        needs: "icinga2_api_client_key",
                    },
                ));
            }
            (None, Some(line)) => {
                return Err((
                    line,
                    ConfigErrorKind::Needs {
                        key: "icinga2_api_client_key",
                        needs: "icinga2_api_client_cert",
                    },
                ));
            }
            _ => {}
        }
        if let (Some((line, key)), None) = (l.icinga2_first, &self.config.icinga2.api_url) {
            self.warn(line, ConfigWarningKind::Icinga2WithoutUrl { key });
        }
        Ok(self.config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &[u8]) -> Config {
        parse(text, Path::new("t.cfg"))
            .unwrap_or_else(|e| panic!("{:?}: {e}", String::from_utf8_lossy(text)))
    }

    /// The error's line and kind.
    fn err(text: &[u8]) -> (Option<u32>, ConfigErrorKind) {
        match parse(text, Path::new("t.cfg")) {
            Ok(c) => panic!("{:?} was accepted: {c:?}", String::from_utf8_lossy(text)),
            Err(e) => {
                assert_eq!(e.path, Path::new("t.cfg"));
                (e.line, e.kind)
            }
        }
    }

    fn warnings(text: &[u8]) -> Vec<ConfigWarning> {
        ok(text).warnings
    }

    fn w(line: u32, kind: ConfigWarningKind) -> ConfigWarning {
        ConfigWarning { line, kind }
    }

    #[test]
    fn defaults() {
        let c = ok(b"");
        assert_eq!(c, Config::default());
        assert_eq!(c.server_port, 5667);
        assert_eq!(c.server_address, None);
        assert!(c.password.is_empty());
        assert_eq!(c.decryption_method, EncryptionMethod::Xor);
        assert_eq!(c.command_file, None);
        assert_eq!(c.alternate_dump_file, Path::new("/dev/null"));
        assert!(!c.aggregate_writes && !c.append_to_file && !c.debug && !c.strict_mode_spoofing);
        assert_eq!(c.check_result_path, None);
        assert_eq!(c.max_packet_age, 30);
        assert_eq!((c.nsca_user, c.nsca_group), (None, None));
        assert_eq!((c.nsca_chroot, c.pid_file), (None, None));
        assert_eq!(c.log_facility, Facility::Daemon);
        assert_eq!(c.allowed_hosts, None);
        assert_eq!(c.max_connections, 1024);
        assert_eq!(c.connection_timeout, Duration::from_secs(10));
        assert_eq!(c.max_queued_results, 10_000);
        assert_eq!(c.shutdown_timeout, Duration::from_secs(10));
        assert_eq!(c.metrics_address, None);
        assert_eq!(c.icinga2, Icinga2Config::default());
        assert_eq!(c.icinga2.api_connections, 4);
        assert_eq!(c.icinga2.api_url, None);
        assert!(c.warnings.is_empty());
        // Comments, empty lines and NUL-led lines only.
        assert_eq!(ok(b"# x\n\n#password=\n\0junk=\n\n"), Config::default());
    }

    #[test]
    fn every_nsca_key() {
        let c = ok(b"server_port=15667\n\
            server_address=127.0.0.1\n\
            command_file=/var/lib/nagios4/rw/nagios.cmd\n\
            alternate_dump_file=/run/nagios/nsca.dump\n\
            password=s3cret pass\n\
            decryption_method=14\n\
            debug=1\n\
            strict_mode_spoofing=1\n\
            aggregate_writes=1\n\
            check_result_path=/var/spool/cr\n\
            append_to_file=1\n\
            max_packet_age=900\n\
            nsca_user=nagios\n\
            nsca_group=nogroup\n\
            nsca_chroot=/var/chroot\n\
            pid_file=/run/nagios/nsca.pid\n\
            log_facility=local3\n");
        assert_eq!(c.server_port, 15667);
        assert_eq!(c.server_address.as_deref(), Some("127.0.0.1"));
        assert_eq!(
            c.command_file.as_deref(),
            Some(Path::new("/var/lib/nagios4/rw/nagios.cmd"))
        );
        assert_eq!(c.alternate_dump_file, Path::new("/run/nagios/nsca.dump"));
        assert_eq!(c.password.as_bytes(), b"s3cret pass");
        assert_eq!(c.decryption_method, EncryptionMethod::Rijndael128);
        assert!(c.debug && c.strict_mode_spoofing && c.aggregate_writes && c.append_to_file);
        assert_eq!(
            c.check_result_path.as_deref(),
            Some(Path::new("/var/spool/cr"))
        );
        assert_eq!(c.max_packet_age, 900);
        assert_eq!(c.nsca_user.as_deref(), Some("nagios"));
        assert_eq!(c.nsca_group.as_deref(), Some("nogroup"));
        assert_eq!(c.nsca_chroot.as_deref(), Some(Path::new("/var/chroot")));
        assert_eq!(
            c.pid_file.as_deref(),
            Some(Path::new("/run/nagios/nsca.pid"))
        );
        assert_eq!(c.log_facility, Facility::Local3);
        assert!(c.warnings.is_empty(), "{:?}", c.warnings);
        // Flags are `atoi(value) > 0`.
        for (v, want) in [
            ("0", false),
            ("1", true),
            ("2", true),
            ("-1", false),
            ("yes", false),
        ] {
            let c = ok(format!(
                "debug={v}\nappend_to_file={v}\naggregate_writes={v}\nstrict_mode_spoofing={v}\n"
            )
            .as_bytes());
            assert_eq!(
                [
                    c.debug,
                    c.append_to_file,
                    c.aggregate_writes,
                    c.strict_mode_spoofing
                ],
                [want; 4],
                "{v}"
            );
        }
        assert_eq!(ok(b"max_packet_age=0\n").max_packet_age, 0);
    }

    #[test]
    fn every_key_of_ours() {
        let c = ok(b"allowed_hosts=127.0.0.1,::1\n\
            max_connections=7\n\
            connection_timeout=3\n\
            max_queued_results=50\n\
            shutdown_timeout=0\n\
            metrics_address=[::1]:9167\n\
            icinga2_api_url=https://localhost:5665\n\
            icinga2_api_user=nsca\n\
            icinga2_api_password=p=w d\n\
            icinga2_api_ca_file=/etc/icinga2/ca.crt\n\
            icinga2_api_tls_name=master1\n\
            icinga2_api_client_cert=/c.crt\n\
            icinga2_api_client_key=/c.key\n\
            icinga2_check_source=nsca-gw\n\
            icinga2_api_connections=16\n");
        assert_eq!(
            c.allowed_hosts,
            Some(vec!["127.0.0.1".parse().unwrap(), "::1".parse().unwrap()])
        );
        assert_eq!(c.max_connections, 7);
        assert_eq!(c.connection_timeout, Duration::from_secs(3));
        assert_eq!(c.max_queued_results, 50);
        assert_eq!(c.shutdown_timeout, Duration::ZERO);
        assert_eq!(c.metrics_address, Some("[::1]:9167".parse().unwrap()));
        let i = &c.icinga2;
        assert_eq!(i.api_url.as_deref(), Some("https://localhost:5665"));
        assert_eq!(i.api_user.as_deref(), Some("nsca"));
        assert_eq!(i.api_password.as_deref(), Some("p=w d"));
        assert_eq!(i.api_password_file, None);
        assert_eq!(
            i.api_ca_file.as_deref(),
            Some(Path::new("/etc/icinga2/ca.crt"))
        );
        assert_eq!(i.api_tls_name.as_deref(), Some("master1"));
        assert_eq!(i.api_client_cert.as_deref(), Some(Path::new("/c.crt")));
        assert_eq!(i.api_client_key.as_deref(), Some(Path::new("/c.key")));
        assert_eq!(i.check_source.as_deref(), Some("nsca-gw"));
        assert_eq!(i.api_connections, 16);
        // Not taken as NSCA's `password`.
        assert!(c.password.is_empty());
        assert!(c.warnings.is_empty(), "{:?}", c.warnings);
        let c = ok(b"icinga2_api_url=https://x\nicinga2_api_password_file=/etc/pw\n");
        assert_eq!(
            c.icinga2.api_password_file.as_deref(),
            Some(Path::new("/etc/pw"))
        );
        assert!(c.password.is_empty());
        // The password never shows in Debug output.
        let dbg = format!(
            "{:?}",
            ok(b"password=hunter2\nicinga2_api_password=swordfish\n")
        );
        assert!(
            !dbg.contains("hunter2") && !dbg.contains("swordfish"),
            "{dbg}"
        );
    }

    #[test]
    fn names_match_like_c() {
        let contained = |line, name: &str, key| {
            w(
                line,
                ConfigWarningKind::ContainedKey {
                    name: name.into(),
                    key,
                },
            )
        };
        let c = ok(b"nsca_password=x\n");
        assert_eq!(c.password.as_bytes(), b"x");
        assert_eq!(c.warnings, [contained(1, "nsca_password", "password")]);
        // `password` is tried before `debug`, `command_file` before `password`.
        let c = ok(b"debug_password=1\n");
        assert_eq!((c.password.as_bytes(), c.debug), (&b"1"[..], false));
        let c = ok(b"command_file_password=/x\n");
        assert_eq!(c.command_file.as_deref(), Some(Path::new("/x")));
        assert!(c.password.is_empty());
        assert!(ok(b"xdebugx=1\n").debug);
        assert!(ok(b" debug=1\n").debug);
        assert!(ok(b"# a comment about debug=1\n").warnings.is_empty());
        let c = ok(b"  # an indented password=x\n");
        assert_eq!(c.password.as_bytes(), b"x");
        // `alternate_dump_file` does not contain `command_file`.
        let c = ok(b"alternate_dump_file=/d\n");
        assert_eq!(
            (c.command_file, c.alternate_dump_file),
            (None, PathBuf::from("/d"))
        );
        assert!(
            ok(b"the_check_result_path_x=/p\n")
                .check_result_path
                .is_some()
        );
        assert!(ok(b"xaggregate_writes=1\n").aggregate_writes);
        assert!(ok(b"append_to_files=1\n").append_to_file);
        assert!(ok(b"strict_mode_spoofing_=1\n").strict_mode_spoofing);
        assert_eq!(
            ok(b"decryption_methods=0\n").decryption_method,
            EncryptionMethod::None
        );
        // Exact keys are exact.
        for name in [
            "server_port ",
            "Server_port",
            "xserver_port",
            "server_address_",
            "my_max_packet_age",
            "nsca_users",
            "nsca_group ",
            "nsca_chroot2",
            "pidfile",
            "log_facility_",
            "allowed_hosts ",
            "max_connection",
            "icinga2_api_urls",
        ] {
            let text = format!("debug=0\n{name}=1\n");
            assert_eq!(
                err(text.as_bytes()),
                (
                    Some(2),
                    ConfigErrorKind::UnknownOption { name: name.into() }
                )
            );
        }
        // Leading `=` are skipped, so the name is still exact.
        assert_eq!(ok(b"==server_port=1234\n").server_port, 1234);
        // Our keys first: `icinga2_api_password` is not `password`, but a longer name is.
        let c = ok(b"icinga2_api_passwords=x\n");
        assert_eq!(c.password.as_bytes(), b"x");
        assert_eq!(c.icinga2.api_password, None);
        assert_eq!(
            c.warnings,
            [contained(1, "icinga2_api_passwords", "password")]
        );
    }

    #[test]
    fn later_lines_win() {
        let c = ok(
            b"server_port=1\nserver_port=2\npassword=a\npassword=b\ndebug=1\ndebug=0\n\
                     allowed_hosts=10.0.0.1\nallowed_hosts=10.0.0.2\n",
        );
        assert_eq!(
            (c.server_port, c.password.as_bytes(), c.debug),
            (2, &b"b"[..], false)
        );
        assert_eq!(c.allowed_hosts, Some(vec!["10.0.0.2".parse().unwrap()]));
        // An unknown facility resets an earlier good one to daemon, as in C.
        let c = ok(b"log_facility=local0\nlog_facility=local9\n");
        assert_eq!(c.log_facility, Facility::Daemon);
        assert_eq!(
            c.warnings,
            [w(
                2,
                ConfigWarningKind::UnknownFacility {
                    value: "local9".into()
                }
            )]
        );
    }

    #[test]
    fn line_syntax_errors_with_line_numbers() {
        for (text, line, kind) in [
            (
                &b"bogus_option=1\n"[..],
                1,
                ConfigErrorKind::UnknownOption {
                    name: "bogus_option".into(),
                },
            ),
            (b"debug=1\npassword=\n", 2, ConfigErrorKind::NoValue),
            (b"password", 1, ConfigErrorKind::NoValue),
            (b"password=", 1, ConfigErrorKind::NoValue),
            (b"password=\n\n", 1, ConfigErrorKind::NoValue),
            (b"#\n  # indented comment\n", 2, ConfigErrorKind::NoValue),
            (b" \n", 1, ConfigErrorKind::NoValue),
            (b"debug=1\r\n\r\ndebug=0\r\n", 2, ConfigErrorKind::NoValue),
            (b"=\n", 1, ConfigErrorKind::NoValue),
            (b"\n\n=", 3, ConfigErrorKind::NoName),
            (b"===", 1, ConfigErrorKind::NoName),
            (
                b"\n\n#x\n\0abc\npassword=\0x\n",
                5,
                ConfigErrorKind::NoValue,
            ),
            (
                b"debug=1\nfoo bar=baz\n",
                2,
                ConfigErrorKind::UnknownOption {
                    name: "foo bar".into(),
                },
            ),
            (
                b"\xff\x01=1\n",
                1,
                ConfigErrorKind::UnknownOption {
                    name: "\\xff\\x01".into(),
                },
            ),
        ] {
            assert_eq!(
                err(text),
                (Some(line), kind),
                "{:?}",
                String::from_utf8_lossy(text)
            );
        }
    }

    #[test]
    fn values_are_raw() {
        assert_eq!(ok(b"password= x \n").password.as_bytes(), b" x ");
        assert_eq!(ok(b"password==\n").password.as_bytes(), b"=");
        assert_eq!(ok(b"password=a=b").password.as_bytes(), b"a=b");
        assert_eq!(ok(b"password=a\0b\n").password.as_bytes(), b"a");
        assert_eq!(ok(b"password=#x\n").password.as_bytes(), b"#x");
        let c = ok(b"command_file=/a b/c\xff\n");
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            assert_eq!(
                c.command_file.as_deref().map(|p| p.as_os_str().as_bytes()),
                Some(&b"/a b/c\xff"[..])
            );
        }
        assert!(c.command_file.is_some());
        assert_eq!(
            err(b"nsca_user=\xffx\n"),
            (Some(1), ConfigErrorKind::NotUtf8 { key: "nsca_user" })
        );
        assert_eq!(
            err(b"server_address=\xc3\n"),
            (
                Some(1),
                ConfigErrorKind::NotUtf8 {
                    key: "server_address"
                }
            )
        );
    }

    #[test]
    fn crlf_files_keep_the_cr_like_c() {
        let c = ok(b"server_port=5668\r\n\
            debug=1\r\n\
            max_packet_age=60\r\n\
            decryption_method=3\r\n\
            password=secret\r\n\
            command_file=/cmd\r\n\
            log_facility=local1\r\n");
        assert_eq!(c.server_port, 5668);
        assert!(c.debug);
        assert_eq!(c.max_packet_age, 60);
        assert_eq!(c.decryption_method, EncryptionMethod::TripleDes);
        assert_eq!(c.password.as_bytes(), b"secret\r");
        assert_eq!(c.command_file.as_deref(), Some(Path::new("/cmd\r")));
        // C compares the facility name exactly, CR included.
        assert_eq!(c.log_facility, Facility::Daemon);
        assert_eq!(
            c.warnings,
            [
                w(5, ConfigWarningKind::CarriageReturn { key: "password" }),
                w(
                    6,
                    ConfigWarningKind::CarriageReturn {
                        key: "command_file"
                    }
                ),
                w(
                    7,
                    ConfigWarningKind::UnknownFacility {
                        value: "local1\\r".into()
                    }
                ),
            ]
        );
        // Our numbers are strict.
        assert_eq!(
            err(b"max_connections=10\r\n"),
            (
                Some(1),
                ConfigErrorKind::InvalidNumber {
                    key: "max_connections",
                    value: "10\\r".into()
                }
            )
        );
        assert!(matches!(
            err(b"allowed_hosts=::1\r\n"),
            (Some(1), ConfigErrorKind::InvalidAddress { .. })
        ));
    }

    #[test]
    fn long_lines_are_cut_like_fgets() {
        // A 5200-byte password: the first piece sets it, the rest (line 2) has no `=`.
        let mut text = b"password=".to_vec();
        text.extend(std::iter::repeat_n(b'p', 5200));
        text.push(b'\n');
        assert_eq!(err(&text), (Some(2), ConfigErrorKind::NoValue));
        // Exactly 5118 bytes, then the line feed alone, which is skipped.
        let mut text = b"password=".to_vec();
        text.extend(std::iter::repeat_n(b'p', CHUNK_LEN - 9));
        text.extend_from_slice(b"\ndebug=1\n");
        let c = ok(&text);
        assert_eq!(c.password.as_bytes().len(), CHUNK_LEN - 9);
        assert!(c.debug);
        // A long line whose rest is a valid `name=value` is two settings.
        let mut text = b"command_file=/".to_vec();
        text.extend(std::iter::repeat_n(b'c', CHUNK_LEN - text.len()));
        text.extend_from_slice(b"debug=1\nfoo\n");
        assert_eq!(err(&text), (Some(3), ConfigErrorKind::NoValue));
    }

    #[test]
    fn server_port_like_c() {
        let lenient = |line, value: &str, read| {
            w(
                line,
                ConfigWarningKind::LenientNumber {
                    key: "server_port",
                    value: value.into(),
                    read,
                },
            )
        };
        assert_eq!(ok(b"server_port=0\n").server_port, 0);
        assert_eq!(ok(b"server_port=65535\n").server_port, 65535);
        let c = ok(b"server_port=70000\n");
        assert_eq!(c.server_port, 4464);
        assert_eq!(
            c.warnings,
            [w(
                1,
                ConfigWarningKind::PortWrapped {
                    value: 70000,
                    port: 4464
                }
            )]
        );
        let c = ok(b"server_port= 5667x\n");
        assert_eq!(c.server_port, 5667);
        assert_eq!(c.warnings, [lenient(1, " 5667x", 5667)]);
        let c = ok(b"server_port=abc\n");
        assert_eq!(c.server_port, 0);
        assert_eq!(c.warnings, [lenient(1, "abc", 0)]);
        assert_eq!(
            err(b"server_port=-1\n"),
            (Some(1), ConfigErrorKind::PortOutOfRange(-1))
        );
        // atoi keeps the low 32 bits of strtol's result.
        assert_eq!(
            err(b"server_port=2147483648\n"),
            (Some(1), ConfigErrorKind::PortOutOfRange(i32::MIN))
        );
        assert_eq!(ok(b"server_port=4294967297\n").server_port, 1);
        // strtol saturates, and LONG_MAX's low 32 bits are -1.
        assert_eq!(
            err(b"server_port=99999999999999999999\n"),
            (Some(1), ConfigErrorKind::PortOutOfRange(-1))
        );
        assert!(ok(b"server_port=+5667\n").warnings.is_empty());
    }

    #[test]
    fn max_packet_age_like_c() {
        assert_eq!(ok(b"max_packet_age=900\n").max_packet_age, 900);
        assert_eq!(ok(b"max_packet_age= 12abc\n").max_packet_age, 12);
        assert_eq!(ok(b"max_packet_age=abc\n").max_packet_age, 0);
        assert_eq!(ok(b"max_packet_age=-0\n").max_packet_age, 0);
        // strtoul negates the magnitude: -(2^64 - 1) is 1.
        assert_eq!(
            ok(b"max_packet_age=-18446744073709551615\n").max_packet_age,
            1
        );
        for (v, n) in [
            ("901", 901),
            ("-1", u64::MAX),
            ("18446744073709551616", u64::MAX),
            ("4294967296", 4_294_967_296),
        ] {
            let text = format!("#\nmax_packet_age={v}\n");
            assert_eq!(
                err(text.as_bytes()),
                (Some(2), ConfigErrorKind::MaxPacketAgeTooLarge(n))
            );
        }
    }

    #[test]
    fn decryption_methods_like_c() {
        for m in EncryptionMethod::ALL {
            let text = format!("decryption_method={}\n", m.number());
            let accepted = ![13, 17, 18, 21].contains(&m.number());
            match parse(text.as_bytes(), Path::new("t.cfg")) {
                Ok(c) => {
                    assert!(accepted, "{m}");
                    assert_eq!(c.decryption_method, m);
                    let warned = m.usability().is_err();
                    assert_eq!(!c.warnings.is_empty(), warned, "{m}: {:?}", c.warnings);
                }
                Err(e) => {
                    assert!(!accepted, "{m}");
                    assert_eq!(
                        e.kind,
                        ConfigErrorKind::InvalidMethod(i32::from(m.number()))
                    );
                }
            }
        }
        for m in [27, -1, 256] {
            let text = format!("decryption_method={m}\n");
            assert_eq!(
                err(text.as_bytes()),
                (Some(1), ConfigErrorKind::InvalidMethod(m))
            );
        }
        assert_eq!(
            ok(b"decryption_method=x\n").decryption_method,
            EncryptionMethod::None
        );
        assert_eq!(
            ok(b"decryption_method=12\n").warnings,
            [w(
                1,
                ConfigWarningKind::UnusableMethod {
                    method: EncryptionMethod::Arcfour,
                    reason: Unusable::StreamCipher
                }
            )]
        );
    }

    #[test]
    fn lenient_numbers_warn() {
        let c = ok(b"debug=yes\n");
        assert!(!c.debug);
        assert_eq!(
            c.warnings,
            [w(
                1,
                ConfigWarningKind::LenientNumber {
                    key: "debug",
                    value: "yes".into(),
                    read: 0
                }
            )]
        );
        assert!(ok(b"debug=1\n").warnings.is_empty());
        assert!(ok(b"debug=-1\n").warnings.is_empty());
        assert!(ok(b"debug=1\r\n").warnings.is_empty());
        assert_eq!(ok(b"debug= 1\n").warnings.len(), 1);
        assert_eq!(ok(b"debug=1\r\r\n").warnings.len(), 1);
        // A substring name and a lenient value: both warnings, in that order.
        let c = ok(b"#\nmy_debug=on\n");
        assert_eq!(c.warnings.len(), 2);
        assert!(matches!(
            c.warnings[0].kind,
            ConfigWarningKind::ContainedKey { .. }
        ));
        assert!(matches!(
            c.warnings[1].kind,
            ConfigWarningKind::LenientNumber { .. }
        ));
        assert_eq!(c.warnings[1].line, 2);
    }

    #[test]
    fn our_numbers_are_strict_and_bounded() {
        for (key, min, max) in [
            ("max_connections", 1u64, 1_000_000u64),
            ("connection_timeout", 1, 86_400),
            ("max_queued_results", 1, 10_000_000),
            ("shutdown_timeout", 0, 86_400),
            ("icinga2_api_connections", 1, 256),
        ] {
            for v in [min, max] {
                let text = format!("icinga2_api_url=https://x\n{key}={v}\n");
                ok(text.as_bytes());
            }
            let below = min.checked_sub(1);
            for v in below.into_iter().chain([max + 1]) {
                let text = format!("#\n{key}={v}\n");
                assert_eq!(
                    err(text.as_bytes()),
                    (
                        Some(2),
                        ConfigErrorKind::OutOfRange {
                            key,
                            value: v,
                            min,
                            max
                        }
                    )
                );
            }
            let text = format!("{key}=99999999999999999999999\n");
            assert_eq!(
                err(text.as_bytes()),
                (
                    Some(1),
                    ConfigErrorKind::OutOfRange {
                        key,
                        value: u64::MAX,
                        min,
                        max
                    }
                )
            );
            for bad in ["+5", "-5", " 5", "5 ", "5s", "1e3", "0x10", "ten"] {
                let text = format!("{key}={bad}\n");
                assert_eq!(
                    err(text.as_bytes()),
                    (
                        Some(1),
                        ConfigErrorKind::InvalidNumber {
                            key,
                            value: bad.into()
                        }
                    ),
                    "{text}"
                );
            }
        }
        assert_eq!(ok(b"max_connections=0010\n").max_connections, 10);
    }

    #[test]
    fn allowed_hosts_parsing() {
        let c = ok(b"allowed_hosts=127.0.0.1, 10.0.0.0/8 ::1,2001:db8::/32\t192.0.2.9/24,,\n");
        let nets = c.allowed_hosts.unwrap();
        let shown: Vec<String> = nets.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "127.0.0.1/32",
                "10.0.0.0/8",
                "::1/128",
                "2001:db8::/32",
                "192.0.2.0/24"
            ]
        );
        assert_eq!(nets[4].addr(), IpAddr::V4(Ipv4Addr::new(192, 0, 2, 0)));
        assert_eq!(nets[4].prefix_len(), 24);
        for bad in [
            "10.0.0.0/33",
            "::/129",
            "10.0.0/8",
            "10.0.0.1/",
            "10.0.0.1/+8",
            "10.0.0.1/8/8",
            "10.0.0.1/0008",
            "host.example",
            "fe80::1%eth0",
            "10.0.0.1;",
            "[::1]",
        ] {
            let text = format!("debug=0\nallowed_hosts=127.0.0.1,{bad}\n");
            assert_eq!(
                err(text.as_bytes()),
                (
                    Some(2),
                    ConfigErrorKind::InvalidAddress {
                        key: "allowed_hosts",
                        value: bad.into(),
                        expected: ALLOWED_HOSTS_EXPECTED
                    }
                ),
                "{bad}"
            );
        }
        assert_eq!(
            err(b"allowed_hosts= , \n"),
            (Some(1), ConfigErrorKind::EmptyAllowedHosts)
        );
        assert_eq!(
            "10.1.2.3/8".parse::<IpNet>().map(|n| n.to_string()),
            Ok("10.0.0.0/8".into())
        );
        assert_eq!("10.0.0.0/33".parse::<IpNet>(), Err(IpNetError::Prefix));
        assert_eq!("x/8".parse::<IpNet>(), Err(IpNetError::Address));
        assert_eq!(
            IpNet::new(IpAddr::V6(Ipv6Addr::LOCALHOST), 129),
            Err(IpNetError::Prefix)
        );
    }

    #[test]
    fn allowed_hosts_matching() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let c = ok(b"allowed_hosts=192.0.2.7 10.0.0.0/8 2001:db8::/32 ::1\n");
        for (peer, allowed) in [
            ("192.0.2.7", true),
            ("192.0.2.8", false),
            ("10.255.255.255", true),
            ("11.0.0.0", false),
            ("::ffff:192.0.2.7", true),
            ("::ffff:10.1.2.3", true),
            ("::ffff:192.0.2.8", false),
            ("::ffff:11.0.0.1", false),
            ("2001:db8:ffff::1", true),
            ("2001:db9::1", false),
            ("::1", true),
            ("127.0.0.1", false),
            ("::ffff:127.0.0.1", false),
            // IPv4-compatible (deprecated) is not mapped.
            ("::192.0.2.7", false),
        ] {
            assert_eq!(c.host_allowed(ip(peer)), allowed, "{peer}");
        }
        assert!(Config::default().host_allowed(ip("203.0.113.1")));
        // A network written in mapped form matches plain IPv4 peers too.
        let net: IpNet = "::ffff:10.0.0.0/104".parse().unwrap();
        assert!(net.contains(ip("10.9.8.7")));
        assert!(net.contains(ip("::ffff:10.9.8.7")));
        assert!(!net.contains(ip("11.0.0.1")));
        // /0 of a family.
        let all4: IpNet = "0.0.0.0/0".parse().unwrap();
        assert!(all4.contains(ip("203.0.113.1")) && all4.contains(ip("::ffff:1.2.3.4")));
        assert!(!all4.contains(ip("2001:db8::1")));
        let all6: IpNet = "::/0".parse().unwrap();
        assert!(all6.contains(ip("2001:db8::1")) && all6.contains(ip("1.2.3.4")));
    }

    #[test]
    fn metrics_address() {
        assert_eq!(
            ok(b"metrics_address=127.0.0.1:9167\n").metrics_address,
            Some(SocketAddr::from(([127, 0, 0, 1], 9167)))
        );
        for bad in [
            "127.0.0.1",
            "localhost:9167",
            "::1:9167",
            "127.0.0.1:70000",
            " 127.0.0.1:1",
        ] {
            let text = format!("metrics_address={bad}\n");
            assert!(
                matches!(
                    err(text.as_bytes()),
                    (
                        Some(1),
                        ConfigErrorKind::InvalidAddress {
                            key: "metrics_address",
                            ..
                        }
                    )
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn icinga2_keys_go_together() {
        assert_eq!(
            err(b"icinga2_api_url=https://x\nicinga2_api_password=a\n#\nicinga2_api_password_file=/p\n"),
            (Some(4), ConfigErrorKind::Conflict {
                key: "icinga2_api_password_file",
                other: "icinga2_api_password"
            })
        );
        assert_eq!(
            err(b"icinga2_api_password_file=/p\nicinga2_api_password=a\n"),
            (
                Some(2),
                ConfigErrorKind::Conflict {
                    key: "icinga2_api_password",
                    other: "icinga2_api_password_file"
                }
            )
        );
        assert_eq!(
            err(b"icinga2_api_url=https://x\n\nicinga2_api_client_cert=/c\n"),
            (
                Some(3),
                ConfigErrorKind::Needs {
                    key: "icinga2_api_client_cert",
                    needs: "icinga2_api_client_key"
                }
            )
        );
        assert_eq!(
            err(b"icinga2_api_client_key=/k\n"),
            (
                Some(1),
                ConfigErrorKind::Needs {
                    key: "icinga2_api_client_key",
                    needs: "icinga2_api_client_cert"
                }
            )
        );
        assert_eq!(
            warnings(b"debug=0\nicinga2_api_user=u\nicinga2_check_source=s\n"),
            [w(
                2,
                ConfigWarningKind::Icinga2WithoutUrl {
                    key: "icinga2_api_user"
                }
            )]
        );
        assert!(warnings(b"icinga2_api_user=u\nicinga2_api_url=https://x\n").is_empty());
        assert_eq!(
            err(b"icinga2_api_url=\xff\n"),
            (
                Some(1),
                ConfigErrorKind::NotUtf8 {
                    key: "icinga2_api_url"
                }
            )
        );
    }

    #[test]
    fn facilities() {
        let codes: Vec<u8> = Facility::ALL.iter().map(|f| f.code()).collect();
        assert_eq!(
            codes,
            [
                0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 16, 17, 18, 19, 20, 21, 22, 23
            ]
        );
        for f in Facility::ALL {
            assert_eq!(Facility::from_name(f.name().as_bytes()), Some(f));
            let text = format!("log_facility={f}\n");
            let c = ok(text.as_bytes());
            assert_eq!((c.log_facility, c.warnings.len()), (f, 0));
        }
        assert_eq!(Facility::from_name(b"lrp"), Some(Facility::Lpr));
        for bad in [&b"Daemon"[..], b"daemon ", b"local8", b"", b"LOCAL0"] {
            assert_eq!(Facility::from_name(bad), None);
        }
        assert_eq!(ok(b"log_facility=lrp\n").log_facility, Facility::Lpr);
    }

    #[test]
    fn messages() {
        let e = parse(b"debug=0\n\nfoo=1\n", Path::new("/etc/nsca.cfg")).unwrap_err();
        assert_eq!(e.to_string(), "/etc/nsca.cfg, line 3: unknown option `foo`");
        let e = parse(b"max_packet_age=1000\n", Path::new("n.cfg")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "n.cfg, line 1: max_packet_age 1000 is more than the 900 seconds allowed"
        );
        let e = parse(b"max_connections=0\n", Path::new("n.cfg")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "n.cfg, line 1: `max_connections` must be from 1 to 1000000, not 0"
        );
        let e = load(Path::new("/nonexistent/nsca-rs/nsca.cfg")).unwrap_err();
        assert_eq!(e.line, None);
        assert!(matches!(e.kind, ConfigErrorKind::CannotRead(_)));
        assert!(
            e.to_string()
                .starts_with("/nonexistent/nsca-rs/nsca.cfg: cannot read the configuration file: "),
            "{e}"
        );

        let warn = &warnings(b"#\n\nmy_password=x\n")[0];
        assert_eq!(
            warn.to_string(),
            "line 3: `my_password` is read as `password`, because NSCA 2.10 accepts any name \
             containing `password`"
        );
    }

    #[test]
    fn listen_changed() {
        let a = ok(b"server_port=1\n");
        assert!(!a.listen_changed(&ok(b"server_port=1\ndebug=1\npassword=x\n")));
        assert!(a.listen_changed(&ok(b"server_port=2\n")));
        assert!(a.listen_changed(&ok(b"server_port=1\nserver_address=::1\n")));
        assert!(!ok(b"server_address=::1\n").listen_changed(&ok(b"server_address=::1\n")));
    }

    /// Arbitrary bytes, biased towards the syntax, never panic; errors always carry a line.
    #[test]
    fn never_panics() {
        const PIECES: [&[u8]; 24] = [
            b"=",
            b"\n",
            b"\r",
            b"#",
            b"\0",
            b" ",
            b",",
            b"/",
            b"-",
            b"9",
            b"0",
            b"::1",
            b"10.0.0.0/8",
            b"password",
            b"server_port",
            b"max_packet_age",
            b"debug",
            b"decryption_method",
            b"allowed_hosts",
            b"log_facility",
            b"icinga2_api_password",
            b"icinga2_api_client_cert",
            b"max_connections",
            b"\xff",
        ];
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..20_000 {
            let mut text = Vec::new();
            for _ in 0..next() % 24 {
                let r = next();
                if r % 5 == 0 {
                    text.push((r >> 8) as u8);
                } else {
                    text.extend_from_slice(PIECES[(r >> 8) as usize % PIECES.len()]);
                }
            }
            if let Err(e) = parse(&text, Path::new("f")) {
                assert!(e.line.is_some(), "{e}");
                let _ = e.to_string();
            }
        }
        // A very long file of one huge line.
        let big = vec![b'x'; 3 * CHUNK_LEN + 7];
        assert_eq!(err(&big), (Some(1), ConfigErrorKind::NoValue));
    }
}
