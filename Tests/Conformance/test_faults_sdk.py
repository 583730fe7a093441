"""`sluice emulator --faults` through the official OpenAI and Anthropic SDKs over real sockets: a `reset` is a
connection error to the SDK (not an HTTP status), a `reset` on create sometimes leaves a batch that a list
finds, Anthropic 529s are the SDK's OverloadedError, and line faults reach the SDK's result files."""

import io
import json

import anthropic
import openai
import pytest

from test_openai_realtime_sdk import start_emulator  # noqa: F401 (the fixture)


def upload(client, lines):
    data = "".join(json.dumps(line) + "\n" for line in lines).encode()
    return client.files.create(file=("in.jsonl", io.BytesIO(data)), purpose="batch").id


def line(custom_id):
    return {"custom_id": custom_id, "method": "POST", "url": "/v1/chat/completions",
            "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "My parcel is late."}]}}


def test_reset_is_a_connection_error_and_creates_are_reconciled_by_list(start_emulator):
    plain = start_emulator()
    file_id = upload(plain.client(), [line("r1")])
    # The same state folder, served by a faulty emulator (every call reset, before or after taking effect),
    # then by a plain one again to look at what the resets left.
    plain.process.terminate()
    plain.process.wait(timeout=20)
    faulty = start_emulator("--faults", "reset=1", "--seed", "7", "--state-dir", plain.state.name)
    client = faulty.client()
    for _ in range(20):
        with pytest.raises(openai.APIConnectionError):
            client.batches.create(input_file_id=file_id, endpoint="/v1/chat/completions", completion_window="24h")
    assert faulty.admin("/_emulator/stats")["faults_injected"]["reset"] == 20
    faulty.process.terminate()
    faulty.process.wait(timeout=20)
    again = start_emulator("--state-dir", plain.state.name)
    created = again.client().batches.list(limit=100).data
    # Seed 7's draws for calls 1...20: some creates took effect before the connection dropped, some did not.
    assert 0 < len(created) < 20
    assert {batch.input_file_id for batch in created} == {file_id}


def test_anthropic_overloaded_and_rate_limited(start_emulator):
    emulator = start_emulator("--faults", "http5xx=1", "--seed", "3")
    client = anthropic.Anthropic(base_url=emulator.url, api_key="test", max_retries=0)
    seen = set()
    for _ in range(16):
        with pytest.raises(anthropic.InternalServerError) as raised:
            client.messages.batches.list()
        seen.add((raised.value.status_code, type(raised.value).__name__))
    assert seen == {(500, "InternalServerError"), (529, "OverloadedError")}
    limited = start_emulator("--faults", "http429=1", "--retry-after", "0.25")
    with pytest.raises(anthropic.RateLimitError) as raised:
        anthropic.Anthropic(base_url=limited.url, api_key="test", max_retries=0).messages.create(
            model="claude-test", max_tokens=64, messages=[{"role": "user", "content": "hi"}])
    assert raised.value.response.headers["retry-after"] == "0.25"
    assert raised.value.body["error"]["type"] == "rate_limit_error"


def test_line_and_batch_faults_through_the_sdk(start_emulator):
    emulator = start_emulator("--faults", "line_error=1,expire=1")
    client = emulator.client()
    batch = client.batches.create(input_file_id=upload(client, [line(f"r{i}") for i in range(1, 7)]),
                                  endpoint="/v1/chat/completions", completion_window="24h")
    for _ in range(3000):
        batch = client.batches.retrieve(batch.id)
        if batch.status in ("completed", "failed", "expired", "cancelled"):
            break
    assert batch.status == "expired"
    assert (batch.request_counts.total, batch.request_counts.completed, batch.request_counts.failed) == (6, 0, 6)
    errors = [json.loads(text) for text in client.files.content(batch.error_file_id).text.splitlines()]
    by_id = {e["custom_id"]: e for e in errors}
    assert sorted(by_id) == [f"r{i}" for i in range(1, 7)]
    assert [by_id[f"r{i}"]["response"]["status_code"] for i in range(1, 4)] == [500, 500, 500]
    assert [by_id[f"r{i}"]["error"]["code"] for i in range(4, 7)] == ["batch_expired"] * 3
