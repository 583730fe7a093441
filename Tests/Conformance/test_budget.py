"""Budgets through the command line: a file over `budget.max_usd` or over the day's `budget.daily_usd` is held
before anything is sent, `sluice approve FILE` or a `FILE.approve` file lets it go, a hold and the day's totals
survive a restart, and the manifest's `cost` is the provider's usage priced from pipelines/prices.yaml.

Provider traffic is counted by a separate `sluice emulator` process (`/_emulator/stats`); every wait has a timeout.
"""
import json
import shutil
import signal
import subprocess
import time

import pytest
import yaml

from sluice_support import (REPO, Emulator, check_exactly_once, drop_by_rename, emulator_spec, generate, make_root,
                            process_drop, run_sluice, sluice_bin, sluice_env, stop_daemon, wait_for,
                            wait_for_manifest)

PRICES = yaml.safe_load((REPO / "pipelines" / "prices.yaml").read_text())["models"]["gpt-4o-mini"]


@pytest.fixture
def emulator(tmp_path):
    started = Emulator(tmp_path / "emulator")
    yield started
    started.stop()


def priced_root(path, spec):
    root = make_root(path, {"tickets": spec})
    shutil.copy(REPO / "pipelines" / "prices.yaml", root / "pipelines" / "prices.yaml")
    (root / "inbox" / "tickets").mkdir(parents=True, exist_ok=True)
    return root


def status(root):
    proc = subprocess.run([sluice_bin(), "status", "--root", str(root), "--json"], capture_output=True, text=True,
                          timeout=60, env=sluice_env())
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout)


def file_status(root, name):
    found = [f for f in status(root)["files"] if f["name"] == name]
    return found[0] if found else None


def today(root):
    lines = status(root)["spend"]
    day = max(line["day"] for line in lines)
    return next(line for line in lines if line["day"] == day and line["pipeline"] == "tickets")


def wait_until_held(root, name, daemon=None, timeout=60):
    def held():
        if daemon is not None and daemon.poll() is not None:
            raise AssertionError(f"sluice run exited {daemon.returncode}\n{daemon.log_path.read_text()[-3000:]}")
        entry = file_status(root, name)
        return entry is not None and entry["stage"] == "awaiting-approval"
    wait_for(held, timeout, f"{name} held for approval")
    return file_status(root, name)


def assert_nothing_sent(emulator, before=None):
    stats = emulator.stats()
    for key in ("batches_created", "files_uploaded", "requests_received"):
        assert stats[key] == (before or {}).get(key, 0), (key, stats)


def assert_cost_is_usage_times_prices(manifest):
    """`cost` prices `usage` at gpt-4o-mini's batch rates (USD per 1M tokens), realtime as the equivalent."""
    cost, usage = manifest["cost"], manifest["usage"]
    actual = (usage["input_tokens"] * PRICES["batch"]["input"] + usage["output_tokens"] * PRICES["batch"]["output"]) / 1e6
    realtime = (usage["input_tokens"] * PRICES["realtime"]["input"]
                + usage["output_tokens"] * PRICES["realtime"]["output"]) / 1e6
    assert usage["input_tokens"] > 0 and usage["output_tokens"] > 0, usage
    assert cost["usd_actual"] > 0, cost
    assert abs(cost["usd_actual"] - actual) <= 1e-6, (cost, actual)
    assert abs(cost["usd_realtime_equivalent"] - realtime) <= 1e-6, (cost, realtime)
    assert abs(cost["saving_usd"] - (realtime - actual)) <= 2e-6, cost
    assert cost["price_known"] is True and cost["basis"] == "batch", cost
    return cost


def test_a_file_over_max_usd_is_held_sends_nothing_and_goes_through_once_approved(tmp_path, emulator, daemons):
    root = priced_root(tmp_path / "root", emulator_spec(emulator.port) + "budget: {max_usd: 0.0001}\n")
    outbox = root / "outbox" / "tickets"
    src = generate(tmp_path / "tickets.csv", rows=60, seed=21)
    daemon = daemons(root)
    drop_by_rename(src, root / "inbox" / "tickets", "tickets.csv")

    held = wait_until_held(root, "tickets.csv", daemon)
    hold = held["hold"]
    assert hold["limit"] == "budget.max_usd" and hold["limit_usd"] == 0.0001, hold
    assert hold["estimated_usd"] > 0.0001, hold
    reason = hold["reason"]
    assert reason.startswith(f"estimated ${hold['estimated_usd']:.4f} at batch prices (60 requests: ~"), reason
    assert "exceeds budget.max_usd $0.0001; approve with `sluice approve tickets.csv`" in reason, reason
    assert held["spend"]["usd_estimated"] == hold["estimated_usd"] and held["spend"]["usd_reserved"] is None, held
    time.sleep(2.5)  # two rescans and a couple of held checks: still held, still nothing sent
    assert file_status(root, "tickets.csv")["stage"] == "awaiting-approval"
    assert_nothing_sent(emulator)
    assert not (outbox / "tickets.manifest.json").exists(), "a held file has no manifest"
    text = run_sluice("status", "--root", root).stdout
    assert "awaiting-approval" in text and "held: estimated $" in text, text

    approved = run_sluice("approve", "tickets.csv", "--root", root)
    assert "approved tickets.csv" in approved.stdout and "over budget.max_usd $0.0001" in approved.stdout, approved.stdout
    manifest = wait_for_manifest(outbox, "tickets", 60, daemon)
    check_exactly_once(outbox, src, "tickets.csv")
    cost = assert_cost_is_usage_times_prices(manifest)
    assert cost["usd_estimated"] == hold["estimated_usd"], cost
    assert emulator.stats()["batches_created"] == len(manifest["batches"]) >= 1

    wait_for(lambda: file_status(root, "tickets.csv")["stage"] == "archived", 30, "archived")
    line = today(root)
    assert line["usd_actual"] == cost["usd_actual"] and line["usd_reserved"] == 0, line
    assert line["files"] == 1 and line["requests"] == 60 and line["budget_daily_usd"] is None, line
    assert line["input_tokens"] == manifest["usage"]["input_tokens"], line
    # Nothing is left to approve.
    assert run_sluice("approve", "tickets.csv", "--root", root, check=False).returncode == 1
    stop_daemon(daemon)


