"""The bad input corpus (Tests/Corpus/bad-inputs/) through `sluice run --once`: every file gets its outcome.

All files go into one inbox at once, with a few made here (a 10 MB field, 100,000 columns, a symbolic link
to a file outside the inbox, a folder named like a file). The daemon must drain the inbox and exit 0 within
the time limit (no crash, no hang), every file must get a manifest that satisfies the row invariant, and
each file's outcome must be the one in EXPECTED: rows that failed with their codes, or the file rejected
with a reason that names it.
"""
import json
import os
import pathlib
import shutil
import subprocess

import pytest

from sluice_support import REPO, check_manifest, make_root, read_csv, read_jsonl, sluice_bin, sluice_env, stem

CORPUS = REPO / "Tests" / "Corpus" / "bad-inputs"

SPEC = """
provider: local
model: gpt-4o-mini
prompt: "Subject: {{subject}}\\nBody: {{body}}"
id: ticket_id
output:
  schema:
    type: object
    properties:
      category: {type: string, enum: [billing, shipping, bug, other]}
    required: [category]
batch: {poll: {initial: 50ms, max: 200ms}}
"""

# file: (rows_in, succeeded, {row: failure code})  or  ("rejected", substring of the reason)
EXPECTED = {
    "UPPER.CSV": (1, 1, {}),
    "blank-lines-between.csv": (2, 2, {}),  # a blank line between records is no record
    "bom-lines.jsonl": (3, 3, {}),
    "bom.csv": (5, 5, {}),  # the BOM is not part of the first column's name
    "concatenated.csv.gz": (3, 3, {}),  # cat a.gz b.gz
    "cr-only.csv": (5, 5, {}),
    "data.ndjson": (1, 1, {}),
    "duplicate-header.csv": ("rejected", 'duplicate header names: "subject"'),
    "empty-fields.csv": (2, 2, {}),
    "empty.csv": ("rejected", "no header row"),
    "gzip-bad-crc.csv.gz": ("rejected", "incorrect data check"),
    "gzip-named.csv": (5, 5, {}),  # gzip is detected by its bytes, not the name
    "gzip-of-nothing.csv.gz": ("rejected", "no header row"),
    "gzip-trailing-junk.csv.gz": ("rejected", "trailing garbage"),
    "header-only-no-newline.csv": (0, 0, {}),
    "header-only.csv": (0, 0, {}),
    "invalid-utf8.csv": (3, 2, {2: "records.invalid_utf8"}),
    "jsonl-arrays.jsonl": (3, 2, {2: "records.jsonl_not_object"}),
    "jsonl-blank-lines.jsonl": (2, 2, {}),
    "jsonl-crlf.jsonl": (2, 2, {}),
    "jsonl-duplicate-keys.jsonl": (1, 1, {}),
    "jsonl-missing-field.jsonl": (2, 1, {2: "template.missing_field"}),
    "jsonl-nested-values.jsonl": (1, 1, {}),
    "jsonl-no-final-newline.jsonl": ("rejected", "no terminating newline"),
    "jsonl-scalars.jsonl": (4, 1, {1: "records.jsonl_not_object", 2: "records.jsonl_not_object",
                                   3: "records.jsonl_not_object"}),
    "jsonl-trailing-garbage.jsonl": (2, 1, {1: "records.jsonl_invalid"}),
    "latin1.csv": (2, 1, {1: "records.invalid_utf8"}),
    "lf-only.csv": (5, 5, {}),
    "missing-id-column.csv": ("rejected", "id column 'ticket_id' is not in the header"),
    "missing-template-column.csv": ("rejected", "the template names 'subject'"),
    "mixed-line-endings.csv": (3, 3, {}),
    "name with spaces.csv": (1, 1, {}),
    "not-gzip.csv.gz": (5, 5, {}),
    "notes.txt": ("rejected", "not a .csv, .jsonl or .ndjson file"),
    "nul-bytes.csv": (2, 1, {1: "records.nul_byte"}),
    "quote's \"name\".csv": (1, 1, {}),
    "quoted-header-with-newline.csv": (1, 1, {}),
    "ragged-rows.csv": (4, 2, {2: "records.csv_ragged", 3: "records.csv_ragged"}),
    "spreadsheet.xlsx": ("rejected", "not a .csv, .jsonl or .ndjson file"),
    "stray-quote-in-field.csv": (2, 2, {}),
    "trailing-blank-lines.csv": (5, 5, {}),
    "truncated.csv.gz": ("rejected", "the file looks truncated"),
    "tïckets-日本.csv": (1, 1, {}),
    "unbalanced-quote.csv": ("rejected", "ends inside a quoted field"),
    "zero-bytes.jsonl": (0, 0, {}),
    # Made at run time:
    "ten-mb-field.csv": (2, 2, {}),
    "hundred-k-columns.csv": (1, 1, {}),
    "symlink.csv": ("rejected", "a symbolic link"),
}


