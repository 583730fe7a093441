"""Observing `sluice run`: GET /metrics (Prometheus text, parsed with prometheus_client), /healthz and /status
served by the daemon, the bearer token, JSON log lines with every file's life as events, the heartbeat, and no
secret anywhere the daemon writes.

The daemon talks over HTTP to a separate `sluice emulator` whose batches stay in_progress for a while, so scrapes
taken during the run see work in flight. Every wait has a timeout; every process started is stopped.
"""
import json
import os
import pathlib
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from sluice_support import (REPO, TICKETS_SPEC, Emulator, check_manifest, emulator_spec, generate, kill_if_running,
                            log_tail, make_root, sluice_bin, sluice_env, stem, stop_daemon, wait_for,
                            wait_for_manifest)

FILES = 4
ROWS = 600  # two batches of at most 400 requests per file


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spawn(root, log_path, *args, env=None):
    """`sluice run --root ROOT ARGS...`, stderr (the log) and stdout into `log_path`."""
    with open(log_path, "ab") as log:
        proc = subprocess.Popen([sluice_bin(), "run", "--root", str(root), *map(str, args)],
                                env=env or sluice_env(), stdout=log, stderr=log)
    proc.log_path = log_path
    return proc


@pytest.fixture
def cleanup():
    """Processes to stop at the end, whatever happened."""
    started = []
    yield started
    for proc in started:
        if isinstance(proc, Emulator):
            proc.stop()
        else:
            kill_if_running(proc)


