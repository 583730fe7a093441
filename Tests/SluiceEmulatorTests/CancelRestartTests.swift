import Foundation
import SluiceJSON
import Testing

@testable import SluiceEmulator

@Suite("Cancel, expiry, restart, determinism, stats")
struct CancelRestartTests {
    /// Slow processing: 40 lines spread over 4 seconds.
    let slow = EmulatorTiming(validatingDelay: .zero, processingDelay: .seconds(4), finalizingDelay: .milliseconds(10))

    @Test("cancel during in_progress: cancelling, then cancelled with the partial output")
    func cancelInProgress() async throws {
        try await withEmulator(timing: slow) { api in
            let fileID = try await api.uploadLines((1...40).map { chatLine("r\($0)", "text \($0)") })
            let id = try #require(try await api.createBatch(fileID: fileID)["id"]?.stringValue)
            _ = try await api.waitForBatch(id, until: ["in_progress"])
            try await Task.sleep(for: .milliseconds(500))
            let cancelling = try #require(try await api.call(.post, "/v1/batches/\(id)/cancel").json)
            #expect(cancelling["status"] == "cancelling")
            #expect(cancelling["cancelling_at"]?.numberValue != nil)
            let batch = try await api.waitForBatch(id, until: ["cancelled", "completed"])
            #expect(batch["status"] == "cancelled")
            #expect(batch["cancelled_at"]?.numberValue != nil)
            #expect(batch["completed_at"] == .null)
            let counts = try #require(batch["request_counts"])
            #expect(counts["total"] == 40)
            let completed = Int(counts["completed"]?.numberValue ?? -1)
            #expect(completed >= 0 && completed < 40)
            if completed > 0 {
                let output = try await api.lines(try #require(batch["output_file_id"]?.stringValue))
                #expect(output.count == completed)
            } else {
                #expect(batch["output_file_id"] == .null)
            }
            let again = try await api.call(.post, "/v1/batches/\(id)/cancel")
            #expect(again.status == 200)
            #expect(again.json?["status"] == "cancelled")
        }
    }

    @Test("a batch still running when the window closes expires; unfinished lines are batch_expired errors")
    func expires() async throws {
        let timing = EmulatorTiming(
            validatingDelay: .zero, processingDelay: .seconds(3), finalizingDelay: .zero, completionWindow: .seconds(1))
        try await withEmulator(timing: timing) { api in
            let fileID = try await api.uploadLines((1...30).map { chatLine("r\($0)", "text", schema: nil) })
            let created = try await api.createBatch(fileID: fileID)
            #expect(created["expires_at"]?.numberValue == (created["created_at"]?.numberValue ?? 0) + 1)
            let batch = try await api.waitForBatch(try #require(created["id"]?.stringValue), until: ["expired", "completed"])
            #expect(batch["status"] == "expired")
            #expect(batch["expired_at"]?.numberValue != nil)
            let counts = try #require(batch["request_counts"])
            #expect(counts["total"] == 30)
            #expect((counts["completed"]?.numberValue ?? 0) + (counts["failed"]?.numberValue ?? 0) == 30)
            let errors = try await api.lines(try #require(batch["error_file_id"]?.stringValue))
            #expect(errors.count == Int(counts["failed"]?.numberValue ?? -1))
            for line in errors {
                #expect(line["response"] == .null)
                #expect(
                    line["error"] == [
                        "code": "batch_expired",
                        "message": "This request could not be executed before the completion window expired.",
                    ])
            }
        }
    }

    @Test("a new emulator on the same state directory finds files and batches and finishes a running batch")
    func restart() async throws {
        try await withTemporaryDirectory { dir in
            let (fileID, batchID) = try await withEmulator(stateDirectory: dir, timing: slow) { api in
                let fileID = try await api.uploadLines((1...40).map { chatLine("r\($0)", "text \($0)") })
                let id = try #require(try await api.createBatch(fileID: fileID, metadata: ["chunk": "9"])["id"]?.stringValue)
                _ = try await api.waitForBatch(id, until: ["in_progress"])
                return (fileID, id)
            }
            try await withEmulator(stateDirectory: dir, timing: instant) { api in
                #expect(try await api.call(.get, "/v1/files/\(fileID)").status == 200)
                let batch = try await api.waitForBatch(batchID, until: ["completed", "failed", "cancelled"])
                #expect(batch["status"] == "completed")
                #expect(batch["request_counts"] == ["total": 40, "completed": 40, "failed": 0])
                let output = try await api.lines(try #require(batch["output_file_id"]?.stringValue))
                #expect(Set(output.compactMap { $0["custom_id"]?.stringValue }) == Set((1...40).map { "r\($0)" }))
                let stats = try #require(try await api.call(.get, "/_emulator/stats").json)
                #expect(stats["by_metadata"]?["chunk=9"] == ["batches": 1, "requests": 40])
                #expect(stats["requests_received"] == 40)
            }
        }
    }

    /// Content per custom_id of one batch run on a fresh emulator.
    func answers(seed: UInt64, lines: [JSONValue]) async throws -> [String: String] {
        try await withEmulator(seed: seed) { api in
            let fileID = try await api.uploadLines(lines)
            let batch = try await api.waitForBatch(
                try #require(try await api.createBatch(fileID: fileID)["id"]?.stringValue), until: ["completed"])
            var result: [String: String] = [:]
            for line in try await api.lines(try #require(batch["output_file_id"]?.stringValue)) {
                result[line["custom_id"]?.stringValue ?? ""] =
                    line["response"]?["body"]?["choices"]?.arrayValue?.first?["message"]?["content"]?.stringValue
            }
            return result
        }
    }

    @Test("same seed and body give the same answer in another emulator and another order; another seed differs")
    func determinism() async throws {
        let lines = (1...15).map { chatLine("r\($0)", "ticket \($0)") } + (1...5).map { chatLine("t\($0)", "plain \($0)", schema: nil) }
        let first = try await answers(seed: 42, lines: lines)
        let second = try await answers(seed: 42, lines: lines.reversed())
        #expect(first.count == 20)
        #expect(first == second)
        let other = try await answers(seed: 43, lines: lines)
        #expect(other.keys.sorted() == first.keys.sorted())
        #expect(other != first)
    }

    @Test("stats count batches, uploads and requests per metadata pair")
    func stats() async throws {
        try await withEmulator { api in
            let small = try await api.uploadLines((1...3).map { chatLine("r\($0)", "x", schema: nil) })
            let large = try await api.uploadLines((1...5).map { chatLine("r\($0)", "x", schema: nil) })
            let a = try #require(try await api.createBatch(fileID: small, metadata: ["chunk": "1", "drop": "d1"])["id"]?.stringValue)
            let b = try #require(try await api.createBatch(fileID: large, metadata: ["chunk": "2", "drop": "d1"])["id"]?.stringValue)
            _ = try await api.waitForBatch(a, until: ["completed"])
            _ = try await api.waitForBatch(b, until: ["completed"])
            var stats = try #require(try await api.call(.get, "/_emulator/stats").json?.objectValue)
            // Batch lines are not realtime calls; `realtime` has its own tests (RealtimeRoutesTests).
            #expect(stats["realtime"]?["requests"] == 0)
            stats["realtime"] = nil
            #expect(
                JSONValue.object(stats) == [
                    "batches_created": 2, "files_uploaded": 2, "requests_received": 8,
                    "by_metadata": [
                        "chunk=1": ["batches": 1, "requests": 3], "chunk=2": ["batches": 1, "requests": 5],
                        "drop=d1": ["batches": 2, "requests": 8],
                    ],
                    "anthropic_batches_created": 0, "anthropic_requests_received": 0, "anthropic_messages_received": 0,
                    "faults_injected": .object(JSONObject(FaultKind.allCases.map { ($0.rawValue, 0) })),
                    // r1...r3 are in both batches.
                    "custom_ids": ["received": 8, "distinct": 5, "received_more_than_once": 3],
                ])
            let reset = try #require(try await api.call(.post, "/_emulator/reset").json)
            #expect(reset["batches_created"] == 0)
        }
    }
}
