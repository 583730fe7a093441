"""Webhooks (`notify:` in a spec): every manifest (complete, rejected), hold (over budget) and failure-rate alert is
POSTed once to a receiver, signed `Sluice-Signature: t=...,v1=HMAC-SHA256(secret, "t.body")`, retried with backoff
while the receiver fails, and recorded in the state database so a daemon restart neither loses nor repeats one.

The receiver is an http.server on 127.0.0.1 in a thread; it records every request and checks every signature.
Every wait has a timeout; nothing asserts on timing.
"""
import collections
import hashlib
import hmac
import http.server
import json
import shutil
import signal
import subprocess
import threading

import pytest

from sluice_support import (REPO, Emulator, drop_by_rename, emulator_spec, generate, kill_if_running, make_root,
                            process_drop, sluice_bin, sluice_env, spawn_daemon, stop_daemon, wait_for,
                            wait_for_manifest)

SECRET = "whsec-test-0123456789"
FAST_WEBHOOKS = "webhooks: {initial_backoff: 200ms, max_backoff: 200ms, give_up_after: 1h}\n"


class Receiver:
    """Records every POST as (status answered, headers, body bytes); `answer(n)` gives the status of the n-th."""

    def __init__(self, answer=lambda n: 200):
        self.answer = answer
        self.requests = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    status = receiver.answer(len(receiver.requests))
                    receiver.requests.append((status, dict(self.headers.items()), body, self.path))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/sluice?token=tok-123"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def snapshot(self):
        with self.lock:
            return list(self.requests)

    def accepted(self):
        """Bodies answered 2xx, parsed."""
        return [json.loads(body) for status, _, body, _ in self.snapshot() if 200 <= status < 300]


def valid_signature(headers, body):
    """What a receiver does: recompute HMAC-SHA256(secret, "<t>.<body>") and compare in constant time."""
    parts = dict(p.split("=", 1) for p in headers["Sluice-Signature"].split(","))
    expected = hmac.new(SECRET.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])


def check_every_request(receiver):
    """Every POST: signed validly, JSON, headers matching the body."""
    for status, headers, body, path in receiver.snapshot():
        assert path == "/hooks/sluice?token=tok-123", path
        assert headers["Content-Type"] == "application/json", headers
        assert valid_signature(headers, body), headers
        parsed = json.loads(body)
        assert headers["Sluice-Delivery"] == parsed["delivery_id"], (headers, parsed)
        assert headers["Sluice-Event"] == parsed["event"], (headers, parsed)
    assert not any(SECRET in body.decode() for _, _, body, _ in receiver.snapshot())


def notify_line(receiver, failure_rate=None):
    rate = f", failure_rate: {failure_rate}" if failure_rate is not None else ""
    return f'notify: {{url: "{receiver.url}", secret_env: SLUICE_HOOK_SECRET{rate}}}\n'


def status(root):
    proc = subprocess.run([sluice_bin(), "status", "--root", str(root), "--json"], capture_output=True, text=True,
                          timeout=60, env=sluice_env())
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout)


@pytest.fixture(autouse=True)
def hook_secret(monkeypatch):
    monkeypatch.setenv("SLUICE_HOOK_SECRET", SECRET)


@pytest.fixture
def emulator(tmp_path):
    started = Emulator(tmp_path / "emulator")
    yield started
    started.stop()


def test_one_delivery_per_manifest_across_a_daemon_restart(tmp_path, emulator):
    # The receiver takes the first delivery, then answers 503 until it is opened: the others are still pending
    # (enqueued, or their files still in flight) when the daemon is stopped, and must come after the restart.
    opened = threading.Event()
    receiver = Receiver(lambda n: 200 if n == 0 or opened.is_set() else 503)
    names = [f"part{i}.csv" for i in range(4)]
    root = make_root(tmp_path / "root", {"tickets": emulator_spec(emulator.port) + notify_line(receiver)})
    (root / "sluice.yaml").write_text(FAST_WEBHOOKS)
    inbox, outbox = root / "inbox" / "tickets", root / "outbox" / "tickets"
    inbox.mkdir(parents=True)
    daemon = spawn_daemon(root, tmp_path / "daemon0.log", "--settle", "0", "--rescan", "1")
    try:
        for i, name in enumerate(names):
            drop_by_rename(generate(tmp_path / name, rows=40, seed=30 + i), inbox, name)
        wait_for(lambda: len(receiver.accepted()) == 1, 120, "the first delivery")
        # A refused attempt: at least one delivery is recorded pending when the daemon stops.
        wait_for(lambda: len(receiver.snapshot()) >= 2, 120, "a refused delivery")
        stop_daemon(daemon, signal.SIGTERM, within=20)
        before = len(receiver.accepted())
        pending = status(root)["notifications"]
        print(f"stopped after {before} delivery; {pending['pending']} pending, "
              f"{len(list(outbox.glob('*.manifest.json')))} of {len(names)} manifests written")
        assert before == 1 and pending["pending"] >= 1, pending

        opened.set()
        daemon = spawn_daemon(root, tmp_path / "daemon1.log", "--settle", "0", "--rescan", "1")
        manifests = {name: wait_for_manifest(outbox, name[:-4], 180, daemon) for name in names}
        wait_for(lambda: len(receiver.accepted()) >= len(names) and status(root)["notifications"]["pending"] == 0,
                 120, "every delivery")
        stop_daemon(daemon, signal.SIGTERM, within=20)
    finally:
        kill_if_running(daemon)
        receiver.stop()

    check_every_request(receiver)
    accepted = receiver.accepted()
    by_id = collections.Counter(b["delivery_id"] for b in accepted)
    assert all(n == 1 for n in by_id.values()), by_id
    by_manifest = collections.defaultdict(set)
    for body in accepted:
        assert body["event"] == "complete" and body["pipeline"] == "tickets", body
        by_manifest[body["manifest_path"]].add(body["delivery_id"])
    assert sorted(by_manifest) == sorted(str(outbox / f"{n[:-4]}.manifest.json") for n in names), by_manifest
    assert all(len(ids) == 1 for ids in by_manifest.values()), by_manifest
    for body in accepted:
        manifest = manifests[body["file"]]
        # The body carries the manifest's summary as written (same generation, same counts and outputs).
        assert body["manifest"]["timings"]["written_at"] == manifest["timings"]["written_at"]
        assert body["manifest"]["counts"] == manifest["counts"] and body["manifest"]["outputs"] == manifest["outputs"]
    # Retries resend the same delivery: every failed attempt's id is one that was later accepted.
    refused = {json.loads(b)["delivery_id"] for s, _, b, _ in receiver.snapshot() if s == 503}
    assert refused <= set(by_id), refused - set(by_id)
    final = status(root)["notifications"]
    assert final["pending"] == 0 and final["abandoned"] == 0 and final["delivered"] == len(names), final
    print(f"{len(receiver.snapshot())} POSTs ({len(receiver.snapshot()) - len(accepted)} refused) for "
          f"{len(names)} manifests; {len(by_id)} deliveries accepted, each once")


