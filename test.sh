#!/usr/bin/env bash
# Runs every test of the workspace on a fresh Debian machine.
#
# - installs what the suite needs when it is missing: Debian's nsca, nsca-client,
#   nagios4-core and icinga2-bin (the real programs the interop tests run), lintian, mandoc
#   and man-db (for the package and the manual pages), cargo-deb, and cargo-fuzz for the
#   nightly toolchain;
# - builds the Debian package (cargo deb -p nsca-cli) for nsca-cli/tests/package.rs;
# - runs all unit, integration and interop tests with NSCA_REQUIRE_INTEROP=1, so that a missing
#   daemon fails the run instead of skipping tests;
# - builds every fuzz target and runs each for FUZZ_SECONDS (default 30).
#
# Every daemon, receiver and Nagios instance is started and stopped by the tests themselves, on
# loopback, in temporary directories.
set -euo pipefail
cd "$(dirname "$0")"

say() { printf '\n==> %s\n' "$*"; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

missing=()
# lintian, mandoc and man-db check the Debian package and the manual pages; icinga2-bin (with
# openssl for its certificates and curl to read its API) is the Icinga 2 the API sink's tests run.
for pkg in nsca nsca-client nagios4-core lintian mandoc man-db icinga2-bin openssl curl; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    say "installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

export NSCA_REQUIRE_INTEROP=1
# The async receiver test opens 1,000 connections at once (2,000 descriptors in one process).
ulimit -n 8192 2>/dev/null || true

# The Debian package (a release build), which nsca-cli/tests/package.rs checks.
if ! cargo deb --version >/dev/null 2>&1; then
    say "installing cargo-deb"
    cargo install cargo-deb --locked
fi
say "cargo deb -p nsca-cli (the nsca-rs Debian package)"
NSCA_RS_DEB="$(cargo deb -p nsca-cli --locked | tail -n 1)"
export NSCA_RS_DEB

say "cargo test (workspace, interop required)"
cargo test --workspace --locked

if [ -f fuzz/Cargo.toml ]; then
    if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
        say "installing cargo-fuzz"
        cargo +nightly install cargo-fuzz --locked
    fi
    secs="${FUZZ_SECONDS:-30}"
    say "fuzz smoke: every target for ${secs}s"
    ./fuzz/run.sh "$secs"
fi

say "all tests passed"
