import Foundation
import SluiceJSON
import SluiceRecords
import SluiceTesting
import Testing

@testable import SluiceCore

/// Answers held in memory, standing in for the state database's result cache.
final class MemoryAnswers: AnswerLookup, @unchecked Sendable {
    var answers: [RequestKey: CachedAnswer] = [:]
    func answer(for key: RequestKey, notBefore: Date?) throws -> CachedAnswer? {
        guard let found = answers[key] else { return nil }
        if let notBefore, found.createdAt < notBefore { return nil }
        return found
    }
    func hasAnswers() throws -> Bool { !answers.isEmpty }
}

@Suite struct DedupeTests {
    let spec = try! SpecLoader.parse(yaml: validSpec, name: "tickets", file: "tickets.yaml")

    func success(_ id: String, content: String) -> String { openAISuccessLine(id, content: content) }

    /// T3 and T6 repeat T1's request, T4 repeats T2's.
    let csv =
        "ticket_id,subject,body\r\n" + "T1,a,b\r\n" + "T2,c,d\r\n" + "T3,a,b\r\n" + "T4,c,d\r\n" + "T5,e,f\r\n"
        + "T6,a,b\r\n"

    func key(_ spec: PipelineSpec, subject: String, body: String) -> RequestKey {
        var out: [UInt8] = []
        let ok = OpenAIRequestFormat.line(for: spec).render(customID: "r99", into: &out) { index, out in
            out.append(contentsOf: (index == 0 ? subject : body).utf8)
            return true
        }
        precondition(ok)
        return RequestKeying(spec: spec).key(line: out[...])
    }

    @Test func theKeyIgnoresTheCustomIDAndNamesProviderAndRequest() throws {
        let k1 = key(spec, subject: "a", body: "b")
        var other: [UInt8] = []
        _ = OpenAIRequestFormat.line(for: spec).render(customID: "r1-3", into: &other) { index, out in
            out.append(contentsOf: (index == 0 ? "a" : "b").utf8)
            return true
        }
        #expect(RequestKeying(spec: spec).key(line: other[...]) == k1)
        #expect(key(spec, subject: "a", body: "c") != k1)
        var otherModel = spec
        otherModel.model = "gpt-4o"
        #expect(key(otherModel, subject: "a", body: "b") != k1)
        var otherProvider = spec
        otherProvider.provider = .openai
        #expect(key(otherProvider, subject: "a", body: "b") != k1)
        var compatibleA = spec
        compatibleA.provider = .openaiCompatible
        compatibleA.baseURL = "http://a.example/v1"
        var compatibleB = compatibleA
        compatibleB.baseURL = "http://b.example/v1"
        #expect(key(compatibleA, subject: "a", body: "b") != key(compatibleB, subject: "a", body: "b"))
        #expect(RequestKey(hex: k1.hex) == k1)
        #expect(RequestKey(hex: "zz") == nil)
    }

