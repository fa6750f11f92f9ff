//! A stand-in for the NSCA daemon: listens, decodes, and prints each check result as the line
//! the daemon would write to Nagios' command file.
//!
//! ```text
//! cargo run -p nsca --example receiver -- [ADDRESS:PORT] [METHOD] [PASSWORD]
//! ```
//!
//! Defaults: `127.0.0.1:5667`, method 1 (XOR), empty password. Errors go to stderr.

use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

use nsca::blocking::{Receiver, ReceiverConfig};
use nsca::{EncryptionMethod, command_line};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:5667".to_owned());
    let method = match args.next() {
        Some(n) => EncryptionMethod::from_number(n.parse()?)?,
        None => EncryptionMethod::Xor,
    };
    let password = args.next().unwrap_or_default();
    let config = ReceiverConfig {
        method,
        password: password.into(),
        ..ReceiverConfig::default()
    };
    let receiver = Receiver::bind(addr.as_str(), config)?;
    eprintln!("listening on {} (method {method})", receiver.local_addr()?);
    let running = receiver.spawn(|received| match received.result {
        Ok(packet) => {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            let mut line = command_line(&packet.check, now);
            line.push(b'\n');
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(&line);
            let _ = out.flush();
        }
        Err(e) => eprintln!("{}: {e}", received.peer),
    });
    // Serve until killed.
    loop {
        std::thread::park();
        let _ = &running;
    }
}
