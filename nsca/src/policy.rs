//! Decisions the blocking and async shells share, so that both behave the same: how the connect
//! budget is split across addresses, how socket failures map to [`Error`], the protocol clock.
//! Nothing here touches a socket.

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::io_error::Error;

/// The current time as the protocol carries it: seconds since the epoch, cut to 32 bits (as C's
/// `htonl((u_int32_t)time(NULL))` cuts it).
pub(crate) fn now_u32() -> u32 {
    protocol_secs(SystemTime::now())
}

/// `time` as the protocol carries it (see [`now_u32`]).
pub(crate) fn protocol_secs(time: SystemTime) -> u32 {
    let secs = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    secs as u32
}

/// The addresses a name resolved to, or the error that says it did not resolve to any.
pub(crate) fn resolved(
    host: &str,
    lookup: io::Result<impl Iterator<Item = SocketAddr>>,
) -> Result<Vec<SocketAddr>, Error> {
    let addrs: Vec<SocketAddr> = lookup
        .map_err(|source| Error::Resolve {
            host: host.to_owned(),
            source,
        })?
        .collect();
    if addrs.is_empty() {
        return Err(Error::NoAddress {
            host: host.to_owned(),
        });
    }
    Ok(addrs)
}

/// The time one connection attempt may take: an equal share of what is left for the
/// `remaining` addresses (this one included), so that one silent address cannot use up the
/// whole budget while a later one would answer. Never zero.
pub(crate) fn attempt_timeout(left: Duration, remaining: usize) -> Duration {
    nonzero(left / u32::try_from(remaining.max(1)).unwrap_or(u32::MAX))
}

/// The error for a connect that failed on every address (`attempts` in order), or ran out of
/// time before any answered.
pub(crate) fn connect_failure(attempts: Vec<(SocketAddr, io::Error)>, timeout: Duration) -> Error {
    let all_timed_out = attempts
        .iter()
        .all(|(_, e)| e.kind() == io::ErrorKind::TimedOut);
    if attempts.is_empty() || all_timed_out {
        Error::ConnectTimeout(timeout)
    } else {
        Error::Connect { attempts }
    }
}

/// What a failed read while waiting for the init packet means, `got` bytes into it.
pub(crate) fn init_read_failure(e: io::Error, got: usize, timeout: Duration) -> Error {
    match e.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => Error::InitTimeout(timeout),
        io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted => {
            Error::InitClosed { received: got }
        }
        _ => Error::io("reading the init packet")(e),
    }
}

/// Socket timeouts must not be zero (std rejects it); a zero budget becomes 1 ms.
pub(crate) fn nonzero(d: Duration) -> Duration {
    d.max(Duration::from_millis(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_is_shared_and_never_zero() {
        assert_eq!(
            attempt_timeout(Duration::from_secs(9), 3),
            Duration::from_secs(3)
        );
        assert_eq!(
            attempt_timeout(Duration::from_secs(9), 0),
            Duration::from_secs(9)
        );
        assert_eq!(attempt_timeout(Duration::ZERO, 2), Duration::from_millis(1));
    }

    #[test]
    fn timeouts_only_are_a_connect_timeout() {
        let a: SocketAddr = "127.0.0.1:1".parse().unwrap();
        let t = Duration::from_secs(1);
        let timed_out = || io::Error::from(io::ErrorKind::TimedOut);
        assert!(matches!(
            connect_failure(vec![], t),
            Error::ConnectTimeout(_)
        ));
        assert!(matches!(
            connect_failure(vec![(a, timed_out())], t),
            Error::ConnectTimeout(_)
        ));
        let refused = io::Error::from(io::ErrorKind::ConnectionRefused);
        assert!(matches!(
            connect_failure(vec![(a, timed_out()), (a, refused)], t),
            Error::Connect { attempts } if attempts.len() == 2
        ));
    }
}
