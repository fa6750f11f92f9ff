//! The tokio shell: async client, sender handle, receiver and codecs, over loopback, against
//! each other, against misbehaving peers, and against the real NSCA daemon.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::BytesMut;
use nsca::tokio::{
    Client, ClientCodec, ClientConfig, Receiver, ReceiverConfig, Sender, SenderConfig, ServerCodec,
    TrySendError,
};
use nsca::{
    CheckResult, ClientSession, EncryptionMethod, Error, InitPacket, PacketSize, ServerSession,
};
use nsca_tests::{Daemon, DaemonConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::time::timeout;
use tokio_util::codec::{Decoder, Encoder};

const LIMIT: Duration = Duration::from_secs(20);

fn configs(method: EncryptionMethod, password: &str) -> (ClientConfig, ReceiverConfig) {
    (
        ClientConfig {
            method,
            password: password.into(),
            connect_timeout: Duration::from_secs(3),
            io_timeout: Duration::from_secs(3),
            ..ClientConfig::default()
        },
        ReceiverConfig {
            method,
            password: password.into(),
            read_timeout: Duration::from_secs(3),
            max_connections: 2000,
            max_packet_age: 0,
        },
    )
}

fn numbered(n: usize) -> Vec<CheckResult> {
    (0..n)
        .map(|i| {
            CheckResult::service(
                format!("host{}", i % 7),
                "svc",
                (i % 4) as i16,
                i.to_string(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_to_receiver_many_packets_both_sizes() {
    for size in [PacketSize::Standard, PacketSize::Legacy] {
        let (mut client_config, receiver_config) = configs(EncryptionMethod::Xor, "pw");
        client_config.packet_size = size;
        let receiver = Receiver::bind("127.0.0.1:0", receiver_config)
            .await
            .unwrap();
        let addr = receiver.local_addr().unwrap();
        let mut incoming = receiver.incoming(64);
        let checks = numbered(2000);
        let sent = checks.clone();
        let client = tokio::spawn(async move {
            let mut client = Client::connect_addrs(&[addr], &client_config)
                .await
                .unwrap();
            assert_eq!(client.send_all(&sent).await.unwrap(), 2000);
            client.finish().await.unwrap();
        });
        for expected in &checks {
            let got = timeout(LIMIT, incoming.next()).await.unwrap().unwrap();
            assert_eq!(&got.result.unwrap().check, expected);
        }
        client.await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sender_delivers_everything_in_order() {
    let (client_config, receiver_config) = configs(EncryptionMethod::Xor, "s");
    let receiver = Receiver::bind("127.0.0.1:0", receiver_config)
        .await
        .unwrap();
    let port = receiver.local_addr().unwrap().port();
    let mut incoming = receiver.incoming(1024);
    let (sender, task) = Sender::spawn(SenderConfig::new("127.0.0.1", port, client_config));
    let checks = numbered(5000);
    let consumer = tokio::spawn(async move {
        let mut got = Vec::new();
        while got.len() < 5000 {
            let r = timeout(LIMIT, incoming.next()).await.unwrap().unwrap();
            got.push(r.result.unwrap().check);
        }
        got
    });
    let mut deliveries = Vec::new();
    for c in &checks {
        deliveries.push(sender.send(c.clone()).await.unwrap());
    }
    drop(sender);
    // One connection, never interrupted: the order is kept.
    assert_eq!(consumer.await.unwrap(), checks);
    for d in deliveries {
        d.await.unwrap();
    }
    timeout(LIMIT, task).await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sender_rejects_a_result_that_cannot_be_encoded_and_goes_on() {
    let (client_config, receiver_config) = configs(EncryptionMethod::Xor, "");
    let receiver = Receiver::bind("127.0.0.1:0", receiver_config)
        .await
        .unwrap();
    let port = receiver.local_addr().unwrap().port();
    let mut incoming = receiver.incoming(16);
    let (sender, _task) = Sender::spawn(SenderConfig::new("127.0.0.1", port, client_config));
    let bad = sender
        .send(CheckResult::host("h".repeat(64), 0, "x"))
        .await
        .unwrap();
    let good = sender
        .send(CheckResult::host("ok", 0, "fine"))
        .await
        .unwrap();
    let err = bad.await.unwrap_err();
    assert!(
        matches!(*err, Error::Encode(nsca::EncodeError::FieldTooLong { .. })),
        "{err:?}"
    );
    good.await.unwrap();
    let got = timeout(LIMIT, incoming.next()).await.unwrap().unwrap();
    assert_eq!(got.result.unwrap().check.host_name(), b"ok");
}

/// A fake server that reads `keep` packets from its first connection and closes it, then reads
/// everything from later connections. Returns its port and the check results it decoded.
async fn flaky_server(keep: usize) -> (u16, tokio::sync::mpsc::UnboundedReceiver<CheckResult>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut first = true;
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            let limit = if first { keep } else { usize::MAX };
            first = false;
            let tx = tx.clone();
            tokio::spawn(async move {
                let init = InitPacket {
                    iv: [9; 128],
                    timestamp: 1,
                };
                stream.write_all(&init.encode()).await.unwrap();
                let mut session = ServerSession::new(init, EncryptionMethod::Xor, b"").unwrap();
                let mut buf = BytesMut::new();
                let mut n = 0;
                while n < limit {
                    match stream.read_buf(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(_) => {}
                    }
                    while n < limit {
                        match session.decode(&mut buf) {
                            Ok(Some(p)) => {
                                tx.send(p.check).unwrap();
                                n += 1;
                            }
                            _ => break,
                        }
                    }
                }
                // Dropping the stream with unread data makes the kernel send a reset.
            });
        }
    });
    (port, rx)
}

/// The server closes the connection in the middle of a batch. Every result the server decoded
/// was reported as written, none was received twice, and the sender goes on (reconnecting) for
/// the results that were not written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_closes_mid_batch() {
    let (port, mut received) = flaky_server(10).await;
    let (client_config, _) = configs(EncryptionMethod::Xor, "");
    let config = SenderConfig {
        max_batch: 64,
        ..SenderConfig::new("127.0.0.1", port, client_config)
    };
    let (sender, task) = Sender::spawn(config);
    let mut deliveries = Vec::new();
    for c in numbered(3000) {
        deliveries.push(sender.send(c).await.unwrap());
    }
    drop(sender);
    timeout(LIMIT, task).await.unwrap().unwrap();
    let mut ok = HashSet::new();
    for (i, d) in deliveries.into_iter().enumerate() {
        if d.await.is_ok() {
            ok.insert(i.to_string().into_bytes());
        }
    }
    let mut seen = HashSet::new();
    while let Ok(Some(check)) = timeout(Duration::from_millis(500), received.recv()).await {
        let id = check.output().to_vec();
        assert!(
            ok.contains(&id),
            "received a result not reported as written"
        );
        assert!(seen.insert(id), "a result was received twice");
    }
    // The first connection carried 10; the rest went over reconnects.
    assert!(seen.len() > 10, "only {} results got through", seen.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_that_never_sends_the_init_packet() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            held.push(s);
        }
    });
    let config = ClientConfig {
        io_timeout: Duration::from_millis(200),
        ..ClientConfig::default()
    };
    let err = Client::connect_addrs(&[addr], &config).await.unwrap_err();
    assert!(matches!(err, Error::InitTimeout(_)), "{err:?}");
    // The sender gives up after its attempts and says why, for every result of the batch.
    let sender_config = SenderConfig {
        attempts: 2,
        backoff: Duration::from_millis(10),
        ..SenderConfig::new("127.0.0.1", addr.port(), config)
    };
    let (sender, _task) = Sender::spawn(sender_config);
    let d = sender.send(CheckResult::host("h", 0, "x")).await.unwrap();
    let err = timeout(LIMIT, d).await.unwrap().unwrap_err();
    assert!(matches!(*err, Error::InitTimeout(_)), "{err:?}");
    hold.abort();
}

/// A server that sends the init packet and then never reads: the socket buffers fill, the
/// sender's writes block, the queue fills, and `try_send` refuses instead of growing memory.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backpressure_holds_against_a_slow_reader() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let hold = tokio::spawn(async move {
        let (mut s, _) = listener.accept().await.unwrap();
        s.write_all(
            &InitPacket {
                iv: [0; 128],
                timestamp: 0,
            }
            .encode(),
        )
        .await
        .unwrap();
        tokio::time::sleep(Duration::from_secs(30)).await;
        drop(s);
    });
    let (mut client_config, _) = configs(EncryptionMethod::Xor, "");
    client_config.io_timeout = Duration::from_secs(30);
    let config = SenderConfig {
        queue: 16,
        max_batch: 16,
        ..SenderConfig::new("127.0.0.1", port, client_config)
    };
    let (sender, task) = Sender::spawn(config);
    let mut accepted = 0usize;
    let mut full = false;
    for c in numbered(100_000) {
        match sender.try_send(c) {
            Ok(_) => accepted += 1,
            Err(TrySendError::Full(_)) => {
                // Let the writer make progress; stop once it is stuck for good.
                tokio::time::sleep(Duration::from_millis(2)).await;
                if sender.try_send(CheckResult::host("probe", 0, "x")).is_err() {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    if sender.try_send(CheckResult::host("probe", 0, "x")).is_err() {
                        full = true;
                        break;
                    }
                }
            }
            Err(e) => panic!("sender stopped: {e}"),
        }
    }
    assert!(full, "the queue never filled");
    // Loopback socket buffers hold a few MB; everything else waits in the 16-slot queue.
    assert!(
        accepted < 5_000,
        "{accepted} results accepted by a server that reads nothing"
    );
    task.abort();
    hold.abort();
}

