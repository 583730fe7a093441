#!/usr/bin/env python3
"""Sluice's benchmark: every phase against its limit on the same machine, in the same run (issue 8).

Prints one Markdown table: per drop size, format and phase, rows/s, MB/s (uncompressed input bytes per wall
second), CPU seconds (user + sys of the measured process, all threads), peak RSS, the limit's wall and CPU
seconds and the ratios limit time / Sluice time: 1.0 is "as fast as the limit", 0.5 "half as fast"; for e2e
it is the Python baseline's time / Sluice's time, so 5.0 is "5x faster". Every figure is the median of --runs
runs, each run measuring the limit right before Sluice on the same file.

Sluice's seconds are the phase alone, as `sluice bench` reports it (wall clock and getrusage around the
phase); peak RSS is the whole command's. The limits' CPU seconds come from wait4()'s rusage of each child, so they are not inflated by neighbours on a shared
machine the way wall seconds are; both are printed. Drive it with Benchmarks/run.sh.
"""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FORMATS = {"csv.gz": ("csv", True), "csv": ("csv", False), "jsonl.gz": ("jsonl", True), "jsonl": ("jsonl", False)}
TICKS = os.sysconf("SC_CLK_TCK")
FAST_ROWS = 10_000_000  # drops this big come from gen_tickets.py --fast (seeded pools); smaller ones row by row


def run(cmd, stdout=subprocess.DEVNULL, stdin=None, env=None):
    """Runs cmd; returns wall and CPU seconds and peak RSS (MB) of the child, from wait4's rusage."""
    start = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=stdout, stdin=stdin, stderr=subprocess.PIPE, env=env)
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit("failed: %s\n%s" % (" ".join(cmd), err.decode(errors="replace")[-2000:]))
    return {"wall": wall, "cpu": ru.ru_utime + ru.ru_stime, "rss": ru.ru_maxrss / 1024}


def run_json(cmd, env=None):
    """run() of a `sluice bench` command; its last stdout line (one JSON object) in m["out"]."""
    path = os.path.join(WORK, "last.json")
    with open(path, "wb") as f:
        m = run(cmd, stdout=f, env=env)
    with open(path) as f:
        m["out"] = json.loads(f.read().strip().splitlines()[-1])
    # The command's own clock covers only the measured phase (not start-up, nor untimed staging/batches).
    m["wall"], m["cpu"] = m["out"]["seconds"], m["out"]["cpu_seconds"]
    return m


def drop(n, fmt):
    """The seeded drop of n tickets in fmt, generated once and cached under $BENCH_DIR."""
    path = os.path.join(BENCH, "tickets-%d.%s" % (n, fmt))
    if os.path.exists(path):
        return path
    kind, gz = FORMATS[fmt]
    tmp = path + ".part"
    if not gz and os.path.exists(path + ".gz"):
        subprocess.run("zcat '%s.gz' > '%s'" % (path, tmp), shell=True, check=True)
    else:
        cmd = [sys.executable, os.path.join(ROOT, "scripts/gen_tickets.py"), "--rows", str(n), "--format", kind,
               "--seed", "42", "-o", tmp] + (["--gzip"] if gz else []) + (["--fast"] if n >= FAST_ROWS else [])
        print("generating %s ..." % path, file=sys.stderr)
        subprocess.run(cmd, check=True)
    os.rename(tmp, path)
    return path


def raw_bytes(path):
    size_file = path + ".rawsize"
    if not os.path.exists(size_file):
        out = subprocess.run("zcat -f '%s' | wc -c" % path, shell=True, check=True, capture_output=True).stdout
        with open(size_file, "w") as f:
            f.write(out.decode().strip())
    return int(open(size_file).read())


