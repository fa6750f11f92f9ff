//! `nsca`: accepts passive check results from NSCA clients and writes them where Nagios,
//! Icinga or Naemon read them. See the crate documentation and nsca(8).

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(nsca_daemon::main_with(std::env::args_os().collect()))
}
