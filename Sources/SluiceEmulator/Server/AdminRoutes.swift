import Hummingbird
import SluiceJSON

/// `/_emulator/*`: test hooks that are not part of the OpenAI or Anthropic APIs (no key needed).
///
/// - `GET /_emulator/stats`: `{batches_created, files_uploaded, requests_received, by_metadata,
///   anthropic_batches_created, anthropic_requests_received, anthropic_messages_received}`, where
///   `by_metadata["key=value"] = {batches, requests}`; `requests` counts the lines of each validated input file.
///   `batches_created` and `requests_received` include the Anthropic Message Batches and their requests;
///   realtime calls are counted under `realtime` only (see `RealtimeLedger.wire`). `faults_injected` counts
///   every injected fault per kind (realtime calls included); `custom_ids` is `CustomIDLedger.wire`.
/// - `GET /_emulator/realtime/arrivals`: `{count, dropped, offsets_ms}`, arrival times of realtime calls.
/// - `POST /_emulator/reset`: zeroes the counters and forgets realtime arrivals (files and batches stay).
/// - `GET /_emulator/message_batches/{id}`: `{"answered": n}`, requests of a running Message Batch the model
///   has answered so far (the API itself shows none until the batch ends), so a test can cancel mid-batch.
/// - `GET /_emulator/health`: `{"status":"ok"}`.
struct AdminRoutes: Sendable {
    let store: EmulatorStore
    let realtime: RealtimeLedger
    /// The plan, for which fault kinds `realtime.faults` lists.
    let faults: FaultPlan

    /// Registers the routes.
    func add(to router: Router<BasicRequestContext>) {
        router.get("/_emulator/stats") { _, _ in
            Response.json(await wire())
        }
        router.post("/_emulator/reset") { _, _ in
            try await store.resetStats()
            await realtime.reset()
            return Response.json(await wire())
        }
        router.get("/_emulator/realtime/arrivals") { _, _ in
            Response.json(await realtime.arrivalsWire)
        }
        router.get("/_emulator/message_batches/:id") { _, context in
            let id = context.parameters.get("id") ?? ""
            return Response.json(["answered": .int(await store.messageBatchStopSignal(for: id).answeredCount)])
        }
        router.get("/_emulator/health") { _, _ in
            Response.json(["status": "ok"])
        }
    }

    /// The store's counters plus `custom_ids` and `realtime`.
    private func wire() async -> JSONValue {
        var object = await store.stats.wire.objectValue ?? JSONObject()
        object["custom_ids"] = await store.customIDCounts().wire
        object["realtime"] = await realtime.wire(plan: faults)
        return .object(object)
    }
}
