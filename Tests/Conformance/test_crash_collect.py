"""The crash harness for collections: SIGKILL `sluice run --once` while small files wait, are sealed into a shared
batch, submitted, split back and finished one by one. Then every row is in exactly one output of its file, every
shared batch was created once (one per chunk tag), the requests paid are the batches' own, and nothing is left at
the provider. SLUICE_CRASH_KILLS (default 12) and SLUICE_CRASH_SEED as in test_crash_harness.py."""
import os
import random
import subprocess
import time

from sluice_support import (Emulator, check_exactly_once, drop_by_rename, generate, log_tail, make_root, remote_spec,
                            run_once, sluice_bin, sluice_env)

SPEC_EXTRA = "batch: {collect: {window: 2s, min_requests: 300}, poll: {initial: 100ms, max: 500ms}}\n"
FAULTS = "line_error=0.03"


def test_sigkill_around_collections_loses_nothing_and_pays_nothing_twice(tmp_path):
    kills = int(os.environ.get("SLUICE_CRASH_KILLS", "12"))
    seed = int(os.environ.get("SLUICE_CRASH_SEED", str(random.randrange(1 << 30))))
    rng = random.Random(seed)
    print(f"\ncollect crash harness: {kills} kills, seed {seed}")
    logs = tmp_path / "logs"
    logs.mkdir()
    with Emulator(tmp_path / "emulator", processing_delay_ms=300, extra_args=["--faults", FAULTS]) as emulator:
        root = make_root(tmp_path / "root", {"tickets": remote_spec(emulator.port, SPEC_EXTRA)})
        inbox = root / "inbox" / "tickets"
        inbox.mkdir(parents=True)
        sources = tmp_path / "sources"
        sources.mkdir()
        dropped = []

        def drop_some(count):
            for _ in range(count):
                n = len(dropped)
                name = f"part{n:03d}.csv"
                src = generate(sources / name, rows=rng.randrange(20, 120), seed=500 + n, start=1 + n * 1000)
                drop_by_rename(src, inbox, name)
                dropped.append(name)

        drop_some(8)
        killed = 0
        deadline = time.monotonic() + 120 + 15 * kills
        while killed < kills:
            assert time.monotonic() < deadline, f"{killed} kills so far; no progress"
            log_path = logs / f"life{len(list(logs.iterdir())):04d}.log"
            with open(log_path, "wb") as log:
                proc = subprocess.Popen([sluice_bin(), "run", "--root", str(root), "--once", "--settle", "0"],
                                        env=sluice_env(), stdout=log, stderr=log)
            try:
                code = proc.wait(timeout=rng.uniform(0, 2.5))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                killed += 1
            else:
                assert code == 0, f"sluice run --once exited {code}\n{log_tail(log_path)}"
                drop_some(4)
        run_once(root, "--settle", "0", timeout=300)

        outbox = root / "outbox" / "tickets"
        manifests = [check_exactly_once(outbox, sources / name, name) for name in dropped]
        shared = {}
        for m in manifests:
            for entry in m["batches"]:
                shared.setdefault(entry["id"], 0)
                shared[entry["id"]] += entry["requests"]
        stats = emulator.stats()
        per_chunk = {k: v["batches"] for k, v in stats["by_metadata"].items() if k.startswith("sluice_chunk=")}
        twice = {tag: n for tag, n in per_chunk.items() if n != 1}
        assert not twice, f"chunks submitted more than once: {twice}"
        assert stats["batches_created"] == len(shared) == len(per_chunk), (stats["batches_created"], len(shared))
        total = 0
        for batch_id, requests in shared.items():
            remote = emulator.batch(batch_id)
            assert remote["status"] == "completed"
            # Files share no request here, so a batch holds exactly its files' shares.
            assert remote["request_counts"]["total"] == requests, (batch_id, remote["request_counts"], requests)
            total += requests
        assert stats["requests_received"] == total, "requests paid for that no manifest accounts for"
        assert sum(m["retries"]["rows"] for m in manifests) > 0, "no line fault hit: retry rounds were not exercised"
        assert emulator.files() == [], "files left at the provider"
        collected = sum(1 for m in manifests for b in m["batches"] if list(shared).count(b["id"]) and
                        sum(1 for o in manifests for c in o["batches"] if c["id"] == b["id"]) > 1)
        print(f"collect crash harness: {killed} kills over {len(dropped)} files, {len(shared)} batches, "
              f"{collected} file batches shared with other files, seed {seed}")
        assert collected > 0, "no file shared a batch: collections were not exercised"
