"""The same drop through every provider a spec can name, all pointed at one `sluice emulator` process.

Each run goes through the real binary and the real HTTP path of its provider: OpenAI Batch + Files,
an OpenAI-compatible service, Anthropic Message Batches (json_schema output and a forced tool) and the
realtime fan-out. Every run must end with the row invariant, schema-valid outputs, the same columns, and a
manifest naming the provider, the model and the batches that answered.
"""
import json
import os

import jsonschema
import pytest
import yaml

from sluice_support import (TICKETS_SPEC, Emulator, check_exactly_once, generate, make_root, process_drop, read_csv)

ROWS = int(os.environ.get("SLUICE_PARITY_ROWS", "5000"))
SCHEMA = yaml.safe_load(TICKETS_SPEC)["output"]["schema"]
KEY = "api_key_env: SLUICE_TEST_KEY\n"
BATCHING = "batch: {max_requests: 2000, poll: {initial: 100ms, max: 500ms}}\n"


def specs(base):
    """{pipeline name: (provider, model, spec text)}."""
    def spec(provider_lines, model="gpt-4o-mini", extra=""):
        text = TICKETS_SPEC.replace("provider: local\n", provider_lines + KEY).replace("model: gpt-4o-mini", f"model: {model}")
        return text + BATCHING + extra

    claude = "claude-haiku-4-5"
    return {
        "openai": ("openai", "gpt-4o-mini", spec(f"provider: openai\nbase_url: {base}/v1\n")),
        "compatible": ("openai-compatible", "gpt-4o-mini",
                       spec(f"provider: openai-compatible\nbase_url: {base}/v1\n")),
        "anthropic": ("anthropic", claude, spec(f"provider: anthropic\nbase_url: {base}\n", claude)),
        "anthropic_tool": ("anthropic", claude, spec(f"provider: anthropic\nbase_url: {base}/v1\n", claude)
                           .replace("  prefix: ai_\n", "  prefix: ai_\n  structured: tool\n")),
        "realtime": ("realtime", "gpt-4o-mini",
                     spec(f"provider: realtime\nbase_url: {base}/v1\n", extra="realtime: {concurrency: 8}\n")),
    }


@pytest.fixture(scope="module")
def parity_runs(tmp_path_factory):
    """Runs the one drop through every pipeline; returns {name: (manifest, enriched rows, provider, model)}."""
    tmp = tmp_path_factory.mktemp("parity")
    with Emulator(tmp / "emulator") as emulator:
        table = specs(emulator.base)
        root = make_root(tmp / "root", {name: text for name, (_, _, text) in table.items()})
        drop = generate(tmp / "tickets.csv.gz", rows=ROWS, gz=True, seed=11)
        runs = {}
        for name, (provider, model, _) in table.items():
            process_drop(root, drop, name)
            outbox = root / "outbox" / name
            manifest = check_exactly_once(outbox, drop, "tickets.csv.gz")
            runs[name] = (manifest, read_csv(outbox / "tickets.enriched.csv.gz"), provider, model)
        runs["_source"] = read_csv(drop)
        runs["_stats"] = emulator.stats()
        return runs


@pytest.mark.parametrize("name", ["openai", "compatible", "anthropic", "anthropic_tool", "realtime"])
def test_every_row_answered_and_schema_valid(parity_runs, name):
    manifest, enriched, provider, model = parity_runs[name]
    source = parity_runs["_source"]
    assert manifest["counts"] == {"rows_in": ROWS, "succeeded": ROWS, "failed": 0, "deduped": 0, "cached": 0}
    assert manifest["provider"] == provider and manifest["model"] == model
    assert manifest["batches"], "the manifest names the batches that answered"
    assert all(b["provider"] == provider and b["id"] and b["status"] for b in manifest["batches"])
    assert sum(b["requests"] for b in manifest["batches"]) == ROWS
    assert len({b["id"] for b in manifest["batches"]}) == len(manifest["batches"])
    width = len(source[0])
    assert enriched[0] == source[0] + ["ai_category", "ai_urgency", "ai_tags", "ai_detail"]
    for src, out in zip(source[1:], enriched[1:]):
        assert out[:width] == src
        jsonschema.validate({"category": out[width], "urgency": int(out[width + 1]), "tags": json.loads(out[width + 2]),
                             "detail": json.loads(out[width + 3])}, SCHEMA)


def test_batch_providers_made_one_batch_per_chunk(parity_runs):
    expected_chunks = -(-ROWS // 2000)
    for name in ["openai", "compatible", "anthropic", "anthropic_tool"]:
        manifest = parity_runs[name][0]
        assert len(manifest["batches"]) == expected_chunks, (name, manifest["batches"])
    ids = {b["id"] for name in ["anthropic", "anthropic_tool"] for b in parity_runs[name][0]["batches"]}
    assert all(i.startswith("msgbatch_") for i in ids)


def test_the_emulator_saw_each_request_once(parity_runs):
    stats = parity_runs["_stats"]
    chunks = -(-ROWS // 2000)
    assert stats["anthropic_batches_created"] == 2 * chunks
    assert stats["anthropic_requests_received"] == 2 * ROWS
    # openai + openai-compatible batches, plus the two Anthropic pipelines' (counted in the totals too).
    assert stats["batches_created"] == 4 * chunks
    assert stats["requests_received"] == 4 * ROWS
    assert stats["realtime"]["answered"] == stats["realtime"]["requests"] == ROWS
