"""`sluice process` end to end through the local provider, checked with independent parsers."""
import csv
import gzip
import io
import json
import os
import pathlib
import shutil

import jsonschema
import yaml

from sluice_support import (REPO, TICKETS_SPEC, check_manifest, generate, make_root, read_csv, read_jsonl,
                            run_sluice)


def test_gzip_csv_drop_round_trips_and_validates(tmp_path):
    root = make_root(tmp_path, {"tickets": TICKETS_SPEC})
    drop = generate(tmp_path / "tickets.csv.gz", rows=10_000, gz=True, seed=7)
    proc = run_sluice("process", drop, "--pipeline", "tickets", "--root", root, "--quiet")
    assert "10000 rows, 10000 enriched, 0 failed" in proc.stdout

    outbox = root / "outbox" / "tickets"
    manifest = check_manifest(outbox, "tickets")
    assert manifest["status"] == "complete"
    assert manifest["source"]["rows"] == 10_000
    assert manifest["counts"]["rows_in"] == 10_000
    assert manifest["outputs"][0]["path"] == "tickets.enriched.csv.gz"
    assert all(b["provider"] == "local" and b["status"] == "completed" for b in manifest["batches"])
    # No pipelines/prices.yaml in this root: the usage is known, its cost is not.
    assert manifest["usage"]["input_tokens"] > 0 and manifest["usage"]["output_tokens"] > 0
    cost = manifest["cost"]
    assert [cost[k] for k in ("usd_estimated", "usd_actual", "usd_realtime_equivalent", "saving_usd")] == [None] * 4
    assert cost["price_known"] is False and "no price table" in cost["note"], cost

    original = read_csv(drop)
    enriched = read_csv(outbox / "tickets.enriched.csv.gz")
    assert (outbox / "tickets.enriched.csv.gz").read_bytes()[:2] == b"\x1f\x8b", "gzip in, gzip out"
    assert enriched[0] == original[0] + ["ai_category", "ai_urgency", "ai_tags", "ai_detail"]
    assert len(enriched) == len(original)
    schema = yaml.safe_load(TICKETS_SPEC)["output"]["schema"]
    width = len(original[0])
    for src, out in zip(original[1:], enriched[1:]):
        assert out[:width] == src, f"original fields changed for {src[0]}"  # byte-identical, in input order
        value = {"category": out[width], "urgency": int(out[width + 1]), "tags": json.loads(out[width + 2]),
                 "detail": json.loads(out[width + 3])}
        jsonschema.validate(value, schema)
    # Tricky fields really were in the drop.
    bodies = [r[5] for r in original[1:]]
    assert any("\n" in b for b in bodies) and any('"' in b for b in bodies) and any("," in b for b in bodies)
    assert any(not b.isascii() for b in bodies)


