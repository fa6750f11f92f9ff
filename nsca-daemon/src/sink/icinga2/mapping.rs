//! How an NSCA result becomes the body of Icinga 2's `POST /v1/actions/process-check-result`.
//!
//! | NSCA | Icinga 2 |
//! |---|---|
//! | service result, host `H`, service `S` | `"type": "Service", "service": "H!S"` |
//! | host result (no service, or a service that is empty once cut at its first line feed) | `"type": "Host", "host": "H"` |
//! | host and service names | cut at their first line feed, as in the command-file line |
//! | service return code 0, 1, 2, 3 | `exit_status` 0 (OK), 1 (WARNING), 2 (CRITICAL), 3 (UNKNOWN) |
//! | service return code outside 0..=3 | `exit_status` 3 (UNKNOWN), as Nagios does |
//! | host return code 0 | `exit_status` 0 (UP) |
//! | host return code 1, 2, 3 or any other | `exit_status` 1 (DOWN): Icinga 2 takes only 0 and 1 for hosts |
//! | output, first line before its first `\|` | `plugin_output` |
//! | output, following lines up to the performance data | `plugin_output`, after a line feed |
//! | performance data after `\|`, on the first line and in the long output | `performance_data`, one string per item, quoted labels kept whole (omitted when there is none) |
//! | the daemon's receive time | `execution_start` and `execution_end` (seconds, with microseconds) |
//! | `icinga2_check_source` (default: this host's name) | `check_source` |
//!
//! The output is split by [`nsca::plugin_output::split`] (Nagios' rules). Text that is not UTF-8
//! has its bad bytes replaced by U+FFFD, as JSON carries only Unicode.

use std::time::{SystemTime, UNIX_EPOCH};

use nsca::CheckResult;
use serde_json::{Map, Value, json};

/// The Icinga 2 object a result is for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    /// `"type": "Host", "host": name`.
    Host(String),
    /// `"type": "Service", "service": "host!service"`.
    Service(String),
}

impl Target {
    /// The object a result is for (names cut at their first line feed, like the command file).
    pub fn of(check: &CheckResult) -> Self {
        let host = String::from_utf8_lossy(first_line(check.host_name())).into_owned();
        match check
            .service_description()
            .map(first_line)
            .filter(|s| !s.is_empty())
        {
            Some(service) => Self::Service(format!("{host}!{}", String::from_utf8_lossy(service))),
            None => Self::Host(host),
        }
    }

    /// The object's full name (`host` or `host!service`).
    pub fn name(&self) -> &str {
        match self {
            Self::Host(name) | Self::Service(name) => name,
        }
    }

    /// `host` or `service`, for log lines.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Host(_) => "host",
            Self::Service(_) => "service",
        }
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} '{}'", self.kind(), self.name())
    }
}

/// The `exit_status` for a return code, and whether it had to be changed.
pub fn exit_status(target: &Target, code: i16) -> (i16, bool) {
    let mapped = match target {
        Target::Host(_) => i16::from(code != 0),
        Target::Service(_) if (0..=3).contains(&code) => code,
        Target::Service(_) => 3,
    };
    (mapped, mapped != code)
}

/// The JSON body for one result.
pub fn body(check: &CheckResult, received_at: SystemTime, check_source: &str) -> Value {
    let target = Target::of(check);
    let (status, _) = exit_status(&target, check.return_code().0);
    let parts = nsca::plugin_output::split(check.output());
    let time = received_at.duration_since(UNIX_EPOCH).map_or(0.0, |d| {
        d.as_secs() as f64 + f64::from(d.subsec_micros()) / 1e6
    });
    let mut map = Map::new();
    match &target {
        Target::Host(name) => {
            map.insert("type".into(), json!("Host"));
            map.insert("host".into(), json!(name));
        }
        Target::Service(name) => {
            map.insert("type".into(), json!("Service"));
            map.insert("service".into(), json!(name));
        }
    }
    map.insert("exit_status".into(), json!(status));
    map.insert("plugin_output".into(), json!(parts.text()));
    if !parts.perfdata.is_empty() {
        map.insert("performance_data".into(), json!(parts.perfdata));
    }
    map.insert("check_source".into(), json!(check_source));
    map.insert("execution_start".into(), json!(time));
    map.insert("execution_end".into(), json!(time));
    Value::Object(map)
}

