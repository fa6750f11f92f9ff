//! A stand-in NSCA server for benchmarks: greets every connection with a 132-byte init packet,
//! then reads and throws away everything the client sends, so that a benchmark measures the
//! client and not a daemon.
//!
//! ```text
//! cargo run --release -p nsca-cli --example discard_receiver -- [ADDRESS:PORT]
//! ```
//!
//! Default address `127.0.0.1:0`; prints the address it listens on, then serves until killed.
//! Connections are served one at a time, on the main thread (a thread per connection would add
//! its own start-up time to every client's; benchmarks run clients one after another). With
//! `-v`, the number of bytes each connection sent goes to stderr when it ends.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use nsca::InitPacket;

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let mut addr = "127.0.0.1:0".to_owned();
    let mut verbose = false;
    for arg in args.by_ref() {
        if arg == "-v" {
            verbose = true;
        } else {
            addr = arg;
        }
    }
    let listener = TcpListener::bind(&addr)?;
    println!("{}", listener.local_addr()?);
    std::io::stdout().flush()?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    // The IV only has to be the same for both ends; the data is never decrypted here.
    let mut iv = [0u8; 128];
    for (i, b) in iv.iter_mut().enumerate() {
        *b = (i as u8).wrapping_mul(73).wrapping_add(11);
    }
    let init = InitPacket {
        iv,
        timestamp: now as u32,
    }
    .encode();
    let mut buf = vec![0u8; 256 * 1024];
    for stream in listener.incoming() {
        let Ok(mut stream) = stream else { continue };
        let _ = stream.set_nodelay(true);
        // A client that stalls must not stop the receiver for long.
        let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
        if stream.write_all(&init).is_err() {
            continue;
        }
        let mut total = 0u64;
        loop {
            match stream.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => total += n as u64,
            }
        }
        if verbose {
            eprintln!("connection ended after {total} bytes");
        }
    }
    Ok(())
}