def test_jsonl_drop_keeps_lines_and_adds_keys(tmp_path):
    root = make_root(tmp_path, {"tickets": TICKETS_SPEC})
    shutil.copy(REPO / "pipelines" / "prices.yaml", root / "pipelines" / "prices.yaml")
    drop = generate(tmp_path / "export.jsonl", rows=500, fmt="jsonl", seed=3)
    estimate = json.loads(run_sluice("estimate", drop, "--pipeline", "tickets", "--root", root, "--json").stdout)
    run_sluice("process", drop, "--pipeline", "tickets", "--root", root, "--quiet")
    outbox = root / "outbox" / "tickets"
    manifest = check_manifest(outbox, "export")
    assert manifest["counts"]["succeeded"] == 500
    # The provider's usage priced at gpt-4o-mini's batch rates; the estimate is the one `sluice estimate` makes.
    prices = yaml.safe_load((root / "pipelines" / "prices.yaml").read_text())["models"]["gpt-4o-mini"]
    usage, cost = manifest["usage"], manifest["cost"]
    actual = (usage["input_tokens"] * prices["batch"]["input"] + usage["output_tokens"] * prices["batch"]["output"]) / 1e6
    realtime = (usage["input_tokens"] * prices["realtime"]["input"]
                + usage["output_tokens"] * prices["realtime"]["output"]) / 1e6
    assert actual > 0 and abs(cost["usd_actual"] - actual) <= 1e-6, (cost, usage)
    assert abs(cost["usd_realtime_equivalent"] - realtime) <= 1e-6 and abs(cost["saving_usd"] - (realtime - actual)) <= 2e-6
    assert cost["price_known"] is True and cost["basis"] == "batch" and cost["prices_as_of"] == "2025-11-01", cost
    assert cost["usd_estimated"] == estimate["cost"]["batch"], (cost, estimate["cost"])
    # Estimated again after the file finished: calibrated on it, closer to what it cost.
    again = json.loads(run_sluice("estimate", drop, "--pipeline", "tickets", "--root", root, "--json").stdout)
    assert again["tokens"]["calibration"]["files"] == 1
    assert abs(again["cost"]["batch"] - actual) < abs(estimate["cost"]["batch"] - actual)
    status = json.loads(run_sluice("status", "--root", root, "--json").stdout)
    assert [(s["pipeline"], s["usd_actual"], s["usd_reserved"], s["files"]) for s in status["spend"]] == [
        ("tickets", cost["usd_actual"], 0, 1)], status["spend"]
    src_lines = drop.read_text(encoding="utf-8").splitlines()
    out_lines = (outbox / "export.enriched.jsonl").read_text(encoding="utf-8").splitlines()
    schema = yaml.safe_load(TICKETS_SPEC)["output"]["schema"]
    for src, out in zip(src_lines, out_lines):
        assert out.startswith(src[:-1] + ","), "original bytes kept, keys appended"
        src_obj, out_obj = json.loads(src), json.loads(out)
        assert {k: out_obj[k] for k in src_obj} == src_obj
        jsonschema.validate({k[3:]: v for k, v in out_obj.items() if k.startswith("ai_")}, schema)


def test_embeddings_pipeline(tmp_path):
    spec = """
provider: local
model: text-embedding-3-small
endpoint: embeddings
prompt: "{{subject}}: {{body}}"
params: {dimensions: 64}
"""
    root = make_root(tmp_path, {"vectors": spec})
    drop = generate(tmp_path / "docs.csv", rows=300, seed=5)
    run_sluice("process", drop, "--pipeline", "vectors", "--root", root, "--quiet")
    outbox = root / "outbox" / "vectors"
    manifest = check_manifest(outbox, "docs")
    assert manifest["counts"]["succeeded"] == 300
    rows = read_csv(outbox / "docs.enriched.csv")
    assert rows[0][-1] == "ai_embedding"
    vectors = [json.loads(r[-1]) for r in rows[1:]]
    assert all(len(v) == 64 for v in vectors)
    norms = [sum(x * x for x in v) ** 0.5 for v in vectors]
    assert all(abs(n - 1) < 1e-3 for n in norms)
    # Same subject+body, same vector; the model is deterministic.
    by_text = {}
    for r, v in zip(rows[1:], vectors):
        by_text.setdefault((r[4], r[5]), v)
        assert by_text[(r[4], r[5])] == v


