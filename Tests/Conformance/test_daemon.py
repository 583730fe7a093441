"""`sluice run`, the daemon, through its command line: --once, intake (settle, rename, rescan, ignored names),
rejection of files cut short, reuse of the same content, SIGTERM and resume.

Every test has its own root under tmp_path. Tests that count provider traffic talk over HTTP to a separate
`sluice emulator` process (its `/_emulator/stats` counts batches, uploads and request lines per
`sluice_chunk` tag); the others use `provider: local`. Every wait has a timeout, and a daemon still running
when a test ends is killed.
"""
import csv
import gzip
import io
import os
import shutil
import signal
import time

import pytest

from sluice_support import (IGNORED_NAMES, TICKETS_SPEC, Emulator, age, check_exactly_once, check_manifest,
                            check_provider_batches, csv_cut_inside_quote, drop_by_rename, emulator_spec, generate,
                            kept_copies, make_root, read_csv, run_once, sha256, status_files, stop_daemon,
                            truncated_gzip, wait_for, wait_for_manifest)


@pytest.fixture
def emulators(tmp_path):
    """Starts `sluice emulator` processes (each with its own state folder); all are stopped at the end."""
    started = []

    def start(processing_delay_ms=0):
        emulator = Emulator(tmp_path / f"emulator{len(started)}", processing_delay_ms=processing_delay_ms)
        started.append(emulator)
        return emulator

    yield start
    for emulator in started:
        emulator.stop()


def new_inbox(root, pipeline="tickets"):
    inbox = root / "inbox" / pipeline
    inbox.mkdir(parents=True, exist_ok=True)
    return inbox


def csv_records(path):
    """A generated CSV file as its encoded records (header first), each ending in CRLF like the generator's."""
    encoded = []
    for row in read_csv(path):
        out = io.StringIO(newline="")
        csv.writer(out, lineterminator="\r\n").writerow(row)
        encoded.append(out.getvalue().encode("utf-8"))
    return encoded


def test_once_drains_fifty_files_across_three_pipelines(tmp_path):
    pipelines = ("alpha", "beta", "gamma")
    root = make_root(tmp_path / "root", {name: TICKETS_SPEC for name in pipelines})
    sources = tmp_path / "sources"
    sources.mkdir()
    expected = []
    for i in range(50):
        pipeline = pipelines[i % 3]
        fmt, gz = [("csv", False), ("jsonl", False), ("csv", True), ("jsonl", True)][i % 4]
        name = f"f{i:02d}.{fmt}" + (".gz" if gz else "")
        src = generate(sources / name, rows=20, fmt=fmt, gz=gz, seed=i, start=1 + i * 100)
        shutil.copy(src, new_inbox(root, pipeline) / name)  # fresh mtimes: --once must wait out the settle
        expected.append((pipeline, name))
    # Ignored by name only: valid content, and old enough that the settle rule alone would take them.
    for pipeline in pipelines:
        for ignored in IGNORED_NAMES:
            age(shutil.copy(sources / "f00.csv", new_inbox(root, pipeline) / ignored), 3600)

    run_once(root)  # the default settle (5 s)

    for pipeline, name in expected:
        manifest = check_exactly_once(root / "outbox" / pipeline, sources / name, name)  # ids, checksums, counts
        assert manifest["status"] == "complete" and manifest["counts"]["rows_in"] == 20, manifest
    manifests = sorted(p.name for p in (root / "outbox").rglob("*.manifest.json"))
    assert len(manifests) == 50, manifests
    for pipeline in pipelines:
        assert sorted(os.listdir(root / "inbox" / pipeline)) == sorted(IGNORED_NAMES), "inbox not drained"
    # Every source is archived under .sluice/archive/<pipeline>/.
    archived = {}
    for path in (root / ".sluice" / "archive").rglob("*"):
        if path.is_file():
            archived.setdefault(sha256(path), set()).add(path.relative_to(root / ".sluice" / "archive").parts[0])
    for pipeline, name in expected:
        assert pipeline in archived.get(sha256(sources / name), set()), f"{pipeline}/{name} not archived"


