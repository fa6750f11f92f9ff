//! The command line, as NSCA 2.10's daemon takes it: `nsca [-f] -c FILE [--single|--daemon|--inetd]`,
//! plus `-h`, `-V` and `-l`.
//!
//! The rules that scripts and init systems rely on are kept: the same option names, the config
//! file `nsca.cfg` in the current directory when `-c` is not given, a relative path made
//! absolute before anything else, the last mode option winning, and exit code 3 (with the help on
//! stdout) for help, version, license and wrong arguments, whose one stderr line is the C
//! daemon's. The texts themselves are this project's.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{ArgAction, CommandFactory, Parser};

/// Exit code for help, version, license and bad arguments (Nagios' UNKNOWN, as in C).
pub const EXIT_USAGE: u8 = 3;
/// Exit code when the configuration, the listening socket or the process set-up fails.
pub const EXIT_FAILURE: u8 = 2;

/// The stderr line for arguments the daemon does not understand, as the C daemon prints it.
pub const BAD_ARGUMENTS: &str = "Incorrect command line arguments supplied";

/// How the process serves connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A listening daemon (`--single`, `--daemon`, or neither). This daemon always serves every
    /// connection from one process, so the two C modes are the same here.
    Standalone,
    /// One connection on stdin and stdout, handed over by inetd or xinetd (`--inetd`).
    Inetd,
}

/// The options, as clap reads them. `args_override_self` lets a repeated option win, as in C.
#[derive(Debug, Parser)]
#[command(
    name = "nsca",
    about = "Accepts passive check results from NSCA clients and hands them to Nagios, Icinga or Naemon",
    long_about = None,
    disable_help_flag = true,
    disable_version_flag = true,
    args_override_self = true,
    after_help = "Exit status: 0 when the daemon started (or the inetd connection was served), \
                  2 when the configuration, the listening socket or the process set-up failed, \
                  3 for help, version, license and wrong arguments."
)]
pub struct Cli {
    /// The configuration file (nsca.cfg syntax); relative paths are taken from the current
    /// directory. Default: nsca.cfg in the current directory.
    #[arg(short = 'c', value_name = "FILE")]
    pub config: Option<OsString>,
    /// Stay in the foreground (no fork) and log to stderr instead of syslog.
    #[arg(short = 'f', long = "foreground")]
    pub foreground: bool,
    /// Listen for clients and serve them all from this one process (the default mode).
    #[arg(short = 's', long = "single", overrides_with_all = ["daemon", "inetd"])]
    pub single: bool,
    /// Same as --single: accepted for command lines written for the C daemon, whose
    /// process-per-connection mode this daemon does not need.
    #[arg(short = 'd', long = "daemon", overrides_with_all = ["single", "inetd"])]
    pub daemon: bool,
    /// Serve the one connection on stdin and stdout, then exit (for inetd or xinetd).
    #[arg(short = 'i', long = "inetd", overrides_with_all = ["single", "daemon"])]
    pub inetd: bool,
    /// Print this help and exit with status 3.
    #[arg(short = 'h', long = "help", action = ArgAction::SetTrue)]
    pub help: bool,
    /// Print the version banner and exit with status 3.
    #[arg(short = 'V', long = "version", action = ArgAction::SetTrue)]
    pub version: bool,
    /// Print the license notice and exit with status 3.
    #[arg(short = 'l', long = "license", action = ArgAction::SetTrue)]
    pub license: bool,
}

/// The clap definition of the command line: the source of the man page and the completions.
pub fn command() -> clap::Command {
    Cli::command()
}

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// Run with this config file, in this mode.
    Run {
        /// The config file, absolute.
        config: PathBuf,
        /// `-f`.
        foreground: bool,
        /// The mode.
        mode: Mode,
    },
    /// Print `text` on stdout (and `error` on stderr first, if any), then exit with 3.
    Exit {
        /// The stderr line, for wrong arguments.
        error: Option<&'static str>,
        /// The stdout text.
        text: String,
    },
}

/// Reads the arguments after the program name. `program` is `argv[0]`, for the usage line;
/// `cwd` makes a relative config path absolute.
pub fn parse(program: &str, args: &[OsString], cwd: &std::path::Path) -> Request {
    if args.is_empty() {
        return Request::Exit {
            error: None,
            text: format!("{}{}", banner(), usage(program)),
        };
    }
    let parsed =
        Cli::try_parse_from(std::iter::once(OsString::from("nsca")).chain(args.iter().cloned()));
    let Ok(cli) = parsed else {
        return Request::Exit {
            error: Some(BAD_ARGUMENTS),
            text: format!("{}{}", banner(), usage(program)),
        };
    };
    if cli.help || cli.version || cli.license {
        let mut text = banner();
        if cli.help {
            text.push_str(&usage(program));
        }
        if cli.license {
            text.push_str(LICENSE);
        }
        return Request::Exit { error: None, text };
    }
    let config = PathBuf::from(cli.config.unwrap_or_else(|| OsString::from("nsca.cfg")));
    let config = if config.is_absolute() {
        config
    } else {
        cwd.join(config)
    };
    Request::Run {
        config,
        foreground: cli.foreground,
        mode: if cli.inetd {
            Mode::Inetd
        } else {
            Mode::Standalone
        },
    }
}

