import SluiceJSON
import Testing

@testable import SluiceEmulator

@Suite("Fault stats: faults_injected and custom_ids")
struct FaultStatsTests {
    @Test("custom_ids counts a re-sent id per protocol, survives a restart, and is cleared by reset")
    func customIDs() async throws {
        try await withTemporaryDirectory { dir in
            try await withEmulator(stateDirectory: dir) { api in
                _ = try await api.runBatch(ticketLines(4))
                // r2 sent again; r2-2 is a recorded retry under a new id.
                _ = try await api.runBatch([chatLine("r2", "again"), chatLine("r2-2", "retry")])
                // The same ids in the other protocol are other keys.
                _ = try await api.runMessageBatch(ticketRequests(2))
                let stats = try await api.stats()
                #expect(stats["custom_ids"] == ["received": 8, "distinct": 7, "received_more_than_once": 1])
            }
            try await withEmulator(stateDirectory: dir) { api in
                let stats = try await api.stats()
                #expect(stats["custom_ids"] == ["received": 8, "distinct": 7, "received_more_than_once": 1])
                // Anthropic r1 and r2 again, r3 new: three keys now seen more than once (with OpenAI r2).
                _ = try await api.runMessageBatch(ticketRequests(3))
                let more = try await api.stats()
                #expect(more["custom_ids"] == ["received": 11, "distinct": 8, "received_more_than_once": 3])
                _ = try await api.call(.post, "/_emulator/reset", auth: false)
                let cleared = try await api.stats()
                #expect(cleared["custom_ids"] == ["received": 0, "distinct": 0, "received_more_than_once": 0])
            }
        }
    }

    @Test("faults_injected lists every kind, counts what was injected, and survives a restart")
    func injected() async throws {
        try await withTemporaryDirectory { dir in
            try await withFaultyEmulator("line_error=1,expire=1", stateDirectory: dir) { api in
                let run = try await api.runBatch(ticketLines(6))
                #expect(run.batch["status"] == "expired")
                #expect(run.batch["request_counts"] == ["total": 6, "completed": 0, "failed": 6])
                #expect(run.errors.filter { $0["error"]?["code"] == "batch_expired" }.count == 3)
                #expect(run.errors.filter { $0["response"]?["status_code"] == 500 }.count == 3)
            }
            try await withEmulator(stateDirectory: dir) { api in
                let injected = try #require(try await api.stats()["faults_injected"]?.objectValue)
                #expect(injected.keys == FaultKind.allCases.map(\.rawValue))
                for kind in FaultKind.allCases {
                    let expected = kind == .lineError ? 3 : kind == .expire ? 1 : 0
                    #expect(injected[kind.rawValue] == .int(expected), "\(kind)")
                }
            }
        }
    }

    @Test("with no --faults nothing is injected and answers are those of a plan naming no kind")
    func noFaults() async throws {
        let lines = ticketLines(20)
        let plain = try await withEmulator { api in try await api.runBatch(lines).output }
        let zero = try await withFaultyEmulator("http429=0,line_error=0") { api in try await api.runBatch(lines).output }
        func contents(_ output: [JSONValue]) -> [String: String] {
            Dictionary(uniqueKeysWithValues: output.map { ($0["custom_id"]!.stringValue!, chatContent($0) ?? "") })
        }
        #expect(contents(plain) == contents(zero))
        #expect(contents(plain).count == 20)
    }
}
