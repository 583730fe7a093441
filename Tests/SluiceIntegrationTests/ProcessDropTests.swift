import Foundation
import SluiceCore
import SluiceJSON
import SluiceRecords
import SluiceTesting
import Testing

/// A drop through the engine, the libcurl client and the local provider's real HTTP server.
@Suite struct ProcessDropTests {
    static let spec = """
        provider: local
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
        batch: {target_mb: 10, max_requests: 700}
        """

    /// A CSV with the fields real exports carry, gzip-compressed.
    /// Another `variant` gives other content of the same shape and size.
    static func drop(rows: Int, at path: String, variant: String = "") throws {
        var csv: [UInt8] = []
        CSVFormat.appendRecord(["ticket_id", "subject", "body"], to: &csv)
        for i in 1...rows {
            let body = i % 3 == 0 ? "Line one,\r\nline \"two\" ✓ \(i)" : "Plain body \(i), with comma"
            CSVFormat.appendRecord(
                ["T\(i)", "Subject é \(i)" + variant, i == 250 ? "__sluice_notjson__" : body], to: &csv)
        }
        let file = try AtomicFile(finalPath: path, gzip: true)
        try file.sink.write(csv)
        try file.commit()
    }

    @Test func gzipCSVThroughTheLocalProvider() async throws {
        try await withTemporaryDirectory { dir in
            let root = SluiceRoot(path: dir)
            let spec = try root.addPipeline("tickets", yaml: Self.spec)
            try Self.drop(rows: 2_000, at: dir + "/tickets.csv.gz")
            let report = try await root.process(dir + "/tickets.csv.gz", spec: spec)
            let m = try JSONParser.parse(String(contentsOfFile: report.manifestPath, encoding: .utf8))
            #expect(m["status"] == "complete")
            #expect(m["counts"]?["rows_in"] == 2_000)
            #expect(m["counts"]?["succeeded"] == 1_999)
            #expect(m["counts"]?["failed"] == 1)
            let batches = m["batches"]?.arrayValue ?? []
            // 700 + 700 + 600, then row 250 (its answer is not JSON: retryable) alone in two retry rounds; the
            // emulator answers the same request the same way, so it fails all three attempts.
            #expect(batches.count == 5)
            #expect(batches.map { $0["requests"] } == [700, 700, 600, 1, 1])
            #expect(m["retries"] == ["rounds": 2, "rows": 1, "recovered": 0])
            let outputs = m["outputs"]?.arrayValue ?? []
            #expect(outputs.map { $0["path"] } == ["tickets.enriched.csv.gz", "tickets.failures.jsonl"])
            #expect(report.drop.stage == .archived)

            let outbox = root.paths.outbox("tickets")
            // The enriched file is gzip, in input order, with the original fields intact.
            let reader = try CSVReader(
                source: try SourceOpener.open(path: outbox + "/tickets.enriched.csv.gz").source, path: "enriched")
            #expect(reader.header == ["ticket_id", "subject", "body", "ai_category", "ai_urgency"])
            var expected = 1
            while let record = try reader.next() {
                if expected == 250 { expected += 1 }
                #expect(record.string(0) == "T\(expected)")
                let body = expected % 3 == 0 ? "Line one,\r\nline \"two\" ✓ \(expected)" : "Plain body \(expected), with comma"
                #expect(record.string(2) == body)
                #expect(["billing", "shipping", "bug"].contains(record.string(3)))
                #expect((1...5).contains(Int(record.string(4)) ?? 0))
                expected += 1
            }
            #expect(expected == 2_001)
            let failures = try readLines(outbox + "/tickets.failures.jsonl").map { try JSONParser.parse($0) }
            #expect(failures.count == 1)
            #expect(failures[0]["row"] == 250)
            #expect(failures[0]["id"] == "T250")
            #expect(failures[0]["error"]?["code"] == "output.invalid_json")
            for output in outputs {
                let path = outbox + "/" + (output["path"]?.stringValue ?? "")
                #expect(try FileDigest.sha256(path: path).hex == output["sha256"]?.stringValue)
            }
            #expect(FileManager.default.fileExists(atPath: report.manifestPath))
        }
    }

    @Test func everyChunkIsSubmittedExactlyOnce() async throws {
        try await withTemporaryDirectory { dir in
            let root = SluiceRoot(path: dir)
            let spec = try root.addPipeline("tickets", yaml: Self.spec)
            try Self.drop(rows: 1_500, at: dir + "/t.csv.gz")
            let report = try await root.process(dir + "/t.csv.gz", spec: spec)
            // A second emulator on the same state folder sees what the first was sent.
            let stats = try await withLocalEmulator(stateDirectory: root.paths.emulatorState) { try await $0.stats() }
            // Three chunks, then row 250 (answered with text that is not JSON) alone in two retry rounds.
            #expect(stats["batches_created"] == 5)
            #expect(stats["requests_received"] == 1_502)
            for seq in 1...5 {
                #expect(stats["by_metadata"]?["sluice_chunk=\(report.drop.key)-\(seq)"]?["batches"] == 1)
            }
        }
    }
}