/// The banner printed before help, version and license texts.
pub fn banner() -> String {
    format!(
        "\nnsca (nsca-rs) {}: an NSCA 2.10 compatible daemon\n\
         License: MIT OR Apache-2.0\n\
         Decryption: every method an NSCA 2.10 daemon can run, without libmcrypt\n\n",
        env!("CARGO_PKG_VERSION")
    )
}

/// The usage text.
pub fn usage(program: &str) -> String {
    format!(
        "Usage: {program} [-f] -c <config_file> [--single | --daemon | --inetd]\n\
         \n\
         Receives passive check results sent by send_nsca (or any NSCA 2.x client) and hands\n\
         them on as nsca.cfg says: to the Nagios command file, or to a check result directory\n\
         instead, and to the Icinga 2 API when icinga2_api_url is set.\n\
         \n\
         Options:\n\
         \x20 -c <config_file>   the configuration to read (default: ./nsca.cfg)\n\
         \x20 -f, --foreground   do not fork; log to stderr instead of syslog\n\
         \x20 -s, --single       listen and serve every client from this process (default)\n\
         \x20 -d, --daemon       the same as --single here\n\
         \x20 -i, --inetd        serve one connection on stdin/stdout and exit\n\
         \x20 -h, --help         this text          -V, --version   the banner\n\
         \x20 -l, --license      the license notice\n\
         \n\
         Signals: HUP reloads nsca.cfg, TERM drains and exits, USR1 logs the counters.\n\
         Exit status: 0 started, 2 configuration or start-up failure, 3 this text.\n\
         More: nsca(8), nsca.cfg(5).\n\n"
    )
}

/// `-l`: this project's license notice.
pub const LICENSE: &str = "\
This program is part of nsca-rs and may be used, changed and passed on under the terms of
either the MIT license or the Apache License, Version 2.0, at your choice. It comes with
no warranty of any kind. The full texts are in LICENSE-MIT and LICENSE-APACHE in the source
and in /usr/share/doc/nsca-rs/copyright in the Debian package.

";

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    fn run(list: &[&str]) -> Request {
        parse("/usr/sbin/nsca", &args(list), Path::new("/srv"))
    }

    #[test]
    fn modes_and_config_path() {
        assert_eq!(
            run(&["-c", "/etc/nsca.cfg", "-f"]),
            Request::Run {
                config: PathBuf::from("/etc/nsca.cfg"),
                foreground: true,
                mode: Mode::Standalone
            }
        );
        assert_eq!(
            run(&["--inetd", "-c", "conf/nsca.cfg"]),
            Request::Run {
                config: PathBuf::from("/srv/conf/nsca.cfg"),
                foreground: false,
                mode: Mode::Inetd
            }
        );
        // The last mode wins; --daemon and --single are the same mode.
        assert!(matches!(
            run(&["-i", "--daemon"]),
            Request::Run {
                mode: Mode::Standalone,
                ..
            }
        ));
        assert!(matches!(
            run(&["-s", "-i"]),
            Request::Run {
                mode: Mode::Inetd,
                ..
            }
        ));
        // Without -c: nsca.cfg in the current directory.
        assert_eq!(
            run(&["-f"]),
            Request::Run {
                config: PathBuf::from("/srv/nsca.cfg"),
                foreground: true,
                mode: Mode::Standalone
            }
        );
    }

    #[test]
    fn help_version_license_and_errors() {
        let Request::Exit { error, text } = run(&["-x"]) else {
            panic!("an unknown option is an error")
        };
        assert_eq!(error, Some(BAD_ARGUMENTS));
        assert!(text.contains("Usage: /usr/sbin/nsca [-f] -c <config_file>"));
        assert!(matches!(run(&["-c"]), Request::Exit { error: Some(_), .. }));
        let Request::Exit { error, text } = run(&["-V"]) else {
            panic!("-V exits")
        };
        assert_eq!(error, None);
        assert_eq!(text, banner());
        let Request::Exit { text, .. } = run(&["-l"]) else {
            panic!("-l exits")
        };
        assert!(text.ends_with(LICENSE));
        let Request::Exit { text, .. } = parse("nsca", &[], Path::new("/")) else {
            panic!("no arguments: help")
        };
        assert!(text.contains("Usage: nsca "));
    }
}
