import Foundation
import SluiceCore
import SluiceTesting
import Testing

@Suite struct SettleTrackerTests {
    let t0 = ContinuousClock.now
    let wall = Date(timeIntervalSince1970: 1_800_000_000)

    func obs(size: Int64, mtime: Date, inode: UInt64 = 7) -> FileObservation {
        FileObservation(size: size, mtimeNanos: Int64(mtime.timeIntervalSince1970 * 1e9), inode: inode)
    }

    @Test func aGrowingFileIsNeverReadyUntilItStopsForSettle() {
        var tracker = SettleTracker(settle: .seconds(5))
        // Appended every second for 10 s: mtime and size change at each scan.
        for second in 0..<10 {
            let now = t0 + .seconds(second)
            let mtime = wall.addingTimeInterval(Double(second))
            tracker.observe("a.csv", obs(size: Int64(100 * (second + 1)), mtime: mtime), now: now, wallNow: mtime)
            #expect(tracker.ready(now: now).isEmpty, "still growing at \(second) s")
        }
        let last = wall.addingTimeInterval(9)
        let final = obs(size: 1000, mtime: last)
        tracker.observe("a.csv", final, now: t0 + .seconds(12), wallNow: last.addingTimeInterval(3))
        #expect(tracker.ready(now: t0 + .seconds(12)).isEmpty, "only 3 s of quiet")
        #expect(tracker.nextDeadline() == t0 + .seconds(14))
        tracker.observe("a.csv", final, now: t0 + .seconds(14), wallNow: last.addingTimeInterval(5))
        #expect(tracker.ready(now: t0 + .seconds(14)) == ["a.csv"])
        #expect(tracker.ready(now: t0 + .seconds(15)).isEmpty, "returned once")
    }

    @Test func anOldFileIsReadyAtFirstSightButAFutureMtimeIsNot() {
        var tracker = SettleTracker(settle: .seconds(5))
        tracker.observe("old.csv", obs(size: 10, mtime: wall.addingTimeInterval(-60)), now: t0, wallNow: wall)
        tracker.observe("skewed.csv", obs(size: 10, mtime: wall.addingTimeInterval(3600)), now: t0, wallNow: wall)
        tracker.observe("fresh.csv", obs(size: 10, mtime: wall.addingTimeInterval(-1)), now: t0, wallNow: wall)
        #expect(tracker.ready(now: t0) == ["old.csv"])
        #expect(Set(tracker.pendingNames) == ["skewed.csv", "fresh.csv"])
    }

    @Test func arrivalByRenameIsReadyAtOnce() {
        var tracker = SettleTracker(settle: .seconds(30))
        tracker.arrivedByRename("x.csv")
        tracker.observe("x.csv", obs(size: 10, mtime: wall), now: t0, wallNow: wall)
        #expect(tracker.ready(now: t0) == ["x.csv"])
        // A rename event for a file that is gone by the scan is forgotten.
        tracker.arrivedByRename("gone.csv")
        tracker.observe("gone.csv", nil, now: t0, wallNow: wall)
        #expect(tracker.ready(now: t0).isEmpty)
        #expect(tracker.pendingNames.isEmpty)
    }

    @Test func aReplacedFileRestartsTheWait() {
        var tracker = SettleTracker(settle: .seconds(5))
        tracker.observe("r.csv", obs(size: 10, mtime: wall, inode: 1), now: t0, wallNow: wall)
        tracker.observe("r.csv", obs(size: 10, mtime: wall, inode: 2), now: t0 + .seconds(5), wallNow: wall)
        #expect(tracker.ready(now: t0 + .seconds(5)).isEmpty)
        tracker.observe("r.csv", obs(size: 10, mtime: wall, inode: 2), now: t0 + .seconds(10), wallNow: wall)
        #expect(tracker.ready(now: t0 + .seconds(10)) == ["r.csv"])
    }