def test_the_daily_budget_holds_the_second_file_across_a_restart_until_an_approve_file(tmp_path, emulator, daemons):
    first = generate(tmp_path / "first.csv", rows=100, seed=31)
    second = generate(tmp_path / "second.csv", rows=100, seed=32)
    spec = emulator_spec(emulator.port)
    root = priced_root(tmp_path / "root", spec)
    estimate = json.loads(run_sluice("estimate", first, "--pipeline", "tickets", "--root", root, "--json").stdout)
    daily = round(estimate["cost"]["batch"] * 1.05, 6)  # room for one such file a day, not two
    (root / "pipelines" / "tickets.yaml").write_text(spec + f"budget: {{daily_usd: {daily}}}\n")
    inbox, outbox = root / "inbox" / "tickets", root / "outbox" / "tickets"

    daemon = daemons(root)
    drop_by_rename(first, inbox, "first.csv")
    m1 = wait_for_manifest(outbox, "first", 60, daemon)
    cost1 = assert_cost_is_usage_times_prices(m1)
    assert cost1["usd_estimated"] == estimate["cost"]["batch"], (cost1, estimate["cost"])
    drop_by_rename(second, inbox, "second.csv")
    held = wait_until_held(root, "second.csv", daemon)
    assert held["hold"]["limit"] == "budget.daily_usd" and held["hold"]["limit_usd"] == daily, held
    assert "exceeds budget.daily_usd" in held["hold"]["reason"] and "second.csv.approve" in held["hold"]["reason"]
    sent = emulator.stats()
    assert sent["requests_received"] == 100, sent
    line = today(root)
    assert line["usd_actual"] == cost1["usd_actual"] and line["usd_reserved"] == 0, line
    assert line["budget_daily_usd"] == daily and line["files"] == 1, line

    # A crash and a restart: still held, nothing more sent, nothing counted twice.
    daemon.send_signal(signal.SIGKILL)
    daemon.wait(timeout=10)
    daemon = daemons(root)
    time.sleep(3)
    assert daemon.poll() is None
    assert file_status(root, "second.csv")["stage"] == "awaiting-approval"
    assert_nothing_sent(emulator, before=sent)
    assert today(root) == line

    (inbox / "second.csv.approve").write_text("")
    m2 = wait_for_manifest(outbox, "second", 60, daemon)
    check_exactly_once(outbox, second, "second.csv")
    cost2 = assert_cost_is_usage_times_prices(m2)
    wait_for(lambda: not (inbox / "second.csv.approve").exists(), 10, "the approval file consumed")
    wait_for(lambda: file_status(root, "second.csv")["stage"] == "archived", 30, "archived")
    line = today(root)
    # An approved file over the daily budget still counts: the day is now over its budget.
    assert abs(line["usd_actual"] - (cost1["usd_actual"] + cost2["usd_actual"])) <= 2e-6, line
    assert line["usd_actual"] > daily and line["usd_reserved"] == 0 and line["files"] == 2, line
    assert line["requests"] == 200, line
    stop_daemon(daemon)


def test_process_exits_3_when_held_and_goes_on_after_approve(tmp_path, emulator):
    root = priced_root(tmp_path / "root", emulator_spec(emulator.port) + "budget: {max_usd: 0.00001}\n")
    src = generate(tmp_path / "export.csv", rows=40, seed=41)
    held = process_drop(root, src, "tickets", status=3)
    assert "export.csv: held for approval, nothing sent: estimated $" in held.stderr, held.stderr
    assert "exceeds budget.max_usd $0.0000" in held.stderr, held.stderr
    assert_nothing_sent(emulator)
    assert not (root / "outbox" / "tickets" / "export.manifest.json").exists()
    process_drop(root, src, "tickets", status=3)  # still held without approval
    assert_nothing_sent(emulator)

    approved = run_sluice("approve", src, "--root", root)  # a path counts by its file name
    assert "run `sluice process" in approved.stdout, approved.stdout
    done = process_drop(root, src, "tickets", status=0)
    assert "40 rows, 40 enriched" in done.stdout, done.stdout
    manifest = check_exactly_once(root / "outbox" / "tickets", src, "export.csv")
    assert_cost_is_usage_times_prices(manifest)
    assert manifest["cost"]["usd_estimated"] > 0.00001
    assert emulator.stats()["batches_created"] == len(manifest["batches"]) == 1
    assert len([f for f in status(root)["files"] if f["name"] == "export.csv"]) == 1, "resumed, not a second drop"


def test_run_once_exits_3_when_a_file_is_held(tmp_path, emulator):
    root = priced_root(tmp_path / "root", emulator_spec(emulator.port) + "budget: {max_usd: 0.00001}\n")
    src = generate(tmp_path / "late.csv", rows=20, seed=51)
    drop_by_rename(src, root / "inbox" / "tickets", "late.csv")
    proc = subprocess.run([sluice_bin(), "run", "--root", str(root), "--once", "--settle", "0"], env=sluice_env(),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 3, f"exit {proc.returncode}\n{proc.stderr[-3000:]}"
    assert "1 file(s) held for approval" in proc.stderr, proc.stderr[-3000:]
    assert file_status(root, "late.csv")["stage"] == "awaiting-approval"
    assert_nothing_sent(emulator)
