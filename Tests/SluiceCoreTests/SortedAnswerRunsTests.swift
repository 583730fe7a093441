import Foundation
import GRDB
import SluiceTesting
import Testing

@testable import SluiceCore

/// The key-ordered store of answers against the straightforward ways: a dictionary sorted at the end, and
/// per-row INSERT OR REPLACE in the order answers came.
@Suite struct SortedAnswerRunsTests {
    /// Random entries over a small pool of keys, so many repeat (with a different answer each time).
    static func entries(count: Int, keys: Int, seed: UInt64) -> [AnswerEntry] {
        var random = SeededGenerator(state: seed)
        let pool = (0..<keys).map { _ in RequestKey(bytes: (0..<32).map { _ in UInt8.random(in: 0...255, using: &random) }) }
        return (0..<count).map { i in
            let length = Int.random(in: 0...300, using: &random)
            let output = #"{"n":\#(i),"s":""# + String(repeating: "é", count: length / 2) + #""}"#
            return AnswerEntry(
                key: pool[Int.random(in: 0..<keys, using: &random)], output: output,
                inputTokens: Int.random(in: 0...100_000, using: &random), outputTokens: i)
        }
    }

    /// What the runs must give: the last entry of each key, in byte order of the keys.
    static func expected(_ entries: [AnswerEntry]) -> [AnswerEntry] {
        var last: [RequestKey: AnswerEntry] = [:]
        for entry in entries { last[entry.key] = entry }
        return last.values.sorted { $0.key.bytes.lexicographicallyPrecedes($1.key.bytes) }
    }

    static func drained(_ runs: SortedAnswerRuns) throws -> [AnswerEntry] {
        var merge = try runs.drain()
        var out: [AnswerEntry] = []
        while let entry = try merge.next() { out.append(entry) }
        return out
    }

    static func same(_ a: [AnswerEntry], _ b: [AnswerEntry]) -> Bool {
        a.count == b.count
            && zip(a, b).allSatisfy {
                $0.key == $1.key && $0.output == $1.output && $0.inputTokens == $1.inputTokens
                    && $0.outputTokens == $1.outputTokens
            }
    }

    @Test(arguments: [1, 200, 5_000, 1 << 20])
    func mergedRunsMatchASortOfTheLastAnswers(runBytes: Int) async throws {
        try await withTemporaryDirectory { dir in
            for seed in UInt64(1)...8 {
                let entries = Self.entries(count: Int(seed) * 97, keys: Int(seed) * 31, seed: seed)
                // Read-ahead of a byte, or of a few records: records straddle every refill.
                let runs = SortedAnswerRuns(directory: dir, runBytes: runBytes, mergeBytes: seed % 2 == 1 ? 1 : 900)
                for entry in entries { try runs.add(entry) }
                #expect(Self.same(try Self.drained(runs), Self.expected(entries)), "seed \(seed)")
                // Drained, the buffer starts over empty.
                #expect(try Self.drained(runs).isEmpty)
            }
            // The spill file was unlinked as soon as it was made: nothing is left beside the database.
            let left = try FileManager.default.contentsOfDirectory(atPath: dir)
            #expect(left.filter { $0.hasPrefix(SortedAnswerRuns.spillPrefix) }.isEmpty)
        }
    }

    @Test func leftoverSpillFilesAreRemoved() async throws {
        try await withTemporaryDirectory { dir in
            let leftover = dir + "/" + SortedAnswerRuns.spillPrefix + "crashed"
            _ = FileManager.default.createFile(atPath: leftover, contents: Data([1, 2, 3]))
            _ = FileManager.default.createFile(atPath: dir + "/state.sqlite-keep", contents: Data([1]))
            SortedAnswerRuns.removeLeftovers(in: dir)
            let left = try FileManager.default.contentsOfDirectory(atPath: dir)
            #expect(left == ["state.sqlite-keep"])
        }
    }

    /// The table's rows, but for the time each was stored.
    static func contents(_ store: StateStore) throws -> [Row] {
        try store.queue.read { db in
            try Row.fetchAll(
                db, sql: "SELECT key, pipeline, model, output, inputTokens, outputTokens FROM result_cache ORDER BY key")
        }
    }

    @Test(arguments: [1, 3_000, 4 << 20])
    func theBufferStoresWhatPerRowReplacementWould(runBytes: Int) async throws {
        try await withTemporaryDirectory { dir in
            let sorted = try StateStore(path: dir + "/sorted.sqlite")
            let plain = try StateStore(path: dir + "/plain.sqlite")
            // Two drops: the second into a filled table, answering some of the first one's keys again.
            let drops = [
                Self.entries(count: 4_000, keys: 3_000, seed: 11),
                Self.entries(count: 700, keys: 500, seed: 11) + Self.entries(count: 5_000, keys: 3_500, seed: 12),
            ]
            for entries in drops {
                let buffer = AnswerBuffer(store: sorted, pipeline: "tickets", model: "m", runBytes: runBytes)
                for entry in entries { try buffer.add(entry) }
                try buffer.flush()
                #expect(buffer.stored == Self.expected(entries).count)
                // As assembly stored before: per-row INSERT OR REPLACE in the order answers came, 2,000 a transaction.
                for start in stride(from: 0, to: entries.count, by: 2000) {
                    try plain.storeAnswers(
                        Array(entries[start..<min(start + 2000, entries.count)]), pipeline: "tickets", model: "m")
                }
            }
            let (a, b) = (try Self.contents(sorted), try Self.contents(plain))
            #expect(a.count == b.count)
            #expect(a == b)
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir).allSatisfy {
                !$0.hasPrefix(SortedAnswerRuns.spillPrefix)
            })
        }
    }
}
