import Foundation
import SluiceCore
import SluiceHTTP
import SluiceProviders
import Testing

@Suite("AnthropicBatchAPI and AnthropicProvider against a stub server")
struct AnthropicBatchAPITests {
    func api(_ server: TestServer, key: String = AnthropicStubRoutes.apiKey, retry: RetryPolicy = RetryPolicy())
        -> AnthropicBatchAPI
    {
        AnthropicBatchAPI(baseURL: server.baseURL, apiKey: key, client: HTTPClient(), retry: retry, clock: RecordingClock())
    }

    func provider(_ server: TestServer) -> AnthropicProvider {
        AnthropicProvider(name: "anthropic", api: api(server))
    }

    @Test("the SDK-style base URL and one ending in /v1 reach the same routes")
    func baseURLs() {
        let plain = AnthropicBatchAPI(baseURL: "https://api.anthropic.com", apiKey: "k", client: HTTPClient())
        let versioned = AnthropicBatchAPI(baseURL: "https://api.anthropic.com/v1/", apiKey: "k", client: HTTPClient())
        #expect(plain.baseURL == "https://api.anthropic.com/v1")
        #expect(versioned.baseURL == "https://api.anthropic.com/v1")
        #expect(!"\(plain)".contains("k)"))
    }

    @Test("create streams the chunk file as the JSON body and decodes the batch")
    func create() async throws {
        try await withTemporaryFolder { folder in
            let path = folder + "/chunk.json"
            let line = #"{"custom_id":"r000001a1","params":{"model":"claude","max_tokens":5,"messages":[]}}"#
            let body = #"{"requests":["# + [line, line, line].joined(separator: ",") + "]}"
            try Data(body.utf8).write(to: URL(fileURLWithPath: path))
            try await withTestServer(.anthropicStub) { server in
                let created = try await provider(server).createBatch(
                    input: .chunkFile(path: path), endpoint: .chat, completionWindow: "24h", metadata: ["k": "v"])
                #expect(created.id == "msgbatch_new")
                #expect(created.inputFileID == nil)
                #expect(created.snapshot.state == .inProgress)
                #expect(created.snapshot.total == 3)
                #expect(server.probe.recorded("create") == ["application/json \(body.utf8.count) 3"])
            }
        }
    }

    @Test("a 400 at create is a permanent provider error with the envelope's message")
    func createRefused() async throws {
        try await withTemporaryFolder { folder in
            let path = folder + "/chunk.json"
            let id = String(repeating: "x", count: 65)
            try Data(#"{"requests":[{"custom_id":"\#(id)","params":{}}]}"#.utf8).write(to: URL(fileURLWithPath: path))
            try await withTestServer(.anthropicStub) { server in
                let error = await #expect(throws: ProviderError.self) {
                    _ = try await provider(server).createBatch(
                        input: .chunkFile(path: path), endpoint: .chat, completionWindow: "24h", metadata: [:])
                }
                #expect(error?.code == "anthropic.bad_request")
                #expect(error?.httpStatus == 400)
                #expect(error?.retryable == false)
                #expect(error?.message.contains("at most 64 characters") == true)
            }
        }
    }

    @Test("ended batches map to completed, cancelled or expired by cancel_initiated_at and the counts")
    func snapshots() async throws {
        try await withTestServer(.anthropicStub) { server in
            let p = provider(server)
            let done = try await p.snapshot(batchID: "msgbatch_done")
            #expect(done.state == .completed)
            #expect(done.providerStatus == "ended")
            #expect((done.total, done.succeeded, done.failed) == (3, 2, 1))
            #expect(done.resultFileIDs == ["msgbatch_done"])
            let cancelled = try await p.snapshot(batchID: "msgbatch_cancelled")
            #expect(cancelled.state == .cancelled)
            #expect((cancelled.succeeded, cancelled.failed) == (1, 2))
            #expect(try await p.snapshot(batchID: "msgbatch_expired").state == .expired)
            let cancelling = try await p.cancel(batchID: "msgbatch_x")
            #expect(cancelling.state == .cancelling)
            #expect(cancelling.resultFileIDs.isEmpty)
        }
    }

