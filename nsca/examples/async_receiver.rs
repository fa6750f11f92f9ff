//! An async stand-in for the NSCA daemon: serves many clients at once and prints each check
//! result as the line the daemon would write to Nagios' command file.
//!
//! ```text
//! cargo run -p nsca --features tokio --example async_receiver -- [ADDRESS:PORT] [METHOD] [PASSWORD]
//! ```

use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

use nsca::tokio::{Receiver, ReceiverConfig};
use nsca::{EncryptionMethod, command_line};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
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
    let receiver = Receiver::bind(addr.as_str(), config).await?;
    eprintln!("listening on {} (method {method})", receiver.local_addr()?);
    let mut incoming = receiver.incoming(1024);
    while let Some(received) = incoming.next().await {
        match received.result {
            Ok(packet) => {
                let now = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs());
                let mut line = command_line(&packet.check, now);
                line.push(b'\n');
                let mut out = std::io::stdout().lock();
                out.write_all(&line)?;
                out.flush()?;
            }
            Err(e) => eprintln!("{}: {e}", received.peer),
        }
    }
    Ok(())
}
