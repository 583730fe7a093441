"""Drives the emulator's realtime endpoints (POST /v1/chat/completions, /v1/embeddings) with the official OpenAI
Python SDK, including its seeded fault injection (`--faults`) and the SDK's own retries.

Each test starts `$SLUICE_BIN emulator --port 0 --state-dir <fresh folder>` (plus its own flags), waits for the
`sluice emulator listening on http://HOST:PORT` line and stops the process at the end. Nothing asserts on timing.
"""

import json
import math
import os
import queue
import re
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from typing import Literal

import jsonschema
import openai
import pydantic
import pytest

START_TIMEOUT = 180  # seconds to wait for the listening line (a cold debug binary can be slow)
LISTENING = re.compile(r"sluice emulator listening on (http://\S+)")

TICKET_SCHEMA = {
    "type": "object",
    "properties": {
        "category": {"type": "string", "enum": ["billing", "shipping", "bug", "other"]},
        "urgency": {"type": "integer", "minimum": 1, "maximum": 5},
        "tags": {"type": "array", "items": {"type": "string", "maxLength": 12}, "minItems": 1, "maxItems": 3},
    },
    "required": ["category", "urgency", "tags"],
    "additionalProperties": False,
}

MESSAGES = [{"role": "system", "content": "Label the ticket."}, {"role": "user", "content": "My parcel is late."}]


class RealtimeEmulator:
    """A `sluice emulator` process on an ephemeral port, its base URL, and SDK clients for it."""

    def __init__(self, *extra_args):
        binary = os.environ.get("SLUICE_BIN")
        if not binary:
            pytest.fail("set SLUICE_BIN (the sluice executable)")
        self.state = tempfile.TemporaryDirectory(prefix="sluice-rt-emu-")
        self.stderr = tempfile.TemporaryFile(mode="w+")
        self.process = subprocess.Popen(
            [binary, "emulator", "--port", "0", "--state-dir", self.state.name, *extra_args],
            stdout=subprocess.PIPE, stderr=self.stderr, text=True)
        lines = queue.Queue()
        threading.Thread(target=lambda: [lines.put(line) for line in self.process.stdout] + [lines.put(None)],
                         daemon=True).start()
        deadline = time.monotonic() + START_TIMEOUT
        self.url = None
        while self.url is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.stop()
                pytest.fail(f"emulator did not print its listening line within {START_TIMEOUT}s: {self._errors()}")
            try:
                line = lines.get(timeout=min(remaining, 1.0))
            except queue.Empty:
                if self.process.poll() is not None:
                    pytest.fail(f"emulator exited with {self.process.returncode}: {self._errors()}")
                continue
            if line is None:
                pytest.fail(f"emulator closed stdout without listening: {self._errors()}")
            match = LISTENING.search(line)
            if match:
                self.url = match.group(1)

    def client(self, **options):
        options.setdefault("max_retries", 0)
        return openai.OpenAI(base_url=self.url + "/v1", api_key="test", timeout=60, **options)

    def admin(self, path, method="GET"):
        request = urllib.request.Request(self.url + path, method=method)
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def realtime_stats(self):
        return self.admin("/_emulator/stats")["realtime"]

    def _errors(self):
        self.stderr.seek(0)
        return self.stderr.read()[-4000:]

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=20)
        self.stderr.close()
        self.state.cleanup()


@pytest.fixture
def start_emulator():
    started = []

    def start(*extra_args):
        emulator = RealtimeEmulator(*extra_args)
        started.append(emulator)
        return emulator

    yield start
    # Newest first: an emulator may serve an earlier one's state folder (--state-dir), which must outlive it.
    for emulator in reversed(started):
        emulator.stop()


def test_chat_completion_plain(start_emulator):
    emulator = start_emulator()
    client = emulator.client()
    completion = client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    assert isinstance(completion, openai.types.chat.ChatCompletion)
    assert completion.object == "chat.completion"
    assert completion.model == "gpt-4o-mini"
    assert completion.id.startswith("chatcmpl-")
    assert completion._request_id.startswith("req_")
    assert len(completion.choices) == 1
    choice = completion.choices[0]
    assert choice.finish_reason == "stop"
    assert choice.message.role == "assistant"
    assert isinstance(choice.message.content, str) and len(choice.message.content.split()) >= 6
    assert completion.usage.total_tokens == completion.usage.prompt_tokens + completion.usage.completion_tokens
    again = client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    assert again.choices[0].message.content == choice.message.content, "same body, same answer"
    assert again.id != completion.id
    two = client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, n=2, max_tokens=3)
    assert [c.index for c in two.choices] == [0, 1]
    assert all(c.finish_reason == "length" for c in two.choices)
    stats = emulator.realtime_stats()
    assert (stats["requests"], stats["answered"]) == (3, 3)
    assert stats["by_endpoint"]["/v1/chat/completions"]["answered"] == 3


