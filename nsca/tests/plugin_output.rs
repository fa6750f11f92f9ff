//! `nsca::plugin_output`: exact splits of plugin outputs into output, long output and
//! performance data items, by Nagios' rules. (`tests/tests/checkresult_nagios.rs` checks the
//! same cases against the real Nagios Core 4.)

use nsca::plugin_output::{PluginOutput, perfdata_items, split};

fn parts(output: &str, long_output: &str, perfdata: &[&str]) -> PluginOutput {
    PluginOutput {
        output: output.to_owned(),
        long_output: long_output.to_owned(),
        perfdata: perfdata.iter().map(|s| (*s).to_owned()).collect(),
    }
}

#[test]
fn no_perfdata() {
    assert_eq!(
        split(b"PING OK - Packet loss = 0%, RTA = 0.80 ms"),
        parts("PING OK - Packet loss = 0%, RTA = 0.80 ms", "", &[])
    );
    assert_eq!(
        split(b"DISK OK\n/ 15272 MB\n/boot 68 MB\n"),
        parts("DISK OK", "/ 15272 MB\n/boot 68 MB", &[])
    );
}

#[test]
fn perfdata_on_the_first_line_only() {
    assert_eq!(
        split(b"OK - load average: 0.05, 0.03, 0.00|load1=0.050;5;10;0 load5=0.030;4;6;0"),
        parts(
            "OK - load average: 0.05, 0.03, 0.00",
            "",
            &["load1=0.050;5;10;0", "load5=0.030;4;6;0"]
        )
    );
    assert_eq!(
        split(b"OK | a=1\nlong text\nmore"),
        parts("OK", "long text\nmore", &["a=1"])
    );
}

#[test]
fn perfdata_in_the_long_output_only() {
    // The line with the `|` still gives its text to the long output; every line after it is
    // performance data, even plain words.
    assert_eq!(
        split(b"DISK OK\n/ 15272 MB\n/boot 68 MB | /boot=68MB;88;93\n/home=69357MB\n"),
        parts(
            "DISK OK",
            "/ 15272 MB\n/boot 68 MB ",
            &["/boot=68MB;88;93", "/home=69357MB"]
        )
    );
    assert_eq!(
        split(b"OK\nfirst\n|x=1\nmore text"),
        parts("OK", "first\n", &["x=1", "more", "text"])
    );
    assert_eq!(split(b"OK\n|x=1"), parts("OK", "", &["x=1"]));
}

#[test]
fn perfdata_on_both() {
    // The example of the Nagios plugin developer guidelines.
    let output = b"DISK OK - free space: / 3326 MB (56%); | /=2643MB;5948;5958;0;5968\n\
/ 15272 MB (77%);\n\
/boot 68 MB (69%);\n\
/home 69357 MB (27%);\n\
/var/log 819 MB (84%); | /boot=68MB;88;93;0;98\n\
/home=69357MB;253404;253409;0;253414\n\
/var/log=818MB;970;975;0;980\n";
    assert_eq!(
        split(output),
        parts(
            "DISK OK - free space: / 3326 MB (56%);",
            "/ 15272 MB (77%);\n/boot 68 MB (69%);\n/home 69357 MB (27%);\n/var/log 819 MB (84%); ",
            &[
                "/=2643MB;5948;5958;0;5968",
                "/boot=68MB;88;93;0;98",
                "/home=69357MB;253404;253409;0;253414",
                "/var/log=818MB;970;975;0;980",
            ]
        )
    );
}

#[test]
fn quoted_labels_with_spaces() {
    assert_eq!(
        split(b"DISK WARNING | 'disk /var'=81%;80;90 'it''s  here'=1 plain=2 'C:\\ Label'=5"),
        parts(
            "DISK WARNING",
            "",
            &[
                "'disk /var'=81%;80;90",
                "'it''s  here'=1",
                "plain=2",
                "'C:\\ Label'=5"
            ]
        )
    );
    // A quote inside an item is no label quote; an unclosed label takes the rest.
    assert_eq!(
        perfdata_items("a'b c'=1 'open label=2 x=3"),
        ["a'b", "c'=1", "'open label=2 x=3"]
    );
    assert_eq!(perfdata_items("''=1 '''a'''=2"), ["''=1", "'''a'''=2"]);
    assert_eq!(perfdata_items(""), Vec::<String>::new());
    assert_eq!(perfdata_items(" \t\r\n "), Vec::<String>::new());
}

#[test]
fn empty_output() {
    assert_eq!(split(b""), PluginOutput::default());
    assert_eq!(split(b"\n"), PluginOutput::default());
    assert_eq!(split(b"  \t "), PluginOutput::default());
    assert_eq!(split(b"|"), PluginOutput::default());
    assert_eq!(split(b"| a=1"), parts("", "", &["a=1"]));
    assert_eq!(split(b"\nsecond"), parts("", "second", &[]));
    // Empty lines inside the long output are kept.
    assert_eq!(split(b"OK\n\nb\n\n"), parts("OK", "\nb\n", &[]));
}

