"""`then:` chaining: classify (schema with urgency) → summarize only the urgent rows, from one drop.

Stage one runs against the in-process local provider; its enriched rows with `urgency >= 4` go into
inbox/summarize/ as one file (renamed into place after stage one's manifest), which the daemon claims and runs
through stage two. Checked: stage two's rows are exactly stage one's urgent enriched rows (same ids, the
first stage's output columns carried and templated), the manifest's `chained` entry matches, and restarts —
SIGKILLs of the daemon, and the crash window between the chained file's rename and its record — never deliver
a second copy.
"""
import json
import random
import sqlite3
import time

from sluice_support import (TICKETS_SPEC, check_exactly_once, check_manifest, drop_by_rename, generate, kill_if_running,
                            make_root, read_csv, run_once, run_sluice, spawn_daemon, stop_daemon, wait_for,
                            wait_for_manifest)

CLASSIFY = TICKETS_SPEC + "then: {pipeline: summarize, where: {field: urgency, gte: 4}}\n"
SUMMARIZE = """
provider: local
model: gpt-4o-mini
prompt: "Summarise this {{ai_category}} ticket (urgency {{ai_urgency}}): {{subject}}"
id: ticket_id
output:
  schema:
    type: object
    properties:
      summary: {type: string}
    required: [summary]
    additionalProperties: false
  prefix: sum_
"""
ROWS = 300


def chain_root(tmp_path):
    root = make_root(tmp_path / "root", {"classify": CLASSIFY, "summarize": SUMMARIZE})
    (root / "inbox" / "classify").mkdir(parents=True)
    return root


def urgent_rows(outbox, manifest):
    """Stage one's enriched rows whose ai_urgency is at least 4, as (header, rows)."""
    enriched = next(o["path"] for o in manifest["outputs"] if ".enriched." in o["path"])
    table = read_csv(outbox / enriched)
    column = table[0].index("ai_urgency")
    return table[0], [r for r in table[1:] if int(r[column]) >= 4]


def summarize_drops(root):
    report = json.loads(run_sluice("status", "--root", root, "--json").stdout)
    return [f for f in report["files"] if f["pipeline"] == "summarize"]


def check_chain(root, source, timeout=120, daemon=None):
    """Both stages' outputs for one drop of `source`; returns stage two's manifest."""
    first_box = root / "outbox" / "classify"
    first = wait_for_manifest(first_box, source.name.split(".")[0], timeout, daemon)
    check_exactly_once(first_box, source, source.name)
    header, urgent = urgent_rows(first_box, first)
    assert 0 < len(urgent) < first["counts"]["succeeded"], "the filter must keep some rows and drop others"
    chained = first["chained"]
    assert chained["pipeline"] == "summarize" and chained["where"] == "urgency >= 4", chained
    assert chained["rows"] == len(urgent)
    name = chained["file"]
    assert name.startswith("tickets.from-classify-") and name.endswith(".csv.gz"), name
    second_box = root / "outbox" / "summarize"
    stem = name[: -len(".csv.gz")]
    second = wait_for_manifest(second_box, stem, timeout, daemon)
    check_manifest(second_box, stem)
    assert second["status"] == "complete"
    assert second["counts"]["rows_in"] == len(urgent), (second["counts"], len(urgent))
    enriched = read_csv(second_box / f"{stem}.enriched.csv.gz")
    # Stage one's columns went on unchanged (they are what stage two templated), stage two's were added.
    assert enriched[0] == header + ["sum_summary"]
    got = sorted(tuple(r[: len(header)]) for r in enriched[1:])
    failures = second["counts"]["failed"]
    assert len(got) + failures == len(urgent)
    if failures == 0:
        assert got == sorted(tuple(r) for r in urgent)
    # Nothing left behind in the next inbox: the chained file was claimed, no temporary remains.
    assert list((root / "inbox" / "summarize").iterdir()) == []
    return second


def test_a_drop_runs_through_both_stages_and_only_urgent_rows_go_on(tmp_path):
    root = chain_root(tmp_path)
    source = generate(tmp_path / "tickets.csv.gz", rows=ROWS, gz=True, seed=7)
    daemon = spawn_daemon(root, tmp_path / "daemon.log", "--settle", "0")
    try:
        drop_by_rename(source, root / "inbox" / "classify", source.name)
        check_chain(root, source, daemon=daemon)
        wait_for(lambda: [f["stage"] for f in summarize_drops(root)] == ["archived"], 30, "stage two archived")
    finally:
        stop_daemon(daemon)
        kill_if_running(daemon)
    assert "chained" in (tmp_path / "daemon.log").read_text()


def test_one_once_run_drains_both_stages_and_a_replayed_rename_delivers_nothing_twice(tmp_path):
    root = chain_root(tmp_path)
    source = generate(tmp_path / "tickets.csv.gz", rows=ROWS, gz=True, seed=8)
    drop_by_rename(source, root / "inbox" / "classify", source.name)
    run_once(root, "--settle", "0")
    check_chain(root, source)
    assert len(summarize_drops(root)) == 1
    # The crash window after the rename and before its record: the state says "not delivered yet" while the
    # file already went on (and stage two already took it). A restart must not drop a second copy.
    with sqlite3.connect(root / ".sluice" / "state.sqlite") as db:
        changed = db.execute(
            """UPDATE "drop" SET stage = 'written', chainedAt = NULL, archivedAt = NULL
               WHERE pipeline = 'classify'""").rowcount
    assert changed == 1
    run_once(root, "--settle", "0")
    assert len(summarize_drops(root)) == 1, summarize_drops(root)
    assert list((root / "inbox" / "summarize").iterdir()) == []
    assert len(list((root / "outbox" / "summarize").glob("*.manifest.json"))) == 1


def test_sigkill_around_chaining_delivers_exactly_once(tmp_path):
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    print(f"\nchain kills: seed {seed}")
    root = chain_root(tmp_path)
    source = generate(tmp_path / "tickets.csv.gz", rows=ROWS, gz=True, seed=9)
    drop_by_rename(source, root / "inbox" / "classify", source.name)
    for life in range(8):
        daemon = spawn_daemon(root, tmp_path / f"daemon-{life}.log", "--settle", "0")
        time.sleep(rng.uniform(0.05, 1.5))
        daemon.kill()
        daemon.wait()
    run_once(root, "--settle", "0")
    second = check_chain(root, source)
    drops = summarize_drops(root)
    assert len(drops) == 1, drops
    assert len(list((root / "outbox" / "summarize").glob("*.manifest.json"))) == 1
    assert second["counts"]["rows_in"] == json.loads(
        next((root / "outbox" / "classify").glob("*.manifest.json")).read_text())["chained"]["rows"]
