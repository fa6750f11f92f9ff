//! The ceiling for the Icinga 2 benchmark (`bench/compare-icinga2.sh`): the same results the
//! NSCA load generator sends, posted straight to Icinga 2's API by a minimal client: the
//! daemon's own HTTPS client and JSON mapping, `CONNECTIONS` requests in flight over keep-alive
//! connections, no NSCA and no queue in between.
//!
//!     icinga2_post URL CA_FILE USER PASSWORD RESULTS HOSTS CONNECTIONS
//!
//! Result `seq` goes to service `load` of host `host{seq % HOSTS:03}` with the output
//! `LOAD OK - seq=N | value=N` (as `nsca_load` writes it); worker `w` posts the hosts with
//! `index % CONNECTIONS == w`, so that each object gets its results in order. Prints the
//! results posted, the seconds it took, and how many answers of each kind came back.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use hyper::body::Bytes;
use nsca::CheckResult;
use nsca_daemon::config::Icinga2Config;
use nsca_daemon::sink::icinga2::api::{Api, Outcome};
use nsca_daemon::sink::icinga2::mapping;

fn arg<T: std::str::FromStr>(args: &[String], i: usize, what: &str) -> T {
    args.get(i)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("argument {i}: {what}"))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let url: String = arg(&args, 1, "URL");
    let ca: String = arg(&args, 2, "CA_FILE");
    let user: String = arg(&args, 3, "USER");
    let password: String = arg(&args, 4, "PASSWORD");
    let results: u64 = arg(&args, 5, "RESULTS");
    let hosts: u64 = arg::<u64>(&args, 6, "HOSTS").max(1);
    let connections: u64 = arg::<u64>(&args, 7, "CONNECTIONS").max(1);
    let config = Icinga2Config {
        api_url: Some(url),
        api_user: Some(user),
        api_password: Some(password),
        api_ca_file: Some(ca.into()),
        check_source: Some("icinga2_post".to_owned()),
        api_connections: connections as usize,
        ..Icinga2Config::default()
    };
    let api = Arc::new(Api::new(&config).unwrap_or_else(|e| panic!("{e}")));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let start = Instant::now();
    let outcomes = runtime.block_on(async move {
        let mut tasks = Vec::new();
        for worker in 0..connections {
            let api = Arc::clone(&api);
            tasks.push(tokio::spawn(async move {
                let mut outcomes: BTreeMap<String, u64> = BTreeMap::new();
                for seq in (0..results).filter(|s| (s % hosts) % connections == worker) {
                    let check = CheckResult::service(
                        format!("host{:03}", seq % hosts),
                        "load",
                        (seq % 4) as i16,
                        format!("LOAD OK - seq={seq} | value={seq}"),
                    );
                    let body = mapping::body(&check, SystemTime::now(), api.check_source());
                    let outcome = api.post(Bytes::from(body.to_string())).await;
                    let kind = match outcome {
                        Outcome::Delivered => "200".to_owned(),
                        other => format!("{other:?}"),
                    };
                    *outcomes.entry(kind).or_default() += 1;
                }
                outcomes
            }));
        }
        let mut all: BTreeMap<String, u64> = BTreeMap::new();
        for task in tasks {
            for (kind, n) in task.await.unwrap_or_default() {
                *all.entry(kind).or_default() += n;
            }
        }
        all
    });
    println!(
        "{results} {:.3} {}",
        start.elapsed().as_secs_f64(),
        outcomes
            .iter()
            .map(|(k, n)| format!("{k}={n}"))
            .collect::<Vec<_>>()
            .join(",")
    );
}
