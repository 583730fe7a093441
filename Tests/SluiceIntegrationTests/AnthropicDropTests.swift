import Foundation
import Logging
import SluiceCore
import SluiceHTTP
import SluiceJSON
import SluiceRecords
import SluiceTesting
import Testing

/// Drops through the local provider speaking Anthropic Message Batches, over the real HTTP path.
@Suite struct AnthropicDropTests {
    static func spec(structured: String) -> String {
        """
        provider: local
        protocol: anthropic
        model: claude-haiku-4-5
        prompt: "Classify: {{subject}} / {{body}}"
        id: ticket_id
        params: {max_tokens: 300}
        output:
          structured: \(structured)
          schema:
            type: object
            properties:
              category: {type: string, enum: [billing, shipping, bug]}
              urgency: {type: integer}
            required: [category, urgency]
        batch: {target_mb: 10, max_requests: 700, poll: {initial: 20ms, max: 200ms}}
        """
    }

    /// Ids of the Message Batches the emulator holds.
    static func batchIDs(_ emulator: LocalEmulator) async throws -> [String] {
        let response = try await HTTPClient().execute(
            HTTPRequest(
                url: "http://127.0.0.1:\(emulator.port)/v1/messages/batches?limit=1000",
                headers: [HTTPHeader("x-api-key", "local"), HTTPHeader("anthropic-version", "2023-06-01")]))
        return (try JSONParser.parse(response.body)["data"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue }
    }

    @Test(arguments: ["json_schema", "tool"])
    func aDropGoesThroughMessageBatches(structured: String) async throws {
        try await withTemporaryDirectory { dir in
            let root = SluiceRoot(path: dir)
            let spec = try root.addPipeline("tickets", yaml: Self.spec(structured: structured))
            try ProcessDropTests.drop(rows: 1_500, at: dir + "/tickets.csv.gz")
            let report = try await root.process(dir + "/tickets.csv.gz", spec: spec)
            let m = try JSONParser.parse(String(contentsOfFile: report.manifestPath, encoding: .utf8))
            #expect(m["status"] == "complete")
            #expect(m["provider"] == "local")
            #expect(m["model"] == "claude-haiku-4-5")
            #expect(m["counts"]?["rows_in"] == 1_500)
            #expect(m["counts"]?["succeeded"] == 1_499)
            #expect(m["counts"]?["failed"] == 1)  // row 250 answers text that is not JSON
            let batches = m["batches"]?.arrayValue ?? []
            // Row 250 (not JSON, retryable) goes again alone in two retry rounds: its custom_id renamed inside
            // the framed {"requests":[...]} body.
            #expect(batches.map { $0["requests"] } == [700, 700, 100, 1, 1])
            #expect(batches.allSatisfy { $0["id"]?.stringValue?.hasPrefix("msgbatch_") == true && $0["status"] == "ended" })
            let failures = try String(contentsOfFile: dir + "/outbox/tickets/tickets.failures.jsonl", encoding: .utf8)
            let failure = try JSONParser.parse(String(failures.split(separator: "\n")[0]))
            #expect(failure["row"] == 250)
            #expect(failure["attempts"] == 3)
            #expect(failure["history"]?.arrayValue?.map { $0["attempt"] } == [1, 2])
            #expect(failure["error"]?["category"] == "schema")
            // Text that is not JSON; in tool mode the model answered text instead of calling the tool.
            #expect(failure["error"]?["code"] == (structured == "tool" ? "output.no_tool_use" : "output.invalid_json"))
            // Every enriched row carries the answer, read from the text block or the tool input.
            let reader = try CSVReader(
                source: try SourceOpener.open(path: dir + "/outbox/tickets/tickets.enriched.csv.gz").source, path: "enriched")
            #expect(reader.header == ["ticket_id", "subject", "body", "ai_category", "ai_urgency"])
            var rows = 0
            while let record = try reader.next() {
                rows += 1
                #expect(["billing", "shipping", "bug"].contains(record.string(3)))
                #expect(Int(record.string(4)) != nil)
            }
            #expect(rows == 1_499)
        }
    }

    @Test func anInterruptedCreateIsAdoptedNotPaidTwiceAndEndedBatchesAreDeleted() async throws {
        try await withTemporaryDirectory { dir in
            let root = SluiceRoot(path: dir)
            let spec = try root.addPipeline("tickets", yaml: Self.spec(structured: "json_schema"))
            let text = try String(contentsOfFile: root.paths.spec("tickets"), encoding: .utf8)
            try ProcessDropTests.drop(rows: 1_500, at: dir + "/t.csv.gz")
            try SluicePaths.ensureDirectory(root.paths.state)
            let store = try StateStore(path: root.paths.database)
            let paths = root.paths
            try await withLocalEmulator(stateDirectory: paths.emulatorState, speaking: .anthropic) { emulator in
                let environment = DropEnvironment(
                    provider: emulator.provider, store: store, paths: paths, logger: Logger(label: "test"))
                let id = try await DropIntake(store: store, paths: paths)
                    .drop(forProcessing: dir + "/t.csv.gz", spec: spec, specText: text)
                let job = DropJob(dropID: id, spec: spec, environment: environment, reuse: .finished)
                #expect(try await job.step())
                let chunks = try await store.progress(dropID: id).map(\.chunk)
                #expect(chunks.count == 3)

                // A run killed after the provider took chunk 1's create but before its id was recorded.
                _ = try await store.recordIntent(chunkID: chunks[0].id!, dropID: id, provider: "local", now: Date())
                let orphan = try await emulator.provider.createBatch(
                    input: .chunkFile(path: chunks[0].path), endpoint: .chat, completionWindow: "24h", metadata: [:])

                let report = try await job.run()
                #expect(report.drop.stage == .archived)
                #expect(report.drop.succeeded == 1_499)
                let stats = try await emulator.stats()
                // Chunk 1's batch was adopted, not created again; rounds 2 and 3 retry row 250 alone.
                #expect(stats["anthropic_batches_created"] == 5)
                #expect(stats["anthropic_requests_received"] == 1_502)
                let m = try JSONParser.parse(String(contentsOfFile: report.manifestPath, encoding: .utf8))
                #expect(m["batches"]?.arrayValue?.first?["id"]?.stringValue == orphan.id)
                #expect(try await Self.batchIDs(emulator).isEmpty, "ended batches are deleted once archived")
            }
        }
    }
}
