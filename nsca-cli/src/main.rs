//! `send_nsca`: sends passive check results read from stdin to an NSCA daemon.

fn main() -> std::process::ExitCode {
    nsca_cli::run(std::env::args_os().collect())
}
