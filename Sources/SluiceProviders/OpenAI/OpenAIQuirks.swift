import Foundation

/// The ways an OpenAI-compatible batch service departs from OpenAI's wire format (batch-api-wire.md §4),
/// each a named flag so one adapter serves them all.
public struct OpenAIQuirks: Sendable, Equatable {
    /// Statuses arrive in upper case (`IN_PROGRESS`: Together, Novita).
    public var uppercaseStatus = false
    /// The create call answers `{"job": {...}, "warning": ...}` instead of the batch (Together).
    public var wrappedCreate = false
    /// Timestamps are RFC 3339 strings instead of Unix seconds (Together).
    public var isoTimestamps = false
    /// The Files `purpose` of batch input (Together: `batch-api`).
    public var filePurpose = "batch"

    public init(uppercaseStatus: Bool = false, wrappedCreate: Bool = false, isoTimestamps: Bool = false, filePurpose: String = "batch") {
        self.uppercaseStatus = uppercaseStatus
        self.wrappedCreate = wrappedCreate
        self.isoTimestamps = isoTimestamps
        self.filePurpose = filePurpose
    }

    /// OpenAI itself.
    public static let none = OpenAIQuirks()

    static let userInfoKey = CodingUserInfoKey(rawValue: "sluice.openai.quirks")!

    /// The quirks a decoder was set up with.
    static func of(_ decoder: any Decoder) -> OpenAIQuirks {
        decoder.userInfo[userInfoKey] as? OpenAIQuirks ?? .none
    }

    /// Reads a timestamp as Unix seconds, or as RFC 3339 text when `isoTimestamps`.
    func timestamp<K: CodingKey>(_ c: KeyedDecodingContainer<K>, _ key: K) throws -> Int64? {
        if isoTimestamps, let text = try? c.decodeIfPresent(String.self, forKey: key) {
            return Self.unixSeconds(rfc3339: text)
        }
        return try c.decodeIfPresent(Int64.self, forKey: key)
    }

    static func unixSeconds(rfc3339 text: String) -> Int64? {
        let withFraction = ISO8601DateFormatter()
        withFraction.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let plain = ISO8601DateFormatter()
        guard let date = withFraction.date(from: text) ?? plain.date(from: text) else { return nil }
        return Int64(date.timeIntervalSince1970)
    }
}

/// Together's create answer: the batch under `job`.
struct OpenAIWrappedBatch: Decodable {
    var job: OpenAIBatch
}