fn first_line(field: &[u8]) -> &[u8] {
    field.split(|&b| b == b'\n').next().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn at(secs: u64, micros: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs) + Duration::from_micros(micros)
    }

    #[test]
    fn service_result() {
        let check = CheckResult::service("web1", "HTTP", 2, "HTTP CRITICAL - x | time=1s;2;3");
        assert_eq!(
            body(&check, at(1_700_000_000, 250_000), "nsca-gw"),
            json!({
                "type": "Service",
                "service": "web1!HTTP",
                "exit_status": 2,
                "plugin_output": "HTTP CRITICAL - x",
                "performance_data": ["time=1s;2;3"],
                "check_source": "nsca-gw",
                "execution_start": 1_700_000_000.25,
                "execution_end": 1_700_000_000.25,
            })
        );
    }

    #[test]
    fn host_results_map_every_non_zero_code_to_down() {
        for (code, expected) in [(0, 0), (1, 1), (2, 1), (3, 1), (7, 1), (-1, 1)] {
            let check = CheckResult::host("db1", code, "PING");
            let value = body(&check, at(1, 0), "gw");
            assert_eq!(value["type"], "Host");
            assert_eq!(value["host"], "db1");
            assert_eq!(value["exit_status"], expected, "code {code}");
            assert!(value.get("service").is_none());
            assert!(value.get("performance_data").is_none());
            let target = Target::of(&check);
            assert_eq!(exit_status(&target, code).1, code != expected);
        }
    }

    #[test]
    fn service_codes_outside_nagios_range_are_unknown() {
        for (code, expected) in [(0, 0), (1, 1), (2, 2), (3, 3), (4, 3), (255, 3), (-1, 3)] {
            let check = CheckResult::service("h", "s", code, "x");
            assert_eq!(
                body(&check, at(1, 0), "gw")["exit_status"],
                expected,
                "{code}"
            );
        }
    }

    #[test]
    fn long_output_and_perfdata_with_quoted_labels() {
        let output = "DISK WARNING - /var at 81% | '/var log'=81%;80;90 /=2%\n\
                      /var/log is filling up\nsee df | inodes=5%\n'disk /home'=3%;80;90\n";
        let check = CheckResult::service("h", "disk", 1, output);
        let value = body(&check, at(5, 0), "gw");
        assert_eq!(
            value["plugin_output"],
            "DISK WARNING - /var at 81%\n/var/log is filling up\nsee df "
        );
        assert_eq!(
            value["performance_data"],
            json!([
                "'/var log'=81%;80;90",
                "/=2%",
                "inodes=5%",
                "'disk /home'=3%;80;90"
            ])
        );
    }

    #[test]
    fn names_are_cut_at_line_feeds_and_an_empty_service_is_a_host_result() {
        let check = CheckResult::service("web1\nx", "HTTP\nextra", 0, "ok");
        assert_eq!(Target::of(&check), Target::Service("web1!HTTP".into()));
        let check = CheckResult::service("web1", "\nextra", 0, "ok");
        assert_eq!(Target::of(&check), Target::Host("web1".into()));
        assert_eq!(body(&check, at(1, 0), "gw")["type"], "Host");
    }

    #[test]
    fn utf8_kept_and_invalid_bytes_replaced() {
        let check = CheckResult::service("hôte", "Dienst", 0, "Température 21 °C | t=21");
        let value = body(&check, at(1, 0), "gw");
        assert_eq!(value["service"], "hôte!Dienst");
        assert_eq!(value["plugin_output"], "Température 21 °C");
        let check = CheckResult::service(b"h\xff".to_vec(), "s", 0, b"bad \xfe byte".to_vec());
        let value = body(&check, at(1, 0), "gw");
        assert_eq!(value["service"], "h\u{fffd}!s");
        assert_eq!(value["plugin_output"], "bad \u{fffd} byte");
    }

    #[test]
    fn empty_output_is_sent_as_empty_text() {
        let check = CheckResult::service("h", "s", 0, "");
        let value = body(&check, at(1, 0), "gw");
        assert_eq!(value["plugin_output"], "");
        assert!(value.get("performance_data").is_none());
    }
}
