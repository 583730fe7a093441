import SluiceJSON

/// Parses Anthropic Message Batches result lines (batch-api-wire.md §2.5):
/// `{"custom_id", "result": {"type": succeeded | errored | canceled | expired, ...}}`.
public enum AnthropicResultLineParser {
    /// Error types worth sending again as they are; `invalid_request_error` and the like are not.
    static let transientTypes: Set<String> = ["api_error", "overloaded_error", "rate_limit_error", "timeout_error"]

    /// Parses one line; throws only when the line cannot be attributed to any request.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(ResultLineError) -> ResultLine {
        let value: JSONValue
        do {
            value = try JSONParser.parse(buffer: bytes)
        } catch {
            throw ResultLineError(message: "result line is not JSON: \(error)")
        }
        guard let customID = value["custom_id"]?.stringValue else {
            throw ResultLineError(message: "result line has no custom_id")
        }
        guard let result = value["result"], let type = result["type"]?.stringValue else {
            throw ResultLineError(message: "result line for \(customID) has no result type")
        }
        switch type {
        case "succeeded":
            return ResultLine(customID: customID, outcome: .response(result["message"] ?? .null))
        case "errored":
            // Double-nested: result.error is an ErrorResponse whose .error holds type and message.
            let inner = result["error"]?["error"] ?? result["error"]
            let errorType = inner?["type"]?.stringValue ?? "unknown"
            let message = inner?["message"]?.stringValue ?? "no message"
            let transient = transientTypes.contains(errorType)
            return ResultLine(
                customID: customID,
                outcome: .failed(
                    RowFailure(
                        category: transient ? .transient : .permanent, code: "provider." + errorType, message: message)))
        case "canceled":
            return ResultLine(
                customID: customID,
                outcome: .failed(
                    RowFailure(
                        category: .transient, code: "provider.batch_cancelled",
                        message: "the batch was cancelled before this request ran")))
        case "expired":
            return ResultLine(
                customID: customID,
                outcome: .failed(
                    RowFailure(
                        category: .transient, code: "provider.batch_expired",
                        message: "the batch expired before this request ran")))
        default:
            return ResultLine(
                customID: customID,
                outcome: .failed(
                    RowFailure(category: .permanent, code: "provider.unknown_result", message: "result type '\(type)'")))
        }
    }
}

extension WireFormat {
    /// The request line layout this format sends for `spec`.
    public func requestLine(for spec: PipelineSpec) -> RequestLine {
        switch self {
        case .openAIBatch: return OpenAIRequestFormat.line(for: spec)
        case .anthropicBatch: return AnthropicRequestFormat.line(for: spec)
        }
    }

    /// How lines are framed in a chunk file.
    public var framing: ChunkFraming {
        switch self {
        case .openAIBatch: return .lines
        case .anthropicBatch: return .anthropicRequests
        }
    }

    /// Parses one result line of this format.
    public func parseResult(_ bytes: UnsafeRawBufferPointer) throws(ResultLineError) -> ResultLine {
        switch self {
        case .openAIBatch: return try OpenAIResultLineParser.parse(bytes)
        case .anthropicBatch: return try AnthropicResultLineParser.parse(bytes)
        }
    }
}
