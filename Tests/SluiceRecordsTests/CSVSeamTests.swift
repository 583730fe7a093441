import Testing

@testable import SluiceRecords

/// Record boundaries, quotes, CRLF pairs and multi-byte characters falling across read-buffer edges.
@Suite("CSV across buffer edges")
struct CSVSeamTests {
    /// A file exercising every state of the scanner, including problems.
    static let tricky: [UInt8] =
        [0xEF, 0xBB, 0xBF]
        + Array(
            ("id,text,n\r\n1,\"a,b\",1\r\n\r\n2,\"q\"\"\"\"x\",2\n3,\"multi\r\nline\",3\r4,plain,4\n"
                + "5,\"ünïcødé €\",5\r\n6,ab\"c,6\n7,\"x\"tail,7\n8,ragged\n\n9,,\n"
                + "10,\"\",\"\"\r\n11,last,no-newline")
                .utf8
        )

    @Test("tiny buffers and 1-byte reads give the same records as one big read", arguments: [4, 5, 7, 16, 64])
    func tinyBuffers(bufferSize: Int) throws {
        let whole = try parseCSV(Self.tricky)
        #expect(whole.rows.count == 11)
        #expect(whole.problems == [8: RecordsError.Code.csvRagged])
        #expect(whole.rows[1] == ["2", "q\"\"x", "2"])
        #expect(whole.rows[6] == ["7", "xtail", "7"])
        #expect(try parseCSV(Self.tricky, readBufferSize: bufferSize) == whole)
        #expect(try parseCSV(Self.tricky, readBufferSize: bufferSize, chunk: 1) == whole)
        #expect(try parseCSV(Self.tricky, readBufferSize: bufferSize, chunk: 3) == whole)
    }

    @Test(
        "random fields written with CSVFormat read back equal, at every buffer size",
        arguments: [4, 13, 4096, 1 << 20]
    )
    func roundTrip(bufferSize: Int) throws {
        var generator = SeededGenerator(state: 42 &+ UInt64(bufferSize))
        let alphabet: [String] = [
            "a", "b", "Z", "0", " ", ",", "\"", "\r", "\n", "\r\n", "é", "€", "😀", "\t", "'", ";",
        ]
        let header = ["id", "text", "more", "empty"]
        var expected: [[String]] = []
        var bytes: [UInt8] = []
        CSVFormat.appendRecord(header, to: &bytes)
        for row in 0..<500 {
            var fields = ["\(row)"]
            for _ in 1..<header.count {
                let length = Int.random(in: 0...12, using: &generator)
                fields.append((0..<length).map { _ in alphabet.randomElement(using: &generator)! }.joined())
            }
            expected.append(fields)
            CSVFormat.appendRecord(fields, to: &bytes)
        }
        let parsed = try parseCSV(bytes, readBufferSize: bufferSize, chunk: bufferSize == 4 ? 1 : .max)
        #expect(parsed.header == header)
        #expect(parsed.problems.isEmpty)
        #expect(parsed.rows.count == expected.count)
        #expect(parsed.rows == expected)
    }

    @Test("a one-column file of empty values round trips through appendRecord")
    func singleEmptyColumn() throws {
        var bytes: [UInt8] = []
        for fields in [["v"], [""], ["x"], [""]] { CSVFormat.appendRecord(fields, to: &bytes) }
        #expect(String(decoding: bytes, as: UTF8.self) == "v\r\n\"\"\r\nx\r\n\"\"\r\n")
        #expect(try parseCSV(bytes, readBufferSize: 4, chunk: 1).rows == [[""], ["x"], [""]])
    }
}
