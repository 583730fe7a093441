#!/usr/bin/env bash
# Issue-2 performance figures, measured against the machine's own limit in the same run:
#   staging (read + inflate + parse + render + write chunks) of a gzip CSV vs `zcat FILE > /dev/null`,
#   peak RSS of staging and of the whole drop through the local provider (/usr/bin/time -v).
# Usage: Benchmarks/run-staging.sh [ROWS...]   (default: 10000 1000000). Needs python3 and /usr/bin/time.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=("${@:-10000 1000000}")
[ $# -gt 0 ] || rows=(10000 1000000)
swift build -c release --product sluice >/dev/null
bin="$(swift build -c release --show-bin-path)/sluice"
work="${BENCH_DIR:-/tmp/sluice-bench}"
mkdir -p "$work/pipelines"
cp pipelines/tickets.yaml "$work/pipelines/"

rss() { awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2/1024}' "$1"; }
secs() { awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$1"; }

printf "%-9s %-6s %12s %10s %10s %8s %12s %9s\n" rows phase seconds "MB/s(raw)" rows/s RSS_MB zcat_s ratio
for n in "${rows[@]}"; do
  drop="$work/tickets-$n.csv.gz"
  [ -f "$drop" ] || python3 scripts/gen_tickets.py --rows "$n" --gzip --seed 42 -o "$drop"
  raw=$(zcat "$drop" | wc -c)
  cat "$drop" > /dev/null  # page cache warm for both
  for run in 1 2 3; do
    /usr/bin/time -v zcat "$drop" > /dev/null 2> "$work/zcat.time"
    z=$(secs "$work/zcat.time")
    /usr/bin/time -v "$bin" bench stage "$drop" --pipeline tickets --root "$work" --json > "$work/stage.json" 2> "$work/stage.time"
    s=$(python3 -c "import json;print(json.load(open('$work/stage.json'))['seconds'])")
    printf "%-9s %-6s %12.2f %10.1f %10.0f %8s %12.2f %9.2f\n" "$n" stage "$s" \
      "$(python3 -c "print($raw/1e6/$s)")" "$(python3 -c "print($n/$s)")" "$(rss "$work/stage.time")" "$z" \
      "$(python3 -c "print($z/$s)")"
  done
  if [ "${SKIP_E2E:-}" != 1 ]; then
    rm -rf "$work/.sluice" "$work/outbox"
    /usr/bin/time -v "$bin" process "$drop" --pipeline tickets --root "$work" --quiet > "$work/e2e.out" 2> "$work/e2e.time"
    printf "%-9s %-6s %12.2f %10s %10.0f %8s   %s\n" "$n" e2e "$(secs "$work/e2e.time")" - \
      "$(python3 -c "print($n/$(secs "$work/e2e.time"))")" "$(rss "$work/e2e.time")" "$(cat "$work/e2e.out")"
  fi
done
echo "ratio = zcat seconds / staging seconds (1.0 = staging as fast as inflating alone; goal >= 0.33)"
