import SluiceJSON
import SluiceRecords
import Testing

@testable import SluiceCore

/// `OutputColumns.appendCSV(answer:)` / `appendJSONMembers(answer:)` against rendering the parsed value, on random
/// answers: the same bytes whenever the text is taken, the writer's own text always taken (but for non-ASCII keys),
/// and damaged text taken only when it is valid JSON.
@Suite struct AnswerCellsTests {
    static let columnSets: [[String?]] = [
        ["custom_id", "x", "id"], ["content"], [nil], ["x", "message", "body", "usage", "error", "status_code"],
    ]

    @Test func rendersWhatTheParsedValueRendersOnRandomAnswers() {
        var random = SeededGenerator(state: 0x5EED_0011)
        var taken = 0
        var writerTextDeclined = 0
        for i in 0..<20_000 {
            let columns = OutputColumns(
                prefix: "ai_", properties: Self.columnSets.randomElement(using: &random)!)
            var text = Array(JSONPruningParserTests.randomText(&random).utf8)
            // Mostly the writer's compact text of a value (what outcome files hold); sometimes damaged or spaced.
            let pick = Int.random(in: 0..<4, using: &random)
            var fromWriter = false
            if pick > 0, let value = try? JSONParser.parse(text) {
                text = JSONWriter.bytes(value)
                fromWriter = true
                if pick == 1 {
                    JSONPruningParserTests.damage(&text, &random)
                    fromWriter = false
                }
            }
            let parsed = try? JSONParser.parse(text)
            for csv in [true, false] {
                let leading = Bool.random(using: &random)
                var fast: [UInt8] = [0x41]
                let took = text.withUnsafeBytes { raw in
                    csv
                        ? columns.appendCSV(answer: raw, to: &fast)
                        : columns.appendJSONMembers(answer: raw, leadingComma: leading, to: &fast)
                }
                let shown = String(decoding: text, as: UTF8.self)
                guard took else {
                    #expect(fast == [0x41], "case \(i) appended while declining: \(shown)")
                    if fromWriter, !shown.contains("é") { writerTextDeclined += 1 }
                    continue
                }
                taken += 1
                guard let parsed else {
                    Issue.record("case \(i) took text that is not JSON: \(shown)")
                    continue
                }
                var slow: [UInt8] = [0x41]
                if csv {
                    columns.appendCSV(parsed, to: &slow)
                } else {
                    columns.appendJSONMembers(parsed, leadingComma: leading, to: &slow)
                }
                #expect(fast == slow, "case \(i) csv \(csv): \(shown)")
            }
        }
        #expect(writerTextDeclined == 0)
        #expect(taken > 15_000)
    }

    @Test func readsTheTicketAnswerWithoutParsing() {
        let columns = OutputColumns(prefix: "ai_", properties: ["category", "urgency", "language", "summary"])
        let text = Array(#"{"summary":"Refund, \"twice\"","category":"billing","urgency":3,"language":"fr"}"#.utf8)
        var csv: [UInt8] = []
        var jsonl: [UInt8] = []
        #expect(text.withUnsafeBytes { columns.appendCSV(answer: $0, to: &csv) })
        #expect(text.withUnsafeBytes { columns.appendJSONMembers(answer: $0, leadingComma: true, to: &jsonl) })
        #expect(String(decoding: csv, as: UTF8.self) == #",billing,3,fr,"Refund, ""twice""""#)
        #expect(
            String(decoding: jsonl, as: UTF8.self)
                == #","ai_category":"billing","ai_urgency":3,"ai_language":"fr","ai_summary":"Refund, \"twice\"""#)
    }
}
