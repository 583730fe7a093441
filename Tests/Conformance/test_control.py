"""Control commands through the command line against a running `sluice run`: `sluice cancel FILE|BATCH` and
`sluice retry FILE`. (`sluice approve` against a running daemon is test_budget.py's first test.)

Provider traffic is counted by a separate `sluice emulator` process (`/_emulator/stats`); batches stay in progress
through its `stuck` fault or its processing delay. Every wait has a timeout; nothing is asserted about timing.
"""
import json
import shutil
import signal
import subprocess
import threading

import pytest
import yaml

from sluice_support import (REPO, Emulator, check_exactly_once, drop_by_rename, emulator_spec, generate, input_ids,
                            make_root, read_csv, read_jsonl, run_sluice, sha256, sluice_bin, status_files, wait_for,
                            wait_for_manifest)


@pytest.fixture
def emulators(tmp_path):
    started = []

    def start(*extra, delay=0):
        emulator = Emulator(tmp_path / f"emulator{len(started)}", processing_delay_ms=delay, extra_args=extra)
        started.append(emulator)
        return emulator

    yield start
    for emulator in started:
        emulator.stop()


def new_root(path, spec):
    root = make_root(path, {"tickets": spec})
    (root / "inbox" / "tickets").mkdir(parents=True, exist_ok=True)
    return root


def entry(root, name):
    found = [f for f in status_files(root) if f["name"] == name]
    return found[0] if found else None


def wait_for_batches(root, name, count, daemon, timeout=60):
    """Waits until `count` batches of `name` are at the provider; returns their ids."""
    def submitted():
        if daemon.poll() is not None:
            raise AssertionError(f"sluice run exited {daemon.returncode}\n{daemon.log_path.read_text()[-3000:]}")
        found = entry(root, name)
        return found is not None and len([b for b in found["batches"] if b["id"]]) >= count
    wait_for(submitted, timeout, f"{count} batches of {name} submitted")
    return [b["id"] for b in entry(root, name)["batches"] if b["id"]]


def outputs(outbox, manifest):
    enriched, failures = [], []
    for output in manifest["outputs"]:
        path = outbox / output["path"]
        if ".failures." in output["path"]:
            failures = read_jsonl(path)
        else:
            enriched = read_csv(path)
    return enriched, failures


def test_cancel_file_on_a_running_batch_keeps_answers_and_fails_the_rest_once(tmp_path, emulators, daemons):
    # `stuck`: the batch answers half its requests, then stays in progress until cancelled.
    emulator = emulators("--faults", "stuck=1")
    root = new_root(tmp_path / "root", emulator_spec(emulator.port, "batch: {poll: {initial: 20s, max: 1m}}\n"))
    outbox = root / "outbox" / "tickets"
    src = generate(tmp_path / "tickets.csv", rows=80, seed=31)
    daemon = daemons(root)
    drop_by_rename(src, root / "inbox" / "tickets", "tickets.csv")
    [batch_id] = wait_for_batches(root, "tickets.csv", 1, daemon)

    cancelled = run_sluice("cancel", "tickets.csv", "--root", root)
    assert "cancel recorded for tickets.csv" in cancelled.stdout, cancelled.stdout
    # The next poll is 16-24 s away: the cancel is noticed anyway, long before that.
    manifest = wait_for_manifest(outbox, "tickets", 14, daemon)
    manifest = check_exactly_once(outbox, src, "tickets.csv")
    assert emulator.batch(batch_id)["status"] == "cancelled"

    enriched, failures = outputs(outbox, manifest)
    answered = len(enriched) - 1
    assert 0 < answered < 80, answered
    assert len(failures) == 80 - answered
    for failure in failures:
        assert failure["error"]["code"] == "batch.cancelled", failure
        assert failure["error"]["category"] == "permanent", failure
        assert "cancelled by `sluice cancel` at " in failure["error"]["message"], failure
    assert manifest["cancelled"]["scope"] == "file" and manifest["cancelled"]["by"] == "sluice cancel", manifest
    assert manifest["cancelled"]["batches"] == [batch_id] and manifest["cancelled"]["rows"] == len(failures)
    assert manifest["retries"]["rounds"] == 0, manifest["retries"]
    # Nothing was sent again: one batch, 80 requests.
    stats = emulator.stats()
    assert stats["batches_created"] == 1 and stats["requests_received"] == 80, stats

    again = run_sluice("cancel", "tickets.csv", "--root", root, check=False)
    assert again.returncode == 1 and "is finished (stage archived)" in again.stderr, again.stderr

    # A cancelled file can be retried: its cancelled rows are permanent failures, and go again.
    emulator.stop()
    healthy = emulators("--port", str(emulator.port))
    wait_for(lambda: (entry(root, "tickets.csv") or {}).get("stage") == "archived", 30, "the file archived")
    retried = run_sluice("retry", "tickets.csv", "--root", root)
    assert f"{len(failures)} failed rows of transient,schema,permanent,budget" in retried.stdout, retried.stdout

    def regenerated():
        path = outbox / "tickets.manifest.json"
        return path.exists() and json.loads(path.read_text()).get("generation") == 2
    wait_for(regenerated, 60, "manifest generation 2")
    second = check_exactly_once(outbox, src, "tickets.csv")
    assert second["counts"]["succeeded"] == 80 and "cancelled" not in second, second
    assert healthy.stats()["requests_received"] == len(failures)
    assert daemon.poll() is None


