#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Streams a JSONL (NDJSON) file line by line; JSON parsing is the caller's job.
///
/// A UTF-8 byte-order mark at the start is skipped; lines that are empty or only spaces, tabs and CRs are skipped
/// and not counted; the last line needs no newline.
public final class JSONLReader {
    /// The file name used in errors.
    public let path: String
    private let window: InputWindow
    private let maxRecordBytes: Int
    private var row = 0
    private var started = false
    private var finished = false
    /// Bytes of a line that spans buffer refills; reused.
    private var pending: [UInt8] = []

    private static let lineFeed: UInt8 = 0x0A

    /// Prepares to read `source`; nothing is read until `next()`.
    public init(
        source: any ByteSource,
        path: String,
        maxRecordBytes: Int = 64 << 20,
        readBufferSize: Int = 1 << 20
    ) {
        precondition(maxRecordBytes > 0, "maxRecordBytes must be positive")
        self.path = path
        self.maxRecordBytes = maxRecordBytes
        window = InputWindow(source: source, capacity: readBufferSize)
    }

    /// Whether the file's last line had no terminating newline: known once `next()` has returned nil.
    ///
    /// A writer that was cut off mid-line leaves exactly this; the daemon's structural check rejects such files.
    public private(set) var endedWithoutNewline = false

    /// Decompressed bytes consumed up to the end of the last line returned.
    public var bytesConsumed: Int64 { window.offset }

    /// The next non-blank line, or nil at the end. Throws only for I/O and gzip failures.
    public func next() throws(RecordsError) -> JSONLLine? {
        guard !finished else { return nil }
        do throws(RecordsError) {
            if !started {
                started = true
                try window.skipByteOrderMark()
            }
            while true {
                let lineStart = window.offset
                guard let (bytes, oversized) = try readLine() else {
                    finished = true
                    return nil
                }
                if oversized {
                    row += 1
                    let message = "line is larger than \(maxRecordBytes) bytes; skipped"
                    return JSONLLine(
                        row: row,
                        bytes: [],
                        problem: problem(RecordsError.Code.recordTooLarge, message, lineStart)
                    )
                }
                if Self.isBlank(bytes) { continue }
                row += 1
                return JSONLLine(row: row, bytes: bytes, problem: contentProblem(bytes, lineStart))
            }
        } catch {
            finished = true
            throw error.located(path: path)
        }
    }

    /// The next line's bytes without terminator, or nil at the end; `oversized` lines come back empty.
    private func readLine() throws(RecordsError) -> (bytes: [UInt8], oversized: Bool)? {
        pending.removeAll(keepingCapacity: true)
        var length = 0
        var oversized = false
        var sawBytes = false
        while true {
            if window.position == window.end {
                if try !window.refill() {
                    guard sawBytes else { return nil }
                    endedWithoutNewline = true
                    return (oversized ? [] : Self.trimmingCR(pending), oversized)
                }
            }
            sawBytes = true
            let start = window.base + window.position
            let available = window.end - window.position
            let newline = memchr(start, Int32(Self.lineFeed), available)
            let run = newline.map { start.distance(to: $0.assumingMemoryBound(to: UInt8.self)) } ?? available
            if !oversized {
                if length + run > maxRecordBytes {
                    oversized = true
                    pending.removeAll()
                } else if length == 0 && newline != nil {
                    // The common case: the whole line is in the buffer; copy it once, straight into the result.
                    window.position += run + 1
                    return (Self.trimmingCR(UnsafeBufferPointer(start: start, count: run)), false)
                } else {
                    pending.append(contentsOf: UnsafeBufferPointer(start: start, count: run))
                }
            }
            length += run
            window.position += run
            if newline != nil {
                window.position += 1
                return (oversized ? [] : Self.trimmingCR(pending), oversized)
            }
        }
    }

    private static func trimmingCR<C: BidirectionalCollection<UInt8>>(_ bytes: C) -> [UInt8] where C.Index == Int {
        if let last = bytes.last, last == 0x0D { return Array(bytes[bytes.startIndex..<(bytes.endIndex - 1)]) }
        return Array(bytes)
    }

    private static func isBlank(_ bytes: [UInt8]) -> Bool {
        // JSON whitespace; the first byte of a real record is almost always `{`, so this returns at once.
        bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
    }

    private func contentProblem(_ bytes: [UInt8], _ offset: Int64) -> RecordsError? {
        bytes.withUnsafeBytes { all -> RecordsError? in
            guard let base = all.baseAddress else { return nil }
            if ByteScan.isCleanUTF8(base, count: all.count) { return nil }
            if all.contains(0) { return problem(RecordsError.Code.nulByte, "line contains a NUL byte", offset) }
            if !ByteScan.isValidUTF8(base, count: all.count) {
                return problem(RecordsError.Code.invalidUTF8, "line is not valid UTF-8", offset)
            }
            return nil
        }
    }

    private func problem(_ code: String, _ message: String, _ offset: Int64) -> RecordsError {
        RecordsError(code: code, message: message, path: path, row: row, byteOffset: offset)
    }
}