def test_bad_rows_fail_with_row_and_reason_the_rest_succeed(tmp_path):
    root = make_root(tmp_path, {"tickets": TICKETS_SPEC})
    good = read_csv(generate(tmp_path / "good.csv", rows=20, seed=9))

    def encode(row):
        out = io.StringIO(newline="")
        csv.writer(out, lineterminator="\r\n").writerow(row)
        return out.getvalue().encode()

    records = [encode(r) for r in good]  # header + 20 records; bodies hold CRLF inside quotes
    records.insert(3, b"T-RAGGED,only,three\r\n")                          # record 3: ragged
    records.insert(6, b"T-UTF8,2026-01-01,Bad \xff\xfe name,web,subj,body\r\n")  # record 6: invalid UTF-8
    drop = tmp_path / "bad.csv"
    drop.write_bytes(b"".join(records))
    run_sluice("process", drop, "--pipeline", "tickets", "--root", root, "--quiet")
    outbox = root / "outbox" / "tickets"
    manifest = check_manifest(outbox, "bad")
    assert manifest["counts"] == {"rows_in": 22, "succeeded": 20, "failed": 2, "deduped": 0, "cached": 0}
    failures = read_jsonl(outbox / "bad.failures.jsonl")
    assert [f["row"] for f in failures] == [3, 6]
    assert failures[0]["error"]["category"] == "input" and failures[0]["error"]["code"] == "records.csv_ragged"
    assert failures[0]["id"] == "T-RAGGED"
    assert "expected 6 fields" in failures[0]["error"]["message"]
    assert failures[1]["error"]["code"] == "records.invalid_utf8" and "customer" in failures[1]["error"]["message"]

    jsonl = tmp_path / "bad.jsonl"
    jsonl.write_text("\n".join([
        json.dumps({"ticket_id": "J1", "channel": "web", "subject": "s", "body": "b"}),
        "[1, 2, 3]",
        json.dumps({"ticket_id": "J3", "channel": "web", "subject": "s"}),
        "{not json",
        json.dumps({"ticket_id": "J5", "channel": "chat", "subject": "s", "body": "b"}),
    ]) + "\n")
    run_sluice("process", jsonl, "--pipeline", "tickets", "--root", root, "--quiet")
    manifest = check_manifest(outbox, "bad")  # same stem: the JSONL run rewrote the manifest
    assert manifest["counts"]["rows_in"] == 5 and manifest["counts"]["succeeded"] == 2
    failures = read_jsonl(outbox / "bad.failures.jsonl")
    assert [(f["row"], f["error"]["code"]) for f in failures] == [
        (2, "records.jsonl_not_object"), (3, "template.missing_field"), (4, "records.jsonl_invalid")]
    assert "'body'" in failures[1]["error"]["message"] and failures[1]["id"] == "J3"


def test_model_failures_are_classified(tmp_path):
    root = make_root(tmp_path, {"tickets": TICKETS_SPEC})
    drop = tmp_path / "faults.csv"
    with drop.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["ticket_id", "channel", "subject", "body"])
        w.writerow(["F1", "web", "ok", "fine"])
        w.writerow(["F2", "web", "x", "__sluice_invalid__"])
        w.writerow(["F3", "web", "x", "__sluice_notjson__"])
        w.writerow(["F4", "web", "x", "__sluice_fail__"])
        w.writerow(["F5", "web", "ok", "fine too"])
    run_sluice("process", drop, "--pipeline", "tickets", "--root", root, "--quiet")
    outbox = root / "outbox" / "tickets"
    manifest = check_manifest(outbox, "faults")
    assert manifest["counts"]["succeeded"] == 2 and manifest["counts"]["failed"] == 3
    failures = {f["id"]: f for f in read_jsonl(outbox / "faults.failures.jsonl")}
    assert failures["F2"]["error"]["category"] == "schema" and failures["F2"]["error"]["code"].startswith("schema.")
    assert failures["F2"]["error"]["path"].startswith("/") and failures["F2"]["raw"]
    assert failures["F3"]["error"]["code"] == "output.invalid_json" and failures["F3"]["raw"]
    assert failures["F4"]["error"]["category"] == "transient"


