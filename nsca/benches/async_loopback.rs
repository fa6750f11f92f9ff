//! Check results per second through one async client to the async receiver on loopback
//! (XOR, 4304-byte packets): encode, write, read, decrypt, decode, hand over.

use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use nsca::CheckResult;
use nsca::tokio::{Client, ClientConfig, Receiver, ReceiverConfig};

const BATCH: usize = 20_000;

fn loopback(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (addr, mut incoming) = rt.block_on(async {
        let config = ReceiverConfig {
            password: "bench".into(),
            ..ReceiverConfig::default()
        };
        let receiver = Receiver::bind("127.0.0.1:0", config).await.unwrap();
        let addr = receiver.local_addr().unwrap();
        (addr, receiver.incoming(8192))
    });
    let checks: Vec<CheckResult> = (0..BATCH)
        .map(|i| {
            CheckResult::service(
                "web01.example.com",
                "HTTP",
                0,
                format!("HTTP OK: HTTP/1.1 200 OK - 1024 bytes in 0.00{i} second response time"),
            )
        })
        .collect();
    let config = ClientConfig {
        password: "bench".into(),
        ..ClientConfig::default()
    };
    let mut group = c.benchmark_group("async_loopback");
    group.throughput(Throughput::Elements(BATCH as u64));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("xor_4304_one_connection", |b| {
        b.iter(|| {
            rt.block_on(async {
                let mut client = Client::connect_addrs(&[addr], &config).await.unwrap();
                let send = async {
                    client.send_all(&checks).await.unwrap();
                    client.finish().await.unwrap();
                };
                let receive = async {
                    for _ in 0..BATCH {
                        incoming.next().await.unwrap().result.unwrap();
                    }
                };
                tokio::join!(send, receive);
            });
        });
    });
    group.finish();
}

criterion_group!(benches, loopback);
criterion_main!(benches);
