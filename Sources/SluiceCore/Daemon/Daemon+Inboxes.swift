import Foundation
import Logging

/// The inbox watches: one per active pipeline, kept in step with the registry and the inotify watcher.
extension Daemon {
    func makeWatcher() -> InotifyWatcher? {
        guard settings.inotify else { return nil }
        do {
            return try InotifyWatcher()
        } catch {
            logger.warning("inotify unavailable; relying on the rescan", metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// Matches the inbox watches to the active pipelines (specs added, changed, paused or removed).
    func updateInboxes(_ inboxes: inout [String: InboxWatch], registry: PipelineRegistry, watcher: InotifyWatcher?) {
        let active = registry.active
        for name in inboxes.keys where active[name] == nil {
            inboxes[name] = nil
            watcher?.unwatch(key: name)
        }
        for (name, entry) in active {
            let settle = entry.spec.intake.settle ?? settings.settle
            let directory = paths.inbox(name)
            try? SluicePaths.ensureDirectory(directory)
            if let existing = inboxes[name], existing.settle == settle, existing.sentinel == entry.spec.intake.sentinel {
                // keep its settle observations
            } else {
                inboxes[name] = InboxWatch(pipeline: name, directory: directory, settle: settle, sentinel: entry.spec.intake.sentinel)
            }
            do {
                try watcher?.watch(directory: directory, key: name)
            } catch {
                logger.warning("cannot watch an inbox; relying on the rescan", metadata: ["pipeline": "\(name)", "error": "\(error)"])
            }
        }
    }
}
