import SluiceJSON

/// What the provider answered to one sampled request.
public struct SampleAnswer: Sendable {
    /// The HTTP status of the last attempt; nil when no response arrived (the transfer failed).
    public var httpStatus: Int?
    /// The provider's request id (`x-request-id`, `request-id`), for support tickets.
    public var requestID: String?
    /// From the first attempt's start to the last attempt's answer, retries included.
    public var latency: Duration
    /// The answer read as a batch result line is read: the output, or why there is none; raw text; usage.
    public var interpretation: OutputInterpreter.Interpretation

    public init(
        httpStatus: Int?,
        requestID: String?,
        latency: Duration,
        interpretation: OutputInterpreter.Interpretation
    ) {
        self.httpStatus = httpStatus
        self.requestID = requestID
        self.latency = latency
        self.interpretation = interpretation
    }

    /// Whether the provider answered 2xx: an answer, valid or not, that a batch would have billed.
    public var answered: Bool { httpStatus.map { (200..<300).contains($0) } ?? false }
}

/// One sampled row and, when it was sent, its answer.
public struct SampleResult: Sendable {
    public var row: SampledRow
    /// nil when the row failed before sending.
    public var answer: SampleAnswer?

    public init(row: SampledRow, answer: SampleAnswer?) {
        self.row = row
        self.answer = answer
    }

    /// How the row fared.
    public enum Status: String, Sendable {
        /// Answered, and the output passed interpretation and the schema: it would be in the enriched file.
        case valid
        /// Answered, but the output failed (schema, not JSON, truncated, refused): a failures.jsonl line.
        case invalid
        /// No answer: the provider refused the call (4xx, 5xx after retries) or no response arrived.
        case failed
        /// Failed before sending (bad record, missing field, request too large): nothing was sent.
        case notSent = "not_sent"
    }

    public var status: Status {
        guard let answer else { return .notSent }
        guard answer.answered else { return .failed }
        if case .success = answer.interpretation.output { return .valid }
        return .invalid
    }

    /// Why the row has no output: its failure as failures.jsonl would record it; nil when valid.
    public var failure: RowFailure? {
        if let answer {
            if case .failure(let failure) = answer.interpretation.output { return failure }
            return nil
        }
        if case .failure(let failure) = row.request { return failure }
        return nil
    }

    /// The output a valid row would bring into the enriched file.
    public var output: JSONValue? {
        guard let answer, case .success(let value) = answer.interpretation.output else { return nil }
        return value
    }

    /// Tokens the provider reported for the request.
    public var usage: OutputInterpreter.Usage? { answer?.interpretation.usage }
}
