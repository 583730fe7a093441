"""Failures are data: `sluice process` against `sluice emulator --faults ...`, each batch-level outcome on its own
with its exact manifest counts, then every fault kind at once (the soak).

One chunk of 100 rows per drop (max_requests: 100) and retry.max_attempts 3, so a kind that hits every batch
gives counts that follow from the emulator's documented behaviour: `expire` and `stuck` keep the first half of
each batch's requests answered, so 100 -> 50 + 25 + 12 answered over three rounds and 13 left.
"""
import json
import os

import pytest

from sluice_support import (TICKETS_SPEC, Emulator, check_exactly_once, check_manifest, generate, make_root,
                            process_drop, read_jsonl, run_sluice)

RETRYABLE = {"transport", "rate_limited", "provider_5xx", "queue_full", "expired", "cancelled", "truncated",
             "invalid_json", "schema", "missing"}


def spec(port, max_requests=100, extra="", retry="{max_attempts: 3, queue_wait: 100ms}"):
    return TICKETS_SPEC.replace(
        "provider: local\n",
        f"provider: openai\nbase_url: http://127.0.0.1:{port}/v1\napi_key_env: SLUICE_TEST_KEY\n",
    ) + (f"batch: {{max_requests: {max_requests}, poll: {{initial: 50ms, max: 200ms}}, stuck_after: 3s}}\n"
         f"retry: {retry}\n" + extra)


def run(tmp_path, faults, rows=100, max_requests=100, seed=7, timeout=600, extra="", rejected=False,
        retry="{max_attempts: 3, queue_wait: 100ms}"):
    with Emulator(tmp_path / "emulator", seed=seed, extra_args=["--faults", faults, "--slow-ms", "200"]) as emulator:
        root = make_root(tmp_path / "root", {"tickets": spec(emulator.port, max_requests, extra, retry)})
        drop = generate(tmp_path / "tickets.csv", rows=rows, seed=3)
        process_drop(root, drop, "tickets", timeout=timeout, status=1 if rejected else 0)
        outbox = root / "outbox" / "tickets"
        manifest = check_manifest(outbox, "tickets") if rejected else check_exactly_once(outbox, drop, "tickets.csv")
        failures = read_jsonl(outbox / "tickets.failures.jsonl") if (outbox / "tickets.failures.jsonl").exists() else []
        return manifest, failures, emulator.stats()


def summary(manifest):
    return (manifest["counts"]["succeeded"], manifest["counts"]["failed"], len(manifest["batches"]),
            manifest["failures_by_kind"])


def check_no_double_billing(stats):
    ids = stats["custom_ids"]
    assert ids["received_more_than_once"] == 0 and ids["received"] == ids["distinct"], ids


@pytest.mark.parametrize("kind", ["expire", "stuck"])
def test_a_batch_ending_with_half_its_answers_keeps_them_and_retries_the_rest(tmp_path, kind):
    manifest, failures, stats = run(tmp_path, f"{kind}=1")
    left = "expired" if kind == "expire" else "cancelled"
    assert summary(manifest) == (87, 13, 3, {left: 13})
    assert manifest["alerts"][0]["message"] == "13 of 100 rows failed (13.0%), more than alerts.max_failure_rate 10.0%"
    assert manifest["retries"] == {"rounds": 2, "rows": 50, "recovered": 37}
    assert all(f["attempts"] == 3 and [h["attempt"] for h in f["history"]] == [1, 2] for f in failures)
    # What the provider said for each row is kept: its error line, or the batch's status when it sent none.
    assert all(isinstance(json.loads(f["raw"]), dict) for f in failures), failures[:1]
    assert stats["custom_ids"]["received"] == 100 + 50 + 25
    check_no_double_billing(stats)


def test_a_batch_failing_validation_blames_its_line_and_retries_the_others(tmp_path):
    manifest, failures, stats = run(tmp_path, "fail_validation=1")
    # Each round's batch names one line: that row fails for good, the others never ran and go again.
    assert summary(manifest) == (0, 100, 3, {"provider_4xx": 3, "cancelled": 97})
    blamed = [f for f in failures if f["error"]["kind"] == "provider_4xx"]
    assert sorted(f["attempts"] for f in blamed) == [1, 2, 3]
    assert all(f["attempts"] == 3 for f in failures if f["error"]["kind"] == "cancelled")
    assert stats["custom_ids"]["received"] == 0, "a batch that fails validation runs none of its requests"


def test_a_full_queue_is_waited_out_without_spending_attempts(tmp_path):
    # Every batch fails for the provider's enqueued-token limit: the rows wait and go again, five waits at most,
    # none of them spending one of the three attempts.
    manifest, failures, stats = run(tmp_path, "queue_full=1")
    assert summary(manifest) == (0, 100, 6, {"queue_full": 100})
    assert all(f["attempts"] == 6 and len(f["history"]) == 5 for f in failures)
    assert stats["custom_ids"]["received"] == 0, "a batch failed for a full queue runs none of its requests"


def test_a_full_queue_then_a_schema_failure_spends_only_the_real_attempts(tmp_path):
    # Half the batches hit a full queue, the answers of the others all break the schema: each row is sent until
    # three of its attempts were answered, however many queue waits came between.
    manifest, failures, stats = run(tmp_path, "queue_full=0.5,schema_invalid=1", rows=400, max_requests=20)
    assert manifest["counts"]["failed"] == 400
    for f in failures:
        kinds = [h.get("kind") for h in f["history"]] + [f["error"]["kind"]]
        real = sum(1 for k in kinds if k != "queue_full")
        assert real == 3 or (kinds[-1] == "queue_full" and kinds.count("queue_full") == 6), kinds
    check_no_double_billing(stats)