def test_chat_completion_json_schema(start_emulator):
    client = start_emulator().client()
    for text in ["My parcel is late.", "I was billed twice.", "The app crashes on start."]:
        completion = client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": text}],
            response_format={"type": "json_schema",
                             "json_schema": {"name": "ticket", "strict": True, "schema": TICKET_SCHEMA}},
        )
        ticket = json.loads(completion.choices[0].message.content)
        jsonschema.validate(ticket, TICKET_SCHEMA)
        assert list(ticket) == ["category", "urgency", "tags"], "keys in schema order"

    class Ticket(pydantic.BaseModel):
        category: Literal["billing", "shipping", "bug", "other"]
        urgency: int

    parsed = client.chat.completions.parse(model="gpt-4o-mini", messages=MESSAGES, response_format=Ticket)
    assert isinstance(parsed.choices[0].message.parsed, Ticket)
    assert parsed.choices[0].message.parsed.category in {"billing", "shipping", "bug", "other"}

    broken = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "__sluice_invalid__"}],
        response_format={"type": "json_schema",
                         "json_schema": {"name": "ticket", "strict": True, "schema": TICKET_SCHEMA}})
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(json.loads(broken.choices[0].message.content), TICKET_SCHEMA)


def test_embeddings(start_emulator):
    emulator = start_emulator()
    client = emulator.client()
    texts = ["late parcel", "parcel arrived late", "refund my invoice"]
    # The SDK asks for base64 unless told otherwise, and decodes it back to floats.
    first = client.embeddings.create(model="text-embedding-3-small", input=texts, dimensions=64)
    assert isinstance(first, openai.types.CreateEmbeddingResponse)
    assert [d.index for d in first.data] == [0, 1, 2]
    assert all(len(d.embedding) == 64 for d in first.data)
    assert all(math.isclose(sum(x * x for x in d.embedding), 1.0, rel_tol=1e-5) for d in first.data)
    again = client.embeddings.create(model="text-embedding-3-small", input=texts, dimensions=64)
    assert [d.embedding for d in again.data] == [d.embedding for d in first.data], "deterministic across calls"
    floats = client.embeddings.create(model="text-embedding-3-small", input=texts, dimensions=64,
                                      encoding_format="float")
    assert [d.embedding for d in floats.data] == [d.embedding for d in first.data], "base64 and float agree"
    vectors = [d.embedding for d in first.data]

    def cosine(a, b):
        return sum(x * y for x, y in zip(a, b))

    assert cosine(vectors[0], vectors[1]) > cosine(vectors[0], vectors[2])
    assert first.usage.prompt_tokens == first.usage.total_tokens > 0
    full = client.embeddings.create(model="text-embedding-3-small", input="one text")
    assert len(full.data[0].embedding) == 1536
    assert emulator.realtime_stats()["by_endpoint"]["/v1/embeddings"]["answered"] == 4


