//! `nsca::checkresult`: the check-result file round-trips through `parse`, matches the
//! command-file escaping, and every malformed file gets its precise error. (The bytes the C
//! daemon writes and what Nagios makes of ours are checked in
//! `tests/tests/checkresult_nagios.rs`.)

use nsca::checkresult::{
    CheckResultFile, CheckResultFileError as E, Timestamp, parse, render, sanitize,
};
use nsca::{CheckResult, PacketSize, command_line};
use proptest::prelude::*;

mod common;

/// What the file must carry, worked out independently of the library: host and service end at
/// the first LF or NUL, the output at the first NUL, and a service that ends up empty makes a
/// host check.
fn cleaned(check: &CheckResult) -> CheckResult {
    fn upto(field: &[u8], stops: &[u8]) -> Vec<u8> {
        let end = field
            .iter()
            .position(|b| stops.contains(b))
            .unwrap_or(field.len());
        field[..end].to_vec()
    }
    let host = upto(check.host_name(), b"\n\0");
    let output = upto(check.output(), b"\0");
    match check.service_description().map(|s| upto(s, b"\n\0")) {
        Some(service) if !service.is_empty() => {
            CheckResult::service(host, service, check.return_code(), output)
        }
        _ => CheckResult::host(host, check.return_code(), output),
    }
}

fn at(seconds: u64) -> Timestamp {
    Timestamp {
        seconds,
        microseconds: 0,
    }
}

/// Any check result at all: any bytes (NUL and LF included) in any field, empty ones too.
fn wild_check() -> impl Strategy<Value = CheckResult> {
    let bytes = |max| proptest::collection::vec(any::<u8>(), 0..=max);
    (
        bytes(80),
        proptest::option::of(bytes(80)),
        any::<i16>(),
        bytes(600),
    )
        .prop_map(|(host, service, code, output)| match service {
            Some(service) => CheckResult::service(host, service, code, output),
            None => CheckResult::host(host, code, output),
        })
}

fn value_of<'a>(file: &'a [u8], key: &str) -> Option<&'a [u8]> {
    file.split(|&b| b == b'\n')
        .find_map(|line| line.strip_prefix(format!("{key}=").as_bytes()))
}

proptest! {
    #[test]
    fn round_trip_of_packet_sized_checks(check in common::check(PacketSize::Standard), time in any::<u64>()) {
        let file = render(&check, time);
        let read = parse(&file).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(read, CheckResultFile {
            check: cleaned(&check),
            file_time: time,
            start_time: at(time),
            finish_time: at(time),
        });
    }

    #[test]
    fn round_trip_of_any_check(check in wild_check(), time in any::<u64>()) {
        let file = render(&check, time);
        let read = parse(&file).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&read.check, &cleaned(&check));
        prop_assert_eq!(sanitize(&check), cleaned(&check));
        prop_assert_eq!(render(&sanitize(&check), time), file);
    }

    #[test]
    fn escaping_and_names_match_the_command_file(check in wild_check(), time in any::<u64>()) {
        let clean = cleaned(&check);
        let file = render(&check, time);
        let line = command_line(&clean, time);
        let output = value_of(&file, "output").expect("output line");
        prop_assert!(line.ends_with(output));
        prop_assert_eq!(value_of(&file, "host_name"), Some(clean.host_name()));
        prop_assert_eq!(value_of(&file, "service_description"), clean.service_description());
        prop_assert!(!output.contains(&b'\n') && !output.contains(&0));
        // One result: every line but the last two holds something, and the file ends in LF LF.
        let lines = file.split(|&b| b == b'\n').count();
        prop_assert_eq!(lines, if clean.is_host_check() { 16 } else { 17 });
        prop_assert!(file.ends_with(b"\n\n"));
    }

    #[test]
    fn parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = parse(&bytes);
    }

    #[test]
    fn parse_never_panics_on_damaged_files(
        check in common::check(PacketSize::Legacy),
        cuts in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
    ) {
        let mut file = render(&check, 1_700_000_000);
        for (index, byte) in cuts {
            let i = index.index(file.len());
            file[i] = byte;
        }
        let _ = parse(&file);
    }
}

const SERVICE: &[u8] = b"### NSCA Passive Check Result ###\n\
# Time: Tue Nov 14 22:13:20 2023\n\
file_time=1700000000\n\
\n\
### Service Check Result ###\n\
host_name=web1\n\
service_description=HTTP\n\
check_type=1\n\
scheduled_check=0\n\
reschedule_check=0\n\
latency=0\n\
start_time=1700000000.0\n\
finish_time=1700000000.0\n\
return_code=2\n\
output=down\\nC:\\\\new \\x\n\
\n";

#[test]
fn reads_the_c_daemons_layout() {
    let read = parse(SERVICE).unwrap();
    assert_eq!(
        read,
        CheckResultFile {
            check: CheckResult::service("web1", "HTTP", 2, "down\nC:\\new \\x"),
            file_time: 1_700_000_000,
            start_time: at(1_700_000_000),
            finish_time: at(1_700_000_000),
        }
    );
    // The lone backslash Nagios would have kept comes back doubled.
    let again = String::from_utf8(SERVICE.to_vec())
        .unwrap()
        .replace("\\x", "\\\\x");
    assert_eq!(render(&read.check, 1_700_000_000), again.into_bytes());
}

