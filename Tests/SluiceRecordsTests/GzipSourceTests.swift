import Testing

@testable import SluiceRecords

@Suite("gzip and sniffing")
struct GzipSourceTests {
    static let csv = Array("id,name\n1,alpha\n2,beta\n3,\"gam,ma\"\n".utf8)

    @Test("inflates what the gzip command wrote, in small and large reads")
    func inflatesSystemGzip() throws {
        let compressed = try systemGzip(Self.csv)
        for bufferSize in [1, 7, 1 << 16] {
            let source = try GzipByteSource(inner: MemoryByteSource(compressed, maxChunk: 5), inputBufferSize: 3)
            #expect(try drain(source, bufferSize: bufferSize) == Self.csv)
            #expect(source.compressedBytesRead == Int64(compressed.count))
            #expect(source.bytesProduced == Int64(Self.csv.count))
        }
    }

    @Test("multi-member gzip (cat a.gz b.gz) reads as the concatenation")
    func multiMember() throws {
        let second = Array("4,delta\n5,epsilon\n".utf8)
        let third = Array("6,zeta\n".utf8)
        let joined = try systemGzip(Self.csv) + systemGzip(second) + systemGzip([]) + systemGzip(third)
        let source = try GzipByteSource(inner: MemoryByteSource(joined))
        #expect(try drain(source) == Self.csv + second + third)
        let reader = try CSVReader(
            source: GzipByteSource(inner: MemoryByteSource(joined, maxChunk: 2)),
            path: "m.csv.gz"
        )
        #expect(try allRecords(reader).map { $0.string(1) } == ["alpha", "beta", "gam,ma", "delta", "epsilon", "zeta"])
    }

    @Test("a truncated stream fails with gzip_truncated after yielding what it had")
    func truncated() throws {
        let big = Array(String(repeating: "row,with,some,text\n", count: 5000).utf8)
        let compressed = try systemGzip(big)
        for cut in [compressed.count - 1, compressed.count - 8, compressed.count / 2, 10] {
            let source = try GzipByteSource(inner: MemoryByteSource(Array(compressed[..<cut])), path: "t.gz")
            var received = 0
            var buffer = [UInt8](repeating: 0, count: 4096)
            let error = #expect(throws: RecordsError.self) {
                while true {
                    let count = try buffer.withUnsafeMutableBytes { try source.read(into: $0) }
                    if count == 0 { break }
                    received += count
                }
            }
            #expect(error?.code == RecordsError.Code.gzipTruncated, "cut at \(cut)")
            #expect(error?.path == "t.gz")
            #expect(received <= big.count)
        }
        #expect(throws: RecordsError.self) { try drain(GzipByteSource(inner: MemoryByteSource([]))) }
    }

    @Test("a wrong CRC or damaged deflate data fails with gzip_corrupt")
    func corrupt() throws {
        let compressed = try systemGzip(Array(String(repeating: "some text to compress, ", count: 200).utf8))
        var badCRC = compressed
        badCRC[badCRC.count - 8] ^= 0xFF
        var badLength = compressed
        badLength[badLength.count - 1] ^= 0x01
        var badHeader = compressed
        badHeader[2] = 7  // compression method must be 8 (deflate)
        var badBlock = compressed
        badBlock[10] = 0xFF  // first deflate block header: type 3 is reserved
        for damaged in [badCRC, badLength, badHeader, badBlock] {
            let error = #expect(throws: RecordsError.self) {
                try drain(GzipByteSource(inner: MemoryByteSource(damaged)))
            }
            #expect(error?.code == RecordsError.Code.gzipCorrupt)
        }
        // Garbage after a complete member is another "member" with a bad header.
        let trailing = compressed + Array("junk".utf8)
        let error = #expect(throws: RecordsError.self) { try drain(GzipByteSource(inner: MemoryByteSource(trailing))) }
        #expect(error?.code == RecordsError.Code.gzipCorrupt)
    }

    @Test("the opener sniffs content: a .csv that is gzip inflates, a .gz that is plain does not")
    func sniffing() throws {
        try withTemporaryFolder { folder in
            let disguised = folder + "/data.csv"
            try writeFile(disguised, try systemGzip(Self.csv))
            let (source, isGzip) = try SourceOpener.open(path: disguised)
            #expect(isGzip)
            #expect(try CSVReader(source: source, path: disguised).header == ["id", "name"])

            let plain = folder + "/plain.csv.gz"
            try writeFile(plain, Self.csv)
            let opened = try SourceOpener.open(path: plain)
            #expect(!opened.isGzip)
            #expect(try drain(opened.source) == Self.csv)
            #expect((opened.source as? FileByteSource)?.bytesRead == Int64(Self.csv.count))

            let single = folder + "/one-byte.csv"
            try writeFile(single, [0x1f])
            #expect(try !SourceOpener.open(path: single).isGzip)
        }
    }

    @Test("a 0-byte file opens as plain and has no CSV header and no JSONL lines")
    func emptyFile() throws {
        try withTemporaryFolder { folder in
            let path = folder + "/empty.csv"
            try writeFile(path, [])
            let (source, isGzip) = try SourceOpener.open(path: path)
            #expect(!isGzip)
            let error = #expect(throws: RecordsError.self) { try CSVReader(source: source, path: path) }
            #expect(error?.code == RecordsError.Code.emptyHeader)
            #expect(error?.path == path)
            let lines = JSONLReader(source: try SourceOpener.open(path: path).source, path: path)
            #expect(try lines.next() == nil)
        }
    }

    @Test("opening a missing file or a folder is records.io with errno")
    func openErrors() throws {
        try withTemporaryFolder { folder in
            let missing = #expect(throws: RecordsError.self) { try SourceOpener.open(path: folder + "/nope.csv") }
            #expect(missing?.code == RecordsError.Code.io)
            #expect(missing?.errno == 2)  // ENOENT
            #expect(missing?.path == folder + "/nope.csv")
            let directory = #expect(throws: RecordsError.self) { try SourceOpener.open(path: folder) }
            #expect(directory?.errno == 21)  // EISDIR
        }
    }
}
