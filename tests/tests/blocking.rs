//! The blocking client and receiver over loopback, including peers that misbehave.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use nsca::blocking::{Client, ClientConfig, Receiver, ReceiverConfig};
use nsca::{CheckResult, DecodeError, EncryptionMethod, Error, InitPacket, PacketSize};
use nsca_tests::ipv6_available;

fn xor(password: &str) -> (ClientConfig, ReceiverConfig) {
    (
        ClientConfig {
            password: password.into(),
            connect_timeout: Duration::from_secs(2),
            io_timeout: Duration::from_secs(2),
            ..ClientConfig::default()
        },
        ReceiverConfig {
            password: password.into(),
            read_timeout: Duration::from_secs(2),
            ..ReceiverConfig::default()
        },
    )
}

fn many(n: usize) -> Vec<CheckResult> {
    (0..n)
        .map(|i| {
            CheckResult::service(
                format!("host{i}"),
                "svc",
                (i % 4) as i16,
                format!("out {i}"),
            )
        })
        .collect()
}

/// Sends `checks` from a client to a spawned receiver on `bind`, returns what it decoded.
fn round_trip(bind: &str, size: PacketSize, checks: &[CheckResult]) -> Vec<CheckResult> {
    let (mut client_config, receiver_config) = xor("pw");
    client_config.packet_size = size;
    let receiver = Receiver::bind(bind, receiver_config).unwrap();
    let addr = receiver.local_addr().unwrap();
    let (tx, rx) = mpsc::channel();
    let running = receiver.spawn(move |r| tx.send(r.result.map(|p| p.check)).unwrap());
    let mut client = Client::connect_addrs(&[addr], &client_config).unwrap();
    assert_eq!(client.send_all(checks).unwrap(), checks.len() as u64);
    client.finish().unwrap();
    let got: Vec<_> = (0..checks.len())
        .map(|_| rx.recv_timeout(Duration::from_secs(5)).unwrap().unwrap())
        .collect();
    running.shutdown();
    got
}

#[test]
fn ipv4_many_packets_both_sizes() {
    let checks = many(1000);
    assert_eq!(
        round_trip("127.0.0.1:0", PacketSize::Standard, &checks),
        checks
    );
    assert_eq!(
        round_trip("127.0.0.1:0", PacketSize::Legacy, &checks),
        checks
    );
}

#[test]
fn ipv6() {
    if !ipv6_available() {
        eprintln!("SKIPPED: no IPv6 loopback");
        return;
    }
    let checks = many(10);
    assert_eq!(round_trip("[::1]:0", PacketSize::Standard, &checks), checks);
}

/// `localhost` may resolve to ::1 first; with the receiver only on 127.0.0.1 the client must go
/// on to the next address.
#[test]
fn tries_every_resolved_address() {
    let (client_config, receiver_config) = xor("");
    let receiver = Receiver::bind("127.0.0.1:0", receiver_config).unwrap();
    let port = receiver.local_addr().unwrap().port();
    let (tx, rx) = mpsc::channel();
    let running = receiver.spawn(move |r| tx.send(r.result.map(|p| p.check)).unwrap());
    let addrs = [
        SocketAddr::from((
            [127, 0, 0, 1],
            nsca_tests::free_port("127.0.0.1".parse().unwrap()),
        )),
        SocketAddr::from(([127, 0, 0, 1], port)),
    ];
    let mut client = Client::connect_addrs(&addrs, &client_config).unwrap();
    client
        .send(&CheckResult::host("h", 0, "second address"))
        .unwrap();
    client.finish().unwrap();
    let got = rx.recv_timeout(Duration::from_secs(5)).unwrap().unwrap();
    assert_eq!(got.output(), b"second address");
    running.shutdown();
}

#[test]
fn connection_refused_names_each_attempt() {
    let port = nsca_tests::free_port("127.0.0.1".parse().unwrap());
    let (config, _) = xor("");
    let err = Client::connect("127.0.0.1", port, &config).unwrap_err();
    match err {
        Error::Connect { attempts } => {
            assert_eq!(attempts.len(), 1);
            assert_eq!(attempts[0].0.port(), port);
            assert_eq!(attempts[0].1.kind(), std::io::ErrorKind::ConnectionRefused);
        }
        other => panic!("expected Connect, got {other:?}"),
    }
}

/// A fake server on loopback that runs `behave` on its one connection.
fn fake_server(behave: impl FnOnce(TcpStream) + Send + 'static) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || {
        if let Ok((stream, _)) = listener.accept() {
            behave(stream);
        }
    });
    addr
}

