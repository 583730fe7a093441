import Foundation
import SluiceJSON
import SluiceTesting
import Testing

@testable import SluiceCore

/// The retry planner: which rows go again, and the exact request line they go with.
@Suite struct RetryPlannerTests {
    static let openAILine = #"{"custom_id":"r12","method":"POST","url":"/v1/chat/completions","body":{"model":"m","messages":[{"role":"user","content":"Classify: a"}]}}"#

    @Test func aRetryIsTheStagedLineByteForByteWithANewCustomID() {
        let line = Array(Self.openAILine.utf8)
        let (row, request) = try! #require(RetryPlanner.requestLine(line))
        #expect(row == 12)
        let renamed = String(decoding: RetryPlanner.renamed(request, row: row, round: 3), as: UTF8.self)
        #expect(renamed == Self.openAILine.replacingOccurrences(of: #""r12""#, with: #""r12-3""#) + "\n")
        // A line of a retry chunk (already renamed) and an Anthropic framed line (a leading comma) parse too.
        #expect(RetryPlanner.requestLine(Array(#",{"custom_id":"r7-2","params":{}}"#.utf8))?.row == 7)
        #expect(RetryPlanner.requestLine(Array(#"{"requests":["#.utf8)) == nil)
        let again = RetryPlanner.renamed(RetryPlanner.requestLine(Array(#"{"custom_id":"r7-2","params":{}}"#.utf8))!.line, row: 7, round: 3)
        #expect(String(decoding: again, as: UTF8.self) == #"{"custom_id":"r7-3","params":{}}"# + "\n")
    }

    @Test func aRepairRetryShowsTheModelItsAnswerAndWhyItFailed() throws {
        let line = Array(Self.openAILine.utf8)
        let failed = RetryPlanner.FailedAnswer(raw: #"{"category":"refund"}"#, message: "/category: not one of billing, bug")
        let repaired = try #require(RetryPlanner.repaired(line[...], row: 12, round: 2, after: failed))
        #expect(String(decoding: repaired.prefix(25), as: UTF8.self) == #"{"custom_id":"r12-2","met"#)
        let value = try JSONParser.parse(repaired.dropLast())
        let messages = value["body"]?["messages"]?.arrayValue ?? []
        #expect(messages.count == 3)
        #expect(messages[1] == ["role": "assistant", "content": #"{"category":"refund"}"#])
        #expect(messages[2]["role"] == "user")
        #expect(messages[2]["content"]?.stringValue?.contains("/category: not one of billing, bug") == true)
        // Anthropic lines keep their messages under params.
        let anthropic = Array(#"{"custom_id":"r5","params":{"model":"c","max_tokens":9,"messages":[{"role":"user","content":"x"}]}}"#.utf8)
        let fixed = try #require(RetryPlanner.repaired(anthropic[...], row: 5, round: 2, after: failed))
        #expect(try JSONParser.parse(fixed.dropLast())["params"]?["messages"]?.arrayValue?.count == 3)
    }

    @Test func onlyTheLatestRetryableOutcomeOfARowCounts() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir + "/outcomes-1.jsonl"
            let writer = try OutcomeWriter(path: path)
            let schema = RowFailure(category: .schema, code: "schema.enum", message: "bad enum")
            let refused = RowFailure(category: .permanent, code: "output.refusal", message: "no")
            try writer.append(row: 1, attempts: 1, output: .failure(schema), raw: "{}", usage: nil)
            try writer.append(row: 2, attempts: 1, output: .failure(refused), raw: nil, usage: nil)
            try writer.append(row: 3, attempts: 1, output: .success(["category": "bug"]), raw: nil, usage: nil)
            try writer.append(row: 4, attempts: 1, output: .failure(schema), raw: "{}", usage: nil)
            try writer.append(row: 4, attempts: 1, output: .success(["category": "bug"]), raw: nil, usage: nil)
            try writer.finish()
            let plain = try RetryPlanner.retryableRows([.init(outcomes: path)])
            #expect(plain.rows == [1])
            #expect(plain.repairs.isEmpty)
            let repair = try RetryPlanner.retryableRows([.init(outcomes: path)], repair: true)
            #expect(repair.repairs[1]?.message == "bad enum")
        }
    }
}
