//! Arbitrary bytes as a Nagios check-result file (`nsca::checkresult::parse`). No panic; an
//! error names a line the input has; a file that parses renders again into a file that parses
//! to the same result (after the daemon's cleaning), and to the same bytes the second time.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nsca::checkresult::{CheckResultFileError as E, parse, render, sanitize};

fuzz_target!(|data: &[u8]| {
    let file = match parse(data) {
        Ok(file) => file,
        Err(e) => {
            let lines = data.split(|&b| b == b'\n').count();
            match e {
                E::Nul { line }
                | E::NoEquals { line }
                | E::UnknownKey { line, .. }
                | E::DuplicateKey { line, .. }
                | E::BadNumber { line, .. }
                | E::IncompleteResult { line, .. }
                | E::SecondResult { line } => assert!((1..=lines).contains(&line), "{e}"),
                E::Missing { .. } => {}
                other => panic!("unexpected error {other:?}"),
            }
            return;
        }
    };
    let check = file.check.clone();
    assert!(!check.host_name().contains(&b'\n') && !check.host_name().contains(&0));
    let rendered = render(&check, file.file_time);
    let again = parse(&rendered).expect("a rendered file parses");
    assert_eq!(again.check, sanitize(&check));
    assert_eq!(again.file_time, file.file_time);
    assert_eq!(again.start_time.seconds, file.file_time);
    assert_eq!(render(&again.check, again.file_time), rendered);
});
