import Foundation
import Logging

/// The daemon's periodic chores beside intake: the heartbeat, held files to resume, old archives to remove.
extension Daemon {
    /// Logs the backlog and the work in flight, and sets the gauges from the same reading.
    func heartbeat(store: StateStore, book: JobBook) async {
        do {
            let observation = try await Observation.load(store: store, paths: paths)
            gauges.record(observation)
            let running = await book.running.count
            logger.event(
                .heartbeat,
                [
                    "backlog_files": "\(observation.backlogFiles)", "backlog_bytes": "\(observation.backlogBytes)",
                    "in_flight_files": "\(observation.inFlightFiles)",
                    "in_flight_batches": "\(observation.inFlightBatches)", "running": "\(running)",
                ])
        } catch {
            logger.warning("cannot read the state for the heartbeat", metadata: ["error": "\(error)"])
        }
    }

    /// Held drops whose job should run again: approved meanwhile (by `sluice approve`: the stage is no longer
    /// `awaiting-approval`), or all of them when the UTC day changed (a daily hold may fit the new day).
    /// Without `changed` (nothing committed since the last look) no approval can have come: only the day is looked at.
    func heldToResume(store: StateStore, book: JobBook, day: inout String, changed: Bool) async throws
        -> [Int64]
    {
        let parked = await book.parked
        guard !parked.isEmpty else { return [] }
        let today = SpendDay.of(Date())
        if today != day {
            day = today
            return parked.sorted()
        }
        guard changed else { return [] }
        let stages = try await store.stages(of: Array(parked))
        return parked.sorted().filter { stages[$0] != nil && stages[$0] != .awaitingApproval }
    }

    /// Removes archives older than the retention setting.
    func purgeArchives(store: StateStore) async {
        let cutoff = Date().addingTimeInterval(-Double(settings.retention.components.seconds))
        do {
            for drop in try await store.archives(before: cutoff) {
                try? FileManager.default.removeItem(atPath: paths.archive(drop.pipeline, drop: drop.id!))
                try await store.updateDrop(id: drop.id!) {
                    $0.sourcePath = ""
                    $0.resultsDir = nil
                }
                logger.info("archive removed after retention", metadata: ["drop": "\(drop.id!)", "file": "\(drop.sourceName)"])
            }
        } catch {
            logger.warning("cannot purge old archives", metadata: ["error": "\(error)"])
        }
    }
}
