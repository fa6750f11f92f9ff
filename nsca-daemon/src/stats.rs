//! The daemon's counters: one set, read by the SIGUSR1 log line and the metrics endpoint.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Counters since the daemon started. Every field only grows, except `queued` and
/// `icinga2_queued`.
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
    /// Whether the Icinga 2 API sink runs: the SIGUSR1 line shows the `icinga2_*` counters only
    /// then (the metrics endpoint always has them).
    pub icinga2_enabled: AtomicBool,
    /// Results Icinga 2 took (200), or already had a newer one for (409).
    pub icinga2_delivered: AtomicU64,
    /// Posts to Icinga 2 that failed and are tried again (no answer, 5xx, 401, certificate).
    pub icinga2_retries: AtomicU64,
    /// Results Icinga 2 refused for good (400, 403, 404): not posted again.
    pub icinga2_rejected: AtomicU64,
    /// Results for Icinga 2 written to `alternate_dump_file` at shutdown.
    pub icinga2_dumped: AtomicU64,
    /// Results waiting for Icinga 2, now.
    pub icinga2_queued: AtomicU64,
}

impl Stats {
    fn rows(&self) -> [(&'static str, &'static str, u64); 17] {
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
            ("icinga2_delivered", "counter", get(&self.icinga2_delivered)),
            ("icinga2_retries", "counter", get(&self.icinga2_retries)),
            ("icinga2_rejected", "counter", get(&self.icinga2_rejected)),
            ("icinga2_dumped", "counter", get(&self.icinga2_dumped)),
            ("icinga2_queued", "gauge", get(&self.icinga2_queued)),
        ]
    }

    /// One log line: `name=value` pairs.
    pub fn summary(&self) -> String {
        let mut line = String::from("counters:");
        let icinga2 = self.icinga2_enabled.load(Ordering::Relaxed);
        for (name, _, value) in self.rows() {
            if name.starts_with("icinga2_") && !icinga2 {
                continue;
            }
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
        assert!(text.contains("\nnsca_icinga2_delivered_total 0\n"));
        assert!(stats.summary().ends_with(" lost=0"));
        stats.icinga2_enabled.store(true, Ordering::Relaxed);
        bump(&stats.icinga2_rejected);
        assert!(stats.summary().ends_with(
            " lost=0 icinga2_delivered=0 icinga2_retries=0 icinga2_rejected=1 icinga2_dumped=0 \
             icinga2_queued=0"
        ));
    }
}
