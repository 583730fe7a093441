"""`sluice run`: intake (settle, rename, rescan), rejection, reuse, graceful shutdown, --once."""
import gzip
import os
import shutil
import signal
import time

from sluice_support import (TICKETS_SPEC, EmulatorProcess, check_exactly_once, check_manifest, generate, make_root,
                            remote_spec, run_once, start_daemon, wait_for)


def test_once_drains_fifty_files_across_three_pipelines(tmp_path):
    root = make_root(tmp_path / "root", {name: TICKETS_SPEC for name in ("alpha", "beta", "gamma")})
    sources = tmp_path / "sources"
    sources.mkdir()
    expected = []
    for i in range(50):
        pipeline = ("alpha", "beta", "gamma")[i % 3]
        fmt, gz = [("csv", False), ("jsonl", False), ("csv", True), ("jsonl", True)][i % 4]
        name = f"f{i:02d}.{fmt}" + (".gz" if gz else "")
        src = generate(sources / name, rows=20, fmt=fmt, gz=gz, seed=i, start=1 + i * 100)
        inbox = root / "inbox" / pipeline
        inbox.mkdir(parents=True, exist_ok=True)
        shutil.copy(src, inbox / name)
        expected.append((pipeline, name))
    (root / "inbox" / "alpha" / "ignored.csv.part").write_text("ticket_id\n")
    run_once(root)  # files copied just now settle after the default 5 s
    for pipeline, name in expected:
        check_exactly_once(root / "outbox" / pipeline, sources / name, name)
    assert sorted(os.listdir(root / "inbox" / "alpha")) == ["ignored.csv.part"]
    assert not os.listdir(root / "inbox" / "beta") and not os.listdir(root / "inbox" / "gamma")


def test_slow_writer_is_claimed_only_when_complete_and_rename_is_claimed_at_once(tmp_path):
    root = make_root(tmp_path / "root", {"tickets": TICKETS_SPEC})
    inbox = root / "inbox" / "tickets"
    inbox.mkdir(parents=True)
    outbox = root / "outbox" / "tickets"
    full = generate(tmp_path / "slow.csv", rows=40, seed=5).read_bytes()
    daemon = start_daemon(root, "--settle", "2", "--rescan", "1")
    try:
        # Appended in 20 pieces over ~10 s: never 2 s without a change until the end.
        pieces = [full[i * len(full) // 20:(i + 1) * len(full) // 20] for i in range(20)]
        with open(inbox / "slow.csv", "wb") as f:
            for piece in pieces:
                f.write(piece)
                f.flush()
                time.sleep(0.5)
                assert (inbox / "slow.csv").exists(), "claimed while still being written"
        wait_for(lambda: (outbox / "slow.manifest.json").exists(), 60, "the slow file's manifest")
        manifest = check_manifest(outbox, "slow")
        assert manifest["counts"]["rows_in"] == 40
    finally:
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=15) == 0

    # A writer that renames into place is done: claimed at once, even with a long settle.
    daemon = start_daemon(root, "--settle", "60", "--rescan", "30")
    try:
        time.sleep(1)
        shutil.copy(generate(tmp_path / "quick.csv", rows=10, seed=6), inbox / "quick.csv.part")
        os.rename(inbox / "quick.csv.part", inbox / "quick.csv")
        wait_for(lambda: (outbox / "quick.manifest.json").exists(), 30, "the renamed file's manifest (well before settle)")
    finally:
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=15) == 0


def test_without_inotify_the_rescan_finds_files(tmp_path):
    root = make_root(tmp_path / "root", {"tickets": TICKETS_SPEC})
    inbox = root / "inbox" / "tickets"
    inbox.mkdir(parents=True)
    daemon = start_daemon(root, "--no-inotify", "--rescan", "1", "--settle", "1")
    try:
        generate(inbox / "polled.jsonl", rows=15, fmt="jsonl", seed=8)
        wait_for(lambda: (root / "outbox" / "tickets" / "polled.manifest.json").exists(), 30, "a rescan to find it")
        assert check_manifest(root / "outbox" / "tickets", "polled")["counts"]["rows_in"] == 15
    finally:
        daemon.send_signal(signal.SIGINT)
        assert daemon.wait(timeout=15) == 0


