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
    public var logFormat: LogFormat?
    /// `--metrics-address`: `.some(nil)` turns the endpoint off.
    public var metrics: MetricsSettings??

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
        if let logFormat { result.logFormat = logFormat }
        if let metrics {
            // The address from the flag, the token variable from sluice.yaml (a secret's name is no flag).
            result.metrics = metrics.map {
                MetricsSettings(host: $0.host, port: $0.port, tokenEnv: $0.tokenEnv ?? settings.metrics?.tokenEnv)
            }
        }
        return result
    }
}
