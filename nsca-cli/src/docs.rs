//! The documented command line, for the manual page and the shell completions.
//!
//! [`command`] is [`Cli`]'s clap definition with what the C-compatible scanner ([`crate::args`])
//! handles before clap sees the arguments: the C client's short names (`-H`, `-p`, `-c`, `-d`),
//! `-h`, `-V` and `-l`. The one-dash two-letter options `-to` and `-ds` cannot be clap short
//! names; the generators add them (`tests/assets.rs` writes `man/send_nsca.1` and
//! `completions/*` from this command, and fails when the committed files differ).

use clap::{Arg, ArgAction, Command, CommandFactory};

use crate::args::{C_OPTION_IDS, Cli};

/// The manual's heading for the options NSCA's C client does not have.
pub const EXTENSIONS_HEADING: &str = "Extensions";

/// Every option of `send_nsca`, as clap describes it, for documentation only (parsing goes
/// through [`crate::args::parse`]).
pub fn command() -> Command {
    // A fresh command with Cli's arguments but the hidden one (clap_complete lists hidden
    // arguments too).
    let cli = Cli::command();
    let mut command = Command::new("send_nsca")
        .args(
            cli.get_arguments()
                .filter(|a| a.get_id() != "first_argument")
                .cloned(),
        )
        .disable_help_flag(true)
        .disable_version_flag(true)
        .bin_name("send_nsca")
        .version(env!("CARGO_PKG_VERSION"))
        .about("send passive check results to an NSCA daemon")
        .mut_arg("host", |a| a.short('H'))
        .mut_arg("port", |a| a.short('p'))
        .mut_arg("config", |a| a.short('c'))
        .mut_arg("delimiter", |a| a.short('d'))
        .mut_arg("check_state", |a| {
            a.value_parser([
                "OK",
                "WARNING",
                "CRITICAL",
                "UNKNOWN",
                "UP",
                "DOWN",
                "UNREACHABLE",
            ])
            .hide_possible_values(true)
        })
        .arg(
            Arg::new("help")
                .short('h')
                .long("help")
                .action(ArgAction::SetTrue)
                .help("Print the help; --help adds this version's own options, examples and the exit status"),
        )
        .arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::SetTrue)
                .help("Print the version and the license's name"),
        )
        .arg(
            Arg::new("license")
                .short('l')
                .long("license")
                .action(ArgAction::SetTrue)
                .help("Print the license notice"),
        );
    let extensions: Vec<String> = command
        .get_arguments()
        .filter(|a| !a.is_hide_set())
        .map(|a| a.get_id().to_string())
        .filter(|id| !C_OPTION_IDS.contains(&id.as_str()))
        .filter(|id| !["help", "version", "license"].contains(&id.as_str()))
        .collect();
    for id in extensions {
        command = command.mut_arg(id, |a| a.help_heading(EXTENSIONS_HEADING));
    }
    command
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_command_is_consistent() {
        let command = command();
        command.clone().debug_assert();
        let shorts: Vec<(char, &str)> = command
            .get_arguments()
            .filter_map(|a| Some((a.get_short()?, a.get_id().as_str())))
            .collect();
        assert_eq!(
            shorts,
            [
                ('H', "host"),
                ('p', "port"),
                ('c', "config"),
                ('d', "delimiter"),
                ('h', "help"),
                ('V', "version"),
                ('l', "license"),
            ]
        );
        let headed: Vec<&str> = command
            .get_arguments()
            .filter(|a| a.get_help_heading() == Some(EXTENSIONS_HEADING))
            .filter_map(|a| a.get_long())
            .collect();
        assert_eq!(
            headed,
            [
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
            ]
        );
    }
}