def test_truncated_files_are_rejected_and_the_rest_goes_on(tmp_path):
    root = make_root(tmp_path / "root", {"tickets": TICKETS_SPEC})
    inbox = root / "inbox" / "tickets"
    inbox.mkdir(parents=True)
    whole = generate(tmp_path / "whole.csv.gz", rows=2000, gz=True, seed=9).read_bytes()
    (inbox / "cut.csv.gz").write_bytes(whole[: len(whole) // 2])
    (inbox / "quote.csv").write_text('ticket_id,channel,subject,body\nT1,web,a,"ok"\nT2,web,b,"never closed\n')
    (inbox / "unterminated.jsonl").write_text('{"ticket_id": "J1", "channel": "web", "subject": "s", "body": "b"}\n'
                                              '{"ticket_id": "J2", "channel": "web", "subj')
    good = generate(tmp_path / "good.csv", rows=30, seed=10)
    shutil.copy(good, inbox / "good.csv")
    run_once(root, "--settle", "0")
    outbox = root / "outbox" / "tickets"
    for stem, needle in [("cut", "gzip"), ("quote", "quoted field"), ("unterminated", "newline")]:
        manifest = check_manifest(outbox, stem)
        assert manifest["status"] == "rejected" and needle in manifest["reason"], manifest
        assert manifest["outputs"] == []
    check_exactly_once(outbox, good, "good.csv")
    # Rejected sources are kept with their reason.
    kept = list((root / ".sluice" / "archive" / "tickets").glob("*/REJECTED.txt"))
    assert len(kept) == 3


def test_the_same_file_twice_costs_no_new_request(tmp_path):
    emulator = EmulatorProcess(tmp_path / "emulator")
    try:
        root = make_root(tmp_path / "root", {"tickets": remote_spec(emulator.port)})
        inbox = root / "inbox" / "tickets"
        inbox.mkdir(parents=True)
        src = generate(tmp_path / "monday.csv.gz", rows=300, gz=True, seed=11)
        shutil.copy(src, inbox / "monday.csv.gz")
        run_once(root, "--settle", "0")
        before = emulator.stats()
        shutil.copy(src, inbox / "monday-again.csv.gz")
        run_once(root, "--settle", "0")
        after = emulator.stats()
        outbox = root / "outbox" / "tickets"
        first = check_exactly_once(outbox, src, "monday.csv.gz")
        second = check_exactly_once(outbox, src, "monday-again.csv.gz")
        assert after["batches_created"] == before["batches_created"]
        assert after["requests_received"] == before["requests_received"] == 300
        assert second["counts"]["cached"] == 300 and second["batches"] == []
        assert gzip.decompress((outbox / "monday.enriched.csv.gz").read_bytes()) == \
            gzip.decompress((outbox / "monday-again.enriched.csv.gz").read_bytes())
        assert first["counts"]["succeeded"] == second["counts"]["succeeded"]
    finally:
        emulator.stop()


def test_sigterm_during_a_large_drop_exits_promptly_and_the_next_start_finishes_it(tmp_path):
    emulator = EmulatorProcess(tmp_path / "emulator", processing_delay_ms=3000)
    try:
        extra = "batch: {max_requests: 2000, poll: {initial: 200ms, max: 1s}}\n"
        root = make_root(tmp_path / "root", {"tickets": remote_spec(emulator.port, extra)})
        inbox = root / "inbox" / "tickets"
        inbox.mkdir(parents=True)
        src = generate(tmp_path / "large.csv.gz", rows=20_000, gz=True, seed=12)
        shutil.copy(src, inbox / "large.csv.gz")
        daemon = start_daemon(root, "--settle", "0")
        # Wait until batches are at the provider, then stop in the middle of the drop.
        wait_for(lambda: emulator.stats()["batches_created"] >= 2, 120, "the first batches")
        daemon.send_signal(signal.SIGTERM)
        started = time.monotonic()
        code = daemon.wait(timeout=30)
        took = time.monotonic() - started
        assert code == 0, daemon.stderr.read()[-3000:]
        assert took < 10, f"took {took:.1f} s to stop"
        assert not (root / "outbox" / "tickets" / "large.manifest.json").exists(), "stopped before the end"
        run_once(root, "--settle", "0", timeout=600)
        manifest = check_exactly_once(root / "outbox" / "tickets", src, "large.csv.gz")
        per_chunk = emulator.chunk_batches()
        assert all(n == 1 for n in per_chunk.values()), per_chunk
        assert len(per_chunk) == len(manifest["batches"]) == 10
    finally:
        emulator.stop()
