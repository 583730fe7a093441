"""`sluice sample`: a few rows sent realtime against a separate `sluice emulator`, checked from the outside.

The emulator's own `/_emulator/stats` proves how many calls arrived and that none was a batch; every request
body `sample --json` reports is sent to the emulator again by hand, and the emulator's answer (seeded: the same
body gets the same answer) must carry the usage and the text `sample` reported. Prompts are rendered here
independently from the CSV, outputs validated with `jsonschema`, costs recomputed from pipelines/prices.yaml.

Realtime calls do not draw the emulator's line faults (`--faults schema_invalid=1` acts on batch requests only),
so a schema-invalid answer comes from the `__sluice_invalid__` trigger in a row's text instead.
"""
import csv
import io
import json
import re
import shutil
import subprocess
import urllib.request

import jsonschema
import yaml

from sluice_support import (REPO, TICKETS_SPEC, Emulator, generate, make_root, read_bytes, remote_spec, sluice_bin,
                            sluice_env)

SCHEMA = yaml.safe_load(TICKETS_SPEC)["output"]["schema"]
PRICES = yaml.safe_load((REPO / "pipelines" / "prices.yaml").read_text())["models"]


def sample(root, drop, *args, status=0, pipeline="tickets"):
    proc = subprocess.run([sluice_bin(), "sample", str(drop), "--pipeline", pipeline, "--root", str(root), "--json",
                           *map(str, args)], capture_output=True, text=True, timeout=300, env=sluice_env())
    assert proc.returncode == status, f"sluice sample exited {proc.returncode}\n{proc.stderr[-4000:]}"
    return json.loads(proc.stdout) if proc.stdout.strip() else None


def root_with(tmp_path, spec):
    root = make_root(tmp_path / "root", {"tickets": spec})
    shutil.copy(REPO / "pipelines" / "prices.yaml", root / "pipelines" / "prices.yaml")
    return root


def replay(emulator, path, body, anthropic=False):
    """POSTs `body` to the emulator as a client of its own would, returns the parsed answer."""
    headers = {"Content-Type": "application/json"}
    headers.update({"x-api-key": "k", "anthropic-version": "2023-06-01"} if anthropic
                   else {"Authorization": "Bearer k"})
    data = json.dumps(body, ensure_ascii=False).encode()
    with urllib.request.urlopen(urllib.request.Request(emulator.base + path, data=data, headers=headers),
                                timeout=30) as response:
        return json.loads(response.read())


def render(template, row):
    return re.sub(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}", lambda m: row[m.group(1)], template)


