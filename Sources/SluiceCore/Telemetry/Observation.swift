import Foundation

/// What the daemon has to do at one moment, read from the inboxes and the state database: the heartbeat's
/// figures and the gauges' values. Read fresh each time, so it is right after a restart.
public struct Observation: Sendable {
    /// Candidate files waiting in each pipeline's inbox, and their bytes.
    public var backlog: [String: (files: Int, bytes: Int64)] = [:]
    /// Unfinished drops per pipeline and stage.
    public var stages: [(pipeline: String, stage: String, files: Int, rows: Int)] = []
    /// Batches of unfinished drops per provider and status.
    public var batches: [(provider: String, status: String, batches: Int, open: Int)] = []

    public var backlogFiles: Int { backlog.values.reduce(0) { $0 + $1.files } }
    public var backlogBytes: Int64 { backlog.values.reduce(0) { $0 + $1.bytes } }
    /// Files claimed and not yet archived.
    public var inFlightFiles: Int { stages.reduce(0) { $0 + $1.files } }
    /// Batches at the provider (or being created there).
    public var inFlightBatches: Int { batches.reduce(0) { $0 + $1.open } }

    public init() {}

    /// Lists every inbox under the root (a folder per pipeline) and reads the unfinished work.
    public static func load(store: StateStore, paths: SluicePaths) async throws -> Observation {
        var observation = Observation()
        observation.backlog = try await Blocking.run("sluice-backlog") { Self.backlog(inboxRoot: paths.inboxRoot) }
        observation.stages = try await store.unfinishedByStage()
        observation.batches = try await store.unfinishedBatches()
        return observation
    }

    /// Files the daemon would claim (ignored names, folders and sentinels left out), per inbox folder.
    static func backlog(inboxRoot: String) -> [String: (files: Int, bytes: Int64)] {
        var result: [String: (files: Int, bytes: Int64)] = [:]
        let pipelines = (try? FileManager.default.contentsOfDirectory(atPath: inboxRoot)) ?? []
        for pipeline in pipelines where !pipeline.hasPrefix(".") {
            let directory = inboxRoot + "/" + pipeline
            var info = stat()
            guard stat(directory, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else { continue }
            var entry: (files: Int, bytes: Int64) = (0, 0)
            for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            where !IntakeNames.isIgnored(name) {
                guard lstat(directory + "/" + name, &info) == 0, FileObservation.isCandidate(mode: info.st_mode)
                else { continue }
                entry.files += 1
                entry.bytes += Int64(info.st_size)
            }
            result[pipeline] = entry
        }
        return result
    }
}
