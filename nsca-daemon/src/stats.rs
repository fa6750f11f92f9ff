//! The daemon's counters: one set, read by the SIGUSR1 log line and the metrics endpoint.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

/// Counters since the daemon started. Every field only grows, except `queued`.
#[derive(Debug, Default)]
pub struct Stats {
    /// Connections accepted and served.
    pub connections_accepted: AtomicU64,
    /// Connections closed before the init packet because `allowed_hosts` does not list the peer.
    pub connections_refused: AtomicU64,
    /// Connections that ended with an error (bad packet, timeout, reset).
    pub connections_failed: AtomicU64,
    /// Packets decoded and accepted.
    pub packets_decoded: AtomicU64,
    /// Packets that failed their checks (version, CRC, age, cut short).
    pub packets_failed: AtomicU64,
    /// Results dropped by `strict_mode_spoofing`.
    pub spoofing_dropped: AtomicU64,
    /// Command-file lines written.
    pub lines_written: AtomicU64,
    /// Check-result files written into `check_result_path`.
    pub checkresult_files: AtomicU64,
    /// Results waiting in the queue or being retried, now.
    pub queued: AtomicU64,
    /// Writes that had to wait (no reader on the pipe, pipe full, file missing for a moment).
    pub retries: AtomicU64,
    /// Results written to `alternate_dump_file`.
    pub dumped: AtomicU64,
    /// Results that could not be written anywhere, not even the dump file (each is logged).
    pub lost: AtomicU64,
}

impl Stats {
    fn rows(&self) -> [(&'static str, &'static str, u64); 12] {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        [
            (
                "connections_accepted",
                "counter",
                get(&self.connections_accepted),
            ),
            (
                "connections_refused",
                "counter",
                get(&self.connections_refused),
            ),
            (
                "connections_failed",
                "counter",
                get(&self.connections_failed),
            ),
            ("packets_decoded", "counter", get(&self.packets_decoded)),
            ("packets_failed", "counter", get(&self.packets_failed)),
            ("spoofing_dropped", "counter", get(&self.spoofing_dropped)),
            ("lines_written", "counter", get(&self.lines_written)),
            ("checkresult_files", "counter", get(&self.checkresult_files)),
            ("queued", "gauge", get(&self.queued)),
            ("retries", "counter", get(&self.retries)),
            ("dumped", "counter", get(&self.dumped)),
            ("lost", "counter", get(&self.lost)),
        ]
    }

    /// One log line: `name=value` pairs.
    pub fn summary(&self) -> String {
        let mut line = String::from("counters:");
        for (name, _, value) in self.rows() {
            let _ = write!(line, " {name}={value}");
        }
        line
    }

    /// The counters in Prometheus' text exposition format, named `nsca_<name>` (counters end
    /// in `_total`).
    pub fn prometheus(&self) -> String {
        let mut out = String::new();
        for (name, kind, value) in self.rows() {
            let metric = if kind == "counter" {
                format!("nsca_{name}_total")
            } else {
                format!("nsca_{name}")
            };
            let _ = writeln!(out, "# TYPE {metric} {kind}\n{metric} {value}");
        }
        out
    }
}

/// Adds one to a counter.
pub fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_renderings() {
        let stats = Stats::default();
        bump(&stats.lines_written);
        bump(&stats.lines_written);
        stats.queued.store(5, Ordering::Relaxed);
        assert!(stats.summary().contains(" lines_written=2 "));
        let text = stats.prometheus();
        assert!(
            text.contains("# TYPE nsca_lines_written_total counter\nnsca_lines_written_total 2\n")
        );
        assert!(text.contains("# TYPE nsca_queued gauge\nnsca_queued 5\n"));
    }
}
