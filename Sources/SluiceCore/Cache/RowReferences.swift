import SluiceJSON
import SluiceRecords

/// Rows that staging answered without a request of their own, one line per row in row order
/// (`references.jsonl` in a drop's work folder):
///
/// - `{"row":R,"same_as":P}` — R renders the same request as the earlier row P of this file (dedupe);
///   R gets P's fate, whatever it turns out to be.
/// - `{"row":R,"cached":{...}}` — the result cache held a validated answer for R's request.
enum RowReference: Equatable {
    case sameAs(Int)
    case cached(JSONValue)

    static let fileName = "references.jsonl"
}

/// Appends reference lines during staging.
final class RowReferenceWriter {
    private let sink: FileSink
    private var line: [UInt8] = []

    init(path: String) throws(RecordsError) {
        sink = try FileSink(path: path, gzip: false)
    }

    func sameAs(row: Int, primary: Int) throws(RecordsError) {
        line.removeAll(keepingCapacity: true)
        line.append(contentsOf: #"{"row":\#(row),"same_as":\#(primary)}"#.utf8)
        line.append(0x0A)
        try sink.write(line)
    }

    /// `output` is the cached answer's JSON text, written as it is.
    func cached(row: Int, output: String) throws(RecordsError) {
        line.removeAll(keepingCapacity: true)
        line.append(contentsOf: #"{"row":\#(row),"cached":"#.utf8)
        line.append(contentsOf: output.utf8)
        line.append(contentsOf: "}\n".utf8)
        try sink.write(line)
    }

    func finish() throws(RecordsError) { try sink.finish() }
}

/// Reads `references.jsonl` forward, in row order, alongside the source.
struct RowReferenceStream {
    private let reader: JSONLReader?
    private var pending: (row: Int, reference: RowReference)?

    /// A stream over the file at `path`; an absent file (a drop staged before dedupe existed) has no references.
    init(path: String) throws {
        guard let source = try? FileByteSource(path: path) else {
            reader = nil
            return
        }
        reader = JSONLReader(source: source, path: path)
        pending = try Self.read(reader!)
    }

    /// The reference of `row`, if it has one; rows must be asked for in increasing order.
    mutating func reference(for row: Int) throws -> RowReference? {
        guard let reader else { return nil }
        while let p = pending, p.row < row { pending = try Self.read(reader) }
        guard let p = pending, p.row == row else { return nil }
        pending = try Self.read(reader)
        return p.reference
    }

    /// The rows later rows name as their primary, ascending and each once: the fates assembly must keep.
    /// (At most `StagingDedupe.maxTrackedRequests` of them: only remembered requests are named.)
    static func primaryRows(path: String) throws -> [Int] {
        var primaries = Set<Int>()
        guard let source = try? FileByteSource(path: path) else { return [] }
        let reader = JSONLReader(source: source, path: path)
        while let entry = try read(reader) {
            if case .sameAs(let primary) = entry.reference { primaries.insert(primary) }
        }
        return primaries.sorted()
    }

    private static func read(_ reader: JSONLReader) throws -> (row: Int, reference: RowReference)? {
        guard let line = try reader.next() else { return nil }
        let json = try JSONParser.parse(line.bytes)
        guard case .int(let row)? = json["row"] else { throw OutcomeFileError(message: "damaged references file") }
        if case .int(let primary)? = json["same_as"] { return (row, .sameAs(primary)) }
        if let cached = json["cached"] { return (row, .cached(cached)) }
        throw OutcomeFileError(message: "damaged references file: row \(row) names neither same_as nor cached")
    }
}