class Emulator:
    """A `sluice emulator` process on 127.0.0.1 with its own state folder; CPU and RSS read from /proc."""

    def __init__(self, binary):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        self.port = s.getsockname()[1]
        s.close()
        self.state = os.path.join(WORK, "emulator-state")
        shutil.rmtree(self.state, ignore_errors=True)
        self.log = open(os.path.join(WORK, "emulator.log"), "wb")
        self.proc = subprocess.Popen([binary, "emulator", "--port", str(self.port), "--state-dir", self.state],
                                     stdout=subprocess.PIPE, stderr=self.log)
        line = self.proc.stdout.readline().decode()
        if "listening" not in line:
            sys.exit("emulator did not start: " + line)
        self.base = "http://127.0.0.1:%d/v1" % self.port

    def cpu(self):
        fields = open("/proc/%d/stat" % self.proc.pid).read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS

    def rss_peak(self):
        m = re.search(r"VmHWM:\s+(\d+)", open("/proc/%d/status" % self.proc.pid).read())
        return int(m.group(1)) / 1024

    def call(self, method, path, body=None):
        req = urllib.request.Request(self.base + path, method=method, data=json.dumps(body).encode() if body else None,
                                     headers={"Authorization": "Bearer local", "Content-Type": "application/json"})
        with urllib.request.urlopen(req) as r:
            return json.loads(r.read())

    def delete_all_files(self):
        """Deletes every file the emulator holds (inputs and results), so each run finds it as the first did: the
        files of earlier runs (2.5 GB a 1M-row ingest) made later runs a third slower."""
        for f in self.call("GET", "/files?limit=10000")["data"]:
            self.call("DELETE", "/files/" + f["id"])

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait()
        shutil.rmtree(self.state, ignore_errors=True)


def curl_upload(emu, path):
    """Uploads path as POST /files multipart with curl: the same request Sluice's client makes."""
    out = os.path.join(WORK, "curl.json")
    # "Expect:" off: curl otherwise waits up to 1 s for a 100 Continue before sending a large body.
    m = run(["curl", "-sS", "-o", out, "-H", "Authorization: Bearer local", "-H", "Expect:", "-F", "purpose=batch",
             "-F", "file=@%s;type=application/octet-stream" % path, emu.base + "/files"])
    m["id"] = json.load(open(out))["id"]
    return m


def phase_stage(binary, path, n, fmt):
    limit_cmd = ["zcat", path] if FORMATS[fmt][1] else ["cat", path]
    limit = run(limit_cmd)
    m = run_json([binary, "bench", "stage", path, "--pipeline", "tickets", "--root", WORK, "--json"])
    return m, limit, " ".join(limit_cmd[:1]) + " FILE"


def phase_upload(binary, path, n, fmt, emu):
    keep = os.path.join(WORK, "chunks")
    m = run_json([binary, "bench", "upload", path, "--pipeline", "tickets", "--root", WORK, "--base-url", emu.base,
                  "--keep", keep])
    limit = {"wall": 0.0, "cpu": 0.0, "rss": 0.0}
    for chunk in m["out"]["chunk_paths"].split(":"):
        c = curl_upload(emu, chunk)
        limit["wall"] += c["wall"]
        limit["cpu"] += c["cpu"]
        emu.call("DELETE", "/files/" + c["id"])
    m["mb"] = m["out"]["chunk_bytes"]
    return m, limit, "curl -F of the chunks"


def phase_ingest(binary, path, n, fmt, emu):
    keep = os.path.join(WORK, "ingest")
    m = run_json([binary, "bench", "ingest", path, "--pipeline", "tickets", "--root", WORK, "--base-url", emu.base,
                  "--keep", keep])
    results = sorted(os.path.join(d, f) for d, _, fs in os.walk(keep) if "results-" in d for f in fs)
    outbox = os.path.join(keep, "outbox")
    enriched = [os.path.join(outbox, f) for f in os.listdir(outbox) if ".enriched." in f][0]
    read = run(["sh", "-c", 'zcat -f "$@" > /dev/null', "sh"] + results)
    if enriched.endswith(".gz"):
        plain = os.path.join(keep, "enriched.plain")
        subprocess.run("zcat '%s' > '%s'" % (enriched, plain), shell=True, check=True)
        write = run(["gzip", "-1", "-c", plain])
        os.remove(plain)
        what = "zcat results + gzip -1 output"
    else:
        write = run(["cat", enriched])
        what = "cat results + cat output"
    limit = {"wall": read["wall"] + write["wall"], "cpu": read["cpu"] + write["cpu"], "rss": 0.0}
    shutil.rmtree(keep, ignore_errors=True)
    emu.delete_all_files()
    return m, limit, what


