#!/usr/bin/env python3
"""Issue-8 polling: with BATCHES batches in flight, `sluice run` makes at most 1 provider call per batch per
`batch.poll.max` (plus downloads).

A real `sluice emulator` process with `--faults stuck=1` keeps every batch in_progress (half its requests
answered) until it is cancelled. FILES drops of ROWS rows each go into one inbox with `batch.max_requests: 1`, so
each row is a batch of its own: FILES x ROWS batches across FILES files (the daemon runs with --max-files FILES so
every file is polled). Once every batch is created and the schedules reached the cap, the provider calls the
daemon made are counted from its own /metrics (`sluice_provider_call_seconds_count` by operation) over WINDOW
seconds, RUNS times. The figure is polls / (batches x WINDOW / poll.max): the limit is 1.0.

Usage: Benchmarks/polls.py [--files 10] [--rows 50] [--poll-max 4] [--window 60] [--runs 3] [--bin PATH]
"""

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "Tests", "Conformance"))
from sluice_support import TICKETS_SPEC  # noqa: E402

CALLS = re.compile(r'^sluice_provider_call_seconds_count\{([^}]*)\} (\d+)', re.M)


def release_bin():
    out = subprocess.run(
        ["swift", "build", "-c", "release", "--show-bin-path"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return os.path.join(out.stdout.strip(), "sluice")


def calls(port):
    """{operation: count} from the daemon's /metrics."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        text = response.read().decode()
    counts = {}
    for labels, n in CALLS.findall(text):
        op = re.search(r'operation="([^"]+)"', labels).group(1)
        counts[op] = counts.get(op, 0) + int(n)
    return counts


def one_run(args, binary, work, metrics_port):
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(os.path.join(work, "pipelines"))
    emulator = subprocess.Popen(
        [binary, "emulator", "--port", "0", "--state-dir", os.path.join(work, "emulator"), "--faults", "stuck=1"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    port = int(emulator.stdout.readline().strip().rsplit(":", 1)[-1])
    spec = TICKETS_SPEC.replace(
        "provider: local", f"provider: openai\nbase_url: http://127.0.0.1:{port}/v1\napi_key_env: SLUICE_TEST_KEY")
    spec += f"batch: {{max_requests: 1, poll: {{initial: 1s, max: {args.poll_max}s}}}}\n"
    with open(os.path.join(work, "pipelines", "tickets.yaml"), "w") as f:
        f.write(spec)
    with open(os.path.join(work, "sluice.yaml"), "w") as f:
        f.write(f'metrics: {{address: "127.0.0.1:{metrics_port}"}}\n')
    inbox = os.path.join(work, "inbox", "tickets")
    os.makedirs(inbox)
    for i in range(args.files):
        tmp = os.path.join(work, f"t{i}.csv")
        subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "gen_tickets.py"), "--rows", str(args.rows),
                        "--seed", str(i), "--start", str(1 + i * args.rows), "-o", tmp], check=True)
        os.rename(tmp, os.path.join(inbox, f"t{i}.csv"))
    env = {**os.environ, "SLUICE_TEST_KEY": "test-key"}
    log = open(os.path.join(work, "daemon.log"), "wb")
    daemon = subprocess.Popen([binary, "run", "--root", work, "--max-files", str(args.files), "--settle", "0"],
                              env=env, stdout=log, stderr=log)
    batches = args.files * args.rows
    try:
        deadline = time.monotonic() + 600
        while True:
            time.sleep(1)
            try:
                created = calls(metrics_port).get("create", 0)
            except OSError:
                created = 0
            if created >= batches:
                break
            if time.monotonic() > deadline or daemon.poll() is not None:
                raise SystemExit(f"only {created} of {batches} batches created; see {work}/daemon.log")
        # Every schedule reaches the cap within a few polls (1s growing 1.5x): wait that out, then count.
        time.sleep(args.poll_max * 4)
        before = calls(metrics_port)
        time.sleep(args.window)
        after = calls(metrics_port)
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=60)
        emulator.terminate()
        emulator.wait(timeout=30)
    delta = {op: after.get(op, 0) - before.get(op, 0) for op in after}
    per = delta.get("poll", 0) / (batches * args.window / args.poll_max)
    return per, delta


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=10)
    parser.add_argument("--rows", type=int, default=50)
    parser.add_argument("--poll-max", type=int, default=4)
    parser.add_argument("--window", type=int, default=60)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--bin", default=os.environ.get("SLUICE_BIN"))
    parser.add_argument("--work", default="/tmp/sluice-polls")
    parser.add_argument("--metrics-port", type=int, default=19480)
    args = parser.parse_args()
    binary = args.bin or release_bin()
    results = []
    for run in range(args.runs):
        per, delta = one_run(args, binary, args.work, args.metrics_port)
        print(f"run {run + 1}: {per:.3f} polls per batch per poll.max; calls in {args.window}s: {delta}")
        results.append(per)
    median = statistics.median(results)
    print(f"median of {args.runs}: {median:.3f} polls per batch per poll.max "
          f"({args.files * args.rows} batches, poll.max {args.poll_max}s; limit 1.0, ratio {median:.3f})")


if __name__ == "__main__":
    main()
