//! The command line: NSCA 2.10.2's rules exactly, plus long options of our own.
//!
//! The C client's `process_arguments()` has rules clap cannot express: one-dash options with
//! several letters (`-to`, `-ds`), a host name as the first argument (`send_nsca HOST -p 5667`,
//! the "old syntax"; the first argument is always the default host, even when it is an option),
//! options that take the next argument whatever it looks like (`-d -`), no bundling, no
//! `-p5667`, the last of a repeated option winning, and errors that depend on the order of the
//! arguments (C's `errno` is never cleared, so a port that overflowed makes a later numeric `-d`
//! fail). [`scan`] walks the arguments as the C client does and rewrites them into plain
//! `--long=value` tokens; clap then parses those into [`Cli`], which also holds the extensions.

use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::PathBuf;

use clap::{CommandFactory, Parser};
use nsca::ReturnCode;

use nsca::config_syntax::{Base, atoi, strtol};

/// The C client keeps at most this many bytes of the host name (`MAX_HOST_ADDRESS_LENGTH` - 1).
pub const MAX_HOST_ARG_LEN: usize = 255;
/// The C client keeps at most this many bytes of the config file path (`MAX_INPUT_BUFFER` - 1).
pub const MAX_CONFIG_PATH_LEN: usize = 5119;
/// The C client's default port.
pub const DEFAULT_PORT: i32 = 5667;
/// The C client's default timeout, in seconds.
pub const DEFAULT_TIMEOUT: i32 = 10;
/// The C client's default field delimiter.
pub const DEFAULT_DELIMITER: u8 = b'\t';
/// The C client's default set delimiter: ETB.
pub const DEFAULT_SET_DELIMITER: u8 = 0x17;