    @Test func repeatsAreSentOnceAndTakeTheirFirstRowsFateSuccessOrFailure() async throws {
        try await withTemporaryDirectory { dir in
            try writeFile(dir + "/in.csv", csv)
            let line = OpenAIRequestFormat.line(for: spec)
            let stager = Stager(
                spec: spec, line: line, providerMaxBytes: 200_000_000, providerMaxRequests: 50_000,
                dedupe: StagingDedupe.forSpec(spec, cache: nil))
            let staged = try stager.stage(sourcePath: dir + "/in.csv", fileName: "in.csv", directory: dir)
            #expect(staged.rowsIn == 6)
            #expect(staged.dedupedRows == 3)
            #expect(try RetryPlanner.rows(inChunk: staged.chunks[0].path) == [1, 2, 5])

            // r1 succeeds, r2 fails at the provider, r5 succeeds.
            let output = [
                success("r1", content: #"{"category":"billing","urgency":2}"#),
                success("r5", content: #"{"category":"shipping","urgency":5}"#),
            ].joined(separator: "\n") + "\n"
            let errors = #"{"id":"batch_req_2","custom_id":"r2","response":{"status_code":400,"request_id":"x","body":{"error":{"message":"bad","type":"invalid_request_error","param":null,"code":null}}},"error":null}"# + "\n"
            try writeFile(dir + "/out.jsonl", output)
            try writeFile(dir + "/err.jsonl", errors)
            let snapshot = BatchSnapshot(id: "batch_1", state: .completed, providerStatus: "completed", total: 3)
            try ResultCollector(interpreter: OutputInterpreter(spec: spec)).collect(
                resultFiles: [dir + "/out.jsonl", dir + "/err.jsonl"], snapshot: snapshot, rows: 1...5,
                only: [1, 2, 5], into: dir + "/outcomes.jsonl")

            let outbox = dir + "/outbox"
            try SluicePaths.ensureDirectory(outbox)
            nonisolated(unsafe) var answers: [AnswerEntry] = []
            let result = try Assembler(spec: spec, line: line).assemble(
                sourcePath: dir + "/in.csv", fileName: "in.csv", workDirectory: dir,
                chunks: [(1, 5, 1, dir + "/outcomes.jsonl")], outbox: outbox,
                answers: (RequestKeying(spec: spec), { answers.append($0) }))
            #expect(result.rowsIn == 6)
            #expect(result.deduped == 3)
            #expect(result.succeeded == 4)
            #expect(result.failed == 2)
            #expect(result.inputTokens == 20, "repeats cost nothing")
            let enriched = try String(contentsOfFile: outbox + "/in.enriched.csv", encoding: .utf8)
            #expect(
                enriched == "ticket_id,subject,body,ai_category,ai_urgency\r\n" + "T1,a,b,billing,2\r\n"
                    + "T3,a,b,billing,2\r\n" + "T5,e,f,shipping,5\r\n" + "T6,a,b,billing,2\r\n")
            let failures = try readLines(outbox + "/in.failures.jsonl").map { try JSONParser.parse($0) }
            #expect(failures.map { $0["id"] } == ["T2", "T4"])
            #expect(failures[1]["error"]?["code"] == failures[0]["error"]?["code"])
            #expect(failures[1]["error"]?["message"]?.stringValue?.contains("the same request as row 2") == true)
            #expect(failures[1]["record"] == ["ticket_id": "T4", "subject": "c", "body": "d"])

            // Only answers that were sent for go to the cache, each under the key its request renders to.
            #expect(answers.map(\.key) == [key(spec, subject: "a", body: "b"), key(spec, subject: "e", body: "f")])
            #expect(try JSONParser.parse(answers[0].output) == ["category": "billing", "urgency": 2])
            #expect(answers[0].inputTokens == 10)
        }
    }

    @Test func cachedAnswersAreNotSentAndRepeatsOfThemFollow() async throws {
        try await withTemporaryDirectory { dir in
            try writeFile(dir + "/in.csv", csv)
            let cache = MemoryAnswers()
            let now = Date()
            cache.answers[key(spec, subject: "a", body: "b")] = CachedAnswer(
                output: #"{"category":"no","urgency":1}"#, createdAt: now)
            cache.answers[key(spec, subject: "e", body: "f")] = CachedAnswer(
                output: #"{"category":"yes","urgency":4}"#, createdAt: now.addingTimeInterval(-7200))
            var withTTL = spec
            withTTL.cache.ttl = .seconds(3600)
            let line = OpenAIRequestFormat.line(for: spec)
            let stager = Stager(
                spec: withTTL, line: line, providerMaxBytes: 200_000_000, providerMaxRequests: 50_000,
                dedupe: StagingDedupe.forSpec(withTTL, cache: cache, now: now))
            let staged = try stager.stage(sourcePath: dir + "/in.csv", fileName: "in.csv", directory: dir)
            #expect(staged.cachedRows == 1)
            #expect(staged.dedupedRows == 3)
            // T5's answer is two hours old, past the one-hour ttl: it is sent.
            #expect(try RetryPlanner.rows(inChunk: staged.chunks[0].path) == [2, 5])

            let output = [
                success("r2", content: #"{"category":"billing","urgency":3}"#),
                success("r5", content: #"{"category":"shipping","urgency":5}"#),
            ].joined(separator: "\n") + "\n"
            try writeFile(dir + "/out.jsonl", output)
            let snapshot = BatchSnapshot(id: "batch_1", state: .completed, providerStatus: "completed", total: 2)
            try ResultCollector(interpreter: OutputInterpreter(spec: spec)).collect(
                resultFiles: [dir + "/out.jsonl"], snapshot: snapshot, rows: 2...5, only: [2, 5],
                into: dir + "/outcomes.jsonl")
            let outbox = dir + "/outbox"
            try SluicePaths.ensureDirectory(outbox)
            let result = try Assembler(spec: spec, line: line).assemble(
                sourcePath: dir + "/in.csv", fileName: "in.csv", workDirectory: dir,
                chunks: [(2, 5, 1, dir + "/outcomes.jsonl")], outbox: outbox)
            #expect(result.cached == 1)
            #expect(result.deduped == 3)
            #expect(result.succeeded == 6)
            let enriched = try String(contentsOfFile: outbox + "/in.enriched.csv", encoding: .utf8)
            #expect(
                enriched == "ticket_id,subject,body,ai_category,ai_urgency\r\n" + "T1,a,b,no,1\r\n"
                    + "T2,c,d,billing,3\r\n" + "T3,a,b,no,1\r\n" + "T4,c,d,billing,3\r\n" + "T5,e,f,shipping,5\r\n"
                    + "T6,a,b,no,1\r\n")
        }
    }

    @Test func withoutDedupeEveryRowIsSent() async throws {
        try await withTemporaryDirectory { dir in
            try writeFile(dir + "/in.csv", csv)
            var off = spec
            off.dedupe = false
            off.cache.enabled = false
            #expect(StagingDedupe.forSpec(off, cache: MemoryAnswers()) == nil)
            let stager = Stager(
                spec: off, line: OpenAIRequestFormat.line(for: off), providerMaxBytes: 200_000_000,
                providerMaxRequests: 50_000, dedupe: StagingDedupe.forSpec(off, cache: nil))
            let staged = try stager.stage(sourcePath: dir + "/in.csv", fileName: "in.csv", directory: dir)
            #expect(staged.chunks[0].requests == 6)
            #expect(!FileManager.default.fileExists(atPath: dir + "/" + RowReference.fileName))
        }
    }

    @Test func theStoreKeepsAnswersByKeyWithAgeAndPrunes() async throws {
        try await withTemporaryDirectory { dir in
            let store = try StateStore(path: dir + "/state.sqlite")
            #expect(try store.hasAnswers() == false)
            let a = key(spec, subject: "a", body: "b")
            let b = key(spec, subject: "c", body: "d")
            let old = Date().addingTimeInterval(-86400 * 10)
            try store.storeAnswers([AnswerEntry(key: a, output: #"{"x":1}"#, inputTokens: 3, outputTokens: 4)],
                pipeline: "tickets", model: "m", at: old)
            try store.storeAnswers([AnswerEntry(key: b, output: #"{"x":2}"#, inputTokens: 5, outputTokens: 6)],
                pipeline: "other", model: "m")
            #expect(try store.answer(for: a, notBefore: nil)?.output == #"{"x":1}"#)
            #expect(try store.answer(for: a, notBefore: Date().addingTimeInterval(-86400)) == nil)
            #expect(try store.answer(for: b, notBefore: Date().addingTimeInterval(-86400))?.output == #"{"x":2}"#)
            // Answered again: the newer answer replaces the older.
            try store.storeAnswers([AnswerEntry(key: a, output: #"{"x":3}"#, inputTokens: 3, outputTokens: 4)],
                pipeline: "tickets", model: "m")
            #expect(try store.answer(for: a, notBefore: Date().addingTimeInterval(-86400))?.output == #"{"x":3}"#)
            let stats = try await store.cacheStats()
            #expect(stats.pipelines.map(\.pipeline) == ["other", "tickets"])
            #expect(stats.entries == 2)
            #expect(try await store.pruneCache(pipeline: "tickets", before: Date().addingTimeInterval(-60)) == 0)
            #expect(try await store.pruneCache(pipeline: "tickets", before: nil) == 1)
            #expect(try await store.pruneCache(pipeline: nil, before: nil) == 1)
            #expect(try store.hasAnswers() == false)
        }
    }
}
