import Testing

@testable import SluiceRecords

@Suite("JSONL reader")
struct JSONLReaderTests {
    static let sample: [UInt8] =
        [0xEF, 0xBB, 0xBF]
        + Array("{\"a\":1}\n\n   \t\r\n{\"b\":\"x y\"}\r\n{\"c\":\"é\"}\n\r\n{\"d\":4}".utf8)

    @Test("BOM, CRLF, blank and whitespace lines, and a last line without newline")
    func basics() throws {
        let lines = try allLines(Self.sample)
        #expect(lines.map(\.row) == [1, 2, 3, 4])
        #expect(
            lines.map { String(decoding: $0.bytes, as: UTF8.self) } == [
                "{\"a\":1}", "{\"b\":\"x y\"}", "{\"c\":\"é\"}", "{\"d\":4}",
            ]
        )
        #expect(lines.allSatisfy { $0.problem == nil })
    }

    @Test("tiny buffers and 1-byte reads give the same lines", arguments: [4, 5, 9, 64])
    func tinyBuffers(bufferSize: Int) throws {
        let whole = try allLines(Self.sample).map(\.bytes)
        #expect(try allLines(Self.sample, readBufferSize: bufferSize).map(\.bytes) == whole)
        #expect(try allLines(Self.sample, readBufferSize: bufferSize, chunk: 1).map(\.bytes) == whole)
    }

    @Test("invalid UTF-8 and NUL bytes are flagged per line")
    func badBytes() throws {
        let bytes =
            Array("{\"a\":1}\n{\"b\":\"".utf8) + [0xFE] + Array("\"}\n{\"c\":\"".utf8) + [0] + Array("\"}\n{}\n".utf8)
        let lines = try allLines(bytes)
        #expect(lines.map { $0.problem?.code } == [nil, RecordsError.Code.invalidUTF8, RecordsError.Code.nulByte, nil])
        #expect(lines[1].problem?.row == 2)
        #expect(lines[1].problem?.byteOffset == 8)
        #expect(lines[1].bytes.count == 9)
    }

    @Test("a line over maxRecordBytes is flagged and skipped; the next line is read")
    func tooLarge() throws {
        let big = "{\"x\":\"" + String(repeating: "y", count: 2 << 20) + "\"}"
        let text = "{\"a\":1}\n" + big + "\n{\"b\":2}\n" + big
        for chunk in [Int.max, 65_536] {
            let lines = try allLines(Array(text.utf8), readBufferSize: 64 << 10, chunk: chunk, maxRecordBytes: 1 << 20)
            #expect(lines.map(\.row) == [1, 2, 3, 4])
            #expect(
                lines.map { $0.problem?.code } == [
                    nil, RecordsError.Code.recordTooLarge, nil, RecordsError.Code.recordTooLarge,
                ]
            )
            #expect(lines[1].bytes.isEmpty)
            #expect(lines[2].bytes == Array("{\"b\":2}".utf8))
        }
    }

    @Test("a line of exactly maxRecordBytes is kept")
    func exactLimit() throws {
        let lines = try allLines(Array("12345\n123456\n".utf8), readBufferSize: 4, maxRecordBytes: 5)
        #expect(lines.map { $0.problem?.code } == [nil, RecordsError.Code.recordTooLarge])
        #expect(lines[0].bytes == Array("12345".utf8))
    }

    @Test("bytesConsumed reaches the stream length")
    func bytesConsumed() throws {
        let reader = JSONLReader(source: MemoryByteSource(Self.sample), path: "x.jsonl")
        while try reader.next() != nil {}
        #expect(reader.bytesConsumed == Int64(Self.sample.count))
    }
}
