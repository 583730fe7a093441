"""Drives the Sluice emulator with the official OpenAI Python SDK (Files + Batches).

The emulator is started from the shell command in SLUICE_EMULATOR_CMD, e.g.
    SLUICE_EMULATOR_CMD='.build/debug/sluice emulator --port 0 --state-dir /tmp/emu' pytest Tests/Conformance
It must print one line `sluice emulator listening on http://HOST:PORT` on stdout once it listens, and accept
`--processing-delay MS` (appended by the cancel test to keep a batch in progress).

Every test starts its own emulator and stops it at the end, so two never share a state folder at once.
Timeouts are generous (slow, shared machines); nothing asserts on timing.
"""

import json
import os
import queue
import re
import shlex
import signal
import subprocess
import tempfile
import threading
import time

import openai
import pytest

START_TIMEOUT = 180  # seconds to wait for the listening line (a cold debug binary can be slow)
BATCH_TIMEOUT = 180  # seconds to wait for a batch to reach a status
LISTENING = re.compile(r"sluice emulator listening on (http://\S+)")

TICKET_SCHEMA = {
    "type": "object",
    "properties": {
        "category": {"type": "string", "enum": ["billing", "shipping", "bug", "other"]},
        "urgency": {"type": "integer", "minimum": 1, "maximum": 5},
    },
    "required": ["category", "urgency"],
    "additionalProperties": False,
}


class RunningEmulator:
    """An emulator process, its base URL and an SDK client for it."""

    def __init__(self, extra_args=()):
        command = os.environ.get("SLUICE_EMULATOR_CMD")
        if not command:
            # scripts/test sets SLUICE_BIN; each emulator gets a state folder of its own.
            binary = os.environ.get("SLUICE_BIN")
            if not binary:
                pytest.fail("set SLUICE_BIN (the sluice executable) or SLUICE_EMULATOR_CMD")
            self.state = tempfile.TemporaryDirectory(prefix="sluice-emu-")
            command = f"{shlex.quote(binary)} emulator --port 0 --state-dir {shlex.quote(self.state.name)}"
        full = command + "".join(" " + shlex.quote(a) for a in extra_args)
        self.stderr = tempfile.TemporaryFile(mode="w+")
        self.process = subprocess.Popen(
            full, shell=True, stdout=subprocess.PIPE, stderr=self.stderr, text=True, start_new_session=True
        )
        lines = queue.Queue()
        threading.Thread(target=self._pump, args=(lines,), daemon=True).start()
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
        self.client = openai.OpenAI(base_url=self.url + "/v1", api_key="test", max_retries=0, timeout=60)

    def _pump(self, lines):
        for line in self.process.stdout:
            lines.put(line)
        lines.put(None)

    def _errors(self):
        self.stderr.seek(0)
        return self.stderr.read()[-4000:]

    def stop(self):
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=20)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.process.wait(timeout=20)
        self.stderr.close()


@pytest.fixture
def start_emulator():
    started = []

    def start(*extra_args):
        emulator = RunningEmulator(extra_args)
        started.append(emulator)
        return emulator

    yield start
    for emulator in started:
        emulator.stop()


def chat_line(custom_id, text, schema=TICKET_SCHEMA):
    body = {
        "model": "gpt-4o-mini",
        "messages": [{"role": "system", "content": "Label the ticket."}, {"role": "user", "content": text}],
    }
    if schema is not None:
        body["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": "ticket", "strict": True, "schema": schema},
        }
    return {"custom_id": custom_id, "method": "POST", "url": "/v1/chat/completions", "body": body}


def jsonl(lines):
    return "".join(json.dumps(line) + "\n" for line in lines).encode()


def upload(client, lines, filename="input.jsonl"):
    return client.files.create(file=(filename, jsonl(lines)), purpose="batch")


def wait_for(client, batch_id, statuses):
    deadline = time.monotonic() + BATCH_TIMEOUT
    delay = 0.05
    while True:
        batch = client.batches.retrieve(batch_id)
        if batch.status in statuses:
            return batch
        if time.monotonic() > deadline:
            pytest.fail(f"batch {batch_id} stuck in {batch.status}, wanted {statuses}")
        time.sleep(delay)
        delay = min(delay * 1.5, 1.0)


