import Hummingbird
import SluiceJSON

/// `/_emulator/*`: test hooks that are not part of the OpenAI or Anthropic APIs (no key needed).
///
/// - `GET /_emulator/stats`: `{batches_created, files_uploaded, requests_received, by_metadata,
///   anthropic_batches_created, anthropic_requests_received, anthropic_messages_received}`, where
///   `by_metadata["key=value"] = {batches, requests}`; `requests` counts the lines of each validated input file.
///   `batches_created` and `requests_received` include the Anthropic Message Batches and their requests.
/// - `POST /_emulator/reset`: zeroes the counters (files and batches stay).
/// - `GET /_emulator/health`: `{"status":"ok"}`.
struct AdminRoutes: Sendable {
    let store: EmulatorStore

    /// Registers the routes.
    func add(to router: Router<BasicRequestContext>) {
        router.get("/_emulator/stats") { _, _ in
            Response.json(await store.stats.wire)
        }
        router.post("/_emulator/reset") { _, _ in
            try await store.resetStats()
            return Response.json(await store.stats.wire)
        }
        router.get("/_emulator/health") { _, _ in
            Response.json(["status": "ok"])
        }
    }
}
