/// Which names in an inbox are never files to process: partial downloads, editor and sync temporaries,
/// sentinels and approval markers.
public enum IntakeNames {
    static let ignoredSuffixes = [".tmp", ".part", ".partial", ".crdownload", ".swp", "~", ".done", ".approve"]

    /// True for names the daemon never claims. Dot-files cover rsync's `.name.XXXXXX` temporaries.
    public static func isIgnored(_ name: String) -> Bool {
        if name.hasPrefix(".") || name.hasPrefix("~$") || name == "_SUCCESS" { return true }
        let lower = name.lowercased()
        return ignoredSuffixes.contains { lower.hasSuffix($0) }
    }

    /// True for sentinel files: `_SUCCESS` (a whole folder is complete) or `NAME.done` (one file is).
    public static func isSentinel(_ name: String) -> Bool {
        name == "_SUCCESS" || name.lowercased().hasSuffix(".done")
    }

    /// The sentinel that marks `name` complete.
    public static func sentinelName(for name: String) -> String { name + ".done" }
}
