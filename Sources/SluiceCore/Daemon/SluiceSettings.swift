/// What `sluice.yaml` at a root says: where the folders are and how the daemon behaves.
public struct SluiceSettings: Sendable {
    /// The root's folders, resolved.
    public var paths: SluicePaths
    /// The daemon's settings before command-line flags.
    public var daemon: DaemonSettings

    /// The defaults: DESIGN.md's folders under `root`, `DaemonSettings()`.
    public init(root: String) {
        paths = SluicePaths(root: root)
        daemon = DaemonSettings()
    }

    public init(paths: SluicePaths, daemon: DaemonSettings) {
        self.paths = paths
        self.daemon = daemon
    }
}