@pytest.mark.parametrize("faults,kind", [("missing_line=1", "missing"),
                                         ("line_error=1", "provider_5xx"), ("not_json=1", "invalid_json"),
                                         ("schema_invalid=1", "schema"), ("truncated=1", "truncated")])
def test_a_retryable_failure_is_sent_max_attempts_times(tmp_path, faults, kind):
    manifest, failures, stats = run(tmp_path, faults)
    assert summary(manifest) == (0, 100, 3, {kind: 100})
    assert all(f["attempts"] == 3 and len(f["history"]) == 2 for f in failures)
    assert [a["code"] for a in manifest["alerts"]] == ["alerts.max_failure_rate"]
    assert stats["custom_ids"]["received"] == 300
    if kind != "missing":
        assert all(f["raw"] for f in failures), "the provider's answer is kept with the row"
    check_no_double_billing(stats)


def test_repair_retries_go_through_the_same_rounds(tmp_path):
    # The emulator's schema_invalid fault follows the custom_id, not the prompt, so repaired requests fail too: what
    # this shows is that repaired requests (the answer and its error appended) are requests the provider takes,
    # and that they really carry more: their prompts cost more input tokens than the plain retries'.
    manifest, failures, stats = run(tmp_path / "repair", "schema_invalid=1", retry="{max_attempts: 3, repair: true}")
    assert summary(manifest) == (0, 100, 3, {"schema": 100})
    assert stats["custom_ids"]["received"] == 300
    check_no_double_billing(stats)
    plain, _, _ = run(tmp_path / "plain", "schema_invalid=1")
    assert manifest["usage"]["input_tokens"] > plain["usage"]["input_tokens"] > 0, (manifest["usage"], plain["usage"])


def test_a_canary_whose_answers_fail_validation_stops_the_file_after_its_rows(tmp_path):
    manifest, failures, stats = run(
        tmp_path, "schema_invalid=1", extra="canary: {rows: 20, min_valid: 0.9}\n", rejected=True)
    assert manifest["status"] == "rejected"
    assert manifest["reason"].startswith("canary: 0 of 20 answers (0%) were schema-valid"), manifest["reason"]
    assert "the other 80 requests were not sent" in manifest["reason"]
    assert stats["custom_ids"]["received"] == 20, "only the canary was sent"
    assert stats["batches_created"] == 1
    # The canary was paid for: its usage is settled in the day's totals (the root has no prices.yaml: unpriced).
    assert manifest["cost"]["price_known"] is False and manifest["cost"]["usd_actual"] is None, manifest["cost"]
    spend = json.loads(run_sluice("status", "--root", tmp_path / "root", "--json").stdout)["spend"]
    assert [(s["files"], s["unpriced_files"], s["requests"], s["usd_reserved"]) for s in spend] == [(1, 1, 20, 0)], spend
    assert spend[0]["input_tokens"] == manifest["usage"]["input_tokens"] > 0, (spend, manifest["usage"])


def test_a_canary_that_passes_lets_the_rest_go(tmp_path):
    manifest, failures, stats = run(tmp_path, "slow=0", extra="canary: {rows: 20, min_valid: 0.9}\n")
    assert summary(manifest) == (100, 0, 2, {})
    assert [b["requests"] for b in manifest["batches"]] == [20, 80]
    assert manifest["alerts"] == []


def test_a_failure_rate_under_the_alert_threshold_is_not_flagged(tmp_path):
    manifest, failures, _ = run(tmp_path, "expire=1", extra="alerts: {max_failure_rate: 0.2}\n")
    assert summary(manifest)[:2] == (87, 13)
    assert manifest["alerts"] == [], "13% failed, under the 20% threshold"


SOAK = ("http429=0.05,http5xx=0.02,reset=0.01,slow=0.01,line_error=0.02,schema_invalid=0.03,not_json=0.01,"
        "truncated=0.01,missing_line=0.005,expire=0.1,fail_validation=0.05,stuck=0.02,queue_full=0.05")


def test_every_fault_at_once_loses_nothing_and_bills_nothing_twice(tmp_path):
    rows = int(os.environ.get("SLUICE_SOAK_ROWS", "5000"))
    manifest, failures, stats = run(tmp_path, SOAK, rows=rows, max_requests=250, timeout=1800)
    counts = manifest["counts"]
    print(f"\nsoak: {rows} rows, {len(manifest['batches'])} batches, {counts['succeeded']} succeeded, "
          f"{counts['failed']} failed {manifest['failures_by_kind']}, retries {manifest['retries']}, "
          f"faults injected {stats['faults_injected']}")
    assert counts["rows_in"] == rows
    for f in failures:
        assert f["error"]["category"] and f["error"]["kind"] and f["raw"], f
        if f["error"]["kind"] in RETRYABLE:
            kinds = [h.get("kind") for h in f.get("history", [])] + [f["error"]["kind"]]
            spent = sum(1 for k in kinds if k != "queue_full")
            assert spent == 3 or kinds.count("queue_full") == 6, f"row {f['row']} given up early: {kinds}"
    assert manifest["retries"]["recovered"] > 0
    check_no_double_billing(stats)
