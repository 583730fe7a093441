import Foundation

/// A drop's answers gathered in bounded memory and given back in key order, one per key (the last added wins):
/// what lets the result cache be written sequentially.
///
/// Why: the cache's B-tree is keyed by random SHA-256 digests, so answers stored in row order dirty a random
/// leaf each; at 1M rows SQLite rewrote gigabytes of pages for 262 MB of data (issue 8). In key order a fresh
/// table grows at its right edge and an existing one is touched leaf by leaf, each once.
///
/// Entries are packed into an arena as records (`key` 32 bytes, input and output tokens 8 bytes each, output length
/// 4 bytes, output UTF-8); when the arena passes `runBytes` it is sorted and appended to a spill file as a run.
/// `drain()` merges the runs with whatever is still in memory. The spill file is unlinked as soon as it is
/// created, so it goes away with the descriptor, even after a crash.
final class SortedAnswerRuns {
    /// Where the spill file is created (beside the state database: local disk, the same filesystem).
    let directory: String
    /// Arena bytes above which a sorted run is spilled.
    let runBytes: Int
    /// Read-ahead shared by all runs during the merge.
    let mergeBytes: Int
    private var arena: [UInt8] = []
    private var index: [(key: AnswerKeyWords, offset: Int)] = []
    private var spill: SpillFile?
    private var runs: [Range<Int>] = []

    static let spillPrefix = ".sluice-answers-"
    static let headerBytes = 32 + 8 + 8 + 4

    init(directory: String, runBytes: Int = 2 << 20, mergeBytes: Int = 2 << 20) {
        self.directory = directory
        self.runBytes = max(1, runBytes)
        self.mergeBytes = mergeBytes
    }

    /// Entries added since the last `drain()`, duplicates included.
    private(set) var count = 0

    func add(_ entry: AnswerEntry) throws {
        index.append((AnswerKeyWords(entry.key.bytes), arena.count))
        arena.append(contentsOf: entry.key.bytes)
        Self.appendWord(UInt64(bitPattern: Int64(entry.inputTokens)), 8, to: &arena)
        Self.appendWord(UInt64(bitPattern: Int64(entry.outputTokens)), 8, to: &arena)
        let output = entry.output.utf8
        Self.appendWord(UInt64(output.count), 4, to: &arena)
        arena.append(contentsOf: output)
        count += 1
        if arena.count >= runBytes { try spillRun() }
    }

    /// Every entry added, in key order, the last added for each key; the buffer is empty again afterwards.
    func drain() throws -> AnswerRunMerge {
        var sources: [AnswerRunReader] = []
        if let spill {
            let share = max(1, mergeBytes / max(1, runs.count))
            for run in runs { sources.append(AnswerRunReader(spill: spill, range: run, readAhead: share)) }
        }
        if !index.isEmpty { sources.append(AnswerRunReader(memory: sortedRun())) }
        let merge = try AnswerRunMerge(sources: sources)
        // The readers keep the spill file open while they need it; a new drop spills into a new one.
        spill = nil
        runs.removeAll()
        arena.removeAll(keepingCapacity: false)
        index.removeAll(keepingCapacity: false)
        count = 0
        return merge
    }

    /// The arena's records in key order, one per key (the last added), as one run's bytes.
    private func sortedRun() -> [UInt8] {
        // Offsets grow in the order entries came, so they break ties: the last of equal keys sorts last.
        index.sort { $0.key < $1.key || ($0.key == $1.key && $0.offset < $1.offset) }
        var run: [UInt8] = []
        run.reserveCapacity(arena.count)
        for i in index.indices where i + 1 == index.count || index[i + 1].key != index[i].key {
            let start = index[i].offset
            let length = Int(Self.word(arena, at: start + 48, 4))
            run.append(contentsOf: arena[start..<start + Self.headerBytes + length])
        }
        return run
    }

    private func spillRun() throws {
        let run = sortedRun()
        if spill == nil { spill = try SpillFile(directory: directory, prefix: Self.spillPrefix) }
        let start = try spill!.append(run)
        runs.append(start..<start + run.count)
        arena.removeAll(keepingCapacity: true)
        index.removeAll(keepingCapacity: true)
    }

    /// Removes spill files a crashed process left between creating and unlinking one (a window of microseconds).
    static func removeLeftovers(in directory: String) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names where name.hasPrefix(spillPrefix) { unlink(directory + "/" + name) }
    }

    static func appendWord(_ value: UInt64, _ bytes: Int, to out: inout [UInt8]) {
        for shift in stride(from: (bytes - 1) * 8, through: 0, by: -8) {
            out.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
        }
    }

    static func word(_ bytes: [UInt8], at offset: Int, _ count: Int) -> UInt64 {
        var value: UInt64 = 0
        for i in offset..<offset + count { value = value << 8 | UInt64(bytes[i]) }
        return value
    }
}

/// A request key as four big-endian words: compares as the bytes do (and as SQLite's BLOB memcmp does), in four
/// integer comparisons.
struct AnswerKeyWords: Comparable {
    var a: UInt64, b: UInt64, c: UInt64, d: UInt64

    init(_ bytes: [UInt8], at offset: Int = 0) {
        a = SortedAnswerRuns.word(bytes, at: offset, 8)
        b = SortedAnswerRuns.word(bytes, at: offset + 8, 8)
        c = SortedAnswerRuns.word(bytes, at: offset + 16, 8)
        d = SortedAnswerRuns.word(bytes, at: offset + 24, 8)
    }

    static func < (l: Self, r: Self) -> Bool {
        if l.a != r.a { return l.a < r.a }
        if l.b != r.b { return l.b < r.b }
        if l.c != r.c { return l.c < r.c }
        return l.d < r.d
    }
}

/// The spill file: created exclusively, unlinked at once, read and written by offset.
final class SpillFile {
    let fd: Int32
    private(set) var size = 0

    init(directory: String, prefix: String) throws {
        let path = directory + "/" + prefix + UUID().uuidString
        fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Self.error("cannot create \(path)") }
        unlink(path)
    }

    deinit { close(fd) }

    /// Appends `bytes`; returns the offset they start at.
    func append(_ bytes: [UInt8]) throws -> Int {
        let start = size
        var done = 0
        while done < bytes.count {
            let wrote = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress! + done, bytes.count - done, off_t(start + done)) }
            if wrote < 0 && errno == EINTR { continue }
            guard wrote > 0 else { throw Self.error("cannot write the answers spill file") }
            done += wrote
        }
        size += bytes.count
        return start
    }

    /// Reads up to `count` bytes at `offset` into the end of `buffer`; returns how many came.
    func read(into buffer: inout [UInt8], count: Int, at offset: Int) throws -> Int {
        let old = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: count))
        var got = 0
        while got < count {
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + old + got, count - got, off_t(offset + got)) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw Self.error("cannot read the answers spill file") }
            if n == 0 { break }
            got += n
        }
        buffer.removeLast(count - got)
        return got
    }

    static func error(_ message: String) -> EngineError {
        EngineError(code: "cache.spill", message: message + ": " + String(cString: strerror(errno)))
    }
}
