//! Every libmcrypt method against the real NSCA 2.10.2 programs (Debian's build with libmcrypt
//! 2.5.8), in both directions:
//! - our blocking client sends several 4304-byte packets on one connection, then 720-byte
//!   packets, host and service checks, to the real daemon, and the command file must hold
//!   exactly the expected lines;
//! - the real `send_nsca` sends several packets on one connection to our receiver, in both packet
//!   sizes, and we must decode exactly what it was given.
//!
//! The password differs from method to method so that, across the methods, it is empty, shorter
//! than, as long as and longer than the key.

use std::sync::mpsc;
use std::time::Duration;

use nsca::blocking::{Client, ClientConfig, Receiver, ReceiverConfig};
use nsca::{CheckResult, EncryptionMethod, PacketSize, command_line};
use nsca_tests::{C_SEND_NSCA, Daemon, DaemonConfig, TempDir, c_send_nsca, client_config};

const WAIT: Duration = Duration::from_secs(15);

/// A password for `method`: empty, short, exactly the key length, or longer than the key,
/// depending on the method. Printable, no spaces at the ends, nothing a config parser treats
/// specially.
fn password(method: EncryptionMethod) -> String {
    let key = method.key_len();
    let pattern = |n: usize| -> String {
        (0..n)
            .map(|i| {
                char::from(b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"[i % 57])
            })
            .collect()
    };
    match method.number() % 4 {
        0 => String::new(),
        1 => "s3cret pw".to_owned(),
        2 => pattern(key),
        _ => pattern(key + 9),
    }
}

fn method(number: u8) -> EncryptionMethod {
    EncryptionMethod::from_number(number.into()).unwrap()
}

/// The standard-size checks, sent on one connection. With these ciphers our client sends the
/// filler as drawn and patches the CRC in the last 4 bytes, which an output of up to 4093 bytes
/// leaves free; the longest outputs (4094, 4095) are encrypted the plain way.
fn standard_checks() -> Vec<CheckResult> {
    vec![
        CheckResult::service("web1", "HTTP", 0, "HTTP OK - 0.002 s | time=0.002s"),
        CheckResult::host("db1", 1, "PING WARNING - packet loss 20%"),
        CheckResult::service("h".repeat(63), "s".repeat(127), 3, "o".repeat(4095)),
        CheckResult::service("web1", "Disk /", 2, "line1\nline2 back\\slash; semi|pipe"),
        CheckResult::service("web2", "Boundary", 1, "b".repeat(4093)),
        CheckResult::host("db2", 0, "PING OK"),
        CheckResult::host("db3", 2, "c".repeat(4094)),
    ]
}

/// Legacy-size checks. The 2.10 daemon reads a 720-byte packet only as the last thing before the
/// client closes, so each goes on its own connection. 509 bytes of output is the longest that
/// leaves the last 4 bytes to the CRC patch.
fn legacy_checks() -> Vec<CheckResult> {
    vec![
        CheckResult::service("leg", "legacy svc", 1, "l".repeat(511)),
        CheckResult::host("leghost", 2, "legacy host down"),
        CheckResult::host("leghost2", 0, "m".repeat(509)),
    ]
}

/// The command-file line for `check`, without the timestamp.
fn expected(check: &CheckResult) -> String {
    let line = String::from_utf8(command_line(check, 0)).unwrap();
    line.strip_prefix("[0] ").unwrap().to_owned()
}

fn client_config_for(method: EncryptionMethod, password: &str, size: PacketSize) -> ClientConfig {
    ClientConfig {
        method,
        password: password.into(),
        packet_size: size,
        ..ClientConfig::default()
    }
}

/// Our client to the real daemon.
fn our_client_to_daemon(number: u8) {
    our_client_to_daemon_with(number, &password(method(number)));
}

fn our_client_to_daemon_with(number: u8, pw: &str) {
    let m = method(number);
    let Some(daemon) = Daemon::start(&DaemonConfig::new(number, pw)) else {
        return;
    };
    let mut want = Vec::new();

    let standard = standard_checks();
    let config = client_config_for(m, pw, PacketSize::Standard);
    let mut client = Client::connect_addrs(&[daemon.addr()], &config).unwrap();
    assert_eq!(client.send_all(&standard).unwrap(), standard.len() as u64);
    assert_eq!(client.finish().unwrap(), standard.len() as u64);
    want.extend(standard.iter().map(expected));
    assert_eq!(
        daemon.wait_for_commands(want.len(), WAIT),
        want,
        "{m}: standard packets, one connection"
    );

    let config = client_config_for(m, pw, PacketSize::Legacy);
    for check in legacy_checks() {
        let mut client = Client::connect_addrs(&[daemon.addr()], &config).unwrap();
        client.send(&check).unwrap();
        client.finish().unwrap();
        want.push(expected(&check));
        assert_eq!(
            daemon.wait_for_commands(want.len(), WAIT),
            want,
            "{m}: legacy packet"
        );
    }
    // Nothing else was written (a wrongly decrypted packet is dropped, not written).
    assert_eq!(daemon.lines().len(), want.len(), "{m}");
    daemon.stop();
}

/// Input for `send_nsca`: several checks, separated by ETB so that one line can hold a newline.
const C_INPUT: &[u8] =
    b"h1\ts1\t0\tout1\x17h2\t2\thost down\x17h3\ts3\t1\tline1\nline2 back\\slash\x17\
h4\ts4\t3\tfourth | perf=1\x17";

fn c_expected() -> Vec<String> {
    [
        "PROCESS_SERVICE_CHECK_RESULT;h1;s1;0;out1",
        "PROCESS_HOST_CHECK_RESULT;h2;2;host down",
        "PROCESS_SERVICE_CHECK_RESULT;h3;s3;1;line1\\nline2 back\\\\slash",
        "PROCESS_SERVICE_CHECK_RESULT;h4;s4;3;fourth | perf=1",
    ]
    .map(str::to_owned)
    .to_vec()
}

/// The real `send_nsca` to our receiver, in one connection; `legacy` sends 720-byte packets.
fn c_client_to_our_receiver(number: u8, legacy: bool) {
    c_client_to_our_receiver_with(number, &password(method(number)), legacy);
}

fn c_client_to_our_receiver_with(number: u8, pw: &str, legacy: bool) {
    if nsca_tests::real_program(C_SEND_NSCA, "send_nsca").is_none() {
        return;
    }
    let m = method(number);
    let config = ReceiverConfig {
        method: m,
        password: pw.into(),
        ..ReceiverConfig::default()
    };
    let receiver = Receiver::bind("127.0.0.1:0", config).unwrap();
    let port = receiver.local_addr().unwrap().port().to_string();
    let (tx, rx) = mpsc::channel();
    let running = receiver.spawn(move |received| {
        let _ = tx.send(received.result.map(|p| (p.size, command_line(&p.check, 0))));
    });
    let dir = TempDir::new("c-client-cipher").unwrap();
    let cfg = client_config(dir.path(), number, pw);
    let cfg = cfg.to_str().unwrap();
    let mut args = vec!["-H", "127.0.0.1", "-p", &port, "-c", cfg];
    if legacy {
        args.push("--legacy-2-7-mode");
    }
    let out = c_send_nsca(&args, C_INPUT).expect("send_nsca is installed");
    assert!(out.status.success(), "{m}: send_nsca failed: {out:?}");
    let size = if legacy {
        PacketSize::Legacy
    } else {
        PacketSize::Standard
    };
    let mut lines = Vec::new();
    while lines.len() < c_expected().len() {
        let Ok(item) = rx.recv_timeout(WAIT) else {
            break;
        };
        let (got_size, line) = item.unwrap_or_else(|e| panic!("{m}: decode error {e}"));
        assert_eq!(got_size, size, "{m}");
        let line = String::from_utf8(line).unwrap();
        lines.push(line.strip_prefix("[0] ").unwrap().to_owned());
    }
    // And nothing more.
    assert!(rx.recv_timeout(Duration::from_millis(200)).is_err(), "{m}");
    running.shutdown();
    assert_eq!(lines, c_expected(), "{m}, legacy={legacy}");
}

macro_rules! methods {
    ($($name:ident = $number:literal),* $(,)?) => {$(
        mod $name {
            #[test]
            fn our_client_to_the_real_daemon() {
                super::our_client_to_daemon($number);
            }

            #[test]
            fn real_send_nsca_to_our_receiver() {
                super::c_client_to_our_receiver($number, false);
            }

            #[test]
            fn real_send_nsca_legacy_to_our_receiver() {
                super::c_client_to_our_receiver($number, true);
            }
        }
    )*};
}

methods! {
    des = 2,
    tripledes = 3,
    cast128 = 4,
    cast256 = 5,
    xtea = 6,
    blowfish = 8,
    twofish = 9,
    loki97 = 10,
    rc2 = 11,
    rijndael128 = 14,
    rijndael192 = 15,
    rijndael256 = 16,
    serpent = 20,
    gost = 23,
    saferplus = 26,
}

/// Triple DES with keys whose passes cancel, which this crate runs as one DES pass: a password of
/// 8 bytes or fewer (K2 = K3 = 0), and K1 = K2 but for the parity bits (`a` 0x61 and `` ` `` 0x60,
/// `b` 0x62 and `c` 0x63, ...), so Triple DES is DES with K3.
mod tripledes_one_pass {
    const SHORT: &str = "8bytepw!";
    const K1_IS_K2: &str = "abcdefgh`cbedgfiXYZ12345";

    #[test]
    fn our_client_to_the_real_daemon() {
        super::our_client_to_daemon_with(3, SHORT);
        super::our_client_to_daemon_with(3, K1_IS_K2);
    }

    #[test]
    fn real_send_nsca_to_our_receiver() {
        super::c_client_to_our_receiver_with(3, SHORT, false);
        super::c_client_to_our_receiver_with(3, K1_IS_K2, true);
    }
}

#[test]
fn passwords_cover_every_length_class() {
    let numbers = [2u8, 3, 4, 5, 6, 8, 9, 10, 11, 14, 15, 16, 20, 23, 26];
    let mut classes = [false; 4];
    for n in numbers {
        let m = method(n);
        let len = password(m).len();
        let class = match len {
            0 => 0,
            l if l < m.key_len() => 1,
            l if l == m.key_len() => 2,
            _ => 3,
        };
        classes[class] = true;
    }
    assert_eq!(classes, [true; 4]);
}
