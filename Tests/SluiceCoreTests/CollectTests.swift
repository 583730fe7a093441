import Foundation
import SluiceJSON
import SluiceTesting
import Testing

@testable import SluiceCore

@Suite struct CollectTests {
    @Test func carriedIDsTagTheDropAndSplitRestoresThem() async throws {
        let line = Array(#"{"custom_id":"r12","method":"POST","url":"/v1/chat/completions","body":{}}"#.utf8) + [0x0A]
        let carried = CarriedRequests.carried(line[...], drop: 45)
        #expect(String(decoding: carried, as: UTF8.self)
            == #"{"custom_id":"r12_d45","method":"POST","url":"/v1/chat/completions","body":{}}"# + "\n")
        #expect(CarriedRequests.parse("r12_d45")! == (45, "r12"))
        #expect(CarriedRequests.parse("r12-2") == nil)
        // The tagged id still fits Anthropic's custom_id rule.
        #expect(try Regex("^[a-zA-Z0-9_-]{1,64}$").wholeMatch(in: "r123456789_d987654321") != nil)

        try await withTemporaryDirectory { dir in
            try writeFile(
                dir + "/out.jsonl",
                #"{"id":"a","custom_id":"r1_d7","response":{"status_code":200}}"# + "\n"
                    + #"{"id":"b","custom_id":"r1_d8","response":{"status_code":200}}"# + "\n"
                    + #"{"id":"c","custom_id":"r2_d7","response":{"status_code":200}}"# + "\n"
                    + #"{"id":"d","custom_id":"r9_d99","response":{"status_code":200}}"# + "\n" + "not json\n")
            try writeFile(dir + "/err.jsonl", #"{"id":"e","custom_id":"r3_d8","error":{"code":"x"}}"# + "\n")
            try SluicePaths.ensureDirectory(dir + "/7")
            try SluicePaths.ensureDirectory(dir + "/8")
            let split = try CarriedRequests.split(
                resultFiles: [dir + "/out.jsonl", dir + "/err.jsonl"], into: [7: dir + "/7", 8: dir + "/8"])
            func ids(_ path: String) throws -> [String] {
                try readLines(path).map { try JSONParser.parse($0)["custom_id"]!.stringValue! }
            }
            #expect(try split[7]!.map(ids) == [["r1", "r2"], []])
            #expect(try split[8]!.map(ids) == [["r1"], ["r3"]])
            #expect(try JSONParser.parse(try readLines(split[8]![0])[0])["id"] == "b")
        }
    }

    @Test func anAliasTakesACopyOfItsRequestsAnswerMarkedSharedWithoutUsage() async throws {
        try await withTemporaryDirectory { dir in
            try writeFile(
                dir + "/out.jsonl",
                #"{"id":"a","custom_id":"r1_d7","response":{"status_code":200,"body":{"x":1,"usage":{"prompt_tokens":3}}}}"#
                    + "\n")
            try SluicePaths.ensureDirectory(dir + "/7")
            try SluicePaths.ensureDirectory(dir + "/8")
            try CarriedRequests.writeAliases([("r1_d7", "r4_d8"), ("r1_d7", "r5_d7")], to: dir + "/aliases.jsonl")
            let aliases = try CarriedRequests.readAliases(dir + "/aliases.jsonl")
            #expect(aliases == ["r1_d7": ["r4_d8", "r5_d7"]])
            let split = try CarriedRequests.split(
                resultFiles: [dir + "/out.jsonl"], into: [7: dir + "/7", 8: dir + "/8"], aliases: aliases)
            let seven = try readLines(split[7]![0])
            let eight = try readLines(split[8]![0])
            #expect(seven.count == 2 && eight.count == 1)
            let copy = try JSONParser.parse(eight[0])
            #expect(copy["custom_id"] == "r4")
            #expect(copy["response"]?["body"] == ["x": 1])
            #expect(CarriedRequests.isShared(Array(eight[0].utf8)))
            let original = seven.first { $0.contains(#""custom_id":"r1""#) }!
            #expect(!CarriedRequests.isShared(Array(original.utf8)))
            #expect(try JSONParser.parse(original)["response"]?["body"]?["usage"] == ["prompt_tokens": 3])
        }
    }

    @Test func collectIsParsedAndConflictsAreReported() throws {
        let spec = try SpecLoader.parse(
            yaml: validSpec.replacingOccurrences(
                of: "  target_mb: 10\n", with: "  target_mb: 10\n  collect: {window: 2m, min_requests: 500}\n"),
            name: "t", file: "t.yaml")
        #expect(spec.batch.collect == CollectSettings(window: .seconds(120), minRequests: 500))
        let defaults = try SpecLoader.parse(
            yaml: validSpec.replacingOccurrences(of: "  target_mb: 10\n", with: "  target_mb: 10\n  collect: {}\n"),
            name: "t", file: "t.yaml")
        #expect(defaults.batch.collect == CollectSettings(window: .seconds(300), minRequests: 1000))
        #expect(try SpecLoader.parse(yaml: validSpec, name: "t", file: "t.yaml").batch.collect == nil)
        #expect(throws: SpecError.self) {
            try SpecLoader.parse(
                yaml: validSpec.replacingOccurrences(of: "  target_mb: 10\n", with: "  target_mb: 10\n  collect: {}\n")
                    + "canary: {rows: 10}\n", name: "t", file: "t.yaml")
        }
        #expect(throws: SpecError.self) {
            try SpecLoader.parse(
                yaml: validSpec.replacingOccurrences(of: "  target_mb: 10\n", with: "  target_mb: 10\n  collect: {windw: 2m}\n"),
                name: "t", file: "t.yaml")
        }
    }
}
