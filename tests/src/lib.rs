//! Test fixtures: the real NSCA daemon, temporary directories and waiting helpers.
