import Testing

@testable import SluiceRecords

@Suite("writers")
struct WriterTests {
    @Test("CSVFormat quotes only when needed and doubles quotes")
    func quoting() {
        func encoded(_ value: String) -> String {
            var out: [UInt8] = []
            CSVFormat.appendField(value, to: &out)
            return String(decoding: out, as: UTF8.self)
        }
        #expect(encoded("plain") == "plain")
        #expect(encoded("") == "")
        #expect(encoded("a,b") == "\"a,b\"")
        #expect(encoded("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(encoded("\"") == "\"\"\"\"")
        #expect(encoded("two\nlines") == "\"two\nlines\"")
        #expect(encoded("cr\r") == "\"cr\r\"")
        #expect(encoded(" lead") == "\" lead\"")
        #expect(encoded("trail\t") == "\"trail\t\"")
        #expect(encoded("in side") == "in side")
        #expect(encoded("ünï") == "ünï")
        var record: [UInt8] = []
        CSVFormat.appendRecord(["a", "b,c", ""], to: &record)
        #expect(String(decoding: record, as: UTF8.self) == "a,\"b,c\",\r\n")
    }

    @Test("FileSink writes plain bytes across buffer flushes and large direct writes")
    func plainSink() throws {
        try withTemporaryFolder { folder in
            let path = folder + "/out.csv"
            let sink = try FileSink(path: path, gzip: false, bufferSize: 10)
            var expected: [UInt8] = []
            for part in [Array("abc".utf8), Array("defghij".utf8), Array(repeating: 0x78, count: 25), Array("k".utf8)] {
                try sink.write(part)
                expected += part
            }
            try sink.finish()
            #expect(try readFile(path) == expected)
            #expect(sink.bytesWritten == Int64(expected.count))
            #expect(sink.bytesAccepted == Int64(expected.count))
            #expect(throws: RecordsError.self) { try sink.write([1]) }
        }
    }

    @Test("gzip FileSink output is read by GzipByteSource and by gzip -dc")
    func gzipSink() throws {
        try withTemporaryFolder { folder in
            let path = folder + "/out.csv.gz"
            var generator = SeededGenerator(state: 7)
            var expected: [UInt8] = []
            for row in 0..<20_000 {
                CSVFormat.appendRecord(
                    ["\(row)", "value \(UInt32.random(in: 0...1000, using: &generator))", "x,y"],
                    to: &expected
                )
            }
            let sink = try FileSink(path: path, gzip: true, gzipLevel: 6, bufferSize: 4096)
            var offset = 0
            while offset < expected.count {
                let length = min(Int.random(in: 1...9000, using: &generator), expected.count - offset)
                try sink.write(Array(expected[offset..<(offset + length)]))
                offset += length
            }
            try sink.finish()
            let onDisk = try readFile(path)
            #expect(sink.bytesWritten == Int64(onDisk.count))
            #expect(sink.bytesAccepted == Int64(expected.count))
            #expect(onDisk.count < expected.count / 3)
            #expect(try drain(SourceOpener.open(path: path).source) == expected)
            let (status, output) = try runCommand("/usr/bin/gzip", ["-dc", path])
            #expect(status == 0)
            #expect(output == expected)
        }
    }

    @Test("an empty gzip FileSink is a valid empty gzip file")
    func emptyGzip() throws {
        try withTemporaryFolder { folder in
            let path = folder + "/empty.gz"
            let sink = try FileSink(path: path, gzip: true)
            try sink.finish()
            let (status, output) = try runCommand("/usr/bin/gzip", ["-dc", path])
            #expect(status == 0)
            #expect(output.isEmpty)
            #expect(try drain(SourceOpener.open(path: path).source).isEmpty)
        }
    }

    @Test("AtomicFile commit leaves only the final file; abandon leaves nothing")
    func atomicFile() throws {
        try withTemporaryFolder { folder in
            let final = folder + "/result.csv.gz"
            let file = try AtomicFile(finalPath: final, gzip: true)
            try file.sink.write(Array("a,b\r\n1,2\r\n".utf8))
            let entries = try folderEntries(folder)
            #expect(entries.count == 1)
            #expect(entries[0].hasPrefix(".result.csv.gz.tmp-"))
            #expect(!entries.contains("result.csv.gz"))
            try file.commit()
            #expect(try folderEntries(folder) == ["result.csv.gz"])
            #expect(throws: RecordsError.self) { try file.commit() }
            #expect(try drain(SourceOpener.open(path: final).source) == Array("a,b\r\n1,2\r\n".utf8))

            // Replacing: the old content stays until commit, and abandon keeps it.
            let replacement = try AtomicFile(finalPath: final, gzip: false)
            try replacement.sink.write(Array("new".utf8))
            replacement.abandon()
            #expect(try folderEntries(folder) == ["result.csv.gz"])
            #expect(try drain(SourceOpener.open(path: final).source) == Array("a,b\r\n1,2\r\n".utf8))

            let other = folder + "/never.json"
            let abandoned = try AtomicFile(finalPath: other, gzip: false)
            try abandoned.sink.write(Array("{}".utf8))
            abandoned.abandon()
            #expect(try folderEntries(folder) == ["result.csv.gz"])

            // Dropped without commit or abandon: deinit removes the temp file.
            do {
                let dropped = try AtomicFile(finalPath: folder + "/dropped.csv", gzip: false)
                try dropped.sink.write(Array("x".utf8))
            }
            #expect(try folderEntries(folder) == ["result.csv.gz"])
        }
    }

    @Test("AtomicFile splits bare names and root paths")
    func split() {
        #expect(AtomicFile.split("a.csv") == (".", "a.csv"))
        #expect(AtomicFile.split("/a.csv") == ("/", "a.csv"))
        #expect(AtomicFile.split("x/y/a.csv") == ("x/y", "a.csv"))
    }

    @Test("FileSink into a missing folder is records.io with ENOENT")
    func missingFolder() {
        let error = #expect(throws: RecordsError.self) { try FileSink(path: "/nonexistent-sluice/x.csv", gzip: false) }
        #expect(error?.code == RecordsError.Code.io)
        #expect(error?.errno == 2)
    }
}