/// 1,000 clients at once, two results each: nothing lost, nothing corrupted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receiver_under_a_thousand_concurrent_connections() {
    let (mut client_config, mut receiver_config) = configs(EncryptionMethod::Xor, "many");
    // This test is about losing nothing, not about latency: on a loaded 2-core machine the last
    // of 1,000 simultaneous handshakes can take seconds.
    client_config.connect_timeout = Duration::from_secs(30);
    client_config.io_timeout = Duration::from_secs(30);
    receiver_config.read_timeout = Duration::from_secs(30);
    let receiver = Receiver::bind("127.0.0.1:0", receiver_config)
        .await
        .unwrap();
    let addr: SocketAddr = receiver.local_addr().unwrap();
    let mut incoming = receiver.incoming(4096);
    let client_config = Arc::new(client_config);
    let connected = Arc::new(AtomicUsize::new(0));
    let mut clients = Vec::new();
    for i in 0..1000 {
        let config = Arc::clone(&client_config);
        let connected = Arc::clone(&connected);
        clients.push(tokio::spawn(async move {
            let mut client = Client::connect_addrs(&[addr], &config).await.unwrap();
            connected.fetch_add(1, Ordering::SeqCst);
            let pair = [
                CheckResult::service(format!("c{i}"), "a", 0, format!("{i}-a")),
                CheckResult::service(format!("c{i}"), "b", 1, format!("{i}-b")),
            ];
            client.send_all(&pair).await.unwrap();
            client.finish().await.unwrap();
        }));
    }
    let mut seen = HashSet::new();
    while seen.len() < 2000 {
        let got = timeout(Duration::from_secs(60), incoming.next())
            .await
            .unwrap()
            .unwrap();
        let check = got.result.unwrap();
        let out = String::from_utf8(check.check.output().to_vec()).unwrap();
        let (i, part) = out.split_once('-').unwrap();
        assert_eq!(check.check.host_name(), format!("c{i}").as_bytes());
        assert_eq!(check.check.service_description(), Some(part.as_bytes()));
        assert!(seen.insert(out));
    }
    for c in clients {
        c.await.unwrap();
    }
    assert_eq!(connected.load(Ordering::SeqCst), 1000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codecs_frame_a_stream_in_any_chunking() {
    let init = InitPacket {
        iv: [3; 128],
        timestamp: 77,
    };
    let session =
        ClientSession::new(&init, EncryptionMethod::Xor, b"k", PacketSize::Standard).unwrap();
    let mut enc = ClientCodec::new(session);
    let mut wire = BytesMut::new();
    let checks = numbered(5);
    for c in &checks {
        enc.encode(c, &mut wire).unwrap();
    }
    let err = enc
        .encode(&CheckResult::host("", 0, "x"), &mut wire)
        .unwrap_err();
    assert!(matches!(err, Error::Encode(nsca::EncodeError::EmptyHost)));
    assert_eq!(wire.len(), 5 * 4304);
    let mut dec = ServerCodec::new(ServerSession::new(init, EncryptionMethod::Xor, b"k").unwrap());
    let mut input = BytesMut::new();
    let mut got = Vec::new();
    for piece in wire.chunks(1000) {
        input.extend_from_slice(piece);
        while let Some(p) = dec.decode(&mut input).unwrap() {
            got.push(p.check);
        }
    }
    assert!(dec.decode_eof(&mut input).unwrap().is_none());
    assert_eq!(got, checks);
}

/// Many packets per connection to the real daemon, for methods 0, 1 and libmcrypt ones (whose
/// stream runs on across the packets).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_client_to_the_real_daemon() {
    for (method, password) in [
        (0, ""),
        (1, "xor pw"),
        (3, "3des pw"),
        (14, "aes pass"),
        (16, "r256"),
    ] {
        let Some(daemon) = Daemon::start(&DaemonConfig::new(method, password)) else {
            return;
        };
        let m = EncryptionMethod::from_number(method.into()).unwrap();
        let config = ClientConfig {
            method: m,
            password: password.into(),
            ..ClientConfig::default()
        };
        let checks: Vec<_> = (0..20)
            .map(|i| {
                CheckResult::service(
                    "asynchost",
                    format!("svc{i}"),
                    (i % 4) as i16,
                    format!("out {i}"),
                )
            })
            .collect();
        let mut client = match Client::connect_addrs(&[daemon.addr()], &config).await {
            Ok(c) => c,
            Err(Error::Crypto(e)) => panic!("method {method}: {e}"),
            Err(e) => panic!("method {method}: {e}"),
        };
        client.send_all(&checks).await.unwrap();
        client.finish().await.unwrap();
        let lines = daemon.wait_for_commands(20, LIMIT);
        let expected: Vec<String> = (0..20)
            .map(|i| {
                format!(
                    "PROCESS_SERVICE_CHECK_RESULT;asynchost;svc{i};{};out {i}",
                    i % 4
                )
            })
            .collect();
        assert_eq!(lines, expected, "method {method}");
    }
}