/// The options after [`scan`] has rewritten the C syntax.
///
/// The doc comments are the option texts of `--help` (first paragraph) and of the manual page
/// (all of it); [`crate::docs::command`] adds the C client's short names for the manual page and
/// the shell completions.
#[derive(Debug, Parser)]
#[command(
    name = "send_nsca",
    no_binary_name = true,
    disable_help_flag = true,
    disable_version_flag = true,
    args_override_self = true
)]
pub struct Cli {
    /// The NSCA daemon's host name or IP address.
    ///
    /// Every address the name resolves to is tried in turn until one accepts the connection.
    /// Without this option the first argument is the host, as in NSCA's older form of the
    /// command line, where the host came first.
    #[arg(long, value_name = "HOST", value_hint = clap::ValueHint::Hostname)]
    pub host: Option<OsString>,
    /// The daemon's TCP port.
    ///
    /// Read as C's atoi(3) reads a number, as NSCA's client did: 5667 when not given.
    #[arg(long, value_name = "PORT")]
    pub port: Option<OsString>,
    /// Seconds for the whole run: connecting, reading standard input, sending.
    ///
    /// When they run out, send_nsca stops with "Error: Timeout after N seconds" and exit status
    /// 2. Must be a positive number; 10 when not given.
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<OsString>,
    /// The configuration file to read (password, encryption method).
    ///
    /// Without it, /etc/send_nsca.cfg is read when it exists; when it does not, send_nsca uses
    /// no password and encryption method 1 (XOR). See send_nsca.cfg(5).
    #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    pub config: Option<OsString>,
    /// The field delimiter: a character, or a number such as 0x09.
    ///
    /// A value of one character is that character. A longer value that starts with a digit, +
    /// or - is a number (decimal 44, octal 054, hexadecimal 0x2c) whose low byte is used; any
    /// other longer value gives its first character. A tab when not given.
    #[arg(long, value_name = "DELIM")]
    pub delimiter: Option<OsString>,
    /// The set delimiter, which ends each result: a character, or a number such as 0x17.
    ///
    /// Read as the field delimiter is. ETB (0x17) when not given; 0x0a gives one result per
    /// line.
    #[arg(long, value_name = "DELIM")]
    pub set_delimiter: Option<OsString>,
    /// Print nothing on success.
    ///
    /// The count of sent results is printed only when it is 0; errors are printed as usual.
    #[arg(long)]
    pub quiet: bool,
    /// Send the 720-byte packets of NSCA 2.7 daemons.
    ///
    /// Output is then cut to 511 bytes. The configuration file's legacy_2_7_mode, when set,
    /// wins over this flag.
    #[arg(long = "legacy-2-7-mode")]
    pub legacy_2_7_mode: bool,
    /// One result per line: the same as -ds 0x0a.
    ///
    /// NSCA 2.7's client read its input this way.
    #[arg(long, conflicts_with = "set_delimiter")]
    pub one_check_per_line: bool,
    /// Silent changes become errors: skipped sets, cut fields, bad codes.
    ///
    /// The error names the set and its byte offset; the sets before it are sent, none after
    /// it, and the exit status is 2. In free-text mode, text that would be cut is an error too.
    #[arg(long)]
    pub strict: bool,
    /// Send nothing; print the line Nagios would receive for each result.
    ///
    /// The configuration is read and every result is encoded as in a real run, without
    /// connecting. The lines go to standard output, the count to standard error.
    #[arg(long)]
    pub dry_run: bool,
    /// Read the password from this file's first line.
    ///
    /// It replaces the configuration file's password. Only the file's name appears in messages.
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "password_env",
        value_hint = clap::ValueHint::FilePath
    )]
    pub password_file: Option<PathBuf>,
    /// Read the password from this environment variable.
    ///
    /// It replaces the configuration file's password. Only the variable's name appears in
    /// messages.
    #[arg(long, value_name = "VAR")]
    pub password_env: Option<OsString>,
    /// Keep undelivered results in DIR, and send them first next time.
    ///
    /// When the daemon cannot be reached, or the connection fails before it has read every
    /// result, the results of the run are stored in DIR (one file per run) and the run exits
    /// with status 75. Every later run with --spool DIR sends what DIR holds, oldest first,
    /// before its own input. The directory is created if needed (mode 0700). See SPOOL.
    #[arg(
        long,
        value_name = "DIR",
        conflicts_with = "dry_run",
        value_hint = clap::ValueHint::DirPath
    )]
    pub spool: Option<PathBuf>,
    /// Send what the spool holds, and nothing else (stdin is not read).
    ///
    /// For a cron job or a systemd timer. Exit status 0 when the spool was emptied (or was
    /// empty), 75 when results are still waiting in it.
    #[arg(long, requires = "spool", conflicts_with = "check_host")]
    pub flush: bool,
    /// Drop spooled results older than this, with a message (0: never).
    ///
    /// The age counts from when a result was spooled. Default 604800 seconds (7 days).
    #[arg(long, value_name = "SECONDS", requires = "spool")]
    pub spool_max_age: Option<u64>,
    /// Drop the oldest spool files beyond this size, with a message.
    ///
    /// Checked when a run adds a file; the newest file is always kept. 0 means no limit.
    /// Default 16777216 bytes (16 MiB).
    #[arg(long, value_name = "BYTES", requires = "spool")]
    pub spool_max_bytes: Option<u64>,
    /// Free-text mode: all of stdin is one result for this host.
    ///
    /// Tabs, ETB and newlines are kept as they are; trailing white space is removed. Text
    /// beyond what a packet holds is cut at a character boundary and marked (see the manual).
    #[arg(
        long,
        long_help = "Free-text mode: all of stdin is one result for this host.\n\n\
            Tabs, ETB and newlines are kept as they are; trailing white space is removed. Text \
            beyond what a packet holds is cut at a character boundary and ends with \
            \" [truncated]\".",
        value_name = "NAME",
        requires = "check_state",
        conflicts_with_all = ["delimiter", "set_delimiter", "one_check_per_line"],
        value_hint = clap::ValueHint::Hostname
    )]
    pub check_host: Option<OsString>,
    /// Free-text mode: the result's service; without it, a host result.
    #[arg(long, value_name = "NAME", requires = "check_host")]
    pub check_service: Option<OsString>,
    /// Free-text mode: the state, 0 to 3 or a name (OK, WARNING, ...).
    ///
    /// The names are OK, WARNING, CRITICAL and UNKNOWN (0 to 3), WARN and CRIT, and for host
    /// results UP, DOWN and UNREACHABLE (0 to 2), in any case. Any number from -32768 to 32767
    /// is accepted as well.
    #[arg(long, value_name = "STATE", requires = "check_host", value_parser = parse_state)]
    pub check_state: Option<ReturnCode>,
    /// Set by the rewriting: the first argument, the default host.
    #[arg(long, hide = true)]
    pub first_argument: Option<OsString>,
}

