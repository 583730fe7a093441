import SluiceRecords

/// A staged chunk file: a contiguous range of rows, within the provider's and the spec's limits.
public struct StagedChunk: Sendable, Equatable {
    public var seq: Int
    public var path: String
    public var requests: Int
    public var bytes: Int
    public var firstRow: Int
    public var lastRow: Int
}

/// Packs rendered request lines into chunk files of at most `maxBytes` and `maxRequests`.
final class ChunkWriter {
    private let directory: String
    private let maxBytes: Int
    private let maxRequests: Int
    private var current: (sink: FileSink, chunk: StagedChunk)?
    private(set) var chunks: [StagedChunk] = []

    init(directory: String, maxBytes: Int, maxRequests: Int) {
        self.directory = directory
        self.maxBytes = maxBytes
        self.maxRequests = maxRequests
    }

    /// Whether a line of `count` bytes can go into any chunk at all.
    func fits(_ count: Int) -> Bool { count <= maxBytes }

    /// Appends one line (with its newline) for `row`, starting a new chunk when this one is full.
    func append(_ line: [UInt8], row: Int) throws(RecordsError) {
        if let open = current,
            open.chunk.bytes + line.count > maxBytes || open.chunk.requests >= maxRequests
        {
            try close()
        }
        if current == nil {
            let seq = chunks.count + 1
            let path = directory + "/" + Self.fileName(seq: seq)
            current = (try FileSink(path: path, gzip: false), StagedChunk(
                seq: seq, path: path, requests: 0, bytes: 0, firstRow: row, lastRow: row))
        }
        try current!.sink.write(line)
        current!.chunk.requests += 1
        current!.chunk.bytes += line.count
        current!.chunk.lastRow = row
    }

    /// Closes the open chunk; returns every chunk written.
    func finish() throws(RecordsError) -> [StagedChunk] {
        try close()
        return chunks
    }

    private func close() throws(RecordsError) {
        guard let open = current else { return }
        try open.sink.finish()
        chunks.append(open.chunk)
        current = nil
    }

    static func fileName(seq: Int) -> String {
        let digits = String(seq)
        return "chunk-" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits + ".jsonl"
    }
}