def manifest_name(name):
    base = stem(name)
    # Names whose extension is not one Sluice reads keep it in their stem (notes.txt -> notes.txt.manifest.json).
    if base == name and name.lower().endswith((".csv",)):
        base = name[: -len(".csv")]
    return f"{base}.manifest.json"


@pytest.fixture(scope="module")
def drained(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("corpus")
    root = make_root(tmp / "root", {"tickets": SPEC})
    inbox = root / "inbox" / "tickets"
    inbox.mkdir(parents=True)
    for path in CORPUS.iterdir():
        if path.name != "README.md":
            shutil.copyfile(path, inbox / path.name)
    (inbox / "ten-mb-field.csv").write_text("ticket_id,subject,body\r\nT1,big," + "x" * 10_000_000 + "\r\nT2,small,ok\r\n")
    columns = 100_000
    (inbox / "hundred-k-columns.csv").write_text(
        "ticket_id,subject,body," + ",".join(f"c{i}" for i in range(columns)) + "\r\n"
        + "T1,a,b," + ",".join("v" for _ in range(columns)) + "\r\n")
    secret = tmp / "outside" / "secret.csv"
    secret.parent.mkdir()
    secret.write_text("ticket_id,subject,body\r\nS1,do-not-read,confidential payroll\r\n")
    os.symlink(secret, inbox / "symlink.csv")
    (inbox / "dir-named-like-file.csv").mkdir()
    assert len(EXPECTED) >= 30

    proc = subprocess.run([sluice_bin(), "run", "--root", str(root), "--once", "--settle", "0"], env=sluice_env(),
                          capture_output=True, text=True, timeout=300)
    return root, proc, secret


def test_the_daemon_drains_the_corpus_and_exits_0(drained):
    root, proc, _ = drained
    assert proc.returncode == 0, proc.stderr[-4000:]
    inbox = root / "inbox" / "tickets"
    # Only the folder is left: it is no drop, and --once did not wait for it.
    assert sorted(p.name for p in inbox.iterdir()) == ["dir-named-like-file.csv"]
    assert (inbox / "dir-named-like-file.csv").is_dir()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_file_gets_its_outcome(drained, name):
    root, _, _ = drained
    outbox = root / "outbox" / "tickets"
    manifest_path = outbox / manifest_name(name)
    assert manifest_path.exists(), f"no manifest for {name}: {sorted(os.listdir(outbox))}"
    manifest = check_manifest(outbox, manifest_path.name[: -len(".manifest.json")])
    assert manifest["source"]["name"] == name
    expected = EXPECTED[name]
    if expected[0] == "rejected":
        assert manifest["status"] == "rejected", manifest
        assert expected[1] in manifest["reason"], manifest["reason"]
        assert manifest["reason"].startswith(name), "the reason names the file as it was dropped"
        assert ".sluice" not in manifest["reason"], "no internal paths in reasons"
        assert manifest["outputs"] == []
        return
    rows_in, succeeded, failures = expected
    assert manifest["status"] == "complete", manifest.get("reason")
    assert (manifest["counts"]["rows_in"], manifest["counts"]["succeeded"]) == (rows_in, succeeded)
    failed = {}
    for output in manifest["outputs"]:
        if ".failures." in output["path"]:
            failed = {f["row"]: f["error"]["code"] for f in read_jsonl(outbox / output["path"])}
    assert failed == failures


def test_a_bom_is_not_part_of_the_first_column(drained):
    root, _, _ = drained
    header = read_csv(root / "outbox" / "tickets" / "bom.enriched.csv")[0]
    assert header[0] == "ticket_id", repr(header[0])


def test_identical_files_under_three_names_are_sent_once(drained):
    root, _, _ = drained
    outbox = root / "outbox" / "tickets"
    manifests = [json.loads((outbox / manifest_name(n)).read_text())
                 for n in ["UPPER.CSV", "name with spaces.csv", "quote's \"name\".csv"]]
    assert sorted(m["counts"]["cached"] for m in manifests) == [0, 1, 1]
    assert sum(len(m["batches"]) for m in manifests) == 1


def test_a_symbolic_link_is_not_followed(drained):
    root, _, secret = drained
    manifest = json.loads((root / "outbox" / "tickets" / "symlink.manifest.json").read_text())
    assert "confidential" not in json.dumps(manifest) and "do-not-read" not in json.dumps(manifest)
    assert manifest["source"]["bytes"] == 0
    assert secret.read_text().startswith("ticket_id"), "the target is untouched"
    kept = [p for p in (root / ".sluice" / "archive").rglob("*symlink.csv")]
    assert kept and all(p.is_symlink() for p in kept), kept
