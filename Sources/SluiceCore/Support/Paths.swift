import Foundation

/// The working folders under a Sluice root (DESIGN.md): pipelines/, inbox/, outbox/ and .sluice/.
public struct SluicePaths: Sendable {
    public let root: String

    /// Paths under `root` (made absolute).
    public init(root: String) {
        let url = URL(fileURLWithPath: root, isDirectory: true).standardizedFileURL
        self.root = url.path
    }

    public var pipelines: String { root + "/pipelines" }
    public var state: String { root + "/.sluice" }
    public var database: String { state + "/state.sqlite" }
    public var emulatorState: String { state + "/emulator" }
    public func spec(_ pipeline: String) -> String { pipelines + "/" + pipeline + ".yaml" }
    public func inbox(_ pipeline: String) -> String { root + "/inbox/" + pipeline }
    public func outbox(_ pipeline: String) -> String { root + "/outbox/" + pipeline }
    public func dropWork(_ id: Int64) -> String { state + "/drops/" + String(id) }
    /// Where claimed sources wait while they are processed (same filesystem as the inbox: a rename).
    public func claimed(_ pipeline: String) -> String { state + "/claimed/" + pipeline }
    /// Where a finished or rejected drop's source and results are kept until retention removes them.
    public func archive(_ pipeline: String, drop id: Int64) -> String {
        state + "/archive/" + pipeline + "/" + String(id)
    }
    public var archiveRoot: String { state + "/archive" }

    /// Creates `path` and its parents if missing.
    public static func ensureDirectory(_ path: String) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
}
