//! `nsca::plugin_output::split` (output, long output and performance data, for Icinga 2) on
//! arbitrary bytes: no panic; the result equals a second, plainer reading of Nagios' rules
//! written here (line by line on the whole text, made UTF-8 first); the output is one trimmed
//! line without `|`, the long output holds no `|`; and the performance data items are
//! non-empty, split only inside quotes, and split again into themselves.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nsca::plugin_output::{PluginOutput, perfdata_items, split};

/// Nagios' `parse_check_output()` rules, as the module documentation states them.
fn reference(bytes: &[u8]) -> PluginOutput {
    let bytes = &bytes[..bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len())];
    let text = String::from_utf8_lossy(bytes);
    if text.is_empty() {
        return PluginOutput::default();
    }
    let body = text.strip_suffix('\n').unwrap_or(&text);
    let lines: Vec<&str> = body.split('\n').collect();
    let (output, mut perf) = match lines[0].split_once('|') {
        Some((before, after)) => (before, vec![after]),
        None => (lines[0], vec![]),
    };
    let mut long = vec![];
    let rest = &lines[1..];
    match rest.iter().position(|l| l.contains('|')) {
        Some(k) => {
            long.extend_from_slice(&rest[..k]);
            let (before, after) = rest[k].split_once('|').unwrap();
            long.push(before);
            perf.push(after);
            perf.extend_from_slice(&rest[k + 1..]);
        }
        None => long.extend_from_slice(rest),
    }
    let space = |c: char| matches!(c, ' ' | '\t' | '\r' | '\n');
    PluginOutput {
        output: output.trim_matches(space).to_owned(),
        long_output: long.join("\n"),
        perfdata: perfdata_items(&perf.join(" ")),
    }
}

fuzz_target!(|data: &[u8]| {
    let parts = split(data);
    assert_eq!(parts, reference(data));

    let space = |c: char| matches!(c, ' ' | '\t' | '\r' | '\n');
    assert!(!parts.output.contains(['\n', '|', '\0']));
    assert_eq!(parts.output, parts.output.trim_matches(space));
    assert!(!parts.long_output.contains(['|', '\0']));
    let text = parts.text();
    if parts.long_output.is_empty() {
        assert_eq!(text, parts.output);
    } else {
        assert_eq!(text, format!("{}\n{}", parts.output, parts.long_output));
    }
    for item in &parts.perfdata {
        assert!(!item.is_empty());
        // Outside a quoted label no item holds white space.
        if !item.starts_with('\'') {
            assert!(!item.contains(space), "{item:?}");
        }
    }
    // Items written out again, one space apart, read back as the same items.
    assert_eq!(perfdata_items(&parts.perfdata.join(" ")), parts.perfdata);
});
