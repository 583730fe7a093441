import Foundation
import Logging
import SluiceCore
import SluiceJSON
import SluiceProviders
import SluiceTesting
import Testing

/// The realtime fan-out through the engine against a real loopback server that answers 429 now and then.
@Suite struct RealtimeTests {
    static func spec(port: Int, rpm: Int) -> String {
        """
        provider: realtime
        base_url: http://127.0.0.1:\(port)/v1
        model: local-llama
        prompt: "Classify: {{subject}} / {{body}}"
        id: ticket_id
        output:
          schema:
            type: object
            properties:
              category: {type: string, enum: [billing, shipping, bug]}
              urgency: {type: integer, minimum: 1, maximum: 5}
            required: [category, urgency]
        realtime: {concurrency: 4, rpm: \(rpm)}
        """
    }

    static func csv(rows: Int) -> String {
        "ticket_id,subject,body\n" + (1...rows).map { "T\($0),subject \($0),\"body, \($0)\"\n" }.joined()
    }

    @Test func everyRowIsAnsweredWithin429sAndTheRequestRateStaysUnderRPM() async throws {
        try await withTemporaryDirectory { dir in
            let stub = RealtimeStub(rejectEvery: 5)  // 20% of calls: 429 + retry-after: 1
            try await stub.serving { port in
                let root = SluiceRoot(path: dir)
                let spec = try root.addPipeline("urgent", yaml: Self.spec(port: port, rpm: 1200))
                try writeFile(dir + "/now.csv", Self.csv(rows: 100))
                try SluicePaths.ensureDirectory(root.paths.state)
                let store = try StateStore(path: root.paths.database)
                let provider = try ProviderFactory.make(
                    spec: spec, environment: [:], paths: root.paths, logger: Logger(label: "test"))
                let environment = DropEnvironment(provider: provider, store: store, paths: root.paths, logger: Logger(label: "test"))
                let text = try String(contentsOfFile: root.paths.spec("urgent"), encoding: .utf8)
                let report = try await DropJob.process(file: dir + "/now.csv", spec: spec, specText: text, environment: environment)
                #expect(report.drop.rowsIn == 100)
                #expect(report.drop.succeeded == 100)
                #expect(stub.answered == 100, "each row answered once")
                #expect(stub.rejected >= 20, "429s were met and retried")
                // 1200 rpm is 20 per second: spacing keeps every one-second window at that, retries included.
                #expect(stub.maxArrivals(within: .seconds(1)) <= 21)
                let enriched = try String(contentsOfFile: root.paths.outbox("urgent") + "/now.enriched.csv", encoding: .utf8)
                    .components(separatedBy: "\r\n").filter { !$0.isEmpty }
                #expect(enriched.count == 101)
                #expect(enriched[0] == "ticket_id,subject,body,ai_category,ai_urgency")
                #expect(enriched[100] == "T100,subject 100,\"body, 100\",billing,2")
                // Archived: the job folder is gone with the provider-side "files".
                let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: root.paths.state + "/realtime")) ?? []
                #expect(leftovers.isEmpty)
            }
        }
    }

    @Test func anInterruptedJobResumesWithoutAnsweringARowTwice() async throws {
        try await withTemporaryDirectory { dir in
            let stub = RealtimeStub(rejectEvery: 0)
            try await stub.serving { port in
                let root = SluiceRoot(path: dir)
                let spec = try root.addPipeline("urgent", yaml: Self.spec(port: port, rpm: 600))
                try writeFile(dir + "/now.csv", Self.csv(rows: 60))
                try SluicePaths.ensureDirectory(root.paths.state)
                let store = try StateStore(path: root.paths.database)
                let text = try String(contentsOfFile: root.paths.spec("urgent"), encoding: .utf8)
                // First run: a provider (and its jobs) that goes away mid-way, like a process that died.
                let dying = RealtimeProvider(
                    baseURL: "http://127.0.0.1:\(port)/v1", apiKey: nil, settings: spec.realtime,
                    directory: root.paths.state + "/realtime", logger: Logger(label: "a"))
                let first = Task {
                    let provider = dying
                    let environment = DropEnvironment(provider: provider, store: store, paths: root.paths, logger: Logger(label: "a"))
                    return try await DropJob.process(file: dir + "/now.csv", spec: spec, specText: text, environment: environment)
                }
                while stub.answered < 20 { try await Task.sleep(for: .milliseconds(50)) }
                first.cancel()
                await dying.stopAll()
                _ = try? await first.value
                let sentBefore = stub.answered
                #expect(sentBefore < 60)
                let provider = try ProviderFactory.make(spec: spec, environment: [:], paths: root.paths, logger: Logger(label: "b"))
                let environment = DropEnvironment(provider: provider, store: store, paths: root.paths, logger: Logger(label: "b"))
                let report = try await DropJob.process(file: dir + "/now.csv", spec: spec, specText: text, environment: environment)
                #expect(report.drop.succeeded == 60)
                // Rows answered before the stop were not sent again (at most the ones in flight then).
                #expect(stub.answered <= 60 + 4)
                #expect(stub.answered >= 60)
            }
        }
    }
}
