#!/usr/bin/env bash
# Issue-8 benchmark: every phase against its limit, same machine, same run (see Benchmarks/bench.py).
# Usage: Benchmarks/run.sh [--quick] [--rows 10000,1000000] [--formats csv.gz,csv,jsonl.gz]
#                          [--phases stage,upload,ingest,e2e,emulator] [--runs 3]
# Drops are cached under $BENCH_DIR (default /tmp/sluice-bench). The e2e baseline needs a Python with the
# `openai` SDK: $BENCH_PYTHON, else /work/main/.venv/bin/python when present, else python3.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product sluice >/dev/null
python="${BENCH_PYTHON:-}"
if [ -z "$python" ]; then
  if [ -x /work/main/.venv/bin/python ]; then python=/work/main/.venv/bin/python; else python=python3; fi
fi
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')," \
  "$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
exec "$python" Benchmarks/bench.py --bin "$(swift build -c release --show-bin-path)/sluice" --python "$python" "$@"
