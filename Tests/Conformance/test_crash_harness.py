"""The crash harness: SIGKILL `sluice run --once` at random moments across the whole life of multi-chunk drops.

A separate `sluice emulator` process plays the provider, so it survives every kill and counts what it was sent.
The inbox starts with two multi-chunk drops (3,000-row csv.gz: 8 batches; 1,500-row jsonl: 4 batches). Each
life of `sluice run --once` is killed after a random delay: uniform over 0-3 s, and one time in four over
0-0.2 s (start-up: claim, recovery). A life that ends on its own before its kill was not a kill: the next drop
(csv.gz / jsonl / csv in turn) goes into the inbox so later kills land in a drop's life again. After the
requested number of kills, one last run must finish everything. Then:

- every input row (ticket_id) of every file is in exactly one of enriched / failures;
- every output's sha256 and row count match its manifest, and the manifest's counts add up;
- every `sluice_chunk` tag was used by exactly one created batch, and the batches the provider created are
  exactly the batches the manifests list (same count, same request totals);
- `GET /v1/files` lists nothing: inputs deleted after their batch, outputs and error files after the archive;
- the emulator runs with line faults (SLUICE_CRASH_FAULTS, '' for none), so rows fail and go again in retry
  rounds that the kills land in as well; retry chunks have tags of their own, each created once.

SLUICE_CRASH_KILLS (default 20) sets the number of kills; SLUICE_CRASH_SEED replays a run (the seed is printed).
The summary line (kills, seed, elapsed, where the kills landed) is printed; run with -s to see it.
"""
import collections
import os
import random
import subprocess
import time

from sluice_support import (Emulator, check_exactly_once, check_provider_batches, drop_by_rename, emulator_spec,
                            generate, log_tail, make_root, run_once, sluice_bin, sluice_env, status_files)

PROCESSING_DELAY_MS = 500
# Line faults that keep every batch completed: some rows fail and go again in retry rounds, which the kills hit too.
FAULTS = "line_error=0.02,schema_invalid=0.02,missing_line=0.01"
# The drops, in order: the first two are in the inbox at the start; the others are added as lives finish early.
DROPS = [("csv", True, 3000), ("jsonl", False, 1500), ("csv", False, 2000)]


def kill_delay(rng):
    return rng.uniform(0, 0.2) if rng.random() < 0.25 else rng.uniform(0, 3.0)


def stages(root):
    """Informational only: the stages of the files still in flight after a kill, as `sluice status` reports them."""
    try:
        return [f["stage"] for f in status_files(root) if f["stage"] not in ("archived", "rejected")]
    except Exception as e:  # noqa: BLE001 -- status is young; the harness does not depend on it
        return [f"status failed: {type(e).__name__}"]


def test_sigkill_anywhere_loses_nothing_and_pays_nothing_twice(tmp_path):
    kills = int(os.environ.get("SLUICE_CRASH_KILLS", "20"))
    seed = int(os.environ.get("SLUICE_CRASH_SEED", str(random.randrange(1 << 30))))
    rng = random.Random(seed)
    print(f"\ncrash harness: {kills} kills, seed {seed} (SLUICE_CRASH_SEED={seed} replays it)")
    logs = tmp_path / "logs"
    logs.mkdir()
    faults = os.environ.get("SLUICE_CRASH_FAULTS", FAULTS)
    print(f"crash harness: faults {faults!r} (SLUICE_CRASH_FAULTS)")
    with Emulator(tmp_path / "emulator", processing_delay_ms=PROCESSING_DELAY_MS,
                  extra_args=["--faults", faults] if faults else []) as emulator:
        root = make_root(tmp_path / "root", {"tickets": emulator_spec(emulator.port)})
        inbox = root / "inbox" / "tickets"
        inbox.mkdir(parents=True)
        sources = tmp_path / "sources"
        sources.mkdir()
        dropped = []

        def drop_next():
            n = len(dropped)
            fmt, gz, rows = DROPS[n % len(DROPS)]
            name = f"drop{n:03d}.{fmt}" + (".gz" if gz else "")
            src = generate(sources / name, rows=rows, fmt=fmt, gz=gz, seed=100 + n, start=1 + n * 10_000)
            drop_by_rename(src, inbox, name)
            dropped.append(name)

        drop_next()
        drop_next()
        started = time.monotonic()
        deadline = started + 120 + 15 * kills  # a daemon that never gets anywhere fails instead of looping forever
        killed = finished_early = 0
        landed = collections.Counter()
        while killed < kills:
            assert time.monotonic() < deadline, f"{killed} kills so far; the harness is not making progress"
            life = len(list(logs.iterdir()))
            log_path = logs / f"life{life:04d}.log"
            with open(log_path, "wb") as log:
                proc = subprocess.Popen([sluice_bin(), "run", "--root", str(root), "--once", "--settle", "0"],
                                        env=sluice_env(), stdout=log, stderr=log)
            try:
                code = proc.wait(timeout=kill_delay(rng))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                killed += 1
                landed.update(stages(root) or ["nothing in flight"])
            else:
                assert code == 0, f"sluice run --once (life {life}) exited {code} on its own\n{log_tail(log_path)}"
                finished_early += 1
                drop_next()  # everything finished before the kill: give the next lives something to do
        final_log = logs / "final.log"
        proc = run_once(root, "--settle", "0", timeout=300)
        final_log.write_text(proc.stderr)
        elapsed = time.monotonic() - started

        outbox = root / "outbox" / "tickets"
        manifests = [check_exactly_once(outbox, sources / name, name) for name in dropped]
        batches = sum(len(m["batches"]) for m in manifests)
        per_chunk = emulator.chunk_batches()
        twice = {tag: n for tag, n in per_chunk.items() if n != 1}
        assert not twice, f"chunks submitted more than once: {twice}"
        stats = emulator.stats()
        assert stats["batches_created"] == batches == len(per_chunk), (stats["batches_created"], batches)
        sent = check_provider_batches(emulator, manifests)
        assert stats["requests_received"] == sent, "requests paid for that no manifest accounts for"
        # (custom_ids repeat across drops, r1, r2, ...: the per-chunk tags above are what prove nothing was paid twice.)
        first_attempts = sum(m["counts"]["rows_in"] - m["counts"]["deduped"] for m in manifests)
        if faults:
            assert sent >= first_attempts and sum(m["retries"]["rows"] for m in manifests) > 0
        else:
            assert sent == first_attempts
        leaked = emulator.files()
        assert leaked == [], f"{len(leaked)} files left at the provider: {[f['filename'] for f in leaked][:10]}"
        assert not list(inbox.iterdir()), "every drop was claimed"
        where = ", ".join(f"{stage} {n}" for stage, n in landed.most_common())
        print(f"crash harness: {killed} kills ({finished_early} lives ended on their own) over {len(dropped)} files, "
              f"{sum(m['counts']['rows_in'] for m in manifests)} rows, {batches} batches, seed {seed}, "
              f"{elapsed:.1f} s; kills landed in: {where}")
