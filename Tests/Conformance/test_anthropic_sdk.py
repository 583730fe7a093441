"""Drives the Sluice emulator with the official Anthropic Python SDK (Message Batches + Messages).

Every test starts its own `sluice emulator --port 0 --state-dir …` (SLUICE_BIN, through sluice_support) and
stops it at the end. Timeouts are generous (slow, shared machines); nothing asserts on timing except that a
cancel sent once a few requests of a four-second batch have run lands mid-batch.
"""

import json
import time
import urllib.request

import anthropic
import jsonschema
import pytest

from sluice_support import EmulatorProcess

BATCH_TIMEOUT = 180  # seconds to wait for a batch to end
MODEL = "claude-sonnet-5-5"

TICKET_SCHEMA = {
    "type": "object",
    "properties": {
        "category": {"type": "string", "enum": ["billing", "shipping", "bug", "other"]},
        "urgency": {"type": "integer", "minimum": 1, "maximum": 5},
        "tags": {"type": "array", "items": {"type": "string", "enum": ["a", "b", "c"]}, "minItems": 1, "maxItems": 3},
    },
    "required": ["category", "urgency", "tags"],
    "additionalProperties": False,
}


@pytest.fixture
def start_emulator(tmp_path):
    started = []

    def start(processing_delay_ms=0):
        emulator = EmulatorProcess(tmp_path / f"state-{len(started)}", processing_delay_ms=processing_delay_ms)
        started.append(emulator)
        emulator.client = anthropic.Anthropic(base_url=emulator.base, api_key="test", max_retries=0, timeout=60)
        return emulator

    yield start
    for emulator in started:
        emulator.stop()


def params(text, **extra):
    return {"model": MODEL, "max_tokens": 1024, "messages": [{"role": "user", "content": text}], **extra}


def wait_ended(client, batch_id):
    deadline = time.monotonic() + BATCH_TIMEOUT
    delay = 0.05
    while True:
        batch = client.messages.batches.retrieve(batch_id)
        if batch.processing_status == "ended":
            return batch
        if time.monotonic() > deadline:
            pytest.fail(f"message batch {batch_id} stuck in {batch.processing_status}")
        time.sleep(delay)
        delay = min(delay * 1.5, 0.5)


def emulator_answered(emulator, batch_id):
    """Requests of a running Message Batch the emulator's model has answered so far (a test hook, no key)."""
    with urllib.request.urlopen(f"{emulator.base}/_emulator/message_batches/{batch_id}", timeout=30) as response:
        return json.loads(response.read())["answered"]


