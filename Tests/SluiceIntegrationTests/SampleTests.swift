import Foundation
import SluiceCore
import SluiceHTTP
import SluiceJSON
import SluiceProviders
import SluiceTesting
import Testing

/// `sluice sample`'s sending side against the local provider in-process, over libcurl: one realtime call per
/// sampled row, and each answer read exactly as the batch result it stands for. The proof is `process` on the
/// same file: its enriched outputs and failures.jsonl errors are the sample's, row for row.
@Suite struct SampleTests {
    static func spec(_ provider: String, model: String = "gpt-4o-mini") -> String {
        """
        \(provider)
        model: \(model)
        system: "You label support tickets."
        prompt: "Subject: {{subject}}\\nBody: {{body}}"
        id: ticket_id
        params: {max_tokens: 300}
        output:
          prefix: ai_
          schema:
            type: object
            properties:
              category: {type: string, enum: [billing, shipping, bug]}
              urgency: {type: integer, minimum: 1, maximum: 5}
            required: [category, urgency]
        retry: {max_attempts: 1}
        batch: {poll: {initial: 20ms, max: 200ms}}
        """
    }

    /// Seven tickets: row 2 lacks its body (not sent), row 4 asks for an answer breaking the schema, row 6 for
    /// one that is not JSON; row 7 is past the sample.
    static let drop =
        (1...7).map { i -> String in
            switch i {
            case 2: return #"{"ticket_id": "T2", "subject": "no body"}"#
            case 4: return #"{"ticket_id": "T4", "subject": "Refund", "body": "__sluice_invalid__ please"}"#
            case 6: return #"{"ticket_id": "T6", "subject": "Refund", "body": "__sluice_notjson__ please"}"#
            default:
                return #"{"ticket_id": "T\#(i)", "subject": "Ticket \#(i)", "body": "Charged twice, order \#(i)."}"#
            }
        }.joined(separator: "\n") + "\n"

    /// What one sample of rows 1-6 saw: results, the emulator's stats right after, and each sent row's usage as
    /// the emulator reports it for the same body sent again.
    struct Run {
        var results: [SampleResult]
        var stats: JSONValue
        var replayedUsage: [Int: [Int]]
        var endpoint: String
    }

    func sample(_ specText: String, in dir: String) async throws -> Run {
        let root = SluiceRoot(path: dir)
        let spec = try root.addPipeline("tickets", yaml: specText)
        try writeFile(dir + "/tickets.jsonl", Self.drop)
        let staging = ProviderFactory.staging(for: spec)
        let sample = try DropSampler(
            spec: spec,
            wireFormat: staging.wireFormat,
            providerMaxBytes: staging.limits.bytes,
            providerMaxRequests: staging.limits.requests
        ).sample(
            sourcePath: dir + "/tickets.jsonl",
            fileName: "tickets.jsonl",
            selection: .first(count: 6, skip: 0),
            wholeFile: true
        )
        #expect(sample.file == SampleFileCounts(rows: 7, requests: 6, failuresByCode: ["template.missing_field": 1]))
        let interpreter = OutputInterpreter(spec: spec, format: staging.wireFormat)
        return try await withLocalEmulator(stateDirectory: dir + "/sample-emulator") { emulator in
            let sender = ProviderFactory.localSampleSender(spec: spec, port: emulator.port)
            let results = try await sender.send(sample.rows, interpreter: interpreter)
            let stats = try await emulator.stats()
            var replayed: [Int: [Int]] = [:]
            for row in sample.rows {
                guard case .success(let request) = row.request else { continue }
                replayed[row.row] = try await Self.usage(of: request, at: sender)
            }
            return Run(
                results: results,
                stats: stats,
                replayedUsage: replayed,
                endpoint: sender.url(for: try sample.rows[0].request.get())
            )
        }
    }

    /// The usage the emulator answers `request`'s body with, sent again by hand.
    static func usage(of request: SampleRequest, at sender: SampleSender) async throws -> [Int] {
        let headers =
            sender.wireFormat == .openAIBatch
            ? [HTTPHeader("Authorization", "Bearer x")]
            : [HTTPHeader("x-api-key", "x"), HTTPHeader("anthropic-version", "2023-06-01")]
        let response = try await HTTPClient().execute(
            HTTPRequest(
                method: "POST",
                url: sender.url(for: request),
                headers: headers,
                body: .bytes(request.body, contentType: "application/json")
            )
        )
        let usage = try JSONParser.parse(response.body)["usage"]
        let keys =
            sender.wireFormat == .openAIBatch
            ? ["prompt_tokens", "completion_tokens"] : ["input_tokens", "output_tokens"]
        return keys.map { Int(usage?[$0]?.numberValue ?? -1) }
    }

