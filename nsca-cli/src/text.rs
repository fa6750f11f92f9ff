//! The texts `send_nsca` prints instead of running: version, help and license notice.
//!
//! They are this project's own. What scripts rely on stays as the C client has it and is not
//! here: help, version and license go to stdout and end with exit code 3, and a refused command
//! line adds one line on stderr (`run.rs`). The version string comes from Cargo.

/// `-V`: printed alone, and first in every other text.
pub(crate) const BANNER: &str = concat!(
    "send_nsca (nsca-rs) ",
    env!("CARGO_PKG_VERSION"),
    "\n",
    "A drop-in replacement for the send_nsca of NSCA 2.10, for NSCA 2.7 to 2.10 daemons.\n",
    "License: MIT OR Apache-2.0 (send_nsca -l prints the notice).\n",
    "\n",
);

/// The synopsis, naming the program as it was invoked (`argv[0]`).
pub(crate) fn usage(program: &[u8]) -> Vec<u8> {
    let mut out = b"Usage: ".to_vec();
    out.extend_from_slice(program);
    out.extend_from_slice(
        b" -H HOST [-p PORT] [-to SECONDS] [-c FILE] [-d DELIM] [-ds DELIM]\n       \
          [--quiet] [--legacy-2-7-mode] [options] < results\n   or: ",
    );
    out.extend_from_slice(program);
    out.extend_from_slice(b" HOST [options] < results\n\n");
    out
}

/// `-h`: what follows the synopsis. Also the start of `--help`.
pub(crate) const HELP: &str = "\
Reads check results on standard input and hands them to the NSCA daemon on HOST, which passes
them on to Nagios (or Icinga, Naemon) as passive check results.

Options:
  -H HOST            the daemon's host name or IP address; without -H, the first
                     argument is the host
  -p PORT            the daemon's TCP port (default 5667)
  -to SECONDS        give up after this many seconds, counting connecting, reading
                     standard input and sending (default 10)
  -c FILE            the client configuration: password and encryption method, which
                     must match the daemon's (default /etc/send_nsca.cfg, if present)
  -d DELIM           the byte between the fields of a result (default: tab)
  -ds DELIM          the byte that ends each result (default: ETB, 0x17)
  --quiet            print nothing when all went well
  --legacy-2-7-mode  send the shorter packets of NSCA 2.7 daemons; legacy_2_7_mode in
                     the configuration file overrides this flag
  -h                 this text; --help adds this version's own options and examples
  -V, --version      the version line
  -l, --license      the license notice

  DELIM is one character, or a number when it is longer than one character and
  starts with a digit: decimal (44), octal (054) or hexadecimal (0x2c).

Input:
  One result per set, its fields separated by DELIM (a tab unless -d says otherwise):
    service result:  HOST  SERVICE  CODE  OUTPUT
    host result:     HOST  CODE  OUTPUT
  CODE: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (a host: 0 UP, 1 DOWN, 2 UNREACHABLE).
  A set ends at the set delimiter, ETB (0x17, typed as Ctrl-W, printf '\\027'), or at
  the end of the input. A newline does not end a set: the lines after the first one
  become the result's long output. To send one result per line, use -ds 0x0a.
";

/// `--help`: after [`HELP`], before the list of our own options.
pub(crate) const EXTENSIONS_INTRO: &str = "
Long names: -H, -p, -to, -c, -d and -ds may also be written --host, --port, --timeout,
--config, --delimiter and --set-delimiter, the value after a space or an equals sign.

Options of this send_nsca only (NSCA's C client has none of them):
";

/// `--help`: after the list of our own options.
pub(crate) const EXTENSIONS_MORE: &str = "
More about the input:
  Runs of field delimiters count as one, and leading ones are skipped; the output field
  takes the rest of the set as it is, delimiters included. Trailing spaces, tabs and line
  breaks are removed. A set with fewer than three fields is skipped, and a CODE that is
  not a number counts as 0 (both are errors with --strict). Longer fields are cut: host
  names to 63 bytes, services to 127, output to 4095 (511 with --legacy-2-7-mode). A set
  longer than 5120 bytes stops the run.

Examples:
  printf 'web1\\tHTTP\\t0\\tHTTP OK - 0.002 s\\n' | send_nsca -H nagios
  printf 'web1\\t0\\tPING OK\\n' | send_nsca -H nagios
  printf 'web1\\tHTTP\\t0\\tOK\\027web1\\tDisk /\\t1\\tDISK WARNING\\nlong output\\027' | send_nsca -H nagios
  send_nsca -H nagios --one-check-per-line < results.tsv
  grep ERROR app.log | send_nsca -H nagios --check-host web1 --check-state 1 --check-service Errors
  send_nsca -H nagios --dry-run --strict --one-check-per-line < results.tsv
  send_nsca -H nagios --spool /var/spool/send_nsca < results    (kept there if Nagios is down)
  send_nsca -H nagios --spool /var/spool/send_nsca --flush      (from cron: send what waits)

Exit status:
  0    at least one result was sent
  2    configuration, connection or timeout error, or nothing to send
  3    a refused command line, -h, --help, -V, -l, or sending failed midway
  75   --spool: the results could not be delivered now and wait in the spool (none lost)
  255  a set longer than 5120 bytes

The manual page send_nsca(1) has the details, send_nsca.cfg(5) the configuration file.
";

/// `-l`: after the banner (and after the help, when that is printed too).
pub(crate) const LICENSE: &str = "\
send_nsca is part of nsca-rs. You may use, copy, modify and distribute it under the terms of
either the MIT license or the Apache License, Version 2.0, whichever you prefer. Both texts
come with the source (LICENSE-MIT, LICENSE-APACHE) and with the Debian package
(/usr/share/doc/nsca-rs/copyright).

It is provided as is, without warranty of any kind; see the license texts for the details.
";