def test_every_result_type_with_a_cancel(start_emulator):
    emulator = start_emulator(processing_delay_ms=4000)
    client = emulator.client
    requests = [
        {"custom_id": "fail", "params": params("this one hits __sluice_fail__")},
        {"custom_id": "expire", "params": params("this one hits __sluice_expire__")},
        {"custom_id": "zero", "params": params("no room", max_tokens=0)},
    ]
    requests += [{"custom_id": f"ok-{i}", "params": params(f"Ticket {i}: my parcel is late")} for i in range(37)]
    created = client.messages.batches.create(requests=requests)
    assert isinstance(created, anthropic.types.messages.MessageBatch)
    assert created.id.startswith("msgbatch_")
    assert created.type == "message_batch"
    assert created.processing_status == "in_progress"
    assert created.request_counts.processing == 40
    assert created.request_counts.succeeded == created.request_counts.canceled == 0
    assert created.results_url is None and created.ended_at is None and created.archived_at is None
    assert (created.expires_at - created.created_at).total_seconds() == pytest.approx(86400, abs=0.01)
    assert created._request_id.startswith("req_")

    # Cancel once the three special requests and a few more have run, however busy this machine is (the API shows
    # no progress until the end; the emulator's test hook does).
    deadline = time.monotonic() + 60
    while emulator_answered(emulator, created.id) < 6 and time.monotonic() < deadline:
        time.sleep(0.01)
    canceling = client.messages.batches.cancel(created.id)
    assert canceling.processing_status == "canceling"
    assert canceling.cancel_initiated_at is not None
    assert canceling.request_counts.processing == 40

    batch = wait_ended(client, created.id)
    counts = batch.request_counts
    assert counts.processing == 0
    assert counts.errored == 2 and counts.expired == 1
    assert counts.succeeded >= 1 and counts.canceled >= 1
    assert counts.succeeded + counts.canceled == 37
    assert batch.ended_at >= batch.created_at
    assert batch.results_url == f"{emulator.base}/v1/messages/batches/{batch.id}/results"

    results = list(client.messages.batches.results(batch.id))
    assert len(results) == 40
    by_id = {r.custom_id: r.result for r in results}
    assert len(by_id) == 40
    assert {r.type for r in by_id.values()} == {"succeeded", "errored", "canceled", "expired"}
    assert by_id["fail"].type == "errored"
    assert by_id["fail"].error.type == "error"
    assert by_id["fail"].error.error.type == "api_error"
    assert by_id["zero"].error.error.type == "invalid_request_error"
    assert by_id["zero"].error.error.message == "max_tokens: Input should be greater than or equal to 1"
    assert by_id["expire"].type == "expired"
    succeeded = [r for r in by_id.values() if r.type == "succeeded"]
    assert len(succeeded) == counts.succeeded
    assert sum(1 for r in by_id.values() if r.type == "canceled") == counts.canceled
    for result in succeeded:
        assert isinstance(result.message, anthropic.types.Message)
        assert result.message.id.startswith("msg_")
        assert result.message.content[0].type == "text" and result.message.content[0].text
        assert result.message.stop_reason == "end_turn"
        assert result.message.usage.output_tokens > 0

    deleted = client.messages.batches.delete(batch.id)
    assert isinstance(deleted, anthropic.types.messages.DeletedMessageBatch)
    assert deleted.id == batch.id and deleted.type == "message_batch_deleted"
    with pytest.raises(anthropic.NotFoundError):
        client.messages.batches.retrieve(batch.id)


def test_structured_batch_results_validate(start_emulator):
    client = start_emulator().client
    output_config = {"format": {"type": "json_schema", "schema": TICKET_SCHEMA}}
    tools = [{"name": "label", "description": "Label the ticket.", "input_schema": TICKET_SCHEMA}]
    requests = [{"custom_id": f"j{i}", "params": params(f"ticket {i}", output_config=output_config)} for i in range(10)]
    requests += [
        {"custom_id": f"t{i}", "params": params(f"ticket {i}", tools=tools, tool_choice={"type": "tool", "name": "label"})}
        for i in range(10)
    ]
    batch = wait_ended(client, client.messages.batches.create(requests=requests).id)
    assert batch.request_counts.succeeded == 20
    for line in client.messages.batches.results(batch.id):
        message = line.result.message
        if line.custom_id.startswith("j"):
            assert message.stop_reason == "end_turn"
            jsonschema.validate(json.loads(message.content[0].text), TICKET_SCHEMA)
        else:
            assert message.stop_reason == "tool_use"
            block = message.content[0]
            assert block.type == "tool_use" and block.name == "label" and block.id.startswith("toolu_")
            jsonschema.validate(block.input, TICKET_SCHEMA)


def test_list_auto_pagination(start_emulator):
    client = start_emulator().client
    created = [client.messages.batches.create(requests=[{"custom_id": "only", "params": params(f"b{i}")}]).id for i in range(7)]
    newest_first = list(reversed(created))
    first_page = client.messages.batches.list(limit=2)
    assert [b.id for b in first_page.data] == newest_first[:2]
    assert first_page.has_more is True
    assert first_page.first_id == newest_first[0] and first_page.last_id == newest_first[1]
    listed = [b.id for b in client.messages.batches.list(limit=2)]
    assert listed == newest_first, "auto-pagination with after_id over four pages"
    backwards = [b.id for b in client.messages.batches.list(limit=2, before_id=newest_first[5])]
    assert backwards == [newest_first[i] for i in (3, 4, 1, 2, 0)], "before_id pages go towards the newest"
    with pytest.raises(anthropic.BadRequestError) as too_many:
        client.messages.batches.list(limit=1001)
    assert too_many.value.body["error"]["message"] == "limit: Input should be less than or equal to 1000"
    for batch_id in created:  # leave nothing running
        wait_ended(client, batch_id)


