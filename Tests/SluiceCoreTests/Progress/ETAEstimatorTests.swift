import Foundation
import SluiceJSON
import Testing

@testable import SluiceCore

/// The ETA from provider progress, the tracker folding engine events into frames, and status's file progress.
@Suite struct ETAEstimatorTests {
    @Test func theETAIsWhatIsLeftAtTheRateSinceSubmission() throws {
        var eta = ETAEstimator()
        eta.begin(at: 10)
        #expect(eta.secondsLeft(now: 10) == nil)
        eta.observe(at: 20, done: 0, total: 1000)
        #expect(eta.secondsLeft(now: 20) == nil)  // nothing answered yet: no rate
        // 200 requests in the 40 s since submission: 5 a second, 800 left: 160 s.
        eta.observe(at: 50, done: 200, total: 1000)
        #expect(eta.rate == 5)
        #expect(eta.secondsLeft(now: 50) == 160)
        // Between polls it counts down with the clock, and stops at zero.
        #expect(eta.secondsLeft(now: 60) == 150)
        #expect(eta.secondsLeft(now: 500) == 0)
        eta.observe(at: 70, done: 1000, total: 1000)
        #expect(eta.secondsLeft(now: 70) == 0)
        // A second begin (a later submission) does not move the baseline.
        eta.begin(at: 65)
        #expect(eta.baselineAt == 10)
    }

    @Test func aResumedRunTimesOnlyWhatFinishesWhileItWatches() {
        var eta = ETAEstimator()
        // 600 of 1000 were done before this process started: they say nothing about its rate.
        eta.observe(at: 0, done: 600, total: 1000)
        #expect(eta.secondsLeft(now: 1) == nil)
        eta.observe(at: 10, done: 700, total: 1000)
        #expect(eta.secondsLeft(now: 10) == 30)
    }

    static func snapshot(_ id: String, _ state: BatchState, total: Int, done: Int) -> BatchSnapshot {
        BatchSnapshot(id: id, state: state, providerStatus: state.rawValue, total: total, succeeded: done, failed: 0)
    }

    @Test func theTrackerFollowsADropThroughItsPhases() throws {
        var tracker = DropProgressTracker(name: "t.csv", plainSourceBytes: 4_000_000)
        let moved1 = tracker.apply(.staging(rows: 16384, bytesRead: 2_000_000), at: 0.5)
        #expect(moved1)
        var frame = tracker.frame(now: 0.5)
        #expect(frame.phase == .staging && frame.fraction == 0.5)
        #expect(frame.counts == "16384 rows read, 4.0 MB/s")
        let moved2 = tracker.apply(.staging(rows: 32768, bytesRead: 4_000_000), at: 1)
        #expect(!moved2)
        let moved3 = tracker.apply(.staged(rows: 40000, chunks: 2, failed: 3), at: 1)
        #expect(moved3)
        frame = tracker.frame(now: 1)
        #expect(frame.phase == .submitting && frame.counts == "40000 rows (3 failed)" && frame.batches == "batches 0/2 sent")
        let moved4 = tracker.apply(.submitted(chunk: 1, of: 2, batchID: "b1"), at: 2)
        #expect(!moved4)
        let moved5 = tracker.apply(.submitted(chunk: 2, of: 2, batchID: "b2"), at: 3)
        #expect(!moved5)
        #expect(tracker.frame(now: 3).fraction == 1)
        let polled = tracker.apply(.polled(batches: [Self.snapshot("b1", .inProgress, total: 20000, done: 0),
                                                     Self.snapshot("b2", .validating, total: 20000, done: 0)]), at: 4)
        #expect(polled)
        frame = tracker.frame(now: 4)
        #expect(frame.phase == .waiting && frame.showsETA && frame.eta == nil && frame.plain.hasSuffix("ETA —"))
        // 10000 answered in the 10 s since the first submission (t=2): 1000/s, 30000 left.
        tracker.apply(.polled(batches: [Self.snapshot("b1", .completed, total: 20000, done: 10000),
                                        Self.snapshot("b2", .inProgress, total: 20000, done: 0)]), at: 12)
        frame = tracker.frame(now: 14)
        #expect(frame.counts == "10000/40000 requests" && frame.batches == "batches 1/2")
        #expect(frame.fraction == 0.25 && frame.eta == 28)
        let writing = tracker.apply(.assembling, at: 20)
        #expect(writing && tracker.frame(now: 20).phase == .writing)
        let moved6 = tracker.apply(.written(manifestPath: "m"), at: 21)
        #expect(moved6)
        frame = tracker.frame(now: 21)
        #expect(frame.phase == .done && frame.fraction == 1 && frame.plain == "t.csv: done: 40000 rows, batches 1/2, elapsed 21s")
    }

    @Test func aFilesProgressComesFromItsRecordedBatchCounts() {
        let t0 = Date(timeIntervalSince1970: 1_000_000)
        func chunk(_ seq: Int, requests: Int) -> ChunkRecord {
            ChunkRecord(dropID: 1, seq: seq, path: "c\(seq)", requests: requests, bytes: 1, firstRow: 1, lastRow: requests)
        }
        func batch(_ state: BatchStage, total: Int, done: Int, created: Double, updated: Double) -> BatchRecord {
            BatchRecord(
                id: nil, chunkID: 1, provider: "openai", providerBatchID: "b", inputFileID: nil, state: state,
                providerStatus: nil, total: total, succeeded: done, failed: 0, resultPaths: nil, resultFileIDs: nil,
                lastError: nil, createdAt: t0 + created, updatedAt: t0 + updated)
        }
        var drop = DropRecord(
            key: "k", origin: .inbox, pipeline: "p", sourceName: "f.csv", sourcePath: "/f.csv", sha256: "x", bytes: 1,
            specSHA256: "y", specText: nil, receivedAt: t0)
        drop.id = 1
        drop.stage = .submitted
        let file = StatusReport.File(
            drop: drop,
            progress: [
                ChunkProgress(chunk: chunk(1, requests: 100), batch: batch(.downloaded, total: 100, done: 100, created: 0, updated: 20)),
                // Not polled yet: its total is the chunk's.
                ChunkProgress(chunk: chunk(2, requests: 100), batch: batch(.submitted, total: 0, done: 0, created: 1, updated: 1)),
                ChunkProgress(chunk: chunk(3, requests: 50), batch: nil),
            ])
        // 100 answered in the 20 s from the first batch's creation to the last count change: 5/s, 150 left.
        let progress = FileProgress(file: file, now: t0 + 25)
        #expect(progress.requestsDone == 100 && progress.requestsTotal == 250)
        #expect(progress.batchesFinished == 1 && progress.batchesTotal == 3)
        #expect(progress.etaSeconds == 25)
        #expect(progress.json["eta_seconds"] == .int(25))
        // Written: nothing at the provider, no ETA.
        var written = file
        written.drop.stage = .written
        #expect(FileProgress(file: written, now: t0 + 25).etaSeconds == nil)
        #expect(FileProgress(file: written, now: t0 + 25).json["eta_seconds"] == .null)
    }
}