#[test]
fn server_that_never_sends_the_init_packet_times_out() {
    let (tx, rx) = mpsc::channel::<()>();
    let addr = fake_server(move |stream| {
        let _ = rx.recv_timeout(Duration::from_secs(5));
        drop(stream);
    });
    let config = ClientConfig {
        io_timeout: Duration::from_millis(300),
        ..ClientConfig::default()
    };
    let start = Instant::now();
    let err = Client::connect_addrs(&[addr], &config).unwrap_err();
    assert!(
        matches!(err, Error::InitTimeout(d) if d == Duration::from_millis(300)),
        "{err:?}"
    );
    assert!(start.elapsed() < Duration::from_secs(3));
    tx.send(()).unwrap();
}

#[test]
fn server_that_closes_early() {
    let addr = fake_server(|mut stream| {
        stream.write_all(&[0u8; 10]).unwrap();
    });
    let (config, _) = xor("");
    let err = Client::connect_addrs(&[addr], &config).unwrap_err();
    assert!(matches!(err, Error::InitClosed { received: 10 }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "server closed the connection after 10 of the init packet's 132 bytes"
    );
}

#[test]
fn server_that_resets_mid_stream() {
    let addr = fake_server(|mut stream| {
        let init = InitPacket {
            iv: [1; 128],
            timestamp: 5,
        };
        stream.write_all(&init.encode()).unwrap();
        // Read one packet, then close with data unread: the kernel answers with a reset.
        let mut buf = vec![0u8; 4304];
        stream.read_exact(&mut buf).unwrap();
        thread::sleep(Duration::from_millis(50));
    });
    let (config, _) = xor("");
    let mut client = Client::connect_addrs(&[addr], &config).unwrap();
    let checks = many(5000);
    let mut result = Ok(0);
    for batch in checks.chunks(100) {
        result = client.send_all(batch);
        if result.is_err() {
            break;
        }
        thread::sleep(Duration::from_millis(5));
    }
    match result {
        Err(Error::Send {
            packets_written,
            source,
        }) => {
            assert!((1..5000).contains(&packets_written), "{packets_written}");
            assert_eq!(packets_written, client.packets_written());
            assert!(
                matches!(
                    source.kind(),
                    std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::ConnectionReset
                ),
                "{source:?}"
            );
        }
        other => panic!("expected a send error, got {other:?}"),
    }
}

#[test]
fn receiver_reports_a_packet_cut_short() {
    let (_, receiver_config) = xor("");
    let mut receiver = Receiver::bind("127.0.0.1:0", receiver_config).unwrap();
    let addr = receiver.local_addr().unwrap();
    let client = thread::spawn(move || {
        let mut s = TcpStream::connect(addr).unwrap();
        let mut init = [0u8; 132];
        s.read_exact(&mut init).unwrap();
        s.write_all(&[0u8; 1000]).unwrap();
    });
    let mut conn = receiver.accept().unwrap();
    let err = conn.next().unwrap().unwrap_err();
    assert!(
        matches!(
            err,
            Error::Decode(DecodeError::TruncatedStream {
                received: 1000,
                expected: Some(4304)
            })
        ),
        "{err:?}"
    );
    assert!(conn.next().is_none());
    client.join().unwrap();
}

#[test]
fn receiver_times_out_a_silent_client() {
    let receiver_config = ReceiverConfig {
        read_timeout: Duration::from_millis(200),
        ..ReceiverConfig::default()
    };
    let mut receiver = Receiver::bind("127.0.0.1:0", receiver_config).unwrap();
    let addr = receiver.local_addr().unwrap();
    let client = TcpStream::connect(addr).unwrap();
    let mut conn = receiver.accept().unwrap();
    let err = conn.next().unwrap().unwrap_err();
    assert!(matches!(err, Error::ReadTimeout { .. }), "{err:?}");
    drop(client);
}

#[test]
fn receiver_sees_a_client_reset() {
    let (_, receiver_config) = xor("");
    let mut receiver = Receiver::bind("127.0.0.1:0", receiver_config).unwrap();
    let addr = receiver.local_addr().unwrap();
    let client = thread::spawn(move || {
        let mut s = TcpStream::connect(addr).unwrap();
        // Leave the init packet unread and close: the kernel sends a reset.
        thread::sleep(Duration::from_millis(100));
        s.write_all(&[0u8; 100]).unwrap();
        drop(s);
    });
    let mut conn = receiver.accept().unwrap();
    let item = conn.next().unwrap();
    let err = item.unwrap_err();
    // Either the reset is seen, or (if the 100 bytes and the EOF arrive first) a cut packet.
    assert!(
        matches!(
            err,
            Error::Io { .. } | Error::Decode(DecodeError::TruncatedStream { .. })
        ),
        "{err:?}"
    );
    client.join().unwrap();
}

#[test]
fn receiver_rejects_a_method_it_cannot_run() {
    let config = ReceiverConfig {
        method: EncryptionMethod::Arcfour,
        ..ReceiverConfig::default()
    };
    let err = Receiver::bind("127.0.0.1:0", config).unwrap_err();
    assert!(err.to_string().contains("stream cipher"), "{err}");
}
