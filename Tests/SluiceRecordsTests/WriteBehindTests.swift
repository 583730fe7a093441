import Foundation
import Testing

@testable import SluiceRecords

/// `FileSink(writeBehind: true)` against the same sink writing on the caller's thread.
@Suite("write-behind")
struct WriteBehindTests {
    /// Writes of random sizes, from empty to three buffers long, so some fill a buffer exactly and some span several.
    static func pieces(seed: UInt64, bufferSize: Int, total: Int) -> [[UInt8]] {
        var generator = SeededGenerator(state: seed)
        var pieces: [[UInt8]] = []
        var written = 0
        while written < total {
            let size = Int.random(in: 0...(3 * bufferSize), using: &generator)
            // Text-like bytes, so gzip has something to compress.
            pieces.append((0..<size).map { _ in UInt8.random(in: 0x61...0x66, using: &generator) })
            written += size
        }
        return pieces
    }

    static func write(_ pieces: [[UInt8]], to path: String, gzip: Bool, bufferSize: Int, behind: Bool) throws -> FileSink {
        let sink = try FileSink(path: path, gzip: gzip, gzipLevel: 1, bufferSize: bufferSize, writeBehind: behind)
        for piece in pieces { try sink.write(piece) }
        try sink.finish()
        return sink
    }

    @Test("the same bytes reach the file, plain and gzip, whatever the buffer and write sizes")
    func sameBytes() throws {
        try withTemporaryFolder { folder in
            for (seed, bufferSize, total) in [(1, 1, 200), (2, 7, 5_000), (3, 4096, 300_000), (4, 1 << 16, 2_000_000)] {
                let pieces = Self.pieces(seed: UInt64(seed), bufferSize: bufferSize, total: total)
                let expected = pieces.flatMap { $0 }
                for gzip in [false, true] {
                    let direct = try Self.write(pieces, to: folder + "/direct", gzip: gzip, bufferSize: bufferSize, behind: false)
                    let behind = try Self.write(pieces, to: folder + "/behind", gzip: gzip, bufferSize: bufferSize, behind: true)
                    let file = try readFile(folder + "/behind")
                    let content = gzip ? try drain(GzipByteSource(inner: MemoryByteSource(file), path: "behind")) : file
                    #expect(content == expected, "buffer \(bufferSize) gzip \(gzip)")
                    #expect(behind.bytesAccepted == direct.bytesAccepted)
                    #expect(behind.bytesWritten == Int64(file.count), "buffer \(bufferSize) gzip \(gzip)")
                    if !gzip { #expect(try readFile(folder + "/direct") == file) }
                }
            }
        }
    }

    @Test("a failing write on the thread is thrown to the writer, which then stops", arguments: [false, true])
    func failureSurfaces(gzip: Bool) throws {
        // /dev/full takes the open and fails every write with ENOSPC.
        let sink = try FileSink(path: "/dev/full", gzip: gzip, gzipLevel: 1, bufferSize: 4096, writeBehind: true)
        let piece = Self.pieces(seed: 9, bufferSize: 4096, total: 4096)[0]
        let error = #expect(throws: RecordsError.self) {
            for _ in 0..<10_000 { try sink.write(piece) }
            try sink.finish()
        }
        #expect(error?.errno == ENOSPC)
        // Once failed, it stays failed, and closing does not wait on the stopped thread.
        #expect(throws: RecordsError.self) { try sink.finish() }
        #expect(sink.isClosed)
    }

    @Test("discarding mid-stream stops the thread and closes the file")
    func discardMidStream() throws {
        try withTemporaryFolder { folder in
            let sink = try FileSink(path: folder + "/out", gzip: true, gzipLevel: 1, bufferSize: 1024, writeBehind: true)
            for piece in Self.pieces(seed: 5, bufferSize: 1024, total: 100_000) { try sink.write(piece) }
            sink.discard()
            #expect(sink.isClosed)
            #expect(throws: RecordsError.self) { try sink.write([1]) }
        }
    }
}