impl Cli {
    /// The same as clap's parse for tokens that hold only the C client's options (each
    /// `--long=value` from [`scan`], or a C flag), without building clap's parser: the common
    /// case, and the one a process per check pays for. `None` when any other option is there.
    fn from_c_tokens(tokens: &[OsString]) -> Option<Self> {
        let mut cli = Self {
            host: None,
            port: None,
            timeout: None,
            config: None,
            delimiter: None,
            set_delimiter: None,
            quiet: false,
            legacy_2_7_mode: false,
            one_check_per_line: false,
            strict: false,
            dry_run: false,
            password_file: None,
            password_env: None,
            check_host: None,
            check_service: None,
            check_state: None,
            spool: None,
            flush: false,
            spool_max_age: None,
            spool_max_bytes: None,
            first_argument: None,
        };
        for token in tokens {
            let token = token.as_bytes();
            match token {
                b"--quiet" => cli.quiet = true,
                b"--legacy-2-7-mode" => cli.legacy_2_7_mode = true,
                _ => {
                    let rest = token.strip_prefix(b"--")?;
                    let eq = rest.iter().position(|&b| b == b'=')?;
                    let value = Some(OsString::from_vec(rest[eq + 1..].to_vec()));
                    let slot = match &rest[..eq] {
                        b"host" => &mut cli.host,
                        b"port" => &mut cli.port,
                        b"timeout" => &mut cli.timeout,
                        b"config" => &mut cli.config,
                        b"delimiter" => &mut cli.delimiter,
                        b"set-delimiter" => &mut cli.set_delimiter,
                        b"first-argument" => &mut cli.first_argument,
                        _ => return None,
                    };
                    *slot = value;
                }
            }
        }
        Some(cli)
    }
}

fn parse_state(s: &str) -> Result<ReturnCode, String> {
    ReturnCode::parse(s).ok_or_else(|| {
        format!("'{s}' is not a state: use 0 to 3 (or any number from -32768 to 32767), OK, WARNING, CRITICAL or UNKNOWN")
    })
}

/// Why the command line was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UsageError {
    /// An argument that is not an option, after the first one.
    Unknown(OsString),
    /// An option that needs a value was the last argument.
    MissingValue(&'static str),
    /// `-to` was not a positive number.
    BadTimeout,
    /// A numeric `-d`/`-ds` value overflowed, or an earlier number did (C's sticky `errno`).
    DelimiterRange,
    /// clap refused the rewritten options (only our own long options can cause this).
    Extension(String),
}

impl UsageError {
    /// A line to print after C's "Incorrect command line arguments supplied", where C prints
    /// nothing more (or crashes). `None` keeps the C client's output exactly.
    pub fn detail(&self) -> Option<String> {
        match self {
            // The C client dereferences NULL here and dies of SIGSEGV; say what is wrong.
            Self::MissingValue(opt @ ("-d" | "-ds")) => Some(format!("option {opt} needs a value")),
            Self::Extension(message) => Some(message.clone()),
            _ => None,
        }
    }
}

/// What to print instead of running (on stdout, then exit 3, as the C client does): version,
/// help and license notice, each at most once, in that order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Info {
    /// The arguments were refused: "Incorrect command line arguments supplied" on stderr.
    pub error: Option<UsageError>,
    /// `-h`, no arguments, or an error: the help.
    pub usage: bool,
    /// `--help`: the help, then our own options, examples and exit codes.
    pub extended_help: bool,
    /// `-l`: the license notice.
    pub license: bool,
    /// `-V`: the version lines alone (they start every other text too).
    pub version: bool,
}

/// What the command line asks for.
#[derive(Debug)]
pub enum Invocation {
    /// Print texts and exit 3.
    Info(Info),
    /// Send check results.
    Run(Box<Options>),
}

/// Where the password comes from when not from send_nsca.cfg.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordSource {
    /// The first line of this file.
    File(PathBuf),
    /// This environment variable.
    Env(OsString),
}

/// Free-text mode: stdin is the output of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FreeText {
    /// The check's host.
    pub host: Vec<u8>,
    /// The check's service; `None` for a host check.
    pub service: Option<Vec<u8>>,
    /// The check's state.
    pub state: ReturnCode,
}

/// `--spool DIR` and its companions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpoolOptions {
    /// The spool directory.
    pub dir: PathBuf,
    /// `--flush`: send the spool and nothing else.
    pub flush: bool,
    /// `--spool-max-age`, in seconds; 0 keeps everything.
    pub max_age: u64,
    /// `--spool-max-bytes`; 0 means no limit.
    pub max_bytes: u64,
}

/// `--spool-max-age` when not given: 7 days.
pub const DEFAULT_SPOOL_MAX_AGE: u64 = 7 * 24 * 3600;
/// `--spool-max-bytes` when not given: 16 MiB.
pub const DEFAULT_SPOOL_MAX_BYTES: u64 = 16 * 1024 * 1024;

/// A command line that asks to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The host as the C client keeps it (at most 255 bytes).
    pub host: Vec<u8>,
    /// The port as `atoi` read it; messages print this number.
    pub port: i32,
    /// Seconds for the whole run (positive).
    pub timeout: i32,
    /// `-c`, at most 5119 bytes; `None` means `/etc/send_nsca.cfg` if it exists.
    pub config: Option<Vec<u8>>,
    /// The field delimiter; 0 means none (no set then has 3 fields).
    pub delimiter: u8,
    /// The set delimiter.
    pub set_delimiter: u8,
    /// `--quiet`.
    pub quiet: bool,
    /// `--legacy-2-7-mode` (send_nsca.cfg may still override it).
    pub legacy_2_7_mode: bool,
    /// `--strict`.
    pub strict: bool,
    /// `--dry-run`.
    pub dry_run: bool,
    /// `--password-file` or `--password-env`.
    pub password: Option<PasswordSource>,
    /// Free-text mode.
    pub free_text: Option<FreeText>,
    /// `--spool` (store and forward).
    pub spool: Option<SpoolOptions>,
}

