import Foundation
import SluiceJSON
import SluiceRecords

/// The interpreted outcome of every request of one chunk, one JSON line per row, in arrival order.
///
/// Providers return results in any order; this file is written as they are read, and `OutcomeIndex`
/// later reads it back row by row, so joining results to rows never holds a chunk's outputs in memory.
/// Each line starts with `{"row":N,` so the index is built without parsing whole lines.
public final class OutcomeWriter {
    private let sink: FileSink
    private var buffer: [UInt8] = []

    /// Creates (truncating) the outcome file at `path`.
    public init(path: String) throws {
        sink = try FileSink(path: path, gzip: false)
    }

    /// Appends the outcome of `row`.
    /// `shared`: the answer is another file's, to the same request in the same shared batch (not paid here).
    public func append(
        row: Int, attempts: Int, output: Result<JSONValue, RowFailure>, raw: String?, usage: OutputInterpreter.Usage?,
        shared: Bool = false
    ) throws {
        startLine(row: row, attempts: attempts)
        switch output {
        case .success(let value):
            buffer.append(contentsOf: #","output":"#.utf8)
            JSONWriter.write(value, into: &buffer)
        case .failure(let failure):
            buffer.append(contentsOf: #","error":"#.utf8)
            JSONWriter.write(failure.json, into: &buffer)
            if let raw {
                buffer.append(contentsOf: #","raw":"#.utf8)
                JSONWriter.writeString(raw, into: &buffer)
            }
        }
        try endLine(usage: usage, shared: shared)
    }

    /// Appends the answer of `row` given as its compact JSON text (what `JSONWriter.write` writes of the value):
    /// the same line as `append(row:attempts:output:.success(value),…)` writes, without a tree to serialise.
    func append(
        row: Int, attempts: Int, answer: UnsafeRawBufferPointer, usage: OutputInterpreter.Usage?, shared: Bool
    ) throws {
        startLine(row: row, attempts: attempts)
        buffer.append(contentsOf: #","output":"#.utf8)
        buffer.append(contentsOf: answer)
        try endLine(usage: usage, shared: shared)
    }

    private func startLine(row: Int, attempts: Int) {
        buffer.removeAll(keepingCapacity: true)
        buffer.append(contentsOf: #"{"row":\#(row),"attempts":\#(attempts)"#.utf8)
    }

    private func endLine(usage: OutputInterpreter.Usage?, shared: Bool) throws {
        if let usage {
            buffer.append(contentsOf: #","usage":[\#(usage.input),\#(usage.output)]"#.utf8)
        }
        if shared { buffer.append(contentsOf: #","shared":true"#.utf8) }
        buffer.append(contentsOf: "}\n".utf8)
        try sink.write(buffer)
    }

    /// Flushes and syncs the file.
    public func finish() throws {
        try sink.finish()
    }
}

/// One row's outcome read back from an outcome file.
public struct RowOutcome: Sendable {
    public var row: Int
    public var attempts: Int
    public var output: Result<JSONValue, RowFailure>
    public var raw: String?
    public var usage: OutputInterpreter.Usage?
    /// Answered by another file's identical request in the same shared batch.
    public var shared = false

    init(row: Int, attempts: Int, output: Result<JSONValue, RowFailure>) {
        self.row = row
        self.attempts = attempts
        self.output = output
    }

    init(json: JSONValue) throws(OutcomeFileError) {
        guard case .int(let row)? = json["row"] else { throw OutcomeFileError(message: "outcome without row") }
        self.row = row
        attempts = json["attempts"]?.numberValue.map(Int.init) ?? 1
        if let output = json["output"] {
            self.output = .success(output)
        } else if let error = json["error"], let failure = RowFailure(json: error) {
            self.output = .failure(failure)
        } else {
            throw OutcomeFileError(message: "outcome for row \(row) has neither output nor error")
        }
        raw = json["raw"]?.stringValue
        shared = json["shared"] == .bool(true)
        if let usage = json["usage"]?.arrayValue, usage.count == 2 {
            self.usage = .init(input: Int(usage[0].numberValue ?? 0), output: Int(usage[1].numberValue ?? 0))
        }
    }
}

/// An outcome file that cannot be read back: a bug or a damaged state folder.
public struct OutcomeFileError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// Random access by row into an outcome file: an index of (offset, length) per row, lines read with `pread`.
///
/// Rows are asked for in row order and providers answer mostly in order, so the lines usually follow each other
/// in the file: then one `pread` fetches the next 256 KB of lines, rather than one system call per row.
public final class OutcomeIndex {
    private let fd: Int32
    private var entries: [Int: (offset: Int64, length: Int)] = [:]
    /// Bytes `windowStart..<windowStart + windowCount` of the file.
    private var window: [UInt8] = []
    private var windowStart: Int64 = 0
    private var windowCount = 0
    /// Where the line after the last one read starts.
    private var nextLine: Int64 = 0

    /// How far ahead a read goes when the line asked for follows the last one read.
    static let readAhead = 256 << 10

    /// Scans the file once to index it. When a row appears twice, the later line wins.
    public init(path: String) throws {
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw OutcomeFileError(message: "cannot open \(path): errno \(errno)") }
        let source = try FileByteSource(path: path)
        var offset: Int64 = 0
        // Only a line's head is needed (`{"row":N,`): keep its first bytes across reads, count the rest.
        var head: [UInt8] = []
        var length = 0
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = try chunk.withUnsafeMutableBytes { try source.read(into: $0) }
            if n == 0 { break }
            chunk.withUnsafeBytes { raw in
                var lineStart = 0
                while lineStart < n {
                    let rest = UnsafeRawBufferPointer(rebasing: raw[lineStart..<n])
                    let newline = memchr(rest.baseAddress!, 0x0A, rest.count)
                    let end = newline.map { lineStart + (UnsafeRawPointer($0) - rest.baseAddress!) } ?? n
                    if head.count < Self.headBytes {
                        head.append(contentsOf: raw[lineStart..<min(end, lineStart + Self.headBytes - head.count)])
                    }
                    length += end - lineStart
                    guard end < n else { break }
                    if let row = Self.leadingRow(head) { entries[row] = (offset, length) }
                    offset += Int64(length + 1)
                    head.removeAll(keepingCapacity: true)
                    length = 0
                    lineStart = end + 1
                }
            }
        }
    }

    deinit { close(fd) }

    /// Number of rows with an outcome.
    public var count: Int { entries.count }

    /// The outcome of `row`, or nil when the chunk has none for it.
    public func outcome(row: Int) throws -> RowOutcome? {
        try withLine(row: row) { line in try Self.parsed(line, row: row) }
    }

    /// The outcome of `row` as assembly reads it: an answer in the writer's layout is read on its bytes and keeps
    /// its answer as text; any other line is parsed whole.
    func layerOutcome(row: Int) throws -> LayerOutcome? {
        try withLine(row: row) { line in
            if let answer = AnswerLine.read(line) {
                return .answer(answer, text: [UInt8](UnsafeRawBufferPointer(rebasing: line[answer.output])))
            }
            return .parsed(try Self.parsed(line, row: row))
        }
    }

    private static func parsed(_ line: UnsafeRawBufferPointer, row: Int) throws -> RowOutcome {
        do {
            return try RowOutcome(json: try JSONParser.parse(buffer: line))
        } catch let error as OutcomeFileError {
            throw error
        } catch {
            throw OutcomeFileError(message: "outcome for row \(row) is not JSON: \(error)")
        }
    }

    /// Calls `body` with the bytes of `row`'s line (valid only during the call); nil when the row has none.
    private func withLine<R>(row: Int, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R? {
        guard let entry = entries[row] else { return nil }
        if entry.offset < windowStart || entry.offset + Int64(entry.length) > windowStart + Int64(windowCount) {
            // Out of order, read just the line: reading ahead would fetch bytes no one asks for next.
            let wanted = entry.offset == nextLine ? max(entry.length, Self.readAhead) : entry.length
            if window.count < wanted { window = [UInt8](repeating: 0, count: wanted) }
            let got = window.withUnsafeMutableBytes { pread(fd, $0.baseAddress, wanted, off_t(entry.offset)) }
            guard got >= entry.length else {
                throw OutcomeFileError(message: "short read in outcome file for row \(row)")
            }
            windowStart = entry.offset
            windowCount = got
        }
        nextLine = entry.offset + Int64(entry.length) + 1
        let start = Int(entry.offset - windowStart)
        return try window.withUnsafeBytes { raw in
            try body(UnsafeRawBufferPointer(rebasing: raw[start..<(start + entry.length)]))
        }
    }

    /// Enough of a line's head for `{"row":` and any row number.
    private static let headBytes = 32

    /// Parses the N of a line starting `{"row":N,`.
    private static func leadingRow(_ line: [UInt8]) -> Int? {
        let prefix = Array(#"{"row":"#.utf8)
        guard line.count > prefix.count, line.starts(with: prefix) else { return nil }
        var value = 0
        var i = prefix.count
        while i < line.count, line[i] >= 0x30, line[i] <= 0x39 {
            value = value * 10 + Int(line[i] - 0x30)
            i += 1
        }
        return i > prefix.count ? value : nil
    }
}
