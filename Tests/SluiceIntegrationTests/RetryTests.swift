import Foundation
import SluiceCore
import SluiceJSON
import SluiceRecords
import SluiceTesting
import Testing

/// Retry rounds through the local provider: which rows go again, how often, and what the outputs say.
@Suite struct RetryTests {
    static func spec(maxAttempts: Int, protocol wire: String = "openai") -> String {
        """
        provider: local
        protocol: \(wire)
        model: m
        prompt: "Classify: {{subject}} / {{body}}"
        id: ticket_id
        output:
          schema:
            type: object
            properties:
              category: {type: string, enum: [billing, shipping, bug]}
            required: [category]
        retry: {max_attempts: \(maxAttempts)}
        batch: {max_requests: 40, poll: {initial: 20ms, max: 100ms}}
        """
    }

    /// 100 rows: row 10 answers against the schema, row 20 fails at the provider (HTTP 500), row 30 answers
    /// text that is not JSON, row 40 is a ragged CSV record (never sent). The emulator answers a request the
    /// same way every time, so the three retryable rows fail every attempt.
    static func drop(at path: String) throws {
        var csv: [UInt8] = []
        CSVFormat.appendRecord(["ticket_id", "subject", "body"], to: &csv)
        for i in 1...100 {
            let body = [10: "__sluice_invalid__", 20: "__sluice_fail__", 30: "__sluice_notjson__"][i] ?? "body \(i)"
            CSVFormat.appendRecord(i == 40 ? ["T40", "ragged"] : ["T\(i)", "subject \(i)", body], to: &csv)
        }
        try writeFile(path, csv)
    }

    static func failures(_ path: String) throws -> [Int: JSONValue] {
        var byRow: [Int: JSONValue] = [:]
        for line in try readLines(path) {
            let value = try JSONParser.parse(line)
            if case .int(let row)? = value["row"] { byRow[row] = value }
        }
        return byRow
    }

    @Test(arguments: ["openai", "anthropic"])
    func retryableRowsAreSentAgainUpToMaxAttemptsAndPermanentOnesAreNot(wire: String) async throws {
        try await withTemporaryDirectory { dir in
            let root = SluiceRoot(path: dir)
            let spec = try root.addPipeline("tickets", yaml: Self.spec(maxAttempts: 3, protocol: wire))
            try Self.drop(at: dir + "/t.csv")
            let report = try await root.process(dir + "/t.csv", spec: spec)
            let m = try JSONParser.parse(String(contentsOfFile: report.manifestPath, encoding: .utf8))
            #expect(m["counts"]?["rows_in"] == 100)
            #expect(m["counts"]?["succeeded"] == 96)
            #expect(m["counts"]?["failed"] == 4)
            // 99 rows in 3 chunks (40 + 40 + 19), then the three retryable rows twice, each round one chunk.
            #expect(m["batches"]?.arrayValue?.map { $0["requests"] } == [40, 40, 19, 3, 3])
            #expect(m["retries"] == ["rounds": 2, "rows": 3, "recovered": 0])
            #expect(m["failures_by_kind"] == ["input": 1, "invalid_json": 1, "provider_5xx": 1, "schema": 1])
            let stats = try await withLocalEmulator(stateDirectory: root.paths.emulatorState) { try await $0.stats() }
            #expect(stats["requests_received"] == 105)

            let failures = try Self.failures(root.paths.outbox("tickets") + "/t.failures.jsonl")
            #expect(failures.keys.sorted() == [10, 20, 30, 40])
            for (row, kind) in [(10, "schema"), (20, "provider_5xx"), (30, "invalid_json")] {
                let line = try #require(failures[row])
                #expect(line["attempts"] == 3, "row \(row)")
                #expect(line["error"]?["kind"] == .string(kind), "row \(row)")
                let history = line["history"]?.arrayValue ?? []
                #expect(history.map { $0["attempt"] } == [1, 2], "row \(row)")
                #expect(history.allSatisfy { $0["kind"] == .string(kind) }, "row \(row)")
            }
            #expect(failures[40]?["attempts"] == 0)
            #expect(failures[40]?["error"]?["kind"] == "input")
            #expect(failures[40]?["history"] == nil)
        }
    }

    @Test func maxAttemptsOneSendsEveryRowOnce() async throws {
        try await withTemporaryDirectory { dir in
            let root = SluiceRoot(path: dir)
            let spec = try root.addPipeline("tickets", yaml: Self.spec(maxAttempts: 1))
            try Self.drop(at: dir + "/t.csv")
            let report = try await root.process(dir + "/t.csv", spec: spec)
            let m = try JSONParser.parse(String(contentsOfFile: report.manifestPath, encoding: .utf8))
            #expect(m["batches"]?.arrayValue?.count == 3)
            #expect(m["retries"] == ["rounds": 0, "rows": 0, "recovered": 0])
            let failures = try Self.failures(root.paths.outbox("tickets") + "/t.failures.jsonl")
            #expect(failures[20]?["attempts"] == 1)
            #expect(failures[20]?["history"] == nil)
        }
    }
}
