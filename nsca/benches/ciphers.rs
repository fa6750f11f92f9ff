//! Per-packet cost of every encryption method the NSCA daemon can run, with 4304-byte packets:
//! - encode: filler from a CSPRNG, fields, CRC32 and encryption (`ClientSession::encode`), on
//!   one session whose cipher stream runs on from packet to packet, as on a real connection.
//!   With the CFB-8 methods only the header and strings go through the cipher's chain (the
//!   filler is chosen as ciphertext), so the cost follows the strings' length: `encode-4304`
//!   times a typical check (17-byte host, 88-byte output), `encode-4304-full-output` one whose
//!   4095-byte output leaves no filler, the worst case, where all 4304 bytes are chained;
//! - decode: decryption, version and CRC32 check, field extraction (`ServerSession::decode`),
//!   timed over a run of consecutive packets of one connection (the stream ciphers cannot decode
//!   the same packet twice), after the first packet has fixed the framing.
//!
//! CFB-8 costs one block encryption per byte, 4304 per packet: this is where the cipher choice
//! shows. Results and the comparison with libmcrypt are in `RESULTS-ciphers.md`.
//!
//! Every method runs with an 18-byte password. Triple DES runs a second time with an 8-byte one,
//! which leaves K2 = K3 = 0 and lets the crate run one DES pass instead of three.

use std::hint::black_box;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use nsca::{
    CheckResult, Cipher, ClientSession, EncryptionMethod, IV_LEN, InitPacket, PacketSize,
    ServerSession,
};
use rand::SeedableRng;
use rand::rngs::StdRng;

const SIZE: PacketSize = PacketSize::Standard;
const PASSWORD: &[u8] = b"benchmark password";
/// Triple DES's second run: K2 = K3 = 0, so the passes collapse into one.
const SHORT_PASSWORD: &[u8] = b"8bytepw!";
/// Packets decoded per timed run.
const RUN: u64 = 32;

/// Every method this build can run, with its benchmark name and password.
fn cases() -> Vec<(BenchmarkId, EncryptionMethod, &'static [u8])> {
    let mut cases = Vec::new();
    for method in EncryptionMethod::ALL {
        if Cipher::new(method, b"", &[0; IV_LEN]).is_err() {
            continue;
        }
        let name = format!("{:02}-{}", method.number(), method.mcrypt_name());
        if method == EncryptionMethod::TripleDes {
            let id = BenchmarkId::from_parameter(format!("{name}-8-byte-password"));
            cases.push((id, method, SHORT_PASSWORD));
        }
        cases.push((BenchmarkId::from_parameter(name), method, PASSWORD));
    }
    cases
}

fn check() -> CheckResult {
    CheckResult::service(
        "web01.example.com",
        "HTTP",
        0,
        "HTTP OK: HTTP/1.1 200 OK - 1024 bytes in 0.002 second response time | time=0.002s",
    )
}

/// A check whose output fills its field: nothing left to choose as ciphertext.
fn full_check() -> CheckResult {
    CheckResult::service("web01.example.com", "HTTP", 0, "x".repeat(4095))
}

fn init() -> InitPacket {
    InitPacket {
        iv: core::array::from_fn(|i| (i * 31 + 7) as u8),
        timestamp: 1_700_000_000,
    }
}

fn encode(c: &mut Criterion) {
    encode_group(c, "encode-4304", &check());
    encode_group(c, "encode-4304-full-output", &full_check());
}

fn encode_group(c: &mut Criterion, name: &str, check: &CheckResult) {
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Elements(1));
    for (id, method, password) in cases() {
        let mut session = ClientSession::new(&init(), method, password, SIZE).unwrap();
        let mut rng = StdRng::seed_from_u64(1);
        let mut out = Vec::with_capacity(SIZE.len());
        group.bench_function(id, |b| {
            b.iter(|| {
                out.clear();
                session.encode(check, &mut rng, &mut out).unwrap();
                out.len()
            });
        });
    }
    group.finish();
}

fn decode(c: &mut Criterion) {
    let mut group = c.benchmark_group("decode-4304");
    group.throughput(Throughput::Elements(1));
    let check = check();
    for (id, method, password) in cases() {
        // One connection's worth of packets: the first fixes the framing, the rest are timed.
        let mut wire = Vec::new();
        let mut client = ClientSession::new(&init(), method, password, SIZE).unwrap();
        let mut rng = StdRng::seed_from_u64(2);
        for _ in 0..=RUN {
            client.encode(&check, &mut rng, &mut wire).unwrap();
        }
        group.bench_function(id, |b| {
            b.iter_custom(|iters| {
                let mut timed = Duration::ZERO;
                let mut left = iters;
                while left > 0 {
                    let n = left.min(RUN);
                    let mut server = ServerSession::new(init(), method, password).unwrap();
                    let mut input = BytesMut::from(&wire[..(n as usize + 1) * SIZE.len()]);
                    server.decode(&mut input).unwrap().unwrap();
                    let start = Instant::now();
                    for _ in 0..n {
                        black_box(server.decode(&mut input).unwrap().unwrap());
                    }
                    timed += start.elapsed();
                    left -= n;
                }
                timed
            });
        });
    }
    group.finish();
}

criterion_group!(benches, encode, decode);
criterion_main!(benches);