    @Test("529 overloaded is retried; after the retries it is a retryable provider error; 404 is not")
    func errors() async throws {
        try await withTestServer(.anthropicStub) { server in
            let batch = try await api(server).retrieveBatch(id: "msgbatch_overloaded")
            #expect(batch.processingStatus == "in_progress")
            #expect(server.probe.hits("msgbatch_overloaded") == 3)

            let down = await #expect(throws: AnthropicAPIError.self) {
                _ = try await api(server, retry: RetryPolicy(maxAttempts: 2)).retrieveBatch(id: "msgbatch_down")
            }
            #expect(down?.code == .server)
            #expect(down?.errorType == "overloaded_error")
            #expect(down?.requestID == "req_529")
            #expect(down?.isTransient == true)

            let missing = await #expect(throws: ProviderError.self) {
                _ = try await provider(server).snapshot(batchID: "msgbatch_nope")
            }
            #expect(missing?.code == "anthropic.not_found")
            #expect(missing?.retryable == false)

            let unauthorised = await #expect(throws: AnthropicAPIError.self) {
                _ = try await api(server, key: "wrong").retrieveBatch(id: "msgbatch_done")
            }
            #expect(unauthorised?.code == .authentication)
            #expect(unauthorised.map { "\($0)" }?.contains("wrong") == false)
        }
    }

    @Test("recentBatches pages on last_id and stops at the first batch older than since; RFC 3339 variants parse")
    func listing() async throws {
        try await withTestServer(.anthropicStub) { server in
            let since = try #require(AnthropicTimestampProbe.date("2024-09-24T18:25:00Z"))
            let found = try await api(server).recentBatches(since: since, pageSize: 2)
            #expect(found.map(\.id) == ["msgbatch_5", "msgbatch_4", "msgbatch_3"])
            #expect(server.probe.recorded("list") == ["after_id= limit=2", "after_id=msgbatch_4 limit=2"])
            #expect(found.allSatisfy { $0.created != nil })
        }
    }

    @Test("findBatch adopts the most recent unknown batch of the chunk's size since the intent")
    func reconcile() async throws {
        try await withTestServer(.anthropicStub) { server in
            let since = try #require(AnthropicTimestampProbe.date("2024-09-24T18:15:00Z"))
            let p = provider(server)
            let first = try await p.findBatch(metadataKey: "sluice_chunk", value: "x", requests: 3, createdSince: since, known: [])
            #expect(first?.id == "msgbatch_4")
            let second = try await p.findBatch(
                metadataKey: "sluice_chunk", value: "x", requests: 3, createdSince: since, known: ["msgbatch_4"])
            #expect(second?.id == "msgbatch_3")
            let none = try await p.findBatch(
                metadataKey: "sluice_chunk", value: "x", requests: 3, createdSince: since, known: ["msgbatch_4", "msgbatch_3"])
            #expect(none == nil)  // msgbatch_1 has 3 requests too, but it is older than the intent
        }
    }

    @Test("results stream into a file asking for JSONL; delete removes an ended batch")
    func resultsAndDelete() async throws {
        try await withTemporaryFolder { folder in
            try await withTestServer(.anthropicStub) { server in
                let p = provider(server)
                let snapshot = try await p.snapshot(batchID: "msgbatch_done")
                let paths = try await p.downloadResults(of: snapshot, into: folder)
                #expect(paths == [folder + "/msgbatch_done.jsonl"])
                let text = try String(contentsOfFile: paths[0], encoding: .utf8)
                #expect(text.split(separator: "\n").count == 2)
                #expect(server.probe.recorded("results-accept") == ["application/x-jsonl"])
                await p.deleteFile(id: "msgbatch_done")
                await p.deleteFile(id: "msgbatch_running")  // refused by the server; not fatal
                #expect(server.probe.recorded("delete") == ["msgbatch_done", "msgbatch_running"])
            }
        }
    }
}

/// RFC 3339 parsing as the tests need it, independent of the client's own parser.
enum AnthropicTimestampProbe {
    static func date(_ text: String) -> Date? { try? Date.ISO8601FormatStyle().parse(text) }
}