def phase_e2e(binary, path, n, fmt, emu):
    root = os.path.join(WORK, "e2e-root")
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(os.path.join(root, "pipelines"))
    spec = open(os.path.join(ROOT, "pipelines/tickets.yaml")).read()
    spec = spec.replace("provider: local\n", "provider: openai-compatible\nbase_url: %s\napi_key_env: SLUICE_BENCH_KEY\n"
                        % emu.base)
    spec = spec.replace("  max_requests: 50000\n", "  max_requests: 50000\n  poll: {initial: 200ms, max: 200ms}\n")
    open(os.path.join(root, "pipelines/bench.yaml"), "w").write(spec)
    env = dict(os.environ, SLUICE_BENCH_KEY="local")
    out = os.path.join(WORK, "baseline.out.csv" + (".gz" if path.endswith(".gz") else ""))
    e0 = emu.cpu()
    limit = run([PYTHON, os.path.join(ROOT, "Benchmarks/baseline_openai.py"),
                 "--base-url", emu.base, "--poll", "0.2", path, "-o", out])
    e1 = emu.cpu()
    m = run([binary, "process", path, "--pipeline", "bench", "--root", root, "--quiet"], env=env)
    m["emulator_cpu"] = emu.cpu() - e1
    limit["emulator_cpu"] = e1 - e0
    manifests = [f for f in os.listdir(os.path.join(root, "outbox/bench")) if f.endswith(".manifest.json")]
    manifest = json.load(open(os.path.join(root, "outbox/bench", manifests[0])))
    if manifest["counts"]["succeeded"] != n:
        sys.exit("e2e: %s rows succeeded of %d" % (manifest["counts"]["succeeded"], n))
    shutil.rmtree(root, ignore_errors=True)
    os.remove(out)
    return m, limit, "Python openai SDK script"


def phase_emulator(binary, path, n, fmt, emu):
    """The emulator alone absorbing the drop's requests: curl uploads + batch creates, until all complete."""
    keep = os.path.join(WORK, "chunks")
    staged = run_json([binary, "bench", "upload", path, "--pipeline", "tickets", "--root", WORK, "--base-url",
                       emu.base, "--keep", keep])
    c0, start = emu.cpu(), time.perf_counter()
    ids = []
    for chunk in staged["out"]["chunk_paths"].split(":"):
        f = curl_upload(emu, chunk)["id"]
        ids.append(emu.call("POST", "/batches", {"input_file_id": f, "endpoint": "/v1/chat/completions",
                                                  "completion_window": "24h"})["id"])
    for b in ids:
        while emu.call("GET", "/batches/" + b)["status"] not in ("completed", "failed", "expired", "cancelled"):
            time.sleep(0.05)
    m = {"wall": time.perf_counter() - start, "cpu": emu.cpu() - c0, "rss": emu.rss_peak()}
    # Its limit: Sluice producing the same requests (staging), the rate the emulator must beat.
    stage = run_json([binary, "bench", "stage", path, "--pipeline", "tickets", "--root", WORK, "--json"])
    return m, stage, "sluice staging (producer)"


PHASES = {"stage": phase_stage, "upload": phase_upload, "ingest": phase_ingest, "e2e": phase_e2e,
          "emulator": phase_emulator}


