import Foundation
import SluiceJSON

/// `processing_status` of a Message Batch, with the real API's spellings (`canceling`, one "l").
enum MessageBatchStatus: String, Codable, Sendable {
    case inProgress = "in_progress"
    case canceling
    case ended
}

/// `request_counts` of a Message Batch: everything sits in `processing` until the batch ends.
struct MessageBatchCounts: Codable, Sendable, Equatable {
    /// Requests not yet ended (all of them while the batch runs).
    var processing = 0
    /// Requests answered with a Message.
    var succeeded = 0
    /// Requests that failed (bad params, `__sluice_fail__`, unknown model).
    var errored = 0
    /// Requests a cancel reached before they ran.
    var canceled = 0
    /// Requests `expires_at` (or `__sluice_expire__`) reached before they ran.
    var expired = 0

    /// The object as the API shapes it.
    var wire: JSONValue {
        [
            "processing": .int(processing), "succeeded": .int(succeeded), "errored": .int(errored),
            "canceled": .int(canceled), "expired": .int(expired),
        ]
    }
}

/// Everything the emulator knows about a Message Batch; persisted as JSON, served as the MessageBatch object.
struct MessageBatchRecord: Codable, Sendable {
    /// `msgbatch_…`.
    var id: String
    /// Creation order, for newest-first listing (shared with files and OpenAI batches).
    var sequence: Int
    /// `processing_status`.
    var status: MessageBatchStatus
    /// Number of requests in the batch.
    var requestCount: Int
    /// Final buckets once ended; before that `wire` reports every request as processing.
    var counts = MessageBatchCounts()
    /// Times as seconds since 1970 (fractional), served as RFC 3339.
    var createdAt: Double
    /// `created_at` plus the completion window.
    var expiresAt: Double
    /// Set when every request has its result.
    var endedAt: Double?
    /// Set by the first cancel.
    var cancelInitiatedAt: Double?

    /// The MessageBatch object exactly as the real API shapes it; `baseURL` (`http://host:port`) makes
    /// `results_url` absolute like the real one.
    func wire(baseURL: String) -> JSONValue {
        func time(_ t: Double?) -> JSONValue { t.map { .string(RFC3339.string($0)) } ?? .null }
        let counts =
            status == .ended ? self.counts : MessageBatchCounts(processing: requestCount)
        return [
            "id": .string(id),
            "type": "message_batch",
            "processing_status": .string(status.rawValue),
            "request_counts": counts.wire,
            "ended_at": time(endedAt),
            "created_at": time(createdAt),
            "expires_at": time(expiresAt),
            "archived_at": nil,
            "cancel_initiated_at": time(cancelInitiatedAt),
            "results_url": status == .ended ? .string(baseURL + "/v1/messages/batches/" + id + "/results") : nil,
        ]
    }
}

/// RFC 3339 timestamps with microseconds and `Z`, e.g. `2024-09-24T18:37:24.100435Z`, as the real API writes them.
enum RFC3339 {
    /// `seconds` since 1970 in UTC.
    static func string(_ seconds: Double) -> String {
        var whole = Int(seconds.rounded(.down))
        var micros = Int(((seconds - Double(whole)) * 1_000_000).rounded())
        if micros >= 1_000_000 {
            whole += 1
            micros -= 1_000_000
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents(
            [.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: Double(whole)))
        func pad(_ v: Int?, _ width: Int) -> String {
            let text = String(v ?? 0)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(c.year, 4))-\(pad(c.month, 2))-\(pad(c.day, 2))T\(pad(c.hour, 2)):\(pad(c.minute, 2)):"
            + "\(pad(c.second, 2)).\(pad(micros, 6))Z"
    }
}
