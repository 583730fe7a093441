import Foundation
import Logging

/// The pipelines the daemon serves: `pipelines/*.yaml`, re-read when a file changes.
///
/// A spec that fails to load pauses its pipeline (its inbox is left alone) and is reported once per
/// change; the other pipelines run on.
public struct PipelineRegistry: Sendable {
    /// One spec file as last seen.
    public struct Entry: Sendable {
        public var name: String
        /// The loaded spec and its text; nil while the file is broken (the pipeline is paused).
        public var loaded: (spec: PipelineSpec, text: String)?
        public var problems: [String]
        var signature: FileSignature
    }

    struct FileSignature: Equatable, Sendable {
        var size: Int64
        var mtimeNanos: Int64
        var inode: UInt64
    }

    let paths: SluicePaths
    public private(set) var entries: [String: Entry] = [:]

    public init(paths: SluicePaths) {
        self.paths = paths
    }

    /// Pipelines whose spec loaded.
    public var active: [String: (spec: PipelineSpec, text: String)] {
        entries.compactMapValues(\.loaded)
    }

    /// Names of paused pipelines.
    public var paused: [String] { entries.values.filter { $0.loaded == nil }.map(\.name).sorted() }

    /// Re-reads changed, new and removed spec files; returns the names whose state changed.
    @discardableResult
    public mutating func refresh(logger: Logger) -> [String] {
        var seen: Set<String> = []
        var changed: [String] = []
        let names = (try? FileManager.default.contentsOfDirectory(atPath: paths.pipelines)) ?? []
        for file in names.sorted() where file.hasSuffix(".yaml") || file.hasSuffix(".yml") {
            // prices.yaml sits beside the specs but is the price table, not a pipeline.
            guard !file.hasPrefix("."), !file.hasPrefix("_"), file != PriceTable.fileName else { continue }
            let name = String(file[..<file.lastIndex(of: ".")!])
            let path = paths.pipelines + "/" + file
            guard let signature = Self.signature(path) else { continue }
            seen.insert(name)
            if let entry = entries[name], entry.signature == signature { continue }
            changed.append(name)
            do {
                let loaded = try SpecLoader.read(path: path)
                let verb = entries[name] == nil ? "pipeline loaded" : "pipeline spec changed"
                entries[name] = Entry(name: name, loaded: loaded, problems: [], signature: signature)
                logger.info("\(verb)", metadata: ["pipeline": "\(name)", "provider": "\(loaded.spec.provider.rawValue)"])
            } catch {
                let problems = error.problems.map(\.description)
                entries[name] = Entry(name: name, loaded: nil, problems: problems, signature: signature)
                logger.error(
                    "pipeline paused: its spec has problems",
                    metadata: ["pipeline": "\(name)", "problems": "\(problems.joined(separator: "; "))"])
            }
        }
        for name in entries.keys where !seen.contains(name) {
            entries[name] = nil
            changed.append(name)
            logger.notice("pipeline removed: its spec is gone", metadata: ["pipeline": "\(name)"])
        }
        return changed
    }

    static func signature(_ path: String) -> FileSignature? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return FileSignature(
            size: Int64(info.st_size), mtimeNanos: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec),
            inode: UInt64(info.st_ino))
    }
}