def read_lines(client, file_id):
    text = client.files.content(file_id).text
    assert text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]


def test_batch_round_trip(start_emulator):
    client = start_emulator().client
    lines = [chat_line(f"row-{i}", f"Ticket {i}: my parcel is late") for i in range(1, 13)]
    lines.append(chat_line("row-fail", "this one hits __sluice_fail__"))
    uploaded = upload(client, lines)
    assert isinstance(uploaded, openai.types.FileObject)
    assert uploaded.purpose == "batch"
    assert uploaded.filename == "input.jsonl"
    assert uploaded.bytes == len(jsonl(lines))
    assert client.files.retrieve(uploaded.id).id == uploaded.id

    created = client.batches.create(
        input_file_id=uploaded.id,
        endpoint="/v1/chat/completions",
        completion_window="24h",
        metadata={"suite": "conformance"},
    )
    assert isinstance(created, openai.types.Batch)
    assert created.status == "validating"
    assert created.metadata == {"suite": "conformance"}
    assert created._request_id is not None

    batch = wait_for(client, created.id, {"completed", "failed", "expired", "cancelled"})
    assert batch.status == "completed"
    assert batch.request_counts.total == 13
    assert batch.request_counts.completed == 12
    assert batch.request_counts.failed == 1
    assert batch.errors is None
    assert batch.completed_at is not None and batch.in_progress_at is not None
    assert batch.expires_at == batch.created_at + 86400
    assert batch.usage is not None and batch.usage.total_tokens == batch.usage.input_tokens + batch.usage.output_tokens

    output = read_lines(client, batch.output_file_id)
    assert sorted(line["custom_id"] for line in output) == sorted(f"row-{i}" for i in range(1, 13))
    for line in output:
        assert line["id"].startswith("batch_req_")
        assert line["error"] is None
        assert line["response"]["status_code"] == 200
        completion = openai.types.chat.ChatCompletion.model_validate(line["response"]["body"])
        ticket = json.loads(completion.choices[0].message.content)
        assert set(ticket) == {"category", "urgency"}
        assert ticket["category"] in {"billing", "shipping", "bug", "other"}
        assert isinstance(ticket["urgency"], int) and 1 <= ticket["urgency"] <= 5
    assert client.files.retrieve(batch.output_file_id).purpose == "batch_output"

    errors = read_lines(client, batch.error_file_id)
    assert [line["custom_id"] for line in errors] == ["row-fail"]
    assert errors[0]["response"]["status_code"] == 500
    assert errors[0]["response"]["body"]["error"]["type"] == "server_error"
    assert errors[0]["error"] is None

    with pytest.raises(openai.ConflictError) as conflict:
        client.batches.cancel(batch.id)
    assert conflict.value.status_code == 409
    assert conflict.value.body["message"] == "Cannot cancel a batch with status 'completed'."


