import Foundation
import HTTPTypes
import SluiceJSON
import Testing

@testable import SluiceEmulator

@Suite("Transport faults on every API call, both protocols")
struct TransportFaultTests {
    @Test("http429=1: OpenAI and Anthropic 429s with their envelopes and retry-after; /_emulator/* untouched")
    func rateLimited() async throws {
        try await withFaultyEmulator("http429=1") { api in
            let files = try await api.call(.get, "/v1/files")
            #expect(files.status == 429)
            #expect(files.headers[HTTPField.Name("retry-after")!] == "0.5")
            #expect(files.requestID?.hasPrefix("req_") == true)
            let error = try #require(files.json?["error"])
            #expect(error["type"] == "requests")
            #expect(error["code"] == "rate_limit_exceeded")
            #expect(
                error["message"]?.stringValue?.hasPrefix(
                    "Rate limit reached in organization org-sluice-emulator on requests per min (RPM): Limit 500") == true)
            let batches = try await api.anthropic(.get, "/v1/messages/batches")
            #expect(batches.status == 429)
            #expect(anthropicError(batches)?["type"] == "rate_limit_error")
            #expect(batches.headers[HTTPField.Name("retry-after")!] == "0.5")
            #expect(batches.headers[HTTPField.Name("anthropic-ratelimit-requests-remaining")!] == "0")
            let message = try await api.anthropic(.post, "/v1/messages", json: .object(messageParams("hi")))
            #expect(message.status == 429)
            #expect(try await api.call(.get, "/_emulator/health", auth: false).status == 200)
            let stats = try await api.stats()
            #expect(stats["faults_injected"]?["http429"] == 3)
            #expect(stats["anthropic_messages_received"] == 0, "a refused call never reaches the route")
            // A call without a key is refused before any fault and is not numbered.
            #expect(try await api.call(.get, "/v1/files", auth: false).status == 401)
            #expect(try await api.injected(.http429) == 3)
        }
    }

    @Test("http5xx=1: OpenAI 500/503 server_error, Anthropic 500 api_error/529 overloaded_error, about half each")
    func serverErrors() async throws {
        try await withFaultyEmulator("http5xx=1") { api in
            var openAI: [Int: Int] = [:]
            var anthropic: [String: Int] = [:]
            for _ in 0..<100 {
                let response = try await api.call(.get, "/v1/batches")
                #expect(response.json?["error"]?["type"] == "server_error")
                openAI[response.status, default: 0] += 1
                let other = try await api.anthropic(.get, "/v1/messages/batches")
                let type = try #require(anthropicError(other)?["type"]?.stringValue)
                anthropic["\(other.status) \(type)", default: 0] += 1
            }
            #expect(Set(openAI.keys) == [500, 503])
            #expect(Set(anthropic.keys) == ["500 api_error", "529 overloaded_error"])
            // 50 expected each, standard deviation 5.
            #expect((25...75).contains(openAI[500] ?? 0))
            #expect((25...75).contains(anthropic["529 overloaded_error"] ?? 0))
            #expect(try await api.injected(.http5xx) == 200)
        }
    }

    @Test("slow=1: every call is answered normally (late), a whole batch runs through it")
    func slow() async throws {
        try await withFaultyEmulator("slow=1") { api in
            let run = try await api.runBatch(ticketLines(3))
            #expect(run.batch["status"] == "completed")
            #expect(run.output.count == 3)
            let batch = try await api.runMessageBatch(ticketRequests(2))
            #expect(batch.results.count == 2)
            #expect(try await api.injected(.slow) >= 6)
        }
    }

    @Test("reset=1: no call gets a complete response (router client)")
    func resetRouter() async throws {
        try await withFaultyEmulator("reset=1") { api in
            for _ in 0..<6 {
                await #expect(throws: (any Error).self) { _ = try await api.call(.get, "/v1/files") }
                await #expect(throws: (any Error).self) { _ = try await api.anthropic(.get, "/v1/messages/batches") }
            }
            let injected = try await api.injected(.reset)
            #expect(injected == 12)
        }
    }

    @Test("reset=1 over a real socket: the client sees a transport failure, the emulator keeps serving")
    func resetLive() async throws {
        try await withFaultyEmulator("reset=1", live: true) { api in
            for _ in 0..<4 {
                await #expect(throws: (any Error).self) { _ = try await api.call(.get, "/v1/batches") }
            }
            let health = try await api.call(.get, "/_emulator/health", auth: false)
            #expect(health.status == 200)
            let injected = try await api.injected(.reset)
            #expect(injected == 4)
        }
    }

    @Test("reset on create: the odd draws create the batch and lose the answer; a list afterwards shows them")
    func resetOnCreate() async throws {
        let plan = try FaultPlan(parsing: "reset=1")
        // API calls 1...N of the faulty emulator are the creates; which of them took effect is known.
        let expected = (1...30 as ClosedRange<UInt64>).filter {
            TransportFaults.takesEffect(plan.apiDraw(seed: 7, call: $0)!)
        }.count
        #expect((5...25).contains(expected))
        try await withTemporaryDirectory { dir in
            let file = try await withEmulator(stateDirectory: dir) { api in
                try await api.uploadLines(ticketLines(2))
            }
            try await withFaultyEmulator("reset=1", stateDirectory: dir) { api in
                for i in 0..<30 {
                    let body: JSONValue =
                        i < 15
                        ? ["input_file_id": .string(file), "endpoint": "/v1/chat/completions", "completion_window": "24h"]
                        : ["requests": .array(ticketRequests(2))]
                    await #expect(throws: (any Error).self) {
                        _ = i < 15
                            ? try await api.call(.post, "/v1/batches", json: body)
                            : try await api.anthropic(.post, "/v1/messages/batches", json: body)
                    }
                }
            }
            try await withEmulator(stateDirectory: dir) { api in
                let openAI = try #require(try await api.call(.get, "/v1/batches?limit=100").json?["data"]?.arrayValue)
                let anthropic = try #require(
                    try await api.anthropic(.get, "/v1/messages/batches?limit=100").json?["data"]?.arrayValue)
                let openAIExpected = (1...15 as ClosedRange<UInt64>).filter {
                    TransportFaults.takesEffect(plan.apiDraw(seed: 7, call: $0)!)
                }.count
                #expect(openAI.count == openAIExpected)
                #expect(anthropic.count == expected - openAIExpected)
                #expect(openAI.count + anthropic.count > 0 && openAI.count + anthropic.count < 30)
            }
        }
    }

    @Test("realtime calls take reset and slow too, numbered by the realtime ledger")
    func realtime() async throws {
        let plan = try FaultPlan(parsing: "reset=0.5,slow=0.5")
        try await withFaultyEmulator("reset=0.5,slow=0.5") { api in
            var resets = 0
            for call in 1...20 as ClosedRange<UInt64> {
                let kind = plan.fault(seed: 7, call: call)
                let line = chatLine("x", "ticket \(call)")
                do {
                    let response = try await api.call(.post, "/v1/chat/completions", json: line["body"]!)
                    #expect(kind == .slow)
                    #expect(response.status == 200)
                } catch {
                    #expect(kind == .reset)
                    resets += 1
                }
            }
            let realtime = try await api.realtimeStats()
            #expect(realtime["requests"] == 20)
            #expect(realtime["answered"] == .int(20 - resets))
            #expect(realtime["faults"] == ["http429": 0, "http5xx": 0, "reset": .int(resets), "slow": .int(20 - resets)])
            #expect(try await api.injected(.reset) == resets)
        }
    }
}
