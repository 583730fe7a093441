import Foundation
import Testing

#if canImport(OpenAIWire)
@testable import OpenAIWire
#else
@testable import SluiceProviders
#endif

@Suite("OpenAI-compatible quirks")
struct OpenAIQuirksTests {
    /// A Together-style batch: upper-case status, RFC 3339 timestamps.
    static let togetherBatch = """
        {"id":"b-1","object":"batch","endpoint":"/v1/chat/completions","input_file_id":"file-1",
         "completion_window":"24h","status":"IN_PROGRESS","created_at":"2026-11-23T10:00:00.250Z",
         "in_progress_at":"2026-11-23T10:00:05+00:00","request_counts":{"total":10,"completed":4,"failed":0}}
        """

    func decode<T: Decodable>(_ type: T.Type, _ json: String, _ quirks: OpenAIQuirks) throws -> T {
        let decoder = JSONDecoder()
        decoder.userInfo[OpenAIQuirks.userInfoKey] = quirks
        return try decoder.decode(type, from: Data(json.utf8))
    }

    @Test func upperCaseStatusAndISOTimestampsAreReadWhenFlagged() throws {
        let quirks = OpenAIQuirks(uppercaseStatus: true, isoTimestamps: true)
        let batch = try decode(OpenAIBatch.self, Self.togetherBatch, quirks)
        #expect(batch.status == .inProgress)
        #expect(batch.createdAt == 1_795_428_000)
        #expect(batch.inProgressAt == 1_795_428_005)
        // Without the flags the same object is not silently misread.
        #expect(throws: (any Error).self) { try decode(OpenAIBatch.self, Self.togetherBatch, .none) }
        let strictStatus = Self.togetherBatch.replacingOccurrences(of: "\"2026-11-23T10:00:00.250Z\"", with: "1")
            .replacingOccurrences(of: "\"2026-11-23T10:00:05+00:00\"", with: "2")
        #expect(try decode(OpenAIBatch.self, strictStatus, .none).status == .unknown("IN_PROGRESS"))
    }

    @Test func aWrappedCreateAnswerIsUnwrapped() throws {
        let wrapped = #"{"job":\#(Self.togetherBatch),"warning":"model is busy"}"#
        let job = try decode(OpenAIWrappedBatch.self, wrapped, OpenAIQuirks(uppercaseStatus: true, wrappedCreate: true, isoTimestamps: true)).job
        #expect(job.id == "b-1" && job.requestCounts?.completed == 4)
    }
}
