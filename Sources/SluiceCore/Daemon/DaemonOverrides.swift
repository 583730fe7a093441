import Logging

/// What `sluice run`'s flags set; nil leaves the value `sluice.yaml` (or the default) gave.
public struct DaemonOverrides: Sendable {
    public var settle: Duration?
    public var rescan: Duration?
    public var inotify: Bool?
    public var maxFiles: Int?
    public var maxUploads: Int?
    public var maxDownloads: Int?
    public var retention: Duration?
    public var logLevel: Logger.Level?

    public init() {}

    /// `settings` with every value set here put over it.
    public func applied(to settings: DaemonSettings) -> DaemonSettings {
        var result = settings
        if let settle { result.settle = settle }
        if let rescan { result.rescan = rescan }
        if let inotify { result.inotify = inotify }
        if let maxFiles { result.maxFiles = maxFiles }
        if let maxUploads { result.maxUploads = maxUploads }
        if let maxDownloads { result.maxDownloads = maxDownloads }
        if let retention { result.retention = retention }
        if let logLevel { result.logLevel = logLevel }
        return result
    }
}
