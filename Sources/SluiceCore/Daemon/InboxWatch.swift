import Foundation
import Logging

/// One pipeline's inbox as the daemon sees it: which files are settling, which are ready to claim.
struct InboxWatch {
    let pipeline: String
    let directory: String
    var tracker: SettleTracker
    var settle: Duration
    var sentinel: Bool
    /// Candidates already logged as received, so each file is announced once while it stays in the inbox.
    var announced: Set<String> = []

    init(pipeline: String, directory: String, settle: Duration, sentinel: Bool) {
        self.pipeline = pipeline
        self.directory = directory
        self.settle = settle
        self.sentinel = sentinel
        tracker = SettleTracker(settle: settle)
    }

    /// Candidate file names in the inbox now: not ignored, regular files or symbolic links (a folder named
    /// like a file is no drop, and `--once` must not wait for it).
    func listing() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { name in
            guard !IntakeNames.isIgnored(name) else { return false }
            var info = stat()
            return lstat(directory + "/" + name, &info) == 0 && FileObservation.isCandidate(mode: info.st_mode)
        }.sorted()
    }

    /// Stats every candidate (and every pending name, so vanished files are forgotten); returns the candidates
    /// not seen by an earlier scan.
    mutating func scan(now: ContinuousClock.Instant, wallNow: Date) -> [String] {
        let present = Set(listing())
        for name in present.union(tracker.pendingNames).sorted() {
            tracker.observe(name, FileObservation.observe(path: directory + "/" + name), now: now, wallNow: wallNow)
        }
        defer { announced = present }
        return present.subtracting(announced).sorted()
    }

    /// Files complete now; with `sentinel`, only those whose sentinel is there.
    mutating func ready(now: ContinuousClock.Instant) -> [String] {
        let names = tracker.ready(now: now)
        guard sentinel else { return names }
        let folderDone = FileManager.default.fileExists(atPath: directory + "/_SUCCESS")
        // The others come back at the next scan (their mtime is old by then, so they are ready at first sight).
        return names.filter {
            folderDone || FileManager.default.fileExists(atPath: directory + "/" + IntakeNames.sentinelName(for: $0))
        }
    }

    /// Removes a claimed file's sentinel, and the folder's `_SUCCESS` once nothing else is left to claim.
    func clearSentinels(after name: String) {
        guard sentinel else { return }
        unlink(directory + "/" + IntakeNames.sentinelName(for: name))
        if listing().isEmpty { unlink(directory + "/_SUCCESS") }
    }
}
