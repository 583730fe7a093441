"""batch.collect: small files of one pipeline share batches; each still gets its own outputs and manifest."""
import json
import shutil
import signal
import time

from sluice_support import (Emulator, check_exactly_once, drop_by_rename, generate, kill_if_running, make_root,
                            remote_spec, run_once, run_sluice, spawn_daemon, stop_daemon, wait_for, wait_for_manifest)

POLLS = "poll: {initial: 100ms, max: 500ms}"


def collect_spec(port, window, min_requests):
    return remote_spec(port, f"batch: {{collect: {{window: {window}, min_requests: {min_requests}}}, {POLLS}}}\n")


def stages(root):
    report = json.loads(run_sluice("status", "--root", root, "--json").stdout)
    return [(f["name"], f["stage"]) for f in report["files"]]


def make_drops(tmp_path, count, rows):
    sources = tmp_path / "sources"
    sources.mkdir()
    # Distinct seeds and ticket numbers: no file repeats another's requests.
    return [generate(sources / f"part-{i:02d}.csv", rows=rows, seed=100 + i, start=1 + i * rows) for i in range(count)]


def test_forty_small_files_within_a_minute_share_at_most_two_batches(tmp_path):
    with Emulator(tmp_path / "emulator") as emulator:
        root = make_root(tmp_path, {"tickets": collect_spec(emulator.port, "30s", 1000)})
        inbox = root / "inbox" / "tickets"
        inbox.mkdir(parents=True)
        drops = make_drops(tmp_path, 40, 50)
        daemon = spawn_daemon(root, tmp_path / "daemon.log", "--settle", "0")
        try:
            started = time.monotonic()
            for src in drops:
                drop_by_rename(src, inbox, src.name)
                time.sleep(0.5)
            assert time.monotonic() - started < 60
            outbox = root / "outbox" / "tickets"
            manifests = [wait_for_manifest(outbox, src.stem, 120, daemon) for src in drops]
            for src in drops:
                check_exactly_once(outbox, src, src.name)
            stats = emulator.stats()
            print(f"40 files x 50 rows: {stats['batches_created']} batch(es), {stats['requests_received']} requests, "
                  f"last manifest {time.monotonic() - started:.1f} s after the first drop")
            assert stats["batches_created"] <= 2, stats["batches_created"]
            assert stats["requests_received"] == 40 * 50
            shared = {b["id"] for m in manifests for b in m["batches"]}
            assert len(shared) == stats["batches_created"]
            assert all(m["counts"]["succeeded"] == 50 and sum(b["requests"] for b in m["batches"]) == 50
                       for m in manifests)
            wait_for(lambda: all(stage == "archived" for _, stage in stages(root)), 30, "every drop archived")
            assert emulator.files() == [], "uploads or results left at the provider"
        finally:
            stop_daemon(daemon)
            kill_if_running(daemon)


def test_flush_submits_the_collection_now_and_it_survives_a_restart(tmp_path):
    with Emulator(tmp_path / "emulator") as emulator:
        root = make_root(tmp_path, {"tickets": collect_spec(emulator.port, "1h", 50000)})
        inbox = root / "inbox" / "tickets"
        inbox.mkdir(parents=True)
        drops = make_drops(tmp_path, 3, 20)
        daemon = spawn_daemon(root, tmp_path / "daemon.log", "--settle", "0")
        try:
            for src in drops:
                drop_by_rename(src, inbox, src.name)
            wait_for(lambda: [s for _, s in stages(root)].count("collecting") == 3, 30, "three files collecting")
            time.sleep(1)
            assert emulator.stats()["batches_created"] == 0, "a collection went before its window"
            stop_daemon(daemon, signal.SIGTERM)
            # Waiting files are state: a restarted daemon still holds them, and flush sends them.
            daemon = spawn_daemon(root, tmp_path / "daemon2.log", "--settle", "0")
            time.sleep(1)
            assert [s for _, s in stages(root)].count("collecting") == 3
            out = run_sluice("flush", "tickets", "--root", root).stdout
            assert "3 files waiting" in out
            outbox = root / "outbox" / "tickets"
            for src in drops:
                wait_for_manifest(outbox, src.stem, 60, daemon)
                check_exactly_once(outbox, src, src.name)
            assert emulator.stats()["batches_created"] == 1
            assert "nothing collected" in run_sluice("flush", "--root", root).stdout
        finally:
            stop_daemon(daemon)
            kill_if_running(daemon)


