/// A byte source over bytes already in memory (tests, small inline inputs).
public final class MemoryByteSource: ByteSource {
    private let bytes: [UInt8]
    private var position = 0
    private let maxChunk: Int

    /// Serves `bytes`, at most `maxChunk` bytes per `read` (small values exercise callers' buffer seams).
    public init(_ bytes: [UInt8], maxChunk: Int = .max) {
        precondition(maxChunk > 0, "maxChunk must be positive")
        self.bytes = bytes
        self.maxChunk = maxChunk
    }

    /// Copies the next bytes into `buffer`.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(RecordsError) -> Int {
        let count = min(buffer.count, bytes.count - position, maxChunk)
        guard count > 0 else { return 0 }
        bytes.withUnsafeBytes { source in
            buffer.baseAddress!.copyMemory(from: source.baseAddress! + position, byteCount: count)
        }
        position += count
        return count
    }
}
