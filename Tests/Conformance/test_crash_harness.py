"""The crash harness: SIGKILL `sluice run` at random moments across the whole life of multi-chunk drops.

A separate `sluice emulator` process plays the provider, so it survives every kill and counts what it was sent.
At the end every row of every file is in exactly one of enriched / failures, outputs match their manifests,
every chunk's batch was created exactly once, and no file is left at the provider.

SLUICE_CRASH_KILLS (default 20) sets the number of kills; SLUICE_CRASH_SEED replays a run.
"""
import os
import random
import shutil
import subprocess
import time

from sluice_support import (EmulatorProcess, check_exactly_once, generate, make_root, remote_spec, run_once,
                            sluice_bin, sluice_env)

EXTRA = "batch: {max_requests: 400, poll: {initial: 100ms, max: 400ms}}\n"


def test_sigkill_anywhere_loses_nothing_and_pays_nothing_twice(tmp_path):
    kills = int(os.environ.get("SLUICE_CRASH_KILLS", "20"))
    seed = int(os.environ.get("SLUICE_CRASH_SEED", str(random.randrange(1 << 30))))
    rng = random.Random(seed)
    print(f"crash harness: {kills} kills, seed {seed}")
    emulator = EmulatorProcess(tmp_path / "emulator", processing_delay_ms=500)
    try:
        spec = remote_spec(emulator.port, EXTRA)
        root = make_root(tmp_path / "root", {"tickets": spec})
        inbox = root / "inbox" / "tickets"
        inbox.mkdir(parents=True)
        sources = tmp_path / "sources"
        sources.mkdir()
        dropped = []

        def drop_next():
            n = len(dropped)
            fmt, gz = [("csv", True), ("jsonl", False), ("csv", False)][n % 3]
            name = f"drop{n}.{fmt}" + (".gz" if gz else "")
            src = generate(sources / name, rows=rng.choice([1200, 2000, 3000]), fmt=fmt, gz=gz, seed=100 + n,
                           start=1 + n * 10_000)
            shutil.copy(src, inbox / (name + ".part"))
            os.rename(inbox / (name + ".part"), inbox / name)
            dropped.append(name)

        drop_next()
        drop_next()
        started = time.monotonic()
        killed = 0
        while killed < kills:
            proc = subprocess.Popen([sluice_bin(), "run", "--root", str(root), "--once", "--settle", "0"],
                                    env=sluice_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            # Mostly anywhere in the first seconds of a life; sometimes right at start-up (claim, recovery).
            delay = rng.uniform(0, 0.3) if rng.random() < 0.3 else rng.uniform(0.3, 3.0)
            try:
                code = proc.wait(timeout=delay)
                assert code == 0, f"sluice run --once exited {code} on its own"
                drop_next()  # everything finished before the kill: give the next lives something to do
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                killed += 1
        run_once(root, "--settle", "0")
        elapsed = time.monotonic() - started

        outbox = root / "outbox" / "tickets"
        batches = 0
        for name in dropped:
            manifest = check_exactly_once(outbox, sources / name, name)
            batches += len(manifest["batches"])
        per_chunk = emulator.chunk_batches()
        twice = {tag: n for tag, n in per_chunk.items() if n != 1}
        assert not twice, f"chunks submitted more than once: {twice}"
        stats = emulator.stats()
        assert stats["batches_created"] == batches == len(per_chunk)
        assert emulator.files() == [], "uploads or results left at the provider"
        assert not list(inbox.iterdir()), "every drop was claimed"
        print(f"crash harness: {killed} kills over {len(dropped)} files, {batches} batches, seed {seed}, "
              f"{elapsed:.1f} s")
    finally:
        emulator.stop()
