//! The C client's fixed texts, byte for byte (NSCA 2.10.2 as Debian builds it, with libmcrypt).
//!
//! Scripts and humans compare these with the C client's output, so they are reproduced exactly,
//! including the usage line that ends in a space and the banner's leading empty line.

/// `-V`: the banner alone. Also the start of every usage and license output.
pub(crate) const BANNER: &str = "
NSCA Client 2.10.2
Copyright (c) 2000-2007 Ethan Galstad (www.nagios.org)
Last Modified: 2022-06-06
License: GPL v2
Encryption Routines: AVAILABLE

";

/// The usage line, split around the program name (`argv[0]` as invoked).
pub(crate) const USAGE_PREFIX: &str = "Usage: ";

/// The rest of the usage line, after the program name.
pub(crate) const USAGE_LINE_REST: &str = " [--quiet] -H <host_address> [-p port] [-to to_sec] [-d delim] [-ds set_delim] [-c config_file] [--legacy-2-7-mode]\n";

/// The option and input descriptions that follow the usage line. The `[set_delim]` line ends in
/// a space, as the C client's does.
pub(crate) const USAGE_BODY: &str = "
Options:
 --quiet            = Be quiet unless there are errors
 <host_address>     = The IP address of the host running the NSCA daemon
 [port]             = The port on which the daemon is running - default is 5667
 [to_sec]           = Number of seconds before connection attempt times out.
                      (default timeout is 10 seconds)
 [delim]            = Delimiter to use when parsing input (defaults to a tab).
                      Honors hex formatted values, e.g. 0x09.
 [set_delim]        = Delimiter to use when parsing different sets 
                      (defaults to an ETB character).
                      Honors hex formatted values, e.g. 0x17.
 [config_file]      = Name of config file to use
 --legacy-2-7-mode  = Allow sending to NSCA 2.7 daemon. This can also be specified in send_nsca.cfg, which takes precedence.

Note:
This utility is used to send passive check results to the NSCA daemon.  Host and
Service check data that is to be sent to the NSCA daemon is read from standard
input. Input should be provided in the following format (tab-delimited unless
overridden with -d command line argument, one entry per line):

Service Checks:
<host_name>[tab]<svc_description>[tab]<return_code>[tab]<plugin_output>[newline]

Host Checks:
<host_name>[tab]<return_code>[tab]<plugin_output>[newline]

";

/// The last two lines of the usage text, which the C client leaves out when
/// `--legacy-2-7-mode` is on the command line.
pub(crate) const USAGE_ETB_NOTE: &str =
    "When submitting multiple simultaneous results, separate each set with the ETB
character (^W or 0x17)
";

/// `-l`: printed after the banner (and after the usage, when that is shown too).
pub(crate) const LICENSE: &str =
    "This program is free software; you can redistribute it and/or modify
it under the terms of the GNU General Public License as published by
the Free Software Foundation; either version 2 of the License, or
(at your option) any later version.

This program is distributed in the hope that it will be useful,
but WITHOUT ANY WARRANTY; without even the implied warranty of
MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
GNU General Public License for more details.

You should have received a copy of the GNU General Public License
along with this program; if not, write to the Free Software
Foundation, Inc., 675 Mass Ave, Cambridge, MA 02139, USA.

";

/// `--help`: after the C usage text, the extensions.
pub(crate) const EXTENDED_HELP_INTRO: &str = "
Extensions of this send_nsca (everything above behaves exactly as in NSCA 2.10.2; the long
options below are new, and -H, -p, -to, -c, -d and -ds also have long names):

";

/// `--help`: the input format, with examples, after the option list.
pub(crate) const EXTENDED_HELP_INPUT: &str = "
Input:
  Each check result is a set of fields separated by the delimiter (a tab by default):
    service check:  <host> TAB <service> TAB <return code> TAB <output>
    host check:     <host> TAB <return code> TAB <output>
  Sets are separated by ETB (0x17, printf '\\027'), NOT by newlines: without ETB, every line
  after the first belongs to the output of one check (Nagios shows them as long output).
  Use --one-check-per-line (or -ds 0x0a) for one check per line.
  Return codes: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (host checks: 0 UP, 1 DOWN,
  2 UNREACHABLE). A set with fewer than three fields is skipped (an error with --strict).
  Host names are cut to 63 bytes, services to 127, output to 4095 (511 with
  --legacy-2-7-mode) (an error with --strict). A set may hold at most 5120 bytes.

Examples:
  printf 'web1\\tHTTP\\t0\\tHTTP OK - 0.002 s\\n' | send_nsca -H nagios
  printf 'web1\\t0\\tPING OK\\n' | send_nsca -H nagios
  printf 'web1\\tHTTP\\t0\\tOK\\027web1\\tDisk /\\t1\\tDISK WARNING\\nlong output\\027' | send_nsca -H nagios
  send_nsca -H nagios --one-check-per-line < results.tsv
  grep ERROR app.log | send_nsca -H nagios --check-host web1 --check-service Errors --check-state WARNING
  send_nsca -H nagios --dry-run --strict --one-check-per-line < results.tsv

Exit codes: 0 at least one check sent; 2 error, timeout or nothing to send; 3 usage, help, or
sending failed; 255 a set longer than 5120 bytes.
";