def test_not_found_and_bad_requests(start_emulator):
    client = start_emulator(processing_delay_ms=60000).client
    with pytest.raises(anthropic.NotFoundError) as missing:
        client.messages.batches.retrieve("msgbatch_does_not_exist")
    assert missing.value.status_code == 404
    assert missing.value.body["type"] == "error"
    assert missing.value.body["error"]["type"] == "not_found_error"
    assert missing.value.body["request_id"] == missing.value.request_id
    with pytest.raises(anthropic.BadRequestError) as long_id:
        client.messages.batches.create(requests=[{"custom_id": "a" * 65, "params": params("x")}])
    assert long_id.value.body["error"] == {
        "type": "invalid_request_error",
        "message": "requests.0.custom_id: String should have at most 64 characters",
    }
    with pytest.raises(anthropic.BadRequestError) as duplicate:
        client.messages.batches.create(
            requests=[{"custom_id": "same", "params": params("x")}, {"custom_id": "same", "params": params("y")}]
        )
    assert duplicate.value.body["error"]["message"].startswith("requests.1.custom_id: Duplicate custom_id 'same'")
    running = client.messages.batches.create(requests=[{"custom_id": "slow", "params": params("x")}])
    with pytest.raises(anthropic.BadRequestError) as early_delete:
        client.messages.batches.delete(running.id)
    assert early_delete.value.body["error"]["type"] == "invalid_request_error"
    with pytest.raises(anthropic.AnthropicError, match="Has it finished processing"):
        client.messages.batches.results(running.id)
    assert client.messages.batches.cancel(running.id).processing_status == "canceling"
    ended = wait_ended(client, running.id)
    assert ended.request_counts.canceled == 1
    assert [r.result.type for r in client.messages.batches.results(running.id)] == ["canceled"]
    assert client.messages.batches.delete(running.id).type == "message_batch_deleted"


def test_realtime_messages(start_emulator):
    client = start_emulator().client
    plain = client.messages.create(**params("Hello there"))
    assert isinstance(plain, anthropic.types.Message)
    assert plain.role == "assistant" and plain.model == MODEL and plain.stop_reason == "end_turn"
    assert plain.content[0].type == "text" and plain.content[0].text
    assert plain._request_id.startswith("req_")
    assert client.messages.create(**params("Hello there")).content[0].text == plain.content[0].text

    structured = client.messages.create(
        **params("Ticket: refund please", output_config={"format": {"type": "json_schema", "schema": TICKET_SCHEMA}})
    )
    assert structured.stop_reason == "end_turn" and len(structured.content) == 1
    jsonschema.validate(json.loads(structured.content[0].text), TICKET_SCHEMA)

    tool = client.messages.create(
        **params(
            "Ticket: app crashes",
            tools=[{"name": "label", "description": "Label the ticket.", "input_schema": TICKET_SCHEMA}],
            tool_choice={"type": "tool", "name": "label"},
        )
    )
    assert tool.stop_reason == "tool_use" and len(tool.content) == 1
    block = tool.content[0]
    assert isinstance(block, anthropic.types.ToolUseBlock)
    assert block.name == "label" and block.id.startswith("toolu_")
    jsonschema.validate(block.input, TICKET_SCHEMA)

    with pytest.raises(anthropic.NotFoundError) as unknown:
        client.messages.create(**{**params("x"), "model": "unknown-model"})
    assert unknown.value.body["error"] == {"type": "not_found_error", "message": "model: unknown-model"}
    with pytest.raises(anthropic.BadRequestError) as zero:
        client.messages.create(**params("x", max_tokens=0))
    assert zero.value.body["error"]["type"] == "invalid_request_error"
    with pytest.raises(anthropic.InternalServerError) as failed:
        client.messages.create(**params("__sluice_fail__"))
    assert failed.value.status_code == 500 and failed.value.body["error"]["type"] == "api_error"