def test_once_sends_the_collection_when_the_inbox_is_drained(tmp_path):
    with Emulator(tmp_path / "emulator") as emulator:
        root = make_root(tmp_path, {"tickets": collect_spec(emulator.port, "1h", 50000)})
        inbox = root / "inbox" / "tickets"
        inbox.mkdir(parents=True)
        drops = make_drops(tmp_path, 5, 30)
        for src in drops:
            shutil.copy(src, inbox / src.name)
        run_once(root, "--settle", "0", timeout=120)
        outbox = root / "outbox" / "tickets"
        for src in drops:
            check_exactly_once(outbox, src, src.name)
        assert emulator.stats()["batches_created"] == 1


def test_a_file_that_fills_a_batch_goes_alone_and_failures_stay_with_their_file(tmp_path):
    # line_error fails some requests of the shared batch: each failure lands in its own file's failures and
    # is retried in that file's own retry round.
    with Emulator(tmp_path / "emulator", seed=3, extra_args=("--faults", "line_error=0.1")) as emulator:
        root = make_root(tmp_path, {"tickets": collect_spec(emulator.port, "1h", 100)})
        inbox = root / "inbox" / "tickets"
        inbox.mkdir(parents=True)
        small = make_drops(tmp_path, 3, 30)
        big = generate(tmp_path / "big.csv", rows=150, seed=9, start=10_000)
        for src in small + [big]:
            shutil.copy(src, inbox / src.name)
        run_once(root, "--settle", "0", timeout=120)
        outbox = root / "outbox" / "tickets"
        manifests = {src.name: check_exactly_once(outbox, src, src.name) for src in small + [big]}
        first_round = {m["batches"][0]["id"] for m in manifests.values()}
        assert len(first_round) == 2, "the big file has its own batch, the three small ones share one"
        retried = sum(m["retries"]["rows"] for m in manifests.values())
        assert retried > 0, "the fault plan failed no line: nothing was tested"
        assert sum(m["counts"]["succeeded"] for m in manifests.values()) == 3 * 30 + 150


def test_files_sharing_a_batch_pay_once_for_a_request_they_share(tmp_path):
    import csv
    import io

    from sluice_support import read_csv

    with Emulator(tmp_path / "emulator") as emulator:
        root = make_root(tmp_path, {"tickets": collect_spec(emulator.port, "1h", 50000)})
        inbox = root / "inbox" / "tickets"
        inbox.mkdir(parents=True)
        first = read_csv(generate(tmp_path / "first.csv", rows=40, seed=31))
        header, shared = first[0], first[1:11]
        files = {"a.csv": first}
        for i in range(4):
            rows = read_csv(generate(tmp_path / f"g{i}.csv", rows=30, seed=40 + i, start=1000 * (i + 1)))[1:]
            # Ten rows repeat the first file's requests under new ticket ids.
            copies = [[f"C{i}-{n}"] + r[1:] for n, r in enumerate(shared)]
            files[f"b{i}.csv"] = [header] + rows + copies
        for name, table in files.items():
            buffer = io.StringIO(newline="")
            csv.writer(buffer, lineterminator="\r\n").writerows(table)
            (tmp_path / name).write_text(buffer.getvalue(), encoding="utf-8", newline="")
            shutil.copy(tmp_path / name, inbox / name)
        run_once(root, "--settle", "0", timeout=120)
        outbox = root / "outbox" / "tickets"
        manifests = {name: check_exactly_once(outbox, tmp_path / name, name) for name in files}
        stats = emulator.stats()
        assert stats["batches_created"] == 1
        assert stats["requests_received"] == 40 + 4 * 30, "a request shared by files was sent more than once"
        assert sum(m["counts"]["deduped"] for m in manifests.values()) == 40
        # The repeats carry the answers the first file's rows got, and cost their files nothing extra.
        width = len(header)
        answers = {tuple(r[1:width]): r[width:] for r in read_csv(outbox / "a.enriched.csv")[1:]}
        for i in range(4):
            for row in read_csv(outbox / f"b{i}.enriched.csv")[1:]:
                if row[0].startswith("C"):
                    assert row[width:] == answers[tuple(row[1:width])]
        assert all(m["usage"]["input_tokens"] > 0 for m in manifests.values())
