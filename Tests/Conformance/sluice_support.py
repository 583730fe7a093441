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
