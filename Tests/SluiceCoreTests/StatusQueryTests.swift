import Foundation
import SluiceTesting
import Testing

@testable import SluiceCore

/// `sluice status`'s queries against the straightforward ones, on random states: the window's drops through the
/// covering index against a filter over every drop, and `progress(dropIDs:)` against `progress(dropID:)` per drop.
@Suite struct StatusQueryTests {
    @Test(arguments: 0..<8) func theWindowIsTheDropsInFlightOrFinishedSinceNewestFirst(seed: Int) async throws {
        var random = SeededGenerator(state: UInt64(seed))
        let now = Date()
        try await withTemporaryDirectory { dir in
            let store = try StateStore(path: dir + "/state.sqlite")
            var all: [DropRecord] = []
            for n in 0..<Int.random(in: 0...120, using: &random) {
                var drop = IdleLoopTests.drop("f\(n).csv")
                let stages: [DropStage] = [.claimed, .submitted, .written, .archived, .archived, .rejected]
                drop.stage = stages.randomElement(using: &random)!
                drop.updatedAt = Bool.random(using: &random)
                    ? nil : now.addingTimeInterval(-Double.random(in: 0...200_000, using: &random))
                all.append(try await store.insertDrop(drop))
            }
            let since = now.addingTimeInterval(-86_400)
            for limit in [1, 7, 200] {
                let expected = all.filter {
                    ($0.stage != .archived && $0.stage != .rejected) || ($0.updatedAt.map { $0 >= since } ?? false)
                }.sorted { $0.id! > $1.id! }.prefix(limit).map(\.id)
                #expect(try await store.drops(finishedSince: since, limit: limit).map(\.id) == Array(expected))
            }
        }
    }

    @Test(arguments: 0..<8) func manyDropsAtOnceAgreeWithOneAtATime(seed: Int) async throws {
        var random = SeededGenerator(state: UInt64(seed))
        try await withTemporaryDirectory { dir in
            let store = try StateStore(path: dir + "/state.sqlite")
            var ids: [Int64] = []
            for n in 0..<Int.random(in: 1...40, using: &random) {
                let drop = try await store.insertDrop(IdleLoopTests.drop("f\(n).csv"))
                ids.append(drop.id!)
                // Some drops never staged; some chunks never submitted; some submitted again (a retried intent).
                let chunkCount = Int.random(in: 0...4, using: &random)
                guard chunkCount > 0 else { continue }
                let chunks = (1...chunkCount).map { seq in
                    ChunkRecord(
                        dropID: drop.id!, seq: seq, path: "/c\(seq)", requests: 1, bytes: 1, firstRow: seq, lastRow: seq)
                }
                for chunk in try await store.recordStaged(dropID: drop.id!, rowsIn: chunkCount, chunks: chunks.shuffled())
                {
                    for _ in 0..<Int.random(in: 0...3, using: &random) {
                        _ = try await store.recordIntent(chunkID: chunk.id!, dropID: drop.id!, provider: "p", now: Date())
                    }
                }
            }
            let asked = ids.filter { _ in Bool.random(using: &random) } + [9_999]
            let together = try await store.progress(dropIDs: asked)
            #expect(Set(together.keys) == Set(asked))
            for id in asked {
                let alone = try await store.progress(dropID: id)
                let many = together[id] ?? []
                #expect(many.map(\.chunk.id) == alone.map(\.chunk.id))
                #expect(many.map(\.chunk.seq) == alone.map(\.chunk.seq))
                #expect(many.map(\.batch?.id) == alone.map(\.batch?.id))
            }
        }
    }
}
