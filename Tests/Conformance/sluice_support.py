"""Helpers for tests that run the real `sluice` binary (path in SLUICE_BIN) in a throwaway root."""
import csv
import gzip
import hashlib
import io
import json
import os
import pathlib
import subprocess
import sys

REPO = pathlib.Path(__file__).resolve().parents[2]
# Drops may hold fields of many megabytes; Python's csv module refuses fields over 128 KiB by default.
csv.field_size_limit(sys.maxsize)
GENERATOR = REPO / "scripts" / "gen_tickets.py"

TICKETS_SPEC = """
provider: local
model: gpt-4o-mini
system: "You label customer support tickets."
prompt: |
  Channel: {{channel}}
  Subject: {{subject}}
  Body: {{body}}
id: ticket_id
params: {max_tokens: 200, temperature: 0}
output:
  schema:
    type: object
    properties:
      category: {type: string, enum: [billing, shipping, bug, account, other]}
      urgency: {type: integer, minimum: 1, maximum: 5}
      tags: {type: array, items: {type: string, maxLength: 20}, minItems: 1, maxItems: 3}
      detail: {type: object, properties: {sentiment: {type: string, enum: [neg, neu, pos]}}, required: [sentiment], additionalProperties: false}
    required: [category, urgency, tags, detail]
    additionalProperties: false
  prefix: ai_
"""


def sluice_bin():
    path = os.environ.get("SLUICE_BIN")
    assert path and os.path.exists(path), "set SLUICE_BIN to the built sluice executable"
    return path


def run_sluice(*args, check=True, timeout=600):
    proc = subprocess.run([sluice_bin(), *map(str, args)], capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"sluice {' '.join(map(str, args))} exited {proc.returncode}\n{proc.stderr}")
    return proc


def make_root(tmp_path, pipelines):
    for name, spec in pipelines.items():
        p = tmp_path / "pipelines" / f"{name}.yaml"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(spec)
    return tmp_path


def generate(path, rows, fmt="csv", gz=False, seed=1, start=1):
    cmd = [sys.executable, str(GENERATOR), "--rows", str(rows), "--format", fmt, "--seed", str(seed),
           "--start", str(start), "-o", str(path)]
    if gz:
        cmd.append("--gzip")
    subprocess.run(cmd, check=True)
    return path


def read_bytes(path):
    data = pathlib.Path(path).read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def read_csv(path):
    text = read_bytes(path).decode("utf-8")
    return list(csv.reader(io.StringIO(text, newline="")))


def read_jsonl(path):
    return [json.loads(line) for line in read_bytes(path).decode("utf-8").splitlines() if line.strip()]


def sha256(path):
    return hashlib.sha256(pathlib.Path(path).read_bytes()).hexdigest()


def check_manifest(outbox, stem):
    """Loads the manifest and checks what every manifest must satisfy: checksums and the row invariant."""
    manifest = json.loads((outbox / f"{stem}.manifest.json").read_text())
    rows = {}
    for output in manifest["outputs"]:
        path = outbox / output["path"]
        assert path.exists(), output
        assert sha256(path) == output["sha256"], f"checksum mismatch for {path}"
        if ".failures." in output["path"]:
            rows["failures"] = len(read_jsonl(path))
        elif output["path"].endswith((".csv", ".csv.gz")):
            rows["enriched"] = len(read_csv(path)) - 1
        else:
            rows["enriched"] = len(read_jsonl(path))
        assert output["rows"] == rows["failures" if ".failures." in output["path"] else "enriched"]
    counts = manifest["counts"]
    if manifest["status"] == "complete":
        assert counts["rows_in"] == rows.get("enriched", 0) + rows.get("failures", 0)
        assert counts["succeeded"] == rows.get("enriched", 0)
        assert counts["failed"] == rows.get("failures", 0)
    # Nothing half-written: no hidden temp files left in the outbox.
    assert not [p for p in os.listdir(outbox) if p.startswith(".")], os.listdir(outbox)
    return manifest


# --- daemon tests: a separate emulator process, a spec pointing at it, waiting with timeouts ---

import random
import signal
import time
import urllib.request

TEST_KEY_ENV = {"SLUICE_TEST_KEY": "test-key"}


