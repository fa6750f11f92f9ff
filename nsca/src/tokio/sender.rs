use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use ::tokio::sync::{mpsc, oneshot};
use ::tokio::task::JoinHandle;
use ::tokio::time::sleep;

use super::client::Client;
use crate::check::CheckResult;
use crate::config::ClientConfig;
use crate::io_error::Error;

/// How a [`Sender`] queues, batches and reconnects.
#[derive(Debug, Clone)]
pub struct SenderConfig {
    /// The daemon's host name or address.
    pub host: String,
    /// The daemon's port.
    pub port: u16,
    /// Method, password, packet size and timeouts of each connection.
    pub client: ClientConfig,
    /// Results that may wait in the queue; [`Sender::send`] waits and [`Sender::try_send`]
    /// fails when it is full.
    pub queue: usize,
    /// Most results written in one batch.
    pub max_batch: usize,
    /// An idle connection is closed after this long. The daemon drops a connection that is
    /// silent for 10 s, so keep this below that.
    pub idle_close: Duration,
    /// Attempts (connects and writes) for a batch before its results fail.
    pub attempts: u32,
    /// Wait before the second attempt; doubled for each further one.
    pub backoff: Duration,
}

impl SenderConfig {
    /// Defaults for `host:port`: a queue of 1024, batches of up to 256, idle connections closed
    /// after 5 s, 3 attempts starting 200 ms apart.
    pub fn new(host: impl Into<String>, port: u16, client: ClientConfig) -> Self {
        Self {
            host: host.into(),
            port,
            client,
            queue: 1024,
            max_batch: 256,
            idle_close: Duration::from_secs(5),
            attempts: 3,
            backoff: Duration::from_millis(200),
        }
    }
}

struct Job {
    check: CheckResult,
    done: oneshot::Sender<Result<(), Arc<Error>>>,
}

/// A handle to a background task that sends check results for a long-running program.
///
/// Results go through a bounded queue (backpressure), are written in batches on one connection,
/// and the connection is re-established when the server has closed it or a write fails. Each
/// result gets its own outcome, a [`Delivery`]: `Ok(())` once it was written to the socket in
/// full, or the error that made it fail. NSCA has no acknowledgement, so "written" is the
/// strongest promise the protocol allows; a result that was not written in full is retried on a
/// new connection (the daemon discards a partial packet), so no result is sent twice.
///
/// Before reusing a connection the sender checks that the server has not closed it (the daemon
/// drops connections idle for 10 s, and a write into such a socket succeeds locally while the
/// data is lost), and it closes its own idle connections after
/// [`SenderConfig::idle_close`]. A server that closes the connection at the very moment of a
/// write can still lose results reported as written: the protocol has nothing to detect that.
///
/// Results are written in the order they were queued. When a connection fails, what it had
/// already written may reach the server after what the next connection writes, so order is only
/// guaranteed between results written on the same connection.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use nsca::CheckResult;
/// use nsca::tokio::{ClientConfig, Sender, SenderConfig};
///
/// let client = ClientConfig { password: "secret".into(), ..ClientConfig::default() };
/// let (sender, task) = Sender::spawn(SenderConfig::new("nagios.example.com", 5667, client));
/// let delivery = sender.send(CheckResult::service("web1", "HTTP", 0, "OK")).await?;
/// delivery.await?; // written to the socket
/// drop(sender);
/// task.await?; // everything queued has been handled
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Sender {
    tx: mpsc::Sender<Job>,
}

/// Why [`Sender::try_send`] did not queue a result; the result comes back.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrySendError {
    /// The queue is full.
    #[error("the send queue is full")]
    Full(CheckResult),
    /// The background task has stopped.
    #[error("the sender has stopped")]
    Closed(CheckResult),
}

/// The background task stopped before the result could be queued; the result comes back.
#[derive(Debug, thiserror::Error)]
#[error("the sender has stopped")]
pub struct Closed(pub CheckResult);

impl Sender {
    /// Starts the background task on the current tokio runtime. It ends, after handling every
    /// queued result, once all `Sender` clones are dropped.
    pub fn spawn(config: SenderConfig) -> (Self, JoinHandle<()>) {
        let (tx, rx) = mpsc::channel(config.queue.max(1));
        let task = ::tokio::spawn(run(config, rx));
        (Self { tx }, task)
    }