def test_errors(start_emulator):
    emulator = start_emulator()
    client = emulator.client()
    with pytest.raises(openai.NotFoundError) as missing:
        client.chat.completions.create(model="unknown-model", messages=MESSAGES)
    assert missing.value.status_code == 404
    assert missing.value.body["code"] == "model_not_found"
    assert missing.value.body["message"] == "The model `unknown-model` does not exist or you do not have access to it."
    with pytest.raises(openai.NotFoundError):
        client.embeddings.create(model="unknown-embedder", input="x")
    with pytest.raises(openai.InternalServerError) as failed:
        client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "__sluice_fail__"}])
    assert failed.value.status_code == 500
    assert failed.value.body["type"] == "server_error"
    with pytest.raises(openai.BadRequestError) as streaming:
        client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True)
    assert streaming.value.body["code"] == "unsupported_value"
    assert streaming.value.body["param"] == "stream"
    # The SDK refuses to send without a key, so this one goes without it.
    keyless = urllib.request.Request(emulator.url + "/v1/chat/completions", method="POST",
                                     data=json.dumps({"model": "gpt-4o-mini", "messages": MESSAGES}).encode(),
                                     headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(keyless, timeout=30)
    assert refused.value.code == 401
    assert json.loads(refused.value.read())["error"]["message"].startswith("You didn't provide an API key.")
    stats = emulator.realtime_stats()
    # The call without a key is refused before the endpoint and not counted.
    assert (stats["requests"], stats["client_errors"], stats["server_errors"]) == (4, 3, 1)


def test_rate_limit_error_without_retries(start_emulator):
    emulator = start_emulator("--faults", "http429=1")
    client = emulator.client(max_retries=0)
    with pytest.raises(openai.RateLimitError) as limited:
        client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    error = limited.value
    assert error.status_code == 429
    assert error.body["code"] == "rate_limit_exceeded"
    assert error.body["type"] == "requests"
    assert error.body["param"] is None
    assert error.body["message"].startswith("Rate limit reached for gpt-4o-mini in organization org-sluice-emulator "
                                            "on requests per min (RPM): Limit 500, Used 500, Requested 1.")
    assert error.response.headers["retry-after"] == "1"
    assert error.response.headers["x-ratelimit-remaining-requests"] == "0"
    assert error.response.headers["x-request-id"].startswith("req_")
    with pytest.raises(openai.RateLimitError):
        client.embeddings.create(model="text-embedding-3-small", input="x")
    stats = emulator.realtime_stats()
    assert (stats["requests"], stats["rate_limited"], stats["answered"]) == (2, 2, 0)
    assert stats["faults"] == {"http429": 2, "http5xx": 0}


def sdk_calls_through_faults(seed, calls=8):
    """Runs `calls` chat calls with the SDK's default retries against `--faults http429=0.5 --seed SEED`; returns
    the statuses the SDK saw (every attempt, in order) and the emulator's realtime stats."""
    emulator = RealtimeEmulator("--faults", "http429=0.5", "--seed", str(seed), "--retry-after", "0.2")
    try:
        seen = []
        http = openai.DefaultHttpxClient(event_hooks={"response": [lambda response: seen.append(response.status_code)]})
        client = openai.OpenAI(base_url=emulator.url + "/v1", api_key="test", timeout=60, http_client=http)
        assert client.max_retries == 2, "the SDK's default"
        for i in range(calls):
            completion = client.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": f"ticket {i}"}])
            assert completion.choices[0].message.content
        return seen, emulator.realtime_stats(), emulator.admin("/_emulator/realtime/arrivals")
    finally:
        emulator.stop()


def test_sdk_retries_through_429s():
    # The faults are a function of the seed and the call number, so this holds on every run: seed 7 never refuses
    # three calls in a row here, and the SDK's two retries get every call through.
    seen, stats, arrivals = sdk_calls_through_faults(seed=7)
    # Seed 7 refuses calls 1, 2, 4, 5, 7 and 10: the first request and the third get through on their second retry.
    assert seen == [429, 429, 200, 429, 429, 200, 429, 200, 200, 429, 200, 200, 200, 200]
    refused = seen.count(429)
    assert seen.count(200) == 8
    assert set(seen) == {200, 429}
    assert stats["requests"] == len(seen) == 8 + refused
    assert stats["rate_limited"] == refused
    assert stats["answered"] == 8
    assert stats["faults"]["http429"] == refused
    assert arrivals["count"] == len(seen)
    # The windows in the stats are the ones computed from the listed arrivals.
    offsets = arrivals["offsets_ms"]
    assert offsets[0] == 0 and offsets == sorted(offsets)
    for name, length in (("1s", 1000.0), ("10s", 10000.0), ("60s", 60000.0)):
        best = max(sum(1 for t in offsets if start <= t < start + length) for start in offsets)
        assert stats["max_in_window"][name] == best, name
    # Another emulator with the same seed refuses the same attempts.
    again, _, _ = sdk_calls_through_faults(seed=7)
    assert again == seen


@pytest.mark.parametrize("spec, code, part", [
    ("http430=0.1", "faults.unknown_kind", "http430=0.1"),
    ("http429=1.5", "faults.rate_out_of_range", "http429=1.5"),
    ("http429=lots", "faults.bad_rate", "http429=lots"),
    ("http429", "faults.syntax", "http429"),
])
def test_bad_faults_is_a_usage_error(spec, code, part):
    with tempfile.TemporaryDirectory() as state:
        proc = subprocess.run([os.environ["SLUICE_BIN"], "emulator", "--port", "0", "--state-dir", state,
                               "--faults", spec], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert code in proc.stderr and f"'{part}'" in proc.stderr, proc.stderr
    assert "listening" not in proc.stdout
