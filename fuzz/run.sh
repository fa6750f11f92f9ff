#!/usr/bin/env bash
# Builds every fuzz target and runs each for a bounded time, failing on any crash, timeout
# (a single input taking over 10 s) or out-of-memory (over 2 GiB).
#
#   fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]      (default: 30 s, every target)
#
# FUZZ_JOBS targets run at once (default: the number of CPUs), each as one libFuzzer process.
# The committed seeds (fuzz/seeds/<target>) are read but never written; new inputs go to
# fuzz/corpus/<target> (ignored by git). On a failure the log shows the command that reproduces
# it and the input in base64, so that the log alone is enough.
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-30}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(cargo +nightly fuzz list)
fi
jobs_max=${FUZZ_JOBS:-$(nproc)}

# Release code with overflow checks and debug assertions, without AddressSanitizer: the
# workspace forbids unsafe code, so ASan finds nothing that bounds checks miss, and its shadow
# checks (instrumented as comparisons themselves) cost 5 to 15 times in the cipher code.
build=(-O -a -s none)
cargo +nightly fuzz build "${build[@]}"
host=$(rustc +nightly -vV | sed -n 's/^host: //p')
bin="target/$host/release"

# Longest input per target (libFuzzer's -max_len); the rest use libFuzzer's default.
declare -A max_len=(
    [init_packet]=300
    [data_packet]=4800
    [server_stream]=20000
    [roundtrip]=12000
    [cipher]=512
    [cipher_packet]=5200
    [plugin_output]=8192
    [daemon_config]=8192
    [config_syntax]=12000
    [checkresult_file]=16384
)

run_one() {
    local t=$1
    mkdir -p "corpus/$t" "seeds/$t" "artifacts/$t"
    local args=(-max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
        -artifact_prefix="artifacts/$t/")
    [ -n "${max_len[$t]:-}" ] && args+=(-max_len="${max_len[$t]}")
    [ -f "dict/$t.dict" ] && args+=(-dict="dict/$t.dict")
    local rc=0
    "$bin/$t" "${args[@]}" "corpus/$t" "seeds/$t" >"artifacts/$t.log" 2>&1 || rc=$?
    echo "$rc" >"artifacts/$t.status"
}

report() {
    local t=$1 rc
    rc=$(cat "artifacts/$t.status")
    if [ "$rc" = 0 ]; then
        grep -E '^#[0-9]+.*DONE' "artifacts/$t.log" | tail -n 1 | sed "s/^/    $t: /"
        return 0
    fi
    echo "FAILED: $t (exit $rc; log: fuzz/artifacts/$t.log)"
    tail -n 60 "artifacts/$t.log"
    local unit
    unit=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "artifacts/$t.log" | tail -n 1)
    if [ -n "$unit" ] && [ -f "$unit" ]; then
        echo "--- the failing input ($(stat -c %s "$unit") bytes), base64:"
        base64 -w0 "$unit"
        echo
        echo "--- to reproduce, from the repository root:"
        echo "    echo '$(base64 -w0 "$unit")' | base64 -d > /tmp/$t.input"
        echo "    cargo +nightly fuzz run ${build[*]} --fuzz-dir fuzz $t /tmp/$t.input"
    fi
    return 1
}

echo "--- fuzzing ${#targets[@]} targets for ${secs}s each, $jobs_max at a time"
status=0
pending=()
for t in "${targets[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do
        wait -n || true
    done
    rm -f "artifacts/$t.status"
    run_one "$t" &
    pending+=("$t")
done
wait
for t in "${pending[@]}"; do
    report "$t" || status=1
done
exit $status