    /// Queues `check`, waiting while the queue is full.
    ///
    /// # Errors
    /// [`Closed`] when the background task has stopped.
    pub async fn send(&self, check: CheckResult) -> Result<Delivery, Closed> {
        let (done, rx) = oneshot::channel();
        self.tx
            .send(Job { check, done })
            .await
            .map_err(|e| Closed(e.0.check))?;
        Ok(Delivery { rx })
    }

    /// Queues `check` if there is room now.
    ///
    /// # Errors
    /// [`TrySendError::Full`] or [`TrySendError::Closed`], with the result.
    pub fn try_send(&self, check: CheckResult) -> Result<Delivery, TrySendError> {
        let (done, rx) = oneshot::channel();
        match self.tx.try_send(Job { check, done }) {
            Ok(()) => Ok(Delivery { rx }),
            Err(mpsc::error::TrySendError::Full(job)) => Err(TrySendError::Full(job.check)),
            Err(mpsc::error::TrySendError::Closed(job)) => Err(TrySendError::Closed(job.check)),
        }
    }
}

/// The outcome of one queued result: `Ok(())` once it was written to the socket in full.
///
/// # Errors
/// The error that made the result fail: [`Error::Encode`] for a result that cannot be encoded
/// (never retried), else the last connect or write error after every attempt.
#[derive(Debug)]
pub struct Delivery {
    rx: oneshot::Receiver<Result<(), Arc<Error>>>,
}

impl Future for Delivery {
    type Output = Result<(), Arc<Error>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.rx).poll(cx).map(|r| {
            r.unwrap_or_else(|_| {
                // The task was aborted (runtime shut down) before it got to this result.
                Err(Arc::new(Error::io("sender task")(
                    std::io::ErrorKind::Interrupted.into(),
                )))
            })
        })
    }
}

async fn run(config: SenderConfig, mut rx: mpsc::Receiver<Job>) {
    let mut conn: Option<Client> = None;
    loop {
        let first = match conn {
            Some(_) => match ::tokio::time::timeout(config.idle_close, rx.recv()).await {
                Ok(job) => job,
                Err(_) => {
                    if let Some(c) = conn.take() {
                        let _ = c.finish().await;
                    }
                    continue;
                }
            },
            None => rx.recv().await,
        };
        let Some(first) = first else { break };
        let mut batch = VecDeque::from([first]);
        while batch.len() < config.max_batch.max(1) {
            match rx.try_recv() {
                Ok(job) => batch.push_back(job),
                Err(_) => break,
            }
        }
        deliver(&config, &mut conn, batch).await;
    }
    if let Some(c) = conn {
        let _ = c.finish().await;
    }
}

/// Writes a batch, reconnecting and retrying what was not written in full.
async fn deliver(config: &SenderConfig, conn: &mut Option<Client>, mut batch: VecDeque<Job>) {
    // Results that can never be encoded fail now, and are not retried.
    let size = config.client.packet_size;
    batch.retain_mut(|job| match job.check.validate(size) {
        Ok(()) => true,
        Err(e) => {
            let (done, _) = oneshot::channel();
            let done = std::mem::replace(&mut job.done, done);
            let _ = done.send(Err(Arc::new(e.into())));
            false
        }
    });
    let mut attempt = 0u32;
    while !batch.is_empty() {
        attempt += 1;
        if attempt > 1 {
            sleep(config.backoff.saturating_mul(1 << (attempt - 2).min(16))).await;
        }
        if conn.as_ref().is_some_and(Client::server_closed) {
            *conn = None;
        }
        let client = match conn {
            Some(c) => c,
            None => match Client::connect(&config.host, config.port, &config.client).await {
                Ok(c) => conn.insert(c),
                Err(e) => {
                    if attempt >= config.attempts.max(1) {
                        fail_all(&mut batch, e);
                        return;
                    }
                    continue;
                }
            },
        };
        let before = client.packets_written();
        let mut checks = Vec::with_capacity(batch.len());
        for job in &batch {
            checks.push(&job.check);
        }
        let result = client.send_refs(&checks).await;
        let written = usize::try_from(client.packets_written() - before).unwrap_or(usize::MAX);
        for job in batch.drain(..written.min(batch.len())) {
            let _ = job.done.send(Ok(()));
        }
        if let Err(e) = result {
            *conn = None;
            if attempt >= config.attempts.max(1) {
                fail_all(&mut batch, e);
                return;
            }
        }
    }
}

fn fail_all(batch: &mut VecDeque<Job>, error: Error) {
    let error = Arc::new(error);
    for job in batch.drain(..) {
        let _ = job.done.send(Err(Arc::clone(&error)));
    }
}
