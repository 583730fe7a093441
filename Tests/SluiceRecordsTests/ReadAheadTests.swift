import Foundation
import Testing

@testable import SluiceRecords

@Suite("read-ahead")
struct ReadAheadTests {
    static func randomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var generator = SeededGenerator(state: seed)
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    @Test("yields exactly the inner bytes whatever the buffer and read sizes")
    func sameBytes() throws {
        let bytes = Self.randomBytes(300_000, seed: 3)
        for (bufferSize, depth, readSize, chunk) in [(1, 2, 1, 1), (7, 2, 3, 5), (4096, 4, 1000, 333), (1 << 20, 4, 1 << 16, .max)] {
            let source = ReadAheadByteSource(
                inner: MemoryByteSource(bytes, maxChunk: chunk), bufferSize: bufferSize, depth: depth)
            #expect(try drain(source, bufferSize: readSize) == bytes, "buffer \(bufferSize) read \(readSize)")
            // At the end it keeps answering 0.
            var one = [UInt8](repeating: 0, count: 1)
            #expect(try one.withUnsafeMutableBytes { try source.read(into: $0) } == 0)
        }
        #expect(try drain(ReadAheadByteSource(inner: MemoryByteSource([]))) == [])
    }

    @Test("an inner error surfaces after every byte before it")
    func errorAfterBytes() throws {
        let big = Array(String(repeating: "row,with,some,text,0123456789\n", count: 20_000).utf8)
        let compressed = try systemGzip(big)
        let cut = Array(compressed[..<(compressed.count / 2)])
        let direct = try GzipByteSource(inner: MemoryByteSource(cut), path: "t.gz")
        var directBytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        #expect(throws: RecordsError.self) {
            while true {
                let n = try buffer.withUnsafeMutableBytes { try direct.read(into: $0) }
                if n == 0 { break }
                directBytes.append(contentsOf: buffer[..<n])
            }
        }
        let ahead = ReadAheadByteSource(
            inner: try GzipByteSource(inner: MemoryByteSource(cut), path: "t.gz"), bufferSize: 1000, depth: 3)
        var aheadBytes: [UInt8] = []
        let error = #expect(throws: RecordsError.self) {
            while true {
                let n = try buffer.withUnsafeMutableBytes { try ahead.read(into: $0) }
                if n == 0 { break }
                aheadBytes.append(contentsOf: buffer[..<n])
            }
        }
        #expect(error?.code == RecordsError.Code.gzipTruncated)
        #expect(aheadBytes == directBytes)
        #expect(!aheadBytes.isEmpty)
    }

    /// Counts what is read from it, for checking how far ahead the reader runs.
    final class CountingSource: ByteSource, @unchecked Sendable {
        // Written by the read-ahead thread, read by the test after it has stopped: guarded by `lock`.
        private let lock = NSLock()
        private var total = 0
        var bytesRead: Int { lock.withLock { total } }

        func read(into buffer: UnsafeMutableRawBufferPointer) throws(RecordsError) -> Int {
            buffer.initializeMemory(as: UInt8.self, repeating: 7)
            lock.withLock { total += buffer.count }
            return buffer.count  // an endless stream
        }
    }

    @Test("reads at most depth + 1 buffers ahead, and stops once the consumer is gone")
    func boundedAndStops() async throws {
        let inner = CountingSource()
        var source: ReadAheadByteSource? = ReadAheadByteSource(inner: inner, bufferSize: 4096, depth: 3)
        var buffer = [UInt8](repeating: 0, count: 100)
        #expect(try buffer.withUnsafeMutableBytes { try source!.read(into: $0) } == 100)
        try await Task.sleep(for: .milliseconds(200))
        #expect(inner.bytesRead <= 4 * 4096)
        source = nil
        try await Task.sleep(for: .milliseconds(100))
        let afterStop = inner.bytesRead
        try await Task.sleep(for: .milliseconds(200))
        #expect(inner.bytesRead == afterStop)
    }
}