def test_chunking_limits(tmp_path):
    spec = TICKETS_SPEC.replace("prefix: ai_", "prefix: ai_\nbatch: {target_mb: 10}")
    root = make_root(tmp_path, {"tickets": spec})
    small = tmp_path / "small.csv"
    with small.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["ticket_id", "channel", "subject", "body"])
        for i in range(120_000):
            w.writerow([f"S{i}", "web", f"s{i}", "b"])  # distinct requests: none deduped
    run_sluice("process", small, "--pipeline", "tickets", "--root", root, "--quiet")
    manifest = check_manifest(root / "outbox" / "tickets", "small")
    assert manifest["counts"]["succeeded"] == 120_000
    assert len(manifest["batches"]) >= 3
    assert all(b["requests"] <= 50_000 for b in manifest["batches"])
    assert sum(b["requests"] for b in manifest["batches"]) == 120_000
    # Staged chunks are gone once the file is archived; the state database keeps their sizes.
    status = json.loads(run_sluice("status", "--root", root, "--json").stdout)
    small_file = next(f for f in status["files"] if f["name"] == "small.csv")
    assert small_file["stage"] == "archived"
    assert [b["id"] for b in small_file["batches"]] == [b["id"] for b in manifest["batches"]]
    assert all(0 < b["bytes"] <= 10_000_000 for b in small_file["batches"])
    assert sum(b["requests"] for b in small_file["batches"]) == 120_000
    # Big rows: the 10 MB target, not the request count, decides.
    big = generate(tmp_path / "big.csv", rows=12_000, seed=11)
    run_sluice("process", big, "--pipeline", "tickets", "--root", root, "--quiet")
    manifest = check_manifest(root / "outbox" / "tickets", "big")
    status = json.loads(run_sluice("status", "--root", root, "--json").stdout)
    big_file = next(f for f in status["files"] if f["name"] == "big.csv")
    assert len(manifest["batches"]) >= 2
    assert all(b["bytes"] <= 10_000_000 for b in big_file["batches"])
    assert max(b["bytes"] for b in big_file["batches"]) > 9_000_000, "the size target, not the count, cut the chunks"


def test_exit_codes(tmp_path):
    root = make_root(tmp_path, {"tickets": TICKETS_SPEC})
    assert run_sluice("process", "--root", root, check=False).returncode == 2
    assert run_sluice("process", tmp_path / "nope.csv", "--pipeline", "tickets", "--root", root,
                      check=False).returncode == 2
    missing_column = tmp_path / "cols.csv"
    missing_column.write_text("ticket_id,subject\nT1,hello\n")
    proc = run_sluice("process", missing_column, "--pipeline", "tickets", "--root", root, "--quiet", check=False)
    assert proc.returncode == 1
    manifest = json.loads((root / "outbox" / "tickets" / "cols.manifest.json").read_text())
    assert manifest["status"] == "rejected" and manifest["outputs"] == []
    assert "'channel'" in manifest["reason"] and "'body'" in manifest["reason"]
    corrupt = tmp_path / "corrupt.csv.gz"
    data = gzip.compress(b"ticket_id,channel,subject,body\n" + b"".join(b"T%d,w,s%d,b%d\n" % (i, i * 7, i * 13) for i in range(5000)))
    corrupt.write_bytes(data[: len(data) // 2])  # the stream ends mid-way: no trailer
    proc = run_sluice("process", corrupt, "--pipeline", "tickets", "--root", root, "--quiet", check=False)
    assert proc.returncode == 1
    manifest = json.loads((root / "outbox" / "tickets" / "corrupt.manifest.json").read_text())
    assert manifest["status"] == "rejected" and "gzip" in manifest["reason"]


def test_check_reports_problems(tmp_path):
    root = make_root(tmp_path, {"tickets": TICKETS_SPEC, "broken": "provider: openia\nmodel: m\nprompt: '{{x'\nextra: 1\n"})
    proc = run_sluice("check", "--root", root, check=False)
    assert proc.returncode == 1
    assert "broken.yaml:1: provider: 'openia' is not one of" in proc.stdout
    assert "broken.yaml:4: extra: unknown key 'extra'" in proc.stdout
    assert "template.unclosed" not in proc.stdout  # codes stay internal; messages are for people
    os.remove(root / "pipelines" / "broken.yaml")
    assert run_sluice("check", "--root", root).returncode == 0
