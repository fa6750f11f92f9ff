//! Where results go. Each sink owns its file or pipe and answers every write with an outcome;
//! what to do about a write that has to wait (retry, backpressure, dump at shutdown) is decided
//! once, in [`crate::dispatch`].

pub mod checkresult;
pub mod command_file;
pub mod dump;
pub mod icinga2;

/// Why a write has to wait.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wait {
    /// A pipe without a reader (ENXIO when opening): Nagios is stopped or restarting.
    NoReader,
    /// The pipe is full (EAGAIN): Nagios reads more slowly than results arrive.
    Full,
    /// The command file is missing now, but it existed earlier in this daemon's life: Nagios
    /// removes its pipe when it stops and creates it again when it starts.
    Missing,
    /// Any other error, which may be fixed from outside (permissions, a full disk).
    Other(String),
}

impl std::fmt::Display for Wait {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NoReader => f.write_str("no process is reading the command pipe"),
            Self::Full => f.write_str("the command pipe is full"),
            Self::Missing => f.write_str("the command file is missing (Nagios restarting?)"),
            Self::Other(e) => f.write_str(e),
        }
    }
}
