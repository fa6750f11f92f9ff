//! `send_nsca`: a drop-in replacement for NSCA 2.10.2's C client, built on the [`nsca`] crate.
//!
//! By default everything a script can observe is the C client's: arguments (including the
//! one-dash `-to` and `-ds` and the old `send_nsca HOST [options]` syntax), `send_nsca.cfg`,
//! how stdin is split into check results, the texts on stdout and stderr, and the exit codes.
//! The few deliberate differences, and the opt-in extensions (long options, free-text mode,
//! `--one-check-per-line`, `--strict`, `--dry-run`, passwords from a file or the environment,
//! a store-and-forward spool with `--spool`),
//! are listed in `nsca-cli/README.md`. The help, version and license texts are this project's
//! own; [`docs::command`] describes every option for the manual page and shell completions.
//!
//! The modules are public so that fuzz targets and tests can reach the parsers, which are pure
//! functions over bytes and never panic: [`args::scan`], [`config::parse`],
//! [`input::SetReader`] and [`input::parse_set`].

#![forbid(unsafe_code)]

pub mod args;
pub mod config;
pub mod docs;
pub mod input;
mod run;
mod spool;
mod text;

pub use run::{DEFAULT_CONFIG, TRUNCATION_MARKER, run};