def test_a_receiver_failing_three_times_gets_the_delivery_on_the_fourth_attempt(tmp_path, emulator):
    receiver = Receiver(lambda n: 500 if n < 3 else 200)
    root = make_root(tmp_path / "root", {"tickets": emulator_spec(emulator.port) + notify_line(receiver)})
    (root / "sluice.yaml").write_text(FAST_WEBHOOKS)
    try:
        proc = process_drop(root, generate(tmp_path / "tickets.csv", rows=20, seed=5), "tickets", timeout=300)
    finally:
        receiver.stop()
    check_every_request(receiver)
    requests = receiver.snapshot()
    assert [s for s, _, _, _ in requests] == [500, 500, 500, 200], [s for s, _, _, _ in requests]
    assert len({body for _, _, body, _ in requests}) == 1, "every attempt sends the same body"
    assert len({h["Sluice-Delivery"] for _, h, _, _ in requests}) == 1
    assert "not delivered" not in proc.stderr, proc.stderr
    final = status(root)["notifications"]
    assert final == {**final, "pending": 0, "delivered": 1, "abandoned": 0}, final


def test_rejected_held_and_failure_rate_events(tmp_path):
    receiver = Receiver()
    # Every answer breaks the output schema and no row is retried: all of part.csv's rows fail.
    with Emulator(tmp_path / "emulator", extra_args=["--faults", "schema_invalid=1"]) as emulator:
        base = emulator_spec(emulator.port) + "retry: {max_attempts: 1}\n"
        root = make_root(tmp_path / "root", {
            "tickets": base + notify_line(receiver, failure_rate=0.5),
            "pricey": base + "budget: {max_usd: 0.0001}\n" + notify_line(receiver),
            "strict": base + notify_line(receiver),
        })
        shutil.copy(REPO / "pipelines" / "prices.yaml", root / "pipelines" / "prices.yaml")
        (root / "sluice.yaml").write_text(FAST_WEBHOOKS)
        for name in ("tickets", "pricey", "strict"):
            (root / "inbox" / name).mkdir(parents=True)
        generate(root / "inbox" / "tickets" / "part.csv", rows=30, seed=8)
        generate(root / "inbox" / "pricey" / "big.csv", rows=60, seed=9)
        shutil.copy(REPO / "Tests" / "Corpus" / "bad-inputs" / "missing-template-column.csv",
                    root / "inbox" / "strict" / "bad.csv")
        proc = subprocess.run([sluice_bin(), "run", "--root", str(root), "--once", "--settle", "0"], env=sluice_env(),
                              capture_output=True, text=True, timeout=300)
    receiver.stop()
    assert proc.returncode == 3, f"exit {proc.returncode} (3: a file held)\n{proc.stderr[-3000:]}"
    assert "not delivered" not in proc.stderr, proc.stderr[-2000:]
    check_every_request(receiver)
    events = sorted((b["pipeline"], b["event"]) for b in receiver.accepted())
    assert events == [("pricey", "held"), ("strict", "rejected"), ("tickets", "complete"),
                      ("tickets", "failure_rate")], events
    bodies = {(b["pipeline"], b["event"]): b for b in receiver.accepted()}

    rejected = bodies[("strict", "rejected")]
    manifest = json.loads((root / "outbox" / "strict" / "bad.manifest.json").read_text())
    assert rejected["manifest"]["status"] == "rejected" and rejected["manifest"]["reason"] == manifest["reason"]
    assert "title" in manifest["reason"] or "channel" in manifest["reason"], manifest["reason"]

    held = bodies[("pricey", "held")]
    entry = next(f for f in status(root)["files"] if f["name"] == "big.csv")
    assert entry["stage"] == "awaiting-approval", entry
    assert held["hold"]["reason"] == entry["hold"]["reason"] and held["hold"]["limit"] == "budget.max_usd", held
    assert held["manifest_path"] is None and held["file"] == "big.csv", held

    complete, alert = bodies[("tickets", "complete")], bodies[("tickets", "failure_rate")]
    manifest = json.loads((root / "outbox" / "tickets" / "part.manifest.json").read_text())
    assert manifest["counts"]["failed"] == 30 and complete["manifest"]["counts"] == manifest["counts"]
    assert alert["alert"]["failure_rate"] == 1.0 and alert["alert"]["threshold"] == 0.5, alert
    assert alert["delivery_id"] != complete["delivery_id"]
    assert status(root)["notifications"]["pending"] == 0
