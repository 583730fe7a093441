import Foundation
import Logging

/// Turns files into drop rows: claimed from an inbox by the daemon, or named by `sluice process`.
public struct DropIntake: Sendable {
    public let store: StateStore
    public let paths: SluicePaths

    public init(store: StateStore, paths: SluicePaths) {
        self.store = store
        self.paths = paths
    }

    /// The drop for `sluice process FILE`: an unfinished drop of the same content and spec is resumed
    /// (a re-run after a crash or Ctrl-C pays nothing twice); otherwise a new one is recorded. The file is
    /// read where it is.
    public func drop(forProcessing path: String, spec: PipelineSpec, specText: String) async throws -> Int64 {
        let (sha, bytes) = try await Blocking.run("sluice-hash") { try FileDigest.sha256(path: path) }
        if let unfinished = try await store.unfinishedProcessDrop(
            pipeline: spec.name, sha256: sha, specSHA256: spec.sha256)
        {
            return unfinished.id!
        }
        let name = URL(fileURLWithPath: path).lastPathComponent
        let drop = try await store.insertDrop(
            DropRecord(
                key: DropRecord.newKey(), origin: .process, pipeline: spec.name, sourceName: name, sourcePath: path,
                sha256: sha, bytes: bytes, specSHA256: spec.sha256, specText: specText, receivedAt: Date()))
        return drop.id!
    }

    /// Claims `inbox/<pipeline>/<name>`: moves it into `.sluice/claimed/` (a rename on the same filesystem),
    /// hashes it and records the drop, in that order. Returns nil when the file is gone (someone else took it).
    ///
    /// A crash after the rename and before the row leaves a claimed file without a drop;
    /// `recoverClaims` finds it on the next start.
    public func claim(name: String, spec: PipelineSpec, specText: String) async throws -> Int64? {
        let key = DropRecord.newKey()
        let directory = paths.claimed(spec.name)
        try SluicePaths.ensureDirectory(directory)
        let claimed = directory + "/" + key + "--" + name
        let source = paths.inbox(spec.name) + "/" + name
        do {
            try DropJob.move(source, to: claimed)
        } catch {
            if !FileManager.default.fileExists(atPath: source) { return nil }
            throw error
        }
        return try await record(claimed: claimed, key: key, name: name, spec: spec, specText: specText)
    }

    /// Records drops for claimed files that have none (the claim was interrupted after its rename).
    public func recoverClaims(specs: [String: (spec: PipelineSpec, text: String)], logger: Logger) async throws -> [Int64] {
        let known = try await store.sourcePaths()
        var recovered: [Int64] = []
        for (pipeline, entry) in specs {
            let directory = paths.claimed(pipeline)
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { continue }
            for file in names.sorted() where !known.contains(directory + "/" + file) {
                guard let separator = file.range(of: "--") else { continue }
                let key = String(file[..<separator.lowerBound])
                let name = String(file[separator.upperBound...])
                logger.notice("recovering a claimed file with no drop record", metadata: ["file": "\(name)"])
                recovered.append(
                    try await record(
                        claimed: directory + "/" + file, key: key, name: name, spec: entry.spec, specText: entry.text))
            }
        }
        return recovered
    }

    private func record(claimed: String, key: String, name: String, spec: PipelineSpec, specText: String) async throws
        -> Int64
    {
        // A link is hashed by what it names, never read through: it is rejected before anything reads it.
        let (sha, bytes) = try await Blocking.run("sluice-hash") {
            guard FileObservation.isSymbolicLink(claimed) else { return try FileDigest.sha256(path: claimed) }
            let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: claimed)) ?? ""
            return (FileDigest.sha256(bytes: Array(("symlink:" + target).utf8)), 0)
        }
        let drop = try await store.insertDrop(
            DropRecord(
                key: key, origin: .inbox, pipeline: spec.name, sourceName: name, sourcePath: claimed, sha256: sha,
                bytes: bytes, specSHA256: spec.sha256, specText: specText, receivedAt: Date()))
        return drop.id!
    }
}

extension DropJob {
    /// `sluice process`: records (or finds the unfinished) drop of `file` and runs it to its end.
    public static func process(
        file: String, spec: PipelineSpec, specText: String, environment: DropEnvironment, reuse: ReusePolicy = .finished,
        progress: @escaping @Sendable (DropProgress) -> Void = { _ in }
    ) async throws -> DropReport {
        let path = URL(fileURLWithPath: file).standardizedFileURL.path
        let intake = DropIntake(store: environment.store, paths: environment.paths)
        var environment = environment
        environment.logger[metadataKey: "file"] = "\(URL(fileURLWithPath: path).lastPathComponent)"
        let id = try await intake.drop(forProcessing: path, spec: spec, specText: specText)
        return try await DropJob(dropID: id, spec: spec, environment: environment, reuse: reuse, progress: progress).run()
    }
}