def test_a_cancel_recorded_while_the_daemon_is_down_is_acted_on_at_its_next_start(tmp_path, emulators, daemons):
    emulator = emulators("--faults", "stuck=1")
    root = new_root(tmp_path / "root", emulator_spec(emulator.port, "batch: {poll: {initial: 200ms, max: 1s}}\n"))
    outbox = root / "outbox" / "tickets"
    src = generate(tmp_path / "tickets.csv", rows=60, seed=35)
    daemon = daemons(root)
    drop_by_rename(src, root / "inbox" / "tickets", "tickets.csv")
    [batch_id] = wait_for_batches(root, "tickets.csv", 1, daemon)
    daemon.send_signal(signal.SIGKILL)
    daemon.wait(timeout=10)

    assert "cancel recorded" in run_sluice("cancel", "tickets.csv", "--root", root).stdout
    restarted = daemons(root)
    wait_for_manifest(outbox, "tickets", 30, restarted)
    manifest = check_exactly_once(outbox, src, "tickets.csv")
    assert emulator.batch(batch_id)["status"] == "cancelled"
    assert manifest["cancelled"]["batches"] == [batch_id] and manifest["cancelled"]["rows"] > 0, manifest
    stats = emulator.stats()
    assert stats["batches_created"] == 1 and stats["requests_received"] == 60, stats


def test_cancel_one_batch_by_id_lets_the_others_finish(tmp_path, emulators, daemons):
    emulator = emulators(delay=8000)
    spec = emulator_spec(emulator.port, "batch: {max_requests: 50, poll: {initial: 100ms, max: 1s}}\n")
    root = new_root(tmp_path / "root", spec)
    outbox = root / "outbox" / "tickets"
    src = generate(tmp_path / "tickets.csv", rows=100, seed=32)
    daemon = daemons(root)
    drop_by_rename(src, root / "inbox" / "tickets", "tickets.csv")
    first, second = wait_for_batches(root, "tickets.csv", 2, daemon)

    cancelled = run_sluice("cancel", second, "--root", root)
    assert f"cancel recorded for batch {second} of tickets.csv" in cancelled.stdout, cancelled.stdout
    manifest = wait_for_manifest(outbox, "tickets", 60, daemon)
    manifest = check_exactly_once(outbox, src, "tickets.csv")
    assert emulator.batch(second)["status"] == "cancelled"
    assert emulator.batch(first)["status"] == "completed"

    enriched, failures = outputs(outbox, manifest)
    # The first batch's 50 rows are all answered; the cancelled one's unanswered rows fail, and are not resent.
    enriched_ids = {row[0] for row in enriched[1:]}
    assert set(input_ids(src)[:50]) <= enriched_ids
    assert failures and all(f["error"]["code"] == "batch.cancelled" for f in failures), failures[:2]
    assert all(f["row"] > 50 for f in failures)
    assert manifest["cancelled"]["scope"] == "batches" and manifest["cancelled"]["batches"] == [second], manifest
    stats = emulator.stats()
    assert stats["batches_created"] == 2 and stats["requests_received"] == 100, stats

    unknown = run_sluice("cancel", "batch_doesnotexist", "--root", root, check=False)
    assert unknown.returncode == 1 and "no batch batch_doesnotexist" in unknown.stderr, unknown.stderr
    ended = run_sluice("cancel", first, "--root", root, check=False)
    assert ended.returncode == 1 and "has ended" in ended.stderr, ended.stderr


def test_cancel_a_file_held_for_approval_sends_nothing_and_fails_every_row(tmp_path, emulators, daemons):
    emulator = emulators()
    root = new_root(tmp_path / "root", emulator_spec(emulator.port) + "budget: {max_usd: 0.0001}\n")
    shutil.copy(REPO / "pipelines" / "prices.yaml", root / "pipelines" / "prices.yaml")
    outbox = root / "outbox" / "tickets"
    src = generate(tmp_path / "tickets.csv", rows=40, seed=33)
    daemon = daemons(root)
    drop_by_rename(src, root / "inbox" / "tickets", "tickets.csv")
    wait_for(lambda: (entry(root, "tickets.csv") or {}).get("stage") == "awaiting-approval", 60, "the file held")

    cancelled = run_sluice("cancel", "tickets.csv", "--root", root)
    assert "(stage awaiting-approval)" in cancelled.stdout, cancelled.stdout
    manifest = wait_for_manifest(outbox, "tickets", 30, daemon)
    manifest = check_exactly_once(outbox, src, "tickets.csv")
    assert manifest["counts"]["succeeded"] == 0 and manifest["counts"]["failed"] == 40, manifest["counts"]
    _, failures = outputs(outbox, manifest)
    assert [f["row"] for f in failures] == list(range(1, 41))
    assert all(f["error"]["code"] == "batch.cancelled" for f in failures)
    assert manifest["cancelled"] == {**manifest["cancelled"], "scope": "file", "batches": [], "rows": 40}
    stats = emulator.stats()
    for key in ("batches_created", "files_uploaded", "requests_received"):
        assert stats[key] == 0, (key, stats)


