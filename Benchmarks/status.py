#!/usr/bin/env python3
"""Issue-8 `sluice status` speed with 10,000 finished files in the state database (limit: 150 ms).

The state database is real: one drop is processed by `sluice process` through the local provider, then its rows
(drop, chunks, batches, spending) are copied 10,000 times with SQL, finished over the last DAYS days (by default
all within the last 24 hours, the default window: the worst case). Each command is run RUNS times; the table shows
the median wall time and the median CPU time (user+sys of the child, getrusage) — CPU time is the steadier figure
on a shared machine — and the ratio to the limit.

Usage: Benchmarks/status.py [--files 10000] [--runs 5] [--days 1] [--bin PATH]
Prints EXPLAIN QUERY PLAN of the queries the report makes with --plans.
"""

import argparse
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIMIT_S = 0.150


def release_bin():
    out = subprocess.run(
        ["swift", "build", "-c", "release", "--show-bin-path"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return os.path.join(out.stdout.strip(), "sluice")


def make_root(work, binary):
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(os.path.join(work, "pipelines"))
    shutil.copy(os.path.join(ROOT, "pipelines", "tickets.yaml"), os.path.join(work, "pipelines"))
    drop = os.path.join(work, "tickets.csv")
    subprocess.run(
        [sys.executable, os.path.join(ROOT, "scripts", "gen_tickets.py"), "--rows", "20", "--seed", "8", "-o", drop],
        check=True,
    )
    subprocess.run(
        [binary, "process", drop, "--pipeline", "tickets", "--root", work, "--quiet"], check=True, capture_output=True
    )
    return os.path.join(work, ".sluice", "state.sqlite")


def columns(db, table):
    return [row[1] for row in db.execute(f'PRAGMA table_info("{table}")') if row[1] != "id"]


def seed(path, files, days):
    """Copies the processed drop (id 1) and its chunks, batches and spending to `files` drops in all."""
    db = sqlite3.connect(path)
    drop_cols = columns(db, "drop")
    chunk_cols = columns(db, "chunk")
    batch_cols = columns(db, "batch")
    spend_cols = [c for c in columns(db, "dropSpend") if c != "dropID"]
    now = datetime.now(timezone.utc)
    span = timedelta(days=days)
    with db:
        for i in range(1, files):
            finished = now - span * (i / files)
            stamp = finished.strftime("%Y-%m-%d %H:%M:%S.000")
            cols = ",".join(f'"{c}"' for c in drop_cols)
            picks = ",".join(
                "?" if c in ("updatedAt", "writtenAt", "archivedAt", "completedAt", "receivedAt", "sourceName")
                else f'"{c}"'
                for c in drop_cols
            )
            values = [
                f"tickets-{i:05}.csv" if c == "sourceName" else stamp
                for c in drop_cols
                if c in ("updatedAt", "writtenAt", "archivedAt", "completedAt", "receivedAt", "sourceName")
            ]
            cur = db.execute(f'INSERT INTO "drop" ({cols}) SELECT {picks} FROM "drop" WHERE id = 1', values)
            new = cur.lastrowid
            scols = ",".join(f'"{c}"' for c in spend_cols)
            db.execute(f'INSERT INTO dropSpend (dropID,{scols}) SELECT ?,{scols} FROM dropSpend WHERE dropID = 1', [new])
            for (chunk_id,) in db.execute("SELECT id FROM chunk WHERE dropID = 1").fetchall():
                ccols = ",".join(f'"{c}"' for c in chunk_cols if c != "dropID")
                cur = db.execute(
                    f"INSERT INTO chunk (dropID,{ccols}) SELECT ?,{ccols} FROM chunk WHERE id = ?", [new, chunk_id]
                )
                bcols = ",".join(f'"{c}"' for c in batch_cols if c != "chunkID")
                db.execute(
                    f"INSERT INTO batch (chunkID,{bcols}) SELECT ?,{bcols} FROM batch WHERE chunkID = ?",
                    [cur.lastrowid, chunk_id],
                )
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    counts = {t: db.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in ("drop", "chunk", "batch")}
    db.close()
    return counts


def timed(cmd):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def plans(path):
    since = (datetime.now(timezone.utc) - timedelta(hours=24)).strftime("%Y-%m-%d %H:%M:%S.000")
    db = sqlite3.connect(path)
    ids = ",".join(str(i) for i in range(9801, 10001))
    queries = {
        # StateStore.drops(finishedSince:limit:)
        "drops in the window": (
            'SELECT * FROM "drop" WHERE id IN (SELECT id FROM "drop" WHERE (stage != \'archived\' AND '
            "stage != 'rejected') OR updatedAt >= ? ORDER BY id DESC LIMIT 200) ORDER BY id DESC",
            [since],
        ),
        # StateStore.progress(dropIDs:)
        "chunks of the drops shown": (f"SELECT * FROM chunk WHERE dropID IN ({ids}) ORDER BY dropID, seq", []),
        "latest batch of each chunk": (
            f"SELECT * FROM batch WHERE id IN (SELECT MAX(b.id) FROM batch b JOIN chunk c ON c.id = b.chunkID "
            f"WHERE c.dropID IN ({ids}) GROUP BY b.chunkID)",
            [],
        ),
    }
    for name, (sql, args) in queries.items():
        print(f"-- {name}")
        for row in db.execute("EXPLAIN QUERY PLAN " + sql, args):
            print("   ", row[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--days", type=float, default=1.0)
    parser.add_argument("--bin", default=os.environ.get("SLUICE_BIN"))
    parser.add_argument("--work", default="/tmp/sluice-status")
    parser.add_argument("--plans", action="store_true")
    args = parser.parse_args()
    binary = args.bin or release_bin()
    path = make_root(args.work, binary)
    counts = seed(path, args.files, args.days)
    print(f"state: {counts['drop']} drops, {counts['chunk']} chunks, {counts['batch']} batches "
          f"(finished over the last {args.days:g} day(s))")
    if args.plans:
        plans(path)
    print(f"{'command':28} {'wall ms':>8} {'cpu ms':>8} {'limit ms':>9} {'ratio':>6}   (median of {args.runs})")
    base = [binary, "status", "--root", args.work]
    for name, cmd in (("sluice --version", [binary, "--version"]), ("sluice status", base),
                      ("sluice status --json", base + ["--json"])):
        timed(cmd)  # warm the page cache
        runs = [timed(cmd) for _ in range(args.runs)]
        wall = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        print(f"{name:28} {wall * 1000:8.1f} {cpu * 1000:8.1f} {LIMIT_S * 1000:9.0f} {wall / LIMIT_S:6.2f}")


if __name__ == "__main__":
    main()
