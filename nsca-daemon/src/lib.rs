//! The `nsca` daemon of this workspace: a drop-in replacement for NSCA 2.10's `nsca`, built as a
//! shell over the [`nsca`] library. The protocol lives in the library; this crate holds the
//! configuration file, the sinks results go to, and the life of the process.

#![forbid(unsafe_code)]

pub mod config;
