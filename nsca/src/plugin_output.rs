//! Splits a plugin output into its text, its long text and its performance data, the way
//! Nagios Core 4 does (`parse_check_output()` in `base/checks.c`).
//!
//! A plugin writes one line of text, optionally `|` and performance data; more lines are the
//! long output, which may also carry performance data after a `|`:
//!
//! ```text
//! DISK OK - free space: / 3326 MB (56%); | /=2643MB;5948;5958;0;5968
//! / 15272 MB (77%);
//! /boot 68 MB (69%);
//! /home 69357 MB (27%);
//! /var/log 819 MB (84%); | /boot=68MB;88;93;0;98
//! /home=69357MB;253404;253409;0;253414
//! /var/log=818MB;970;975;0;980
//! ```
//!
//! Nagios' rules, which [`split`] follows:
//!
//! - the **output** is the first line up to its first `|`, without leading and trailing spaces,
//!   tabs, carriage returns and line feeds;
//! - what follows that `|` on the first line (further `|` included) is performance data;
//! - the next lines are the **long output**, joined with line feeds, up to the first line that
//!   holds a `|`: that line's text before the `|` still belongs to the long output (even when it
//!   is empty, which leaves the long output ending in a line feed), the rest is performance
//!   data, and so is every line after it, whatever it holds;
//! - the pieces of performance data are joined with spaces.
//!
//! (Nagios then also turns every `;` of the output into `:`, for its log lines, and shows an
//! empty output as "(No output returned from plugin)"; [`split`] leaves the text as it is.)
//!
//! The performance data is then cut into **items** at spaces, tabs, carriage returns and line
//! feeds. A label in single quotes is kept whole with the spaces in it (`'disk /var'=81%;80;90`
//! is one item), and two quotes inside one stand for a quote (`'it''s'=1`). Items are returned
//! as they are written, quotes included, and are not checked: a stray `|` (from a second `|` on
//! the first line) is an item of its own, as it is a word of Nagios' performance data.
//!
//! # Line feeds
//!
//! NSCA carries the output with real line feeds; escaping (`\n`) only happens later, in the
//! line the daemon writes for Nagios. A literal backslash followed by `n` (which some clients
//! send, from the days when daemons before 2.10.1 passed it on to Nagios unescaped) is **not**
//! a line break here: it stays two characters, as it does in Nagios behind the NSCA 2.10.2
//! daemon (which escapes the backslash), and Windows paths such as `C:\new` stay intact.
//!
//! # Text encoding
//!
//! NSCA fields are bytes. The pieces are converted to `String` with
//! [`String::from_utf8_lossy`]: invalid UTF-8 becomes U+FFFD. (Cutting happens only at ASCII
//! bytes, so this is the same as converting the whole output first.) Like Nagios, which reads a
//! C string, [`split`] ignores everything from a NUL byte on.

/// The parts of a plugin output. See the [module documentation](self) for the rules.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct PluginOutput {
    /// The first line before its first `|`, trimmed.
    pub output: String,
    /// The following lines, joined with line feeds, up to the first `|` found in them; empty
    /// when there are none.
    pub long_output: String,
    /// The performance data items, in order.
    pub perfdata: Vec<String>,
}

impl PluginOutput {
    /// The text without the performance data: the output, and when there is a long output, a
    /// line feed and the long output. This is what Icinga 2's `process-check-result` takes as
    /// `plugin_output` (with [`PluginOutput::perfdata`] as `performance_data`).
    ///
    /// ```
    /// let parts = nsca::plugin_output::split(b"DISK OK | /=2643MB\n/ 15272 MB (77%)");
    /// assert_eq!(parts.text(), "DISK OK\n/ 15272 MB (77%)");
    /// ```
    pub fn text(&self) -> String {
        if self.long_output.is_empty() {
            self.output.clone()
        } else {
            format!("{}\n{}", self.output, self.long_output)
        }
    }
}