def test_slow_writer_is_claimed_only_when_complete(tmp_path, daemons):
    root = make_root(tmp_path / "root", {"tickets": TICKETS_SPEC})
    inbox = new_inbox(root)
    outbox = root / "outbox" / "tickets"
    src = generate(tmp_path / "slow.csv", rows=20, seed=5)
    records = csv_records(src)
    daemon = daemons(root, "--settle", "2")
    # One record every 0.5 s for 10 s, written in place (no rename): never 2 s without a change until the end.
    with open(inbox / "slow.csv", "wb") as f:
        for record in records:
            f.write(record)
            f.flush()
            time.sleep(0.5)
            assert (inbox / "slow.csv").exists(), "claimed while still being written"
            assert not (outbox / "slow.manifest.json").exists()
    manifest = wait_for_manifest(outbox, "slow", 60, daemon)
    assert manifest["status"] == "complete" and manifest["counts"]["rows_in"] == 20, manifest
    check_exactly_once(outbox, src, "slow.csv")
    stop_daemon(daemon)


def test_renamed_and_already_old_files_do_not_wait_for_settle(tmp_path, daemons):
    root = make_root(tmp_path / "root", {"tickets": TICKETS_SPEC})
    inbox = new_inbox(root)
    outbox = root / "outbox" / "tickets"
    old = generate(tmp_path / "old.csv", rows=10, seed=6)
    age(shutil.copy(old, inbox / "old.csv"), 3600)  # there before the start, mtime an hour ago
    started = time.monotonic()
    daemon = daemons(root, "--settle", "30")
    wait_for_manifest(outbox, "old", 20, daemon)  # 20 s < settle: complete at once because it is old
    assert time.monotonic() - started < 20
    check_exactly_once(outbox, old, "old.csv")

    # Written as .part (ignored), then renamed into place: complete on arrival.
    quick = generate(tmp_path / "quick.csv", rows=10, seed=7)
    shutil.copyfile(quick, inbox / "quick.csv.part")
    time.sleep(1)
    assert (inbox / "quick.csv.part").exists(), "a .part file was claimed"
    renamed = time.monotonic()
    os.rename(inbox / "quick.csv.part", inbox / "quick.csv")
    wait_for_manifest(outbox, "quick", 20, daemon)  # well before the 30 s settle would allow
    assert time.monotonic() - renamed < 20
    check_exactly_once(outbox, quick, "quick.csv")
    stop_daemon(daemon)


def test_without_inotify_the_rescan_finds_files(tmp_path, daemons):
    root = make_root(tmp_path / "root", {"tickets": TICKETS_SPEC})
    inbox = new_inbox(root)
    outbox = root / "outbox" / "tickets"
    daemon = daemons(root, "--no-inotify", "--rescan", "1", "--settle", "1")
    time.sleep(1)
    polled = generate(tmp_path / "polled.jsonl", rows=15, fmt="jsonl", seed=8)
    shutil.copy(polled, inbox / "polled.jsonl")
    moved = generate(tmp_path / "moved.csv.gz", rows=12, gz=True, seed=9)
    drop_by_rename(moved, inbox, "moved.csv.gz")
    assert wait_for_manifest(outbox, "polled", 30, daemon)["counts"]["rows_in"] == 15
    assert wait_for_manifest(outbox, "moved", 30, daemon)["counts"]["rows_in"] == 12
    check_exactly_once(outbox, polled, "polled.jsonl")
    check_exactly_once(outbox, moved, "moved.csv.gz")
    stop_daemon(daemon, signal.SIGINT)