def get(url, token=None, timeout=10):
    """(status, content type, body) of a GET; HTTP errors are answers too."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=timeout) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read().decode()


def wait_listening(base, daemon, timeout=60):
    def up():
        if daemon.poll() is not None:
            raise AssertionError(f"sluice run exited {daemon.returncode}\n{log_tail(daemon.log_path)}")
        try:
            return get(base + "/healthz", timeout=2)[0] == 200
        except OSError:
            return False
    wait_for(up, timeout, f"{base}/healthz")


def samples(text):
    """{(sample name, sorted labels): value} of one scrape, parsed by prometheus_client."""
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def total(scrape, name, **labels):
    """Sum of the samples named `name` whose labels include `labels`."""
    return sum(v for (n, ls), v in scrape.items() if n == name and set(labels.items()) <= set(ls))


def monotonic_names(scrape):
    return {key for key in scrape if key[0].endswith(("_total", "_count", "_sum", "_bucket"))}


def test_metrics_move_during_a_run_and_match_the_manifests(tmp_path, cleanup):
    emulator = Emulator(tmp_path / "emulator", processing_delay_ms=1500)
    cleanup.append(emulator)
    root = make_root(tmp_path / "root", {"tickets": emulator_spec(emulator.port)})
    (root / "sluice.yaml").write_text("settle: 2s\nrescan: 1s\nheartbeat: 1s\n")
    # Priced, so the USD counter has something to add up.
    shutil.copy(REPO / "pipelines" / "prices.yaml", root / "pipelines" / "prices.yaml")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    daemon = spawn(root, tmp_path / "daemon.log", "--metrics-address", f"127.0.0.1:{port}", "--log-format", "json")
    cleanup.append(daemon)
    wait_listening(base, daemon)

    scrapes, types, stop = [], set(), threading.Event()
    first_status, ctype, first = get(base + "/metrics")
    assert first_status == 200, first
    scrapes.append(samples(first))
    types.add(ctype)

    def scraper():
        while not stop.is_set():
            status, content_type, body = get(base + "/metrics")
            assert status == 200, body
            types.add(content_type)
            scrapes.append(samples(body))
            time.sleep(0.2)

    thread = threading.Thread(target=scraper, daemon=True)
    thread.start()
    sources = tmp_path / "sources"
    sources.mkdir()
    inbox = root / "inbox" / "tickets"
    inbox.mkdir(parents=True, exist_ok=True)
    names, sizes = [], 0
    for i in range(FILES):
        src = generate(sources / f"t{i}.csv", ROWS, seed=10 + i, start=1 + i * ROWS)
        # Written in place (not renamed): each waits out the 2 s settle in the inbox, as backlog.
        (inbox / src.name).write_bytes(src.read_bytes())
        names.append(src.name)
        sizes += src.stat().st_size
    manifests = [wait_for_manifest(root / "outbox" / "tickets", stem(n), 240, daemon) for n in names]
    # The gauges follow the state: once every file is archived, nothing is in flight.
    wait_for(lambda: total(scrapes[-1], "sluice_rows") == 0 and total(scrapes[-1], "sluice_batches") == 0
             and len(scrapes) > 3, 60, "gauges back at 0 after the run")
    stop.set()
    thread.join(10)
    final = samples(get(base + "/metrics")[2])
    scrapes.append(final)

    assert all(t.startswith("text/plain; version=0.0.4") for t in types), types
    # Counters and histogram series never go down from one scrape to the next.
    for before, after in zip(scrapes, scrapes[1:]):
        for key in monotonic_names(before):
            assert after.get(key, 0) >= before[key], (key, before[key], after.get(key))
    # They moved as the run went: requests were sent while rows were still to be written.
    succeeded = sum(m["counts"]["succeeded"] for m in manifests)
    assert any(total(s, "sluice_requests_sent_total") > 0 and total(s, "sluice_rows_succeeded_total") < succeeded
               for s in scrapes), "no scrape saw the run half-way"
    # The gauges saw the backlog settle and batches at the provider.
    assert any(total(s, "sluice_inbox_backlog_files", pipeline="tickets") == FILES
               and total(s, "sluice_inbox_backlog_bytes", pipeline="tickets") == sizes for s in scrapes)
    assert any(total(s, "sluice_batches", status="in_progress") > 0 for s in scrapes)
    assert any(total(s, "sluice_rows") > 0 for s in scrapes)

    # At the end the counters are the manifests' sums.
    for m in manifests:
        check_manifest(root / "outbox" / "tickets", stem(m["source"]["name"]))
    batches = [b for m in manifests for b in m["batches"]]
    assert total(final, "sluice_rows_succeeded_total", pipeline="tickets") == succeeded
    assert total(final, "sluice_rows_failed_total", pipeline="tickets") == sum(m["counts"]["failed"] for m in manifests)
    assert total(final, "sluice_requests_sent_total", pipeline="tickets", provider="openai") == \
        sum(b["requests"] for b in batches) >= FILES * ROWS
    assert total(final, "sluice_input_tokens_total") == sum(m["usage"]["input_tokens"] for m in manifests) > 0
    assert total(final, "sluice_output_tokens_total") == sum(m["usage"]["output_tokens"] for m in manifests) > 0
    usd = sum(m["cost"]["usd_actual"] for m in manifests)
    assert usd > 0
    assert abs(total(final, "sluice_usd_total", pipeline="tickets") - usd) < 1e-9, (usd, final)
    assert total(final, "sluice_inbox_backlog_files") == 0 and total(final, "sluice_inbox_backlog_bytes") == 0
    # Every provider call is timed: one upload, create and download per batch, polls at least as many.
    calls = lambda op: total(final, "sluice_provider_call_seconds_count", provider="openai", operation=op)
    assert calls("upload") == calls("create") == calls("download") == len(batches) >= FILES * 2
    assert calls("poll") >= len(batches)
    assert total(final, "sluice_completion_to_outbox_seconds_count", pipeline="tickets") == FILES
    assert total(final, "sluice_retries_total") == sum(m["retries"]["rows"] for m in manifests)

    # /status is `sluice status --json`; /healthz says who is up.
    status = json.loads(get(base + "/status")[2])
    cli = json.loads(subprocess.run([sluice_bin(), "status", "--root", str(root), "--json"], capture_output=True,
                                    text=True, check=True, timeout=60).stdout)
    assert status.keys() == cli.keys()
    assert [(f["drop"], f["name"], f["stage"]) for f in status["files"]] == \
        [(f["drop"], f["name"], f["stage"]) for f in cli["files"]]
    assert sorted(f["name"] for f in status["files"]) == sorted(names)
    assert status["files"][0].keys() == cli["files"][0].keys()
    code, ctype, body = get(base + "/healthz")
    health = json.loads(body)
    assert code == 200 and ctype.startswith("application/json")
    assert health["ok"] is True and health["version"] and health["uptime_seconds"] >= 0

    stop_daemon(daemon)
    print(f"\nmeasured: {len(scrapes)} scrapes, {len(batches)} batches, {FILES * ROWS} requests, "
          f"{succeeded} rows succeeded, usd {usd:.6f}")


def test_token_guards_everything_but_healthz(tmp_path, cleanup):
    root = make_root(tmp_path / "root", {"tickets": TICKETS_SPEC})
    port = free_port()
    (root / "sluice.yaml").write_text(
        f"metrics: {{address: '127.0.0.1:{port}', token_env: SLUICE_METRICS_TOKEN}}\n")
    token = "tok-" + os.urandom(8).hex()
    daemon = spawn(root, tmp_path / "daemon.log", env={**sluice_env(), "SLUICE_METRICS_TOKEN": token})
    cleanup.append(daemon)
    base = f"http://127.0.0.1:{port}"
    wait_listening(base, daemon)
    for path in ("/metrics", "/status"):
        for wrong in (None, "nope", token + "x", token[:-1]):
            code, ctype, body = get(base + path, token=wrong)
            assert code == 401, (path, wrong, code)
            assert ctype.startswith("application/json") and json.loads(body)["error"]["code"] == "unauthorized"
        code, _, body = get(base + path, token=token)
        assert code == 200, (path, body)
    assert get(base + "/healthz")[0] == 200
    stop_daemon(daemon)
    # The token itself never reaches the log.
    assert token not in pathlib.Path(daemon.log_path).read_text()


def test_unsafe_or_taken_addresses_are_refused_at_start(tmp_path, cleanup):
    root = make_root(tmp_path / "root", {"tickets": TICKETS_SPEC})
    port = free_port()
    proc = subprocess.run([sluice_bin(), "run", "--root", str(root), "--once", "--metrics-address", f"0.0.0.0:{port}"],
                          capture_output=True, text=True, timeout=60, env=sluice_env())
    assert proc.returncode == 1, proc.stderr
    assert f"0.0.0.0:{port}" in proc.stderr and "metrics.token_env" in proc.stderr, proc.stderr
    assert not (root / ".sluice" / "state.sqlite").exists(), "refused before anything started"
    # A named token variable that is not set is refused too, not served open.
    (root / "sluice.yaml").write_text(f"metrics: {{address: '127.0.0.1:{port}', token_env: SLUICE_NO_SUCH_TOKEN}}\n")
    proc = subprocess.run([sluice_bin(), "run", "--root", str(root), "--once"], capture_output=True, text=True,
                          timeout=60, env=sluice_env())
    assert proc.returncode == 1 and "SLUICE_NO_SUCH_TOKEN" in proc.stderr, proc.stderr
    (root / "sluice.yaml").unlink()
    # A port someone else holds: a fatal error naming the address.
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        daemon = spawn(root, tmp_path / "busy.log", "--metrics-address", f"127.0.0.1:{busy}")
        cleanup.append(daemon)
        daemon.wait(timeout=60)
    assert daemon.returncode == 1
    text = pathlib.Path(daemon.log_path).read_text()
    assert f"127.0.0.1:{busy}" in text and "in use" in text, text[-2000:]


def json_lines(path):
    lines = [line for line in pathlib.Path(path).read_text().splitlines() if line.strip()]
    parsed = []
    for line in lines:
        try:
            parsed.append(json.loads(line))
        except json.JSONDecodeError:
            raise AssertionError(f"not a JSON line: {line!r}")
    return parsed


def test_json_logs_tell_each_files_life_in_order_with_heartbeats(tmp_path, cleanup):
    root = make_root(tmp_path / "root", {"tickets": TICKETS_SPEC + "batch: {max_requests: 100}\n"})
    (root / "sluice.yaml").write_text("log_format: json\nheartbeat: 1s\nrescan: 1s\n")
    daemon = spawn(root, tmp_path / "daemon.log")
    cleanup.append(daemon)
    inbox = root / "inbox" / "tickets"
    inbox.mkdir(parents=True, exist_ok=True)
    src = generate(tmp_path / "life.csv", 250)
    part = inbox / "life.csv.part"
    part.write_bytes(src.read_bytes())
    os.rename(part, inbox / "life.csv")
    wait_for_manifest(root / "outbox" / "tickets", "life", 120, daemon)
    wait_for(lambda: any(e.get("event") == "archived" for e in json_lines(daemon.log_path)), 30, "archived")
    beats_before = sum(1 for e in json_lines(daemon.log_path) if e.get("event") == "heartbeat")
    wait_for(lambda: sum(1 for e in json_lines(daemon.log_path) if e.get("event") == "heartbeat") >= beats_before + 2,
             30, "two more heartbeats")
    stop_daemon(daemon)

    entries = json_lines(daemon.log_path)  # every line parses, or this fails
    for e in entries:
        assert {"ts", "level", "msg"} <= e.keys(), e
        assert e["ts"].endswith("Z") and len(e["ts"]) == len("2026-01-01T00:00:00.000Z"), e["ts"]
    life = [e for e in entries if e.get("file") == "life.csv" and "event" in e]
    order = ["received", "claimed", "staged", "submitted", "completed", "written", "archived"]
    events = [e["event"] for e in life]
    firsts = [events.index(name) for name in order]
    assert firsts == sorted(firsts), events
    drop = next(e["drop"] for e in life if e["event"] == "claimed")
    for e in life:
        assert e["pipeline"] == "tickets", e
        if e["event"] != "received":
            assert e["drop"] == drop, e
    submitted = [e for e in life if e["event"] == "submitted"]
    completed = [e for e in life if e["event"] == "completed"]
    assert len(submitted) == len(completed) == 3  # 250 rows, 100 per batch
    assert {e["batch"] for e in submitted} == {e["batch"] for e in completed}
    assert all(e["status"] == "completed" for e in completed)
    written = next(e for e in life if e["event"] == "written")
    assert written["manifest"].endswith("life.manifest.json") and written["rows"] == "250"
    beats = [e for e in entries if e.get("event") == "heartbeat"]
    assert len(beats) >= 2
    assert {"backlog_files", "backlog_bytes", "in_flight_files", "in_flight_batches"} <= beats[-1].keys()
    assert beats[-1]["backlog_files"] == "0" and beats[-1]["in_flight_files"] == "0"


def test_no_secret_reaches_logs_state_or_outbox(tmp_path, cleanup):
    marker = "sk-SECRETMARKER" + os.urandom(6).hex()
    token = "tok-SECRETMARKER" + os.urandom(6).hex()
    emulator = Emulator(tmp_path / "emulator")
    cleanup.append(emulator)
    root = make_root(tmp_path / "root", {"tickets": emulator_spec(emulator.port)})
    port = free_port()
    (root / "sluice.yaml").write_text(f"metrics: {{address: '127.0.0.1:{port}', token_env: SLUICE_METRICS_TOKEN}}\n")
    env = {**sluice_env(), "SLUICE_TEST_KEY": marker, "SLUICE_METRICS_TOKEN": token}
    daemon = spawn(root, tmp_path / "daemon.log", "--log-level", "debug", env=env)
    cleanup.append(daemon)
    wait_listening(f"http://127.0.0.1:{port}", daemon)
    inbox = root / "inbox" / "tickets"
    inbox.mkdir(parents=True, exist_ok=True)
    src = generate(tmp_path / "s.csv", 500)
    os.rename(src, inbox / "s.csv")
    wait_for_manifest(root / "outbox" / "tickets", "s", 120, daemon)
    assert get(f"http://127.0.0.1:{port}/metrics", token=token)[0] == 200
    stop_daemon(daemon)
    log = pathlib.Path(daemon.log_path).read_bytes()
    assert b"debug" in log, "ran at debug level"
    files = [root / ".sluice" / "state.sqlite", *(root / "outbox").rglob("*"), *(root / ".sluice").rglob("*")]
    for secret in (marker, token):
        assert secret.encode() not in log, f"{secret} in the log"
        for path in files:
            if path.is_file():
                assert secret.encode() not in path.read_bytes(), f"{secret} in {path}"


def test_default_address_is_served_and_a_taken_default_is_only_a_warning(tmp_path, cleanup):
    """No metrics setting: 127.0.0.1:9464. When that is taken (a second root's daemon), the daemon runs without it."""
    root = make_root(tmp_path / "root", {"tickets": TICKETS_SPEC})
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", 9464))
        except OSError:
            pytest.skip("127.0.0.1:9464 is taken on this machine by something else")
        probe.listen()
        proc = subprocess.run([sluice_bin(), "run", "--root", str(root), "--once"], capture_output=True, text=True,
                              timeout=60, env=sluice_env())
        assert proc.returncode == 0, proc.stderr
        assert "metrics endpoint not served" in proc.stderr and "127.0.0.1:9464" in proc.stderr, proc.stderr
    daemon = spawn(root, tmp_path / "default.log")
    cleanup.append(daemon)
    wait_listening("http://127.0.0.1:9464", daemon)
    status, content_type, body = get("http://127.0.0.1:9464/metrics")
    assert status == 200 and content_type.startswith("text/plain"), (status, content_type)
    assert any(f.name == "sluice_inbox_backlog_files" for f in text_string_to_metric_families(body))
    stop_daemon(daemon)
    # Turned off: nothing listens, and the run still works.
    (root / "sluice.yaml").write_text("metrics: off\n")
    daemon = spawn(root, tmp_path / "off.log")
    cleanup.append(daemon)
    time.sleep(2)
    assert daemon.poll() is None, log_tail(daemon.log_path)
    with pytest.raises(OSError):
        get("http://127.0.0.1:9464/healthz", timeout=2)
    stop_daemon(daemon)