def test_n_rows_are_n_realtime_calls_with_the_emulators_own_usage(tmp_path):
    drop = generate(tmp_path / "tickets.csv", rows=40, seed=5)
    with Emulator(tmp_path / "emulator", seed=3) as emulator:
        root = root_with(tmp_path, remote_spec(emulator.port))
        report = sample(root, drop, "-n", 7)
        stats = emulator.stats()
        # Exactly seven calls, all to the realtime chat endpoint, all answered; no file, no batch.
        assert stats["realtime"]["requests"] == 7 and stats["realtime"]["answered"] == 7
        assert stats["realtime"]["by_endpoint"]["/v1/chat/completions"]["requests"] == 7
        assert stats["batches_created"] == 0 and stats["files_uploaded"] == 0

        assert report["via"] == "realtime" and report["provider"] == "openai"
        assert report["endpoint"] == f"http://127.0.0.1:{emulator.port}/v1/chat/completions"
        assert report["selection"] == {"first": 7, "skip": 0}
        assert report["totals"] == {"rows": 7, "not_sent": 0, "sent": 7, "answered": 7, "valid": 7, "invalid": 0,
                                    "failed": 0, "failures_by_code": {}}
        rows = list(csv.DictReader(io.StringIO(read_bytes(drop).decode(), newline="")))
        spec = yaml.safe_load(TICKETS_SPEC)
        total_in = total_out = 0
        for entry, source in zip(report["rows"], rows[:7], strict=True):
            assert entry["id"] == source["ticket_id"] and entry["status"] == "valid" and entry["http_status"] == 200
            expected_user = render(spec["prompt"], source)
            assert entry["prompt"] == {"system": spec["system"], "user": expected_user}
            assert entry["request"]["messages"] == [{"role": "system", "content": spec["system"]},
                                                    {"role": "user", "content": expected_user}]
            assert entry["request"]["response_format"]["json_schema"]["strict"] is True
            jsonschema.validate(entry["output"], SCHEMA)
            assert entry["error"] is None and entry["record"] == source
            # The same body again: the emulator's own figures are the ones sample reported.
            answer = replay(emulator, "/v1/chat/completions", entry["request"])
            assert entry["usage"] == {"input_tokens": answer["usage"]["prompt_tokens"],
                                      "output_tokens": answer["usage"]["completion_tokens"]}
            assert entry["raw"] == answer["choices"][0]["message"]["content"]
            assert json.loads(entry["raw"]) == entry["output"]
            total_in += answer["usage"]["prompt_tokens"]
            total_out += answer["usage"]["completion_tokens"]
        assert report["tokens"] == {"reported_by": "provider", "input": total_in, "output": total_out,
                                    "requests_with_usage": 7}

    price = PRICES["gpt-4o-mini"]
    realtime = (total_in * price["realtime"]["input"] + total_out * price["realtime"]["output"]) / 1e6
    batch = (total_in * price["batch"]["input"] + total_out * price["batch"]["output"]) / 1e6
    assert abs(report["cost"]["realtime"] - realtime) < 1e-6 and abs(report["cost"]["batch"] - batch) < 1e-6
    assert report["file_counts"] == {"rows": 40, "requests": 40, "failed_rows": 0, "failures_by_code": {}}
    extrapolation = report["extrapolation"]
    assert extrapolation["requests"] == 40 and extrapolation["basis_requests"] == 7
    assert extrapolation["input_tokens"] == round(total_in * 40 / 7)
    assert extrapolation["output_tokens"] == round(total_out * 40 / 7)
    # Sample writes nothing under the root.
    assert sorted(p.name for p in root.iterdir()) == ["pipelines"]


def test_anthropic_spec_sends_messages_and_judges_answers_as_failures_jsonl_would(tmp_path):
    drop = tmp_path / "tickets.csv"
    with open(drop, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["ticket_id", "channel", "subject", "body"])
        writer.writerow(["A1", "email", "Late parcel", "Where is my parcel?"])
        writer.writerow(["A2", "chat", "Refund", "__sluice_invalid__ I want my money back"])
        writer.writerow(["A3", "web", "Login", "I cannot log in."])
    with Emulator(tmp_path / "emulator") as emulator:
        spec = TICKETS_SPEC.replace("provider: local", f"provider: anthropic\nbase_url: {emulator.base}\n"
                                                       "api_key_env: SLUICE_TEST_KEY").replace(
            "model: gpt-4o-mini", "model: claude-haiku-4-5")
        root = root_with(tmp_path, spec)
        report = sample(root, drop, "--rows", "1-3")
        stats = emulator.stats()
        assert stats["anthropic_messages_received"] == 3
        assert stats["realtime"]["requests"] == 0 and stats["batches_created"] == 0
        assert report["endpoint"] == f"{emulator.base}/v1/messages"
        assert [r["status"] for r in report["rows"]] == ["valid", "invalid", "valid"]
        invalid = report["rows"][1]
        assert invalid["error"]["category"] == "schema" and invalid["error"]["code"].startswith("schema.")
        assert invalid["error"]["kind"] == "schema" and invalid["retryable"] is True
        try:
            jsonschema.validate(json.loads(invalid["raw"]), SCHEMA)
            raise AssertionError("the raw answer of an invalid row should break the schema")
        except jsonschema.ValidationError:
            pass
        for entry in report["rows"]:
            assert entry["request"]["model"] == "claude-haiku-4-5" and entry["request"]["max_tokens"] == 200
            assert entry["request"]["system"] == entry["prompt"]["system"]
            answer = replay(emulator, "/v1/messages", entry["request"], anthropic=True)
            assert entry["usage"] == {"input_tokens": answer["usage"]["input_tokens"],
                                      "output_tokens": answer["usage"]["output_tokens"]}
        assert report["totals"]["failures_by_code"] == {invalid["error"]["code"]: 1}


