//! Per-packet cost of the core, methods 0 (none) and 1 (XOR), both packet sizes:
//! - encode: filler from a CSPRNG, fields, CRC32, encryption (`ClientSession::encode`);
//! - decode: decryption, version and CRC32 check, field extraction (`ServerSession::decode`).

use bytes::BytesMut;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use nsca::{CheckResult, ClientSession, EncryptionMethod, InitPacket, PacketSize, ServerSession};
use rand::SeedableRng;
use rand::rngs::StdRng;

const METHODS: [EncryptionMethod; 2] = [EncryptionMethod::None, EncryptionMethod::Xor];
const SIZES: [PacketSize; 2] = [PacketSize::Standard, PacketSize::Legacy];

fn check() -> CheckResult {
    CheckResult::service(
        "web01.example.com",
        "HTTP",
        0,
        "HTTP OK: HTTP/1.1 200 OK - 1024 bytes in 0.002 second response time | time=0.002s",
    )
}

fn init() -> InitPacket {
    InitPacket {
        iv: core::array::from_fn(|i| (i * 31 + 7) as u8),
        timestamp: 1_700_000_000,
    }
}

fn encode(c: &mut Criterion) {
    let mut group = c.benchmark_group("encode");
    let check = check();
    for size in SIZES {
        for method in METHODS {
            group.throughput(Throughput::Elements(1));
            let id = BenchmarkId::new(format!("{size:?}"), method.mcrypt_name());
            let mut session = ClientSession::new(&init(), method, b"password", size).unwrap();
            let mut rng = StdRng::seed_from_u64(1);
            let mut out = Vec::with_capacity(size.len());
            group.bench_function(id, |b| {
                b.iter(|| {
                    out.clear();
                    session.encode(&check, &mut rng, &mut out).unwrap();
                    out.len()
                });
            });
        }
    }
    group.finish();
}

fn decode(c: &mut Criterion) {
    let mut group = c.benchmark_group("decode");
    let check = check();
    for size in SIZES {
        for method in METHODS {
            group.throughput(Throughput::Elements(1));
            let id = BenchmarkId::new(format!("{size:?}"), method.mcrypt_name());
            // XOR and none restart every packet, so one encoded packet can be decoded repeatedly
            // by a session that has just read the first (which fixes the framing).
            let mut wire = Vec::new();
            let mut client = ClientSession::new(&init(), method, b"password", size).unwrap();
            let mut rng = StdRng::seed_from_u64(2);
            client.encode(&check, &mut rng, &mut wire).unwrap();
            let mut server = ServerSession::new(init(), method, b"password").unwrap();
            let mut input = BytesMut::from(&wire[..]);
            server.decode(&mut input).unwrap().unwrap();
            group.bench_function(id, |b| {
                b.iter(|| {
                    input.extend_from_slice(&wire);
                    server.decode(&mut input).unwrap().unwrap()
                });
            });
        }
    }
    group.finish();
}

criterion_group!(benches, encode, decode);
criterion_main!(benches);