/// The C client's `parse_delimiter()`: a value longer than one byte that starts with a digit,
/// `+` or `-` is a number (`strtol` base 0: `0x2c`, `44`, `054`), cut to a byte; anything else
/// gives its first byte (an empty value gives 0).
///
/// # Errors
/// When the number overflows, or when `errno` is already set (`sticky_errno`) by an earlier
/// overflowing number, since C tests `errno` without clearing it.
pub fn parse_delimiter(arg: &[u8], sticky_errno: bool) -> Result<u8, UsageError> {
    match arg {
        [first, _, ..] if first.is_ascii_digit() || *first == b'+' || *first == b'-' => {
            let (value, overflow) = strtol(arg, Base::Auto);
            if overflow || sticky_errno {
                return Err(UsageError::DelimiterRange);
            }
            Ok(value as u8) // C: `(char) strtol(...)`, the low byte.
        }
        _ => Ok(arg.first().copied().unwrap_or(0)),
    }
}

/// The C options that take a value, and the long option each is rewritten to.
const C_VALUE_OPTIONS: [(&str, &str); 6] = [
    ("-H", "host"),
    ("-p", "port"),
    ("-to", "timeout"),
    ("-c", "config"),
    ("-d", "delimiter"),
    ("-ds", "set-delimiter"),
];

/// The result of [`scan`]: either texts to print, or tokens for clap.
#[derive(Debug)]
pub enum Scanned {
    /// Print texts and exit 3.
    Info(Info),
    /// `--long=value` tokens for [`Cli`].
    Tokens(Vec<OsString>),
}

/// Walks `argv` (including `argv[0]`) as the C client's `process_arguments()` does, and
/// rewrites it into `--long=value` tokens for clap.
pub fn scan(argv: &[OsString]) -> Scanned {
    let mut info = Info::default();
    if argv.len() < 2 {
        info.usage = true;
        return Scanned::Info(info);
    }
    let mut tokens = vec![long_token("first-argument", argv[1].as_bytes())];
    let mut sticky_errno = false;
    // Built only when a `--long` option has to be looked up: the C options do not need clap.
    let mut command: Option<clap::Command> = None;
    let mut i = 1;
    while i < argv.len() {
        let arg = argv[i].as_bytes();
        match arg {
            b"-h" => info.usage = true,
            b"--help" => info.extended_help = true,
            b"-l" | b"--license" => info.license = true,
            b"-V" | b"--version" => info.version = true,
            b"--quiet" | b"--legacy-2-7-mode" => tokens.push(argv[i].clone()),
            _ => {
                let c_option = C_VALUE_OPTIONS
                    .iter()
                    .find(|(short, _)| short.as_bytes() == arg)
                    .map(|&(short, long)| (short, LongArg::Value(long), None));
                let long_option = arg
                    .strip_prefix(b"--")
                    .and_then(|rest| long_option(command.get_or_insert_with(Cli::command), rest));
                let Some((name, long, inline)) = c_option.or(long_option) else {
                    if i > 1 {
                        fail(&mut info, UsageError::Unknown(argv[i].clone()));
                        break;
                    }
                    i += 1; // The first argument may be the host (old syntax).
                    continue;
                };
                let value = match (inline, long) {
                    (Some(v), _) => v,
                    (None, LongArg::Flag(long)) => {
                        tokens.push(OsString::from(format!("--{long}")));
                        i += 1;
                        continue;
                    }
                    (None, LongArg::Value(_)) => match argv.get(i + 1) {
                        Some(v) => {
                            i += 1;
                            v.as_bytes().to_vec()
                        }
                        None => {
                            fail(&mut info, UsageError::MissingValue(name));
                            break;
                        }
                    },
                };
                let long = long.name();
                let checked = match long {
                    "port" => {
                        sticky_errno |= atoi(&value).1;
                        Ok(())
                    }
                    "timeout" => {
                        let (secs, overflow) = atoi(&value);
                        sticky_errno |= overflow;
                        if secs > 0 {
                            Ok(())
                        } else {
                            Err(UsageError::BadTimeout)
                        }
                    }
                    "delimiter" | "set-delimiter" => {
                        parse_delimiter(&value, sticky_errno).map(drop)
                    }
                    _ => Ok(()),
                };
                if let Err(e) = checked {
                    fail(&mut info, e);
                    break;
                }
                tokens.push(long_token(long, &value));
            }
        }
        i += 1;
    }
    if info.error.is_some() || info.usage || info.extended_help || info.license || info.version {
        return Scanned::Info(info);
    }
    Scanned::Tokens(tokens)
}

