#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// The bucket files of a running batch: `out-N.jsonl` for successes, `err-N.jsonl` for failures.
final class ResultBuckets {
    /// Buckets per kind; more buckets mean less memory per bucket when shuffling.
    static let count = 8
    /// Buffer of each bucket file. 16 buckets a batch, and every batch in progress has its own: at FileSink's
    /// 1 MB default (2 MB once the array doubled) they were 38 of the 40 MB peak heap of a 50k-row
    /// `sluice process`, which runs this emulator in-process, and grew with the batches in flight. 64 KB
    /// writes are still large.
    static let flushSize = 1 << 16

    let outputs: [FileSink]
    let errors: [FileSink]

    /// Creates (truncating) all bucket files in `directory`.
    init(directory: String) throws {
        outputs = try (0..<Self.count).map {
            try FileSink(path: Self.path(directory, "out", $0), flushThreshold: Self.flushSize)
        }
        errors = try (0..<Self.count).map {
            try FileSink(path: Self.path(directory, "err", $0), flushThreshold: Self.flushSize)
        }
    }

    /// Writes out all buffers.
    func flush() throws {
        for sink in outputs + errors { try sink.flush() }
    }

    /// Path of bucket `index` of `kind` (`out` or `err`).
    static func path(_ directory: String, _ kind: String, _ index: Int) -> String {
        "\(directory)/\(kind)-\(index).jsonl"
    }
}

/// Joins a batch's buckets into its output and error files, shuffling each bucket.
enum ResultAssembly {
    /// Buckets up to this size are shuffled in memory; larger ones are copied as they are.
    static let shuffleLimit = 64 << 20

    /// Writes the `kind` buckets of `directory` to `destination` in shuffled order; returns the line count
    /// (0 and no file when there were no lines). Blocking: run it on an owned thread.
    static func assemble(directory: String, kind: String, destination: String, seed: UInt64) throws -> (lines: Int, bytes: Int) {
        var random = SplitMix64(seed: seed)
        var order = Array(0..<ResultBuckets.count)
        random.shuffle(&order)
        var sink: FileSink?
        var lines = 0
        var bytes = 0
        for index in order {
            let path = ResultBuckets.path(directory, kind, index)
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            guard size > 0 else { continue }
            if sink == nil { sink = try FileSink(path: destination) }
            let out = sink!
            guard size <= shuffleLimit, let data = FileManager.default.contents(atPath: path) else {
                // Too big to shuffle in memory: stream it through unchanged.
                try LineReader.forEachLine(path: path) { _, line in
                    try out.append(line)
                    try out.appendByte(0x0A)
                    lines += 1
                    bytes += line.count + 1
                    return true
                }
                continue
            }
            try data.withUnsafeBytes { raw in
                var ranges = lineRanges(raw)
                random.shuffle(&ranges)
                for range in ranges {
                    try out.append(UnsafeRawBufferPointer(rebasing: raw[range]))
                    try out.appendByte(0x0A)
                    bytes += range.count + 1
                }
                lines += ranges.count
            }
        }
        try sink?.flush()
        return (lines, bytes)
    }

    /// The byte ranges of the non-empty lines in `raw` (without their `\n`).
    static func lineRanges(_ raw: UnsafeRawBufferPointer) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        guard let base = raw.baseAddress else { return ranges }
        var start = 0
        while start < raw.count {
            var end = raw.count
            if let hit = memchr(base + start, 0x0A, raw.count - start) {
                end = UnsafeRawPointer(hit) - base
            }
            if end > start { ranges.append(start..<end) }
            start = end + 1
        }
        return ranges
    }
}
