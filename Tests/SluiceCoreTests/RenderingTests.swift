import Foundation
import SluiceJSON
import SluiceTesting
import Testing

@testable import SluiceCore

@Suite struct RenderingTests {
    let spec = try! SpecLoader.parse(yaml: validSpec, name: "tickets", file: "tickets.yaml")

    @Test func chatLineIsTheOpenAIBatchShape() async throws {
        try await withTemporaryDirectory { dir in
            let csv = "ticket_id,subject,body\r\nT1,\"Refund, please\",\"He said \"\"no\"\"\nthen left 😞\"\r\n"
            try writeFile(dir + "/t.csv", csv)
            let stager = Stager(
                spec: spec, line: OpenAIRequestFormat.line(for: spec), providerMaxBytes: 200_000_000,
                providerMaxRequests: 50_000)
            let result = try stager.stage(sourcePath: dir + "/t.csv", fileName: "t.csv", directory: dir)
            #expect(result.rowsIn == 1)
            #expect(result.chunks.count == 1)
            let lines = try readLines(result.chunks[0].path)
            #expect(lines.count == 1)
            let line = try JSONParser.parse(lines[0])
            #expect(line["custom_id"] == "r1")
            #expect(line["method"] == "POST")
            #expect(line["url"] == "/v1/chat/completions")
            let body = try #require(line["body"])
            #expect(body["model"] == "gpt-4o-mini")
            #expect(body["max_tokens"] == 200)
            #expect(body["temperature"] == 0)
            #expect(
                body["messages"]
                    == [
                        ["role": "system", "content": "You label support tickets."],
                        ["role": "user", "content": "Subject: Refund, please\nBody: He said \"no\"\nthen left 😞\n"],
                    ])
            let format = try #require(body["response_format"])
            #expect(format["type"] == "json_schema")
            #expect(format["json_schema"]?["strict"] == true)
            #expect(format["json_schema"]?["name"] == "output")
            #expect(format["json_schema"]?["schema"]?["required"] == ["category", "urgency"])
        }
    }

    @Test func embeddingsLine() async throws {
        let yaml = """
            provider: local
            model: text-embedding-3-small
            endpoint: embeddings
            prompt: "{{title}}: {{meta.tags}}"
            params: {dimensions: 8}
            """
        let spec = try SpecLoader.parse(yaml: yaml, name: "emb", file: "emb.yaml")
        try await withTemporaryDirectory { dir in
            try writeFile(dir + "/e.jsonl", #"{"title":"Tab\there","meta":{"tags":["a","b"]}}"# + "\n")
            let stager = Stager(
                spec: spec, line: OpenAIRequestFormat.line(for: spec), providerMaxBytes: 200_000_000,
                providerMaxRequests: 50_000)
            let result = try stager.stage(sourcePath: dir + "/e.jsonl", fileName: "e.jsonl", directory: dir)
            let line = try JSONParser.parse(try readLines(result.chunks[0].path)[0])
            #expect(line["url"] == "/v1/embeddings")
            #expect(line["body"] == ["model": "text-embedding-3-small", "input": "Tab\there: [\"a\",\"b\"]", "dimensions": 8])
        }
    }

    @Test func chunksRespectRequestAndByteLimits() async throws {
        var spec = self.spec
        spec.batch.maxRequests = 40
        try await withTemporaryDirectory { dir in
            var csv = "ticket_id,subject,body\n"
            for i in 1...100 { csv += "T\(i),s\(i),\(String(repeating: "x", count: i * 10))\n" }
            try writeFile(dir + "/t.csv", csv)
            let stager = Stager(
                spec: spec, line: OpenAIRequestFormat.line(for: spec), providerMaxBytes: 20_000,
                providerMaxRequests: 50_000)
            let result = try stager.stage(sourcePath: dir + "/t.csv", fileName: "t.csv", directory: dir)
            #expect(result.rowsIn == 100)
            #expect(result.chunks.reduce(0) { $0 + $1.requests } == 100)
            for chunk in result.chunks {
                #expect(chunk.requests <= 40)
                let size = try FileManager.default.attributesOfItem(atPath: chunk.path)[.size] as! Int
                #expect(size == chunk.bytes)
                #expect(size <= 20_000)
                #expect(try readLines(chunk.path).count == chunk.requests)
            }
            // Contiguous, ordered row ranges.
            for (a, b) in zip(result.chunks, result.chunks.dropFirst()) { #expect(b.firstRow == a.lastRow + 1) }
            #expect(result.chunks.first?.firstRow == 1)
            #expect(result.chunks.last?.lastRow == 100)
        }
    }

    @Test func badRowsBecomeStagingFailuresAndTheRestGoesOn() async throws {
        try await withTemporaryDirectory { dir in
            let csv = "ticket_id,subject,body\nT1,a,b\nT2,only-two\nT3,c,\(String(repeating: "y", count: 30_000))\nT4,d,e\n"
            try writeFile(dir + "/t.csv", csv)
            let stager = Stager(
                spec: spec, line: OpenAIRequestFormat.line(for: spec), providerMaxBytes: 20_000,
                providerMaxRequests: 50_000)
            let result = try stager.stage(sourcePath: dir + "/t.csv", fileName: "t.csv", directory: dir)
            #expect(result.rowsIn == 4)
            #expect(result.failedRows == 2)
            #expect(result.chunks.map(\.requests) == [2])
            let failures = try readLines(dir + "/" + Stager.failuresFileName).map { try JSONParser.parse($0) }
            #expect(failures.map { $0["row"] } == [2, 3])
            #expect(failures[0]["error"]?["code"] == "records.csv_ragged")
            #expect(failures[0]["error"]?["category"] == "input")
            #expect(failures[1]["error"]?["code"] == "input.request_too_large")
        }
    }

    @Test func missingCSVColumnRejectsTheFile() async throws {
        try await withTemporaryDirectory { dir in
            try writeFile(dir + "/t.csv", "ticket_id,subject\nT1,a\n")
            let stager = Stager(
                spec: spec, line: OpenAIRequestFormat.line(for: spec), providerMaxBytes: 200_000_000,
                providerMaxRequests: 50_000)
            let error = #expect(throws: DropRejection.self) {
                try stager.stage(sourcePath: dir + "/t.csv", fileName: "t.csv", directory: dir)
            }
            #expect(error?.code == "drop.missing_column")
            #expect(error?.reason.contains("'body'") == true)
        }
    }
}
