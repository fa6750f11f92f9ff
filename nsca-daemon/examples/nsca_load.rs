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

use nsca::{CheckResult, ClientSession, EncryptionMethod, InitPacket, PacketSize};
use rand::SeedableRng;
use rand::rngs::SmallRng;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

/// Connects, reads the init packet and sets up the client session.
async fn session(
    addr: SocketAddr,
    method: EncryptionMethod,
    password: &str,
) -> std::io::Result<(TcpStream, ClientSession)> {
    let mut stream = TcpStream::connect(addr).await?;
    let mut init = [0u8; InitPacket::LEN];
    tokio::time::timeout(Duration::from_secs(60), stream.read_exact(&mut init))
        .await
        .map_err(|_| std::io::Error::from(std::io::ErrorKind::TimedOut))??;
    let init = InitPacket::from_bytes(&init);
    let session = ClientSession::new(&init, method, password.as_bytes(), PacketSize::Standard)
        .map_err(std::io::Error::other)?;
    Ok((stream, session))
}

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
        let password = Arc::new(password);
        let slots = Arc::new(Semaphore::new(parallel.max(1)));
        let mut tasks = Vec::new();
        for c in 0..connections {
            let permit = Arc::clone(&slots).acquire_owned().await.expect("semaphore");
            let password = Arc::clone(&password);
            tasks.push(tokio::spawn(async move {
                let mut sent = 0u64;
                for attempt in 0..5 {
                    match session(addr, method, &password).await {
                        Ok((mut stream, mut session)) => {
                            // Packets are sealed by the library's session, with filler from a
                            // fast non-cryptographic generator: the load generator shares the
                            // machine with the daemon under test, and a CSPRNG's 4 KiB of
                            // filler per packet would make it, not the daemon, the limit.
                            let mut rng = SmallRng::seed_from_u64(c);
                            let size = PacketSize::Standard.len();
                            let mut buf = Vec::with_capacity(64 * size);
                            let mut i = 0;
                            while i < per {
                                buf.clear();
                                let chunk = (per - i).min(64);
                                for j in i..i + chunk {
                                    let seq = c * per + j;
                                    let check = CheckResult::service(
                                        format!("host{:03}", c % 1000),
                                        "load",
                                        (seq % 4) as i16,
                                        format!("LOAD OK - seq={seq} | value={j}"),
                                    );
                                    let at = buf.len();
                                    buf.resize(at + size, 0);
                                    session
                                        .encode_into(&check, &mut rng, &mut buf[at..])
                                        .expect("encode");
                                }
                                if stream.write_all(&buf).await.is_err() {
                                    break;
                                }
                                sent += chunk;
                                i += chunk;
                                // Let the other connections have their turn, so that none
                                // stays silent past the daemon's read timeout.
                                tokio::task::yield_now().await;
                            }
                            if hold > 0 {
                                let until = start + Duration::from_secs(hold);
                                tokio::time::sleep_until(until.into()).await;
                            }
                            let _ = stream.shutdown().await;
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