/// A long option of [`Cli`].
#[derive(Debug, Clone, Copy)]
enum LongArg {
    Flag(&'static str),
    Value(&'static str),
}

impl LongArg {
    fn name(self) -> &'static str {
        match self {
            Self::Flag(n) | Self::Value(n) => n,
        }
    }
}

/// Looks `rest` (an argument without its `--`, maybe `name=value`) up among [`Cli`]'s long
/// options, which clap knows; the hidden ones cannot be given.
fn long_option(
    command: &clap::Command,
    rest: &[u8],
) -> Option<(&'static str, LongArg, Option<Vec<u8>>)> {
    let (name, inline) = match rest.iter().position(|&b| b == b'=') {
        Some(eq) => (&rest[..eq], Some(rest[eq + 1..].to_vec())),
        None => (rest, None),
    };
    let arg = command
        .get_arguments()
        .filter(|a| !a.is_hide_set())
        .find(|a| a.get_long().is_some_and(|l| l.as_bytes() == name))?;
    let long: &'static str = LONG_NAMES.iter().find(|n| n.as_bytes() == name)?;
    if arg.get_action().takes_values() {
        Some((long, LongArg::Value(long), inline))
    } else if inline.is_some() {
        None // `--quiet=yes` is not an option.
    } else {
        Some((long, LongArg::Flag(long), None))
    }
}

/// Every long option of [`Cli`], as `'static` strings (a test checks this against clap).
const LONG_NAMES: [&str; 20] = [
    "host",
    "port",
    "timeout",
    "config",
    "delimiter",
    "set-delimiter",
    "quiet",
    "legacy-2-7-mode",
    "one-check-per-line",
    "strict",
    "dry-run",
    "password-file",
    "password-env",
    "spool",
    "flush",
    "spool-max-age",
    "spool-max-bytes",
    "check-host",
    "check-service",
    "check-state",
];

fn fail(info: &mut Info, e: UsageError) {
    info.error = Some(e);
    info.usage = true;
}

fn long_token(long: &str, value: &[u8]) -> OsString {
    let mut token = format!("--{long}=").into_bytes();
    token.extend_from_slice(value);
    OsString::from_vec(token)
}

/// Parses the command line: [`scan`], then clap, then the C client's value rules.
pub fn parse(argv: &[OsString]) -> Invocation {
    let tokens = match scan(argv) {
        Scanned::Info(info) => return Invocation::Info(info),
        Scanned::Tokens(tokens) => tokens,
    };
    let parsed = match Cli::from_c_tokens(&tokens) {
        Some(cli) => Ok(cli),
        None => Cli::try_parse_from(tokens),
    };
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => {
            let message = e.render().to_string();
            let message = message.trim_end().trim_start_matches("error: ").to_owned();
            return Invocation::Info(Info {
                error: Some(UsageError::Extension(message)),
                usage: true,
                ..Info::default()
            });
        }
    };
    match resolve(cli) {
        Ok(options) => Invocation::Run(Box::new(options)),
        Err(e) => Invocation::Info(Info {
            error: Some(e),
            usage: true,
            ..Info::default()
        }),
    }
}

/// Applies the C client's value rules to what clap parsed.
fn resolve(cli: Cli) -> Result<Options, UsageError> {
    let bytes = |o: &Option<OsString>| o.as_ref().map(|v| v.as_bytes().to_vec());
    let mut host = bytes(&cli.host)
        .or_else(|| bytes(&cli.first_argument))
        .unwrap_or_default();
    host.truncate(MAX_HOST_ARG_LEN);
    let port = bytes(&cli.port).map_or(DEFAULT_PORT, |p| atoi(&p).0);
    let timeout = bytes(&cli.timeout).map_or(DEFAULT_TIMEOUT, |t| atoi(&t).0);
    let config = bytes(&cli.config).map(|mut c| {
        c.truncate(MAX_CONFIG_PATH_LEN);
        c
    });
    // `scan` has checked the C rules (including errno) already; these cannot fail here.
    let delimiter = match bytes(&cli.delimiter) {
        Some(d) => parse_delimiter(&d, false)?,
        None => DEFAULT_DELIMITER,
    };
    let set_delimiter = match bytes(&cli.set_delimiter) {
        Some(d) => parse_delimiter(&d, false)?,
        None if cli.one_check_per_line => b'\n',
        None => DEFAULT_SET_DELIMITER,
    };
    let password = match (cli.password_file, cli.password_env) {
        (Some(file), _) => Some(PasswordSource::File(file)),
        (None, Some(var)) => Some(PasswordSource::Env(var)),
        (None, None) => None,
    };
    let free_text = match (cli.check_host, cli.check_state) {
        (Some(host), Some(state)) => Some(FreeText {
            host: host.into_vec(),
            service: cli.check_service.map(OsString::into_vec),
            state,
        }),
        _ => None,
    };
    Ok(Options {
        host,
        port,
        timeout,
        config,
        delimiter,
        set_delimiter,
        quiet: cli.quiet,
        legacy_2_7_mode: cli.legacy_2_7_mode,
        strict: cli.strict,
        dry_run: cli.dry_run,
        password,
        free_text,
        spool: cli.spool.map(|dir| SpoolOptions {
            dir,
            flush: cli.flush,
            max_age: cli.spool_max_age.unwrap_or(DEFAULT_SPOOL_MAX_AGE),
            max_bytes: cli.spool_max_bytes.unwrap_or(DEFAULT_SPOOL_MAX_BYTES),
        }),
    })
}

