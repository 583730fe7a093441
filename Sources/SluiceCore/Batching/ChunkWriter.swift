import SluiceRecords

/// A staged chunk file: a contiguous range of rows, within the provider's and the spec's limits.
public struct StagedChunk: Sendable, Equatable {
    public var seq: Int
    public var path: String
    public var requests: Int
    public var bytes: Int
    public var firstRow: Int
    public var lastRow: Int
    /// The estimated input tokens of its requests, counted while staging rendered them (`TokenCountingThread`);
    /// nil when the lines were not counted as they were written (retry rounds and collections copy lines).
    public var inputTokens: TokenSum? = nil
}

/// How request lines are framed in a chunk file: JSONL as is (OpenAI), or one JSON request body that the
/// create call sends as it stands (Anthropic: `{"requests":[line,line,...]}`).
public struct ChunkFraming: Sendable {
    public var prefix: [UInt8]
    public var separator: [UInt8]
    public var suffix: [UInt8]

    /// One request per line, nothing around them.
    public static let lines = ChunkFraming(prefix: [], separator: [], suffix: [])
    /// The body of an Anthropic Message Batches create call.
    public static let anthropicRequests = ChunkFraming(
        prefix: Array(#"{"requests":["#.utf8) + [0x0A], separator: Array(",".utf8), suffix: Array("]}\n".utf8))

    /// Whether a line of `count` bytes can go into a chunk of at most `maxBytes` at all.
    public func fits(_ count: Int, maxBytes: Int) -> Bool { prefix.count + count + suffix.count <= maxBytes }
}

/// Packs rendered request lines into chunk files of at most `maxBytes` and `maxRequests`.
final class ChunkWriter {
    private let directory: String
    private let maxBytes: Int
    private let maxRequests: Int
    private let framing: ChunkFraming
    private var current: (sink: FileSink, chunk: StagedChunk)?
    private(set) var chunks: [StagedChunk] = []

    /// Sequence number of the first chunk written (a retry round continues after the drop's last chunk).
    private let firstSeq: Int

    /// At most this many requests in the first chunk (a canary), when set.
    private let firstChunkRequests: Int?

    init(
        directory: String, maxBytes: Int, maxRequests: Int, framing: ChunkFraming = .lines, firstSeq: Int = 1,
        firstChunkRequests: Int? = nil
    ) {
        self.firstChunkRequests = firstChunkRequests
        self.firstSeq = firstSeq
        self.directory = directory
        self.maxBytes = maxBytes
        self.maxRequests = maxRequests
        self.framing = framing
    }

    /// Whether a line of `count` bytes can go into any chunk at all.
    func fits(_ count: Int) -> Bool { framing.fits(count, maxBytes: maxBytes) }

    /// Appends one line (with its newline) for `row`, starting a new chunk when this one is full.
    func append(_ line: [UInt8], row: Int) throws(RecordsError) {
        if let open = current,
            open.chunk.bytes + framing.separator.count + line.count + framing.suffix.count > maxBytes
                || open.chunk.requests >= (chunks.isEmpty ? min(maxRequests, firstChunkRequests ?? maxRequests) : maxRequests)
        {
            try close()
        }
        if current == nil {
            let seq = firstSeq + chunks.count
            let path = directory + "/" + Self.fileName(seq: seq)
            current = (try FileSink(path: path, gzip: false), StagedChunk(
                seq: seq, path: path, requests: 0, bytes: 0, firstRow: row, lastRow: row))
            if !framing.prefix.isEmpty {
                try current!.sink.write(framing.prefix)
                current!.chunk.bytes += framing.prefix.count
            }
        } else if !framing.separator.isEmpty {
            try current!.sink.write(framing.separator)
            current!.chunk.bytes += framing.separator.count
        }
        try current!.sink.write(line)
        current!.chunk.requests += 1
        current!.chunk.bytes += line.count
        current!.chunk.lastRow = row
    }

    /// Whether the open chunk can take `requests` more lines of `bytes` in all (a new chunk always can).
    func hasRoom(requests: Int, bytes: Int) -> Bool {
        guard let open = current else { return true }
        return open.chunk.requests + requests <= maxRequests
            && open.chunk.bytes + bytes + requests * framing.separator.count + framing.suffix.count <= maxBytes
    }

    /// Ends the open chunk: the next line starts a new one.
    func endChunk() throws(RecordsError) { try close() }

    /// The sequence number the next line goes into, if it starts no new chunk.
    var currentSeq: Int { current?.chunk.seq ?? firstSeq + chunks.count }

    /// Closes the open chunk; returns every chunk written.
    func finish() throws(RecordsError) -> [StagedChunk] {
        try close()
        return chunks
    }

    private func close() throws(RecordsError) {
        guard var open = current else { return }
        if !framing.suffix.isEmpty {
            try open.sink.write(framing.suffix)
            open.chunk.bytes += framing.suffix.count
        }
        try open.sink.finish()
        chunks.append(open.chunk)
        current = nil
    }

    static func fileName(seq: Int) -> String {
        let digits = String(seq)
        return "chunk-" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits + ".jsonl"
    }
}