def test_validation_failure_reports_lines(start_emulator):
    client = start_emulator().client
    content = jsonl([chat_line("a", "fine")]) + b"{not json\n" + jsonl([chat_line("a", "duplicate")])
    uploaded = client.files.create(file=("bad.jsonl", content), purpose="batch")
    created = client.batches.create(
        input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    batch = wait_for(client, created.id, {"failed", "completed"})
    assert batch.status == "failed"
    assert batch.failed_at is not None
    assert [(e.code, e.line, e.param) for e in batch.errors.data] == [
        ("invalid_json_line", 2, None),
        ("duplicate_custom_id", 3, "custom_id"),
    ]
    assert batch.request_counts.total == 0


def test_not_found_and_bad_requests(start_emulator):
    client = start_emulator().client
    with pytest.raises(openai.NotFoundError) as missing:
        client.batches.retrieve("batch_does_not_exist")
    assert missing.value.status_code == 404
    assert missing.value.body["message"] == "No batch found with id 'batch_does_not_exist'."
    with pytest.raises(openai.NotFoundError):
        client.files.retrieve("file-does-not-exist")
    with pytest.raises(openai.BadRequestError) as bad_format:
        client.files.create(file=("input.csv", b"a,b\n"), purpose="batch")
    assert bad_format.value.body["message"] == "Invalid file format for Batch API. Must be .jsonl"
    with pytest.raises(openai.BadRequestError) as bad_endpoint:
        client.batches.create(input_file_id="file-x", endpoint="/v1/nope", completion_window="24h")
    assert bad_endpoint.value.body["param"] == "endpoint"
    assert bad_endpoint.value.body["code"] == "invalid_value"
    with pytest.raises(openai.BadRequestError) as bad_metadata:
        client.batches.create(
            input_file_id="file-x", endpoint="/v1/chat/completions", completion_window="24h", metadata={"n": 1}
        )
    assert bad_metadata.value.body["code"] == "invalid_type"


def test_list_auto_pagination(start_emulator):
    client = start_emulator().client
    uploaded = upload(client, [chat_line("only", "hello", schema=None)])
    created = [
        client.batches.create(input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h").id
        for _ in range(7)
    ]
    first_page = client.batches.list(limit=2)
    assert len(first_page.data) == 2
    assert first_page.has_more is True
    listed = [batch.id for batch in client.batches.list(limit=2)]
    assert len(listed) == len(set(listed)), "auto-pagination returned a batch twice"
    assert set(created) <= set(listed)
    newest_first = [batch_id for batch_id in listed if batch_id in created]
    assert newest_first == list(reversed(created))
    with pytest.raises(openai.BadRequestError) as too_many:
        client.batches.list(limit=101)
    assert too_many.value.body["code"] == "integer_above_max_value"
    for batch_id in created:  # leave nothing running for the next emulator on this state folder
        assert wait_for(client, batch_id, {"completed", "failed"}).status == "completed"


def test_cancel_in_progress(start_emulator):
    client = start_emulator("--processing-delay", "30000").client
    uploaded = upload(client, [chat_line(f"row-{i}", f"text {i}") for i in range(20)])
    created = client.batches.create(
        input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    running = wait_for(client, created.id, {"in_progress", "completed", "failed"})
    assert running.status == "in_progress"
    assert running.request_counts.total == 20
    cancelling = client.batches.cancel(created.id)
    assert cancelling.status == "cancelling"
    assert cancelling.cancelling_at is not None
    batch = wait_for(client, created.id, {"cancelled", "completed"})
    assert batch.status == "cancelled"
    assert batch.cancelled_at is not None
    assert batch.request_counts.total == 20
    assert batch.request_counts.completed < 20
    if batch.output_file_id:
        assert len(read_lines(client, batch.output_file_id)) == batch.request_counts.completed
    assert client.batches.cancel(created.id).status == "cancelled"


def test_files_delete(start_emulator):
    client = start_emulator().client
    uploaded = upload(client, [chat_line("x", "y")])
    deleted = client.files.delete(uploaded.id)
    assert isinstance(deleted, openai.types.FileDeleted)
    assert deleted.deleted is True and deleted.id == uploaded.id
    with pytest.raises(openai.NotFoundError):
        client.files.retrieve(uploaded.id)
    ids = [f.id for f in client.files.list(purpose="batch")]
    assert uploaded.id not in ids


def test_embeddings_batch(start_emulator):
    client = start_emulator().client
    lines = [
        {
            "custom_id": f"e{i}",
            "method": "POST",
            "url": "/v1/embeddings",
            "body": {"model": "text-embedding-3-small", "input": text, "dimensions": 64},
        }
        for i, text in enumerate(["late parcel", "parcel arrived late", "refund my invoice"])
    ]
    uploaded = upload(client, lines)
    created = client.batches.create(input_file_id=uploaded.id, endpoint="/v1/embeddings", completion_window="24h")
    batch = wait_for(client, created.id, {"completed", "failed"})
    assert batch.status == "completed"
    vectors = {}
    for line in read_lines(client, batch.output_file_id):
        response = openai.types.CreateEmbeddingResponse.model_validate(line["response"]["body"])
        vectors[line["custom_id"]] = response.data[0].embedding
    assert all(len(v) == 64 for v in vectors.values())

    def cosine(a, b):
        return sum(x * y for x, y in zip(a, b))

    assert cosine(vectors["e0"], vectors["e1"]) > cosine(vectors["e0"], vectors["e2"])
