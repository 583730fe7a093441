import Foundation
import SluiceJSON
import SluiceRecords
import SluiceTesting
import Testing

@testable import SluiceCore

@Suite struct AssemblyTests {
    let spec = try! SpecLoader.parse(yaml: validSpec, name: "tickets", file: "tickets.yaml")

    func success(_ id: String, content: String) -> String { openAISuccessLine(id, content: content) }

    @Test func everyRowEndsInExactlyOneFileInInputOrder() async throws {
        try await withTemporaryDirectory { dir in
            let csv =
                "ticket_id,subject,body\r\n" + "T1,\"Hello, world\",\"multi\r\nline\"\r\n" + "T2,b,c\r\n"
                + "T3,ragged\r\n" + "T4,d,e\r\n" + "T5,f,\"say \"\"hi\"\"\"\r\n"
            try writeFile(dir + "/in.csv", csv)
            let line = OpenAIRequestFormat.line(for: spec)
            let stager = Stager(spec: spec, line: line, providerMaxBytes: 200_000_000, providerMaxRequests: 50_000)
            let staged = try stager.stage(sourcePath: dir + "/in.csv", fileName: "in.csv", directory: dir)
            #expect(staged.rowsIn == 5)
            #expect(staged.chunks.count == 1)
            #expect(staged.chunks[0].requests == 4)

            // Results come back shuffled; r2 is not JSON, r4 failed at the provider, r3 was never sent.
            let output = [
                success("r5", content: #"{"category":"shipping","urgency":5}"#),
                success("r1", content: #"{"category":"billing","urgency":2}"#),
                success("r2", content: "I think it is billing"),
            ].joined(separator: "\n") + "\n"
            let errors = #"{"id":"batch_req_2","custom_id":"r4","response":{"status_code":500,"request_id":"x","body":{"error":{"message":"boom","type":"server_error","param":null,"code":null}}},"error":null}"# + "\n"
            try writeFile(dir + "/out.jsonl", output)
            try writeFile(dir + "/err.jsonl", errors)
            let snapshot = BatchSnapshot(id: "batch_1", state: .completed, providerStatus: "completed", total: 4)
            try ResultCollector(interpreter: OutputInterpreter(spec: spec)).collect(
                resultFiles: [dir + "/out.jsonl", dir + "/err.jsonl"], snapshot: snapshot, rows: 1...5,
                into: dir + "/outcomes.jsonl")

            let outbox = dir + "/outbox"
            try SluicePaths.ensureDirectory(outbox)
            let result = try Assembler(spec: spec, line: line).assemble(
                sourcePath: dir + "/in.csv", fileName: "in.csv", workDirectory: dir,
                chunks: [(1, 5, 1, dir + "/outcomes.jsonl")], outbox: outbox)
            #expect(result.rowsIn == 5)
            #expect(result.succeeded == 2)
            #expect(result.failed == 3)
            #expect(result.inputTokens == 30)
            #expect(result.failuresByCategory == ["input": 1, "schema": 1, "transient": 1])
            #expect(result.outputs.map(\.name) == ["in.enriched.csv", "in.failures.jsonl"])

            let enriched = try String(contentsOfFile: outbox + "/in.enriched.csv", encoding: .utf8)
            #expect(
                enriched == "ticket_id,subject,body,ai_category,ai_urgency\r\n"
                    + "T1,\"Hello, world\",\"multi\r\nline\",billing,2\r\n"
                    + "T5,f,\"say \"\"hi\"\"\",shipping,5\r\n")

            let failures = try readLines(outbox + "/in.failures.jsonl").map { try JSONParser.parse($0) }
            #expect(failures.map { $0["row"] } == [2, 3, 4])
            #expect(failures.map { $0["id"] } == ["T2", "T3", "T4"])
            #expect(failures[0]["error"]?["code"] == "output.invalid_json")
            #expect(failures[0]["raw"] == "I think it is billing")
            #expect(failures[0]["attempts"] == 1)
            #expect(failures[0]["record"] == ["ticket_id": "T2", "subject": "b", "body": "c"])
            #expect(failures[1]["error"]?["code"] == "records.csv_ragged")
            #expect(failures[1]["error"]?["category"] == "input")
            #expect(failures[1]["record"] == ["ticket_id": "T3", "subject": "ragged"])
            #expect(failures[2]["error"]?["code"] == "provider.server_error")
            #expect(failures[2]["error"]?["category"] == "transient")
            // No temp files left behind.
            let names = try FileManager.default.contentsOfDirectory(atPath: outbox).sorted()
            #expect(names == ["in.enriched.csv", "in.failures.jsonl"])
        }
    }

    @Test func jsonlKeepsOriginalBytesAndAddsKeys() async throws {
        try await withTemporaryDirectory { dir in
            let yaml = validSpec.replacingOccurrences(of: "Subject: {{subject}}", with: "Subject: {{meta.subject}}")
            let spec = try SpecLoader.parse(yaml: yaml, name: "t", file: "t.yaml")
            let jsonl = """
                {"ticket_id": "A",  "meta": {"subject": "x"}, "body": "é"}
                [1,2]

                {"ticket_id":"B","meta":{"subject":"y"},"body":"b"}   
                {"ticket_id":"C","body":"no meta"}

                """
            try writeFile(dir + "/in.jsonl", jsonl)
            let line = OpenAIRequestFormat.line(for: spec)
            let staged = try Stager(spec: spec, line: line, providerMaxBytes: 200_000_000, providerMaxRequests: 50_000)
                .stage(sourcePath: dir + "/in.jsonl", fileName: "in.jsonl", directory: dir)
            #expect(staged.rowsIn == 4)
            #expect(staged.failedRows == 2)
            let output = [
                success("r3", content: #"{"category":"shipping","urgency":1}"#),
                success("r1", content: #"{"category":"yes","urgency":3}"#),
            ].joined(separator: "\n") + "\n"
            try writeFile(dir + "/out.jsonl", output)
            try ResultCollector(interpreter: OutputInterpreter(spec: spec)).collect(
                resultFiles: [dir + "/out.jsonl"],
                snapshot: BatchSnapshot(id: "b", state: .completed, providerStatus: "completed"), rows: 1...3,
                into: dir + "/outcomes.jsonl")
            let outbox = dir + "/outbox"
            try SluicePaths.ensureDirectory(outbox)
            let result = try Assembler(spec: spec, line: line).assemble(
                sourcePath: dir + "/in.jsonl", fileName: "in.jsonl", workDirectory: dir,
                chunks: [(1, 3, 1, dir + "/outcomes.jsonl")], outbox: outbox)
            #expect(result.succeeded == 2)
            #expect(result.failed == 2)
            let enriched = try readLines(outbox + "/in.enriched.jsonl")
            #expect(
                enriched == [
                    #"{"ticket_id": "A",  "meta": {"subject": "x"}, "body": "é","ai_category":"yes","ai_urgency":3}"#,
                    #"{"ticket_id":"B","meta":{"subject":"y"},"body":"b","ai_category":"shipping","ai_urgency":1}"#,
                ])
            let failures = try readLines(outbox + "/in.failures.jsonl").map { try JSONParser.parse($0) }
            #expect(failures.map { $0["row"] } == [2, 4])
            #expect(failures[0]["error"]?["code"] == "records.jsonl_not_object")
            #expect(failures[0]["record"] == "[1,2]")
            #expect(failures[1]["error"]?["code"] == "template.missing_field")
            #expect(failures[1]["id"] == "C")
        }
    }
}
