import Foundation

/// What `stat(2)` says about an inbox file.
public struct FileObservation: Sendable, Equatable {
    public var size: Int64
    /// Nanoseconds since the epoch: full precision, so two writes within a second still differ.
    public var mtimeNanos: Int64
    public var inode: UInt64

    public init(size: Int64, mtimeNanos: Int64, inode: UInt64) {
        self.size = size
        self.mtimeNanos = mtimeNanos
        self.inode = inode
    }

    /// The entry's size, mtime and inode; nil when it is missing or neither a regular file nor a symbolic link.
    ///
    /// A link is observed itself, never its target (`lstat`): it is claimed like a file and then rejected,
    /// so a link in a shared inbox can neither make Sluice read what it points at nor be waited for forever.
    public static func observe(path: String) -> FileObservation? {
        var info = stat()
        guard lstat(path, &info) == 0, isCandidate(mode: info.st_mode) else { return nil }
        return FileObservation(
            size: Int64(info.st_size),
            mtimeNanos: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec),
            inode: UInt64(info.st_ino))
    }

    /// Whether an inbox entry of this `st_mode` can become a drop: regular files and symbolic links.
    public static func isCandidate(mode: mode_t) -> Bool {
        (mode & S_IFMT) == S_IFREG || (mode & S_IFMT) == S_IFLNK
    }

    /// Whether `path` is a symbolic link (not followed).
    public static func isSymbolicLink(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFLNK
    }
}

/// Decides when a file in an inbox is complete. Pure: every instant is passed in.
///
/// Ready when it arrived by rename (writers that rename into place are done by definition), or when its
/// size, mtime and inode stayed the same for `settle`, or when at first sight its mtime is already `settle`
/// old (it sat there while the daemon was down). A future mtime (clock skew on a network share) never
/// counts as old; it is watched like any other.
public struct SettleTracker: Sendable {
    struct Pending: Sendable {
        var observation: FileObservation?
        var stableSince: ContinuousClock.Instant
        var ready: Bool
    }

    public let settle: Duration
    private var pending: [String: Pending] = [:]
    private var renamed: Set<String> = []

    public init(settle: Duration) {
        self.settle = settle
    }

    /// Names being watched.
    public var pendingNames: [String] { Array(Set(pending.keys).union(renamed)).sorted() }

    /// inotify said the file appeared by rename: ready at the next `ready` call if it is still there.
    public mutating func arrivedByRename(_ name: String) {
        renamed.insert(name)
    }

    /// Records a scan's `stat` of `name`; nil means the file is gone.
    public mutating func observe(_ name: String, _ observation: FileObservation?, now: ContinuousClock.Instant, wallNow: Date) {
        guard let observation else {
            pending[name] = nil
            renamed.remove(name)
            return
        }
        if renamed.contains(name) {
            pending[name] = Pending(observation: observation, stableSince: now, ready: true)
            return
        }
        if var known = pending[name] {
            if known.observation != observation {
                known = Pending(observation: observation, stableSince: now, ready: false)
            } else if now - known.stableSince >= settle {
                known.ready = true
            }
            pending[name] = known
            return
        }
        let ageNanos = Int64(wallNow.timeIntervalSince1970 * 1e9) - observation.mtimeNanos
        let settleNanos = settle.components.seconds * 1_000_000_000 + settle.components.attoseconds / 1_000_000_000
        let old = ageNanos >= 0 && ageNanos >= settleNanos
        pending[name] = Pending(observation: observation, stableSince: now, ready: old || settle == .zero)
    }

    /// Names ready now; each is returned once and then forgotten (the caller claims it). Readiness is only
    /// ever set by an observation: a file is not assumed unchanged just because time passed.
    public mutating func ready(now: ContinuousClock.Instant) -> [String] {
        var names: [String] = []
        for (name, entry) in pending where entry.ready {
            names.append(name)
        }
        names.sort()
        for name in names {
            pending[name] = nil
            renamed.remove(name)
        }
        return names
    }

    /// When a pending file could next become ready (the caller should `stat` it again then).
    public func nextDeadline() -> ContinuousClock.Instant? {
        pending.values.filter { !$0.ready }.map { $0.stableSince + settle }.min()
    }

    public mutating func forget(_ name: String) {
        pending[name] = nil
        renamed.remove(name)
    }
}
