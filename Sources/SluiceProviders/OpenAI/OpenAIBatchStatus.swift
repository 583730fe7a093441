import Foundation

/// A batch's status; values this client does not know yet decode as `.unknown`.
public enum OpenAIBatchStatus: Codable, Sendable, Hashable, CustomStringConvertible {
    /// The input file is being validated.
    case validating
    /// The input file failed validation (see `errors`).
    case failed
    /// Requests are being run.
    case inProgress
    /// Results are being prepared.
    case finalizing
    /// Results are ready.
    case completed
    /// The completion window closed first; partial results may exist.
    case expired
    /// Cancellation was requested.
    case cancelling
    /// Cancellation finished; partial results may exist.
    case cancelled
    /// A status string this client does not know.
    case unknown(String)

    /// Creates a status from its wire string.
    public init(rawValue: String) {
        switch rawValue {
        case "validating": self = .validating
        case "failed": self = .failed
        case "in_progress": self = .inProgress
        case "finalizing": self = .finalizing
        case "completed": self = .completed
        case "expired": self = .expired
        case "cancelling": self = .cancelling
        case "cancelled": self = .cancelled
        default: self = .unknown(rawValue)
        }
    }

    /// The wire string.
    public var rawValue: String {
        switch self {
        case .validating: "validating"
        case .failed: "failed"
        case .inProgress: "in_progress"
        case .finalizing: "finalizing"
        case .completed: "completed"
        case .expired: "expired"
        case .cancelling: "cancelling"
        case .cancelled: "cancelled"
        case .unknown(let value): value
        }
    }

    /// Whether the batch will not change any more.
    public var isTerminal: Bool {
        switch self {
        case .failed, .completed, .expired, .cancelled: true
        default: false
        }
    }

    /// The wire string.
    public var description: String { rawValue }

    /// Decodes from the wire string.
    public init(from decoder: any Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(String.self))
    }

    /// Encodes as the wire string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