class EmulatorProcess:
    """`sluice emulator` as a separate process on an ephemeral port, its state in `state_dir`."""

    def __init__(self, state_dir, processing_delay_ms=0, seed=1):
        state_dir.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [sluice_bin(), "emulator", "--host", "127.0.0.1", "--port", "0", "--state-dir", str(state_dir),
             "--processing-delay", str(processing_delay_ms), "--seed", str(seed)],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        assert "listening on http://" in line, f"emulator did not start: {line!r}"
        self.base = line.strip().rsplit(" ", 1)[-1]
        self.port = int(self.base.rsplit(":", 1)[-1])

    def get(self, path):
        request = urllib.request.Request(self.base + path, headers={"Authorization": "Bearer test-key"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def stats(self):
        return self.get("/_emulator/stats")

    def files(self):
        found, after = [], None
        while True:
            page = self.get("/v1/files?limit=1000" + (f"&after={after}" if after else ""))
            found += page["data"]
            if not page["has_more"]:
                return found
            after = page["data"][-1]["id"]

    def chunk_batches(self):
        """{sluice_chunk tag: batches created with it}."""
        return {k.split("=", 1)[1]: v["batches"] for k, v in self.stats()["by_metadata"].items()
                if k.startswith("sluice_chunk=")}

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def remote_spec(port, extra=""):
    """TICKETS_SPEC against a separate emulator over HTTP, as `provider: openai` with a base_url."""
    spec = TICKETS_SPEC.replace("provider: local", f"provider: openai\nbase_url: http://127.0.0.1:{port}/v1\n"
                                                   "api_key_env: SLUICE_TEST_KEY")
    return spec + extra


def sluice_env():
    return {**os.environ, **TEST_KEY_ENV}


def start_daemon(root, *args):
    return subprocess.Popen([sluice_bin(), "run", "--root", str(root), *map(str, args)], env=sluice_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def run_once(root, *args, timeout=300):
    proc = subprocess.run([sluice_bin(), "run", "--root", str(root), "--once", *map(str, args)], env=sluice_env(),
                          capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"sluice run --once exited {proc.returncode}\n{proc.stderr[-4000:]}"
    return proc


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def stem(name):
    for ext in (".gz", ".csv", ".jsonl", ".ndjson"):
        if name.endswith(ext):
            name = name[: -len(ext)]
    return name


def input_ids(path):
    if ".csv" in path.name:
        rows = read_csv(path)
        return [r[0] for r in rows[1:]]
    return [json.loads(line)["ticket_id"] for line in read_bytes(path).decode().splitlines() if line.strip()]


def check_exactly_once(outbox, source_copy, name):
    """Every input row of `name` is in exactly one of enriched / failures; checksums match the manifest."""
    manifest = check_manifest(outbox, stem(name))
    assert manifest["status"] == "complete", manifest
    wanted = input_ids(source_copy)
    got = []
    for output in manifest["outputs"]:
        path = outbox / output["path"]
        if ".failures." in output["path"]:
            got += [f["id"] for f in read_jsonl(path)]
        elif ".csv" in output["path"]:
            got += [r[0] for r in read_csv(path)[1:]]
        else:
            got += [r["ticket_id"] for r in read_jsonl(path)]
    assert len(got) == len(set(got)), f"{name}: a row appears twice"
    assert sorted(got) == sorted(wanted), f"{name}: rows lost or invented"
    return manifest


# --- more daemon helpers: timeouts on every wait, logs in files, corrupt drops ---

import shutil
import threading
import zlib

# The spec of the daemon tests against a separate emulator: small chunks (a 3,000-row drop makes 8 batches), fast polls.
SMALL_BATCHES = "batch: {max_requests: 400, poll: {initial: 100ms, max: 500ms}}\n"
IGNORED_NAMES = [".hidden.csv", "export.csv.tmp", "export.csv.part", "export.csv.partial", "export.csv.crdownload"]


class Emulator(EmulatorProcess):
    """`sluice emulator` as a separate process, like EmulatorProcess, but start-up gives up after
    `ready_timeout` seconds, stderr goes to `<state_dir>.log`, and it works as a context manager."""

    def __init__(self, state_dir, processing_delay_ms=0, seed=1, ready_timeout=30, extra_args=()):
        state_dir = pathlib.Path(state_dir)
        state_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = state_dir.with_name(state_dir.name + ".log")
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                [sluice_bin(), "emulator", "--host", "127.0.0.1", "--port", "0", "--state-dir", str(state_dir),
                 "--processing-delay", str(processing_delay_ms), "--seed", str(seed), *map(str, extra_args)],
                stdout=subprocess.PIPE, stderr=log, text=True)
        lines = []
        reader = threading.Thread(target=lambda: lines.append(self.proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(ready_timeout)
        if not lines or "listening on http://" not in lines[0]:
            self.stop()
            raise AssertionError(f"emulator did not start within {ready_timeout} s (exit status {self.proc.returncode}): "
                                 f"{lines!r}\n{log_tail(self.log_path)}")
        self.base = lines[0].strip().rsplit(" ", 1)[-1]
        self.port = int(self.base.rsplit(":", 1)[-1])

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def batch(self, batch_id):
        return self.get(f"/v1/batches/{batch_id}")


def emulator_spec(port, extra=SMALL_BATCHES):
    """TICKETS_SPEC over HTTP against `sluice emulator` on `port`, with the daemon tests' small chunks."""
    return remote_spec(port, extra)


def log_tail(path, limit=4000):
    try:
        return pathlib.Path(path).read_text(errors="replace")[-limit:]
    except OSError:
        return ""


def spawn_daemon(root, log_path, *args):
    """`sluice run --root ROOT ARGS...` in the background, its stderr (the log) into `log_path` (a file, not a
    pipe nobody reads, so a chatty daemon never blocks on its log). `proc.log_path` keeps the path."""
    with open(log_path, "ab") as log:
        proc = subprocess.Popen([sluice_bin(), "run", "--root", str(root), *map(str, args)], env=sluice_env(),
                                stdout=log, stderr=log)
    proc.log_path = log_path
    return proc


def stop_daemon(proc, sig=signal.SIGTERM, within=10):
    """Signals the daemon and waits; asserts it exits 0 within `within` seconds. Returns the seconds it took."""
    started = time.monotonic()
    proc.send_signal(sig)
    try:
        code = proc.wait(timeout=within)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise AssertionError(f"sluice run still running {within} s after {sig.name}\n{log_tail(proc.log_path)}")
    took = time.monotonic() - started
    assert code == 0, f"sluice run exited {code} after {sig.name}\n{log_tail(proc.log_path)}"
    return took


def kill_if_running(proc):
    """Teardown: never leave a daemon behind a failed test."""
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def wait_for_manifest(outbox, stem, timeout, daemon=None):
    """Waits (at most `timeout` s) for STEM.manifest.json and returns it, loaded. Fails at once when `daemon`
    (a running `sluice run`) exits first."""
    path = pathlib.Path(outbox) / f"{stem}.manifest.json"
    deadline = time.monotonic() + timeout
    while not path.exists():
        if daemon is not None and daemon.poll() is not None:
            raise AssertionError(f"sluice run exited {daemon.returncode} before {path.name} appeared\n"
                                 f"{log_tail(getattr(daemon, 'log_path', ''))}")
        if time.monotonic() > deadline:
            tail = log_tail(daemon.log_path) if daemon is not None and hasattr(daemon, "log_path") else ""
            raise AssertionError(f"no {path.name} after {timeout} s\n{tail}")
        time.sleep(0.1)
    return json.loads(path.read_text())


def drop_by_rename(src, inbox, name):
    """The well-behaved writer: copy as NAME.part, then rename into place (complete on arrival)."""
    part = pathlib.Path(inbox) / (name + ".part")
    shutil.copyfile(src, part)
    os.rename(part, pathlib.Path(inbox) / name)
    return pathlib.Path(inbox) / name


def age(path, seconds):
    """Sets a file's atime and mtime `seconds` into the past."""
    then = time.time() - seconds
    os.utime(path, (then, then))
    return path


def truncated_gzip(src, dst):
    """The first half of a valid gzip file: the deflate stream stops mid-way and the CRC32/ISIZE trailer is
    missing. Checked to be unreadable before it is returned."""
    data = pathlib.Path(src).read_bytes()
    assert data[:2] == b"\x1f\x8b", f"{src} is not gzip"
    pathlib.Path(dst).write_bytes(data[: len(data) // 2])
    try:
        gzip.decompress(pathlib.Path(dst).read_bytes())
    except (EOFError, gzip.BadGzipFile, zlib.error):
        return pathlib.Path(dst)
    raise AssertionError(f"{dst} still decompresses")


def ends_inside_quoted_field(data):
    """True when CSV bytes (RFC 4180, quotes only inside quoted fields, doubled to escape) stop inside a quoted
    field: an odd number of quote characters so far, and the last byte is not the quote that would close it."""
    return data.count(b'"') % 2 == 1 and not data.endswith(b'"')


def csv_cut_inside_quote(src, dst):
    """A CSV file cut short in the nastiest place: right after a line break *inside* a quoted multi-line field,
    past the middle of the file. Every physical line looks complete; only a quote-aware reader sees the record
    never ended. Checked with `ends_inside_quoted_field` and with Python's strict csv reader."""
    data = pathlib.Path(src).read_bytes()
    assert data[:2] != b"\x1f\x8b", "give a plain CSV"
    quotes = 0
    cut = None
    for i, byte in enumerate(data):
        if byte == 0x22:
            quotes += 1
        elif byte == 0x0A and quotes % 2 == 1 and i > len(data) // 2:
            cut = i + 1
            break
    assert cut is not None, f"{src} has no line break inside a quoted field past its middle"
    out = data[:cut]
    assert ends_inside_quoted_field(out)
    try:
        list(csv.reader(io.StringIO(out.decode("utf-8"), newline=""), strict=True))
    except csv.Error as e:
        assert "unexpected end of data" in str(e), e
    else:
        raise AssertionError("the cut CSV still parses")
    pathlib.Path(dst).write_bytes(out)
    return pathlib.Path(dst)


def kept_copies(root, src):
    """Files under ROOT/.sluice/ with the same bytes as `src` (where the daemon keeps sources it claimed)."""
    digest = sha256(src)
    return [p for p in (pathlib.Path(root) / ".sluice").rglob("*") if p.is_file() and sha256(p) == digest]


def status_files(root):
    """The `files` list of `sluice status --root ROOT --json` (the least settled output: use it lightly)."""
    proc = subprocess.run([sluice_bin(), "status", "--root", str(root), "--json"], capture_output=True, text=True,
                          timeout=60, env=sluice_env())
    assert proc.returncode == 0, f"sluice status exited {proc.returncode}\n{proc.stderr[-2000:]}"
    return json.loads(proc.stdout)["files"]


def check_provider_batches(emulator, manifests):
    """Every batch the manifests name exists at the provider, completed, tagged with a chunk no other batch in the
    manifests has, with the request count the manifest says. Returns the total requests."""
    seen_ids, seen_chunks, total = set(), set(), 0
    for manifest in manifests:
        for entry in manifest["batches"]:
            assert entry["id"] not in seen_ids, f"batch {entry['id']} in two manifests"
            seen_ids.add(entry["id"])
            remote = emulator.batch(entry["id"])
            assert remote["status"] == entry["status"] == "completed", (entry, remote["status"])
            chunk = (remote.get("metadata") or {}).get("sluice_chunk")
            assert chunk and chunk not in seen_chunks, f"chunk tag {chunk!r} of {entry['id']}"
            seen_chunks.add(chunk)
            assert remote["request_counts"]["total"] == entry["requests"], (entry, remote["request_counts"])
            total += entry["requests"]
    return total


def process_drop(root, drop, pipeline, timeout=600, status=0):
    """`sluice process DROP --pipeline NAME --root ROOT --quiet` with the test key in the environment; asserts its
    exit status (0: manifest written, 1: file rejected)."""
    proc = subprocess.run([sluice_bin(), "process", str(drop), "--pipeline", pipeline, "--root", str(root), "--quiet"],
                          capture_output=True, text=True, timeout=timeout, env=sluice_env())
    assert proc.returncode == status, f"sluice process exited {proc.returncode}\n{proc.stderr[-4000:]}"
    return proc
