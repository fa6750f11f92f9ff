#!/usr/bin/env bash
# Builds every fuzz target and runs each for a bounded time, failing on any crash, timeout
# (a single input taking over 10 s) or out-of-memory (over 2 GiB).
#
#   fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]      (default: 30 s, every target)
#
# The committed seeds (fuzz/seeds/<target>) are read but never written; new inputs go to
# fuzz/corpus/<target> (ignored by git).
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-30}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(cargo +nightly fuzz list)
fi

cargo +nightly fuzz build -O

declare -A max_len=([data_packet]=4800 [server_stream]=20000 [init_packet]=300)
status=0
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t" "seeds/$t" artifacts
    args=(-max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1)
    [ -n "${max_len[$t]:-}" ] && args+=(-max_len="${max_len[$t]}")
    [ -f "dict/$t.dict" ] && args+=(-dict="dict/$t.dict")
    echo "--- fuzzing $t for ${secs}s"
    if cargo +nightly fuzz run -O "$t" "corpus/$t" "seeds/$t" -- "${args[@]}" >"artifacts/$t.log" 2>&1; then
        grep -E '^stat::number_of_executed_units' "artifacts/$t.log" | sed "s/^/    $t: /"
    else
        echo "FAILED: $t (log: fuzz/artifacts/$t.log)"
        tail -n 40 "artifacts/$t.log"
        status=1
    fi
done
exit $status
