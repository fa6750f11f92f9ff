//! The shared C config syntax (`nsca::config_syntax`) on arbitrary bytes: no panic; the
//! `fgets` chunks cover the input exactly, in order, within C's buffer; every setting's name and
//! value are what C's `strtok` calls would leave; numbers read as Rust's own parser reads them
//! wherever the two can be compared.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nsca::config_syntax::{Base, LINE_CHUNK, Line, lines, scan, split_line};

fuzz_target!(|data: &[u8]| {
    let mut joined = Vec::with_capacity(data.len());
    let chunks: Vec<&[u8]> = lines(data).collect();
    for (i, chunk) in chunks.iter().enumerate() {
        assert!(!chunk.is_empty() && chunk.len() <= LINE_CHUNK);
        // A line feed only ever ends a chunk; a chunk cut short of C's buffer ends with one,
        // unless the input ended.
        assert!(!chunk[..chunk.len() - 1].contains(&b'\n'));
        if chunk.len() < LINE_CHUNK && i + 1 < chunks.len() {
            assert_eq!(chunk.last(), Some(&b'\n'));
        }
        joined.extend_from_slice(chunk);
        if let Ok(Line::Setting { name, value }) = split_line(chunk) {
            assert!(!name.is_empty() && !value.is_empty());
            assert!(!name.contains(&b'=') && !name.contains(&0));
            assert!(!value.contains(&b'\n') && !value.contains(&0));
        }
    }
    assert_eq!(joined, data);

    for base in [Base::Decimal, Base::Auto] {
        let n = scan(data, base);
        assert!(n.end <= data.len());
        assert_eq!(n.digits, n.end > 0);
        // Plain decimal digits with an optional sign: compare with `i64::from_str`.
        if base == Base::Decimal && n.digits && !n.leading_space {
            let text = std::str::from_utf8(&data[..n.end]).expect("sign and digits are ASCII");
            match text.parse::<i64>() {
                Ok(v) => assert_eq!((n.strtol(), n.overflow()), (v, false)),
                Err(_) => assert!(n.overflow()),
            }
        }
    }
});