    @Test func settleZeroClaimsAtFirstSight() {
        var tracker = SettleTracker(settle: .zero)
        tracker.observe("z.csv", obs(size: 1, mtime: wall), now: t0, wallNow: wall)
        #expect(tracker.ready(now: t0) == ["z.csv"])
    }
}

@Suite struct IntakeNamesTests {
    @Test func partialAndTemporaryNamesAreIgnored() {
        for name in [
            ".hidden.csv", ".tickets.csv.Ab12Cd", "a.csv.tmp", "a.csv.part", "a.CSV.PARTIAL", "a.csv.crdownload",
            "~$book.csv", "a.csv.done", "_SUCCESS", "a.csv.approve", "a.csv.swp", "a.csv~",
        ] {
            #expect(IntakeNames.isIgnored(name), "\(name)")
        }
        for name in ["tickets.csv", "tickets.csv.gz", "export.jsonl", "part-0001.ndjson.gz"] {
            #expect(!IntakeNames.isIgnored(name), "\(name)")
        }
        #expect(IntakeNames.isSentinel("_SUCCESS") && IntakeNames.isSentinel("a.csv.done"))
        #expect(IntakeNames.sentinelName(for: "a.csv") == "a.csv.done")
    }
}

@Suite struct InotifyWatcherTests {
    enum Wait: Equatable, Sendable {
        case event(InboxEvent)
        case streamFinished
        case timedOut
    }

    /// The first event matching `predicate`, the stream's end, or a timeout (a missing event fails, never hangs).
    func wait(
        _ watcher: InotifyWatcher, timeout: Duration = .seconds(10), _ predicate: @escaping @Sendable (InboxEvent) -> Bool
    ) async -> Wait {
        await withTaskGroup(of: Wait.self) { group in
            group.addTask {
                for await event in watcher.events where predicate(event) { return .event(event) }
                return Task.isCancelled ? .timedOut : .streamFinished
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return .timedOut
            }
            let first = await group.next() ?? .timedOut
            group.cancelAll()
            return first
        }
    }

    func firstEvent(_ watcher: InotifyWatcher, _ predicate: @escaping @Sendable (InboxEvent) -> Bool) async -> InboxEvent? {
        if case .event(let event) = await wait(watcher, predicate) { return event }
        return nil
    }

    @Test func closeWriteAndRenameAreToldApartPerKey() async throws {
        try await withTemporaryDirectory { dir in
            let watcher = try InotifyWatcher()
            defer { watcher.stop() }
            try FileManager.default.createDirectory(atPath: dir + "/a", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: dir + "/b", withIntermediateDirectories: true)
            try watcher.watch(directory: dir + "/a", key: "alpha")
            try watcher.watch(directory: dir + "/b", key: "beta")
            try writeFile(dir + "/a/x.csv", "id\n1\n")
            let written = await firstEvent(watcher) { $0.name == "x.csv" && $0.kind == .closedAfterWrite }
            #expect(written?.key == "alpha")
            try writeFile(dir + "/y.csv.part", "id\n1\n")
            #expect(rename(dir + "/y.csv.part", dir + "/b/y.csv") == 0)
            let moved = await firstEvent(watcher) { $0.name == "y.csv" }
            #expect(moved == InboxEvent(key: "beta", name: "y.csv", kind: .movedIn))
        }
    }

    @Test func aDeletedFolderIsReportedAndStopEndsTheStream() async throws {
        try await withTemporaryDirectory { dir in
            let watcher = try InotifyWatcher()
            try FileManager.default.createDirectory(atPath: dir + "/inbox", withIntermediateDirectories: true)
            try watcher.watch(directory: dir + "/inbox", key: "p")
            try FileManager.default.removeItem(atPath: dir + "/inbox")
            let gone = await firstEvent(watcher) { $0.kind == .directoryGone }
            #expect(gone?.key == "p")
            watcher.stop()
            // After stop the stream finishes: iterating it ends rather than waiting for events forever.
            #expect(await wait(watcher) { _ in false } == .streamFinished)
        }
    }
}