    /// `process` on the same file: outputs of enriched rows and errors of failed rows, by ticket id.
    func processed(
        _ specText: String,
        in dir: String
    ) async throws -> (outputs: [String: JSONValue], errors: [String: JSONValue]) {
        let root = SluiceRoot(path: dir)
        let spec = try root.addPipeline("tickets", yaml: specText)
        try writeFile(dir + "/tickets.jsonl", Self.drop)
        _ = try await root.process(dir + "/tickets.jsonl", spec: spec)
        var outputs: [String: JSONValue] = [:]
        for line in try readLines(root.paths.outbox("tickets") + "/tickets.enriched.jsonl") {
            let row = try JSONParser.parse(line)
            outputs[row["ticket_id"]!.stringValue!] = ["category": row["ai_category"]!, "urgency": row["ai_urgency"]!]
        }
        var errors: [String: JSONValue] = [:]
        for line in try readLines(root.paths.outbox("tickets") + "/tickets.failures.jsonl") {
            let failure = try JSONParser.parse(line)
            errors[failure["id"]!.stringValue!] = failure["error"]
        }
        return (outputs, errors)
    }

    @Test(arguments: ["provider: local", "provider: local\nprotocol: realtime", "provider: local\nprotocol: anthropic"])
    func eachRowIsOneRealtimeCallReadAsProcessReadsItsBatchResult(provider: String) async throws {
        let anthropic = provider.hasSuffix("anthropic")
        let specText = Self.spec(provider, model: anthropic ? "claude-haiku-4-5" : "gpt-4o-mini")
        let run = try await withTemporaryDirectory { try await sample(specText, in: $0) }
        #expect(run.results.map(\.row.row) == [1, 2, 3, 4, 5, 6])
        #expect(run.results.map(\.status) == [.valid, .notSent, .valid, .invalid, .valid, .invalid])
        #expect(run.endpoint.hasSuffix(anthropic ? "/v1/messages" : "/v1/chat/completions"), "\(run.endpoint)")

        // Exactly the five rows with a request reached the emulator, as realtime calls, not batches.
        if anthropic {
            #expect(run.stats["anthropic_messages_received"] == 5)
            #expect(run.stats["realtime"]?["requests"] == 0)
        } else {
            #expect(run.stats["realtime"]?["requests"] == 5)
            #expect(run.stats["realtime"]?["answered"] == 5)
        }
        #expect(run.stats["batches_created"] == 0)

        // The tokens are the provider's own figures for each body.
        for result in run.results where result.status != .notSent {
            let usage = try #require(result.usage)
            #expect([usage.input, usage.output] == run.replayedUsage[result.row.row], "row \(result.row.row)")
            #expect(usage.input > 0 && usage.output > 0)
        }

        // The batch path on the same file gets the same answers, judged the same way, with the same codes.
        let batch = try await withTemporaryDirectory { try await processed(specText, in: $0) }
        for result in run.results {
            let id = result.row.id.stringValue!
            switch result.status {
            case .valid: #expect(result.output == batch.outputs[id], "\(id)")
            default: #expect(result.failure?.json == batch.errors[id], "\(id)")
            }
        }
        #expect(Set(batch.errors.keys) == ["T2", "T4", "T6"])
        #expect(
            run.results[3].failure?.code.hasPrefix("schema.") == true,
            "\(String(describing: run.results[3].failure))"
        )
        #expect(run.results[3].failure?.path != nil)
        #expect(run.results[5].failure?.code == "output.invalid_json")
        #expect(run.results[1].failure?.code == "template.missing_field")
    }

    @Test func aRefusedCallIsAFailedRowWithTheProvidersCode() async throws {
        try await withTemporaryDirectory { dir in
            let spec = try SluiceRoot(path: dir).addPipeline(
                "x",
                yaml: Self.spec("provider: local", model: "unknown-model")
            )
            try writeFile(dir + "/t.jsonl", #"{"ticket_id": "T1", "subject": "a", "body": "b"}"# + "\n")
            let sample = try DropSampler(
                spec: spec,
                wireFormat: .openAIBatch,
                providerMaxBytes: 1 << 30,
                providerMaxRequests: 50_000
            ).sample(
                sourcePath: dir + "/t.jsonl",
                fileName: "t.jsonl",
                selection: .first(count: 1, skip: 0),
                wholeFile: true
            )
            let interpreter = OutputInterpreter(spec: spec)
            try await withLocalEmulator(stateDirectory: dir + "/emulator") { emulator in
                let sender = ProviderFactory.localSampleSender(spec: spec, port: emulator.port)
                let result = try #require(try await sender.send(sample.rows, interpreter: interpreter).first)
                #expect(result.status == .failed)
                #expect(result.answer?.httpStatus == 404)
                #expect(result.failure?.code == "provider.model_not_found")
                #expect(result.failure?.category == .permanent)
                #expect(result.failure?.message.hasPrefix("HTTP 404: The model `unknown-model` does not exist") == true)
                #expect(result.usage == nil)
            }
            // Nothing listening: no response at all, after the one attempt this sender makes.
            let closed = SampleSender(
                wireFormat: .openAIBatch,
                baseURL: "http://127.0.0.1:9/v1",
                apiKey: "k",
                retry: .never
            )
            let result = try #require(try await closed.send(sample.rows, interpreter: interpreter).first)
            #expect(result.status == .failed)
            #expect(result.answer?.httpStatus == nil)
            #expect(result.failure?.code == "transport.connect")
            #expect(result.failure?.kind == .transport)
        }
    }
}