def test_files_cut_short_are_rejected_and_the_daemon_serves_on(tmp_path, emulators, daemons):
    emulator = emulators()
    root = make_root(tmp_path / "root", {"tickets": emulator_spec(emulator.port)})
    inbox = new_inbox(root)
    outbox = root / "outbox" / "tickets"
    cut = truncated_gzip(generate(tmp_path / "whole.csv.gz", rows=2000, gz=True, seed=9), tmp_path / "cut.csv.gz")
    quote = csv_cut_inside_quote(generate(tmp_path / "whole.csv", rows=2000, seed=10), tmp_path / "quote.csv")
    good = generate(tmp_path / "good.csv", rows=30, seed=11)
    daemon = daemons(root, "--settle", "1")
    for src in (cut, quote, good):
        drop_by_rename(src, inbox, src.name)

    for stem, src, needle in [("cut", cut, "gzip"), ("quote", quote, "quote")]:
        manifest = wait_for_manifest(outbox, stem, 60, daemon)
        check_manifest(outbox, stem)
        assert manifest["status"] == "rejected", manifest
        assert needle in manifest["reason"].lower(), manifest["reason"]
        assert manifest["outputs"] == [], manifest
        assert not list(outbox.glob(f"{stem}.enriched.*")) and not (outbox / f"{stem}.failures.jsonl").exists()
        assert kept_copies(root, src), f"the rejected {src.name} was not kept for inspection"
    wait_for_manifest(outbox, "good", 60, daemon)
    check_exactly_once(outbox, good, "good.csv")

    # Still serving after the rejections.
    later = generate(tmp_path / "later.jsonl", rows=25, fmt="jsonl", seed=12)
    drop_by_rename(later, inbox, "later.jsonl")
    wait_for_manifest(outbox, "later", 60, daemon)
    check_exactly_once(outbox, later, "later.jsonl")
    assert daemon.poll() is None, "the daemon stopped"
    assert not os.listdir(inbox)
    assert emulator.stats()["requests_received"] == 30 + 25, "requests were sent for a rejected file"
    stop_daemon(daemon)


def test_readme_structural_checks_jsonl_without_final_newline_and_bad_gzip_trailer(tmp_path):
    """Beyond the daemon contract, as the README documents them: a JSONL file whose last line has no newline,
    and a gzip stream whose CRC32 trailer is wrong, are cut short too."""
    root = make_root(tmp_path / "root", {"tickets": TICKETS_SPEC})
    inbox = new_inbox(root)
    (inbox / "unterminated.jsonl").write_text('{"ticket_id": "J1", "channel": "web", "subject": "s", "body": "b"}\n'
                                              '{"ticket_id": "J2", "channel": "web", "subject": "s", "body": "b"}')
    whole = bytearray(generate(tmp_path / "crc.csv.gz", rows=200, gz=True, seed=13).read_bytes())
    whole[-8] ^= 0xFF  # first byte of the CRC32 in the trailer
    with pytest.raises(gzip.BadGzipFile):
        gzip.decompress(bytes(whole))
    (inbox / "crc.csv.gz").write_bytes(bytes(whole))
    run_once(root, "--settle", "0")
    outbox = root / "outbox" / "tickets"
    for stem, needles in [("unterminated", ("newline",)), ("crc", ("crc", "checksum", "gzip"))]:
        manifest = check_manifest(outbox, stem)
        assert manifest["status"] == "rejected" and manifest["outputs"] == [], manifest
        assert any(n in manifest["reason"].lower() for n in needles), manifest["reason"]
    assert len(list((root / ".sluice" / "archive" / "tickets").glob("*/REJECTED.txt"))) == 2


