import SluiceJSON
import SluiceRecords
import SluiceTesting
import Testing

@testable import SluiceCore

/// `AnswerLine.read` against parsing the line whole (`RowOutcome(json:)`), on random outcome lines written by
/// `OutcomeWriter` and on damaged ones: whatever it takes reads as the parse does; every answer the writer writes
/// is taken; failures are left to the parse.
@Suite struct AnswerLineTests {
    @Test func readsWhatTheParseReadsOnRandomLines() async throws {
        try await withTemporaryDirectory { dir in
            var random = SeededGenerator(state: 0x5EED_0012)
            let path = dir + "/outcomes.jsonl"
            let writer = try OutcomeWriter(path: path)
            var written: [(answer: Bool, row: Int)] = []
            for row in 1...5_000 {
                let value = (try? JSONParser.parse(JSONPruningParserTests.randomText(&random))) ?? .int(row)
                let answer = Bool.random(using: &random)
                let failure = RowFailure(category: .schema, code: "schema.enum", message: "no \"x\"", path: "/x")
                let usage = Bool.random(using: &random)
                    ? OutputInterpreter.Usage(input: Int.random(in: 0...99_999, using: &random), output: row) : nil
                try writer.append(
                    row: row, attempts: Int.random(in: 1...3, using: &random),
                    output: answer ? .success(value) : .failure(failure), raw: answer ? nil : "raw \(row)",
                    usage: usage, shared: Bool.random(using: &random))
                written.append((answer, row))
            }
            try writer.finish()
            let reader = JSONLReader(source: try FileByteSource(path: path), path: path)
            var index = 0
            var damagedTaken = 0
            while let line = try reader.next() {
                let expected = written[index]
                index += 1
                let whole = try RowOutcome(json: try JSONParser.parse(line.bytes))
                let read = line.bytes.withUnsafeBytes { AnswerLine.read($0) }
                #expect((read != nil) == expected.answer, "row \(expected.row)")
                if let read { Self.expectAgreement(read, line.bytes, whole) }
                // The same line damaged: taken only when the parse reads it the same way.
                var damaged = line.bytes
                JSONPruningParserTests.damage(&damaged, &random)
                guard let taken = damaged.withUnsafeBytes({ AnswerLine.read($0) }) else { continue }
                damagedTaken += 1
                guard let json = try? JSONParser.parse(damaged), let parsed = try? RowOutcome(json: json) else {
                    // Only the answer's own text may be broken: rendering it parses it and reports the damage.
                    #expect(
                        (try? JSONParser.parse(Array(damaged[taken.output]))) == nil,
                        "row \(expected.row): \(String(decoding: damaged, as: UTF8.self))")
                    continue
                }
                Self.expectAgreement(taken, damaged, parsed)
            }
            #expect(index == written.count)
            #expect(damagedTaken > 100)
        }
    }

    static func expectAgreement(_ read: AnswerLine, _ bytes: [UInt8], _ whole: RowOutcome) {
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(read.row == whole.row, "\(text)")
        #expect(read.attempts == whole.attempts, "\(text)")
        #expect(read.usage == whole.usage, "\(text)")
        #expect(read.shared == whole.shared, "\(text)")
        #expect((try? JSONParser.parse(Array(bytes[read.output]))).map { Result.success($0) } == whole.output, "\(text)")
    }

    @Test func aFailureLineIsLeftToTheParse() {
        let line = Array(#"{"row":3,"attempts":2,"error":{"category":"schema","code":"x","message":"m"},"raw":"r"}"#.utf8)
        #expect(line.withUnsafeBytes { AnswerLine.read($0) } == nil)
    }
}