#[test]
fn bar_with_nothing_after() {
    assert_eq!(split(b"OK |"), parts("OK", "", &[]));
    assert_eq!(split(b"OK|   \n"), parts("OK", "", &[]));
    assert_eq!(split(b"OK\nlong |"), parts("OK", "long ", &[]));
    assert_eq!(split(b"OK\nlong |\nx=1"), parts("OK", "long ", &["x=1"]));
}

#[test]
fn trailing_and_leading_spaces() {
    // The output is trimmed (spaces, tabs, CR, LF); the long output is not.
    assert_eq!(
        split(b" \t OK - fine   \t| a=1  \n  long line  \n"),
        parts("OK - fine", "  long line  ", &["a=1"])
    );
    // Windows line ends: the CR stays in the long output lines.
    assert_eq!(
        split(b"OK | a=1\r\nline two\r\nline three\r\n"),
        parts("OK", "line two\r\nline three\r", &["a=1"])
    );
}

#[test]
fn utf8_and_invalid_utf8() {
    assert_eq!(
        split("Température OK – 21 °C | 'température salle'=21°C;25;30\nségment ✓".as_bytes()),
        parts(
            "Température OK – 21 °C",
            "ségment ✓",
            &["'température salle'=21°C;25;30"]
        )
    );
    assert_eq!(
        split(b"caf\xe9 OK | t\xff=1\nl\xc3"),
        parts("caf\u{fffd} OK", "l\u{fffd}", &["t\u{fffd}=1"])
    );
}

#[test]
fn multiple_bars() {
    // Only the first `|` of the first line and of the long output separates; the others are
    // part of the performance data, as in Nagios.
    assert_eq!(
        split(b"OK | a=1 | b=2\nlong | c=3|d=4\nmore | e=5"),
        parts(
            "OK",
            "long ",
            &["a=1", "|", "b=2", "c=3|d=4", "more", "|", "e=5"]
        )
    );
}

#[test]
fn a_literal_backslash_n_is_no_line_break() {
    assert_eq!(
        split(b"OK - C:\\new\\nsecond | a=1\\nb=2"),
        parts("OK - C:\\new\\nsecond", "", &["a=1\\nb=2"])
    );
}

#[test]
fn nul_ends_the_output() {
    assert_eq!(
        split(b"OK | a=1\0\nhidden | b=2"),
        parts("OK", "", &["a=1"])
    );
}

#[test]
fn text_is_output_and_long_output() {
    assert_eq!(split(b"OK | a=1").text(), "OK");
    assert_eq!(split(b"OK | a=1\nl1\nl2 | b=2").text(), "OK\nl1\nl2 ");
    assert_eq!(split(b"").text(), "");
    assert_eq!(split(b"\nonly long").text(), "\nonly long");
}

mod properties {
    use nsca::plugin_output::split;
    use proptest::prelude::*;

    /// Text from the characters that matter to the split, plus some UTF-8.
    fn text() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop::sample::select(vec![
                'a', 'b', ' ', '|', '\'', '\n', '\r', '\t', '=', ';', 'é',
            ]),
            0..60,
        )
        .prop_map(|chars| chars.into_iter().collect())
    }

    fn is_space(c: char) -> bool {
        matches!(c, ' ' | '\t' | '\r' | '\n')
    }

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = split(&bytes);
        }

        #[test]
        fn shapes_of_the_parts(input in text()) {
            let parts = split(input.as_bytes());
            prop_assert!(!parts.output.contains(['\n', '|']));
            prop_assert_eq!(parts.output.trim_matches(is_space), parts.output.as_str());
            for item in &parts.perfdata {
                prop_assert!(!item.is_empty());
                if !item.starts_with('\'') {
                    prop_assert!(!item.contains(is_space), "{:?}", item);
                }
            }
        }

        #[test]
        fn without_a_bar_everything_is_text(input in text()) {
            let input = input.replace('|', "");
            let parts = split(input.as_bytes());
            prop_assert!(parts.perfdata.is_empty());
            let body = input.strip_suffix('\n').unwrap_or(&input);
            let (first, rest) = body.split_once('\n').unwrap_or((body, ""));
            prop_assert_eq!(parts.output.as_str(), first.trim_matches(is_space));
            prop_assert_eq!(parts.long_output.as_str(), rest);
        }

        #[test]
        fn perfdata_items_are_the_words_after_the_bar(words in proptest::collection::vec("[a-z=;0-9]{1,8}", 0..6)) {
            let input = format!("OK | {}\nlong", words.join("  "));
            prop_assert_eq!(split(input.as_bytes()).perfdata, words);
        }
    }
}
