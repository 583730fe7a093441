import Foundation
import Logging

/// `NAME.approve` files in an inbox: each approves the file NAME of that pipeline held for its budget, and is
/// removed once applied.
///
/// A daily export usually keeps its name, so a stale approval must not wave tomorrow's file through: a marker
/// is applied only to a drop named NAME that exists now (held, or claimed and not yet checked), kept while a
/// file NAME still waits in the inbox to be claimed, and otherwise removed with a notice.
struct ApprovalFiles {
    static let suffix = ".approve"

    let pipeline: String
    let directory: String

    /// The approval files in the inbox, by the name of the file each approves.
    func markers() -> [(marker: String, target: String)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.sorted().compactMap { name in
            guard !name.hasPrefix("."), name.count > Self.suffix.count, name.lowercased().hasSuffix(Self.suffix) else {
                return nil
            }
            return (name, String(name.dropLast(Self.suffix.count)))
        }
    }

    /// Applies every marker; returns the drops it released (held, now `staged`: their jobs are to be started).
    /// `waiting` lists the candidate files still in the inbox (only when there is a marker: a rescan of an idle
    /// inbox lists it once, not once more for this).
    func apply(store: StateStore, waiting listWaiting: () -> Set<String>, logger: Logger) async throws -> [Int64] {
        let found = markers()
        guard !found.isEmpty else { return [] }
        let waiting = listWaiting()
        let unfinished = try await store.unfinishedDrops().filter { $0.pipeline == pipeline }
        var released: [Int64] = []
        for (marker, target) in found {
            let named = unfinished.filter {
                $0.sourceName == target && [.claimed, .staged, .awaitingApproval].contains($0.stage)
            }
            var metadata: Logger.Metadata = ["pipeline": "\(pipeline)", "file": "\(target)", "marker": "\(marker)"]
            if named.isEmpty {
                if waiting.contains(target) { continue }  // the file is still to be claimed: keep the marker for it
                logger.notice("approval file removed: no file of that name is waiting for approval", metadata: metadata)
                unlink(directory + "/" + marker)
                continue
            }
            for drop in named {
                let outcome = try await store.approve(dropID: drop.id!, now: Date())
                metadata["drop"] = "\(drop.id!)"
                metadata["outcome"] = "\(outcome)"
                logger.notice("approved by file", metadata: metadata)
                if outcome == .released { released.append(drop.id!) }
            }
            unlink(directory + "/" + marker)
        }
        return released
    }
}
