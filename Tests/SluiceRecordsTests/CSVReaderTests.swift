import Testing

@testable import SluiceRecords

@Suite("CSV reader")
struct CSVReaderTests {
    @Test("quoted fields keep commas, doubled quotes and embedded line breaks")
    func quotedFields() throws {
        let text = "id,text\r\n1,\"a, b\"\r\n2,\"say \"\"hi\"\"\"\r\n3,\"line1\nline2\r\nline3\rline4\"\r\n4,\"\"\r\n"
        let parsed = try parseCSV(text)
        #expect(parsed.header == ["id", "text"])
        #expect(
            parsed.rows == [
                ["1", "a, b"], ["2", "say \"hi\""], ["3", "line1\nline2\r\nline3\rline4"], ["4", ""],
            ]
        )
        #expect(parsed.problems.isEmpty)
    }

    @Test("LF, CRLF, CR and mixed record endings read the same")
    func lineEndings() throws {
        let expected = [["1", "x"], ["2", "y"], ["3", "z"]]
        for ending in ["\n", "\r\n", "\r"] {
            let text = ["a,b", "1,x", "2,y", "3,z"].joined(separator: ending) + ending
            let parsed = try parseCSV(text)
            #expect(parsed.header == ["a", "b"])
            #expect(parsed.rows == expected, "ending \(Array(ending.utf8))")
        }
        let mixed = try parseCSV("a,b\r\n1,x\n2,y\r3,z\r\n")
        #expect(mixed.rows == expected)
    }

    @Test("a UTF-8 byte-order mark before the header is dropped")
    func byteOrderMark() throws {
        let parsed = try parseCSV([0xEF, 0xBB, 0xBF] + Array("id,name\n1,Zoë\n".utf8))
        #expect(parsed.header == ["id", "name"])
        #expect(parsed.rows == [["1", "Zoë"]])
        // A BOM split over 1-byte reads is still found.
        let split = try parseCSV([0xEF, 0xBB, 0xBF] + Array("id\n7\n".utf8), readBufferSize: 4, chunk: 1)
        #expect(split.header == ["id"])
        #expect(split.rows == [["7"]])
    }

    @Test("the last record needs no line end, also when it ends in a quote or a comma")
    func noTrailingNewline() throws {
        #expect(try parseCSV("a,b\n1,2").rows == [["1", "2"]])
        #expect(try parseCSV("a,b\n1,\"2\"").rows == [["1", "2"]])
        #expect(try parseCSV("a,b\n1,").rows == [["1", ""]])
        #expect(try parseCSV("a,b").rows == [])
    }

    @Test("blank lines are skipped and not counted; lines of commas are records")
    func blankLines() throws {
        let parsed = try parseCSV("\n\r\na,b\n\n1,2\r\n\r\n\n3,4\n\n,\n\n")
        #expect(parsed.header == ["a", "b"])
        #expect(parsed.rows == [["1", "2"], ["3", "4"], ["", ""]])
        #expect(parsed.problems.isEmpty)
    }

    @Test("a quoted empty line is a record of one empty field")
    func quotedEmptyLine() throws {
        let parsed = try parseCSV("name\n\"\"\nx\n")
        #expect(parsed.rows == [[""], ["x"]])
    }

    @Test("ragged rows get csv_ragged with counts and reading goes on")
    func raggedRows() throws {
        let reader = try CSVReader(
            source: MemoryByteSource(Array("a,b,c\n1,2\n1,2,3\n1,2,3,4\n5,6,7\n".utf8)),
            path: "r.csv"
        )
        let records = try allRecords(reader)
        #expect(records.map(\.row) == [1, 2, 3, 4])
        #expect(
            records.map { $0.problem?.code } == [RecordsError.Code.csvRagged, nil, RecordsError.Code.csvRagged, nil]
        )
        #expect(records[0].problem?.message == "expected 3 fields, found 2")
        #expect(records[0].problem?.row == 1)
        #expect(records[0].problem?.path == "r.csv")
        #expect(records[0].problem?.byteOffset == 6)
        #expect(records[2].problem?.message == "expected 3 fields, found 4")
        #expect(records[2].strings == ["1", "2", "3", "4"])
        #expect(records[3].strings == ["5", "6", "7"])
    }

    @Test("an unterminated quote at the end flags the last record and ends reading")
    func unterminatedQuote() throws {
        let reader = try CSVReader(
            source: MemoryByteSource(Array("a,b\n1,2\n3,\"open\nstill open,\n".utf8)),
            path: "u.csv"
        )
        let records = try allRecords(reader)
        #expect(records.count == 2)
        #expect(records[0].problem == nil)
        #expect(records[1].row == 2)
        #expect(records[1].problem?.code == RecordsError.Code.csvUnterminatedQuote)
        #expect(records[1].strings == ["3", "open\nstill open,\n"])
        #expect(try reader.next() == nil)
    }

    @Test("invalid UTF-8 is reported naming the column; the bytes stay available")
    func invalidUTF8() throws {
        let bytes =
            Array("id,name,city\n1,ok,fine\n2,".utf8) + [0x41, 0xC3, 0x28] + Array(",Paris\n3,x,\u{1F600}\n".utf8)
        let reader = try CSVReader(source: MemoryByteSource(bytes), path: "u.csv")
        let records = try allRecords(reader)
        #expect(records.count == 3)
        #expect(records[0].problem == nil)
        let problem = try #require(records[1].problem)
        #expect(problem.code == RecordsError.Code.invalidUTF8)
        #expect(problem.column == "name")
        #expect(problem.row == 2)
        #expect(problem.message == "column \"name\" is not valid UTF-8")
        #expect(Array(records[1].field(1)) == [0x41, 0xC3, 0x28])
        #expect(records[1].string(1) == "A\u{FFFD}(")
        #expect(records[2].problem == nil)
        #expect(records[2].string(2) == "\u{1F600}")
    }

    @Test("UTF-8 validation rejects overlongs, surrogates and values past U+10FFFF, at any position")
    func utf8Edges() {
        let valid: [[UInt8]] = [
            Array("é€𐍈 mixed ✓".utf8), [0xC2, 0x80], [0xDF, 0xBF], [0xE0, 0xA0, 0x80], [0xED, 0x9F, 0xBF],
            [0xEE, 0x80, 0x80], [0xF0, 0x90, 0x80, 0x80], [0xF4, 0x8F, 0xBF, 0xBF], [],
        ]
        let invalid: [[UInt8]] = [
            [0xC0, 0x80], [0xC1, 0xBF], [0xE0, 0x80, 0x80], [0xE0, 0x9F, 0xBF], [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF],
            [0xF0, 0x8F, 0xBF, 0xBF], [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xFF], [0x80], [0xE2, 0x82],
            [0xC3, 0x41], [0xF0, 0x90, 0x80],
        ]
        // Each case alone, after eight ASCII bytes (word path), and followed by ASCII (4-byte loads).
        func variants(_ bytes: [UInt8]) -> [[UInt8]] {
            [
                bytes, Array("12345678".utf8) + bytes, bytes + Array("abcd".utf8),
                Array("x".utf8) + bytes + Array("yz".utf8),
            ]
        }
        func check(_ bytes: [UInt8]) -> Bool {
            bytes.withUnsafeBytes {
                ByteScan.isValidUTF8($0.baseAddress ?? UnsafeRawPointer(bitPattern: 8)!, count: $0.count)
            }
        }
        for bytes in valid.flatMap(variants) { #expect(check(bytes), "\(bytes)") }
        for bytes in invalid.flatMap(variants) { #expect(!check(bytes), "\(bytes)") }
    }

    @Test("UTF-8 validation agrees with the standard library on random byte soup")
    func utf8Random() {
        var generator = SeededGenerator(state: 99)
        let pieces: [[UInt8]] = [
            [0x41], [0x00], Array("abcdefghij".utf8), [0xC3, 0xA9], [0xE2, 0x82, 0xAC], [0xF0, 0x9F, 0x98, 0x80],
            [0x80], [0xC3], [0xED, 0xA0], [0xF4, 0x90], [0xE0], [0xBF], [0xFE],
        ]
        for _ in 0..<3000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int.random(in: 0...12, using: &generator) {
                bytes += pieces.randomElement(using: &generator)!
            }
            let expected = String(validating: bytes, as: UTF8.self) != nil
            let got = bytes.withUnsafeBytes {
                ByteScan.isValidUTF8($0.baseAddress ?? UnsafeRawPointer(bitPattern: 8)!, count: $0.count)
            }
            #expect(got == expected, "\(bytes)")
            let clean = bytes.withUnsafeBytes {
                ByteScan.isCleanUTF8($0.baseAddress ?? UnsafeRawPointer(bitPattern: 8)!, count: $0.count)
            }
            #expect(clean == (expected && !bytes.contains(0)), "\(bytes)")
        }
    }

    @Test("a NUL byte flags the record with nul_byte naming the column")
    func nulByte() throws {
        let bytes = Array("a,b\n1,x".utf8) + [0] + Array("y\n2,z\n".utf8)
        let records = try allRecords(try CSVReader(source: MemoryByteSource(bytes), path: "n.csv"))
        #expect(records.map { $0.problem?.code } == [RecordsError.Code.nulByte, nil])
        #expect(records[0].problem?.column == "b")
        #expect(records[1].strings == ["2", "z"])
    }

    @Test("a record over maxRecordBytes is flagged, not buffered, and the next record is read")
    func recordTooLarge() throws {
        let big = String(repeating: "x", count: 2 << 20)
        let text = "id,body\n1,small\n2,\"\(big)\"\n3,\(big)\n4,after\n"
        let reader = try CSVReader(
            source: MemoryByteSource(Array(text.utf8), maxChunk: 100_000),
            path: "big.csv",
            maxRecordBytes: 1 << 20,
            readBufferSize: 64 << 10
        )
        let records = try allRecords(reader)
        #expect(records.map(\.row) == [1, 2, 3, 4])
        #expect(
            records.map { $0.problem?.code } == [
                nil, RecordsError.Code.recordTooLarge, RecordsError.Code.recordTooLarge, nil,
            ]
        )
        // Fields completed before the limit was crossed are kept (the id column).
        #expect(records[1].fieldCount == 1)
        #expect(records[1].string(0) == "2")
        #expect(records[3].strings == ["4", "after"])
        #expect(reader.bytesConsumed == Int64(text.utf8.count))
    }

    @Test("a runaway quote that swallows the rest of the file reports the quote, not the size")
    func runawayQuote() throws {
        let text = "id,body\n1,ok\n2,\"oops\n" + String(repeating: "3,later row\n", count: 1000)
        let reader = try CSVReader(
            source: MemoryByteSource(Array(text.utf8)),
            path: "q.csv",
            maxRecordBytes: 1000,
            readBufferSize: 256
        )
        let records = try allRecords(reader)
        #expect(records.count == 2)
        #expect(records[1].problem?.code == RecordsError.Code.csvUnterminatedQuote)
        #expect(records[1].strings == ["2"])
    }

    @Test("an empty or blank file has no header")
    func emptyHeader() {
        for text in ["", "\n\n\r\n", "\u{FEFF}"] {
            #expect(throws: RecordsError.self) { try parseCSV(text) }
            do {
                _ = try parseCSV(text)
            } catch let error as RecordsError {
                #expect(error.code == RecordsError.Code.emptyHeader)
                #expect(error.path == "test.csv")
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
    }

    @Test("duplicate header names are refused; empty names are allowed")
    func duplicateHeader() throws {
        do {
            _ = try parseCSV("id,name,id,x,name\n")
            Issue.record("expected duplicate_header")
        } catch let error as RecordsError {
            #expect(error.code == RecordsError.Code.duplicateHeader)
            #expect(error.message == "duplicate header names: \"id\", \"name\"")
            #expect(error.column == "id")
        }
        let parsed = try parseCSV("a,,b,\n1,2,3,4\n")
        #expect(parsed.header == ["a", "", "b", ""])
        #expect(parsed.rows == [["1", "2", "3", "4"]])
    }

    @Test("header names are kept exactly, spaces included")
    func headerKeptExactly() throws {
        #expect(try parseCSV(" id , \"na,me\"\n1,2\n").header == [" id ", " \"na", "me\""])
        #expect(try parseCSV("\"id\",\"na\"\"me\"\n1,2\n").header == ["id", "na\"me"])
    }

    @Test("stray quotes are taken literally: inside unquoted fields and after a closing quote")
    func strayQuotes() throws {
        let parsed = try parseCSV("a,b,c\nab\"c,\"x\"y,5\" tall\n")
        #expect(parsed.rows == [["ab\"c", "xy", "5\" tall"]])
        #expect(parsed.problems.isEmpty)
    }

    @Test("invalid UTF-8 or NUL in the header is a file-level error")
    func badHeader() {
        #expect(throws: RecordsError.self) { try parseCSV(Array("a,".utf8) + [0xFF] + Array("\n1,2\n".utf8)) }
        #expect(throws: RecordsError.self) { try parseCSV(Array("a,".utf8) + [0] + Array("\n1,2\n".utf8)) }
        #expect(throws: RecordsError.self) { try parseCSV("\"a,b\n1,2\n") }
    }

    @Test("bytesConsumed follows records through the decompressed stream")
    func bytesConsumed() throws {
        let text = "a\n1\n22\n"
        let reader = try CSVReader(source: MemoryByteSource(Array(text.utf8)), path: "b.csv")
        #expect(reader.bytesConsumed == 2)
        _ = try reader.next()
        #expect(reader.bytesConsumed == 4)
        _ = try reader.next()
        #expect(reader.bytesConsumed == 7)
        #expect(try reader.next() == nil)
    }

    @Test("withField hands out each field's bytes")
    func withField() throws {
        let reader = try CSVReader(source: MemoryByteSource(Array("a,b,c\nx,,\"q\"\"\"\n".utf8)), path: "w.csv")
        let record = try #require(try reader.next())
        #expect(record.fieldCount == 3)
        #expect(record.withField(0) { Array($0) } == [0x78])
        #expect(record.withField(1) { $0.count } == 0)
        #expect(record.withField(2) { Array($0) } == [0x71, 0x22])
    }
}
