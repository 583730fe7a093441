import Foundation
import SluiceJSON
import Testing

@testable import SluiceCore

/// `then:` — the filter, its validation against the output schema, and the chained file's delivery.
@Suite struct ChainTests {
    func parse(_ then: String) throws(SpecError) -> PipelineSpec {
        try SpecLoader.parse(yaml: validSpec + "\nthen: " + then + "\n", name: "tickets", file: "pipelines/tickets.yaml")
    }

    func problems(_ then: String) -> [SpecProblem] {
        do {
            _ = try parse(then)
            return []
        } catch {
            return error.problems
        }
    }

    let urgent: JSONValue = ["category": "billing", "urgency": 4]
    let calm: JSONValue = ["category": "shipping", "urgency": 2]

    @Test func aPipelineNameChainsEveryRow() throws {
        let spec = try parse("summarize")
        #expect(spec.chain == ChainSpec(pipeline: "summarize"))
        #expect(spec.then == "summarize")
    }

    @Test func theMappingFormTakesOneTest() throws {
        let spec = try parse("{pipeline: summarize, where: {field: urgency, gte: 4}}")
        let filter = try #require(spec.chain?.filter)
        #expect(spec.chain?.pipeline == "summarize")
        #expect(filter == RowFilter(field: "urgency", test: .atLeast(4)))
        #expect(filter.description == "urgency >= 4")
        #expect(filter.matches(urgent))
        #expect(!filter.matches(calm))
        #expect(!filter.matches(["category": "bug"]), "a missing field is no number")
    }

    @Test func everyOperatorDecidesAsWritten() {
        let cases: [(String, RowFilter.Test, [Bool])] = [
            ("category", .equals("billing"), [true, false]), ("category", .notEquals("billing"), [false, true]),
            ("category", .oneOf(["shipping", "no"]), [false, true]), ("urgency", .greaterThan(2), [true, false]),
            ("urgency", .atLeast(2), [true, true]), ("urgency", .lessThan(4), [false, true]),
            ("urgency", .atMost(4), [true, true]),
        ]
        for (field, test, expected) in cases {
            let filter = RowFilter(field: field, test: test)
            #expect([filter.matches(urgent), filter.matches(calm)] == expected, "\(filter)")
        }
        #expect(RowFilter(field: "urgency", test: .equals(.double(4))).matches(urgent), "4.0 equals 4")
        #expect(RowFilter(field: "content", test: .equals("yes"), wholeOutput: true).matches("yes"))
    }

    @Test func anUnknownFieldNamesTheFieldsThereAre() {
        let found = problems("{pipeline: summarize, where: {field: urgncy, gte: 4}}")
        #expect(found.map(\.code) == ["spec.chain_unknown_field"])
        #expect(found.first?.keyPath == "then.where.field")
        #expect(found.first?.message.contains("fields: category, urgency") == true)
        let prefixed = problems("{pipeline: summarize, where: {field: ai_urgency, gte: 4}}")
        #expect(prefixed.first?.message.contains("without the prefix 'ai_'") == true)
    }

    @Test func operandsMustFitTheSchema() {
        let expectations: [(String, String, String)] = [
            ("{field: category, gte: 4}", "spec.chain_type_mismatch", "then.where.gte"),
            ("{field: urgency, gte: \"4\"}", "spec.invalid_type", "then.where.gte"),
            ("{field: urgency, equals: \"4\"}", "spec.chain_type_mismatch", "then.where.equals"),
            ("{field: category, equals: urgnet}", "spec.chain_value_not_in_enum", "then.where.equals"),
            ("{field: category, in: [billing, refund]}", "spec.chain_value_not_in_enum", "then.where.in"),
            ("{field: category, in: []}", "spec.invalid_type", "then.where.in"),
            ("{field: category, equals: [billing]}", "spec.invalid_type", "then.where.equals"),
            ("{field: urgency}", "spec.missing_key", "then.where"),
            ("{field: urgency, gte: 4, lte: 5}", "spec.conflict", "then.where"),
            ("{gte: 4}", "spec.missing_key", "then.where.field"),
        ]
        for (filter, code, keyPath) in expectations {
            let found = problems("{pipeline: summarize, where: \(filter)}")
            #expect(found.map(\.code) == [code], "\(filter): \(found)")
            #expect(found.first?.keyPath == keyPath, "\(filter)")
        }
    }

    @Test func aMistypedOperatorIsNamed() {
        let found = problems("{pipeline: summarize, where: {field: urgency, above: 4}}")
        #expect(found.map(\.code) == ["spec.missing_key", "spec.unknown_key"])
        #expect(found.last?.keyPath == "then.where.above")
        #expect(found.last?.message.contains("gte") == true, "the allowed operators are listed")
    }

    @Test func theTargetMustBeAnotherPipeline() {
        #expect(problems("tickets").map(\.code) == ["spec.invalid_value"])
        #expect(problems("{pipeline: tickets}").first?.keyPath == "then.pipeline")
        #expect(problems("../etc").map(\.code) == ["spec.invalid_value"])
        #expect(problems("{where: {field: urgency, gte: 4}}").map(\.code) == ["spec.missing_key"])
        #expect(problems("{pipeline: summarize, filter: x}").map(\.code) == ["spec.unknown_key"])
    }

    @Test func theChainedFileIsDeliveredOnceFromItsSealedTemporary() throws {
        let folder = FileManager.default.temporaryDirectory.path + "/chain-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let target = ChainTarget(
            folder: folder + "/inbox/summarize", baseName: "t.from-tickets-abc",
            filter: RowFilter(field: "urgency", test: .atLeast(4)))
        let writer = try ChainWriter(target: target, fileExtension: "csv", gzip: false)
        try writer.header(Array("id,ai_urgency\r\n".utf8))
        try writer.offer(Array("1,4\r\n".utf8), output: urgent)
        try writer.offer(Array("2,2\r\n".utf8), output: calm)
        let sealed = try writer.seal()
        #expect(sealed.rows == 1)
        let path = try #require(sealed.path)
        #expect(path == folder + "/inbox/summarize/t.from-tickets-abc.csv")
        #expect(FileManager.default.contents(atPath: ChainWriter.temporaryPath(for: path)) == Data("id,ai_urgency\r\n1,4\r\n".utf8))
        #expect(IntakeNames.isIgnored(".t.from-tickets-abc.csv.tmp"))
        #expect(!FileManager.default.fileExists(atPath: path), "nothing in the inbox before delivery")
        #expect(try ChainWriter.deliver(finalPath: path))
        // A restart that finds no temporary (renamed before the record) delivers nothing more.
        #expect(try !ChainWriter.deliver(finalPath: path))
        let names = try FileManager.default.contentsOfDirectory(atPath: folder + "/inbox/summarize")
        #expect(names == ["t.from-tickets-abc.csv"])
    }

    @Test func noMatchingRowLeavesNothing() throws {
        let folder = FileManager.default.temporaryDirectory.path + "/chain-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let target = ChainTarget(folder: folder, baseName: "t", filter: RowFilter(field: "urgency", test: .atLeast(5)))
        let writer = try ChainWriter(target: target, fileExtension: "jsonl", gzip: true)
        try writer.offer(Array("{\"urgency\":4}\n".utf8), output: urgent)
        let sealed = try writer.seal()
        #expect(sealed.path == nil && sealed.rows == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty)
    }
}
