import SluiceJSON

/// One line of a provider's result file, before interpretation against the spec.
public struct ResultLine: Sendable {
    public var customID: String
    public var outcome: Outcome

    /// What the provider reported for the request.
    public enum Outcome: Sendable {
        /// The endpoint's response body (a chat completion, an embeddings list).
        case response(JSONValue)
        /// The request failed at the provider.
        case failed(RowFailure)
    }
}

/// Parses OpenAI Batch output and error file lines (batch-api-wire.md §1.8).
public enum OpenAIResultLineParser {
    /// Parses one line; throws a `RowFailure` only when the line cannot be attributed to any request.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(ResultLineError) -> ResultLine {
        let value: JSONValue
        do {
            value = try JSONPruningParser.parse(buffer: bytes, keeping: kept)
        } catch {
            throw ResultLineError(message: "result line is not JSON: \(error)")
        }
        return try line(value)
    }

    /// The members `line(_:)` and `OutputInterpreter` read; the rest of the envelope (ids, timestamps, the
    /// fingerprint, the message's role, the usage details) is checked but not built.
    static let kept: JSONKeep = .members([
        "custom_id": .all, "error": .all,
        "response": .members([
            "status_code": .all,
            "body": .members([
                "error": .all, "data": .all, "content": .all, "stop_reason": .all,
                "usage": .members([
                    "prompt_tokens": .all, "completion_tokens": .all, "input_tokens": .all, "output_tokens": .all,
                ]),
                "choices": .elements(
                    .members(["message": .members(["content": .all, "refusal": .all]), "finish_reason": .all])),
            ]),
        ]),
    ])

    /// The result line a parsed (whole or pruned) line value says.
    static func line(_ value: JSONValue) throws(ResultLineError) -> ResultLine {
        guard let customID = value["custom_id"]?.stringValue else {
            throw ResultLineError(message: "result line has no custom_id")
        }
        // An expired or cancelled line: `response` null, `error` {code, message}.
        if let error = value["error"]?.objectValue {
            let code = error["code"]?.stringValue ?? "unknown"
            let message = error["message"]?.stringValue ?? "no message"
            return ResultLine(customID: customID, outcome: .failed(classify(code: code, message: message, status: nil)))
        }
        guard let response = value["response"]?.objectValue else {
            throw ResultLineError(message: "result line for \(customID) has neither response nor error")
        }
        let status = response["status_code"].flatMap { $0.numberValue.map(Int.init) } ?? 0
        let body = response["body"] ?? .null
        if (200..<300).contains(status) {
            return ResultLine(customID: customID, outcome: .response(body))
        }
        // The real error file puts the API error inside response.body.error (openai-openapi#302).
        let error = body["error"]
        let code = error?["code"]?.stringValue ?? error?["type"]?.stringValue ?? "http_\(status)"
        let message = error?["message"]?.stringValue ?? "HTTP \(status)"
        return ResultLine(customID: customID, outcome: .failed(classify(code: code, message: message, status: status)))
    }

    /// Maps a provider error to the outbox categories: 429/5xx/expiry can succeed later, other 4xx cannot.
    static func classify(code: String, message: String, status: Int?) -> RowFailure {
        let transientCodes: Set<String> = ["batch_expired", "batch_cancelled", "rate_limit_exceeded", "server_error"]
        let transient: Bool
        if let status {
            transient = status == 408 || status == 409 || status == 429 || status >= 500
        } else {
            transient = transientCodes.contains(code)
        }
        // The status says more than a code a compatible server may have made up.
        let kind: FailureKind? = status.map { status in
            switch status {
            case 429: return code == "token_limit_exceeded" ? .queueFull : .rateLimited
            case 408, 409, 500...: return .provider5xx
            default: return .provider4xx
            }
        }
        return RowFailure(
            category: transient ? .transient : .permanent, code: "provider." + code,
            message: status.map { "HTTP \($0): \(message)" } ?? message, kind: kind)
    }
}

/// A result line that belongs to no request: not JSON, or without a custom_id.
public struct ResultLineError: Error, Sendable {
    public var message: String
}