/// The C options' long names, by clap id ([`Cli`]'s fields): `--help` leaves them out of its
/// list of our own options (it names them in a sentence), the manual page gives them the C
/// client's short names.
pub const C_OPTION_IDS: [&str; 8] = [
    "host",
    "port",
    "timeout",
    "config",
    "delimiter",
    "set_delimiter",
    "quiet",
    "legacy_2_7_mode",
];

/// `--help`'s list of our own options, rendered by clap from [`Cli`]'s doc comments (their
/// first paragraphs).
pub fn extension_options_help() -> String {
    let mut command = Cli::command()
        .help_template("{options}")
        .term_width(100)
        .max_term_width(100);
    for id in C_OPTION_IDS {
        command = command.mut_arg(id, |a| a.hide(true));
    }
    command.render_help().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(args: &[&str]) -> Vec<OsString> {
        std::iter::once("send_nsca")
            .chain(args.iter().copied())
            .map(OsString::from)
            .collect()
    }

    fn options(args: &[&str]) -> Options {
        match parse(&argv(args)) {
            Invocation::Run(o) => *o,
            Invocation::Info(i) => panic!("{args:?} gave {i:?}"),
        }
    }

    fn info(args: &[&str]) -> Info {
        match parse(&argv(args)) {
            Invocation::Info(i) => i,
            Invocation::Run(o) => panic!("{args:?} gave {o:?}"),
        }
    }

    fn tokens(args: &[&str]) -> Vec<String> {
        match scan(&argv(args)) {
            Scanned::Tokens(t) => t.iter().map(|t| t.to_string_lossy().into_owned()).collect(),
            Scanned::Info(i) => panic!("{args:?} gave {i:?}"),
        }
    }

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
        let command = Cli::command();
        let longs: Vec<&str> = command
            .get_arguments()
            .filter(|a| !a.is_hide_set())
            .filter_map(|a| a.get_long())
            .collect();
        assert_eq!(longs, LONG_NAMES);
    }

    #[test]
    fn fast_path_equals_clap() {
        for args in [
            &["h"][..],
            &[
                "-H", "h", "-p", "1", "-to", "2", "-c", "c", "-d", ",", "-ds", "0x0a",
            ],
            &[
                "x",
                "--quiet",
                "--legacy-2-7-mode",
                "-H",
                "a",
                "-H",
                "b",
                "-p",
                "3",
                "-p",
                "4",
            ],
            &[
                "-H", "-x", "-d", "-", "-c", "--quiet", "-p", "=", "--host=z",
            ],
            &[
                "--port",
                "5",
                "--timeout=7",
                "--config=f",
                "--delimiter",
                ";",
            ],
            &["-d", "", "-c", "", "-H", ""],
        ] {
            let Scanned::Tokens(tokens) = scan(&argv(args)) else {
                panic!("{args:?}")
            };
            let fast = Cli::from_c_tokens(&tokens).expect("only C options");
            let slow = Cli::try_parse_from(&tokens).expect("clap parses");
            assert_eq!(format!("{fast:?}"), format!("{slow:?}"), "{args:?}");
        }
        let Scanned::Tokens(tokens) = scan(&argv(&["-H", "h", "--strict"])) else {
            panic!()
        };
        assert!(Cli::from_c_tokens(&tokens).is_none());
    }

    #[test]
    fn rewrites_one_dash_multi_letter_options_and_old_syntax() {
        assert_eq!(
            tokens(&[
                "127.0.0.1",
                "-p",
                "5667",
                "-to",
                "5",
                "-ds",
                "0x0a",
                "-d",
                ";"
            ]),
            [
                "--first-argument=127.0.0.1",
                "--port=5667",
                "--timeout=5",
                "--set-delimiter=0x0a",
                "--delimiter=;",
            ]
        );
        assert_eq!(
            tokens(&["-H", "-x", "-d", "-", "-c", "--quiet", "--legacy-2-7-mode"]),
            [
                "--first-argument=-H",
                "--host=-x",
                "--delimiter=-",
                "--config=--quiet",
                "--legacy-2-7-mode",
            ]
        );
        assert_eq!(
            tokens(&["--host", "h", "--port=1", "--dry-run", "--check-host=a b"]),
            [
                "--first-argument=--host",
                "--host=h",
                "--port=1",
                "--dry-run",
                "--check-host=a b",
            ]
        );
    }

    #[test]
    fn first_argument_is_the_default_host() {
        assert_eq!(options(&["nagios", "-p", "1"]).host, b"nagios");
        assert_eq!(options(&["-x", "-p", "1"]).host, b"-x");
        assert_eq!(options(&["-p", "1"]).host, b"-p");
        assert_eq!(options(&["old", "-H", "new"]).host, b"new");
        assert_eq!(options(&["-H", "a", "-H", "b"]).host, b"b");
        let long = "h".repeat(300);
        assert_eq!(options(&["-H", &long]).host.len(), 255);
        assert_eq!(options(&[&long]).host.len(), 255);
    }

    #[test]
    fn c_value_rules() {
        let o = options(&["-H", "h"]);
        assert_eq!((o.port, o.timeout), (5667, 10));
        assert_eq!((o.delimiter, o.set_delimiter), (b'\t', 0x17));
        assert_eq!(o.config, None);
        assert_eq!(options(&["-H", "h", "-p", "abc"]).port, 0);
        assert_eq!(options(&["-H", "h", "-p", "70000"]).port, 70000);
        assert_eq!(options(&["-H", "h", "-p", "25700x"]).port, 25700);
        assert_eq!(options(&["-H", "h", "-to", "3x"]).timeout, 3);
        assert_eq!(options(&["-H", "h", "-to", "4294967297"]).timeout, 1);
        let path = "c".repeat(6000);
        assert_eq!(
            options(&["-H", "h", "-c", &path]).config.map(|c| c.len()),
            Some(5119)
        );
        assert!(options(&["-H", "h", "--quiet"]).quiet);
        assert!(options(&["-H", "h", "--legacy-2-7-mode"]).legacy_2_7_mode);
        assert_eq!(
            options(&["-H", "h", "--one-check-per-line"]).set_delimiter,
            b'\n'
        );
    }

    #[test]
    fn delimiters_like_parse_delimiter() {
        for (arg, want) in [
            (",", b','),
            ("0x2c", b','),
            ("0X2C", b','),
            ("44", b','),
            ("054", b','),
            ("+44", b','),
            ("0x12c", b','),
            ("-255", 1),
            ("09", 0),
            ("0x", 0),
            ("00", 0),
            ("0", b'0'),
            ("9", b'9'),
            ("9x", b'\t'),
            ("xyz", b'x'),
            (";x", b';'),
            ("-", b'-'),
            ("", 0),
            (" 44", b' '),
        ] {
            assert_eq!(
                options(&["-H", "h", "-d", arg]).delimiter,
                want,
                "-d {arg:?}"
            );
            assert_eq!(
                options(&["-H", "h", "-ds", arg]).set_delimiter,
                want,
                "-ds {arg:?}"
            );
        }
    }

    #[test]
    fn errno_is_sticky_as_in_c() {
        let big = "99999999999999999999";
        let e = info(&["-H", "h", "-d", big]);
        assert_eq!(e.error, Some(UsageError::DelimiterRange));
        let e = info(&["-H", "h", "-p", big, "-d", "44"]);
        assert_eq!(e.error, Some(UsageError::DelimiterRange));
        // A one-character delimiter does not look at errno; a later port does not matter.
        assert_eq!(options(&["-H", "h", "-p", big, "-d", ","]).port, -1);
        assert_eq!(options(&["-H", "h", "-d", "44", "-p", big]).delimiter, b',');
        assert_eq!(
            info(&["-H", "h", "-to", big]).error,
            Some(UsageError::BadTimeout)
        );
    }

    #[test]
    fn usage_errors_and_texts() {
        assert_eq!(
            info(&[]),
            Info {
                usage: true,
                ..Info::default()
            }
        );
        let e = info(&["-H", "h", "-x"]);
        assert_eq!(e.error, Some(UsageError::Unknown("-x".into())));
        assert!(e.usage);
        for (args, missing) in [
            (&["-H"][..], "-H"),
            (&["h", "-p"], "-p"),
            (&["h", "-to"], "-to"),
            (&["h", "-c"], "-c"),
            (&["h", "-d"], "-d"),
            (&["h", "-ds"], "-ds"),
            (&["h", "--host"], "host"),
        ] {
            assert_eq!(
                info(args).error,
                Some(UsageError::MissingValue(missing)),
                "{args:?}"
            );
        }
        assert!(info(&["h", "-d"]).error.unwrap().detail().is_some());
        assert!(info(&["h", "-p"]).error.unwrap().detail().is_none());
        assert_eq!(info(&["h", "-to", "0"]).error, Some(UsageError::BadTimeout));
        assert_eq!(
            info(&["h", "-to", "-1"]).error,
            Some(UsageError::BadTimeout)
        );
        // Help, license and version; errors stop the scan.
        let h = info(&["-x", "-h"]);
        assert!(h.usage && h.error.is_none());
        let h = info(&["-h", "-x"]);
        assert!(h.usage && h.error.is_some());
        assert!(info(&["-l", "-x"]).license);
        assert!(!info(&["-V"]).usage && info(&["-V"]).version);
        assert!(!info(&["-H", "h", "-V"]).license);
        assert!(info(&["--help"]).extended_help);
        assert!(!info(&["--help"]).usage);
        // `--quiet=1`, `-p5667` and `--bogus` are not options.
        assert!(info(&["h", "--quiet=1"]).error.is_some());
        assert!(info(&["h", "-p5667"]).error.is_some());
        assert!(info(&["h", "--bogus"]).error.is_some());
        assert!(info(&["h", "--first-argument=x"]).error.is_some());
    }

    #[test]
    fn spool_options() {
        assert_eq!(options(&["-H", "h"]).spool, None);
        assert_eq!(
            options(&["-H", "h", "--spool", "/var/spool/x"]).spool,
            Some(SpoolOptions {
                dir: "/var/spool/x".into(),
                flush: false,
                max_age: DEFAULT_SPOOL_MAX_AGE,
                max_bytes: DEFAULT_SPOOL_MAX_BYTES,
            })
        );
        assert_eq!(
            options(&[
                "h",
                "--spool=d",
                "--flush",
                "--spool-max-age",
                "0",
                "--spool-max-bytes=4096",
                "-to",
                "3",
            ])
            .spool,
            Some(SpoolOptions {
                dir: "d".into(),
                flush: true,
                max_age: 0,
                max_bytes: 4096,
            })
        );
        for bad in [
            &["-H", "h", "--flush"][..],
            &["-H", "h", "--spool-max-age", "5"],
            &["-H", "h", "--spool-max-bytes", "5"],
            &["-H", "h", "--spool", "d", "--dry-run"],
            &["-H", "h", "--spool", "d", "--spool-max-age", "-1"],
            &["-H", "h", "--spool", "d", "--spool-max-bytes", "1M"],
            &[
                "-H",
                "h",
                "--spool",
                "d",
                "--flush",
                "--check-host",
                "w",
                "--check-state",
                "0",
            ],
            &["-H", "h", "--spool"],
        ] {
            let i = info(bad);
            assert!(
                matches!(
                    i.error,
                    Some(UsageError::Extension(_)) | Some(UsageError::MissingValue(_))
                ),
                "{bad:?}: {i:?}"
            );
        }
    }

    #[test]
    fn extensions() {
        let o = options(&[
            "-H",
            "h",
            "--check-host",
            "web1",
            "--check-service",
            "HTTP",
            "--check-state",
            "critical",
            "--strict",
            "--dry-run",
            "--password-env",
            "PW",
        ]);
        assert_eq!(
            o.free_text,
            Some(FreeText {
                host: b"web1".to_vec(),
                service: Some(b"HTTP".to_vec()),
                state: ReturnCode::CRITICAL
            })
        );
        assert!(o.strict && o.dry_run);
        assert_eq!(o.password, Some(PasswordSource::Env("PW".into())));
        let o = options(&[
            "-H",
            "h",
            "--password-file=/p",
            "--timeout=3",
            "--port",
            "9",
        ]);
        assert_eq!(o.password, Some(PasswordSource::File("/p".into())));
        assert_eq!((o.timeout, o.port), (3, 9));
        for bad in [
            &["-H", "h", "--check-host", "w"][..],
            &["-H", "h", "--check-state", "0"],
            &["-H", "h", "--check-host", "w", "--check-state", "bogus"],
            &[
                "-H",
                "h",
                "--check-host",
                "w",
                "--check-state",
                "0",
                "-d",
                ",",
            ],
            &["-H", "h", "--one-check-per-line", "-ds", "x"],
            &["-H", "h", "--password-file", "f", "--password-env", "V"],
        ] {
            let i = info(bad);
            assert!(
                matches!(i.error, Some(UsageError::Extension(_))),
                "{bad:?}: {i:?}"
            );
        }
    }
}
