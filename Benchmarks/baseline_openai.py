#!/usr/bin/env python3
"""The straightforward way to run a drop through the OpenAI Batch API, as a team would write it from the
provider's docs with the official `openai` SDK, `csv` and `json`: the yardstick for `sluice process`.

Reads tickets (CSV or JSONL, gzip or plain), writes one chat request per row into JSONL files of at most
50,000 requests (the Batch API's limit), uploads them (Files API), creates one batch per file, polls until
every batch ends, downloads the output files, parses each answer as JSON, checks the schema's required keys
and enum, and writes the enriched rows (ai_* columns) as CSV, gzip if the input was.

  baseline_openai.py --base-url http://127.0.0.1:8089/v1 tickets.csv.gz -o out.enriched.csv.gz
"""
import argparse
import csv
import gzip
import json
import os
import sys
import tempfile
import time

from openai import OpenAI

SYSTEM = "You label customer support tickets. Answer with the JSON object only."
SCHEMA = {
    "type": "object",
    "properties": {
        "category": {"type": "string", "enum": ["billing", "shipping", "bug", "account", "other"]},
        "urgency": {"type": "integer", "minimum": 1, "maximum": 5},
        "language": {"type": "string", "minLength": 2, "maxLength": 2},
        "summary": {"type": "string", "maxLength": 120},
    },
    "required": ["category", "urgency", "language", "summary"],
    "additionalProperties": False,
}
MAX_REQUESTS = 50_000  # per batch, from the Batch API docs


def read_rows(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", newline="") as f:
        if ".jsonl" in path or ".ndjson" in path:
            for line in f:
                if line.strip():
                    yield json.loads(line)
        else:
            yield from csv.DictReader(f)


def request(i, row):
    prompt = "Channel: %s\nSubject: %s\nBody: %s\n" % (row["channel"], row["subject"], row["body"])
    return {
        "custom_id": "row-%d" % i,
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {
            "model": "gpt-4o-mini",
            "messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": prompt}],
            "max_tokens": 200,
            "temperature": 0,
            "response_format": {"type": "json_schema",
                                "json_schema": {"name": "ticket_label", "strict": True, "schema": SCHEMA}},
        },
    }


def valid(answer):
    return (isinstance(answer, dict) and all(k in answer for k in SCHEMA["required"])
            and answer["category"] in SCHEMA["properties"]["category"]["enum"])


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("input")
    p.add_argument("-o", "--output", required=True)
    p.add_argument("--base-url", default=os.environ.get("OPENAI_BASE_URL"))
    p.add_argument("--poll", type=float, default=1.0, help="seconds between polls")
    args = p.parse_args()
    client = OpenAI(base_url=args.base_url, api_key=os.environ.get("OPENAI_API_KEY", "local"))
    work = tempfile.mkdtemp(prefix="baseline-")

    rows = []
    files = []
    out = None
    for i, row in enumerate(read_rows(args.input), start=1):
        rows.append(row)
        if (i - 1) % MAX_REQUESTS == 0:
            if out:
                out.close()
            files.append(os.path.join(work, "batch-%d.jsonl" % len(files)))
            out = open(files[-1], "w", encoding="utf-8")
        out.write(json.dumps(request(i, row)) + "\n")
    if out:
        out.close()

    batches = []
    for path in files:
        with open(path, "rb") as f:
            uploaded = client.files.create(file=f, purpose="batch")
        batches.append(client.batches.create(input_file_id=uploaded.id, endpoint="/v1/chat/completions",
                                             completion_window="24h"))
    done = {}
    while len(done) < len(batches):
        for b in batches:
            if b.id not in done:
                b = client.batches.retrieve(b.id)
                if b.status in ("completed", "failed", "expired", "cancelled"):
                    done[b.id] = b
        if len(done) < len(batches):
            time.sleep(args.poll)

    answers = {}
    for b in done.values():
        if not b.output_file_id:
            continue
        for line in client.files.content(b.output_file_id).text.splitlines():
            result = json.loads(line)
            try:
                answer = json.loads(result["response"]["body"]["choices"][0]["message"]["content"])
            except (KeyError, TypeError, ValueError):
                continue
            if valid(answer):
                answers[int(result["custom_id"].split("-")[1])] = answer

    opener = gzip.open if args.output.endswith(".gz") else open
    with opener(args.output, "wt", encoding="utf-8", newline="") as f:
        fields = list(rows[0].keys()) + ["ai_" + k for k in SCHEMA["required"]] if rows else []
        w = csv.writer(f)
        w.writerow(fields)
        ok = 0
        for i, row in enumerate(rows, start=1):
            answer = answers.get(i)
            if answer is None:
                continue
            ok += 1
            w.writerow(list(row.values()) + [answer[k] for k in SCHEMA["required"]])
    for path in files:
        os.remove(path)
    os.rmdir(work)
    print(json.dumps({"rows": len(rows), "succeeded": ok, "batches": len(batches)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