def test_retry_sends_only_the_failed_rows_and_writes_generation_2(tmp_path, emulators, daemons):
    faulty = emulators("--faults", "schema_invalid=0.3")
    port = faulty.port
    spec = emulator_spec(port, "batch: {poll: {initial: 100ms, max: 500ms}}\nretry: {max_attempts: 1}\n")
    root = new_root(tmp_path / "root", spec)
    outbox = root / "outbox" / "tickets"
    src = generate(tmp_path / "tickets.csv", rows=120, seed=34)
    daemon = daemons(root)
    drop_by_rename(src, root / "inbox" / "tickets", "tickets.csv")
    first = wait_for_manifest(outbox, "tickets", 60, daemon)
    first = check_exactly_once(outbox, src, "tickets.csv")
    failed_rows = sorted(f["row"] for f in read_jsonl(outbox / "tickets.failures.jsonl"))
    assert failed_rows and first["counts"]["failed"] == len(failed_rows) < 120, first["counts"]
    first_enriched = read_csv(outbox / "tickets.enriched.csv")
    first_manifest_sha = sha256(outbox / "tickets.manifest.json")
    wait_for(lambda: (entry(root, "tickets.csv") or {}).get("stage") == "archived", 30, "the file archived")

    # The same port, no faults: every row sent again now succeeds.
    faulty.stop()
    healthy = emulators("--port", str(port))
    assert healthy.port == port
    nothing = run_sluice("retry", "tickets.csv", "--root", root, "--category", "transient")
    assert "nothing to retry" in nothing.stdout, nothing.stdout
    retried = run_sluice("retry", "tickets.csv", "--root", root)
    assert f"retry recorded for tickets.csv (drop 1, pipeline tickets): {len(failed_rows)} failed rows" in retried.stdout

    def regenerated():
        path = outbox / "tickets.manifest.json"
        return path.exists() and json.loads(path.read_text()).get("generation") == 2
    wait_for(regenerated, 60, "manifest generation 2")
    second = check_exactly_once(outbox, src, "tickets.csv")
    assert second["previous"]["generation"] == 1 and second["previous"]["sha256"] == first_manifest_sha, second
    assert second["previous"]["written_at"] == first["timings"]["written_at"], second["previous"]
    assert second["counts"]["succeeded"] == 120 and second["counts"]["failed"] == 0, second["counts"]
    assert not (outbox / "tickets.failures.jsonl").exists()
    # Enriched: input order; the earlier successes byte for byte, the retried rows filled in.
    enriched = read_csv(outbox / "tickets.enriched.csv")
    assert [r[0] for r in enriched[1:]] == input_ids(src)
    assert enriched[0] == first_enriched[0]
    kept = {r[0]: r for r in first_enriched[1:]}
    for row in enriched[1:]:
        if row[0] in kept:
            assert row == kept[row[0]]
    # Only the failed rows went again, one request each, in one new batch.
    stats = healthy.stats()
    assert stats["requests_received"] == len(failed_rows) and stats["batches_created"] == 1, stats

    again = run_sluice("retry", "tickets.csv", "--root", root)
    assert "nothing to retry: every row of tickets.csv" in again.stdout, again.stdout
    assert daemon.poll() is None


def test_retry_refuses_a_rejected_file_and_an_unknown_one(tmp_path, emulators, daemons):
    emulator = emulators()
    root = new_root(tmp_path / "root", emulator_spec(emulator.port))
    outbox = root / "outbox" / "tickets"
    daemon = daemons(root)
    broken = tmp_path / "broken.csv"
    broken.write_bytes(b"\x1f\x8b\x08\x00garbage")
    drop_by_rename(broken, root / "inbox" / "tickets", "broken.csv")
    manifest = wait_for_manifest(outbox, "broken", 30, daemon)
    assert manifest["status"] == "rejected"
    wait_for(lambda: (entry(root, "broken.csv") or {}).get("stage") == "rejected", 30, "broken.csv archived")
    rejected = run_sluice("retry", "broken.csv", "--root", root, check=False)
    assert rejected.returncode == 1 and "was rejected" in rejected.stderr, rejected.stderr
    unknown = run_sluice("retry", "nothing.csv", "--root", root, check=False)
    assert unknown.returncode == 1 and "no file named nothing.csv" in unknown.stderr, unknown.stderr
    usage = run_sluice("retry", "broken.csv", "--root", root, "--category", "input", check=False)
    assert usage.returncode == 2 and "cannot be mended" in usage.stderr, usage.stderr