/// Splits `output` into output, long output and performance data items, as Nagios does. Never
/// fails; see the [module documentation](self) for the rules.
///
/// ```
/// use nsca::plugin_output::split;
///
/// let parts = split(b"DISK WARNING | '/var log'=81%;80;90 /=2%\nvar is full\nsee df | inodes=5%");
/// assert_eq!(parts.output, "DISK WARNING");
/// assert_eq!(parts.long_output, "var is full\nsee df ");
/// assert_eq!(parts.perfdata, ["'/var log'=81%;80;90", "/=2%", "inodes=5%"]);
/// ```
pub fn split(output: &[u8]) -> PluginOutput {
    let end = output.iter().position(|&b| b == 0).unwrap_or(output.len());
    let output = &output[..end];
    if output.is_empty() {
        return PluginOutput::default();
    }
    // A final line feed ends the last line; it does not start an empty one.
    let body = output.strip_suffix(b"\n").unwrap_or(output);
    let mut lines = body.split(|&b| b == b'\n');

    let first = lines.next().unwrap_or_default();
    let (text, mut perf) = match find_bar(first) {
        Some(bar) => (&first[..bar], first[bar + 1..].to_vec()),
        None => (first, Vec::new()),
    };

    let mut long = Vec::new();
    let mut in_perfdata = false;
    for (index, line) in lines.enumerate() {
        if in_perfdata {
            append(&mut perf, line);
            continue;
        }
        let before = match find_bar(line) {
            Some(bar) => {
                in_perfdata = true;
                append(&mut perf, &line[bar + 1..]);
                &line[..bar]
            }
            None => line,
        };
        if index > 0 {
            long.push(b'\n');
        }
        long.extend_from_slice(before);
    }

    PluginOutput {
        output: String::from_utf8_lossy(trim(text)).into_owned(),
        long_output: String::from_utf8_lossy(&long).into_owned(),
        perfdata: perfdata_items(&String::from_utf8_lossy(&perf)),
    }
}

/// Cuts performance data into items at spaces, tabs, carriage returns and line feeds, keeping
/// a label in single quotes whole (`''` inside it is a quote). An opening quote that is never
/// closed takes the rest of the text into its item. Items are returned as written.
///
/// ```
/// use nsca::plugin_output::perfdata_items;
///
/// assert_eq!(
///     perfdata_items(" 'disk /var'=81%;80;90  'it''s x'=1 load=0.5\t"),
///     ["'disk /var'=81%;80;90", "'it''s x'=1", "load=0.5"]
/// );
/// ```
pub fn perfdata_items(perfdata: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut item = String::new();
    let mut chars = perfdata.chars().peekable();
    while let Some(c) = chars.next() {
        if is_space(c) {
            if !item.is_empty() {
                items.push(core::mem::take(&mut item));
            }
            continue;
        }
        item.push(c);
        if c == '\'' && item.len() == 1 {
            // A quoted label: up to a quote that is not followed by another one.
            while let Some(q) = chars.next() {
                item.push(q);
                if q == '\'' {
                    if chars.peek() == Some(&'\'') {
                        chars.next();
                        item.push('\'');
                    } else {
                        break;
                    }
                }
            }
        }
    }
    if !item.is_empty() {
        items.push(item);
    }
    items
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

fn find_bar(line: &[u8]) -> Option<usize> {
    line.iter().position(|&b| b == b'|')
}

/// Adds a piece of performance data, after a space when there is some already (as Nagios
/// joins them).
fn append(perf: &mut Vec<u8>, piece: &[u8]) {
    if !perf.is_empty() {
        perf.push(b' ');
    }
    perf.extend_from_slice(piece);
}

/// Nagios' `strip()`: no spaces, tabs, carriage returns or line feeds at either end.
fn trim(text: &[u8]) -> &[u8] {
    let strip = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let start = text.iter().position(|b| !strip(b)).unwrap_or(text.len());
    let end = text
        .iter()
        .rposition(|b| !strip(b))
        .map_or(start, |i| i + 1);
    &text[start..end]
}
