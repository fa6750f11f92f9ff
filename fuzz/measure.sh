#!/usr/bin/env bash
# Measures each fuzz target's speed: one libFuzzer process per target, one target after the
# other, from the committed seeds into a fresh temporary corpus (the committed seeds and
# fuzz/corpus are not written).
#
#   fuzz/measure.sh [SECONDS] [TARGET...]      (default: 60 s, every target)
#   fuzz/measure.sh -runs=1000000 [TARGET...]   (a fixed number of executions instead)
#
# Prints one Markdown table row per target: executions, the median of the exec/s figures
# libFuzzer reports during the run (its status lines after the first second), edges (cov) and
# features (ft) at the end, and the corpus size. Builds as run.sh does.
set -euo pipefail
cd "$(dirname "$0")"
limit=${1:-60}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(cargo +nightly fuzz list)
fi
case $limit in
    -runs=*) stop=("$limit") ;;
    *) stop=(-max_total_time="$limit") ;;
esac

build=(-O -a -s none)
cargo +nightly fuzz build "${build[@]}" >&2
host=$(rustc +nightly -vV | sed -n 's/^host: //p')
# The same -max_len values as run.sh.
eval "$(sed -n '/^declare -A max_len=(/,/^)/p' run.sh)"

echo "| target | executions | median exec/s | edges (cov) | features (ft) | corpus |"
echo "|---|--:|--:|--:|--:|--:|"
for t in "${targets[@]}"; do
    corpus=$(mktemp -d)
    log=$(mktemp)
    args=("${stop[@]}" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
        -artifact_prefix="artifacts/$t/")
    [ -n "${max_len[$t]:-}" ] && args+=(-max_len="${max_len[$t]}")
    [ -f "dict/$t.dict" ] && args+=(-dict="dict/$t.dict")
    mkdir -p "artifacts/$t"
    if ! "target/$host/release/$t" "${args[@]}" "$corpus" "seeds/$t" >"$log" 2>&1; then
        echo "FAILED: $t (log: $log)" >&2
        tail -n 40 "$log" >&2
        exit 1
    fi
    python3 - "$t" "$log" <<'EOF'
import re, statistics, sys
target, log = sys.argv[1], sys.argv[2]
rates, last = [], None
for line in open(log, errors="replace"):
    m = re.match(r"#(\d+)\s+(\w+)\s+cov: (\d+) ft: (\d+) corp: (\d+)/\S+.*?exec/s: (\d+)", line)
    if m:
        last = m
        if int(m.group(6)) > 0 and m.group(2) != "DONE":
            rates.append(int(m.group(6)))
runs = re.search(r"stat::number_of_executed_units: (\d+)", open(log, errors="replace").read())
median = int(statistics.median(rates)) if rates else int(last.group(6))
print(f"| `{target}` | {int(runs.group(1)):,} | {median:,} | {int(last.group(3)):,} | "
      f"{int(last.group(4)):,} | {int(last.group(5)):,} |")
EOF
    rm -rf "$corpus" "$log"
done
