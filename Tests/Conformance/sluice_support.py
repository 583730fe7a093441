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