/// The daemon drops a connection that stays silent (10 s). A write into such a socket still
/// succeeds locally and the data is lost, so before reusing an idle connection the sender checks
/// whether the server has closed it, and reconnects: the result after the pause arrives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sender_reconnects_after_the_server_closed_an_idle_connection() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, mut received) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut connection = 0;
        while let Ok((mut stream, _)) = listener.accept().await {
            connection += 1;
            let tx = tx.clone();
            tokio::spawn(async move {
                let init = InitPacket {
                    iv: [5; 128],
                    timestamp: 1,
                };
                stream.write_all(&init.encode()).await.unwrap();
                let mut session = ServerSession::new(init, EncryptionMethod::Xor, b"").unwrap();
                let mut buf = BytesMut::new();
                loop {
                    match stream.read_buf(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(_) => {}
                    }
                    while let Ok(Some(p)) = session.decode(&mut buf) {
                        tx.send((connection, p.check)).unwrap();
                        if connection == 1 {
                            // Like the daemon's idle timeout: the first connection is closed
                            // by the server after its first packet.
                            return;
                        }
                    }
                }
            });
        }
    });
    let (client_config, _) = configs(EncryptionMethod::Xor, "");
    let (sender, _task) = Sender::spawn(SenderConfig::new("127.0.0.1", port, client_config));
    sender
        .send(CheckResult::host("a", 0, "first"))
        .await
        .unwrap()
        .await
        .unwrap();
    let (conn, check) = timeout(LIMIT, received.recv()).await.unwrap().unwrap();
    assert_eq!((conn, check.output()), (1, &b"first"[..]));
    tokio::time::sleep(Duration::from_millis(300)).await;
    sender
        .send(CheckResult::host("b", 0, "after the pause"))
        .await
        .unwrap()
        .await
        .unwrap();
    let (conn, check) = timeout(LIMIT, received.recv()).await.unwrap().unwrap();
    assert_eq!((conn, check.output()), (2, &b"after the pause"[..]));
}
