//! The daemon's `nsca.cfg` parser (`nsca_daemon::config::parse`) on arbitrary bytes: no panic;
//! an error names the file and a line the file has, and for an error of one line, the file cut
//! after that line fails the same way there while the file before it has no such error; a
//! config that parses keeps every value in its documented range, and its warnings name lines
//! the file has.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use nsca::Unusable;
use nsca_daemon::config::{CHUNK_LEN, ConfigErrorKind, MAX_PACKET_AGE_LIMIT, parse};

/// Where each line the parser counts ends: at a line feed, or after `CHUNK_LEN` bytes (C's
/// `fgets` buffer).
fn line_ends(text: &[u8]) -> Vec<usize> {
    let mut ends = Vec::new();
    let mut at = 0;
    while at < text.len() {
        let take = (text.len() - at).min(CHUNK_LEN);
        let n = text[at..at + take]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(take, |p| p + 1);
        at += n;
        ends.push(at);
    }
    ends
}

fuzz_target!(|data: &[u8]| {
    let path = Path::new("/etc/nsca.cfg");
    let ends = line_ends(data);
    let lines = u32::try_from(ends.len()).unwrap();
    let config = match parse(data, path) {
        Ok(config) => config,
        Err(e) => {
            assert_eq!(e.path, path);
            let line = e.line.expect("a parse error names its line");
            assert!((1..=lines).contains(&line), "line {line} of {lines}");
            assert!(e.to_string().starts_with("/etc/nsca.cfg, line "));
            match e.kind {
                ConfigErrorKind::CannotRead(_) => panic!("parse does no I/O"),
                // Found when the whole file has been read, on the later line involved.
                ConfigErrorKind::Conflict { .. } | ConfigErrorKind::Needs { .. } => {}
                _ => {
                    let end = ends[line as usize - 1];
                    let cut = parse(&data[..end], path).unwrap_err();
                    assert_eq!((cut.line, &cut.kind), (e.line, &e.kind));
                    let start = if line == 1 {
                        0
                    } else {
                        ends[line as usize - 2]
                    };
                    if let Err(before) = parse(&data[..start], path) {
                        assert!(
                            matches!(
                                before.kind,
                                ConfigErrorKind::Conflict { .. } | ConfigErrorKind::Needs { .. }
                            ),
                            "the lines before {line} fail with {before}"
                        );
                    }
                }
            }
            return;
        }
    };
    for w in &config.warnings {
        assert!((1..=lines).contains(&w.line), "{w}");
    }
    assert!(config.max_packet_age <= MAX_PACKET_AGE_LIMIT);
    assert_ne!(
        config.decryption_method.usability(),
        Err(Unusable::NotAccepted)
    );
    assert!(!config.password.as_bytes().contains(&0));
    assert!(!config.password.as_bytes().contains(&b'\n'));
    assert!((1..=1_000_000).contains(&config.max_connections));
    assert!((1..=86_400).contains(&config.connection_timeout.as_secs()));
    assert!((1..=10_000_000).contains(&config.max_queued_results));
    assert!(config.shutdown_timeout.as_secs() <= 86_400);
    assert!(config.allowed_hosts.as_ref().is_none_or(|h| !h.is_empty()));
    let api = &config.icinga2;
    assert!((1..=256).contains(&api.api_connections));
    assert!(!(api.api_password.is_some() && api.api_password_file.is_some()));
    assert_eq!(api.api_client_cert.is_some(), api.api_client_key.is_some());
});
