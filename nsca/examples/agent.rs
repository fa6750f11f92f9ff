//! A small monitoring agent: every few seconds it measures something (here, the 1-minute load
//! average from /proc/loadavg) and queues a passive check result on a `nsca::tokio::Sender`,
//! which keeps one connection, batches, and reconnects when needed.
//!
//! ```text
//! cargo run -p nsca --features tokio --example agent -- HOST PORT [PASSWORD] [INTERVAL_SECS] [COUNT]
//! ```
//!
//! Try it against the receiver example:
//! `cargo run -p nsca --features tokio --example async_receiver -- 127.0.0.1:5667`.

use std::time::Duration;

use nsca::CheckResult;
use nsca::tokio::{ClientConfig, Sender, SenderConfig};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let host = args.next().unwrap_or_else(|| "127.0.0.1".to_owned());
    let port = args.next().map_or(Ok(5667), |p| p.parse())?;
    let password = args.next().unwrap_or_default();
    let interval = Duration::from_secs(args.next().map_or(Ok(5), |s| s.parse())?);
    let count: u64 = args.next().map_or(Ok(u64::MAX), |s| s.parse())?;
    let me = std::fs::read_to_string("/etc/hostname")
        .unwrap_or_default()
        .trim()
        .to_owned();
    let me = if me.is_empty() {
        "localhost".to_owned()
    } else {
        me
    };

    let client = ClientConfig {
        password: password.into(),
        ..ClientConfig::default()
    };
    let (sender, task) = Sender::spawn(SenderConfig::new(host, port, client));
    let mut tick = tokio::time::interval(interval);
    for _ in 0..count {
        tick.tick().await;
        let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
        let one: f64 = load
            .split_whitespace()
            .next()
            .and_then(|v| v.parse().ok())
            .unwrap_or(-1.0);
        let (code, state) = match one {
            l if l < 0.0 => (3, "UNKNOWN"),
            l if l >= 8.0 => (2, "CRITICAL"),
            l if l >= 4.0 => (1, "WARNING"),
            _ => (0, "OK"),
        };
        let check = CheckResult::service(
            me.as_str(),
            "Load",
            code,
            format!("LOAD {state} - load average: {one:.2} | load1={one:.2}"),
        );
        let delivery = sender.send(check).await?;
        // Report each outcome without holding up the next measurement.
        tokio::spawn(async move {
            match delivery.await {
                Ok(()) => eprintln!("sent: load {one:.2}"),
                Err(e) => eprintln!("not sent: {e}"),
            }
        });
    }
    drop(sender);
    task.await?;
    Ok(())
}
