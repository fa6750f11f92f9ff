//! Nagios check-result spool files (`nsca::checkresult`), both ways on every input:
//!
//! - the input read as a check result (`nsca_fuzz::Reader::check`, then 8 bytes of time) and
//!   written as a file: the file parses back to the same result, as the daemon cleans it, with
//!   that time in `file_time`, `start_time` and `finish_time`;
//! - the input as a file: no panic; an error names a line the input has; a file that parses
//!   renders again into a file that parses to the same result (after the daemon's cleaning),
//!   and to the same bytes the second time.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nsca::checkresult::{CheckResultFileError as E, Timestamp, parse, render, sanitize};
use nsca_fuzz::Reader;

fuzz_target!(|data: &[u8]| {
    let mut r = Reader::new(data);
    let check = r.check();
    let time = u64::from(r.u32()) | u64::from(r.u32()) << 32;
    let written = render(&check, time);
    let read = parse(&written).expect("a rendered file parses");
    assert_eq!(read.check, sanitize(&check));
    assert_eq!(read.file_time, time);
    let at = Timestamp {
        seconds: time,
        microseconds: 0,
    };
    assert_eq!((read.start_time, read.finish_time), (at, at));

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
