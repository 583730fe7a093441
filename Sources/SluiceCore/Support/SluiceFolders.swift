/// Where the working folders sit, as `sluice.yaml`'s `folders:` names them: relative to the root, or absolute.
///
/// The defaults are DESIGN.md's layout; a root without `sluice.yaml` uses them.
public struct SluiceFolders: Sendable, Equatable {
    /// Pipeline specs (`NAME.yaml`) and `prices.yaml`.
    public var pipelines = "pipelines"
    /// Holds one drop folder per pipeline.
    public var inbox = "inbox"
    /// Holds one result folder per pipeline.
    public var outbox = "outbox"
    /// The state database, claimed sources, work folders and archives. Keep it on a local disk; on the
    /// inbox's filesystem a claim is a rename, elsewhere a copy.
    public var state = ".sluice"

    public init() {}
}
