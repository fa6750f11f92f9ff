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

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use nsca::{CheckResult, ClientSession, EncryptionMethod, InitPacket, PacketSize};
use rand::rngs::SmallRng;
use rand::{RngCore, SeedableRng};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

/// Filler for the packets: bytes copied from a 64 KiB pool of random bytes, starting where
/// the last copy ended. The daemon decrypts and checks every filler byte whatever they are,
/// and drawing 4 KiB of fresh random bytes per packet would make the generator, which shares
/// the machine with the daemon under test, take more of its CPU than sealing the packet.
struct PoolRng {
    pool: Vec<u8>,
    at: usize,
}

impl PoolRng {
    fn new(seed: u64) -> Self {
        let mut pool = vec![0u8; 64 * 1024];
        SmallRng::seed_from_u64(seed).fill_bytes(&mut pool);
        Self { pool, at: 0 }
    }
}

impl RngCore for PoolRng {
    fn next_u32(&mut self) -> u32 {
        let mut b = [0u8; 4];
        self.fill_bytes(&mut b);
        u32::from_le_bytes(b)
    }

    fn next_u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        self.fill_bytes(&mut b);
        u64::from_le_bytes(b)
    }

    fn fill_bytes(&mut self, dst: &mut [u8]) {
        let mut done = 0;
        while done < dst.len() {
            let n = (dst.len() - done).min(self.pool.len() - self.at);
            dst[done..done + n].copy_from_slice(&self.pool[self.at..self.at + n]);
            done += n;
            self.at = (self.at + n) % self.pool.len();
        }
    }
}

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
                            let host = format!("host{:03}", c % 1000);
                            // Packets are sealed by the library's session, with filler from
                            // a pool of random bytes (see PoolRng), into one buffer that is
                            // reused for every write of up to 64 packets.
                            let mut rng = PoolRng::new(c);
                            let size = PacketSize::Standard.len();
                            let mut buf = vec![0u8; 64.min(per as usize) * size];
                            let mut output = String::with_capacity(64);
                            let mut i = 0;
                            while i < per {
                                let chunk = (per - i).min(64);
                                let mut at = 0;
                                for j in i..i + chunk {
                                    let seq = c * per + j;
                                    output.clear();
                                    let _ = write!(output, "LOAD OK - seq={seq} | value={j}");
                                    let check = CheckResult::service(
                                        host.as_str(),
                                        "load",
                                        (seq % 4) as i16,
                                        output.as_str(),
                                    );
                                    session
                                        .encode_into(&check, &mut rng, &mut buf[at..at + size])
                                        .expect("encode");
                                    at += size;
                                }
                                if stream.write_all(&buf[..at]).await.is_err() {
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
