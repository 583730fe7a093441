import Foundation
import Logging
import SluiceCore
import SluiceEmulator
import SluiceHTTP
import SluiceJSON
import SluiceProviders
import SluiceTesting
import Testing

/// The project's realtime client (`provider: realtime`, through the engine) against the real emulator
/// in-process, with one call in five refused by a seeded 429: the emulator's own counts prove that every
/// row was answered once and that the client kept to its rpm.
@Suite struct RealtimeEmulatorTests {
    static let rows = 300
    static let rpm = 1200

    static func spec(port: Int) -> String {
        """
        provider: realtime
        base_url: http://127.0.0.1:\(port)/v1
        api_key_env: SLUICE_TEST_KEY
        model: gpt-4o-mini
        prompt: "Classify: {{subject}} / {{body}}"
        id: ticket_id
        output:
          schema:
            type: object
            properties:
              category: {type: string, enum: [billing, shipping, bug]}
              urgency: {type: integer, minimum: 1, maximum: 5}
            required: [category, urgency]
            additionalProperties: false
        realtime: {concurrency: 8, rpm: \(rpm), max_attempts: 20}
        """
    }

    @Test func everyRowIsAnsweredOnceThroughSeeded429sAndNoWindowExceedsTheRPM() async throws {
        try await withTemporaryDirectory { dir in
            var configuration = EmulatorConfiguration(stateDirectory: dir + "/emulator", port: 0, seed: 7)
            let plan = try FaultPlan(parsing: "http429=0.2")
            configuration.faults = plan
            try SluicePaths.ensureDirectory(configuration.stateDirectory)
            var logger = Logger(label: "realtime-emulator-test")
            logger.logLevel = .warning
            try await Emulator.serving(configuration: configuration, logger: logger) { [logger] port in
                let root = SluiceRoot(path: dir)
                let spec = try root.addPipeline("urgent", yaml: Self.spec(port: port))
                try writeFile(
                    dir + "/now.csv",
                    "ticket_id,subject,body\n"
                        + (1...Self.rows).map { "T\($0),subject \($0),\"body, \($0)\"\n" }.joined())
                try SluicePaths.ensureDirectory(root.paths.state)
                let store = try StateStore(path: root.paths.database)
                let provider = try ProviderFactory.make(
                    spec: spec, environment: ["SLUICE_TEST_KEY": "test"], paths: root.paths, logger: logger)
                let environment = DropEnvironment(provider: provider, store: store, paths: root.paths, logger: logger)
                let text = try String(contentsOfFile: root.paths.spec("urgent"), encoding: .utf8)
                let report = try await DropJob.process(
                    file: dir + "/now.csv", spec: spec, specText: text, environment: environment)
                #expect(report.drop.rowsIn == Self.rows)
                #expect(report.drop.succeeded == Self.rows)

                let stats = try JSONParser.parse(
                    try await HTTPClient().execute(HTTPRequest(url: "http://127.0.0.1:\(port)/_emulator/stats")).body)
                let realtime = try #require(stats["realtime"])
                // Every answered call answers one row, so the calls needed are fixed by the seed: the first
                // call number by which `rows` calls went unfaulted. Each row was answered exactly once.
                var calls: UInt64 = 0
                var unfaulted = 0
                while unfaulted < Self.rows {
                    calls += 1
                    if plan.fault(seed: 7, call: calls) == nil { unfaulted += 1 }
                }
                #expect(realtime["answered"] == .int(Self.rows))
                #expect(realtime["requests"] == .int(Int(calls)))
                #expect(realtime["rate_limited"] == .int(Int(calls) - Self.rows))
                #expect(realtime["server_errors"] == 0)
                #expect(realtime["client_errors"] == 0)
                #expect(realtime["by_endpoint"]?["/v1/chat/completions"]?["requests"] == .int(Int(calls)))
                #expect(stats["batches_created"] == 0, "realtime calls are not counted as batches")
                // The gate spaces starts evenly at 60 s / rpm (+5%), retries included. 1,200 rpm is 200 per
                // 10 s, and the gate starts about 190 in any 10 s: the margin absorbs arrival jitter on a busy
                // machine. One-second windows are not asserted: a few late wake-ups can bunch within a second.
                let windows = try #require(realtime["max_in_window"])
                #expect((windows["60s"]?.numberValue).map { Int($0) <= Self.rpm } == true, "\(windows)")
                #expect((windows["10s"]?.numberValue).map { Int($0) <= Self.rpm / 6 } == true, "\(windows)")

                let enriched = try String(
                    contentsOfFile: root.paths.outbox("urgent") + "/now.enriched.csv", encoding: .utf8
                )
                .components(separatedBy: "\r\n").filter { !$0.isEmpty }
                #expect(enriched.count == Self.rows + 1)
                #expect(enriched[0] == "ticket_id,subject,body,ai_category,ai_urgency")
                let ids = enriched.dropFirst().map { $0.split(separator: ",").first.map(String.init) ?? "" }
                #expect(ids == (1...Self.rows).map { "T\($0)" })
                for line in enriched.dropFirst() {
                    let fields = line.split(separator: ",")
                    #expect(["billing", "shipping", "bug"].contains(String(fields[fields.count - 2])), "\(line)")
                    #expect((1...5).contains(Int(fields[fields.count - 1]) ?? 0), "\(line)")
                }
            }
        }
    }
}