#[test]
fn lenient_where_nagios_is() {
    // No final line feed, no blank lines, comments anywhere, keys in any order, Nagios' other
    // keys skipped, values not trimmed, a microsecond part.
    let file = b"# hello\nreturn_code=-32768\noutput= a=b \r\nhost_name=h=1\nexited_ok=x\n\
                 early_timeout=\ncheck_options=0\nstart_time=5.999999\n#x\nfinish_time=6.1\n\
                 file_time=0";
    assert_eq!(
        parse(file).unwrap(),
        CheckResultFile {
            check: CheckResult::host("h=1", i16::MIN, " a=b \r"),
            file_time: 0,
            start_time: Timestamp {
                seconds: 5,
                microseconds: 999_999
            },
            finish_time: Timestamp {
                seconds: 6,
                microseconds: 1
            },
        }
    );
    // An empty service description is kept (C never writes one).
    let file = b"file_time=1\nhost_name=h\nservice_description=\nreturn_code=0\nstart_time=1.0\n\
                 finish_time=1.0\noutput=\n";
    assert_eq!(
        parse(file).unwrap().check,
        CheckResult::service("h", "", 0, "")
    );
}

fn with(from: &str, to: &str) -> Vec<u8> {
    let text = String::from_utf8(SERVICE.to_vec()).unwrap();
    assert!(text.contains(from), "{from}");
    text.replacen(from, to, 1).into_bytes()
}

#[test]
fn precise_errors() {
    let cases: Vec<(Vec<u8>, E)> = vec![
        (with("latency=0", "lat\0ency=0"), E::Nul { line: 11 }),
        (with("latency=0", "latency"), E::NoEquals { line: 11 }),
        (
            with("latency=0", "Latency=0"),
            E::UnknownKey {
                line: 11,
                key: "Latency".into(),
            },
        ),
        (
            with("latency=0", "host_name=x"),
            E::DuplicateKey {
                line: 11,
                key: "host_name",
            },
        ),
        (
            with("\n\n### Service", "\nfile_time=1\n\n### Service"),
            E::DuplicateKey {
                line: 4,
                key: "file_time",
            },
        ),
        (
            with("file_time=1700000000", "file_time=-1"),
            E::BadNumber {
                line: 3,
                key: "file_time",
            },
        ),
        (
            with("file_time=1700000000", "file_time=18446744073709551616"),
            E::BadNumber {
                line: 3,
                key: "file_time",
            },
        ),
        (
            with("return_code=2", "return_code=32768"),
            E::BadNumber {
                line: 14,
                key: "return_code",
            },
        ),
        (
            with("return_code=2", "return_code= 2"),
            E::BadNumber {
                line: 14,
                key: "return_code",
            },
        ),
        (
            with("return_code=2", "return_code=-"),
            E::BadNumber {
                line: 14,
                key: "return_code",
            },
        ),
        (
            with("start_time=1700000000.0", "start_time=1700000000"),
            E::BadNumber {
                line: 12,
                key: "start_time",
            },
        ),
        (
            with("finish_time=1700000000.0", "finish_time=1.0.0"),
            E::BadNumber {
                line: 13,
                key: "finish_time",
            },
        ),
        (
            with("finish_time=1700000000.0", "finish_time=.0"),
            E::BadNumber {
                line: 13,
                key: "finish_time",
            },
        ),
        (
            with("latency=0\n", "latency=0\n\n"),
            E::IncompleteResult {
                line: 12,
                missing: "output",
            },
        ),
        (
            with("host_name=web1\n", "host_name=web1\n\n"),
            E::IncompleteResult {
                line: 7,
                missing: "output",
            },
        ),
        (
            [SERVICE, b"host_name=second\n"].concat(),
            E::SecondResult { line: 17 },
        ),
        (
            with("file_time=1700000000\n", ""),
            E::Missing { key: "file_time" },
        ),
        (
            with("return_code=2\n", ""),
            E::Missing { key: "return_code" },
        ),
        (
            with("start_time=1700000000.0\n", ""),
            E::Missing { key: "start_time" },
        ),
        (
            with("finish_time=1700000000.0\n", ""),
            E::Missing { key: "finish_time" },
        ),
        // The blank line after the result ends it: without output or host_name, Nagios drops it.
        (
            with("output=down\\nC:\\\\new \\x\n", ""),
            E::IncompleteResult {
                line: 15,
                missing: "output",
            },
        ),
        (
            with("host_name=web1\n", ""),
            E::IncompleteResult {
                line: 15,
                missing: "host_name",
            },
        ),
        (
            b"file_time=1\noutput=x\nreturn_code=0\nstart_time=1.0\nfinish_time=1.0\n".to_vec(),
            E::Missing { key: "host_name" },
        ),
        (
            b"file_time=1\nhost_name=h\nreturn_code=0\nstart_time=1.0\nfinish_time=1.0".to_vec(),
            E::Missing { key: "output" },
        ),
        (b"".to_vec(), E::Missing { key: "file_time" }),
    ];
    for (file, error) in cases {
        assert_eq!(
            parse(&file),
            Err(error.clone()),
            "{}",
            String::from_utf8_lossy(&file)
        );
    }
}

#[test]
fn error_messages() {
    assert_eq!(
        E::BadNumber {
            line: 14,
            key: "return_code"
        }
        .to_string(),
        "line 14: bad value for return_code"
    );
    assert_eq!(
        E::IncompleteResult {
            line: 7,
            missing: "output"
        }
        .to_string(),
        "line 7: the check result ends here without output"
    );
    assert_eq!(
        E::UnknownKey {
            line: 3,
            key: "x y".into()
        }
        .to_string(),
        "line 3: unknown key \"x y\""
    );
    assert_eq!(
        E::Missing { key: "file_time" }.to_string(),
        "file_time is missing"
    );
}
