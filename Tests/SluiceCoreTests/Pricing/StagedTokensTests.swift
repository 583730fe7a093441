import Foundation
import SluiceJSON
import SluiceTesting
import Testing

@testable import SluiceCore

/// Staging counts each request's tokens from the bytes it renders; the count must be what reading the chunk
/// back (`ChunkTokens.inputTokens`, the measure before this) gives, request by request and chunk by chunk.
@Suite struct StagedTokensTests {
    static let specs: [(String, WireFormat, String)] = [
        ("chat, templated system", .openAIBatch, #"system: "You label {{kind}} tickets.""#),
        ("chat, constant system", .openAIBatch, #"system: "You label support tickets, one word.""#),
        ("chat, no system", .openAIBatch, ""),
        ("embeddings", .openAIBatch, "endpoint: embeddings"),
        ("anthropic", .anthropicBatch, "protocol: anthropic\n" + #"system: "Label {{kind}}.""#),
    ]

    static func yaml(_ extra: String, embeddings: Bool) -> String {
        """
        provider: local
        model: \(embeddings ? "text-embedding-3-small" : "gpt-4o-mini")
        \(extra)
        prompt: "Subject: {{subject}}\\nBody: {{body}} ({{n}})"
        \(embeddings ? "" : "output:\n  schema: {type: object, properties: {c: {type: string}}, required: [c]}")
        batch: {max_requests: 7}
        """
    }

    private let pieces = [
        "Refund", " ", "  ", "\n", "\t", ",", "\"", "'", "café", "Grüße", "日本語", "привет", "😞", "©", "123456",
        "\\", "/", "\u{1}", "\r\n", "ß", "한국", "!?",
    ]

    private func text(_ random: inout SeededGenerator) -> String {
        (0..<Int.random(in: 0...25, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined()
    }

    /// A JSONL drop (strings JSON-escaped by the writer, and some with `\u` escapes a JSON writer never makes)
    /// and a CSV drop of the same texts.
    private func drops(_ random: inout SeededGenerator, rows: Int) -> (jsonl: String, csv: String) {
        var jsonl = ""
        var csv = "kind,subject,body,n\n"
        for row in 1...rows {
            let (kind, subject, body) = (text(&random), text(&random), text(&random))
            var line = JSONWriter.string(
                ["kind": .string(kind), "subject": .string(subject), "body": .string(body), "n": .int(row)])
            if row % 5 == 0 { line = line.replacingOccurrences(of: "é", with: #"\u00e9"#) }
            jsonl += line + "\n"
            func field(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
            csv += [kind, subject, body].map(field).joined(separator: ",") + ",\(row)\n"
        }
        return (jsonl, csv)
    }

    @Test(arguments: specs.indices)
    func stagedCountsAreTheCountsOfTheStagedLines(_ index: Int) async throws {
        let (name, wire, extra) = Self.specs[index]
        let spec = try SpecLoader.parse(
            yaml: Self.yaml(extra, embeddings: extra.contains("embeddings")), name: "t", file: "t.yaml")
        var random = SeededGenerator(state: UInt64(40 + index))
        let (jsonl, csv) = drops(&random, rows: 60)
        try await withTemporaryDirectory { dir in
            for (file, content) in [("d.jsonl", jsonl), ("d.csv", csv)] {
                try writeFile(dir + "/" + file, content)
                let work = dir + "/stage-" + file
                try SluicePaths.ensureDirectory(work)
                let staged = try Stager(
                    spec: spec, wireFormat: wire, providerMaxBytes: 200_000_000, providerMaxRequests: 50_000
                ).stage(sourcePath: dir + "/" + file, fileName: file, directory: work)
                #expect(staged.chunks.count == 9, "\(name) \(file)")
                let tokens = ChunkTokens(spec: spec, wireFormat: wire)
                for chunk in staged.chunks {
                    var readBack = TokenSum()
                    for line in try readLines(chunk.path) {
                        guard let (_, request) = RetryPlanner.requestLine(Array(line.utf8)) else { continue }
                        readBack.add(try tokens.inputTokens(request))
                    }
                    #expect(chunk.inputTokens == readBack, "\(name) \(file) chunk \(chunk.seq)")
                }
                // The spend estimate from the stored counts is the measure of the files.
                let records = staged.chunks.map {
                    var record = ChunkRecord(
                        dropID: 1, seq: $0.seq, path: $0.path, requests: $0.requests, bytes: $0.bytes,
                        firstRow: $0.firstRow, lastRow: $0.lastRow)
                    record.inputTokens = $0.inputTokens?.tokens
                    return record
                }
                let stored = try tokens.sent(chunks: records)
                let measured = try tokens.measure(chunkPaths: staged.chunks.map(\.path))
                #expect(stored.requests == 60 && measured.requests == 60)
                #expect(stored.inputTokens == measured.inputTokens && stored.inputTokens > 0, "\(name) \(file)")
                // A chunk without a stored count (staged by an earlier version) is read back to the same figure.
                var unmeasured = records
                unmeasured[3].inputTokens = nil
                #expect(try tokens.sent(chunks: unmeasured) == stored)
            }
        }
    }
}