def test_the_same_file_twice_costs_no_new_request(tmp_path, emulators):
    emulator = emulators()
    root = make_root(tmp_path / "root", {"tickets": emulator_spec(emulator.port)})
    inbox = new_inbox(root)
    outbox = root / "outbox" / "tickets"
    src = generate(tmp_path / "monday.csv.gz", rows=1000, gz=True, seed=11)  # 3 chunks
    drop_by_rename(src, inbox, "monday.csv.gz")
    run_once(root, "--settle", "0")
    first = check_exactly_once(outbox, src, "monday.csv.gz")
    before = emulator.stats()
    assert before["batches_created"] == len(first["batches"]) == 3, before
    assert before["requests_received"] == check_provider_batches(emulator, [first]) == 1000 - first["counts"]["deduped"]

    drop_by_rename(src, inbox, "monday-again.csv.gz")
    run_once(root, "--settle", "0")
    second = check_exactly_once(outbox, src, "monday-again.csv.gz")
    after = emulator.stats()
    for key in ("batches_created", "files_uploaded", "requests_received"):
        assert after[key] == before[key], (key, before, after)
    assert after["by_metadata"] == before["by_metadata"]
    for key in ("rows_in", "succeeded", "failed"):
        assert first["counts"][key] == second["counts"][key], (first["counts"], second["counts"])
    assert gzip.decompress((outbox / "monday.enriched.csv.gz").read_bytes()) == \
        gzip.decompress((outbox / "monday-again.enriched.csv.gz").read_bytes())
    assert emulator.files() == []


def test_copies_dropped_together_are_sent_once_and_none_waits_forever(tmp_path, emulators):
    """Three copies of one file arrive in the same scan: the first is sent, the other two wait for it and reuse its
    results. (A copy once waited on the newest other copy, so two copies could wait on each other for ever.)"""
    emulator = emulators()
    root = make_root(tmp_path / "root", {"tickets": emulator_spec(emulator.port)})
    inbox = new_inbox(root)
    outbox = root / "outbox" / "tickets"
    src = generate(tmp_path / "export.csv", rows=900, seed=12)  # 3 chunks
    names = ["export.csv", "export copy.csv", "export (2).csv"]
    for name in names:
        drop_by_rename(src, inbox, name)
    run_once(root, "--settle", "0", timeout=180)
    manifests = [check_exactly_once(outbox, src, name) for name in names]
    assert sorted(m["counts"]["cached"] for m in manifests) == [0, 900, 900]
    assert emulator.stats()["batches_created"] == sum(len(m["batches"]) for m in manifests) == 3


def test_sigterm_during_a_large_drop_exits_promptly_and_the_next_start_finishes_it(tmp_path, emulators, daemons):
    emulator = emulators(processing_delay_ms=3000)
    root = make_root(tmp_path / "root", {"tickets": emulator_spec(emulator.port)})
    inbox = new_inbox(root)
    outbox = root / "outbox" / "tickets"
    src = generate(tmp_path / "large.csv.gz", rows=20_000, gz=True, seed=12)  # 50 chunks of 400
    drop_by_rename(src, inbox, "large.csv.gz")
    daemon = daemons(root, "--settle", "0")
    # Stop it in the middle: some batches at the provider (each takes >= 3 s there), others not yet created.
    wait_for(lambda: daemon.poll() is not None or emulator.stats()["batches_created"] >= 5, 120,
             "the first batches at the provider")
    took = stop_daemon(daemon, signal.SIGTERM, within=10)
    created = emulator.stats()["batches_created"]
    print(f"SIGTERM: exited 0 in {took:.2f} s with {created} of 50 batches created")
    assert not (outbox / "large.manifest.json").exists(), "it finished before the signal: nothing was tested"
    assert [f["stage"] for f in status_files(root) if f["name"] == "large.csv.gz"] != ["archived"]

    run_once(root, "--settle", "0", timeout=600)
    manifest = check_exactly_once(outbox, src, "large.csv.gz")
    per_chunk = emulator.chunk_batches()
    assert all(n == 1 for n in per_chunk.values()), {k: n for k, n in per_chunk.items() if n != 1}
    assert len(per_chunk) == len(manifest["batches"]) == emulator.stats()["batches_created"] == 50
    sent = check_provider_batches(emulator, [manifest])
    assert emulator.stats()["requests_received"] == sent == 20_000 - manifest["counts"]["deduped"]
    assert emulator.files() == [], "uploads or results left at the provider"
    assert [f["stage"] for f in status_files(root) if f["name"] == "large.csv.gz"] == ["archived"]
