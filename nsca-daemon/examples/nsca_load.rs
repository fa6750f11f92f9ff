//! Load for the daemon benchmark (`bench/compare-nsca-daemon.sh`): `CONNECTIONS` clients, each
//! sending `PER_CONNECTION` results on one connection, at most `PARALLEL` connections open at
//! once. Every result's output carries its sequence number (`seq=N`), so that a checker can
//! count lost and duplicated results in the command file.
//!
//!     nsca_load ADDR METHOD PASSWORD CONNECTIONS PER_CONNECTION PARALLEL [HOLD_SECS]
//!
//! With HOLD_SECS, every connection stays open (after its results) until HOLD_SECS have passed
//! since the start, to measure the daemon with many connections open. Prints the number of
//! results written to sockets and the seconds it took.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use nsca::tokio::{Client, ClientConfig};
use nsca::{CheckResult, EncryptionMethod};
use tokio::sync::Semaphore;

fn arg<T: std::str::FromStr>(args: &[String], i: usize, what: &str) -> T {
    args.get(i)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("argument {i}: {what}"))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let addr: SocketAddr = arg(&args, 1, "ADDR");
    let method = EncryptionMethod::from_number(arg(&args, 2, "METHOD")).expect("method");
    let password: String = arg(&args, 3, "PASSWORD");
    let connections: u64 = arg(&args, 4, "CONNECTIONS");
    let per: u64 = arg(&args, 5, "PER_CONNECTION");
    let parallel: usize = arg(&args, 6, "PARALLEL");
    let hold: u64 = args.get(7).and_then(|s| s.parse().ok()).unwrap_or(0);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let start = Instant::now();
    let sent = runtime.block_on(async move {
        let config = Arc::new(ClientConfig {
            method,
            password: password.as_str().into(),
            connect_timeout: Duration::from_secs(60),
            io_timeout: Duration::from_secs(120),
            ..ClientConfig::default()
        });
        let slots = Arc::new(Semaphore::new(parallel.max(1)));
        let mut tasks = Vec::new();
        for c in 0..connections {
            let permit = Arc::clone(&slots).acquire_owned().await.expect("semaphore");
            let config = Arc::clone(&config);
            tasks.push(tokio::spawn(async move {
                let mut sent = 0u64;
                for attempt in 0..5 {
                    match Client::connect_addrs(&[addr], &config).await {
                        Ok(mut client) => {
                            let checks: Vec<CheckResult> = (0..per)
                                .map(|i| {
                                    let seq = c * per + i;
                                    CheckResult::service(
                                        format!("host{:03}", c % 1000),
                                        "load",
                                        (seq % 4) as i16,
                                        format!("LOAD OK - seq={seq} | value={i}"),
                                    )
                                })
                                .collect();
                            // Gathered into large writes, as a batching client sends.
                            for chunk in checks.chunks(64) {
                                match client.send_all(chunk).await {
                                    Ok(n) => sent += n,
                                    Err(_) => break,
                                }
                                // Encoding is CPU work that never waits: let the other
                                // connections have their turn, so that none stays silent
                                // long enough for the daemon's read timeout.
                                tokio::task::yield_now().await;
                            }
                            if hold > 0 {
                                let until = start + Duration::from_secs(hold);
                                tokio::time::sleep_until(until.into()).await;
                            }
                            let _ = client.finish().await;
                            break;
                        }
                        Err(e) if attempt == 4 => eprintln!("connection {c}: {e}"),
                        Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                    }
                }
                drop(permit);
                sent
            }));
        }
        let mut sent = 0;
        for task in tasks {
            sent += task.await.unwrap_or(0);
        }
        sent
    });
    println!("{sent} {:.3}", start.elapsed().as_secs_f64());
}
