import Foundation

/// The working folders under a Sluice root (DESIGN.md): pipelines/, inbox/, outbox/ and .sluice/, or where
/// `sluice.yaml`'s `folders:` puts them.
public struct SluicePaths: Sendable {
    /// The name of the optional settings file at the root.
    public static let settingsFileName = "sluice.yaml"

    public let root: String
    public let pipelines: String
    public let state: String
    /// The folder holding `NAME/` per pipeline for drops.
    public let inboxRoot: String
    /// The folder holding `NAME/` per pipeline for results.
    public let outboxRoot: String

    /// Paths under `root` (made absolute); `folders` relative to it, or absolute.
    public init(root: String, folders: SluiceFolders = SluiceFolders()) {
        let url = URL(fileURLWithPath: root, isDirectory: true).standardizedFileURL
        self.root = url.path
        func resolve(_ folder: String) -> String {
            URL(fileURLWithPath: folder, isDirectory: true, relativeTo: url).standardizedFileURL.path
        }
        pipelines = resolve(folders.pipelines)
        state = resolve(folders.state)
        inboxRoot = resolve(folders.inbox)
        outboxRoot = resolve(folders.outbox)
    }

    /// `sluice.yaml` at the root (it may not exist).
    public var settingsFile: String { root + "/" + Self.settingsFileName }
    public var database: String { state + "/state.sqlite" }
    public var emulatorState: String { state + "/emulator" }
    public func spec(_ pipeline: String) -> String { pipelines + "/" + pipeline + ".yaml" }
    public func inbox(_ pipeline: String) -> String { inboxRoot + "/" + pipeline }
    public func outbox(_ pipeline: String) -> String { outboxRoot + "/" + pipeline }
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
