#!/usr/bin/env bash
# Result-cache writes (issue 8, "SQLite writes batched"): store N random answers (~250-byte outputs) into a fresh
# state database, then N more into the same (already filled) one, in key order (AnswerBuffer, what assembly does)
# and in row order, 2,000 to a transaction (`--row-order`, how assembly stored them before: the baseline), in the
# same run on the same machine. Prints the median of 3 runs per figure: wall and CPU seconds (user+sys, prefer
# them on a shared machine), bytes the process wrote (/proc/self/io write_bytes, and wchar), peak RSS.
# Usage: Benchmarks/run-cache.sh [BIN] [N...]   (default: the release build, N = 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-$(swift build -c release --show-bin-path)/sluice}"
shift || true
ns=("${@:-100000}")
[ $# -gt 0 ] || ns=(100000)
work="${BENCH_DIR:-/tmp/sluice-bench}/cache-db"
out="$(mktemp -d)"
trap 'rm -rf "$work" "$out"' EXIT
for n in "${ns[@]}"; do
  for mode in key row; do
    flag=(); [ "$mode" = row ] && flag=(--row-order)
    for run in 1 2 3; do
      rm -rf "$work" && mkdir -p "$work"
      "$bin" bench cache --answers "$n" --database "$work/state.sqlite" --seed 1 "${flag[@]}" > "$out/$n-$mode-fresh-$run.json"
      "$bin" bench cache --answers "$n" --database "$work/state.sqlite" --seed 2 "${flag[@]}" > "$out/$n-$mode-filled-$run.json"
      if [ "$mode" = key ]; then
        # The limit: writing the fresh table's bytes once, sequentially, with an fsync (dd, same disk, same run).
        mb=$(python3 -c "import json;print(max(1,round(json.load(open('$out/$n-key-fresh-$run.json'))['database_bytes']/2**20)))")
        /usr/bin/time -f '{"seconds":%e,"cpu_seconds":%S}' -o "$out/$n-dd-$run.json" \
          dd if=/dev/zero of="$work/limit" bs=1M count="$mb" conv=fsync status=none
        rm -f "$work/limit"
      fi
    done
  done
done
python3 - "$out" "${ns[@]}" <<'PY'
import json, statistics, sys
out, ns = sys.argv[1], sys.argv[2:]
print(f"{'N':>8} {'table':6} {'order':5} {'wall_s':>8} {'cpu_s':>8} {'write_MB':>9} {'wchar_MB':>9} {'rss_MB':>7} {'db_MB':>7}")
for n in ns:
    for table in ("fresh", "filled"):
        rows = {}
        for mode in ("row", "key"):
            runs = [json.load(open(f"{out}/{n}-{mode}-{table}-{r}.json")) for r in (1, 2, 3)]
            med = lambda k: statistics.median(r[k] for r in runs)
            rows[mode] = {k: med(k) for k in ("seconds", "cpu_seconds", "write_bytes", "wchar", "peak_rss_kb", "database_bytes")}
            m = rows[mode]
            print(f"{n:>8} {table:6} {mode:5} {m['seconds']:8.2f} {m['cpu_seconds']:8.2f} {m['write_bytes']/1e6:9.1f} "
                  f"{m['wchar']/1e6:9.1f} {m['peak_rss_kb']/1024:7.1f} {m['database_bytes']/1e6:7.1f}")
        r, k = rows["row"], rows["key"]
        ratio = lambda f: (r[f] / k[f]) if k[f] else float("nan")
        if table == "fresh":
            dd = [json.load(open(f"{out}/{n}-dd-{r}.json")) for r in (1, 2, 3)]
            w = statistics.median(d["seconds"] for d in dd)
            print(f"{n:>8} limit  dd of the fresh table's {k['database_bytes']/1e6:.0f} MB + fsync: {w:.2f} s wall;"
                  f" key order is x{k['seconds']/max(w,0.01):.1f} of it, writes x{k['write_bytes']/k['database_bytes']:.2f}"
                  f" the table's bytes (row order x{r['write_bytes']/r['database_bytes']:.2f})")
        print(f"{n:>8} {table:6} row/key  wall x{ratio('seconds'):.1f}  cpu x{ratio('cpu_seconds'):.1f}  "
              f"write x{ratio('write_bytes'):.1f}  wchar x{ratio('wchar'):.1f}")
PY