def test_retried_429s_still_answer_each_row_once(tmp_path):
    drop = generate(tmp_path / "tickets.csv", rows=12, seed=2)
    with Emulator(tmp_path / "emulator", seed=4, extra_args=["--faults", "http429=0.4", "--retry-after", "0"]) as emulator:
        root = root_with(tmp_path, remote_spec(emulator.port))
        report = sample(root, drop, "-n", 12)
        realtime = emulator.stats()["realtime"]
        assert report["totals"]["valid"] == 12
        assert realtime["answered"] == 12 and realtime["rate_limited"] == realtime["requests"] - 12
        assert realtime["rate_limited"] > 0, "the seed should refuse some calls"


def test_a_provider_refusing_every_call_exits_1(tmp_path):
    drop = generate(tmp_path / "tickets.csv", rows=5, seed=1)
    with Emulator(tmp_path / "emulator") as emulator:
        root = root_with(tmp_path, remote_spec(emulator.port).replace("model: gpt-4o-mini", "model: unknown-model"))
        report = sample(root, drop, "-n", 2, status=1)
        assert emulator.stats()["realtime"]["client_errors"] == 2
    assert [r["status"] for r in report["rows"]] == ["failed", "failed"]
    assert {r["error"]["code"] for r in report["rows"]} == {"provider.model_not_found"}
    assert all(r["http_status"] == 404 and r["usage"] is None for r in report["rows"])
    assert report["price"]["known"] is False and report["cost"] == {"currency": "USD", "realtime": None, "batch": None}


def test_rows_failing_before_sending_are_shown_and_not_sent(tmp_path):
    drop = tmp_path / "tickets.jsonl"
    drop.write_text("\n".join([
        json.dumps({"ticket_id": "J1", "channel": "web", "subject": "a", "body": "b"}),
        json.dumps({"ticket_id": "J2", "channel": "web", "subject": "no body"}),
        json.dumps({"ticket_id": "J3", "channel": "web", "subject": "c", "body": "d"}),
    ]) + "\n")
    with Emulator(tmp_path / "emulator") as emulator:
        root = root_with(tmp_path, remote_spec(emulator.port))
        report = sample(root, drop, "--rows", "2,3", "--head-only")
        assert emulator.stats()["realtime"]["requests"] == 1
        assert [r["status"] for r in report["rows"]] == ["not_sent", "valid"]
        assert report["rows"][0]["error"] == {"category": "input", "kind": "input", "code": "template.missing_field",
                                              "message": "the template names 'body', which this record lacks"}
        assert report["rows"][0]["request"] is None and report["rows"][0]["http_status"] is None
        assert report["file_counts"] is None and report["extrapolation"] is None
        # Every selected row failing before sending: nothing is sent, exit 1; a row past the end is a usage error.
        nothing = sample(root, drop, "--rows", "2", status=1)
        assert nothing["totals"]["sent"] == 0 and nothing["endpoint"] is None
        assert sample(root, drop, "--rows", "4", status=2) is None
        assert emulator.stats()["realtime"]["requests"] == 1


def test_the_bundled_sample_drop_through_the_local_provider_needs_no_setup(tmp_path):
    root = tmp_path / "root"
    shutil.copytree(REPO / "pipelines", root / "pipelines")
    drop = root / "inbox" / "tickets" / "tickets.csv.gz"
    drop.parent.mkdir(parents=True)
    shutil.copy(REPO / "inbox" / "tickets" / "tickets.csv.gz", drop)
    report = sample(root, drop)
    assert report["provider"] == "local" and report["totals"]["valid"] == 10
    assert [r["row"] for r in report["rows"]] == list(range(1, 11))
    assert report["file_counts"]["rows"] == 2000 and report["extrapolation"]["requests"] == 2000
    text = subprocess.run([sluice_bin(), "sample", str(drop), "--pipeline", "tickets", "--root", str(root), "-n", "2"],
                          capture_output=True, text=True, timeout=300)
    assert text.returncode == 0, text.stderr
    assert "row 1  id T00000001  valid  HTTP 200" in text.stdout
    assert "--full shows all" in text.stdout and "extrapolated" in text.stdout
    assert not (root / ".sluice").exists() and not (root / "outbox").exists(), "sample writes nothing"
