//! The parsers fuzz targets call (pure functions over bytes) never panic, on structured and
//! random input. Deterministic: a fixed-seed generator, no extra dependency.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;

use nsca::PacketSize;
use nsca_cli::input::{self, Parsed, SetReader};
use nsca_cli::{args, config};

/// xorshift64*: enough to vary inputs; fixed seed so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// Bytes biased towards the ones the parsers care about.
    fn bytes(&mut self, max_len: u64) -> Vec<u8> {
        const SPECIAL: &[u8] =
            b"\t\n\r \x17\0=#,;-+0x9apssword_encryption_methodlegacy_2_7_modetrueyesno";
        let len = self.below(max_len + 1);
        (0..len)
            .map(|_| {
                if self.below(3) == 0 {
                    self.next() as u8
                } else {
                    SPECIAL[self.below(SPECIAL.len() as u64) as usize]
                }
            })
            .collect()
    }
}

#[test]
fn config_parser_never_panics() {
    let mut rng = Rng(0x5EED_0001);
    for _ in 0..20_000 {
        let text = rng.bytes(200);
        let _ = config::parse(&text);
    }
    for len in [5117, 5118, 5119, 5120, 11_000] {
        let mut text = b"password=".to_vec();
        text.resize(len, b'p');
        let _ = config::parse(&text);
    }
}

#[test]
fn set_reader_and_field_parser_never_panic() {
    let mut rng = Rng(0x5EED_0002);
    for round in 0..3_000 {
        let data = if round % 50 == 0 {
            rng.bytes(12_000)
        } else {
            rng.bytes(400)
        };
        let delimiter = rng.next() as u8;
        let set_delimiter = if rng.below(2) == 0 {
            0x17
        } else {
            rng.next() as u8
        };
        let capacity = 1 + rng.below(64) as usize;
        let mut reader = SetReader::with_capacity(&data[..], set_delimiter, capacity);
        let mut total = 0usize;
        while let Ok(Some(set)) = reader.next_set() {
            assert!(set.bytes.len() <= input::MAX_SET_LEN);
            total += set.bytes.len();
            assert!(total <= data.len());
            if let Parsed::Check(fields) = input::parse_set(set.bytes, delimiter) {
                for size in [PacketSize::Standard, PacketSize::Legacy] {
                    let (check, _) = input::to_check(&fields, size);
                    let mut probe = check.clone();
                    assert!(probe.truncate(size).is_empty(), "to_check cuts to fit");
                }
            }
        }
        let _ = reader.drain();
    }
}

#[test]
fn argument_scanner_never_panics() {
    let mut rng = Rng(0x5EED_0003);
    const WORDS: &[&str] = &[
        "-H",
        "-p",
        "-to",
        "-c",
        "-d",
        "-ds",
        "-h",
        "-l",
        "-V",
        "--help",
        "--quiet",
        "--legacy-2-7-mode",
        "--host",
        "--port=",
        "--strict",
        "--dry-run",
        "--check-host",
        "--check-state",
        "--check-service",
        "--password-env",
        "--password-file",
        "--one-check-per-line",
        "0",
        "-1",
        "99999999999999999999",
        "0x2c",
        "09",
        "x",
        "",
    ];
    for _ in 0..5_000 {
        let n = rng.below(8);
        let mut argv = vec![OsString::from("send_nsca")];
        for _ in 0..n {
            if rng.below(4) == 0 {
                argv.push(OsString::from_vec(rng.bytes(12)));
            } else {
                argv.push(WORDS[rng.below(WORDS.len() as u64) as usize].into());
            }
        }
        let _ = args::parse(&argv);
    }
}