def main():
    global BENCH, WORK, PYTHON
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", default="10000,1000000", help="comma-separated drop sizes")
    p.add_argument("--formats", default="csv.gz,csv,jsonl.gz", help="comma-separated: " + ",".join(FORMATS))
    p.add_argument("--phases", default=",".join(PHASES), help="comma-separated: " + ",".join(PHASES))
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--quick", action="store_true", help="10k rows, CSV gzip, every phase, 3 runs")
    p.add_argument("--bin", default=os.path.join(ROOT, ".build/release/sluice"))
    p.add_argument("--python", default=os.environ.get("BENCH_PYTHON", sys.executable), help="python with the openai SDK")
    args = p.parse_args()
    BENCH = os.environ.get("BENCH_DIR", "/tmp/sluice-bench")
    PYTHON = args.python
    WORK = os.path.join(BENCH, "run-%d" % os.getpid())
    os.makedirs(os.path.join(WORK, "pipelines"))
    shutil.copy(os.path.join(ROOT, "pipelines/tickets.yaml"), os.path.join(WORK, "pipelines/tickets.yaml"))
    if args.quick:
        args.rows, args.formats = "10000", "csv.gz"
    rows = [int(r) for r in args.rows.split(",")]
    phases = args.phases.split(",")
    table = []
    for n in rows:
        for fmt in args.formats.split(","):
            path = drop(n, fmt)
            raw = raw_bytes(path)
            subprocess.run(["cat", path], stdout=subprocess.DEVNULL)  # page cache warm for both sides
            emu = Emulator(args.bin) if set(phases) - {"stage"} else None
            try:
                for phase in phases:
                    samples = []
                    for _ in range(args.runs):
                        fn = PHASES[phase]
                        m, limit, what = fn(args.bin, path, n, fmt) if phase == "stage" else fn(args.bin, path, n, fmt, emu)
                        samples.append((m, limit))
                    med = lambda f: statistics.median(f(m, l) for m, l in samples)
                    row = {
                        "rows": n, "format": fmt, "phase": phase, "limit": what,
                        "rows_s": med(lambda m, l: n / m["wall"]),
                        "mb_s": med(lambda m, l: m.get("mb", raw) / 1e6 / m["wall"]),
                        "wall": med(lambda m, l: m["wall"]), "cpu": med(lambda m, l: m["cpu"]),
                        "rss": med(lambda m, l: m["rss"]),
                        "limit_wall": med(lambda m, l: l["wall"]), "limit_cpu": med(lambda m, l: l["cpu"]),
                        "ratio_wall": med(lambda m, l: l["wall"] / m["wall"]),
                        "ratio_cpu": med(lambda m, l: l["cpu"] / m["cpu"] if m["cpu"] else 0),
                        "runs": args.runs,
                    }
                    if phase == "e2e":
                        row["emulator_cpu"] = med(lambda m, l: m["emulator_cpu"])
                    if phase == "ingest":  # of the wall, how much the join and output took (the rest: collect)
                        row["assemble_s"] = med(lambda m, l: m["out"]["assemble_seconds"])
                    table.append(row)
                    print(json.dumps(row), file=sys.stderr)
            finally:
                if emu:
                    emu.stop()
    shutil.rmtree(WORK, ignore_errors=True)
    with open(os.path.join(BENCH, "results.json"), "w") as f:
        json.dump(table, f, indent=1)
    print("| rows | format | phase | rows/s | MB/s | wall s | CPU s | peak RSS MB | limit | limit wall s | "
          "limit CPU s | ratio (wall) | ratio (CPU) |")
    print("| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |")
    for r in table:
        print("| {rows:,} | {format} | {phase} | {rows_s:,.0f} | {mb_s:.1f} | {wall:.2f} | {cpu:.2f} | {rss:.0f} | "
              "{limit} | {limit_wall:.2f} | {limit_cpu:.2f} | {ratio_wall:.2f} | {ratio_cpu:.2f} |".format(**r))
    print("\nratio = limit seconds / Sluice seconds (e2e: Python baseline / Sluice; emulator: its requests/s vs "
          "staging's rows/s, i.e. staging seconds / emulator seconds). Median of %d runs; MB/s of the "
          "uncompressed input (upload: of the chunks)." % args.runs)
    return 0


BENCH = WORK = PYTHON = None
if __name__ == "__main__":
    sys.exit(main())
