import Foundation
import Logging
import SluiceCore
import SluiceHTTP
import SluiceJSON

/// Sends sampled requests as realtime calls, one per row, and reads each answer as a batch result line.
///
/// An OpenAI-wire request goes to `POST {base}/chat/completions` (or `/embeddings`) with its batch line's
/// `body`; an Anthropic-wire one to `POST {base}/v1/messages` with its `params`. The answer is wrapped as the
/// result line a batch would have returned for it and parsed by that format's result parser, so the output,
/// its validation and a failure's code and message are what `process` would record in failures.jsonl.
public struct SampleSender: Sendable {
    /// The format the requests were rendered in, which decides the realtime API spoken.
    public let wireFormat: WireFormat
    /// The API root (`https://api.openai.com/v1`, `https://api.anthropic.com/v1`), without a trailing slash.
    public let baseURL: String
    /// Sent with every call; credentials are redacted whenever a header is described.
    private let headers: [HTTPHeader]
    let client: HTTPClient
    let retry: RetryPolicy
    let gate: RateGate
    let concurrency: Int
    let logger: Logger?

    /// A sender to `baseURL` speaking the realtime API of `wireFormat`, authenticated with `apiKey` (none: no
    /// credential header), within the rate limits of `settings`. 429, 5xx and transport failures are retried
    /// as `retry` says, honouring `Retry-After`.
    public init(
        wireFormat: WireFormat,
        baseURL: String,
        apiKey: String?,
        settings: RealtimeSettings = RealtimeSettings(),
        client: HTTPClient = HTTPClient(),
        retry: RetryPolicy = RetryPolicy(),
        logger: Logger? = nil
    ) {
        self.wireFormat = wireFormat
        var headers = [HTTPHeader("Content-Type", "application/json"), HTTPHeader("Accept", "application/json")]
        switch wireFormat {
        case .openAIBatch:
            var base = baseURL
            while base.hasSuffix("/") { base.removeLast() }
            self.baseURL = base
            if let apiKey { headers.append(HTTPHeader("Authorization", "Bearer \(apiKey)")) }
        case .anthropicBatch:
            self.baseURL = AnthropicBatchAPI.apiRoot(baseURL)
            if let apiKey { headers.append(HTTPHeader("x-api-key", apiKey)) }
            headers.append(HTTPHeader("anthropic-version", AnthropicBatchAPI.version))
        }
        self.headers = headers
        self.client = client
        self.retry = retry
        self.logger = logger
        concurrency = max(1, settings.concurrency)
        gate = RateGate(requestsPerMinute: settings.requestsPerMinute, tokensPerMinute: settings.tokensPerMinute)
    }

    /// The URL `request` is sent to.
    public func url(for request: SampleRequest) -> String { baseURL + request.path }

    /// Sends every sampled row that has a request, up to the spec's realtime concurrency at a time; returns
    /// every row in row order, those that failed before sending without an answer.
    public func send(_ rows: [SampledRow], interpreter: OutputInterpreter) async throws -> [SampleResult] {
        var answers = [SampleAnswer?](repeating: nil, count: rows.count)
        try await withThrowingTaskGroup(of: (Int, SampleAnswer).self) { group in
            var inFlight = 0
            for (index, row) in rows.enumerated() {
                guard case .success(let request) = row.request else { continue }
                if inFlight >= concurrency, let (done, answer) = try await group.next() {
                    answers[done] = answer
                    inFlight -= 1
                }
                group.addTask { (index, try await send(request, interpreter: interpreter)) }
                inFlight += 1
            }
            for try await (done, answer) in group { answers[done] = answer }
        }
        return zip(rows, answers).map { SampleResult(row: $0, answer: $1) }
    }

    /// Sends one request and interprets the answer; throws only when the task is cancelled.
    public func send(_ request: SampleRequest, interpreter: OutputInterpreter) async throws -> SampleAnswer {
        let http = HTTPRequest(
            method: "POST",
            url: url(for: request),
            headers: headers,
            body: .bytes(request.body, contentType: "application/json")
        )
        try await gate.acquire(tokens: request.body.count / 4 + Self.maxTokens(request.json))
        let start = ContinuousClock.now
        let response: HTTPResponse
        do {
            response = try await client.execute(http, retry: retry, logger: logger)
        } catch {
            if error.code == .cancelled { throw CancellationError() }
            let failure = RowFailure(
                category: .transient,
                code: "transport." + error.code.rawValue.replacingOccurrences(of: "http.", with: ""),
                message: "no answer from \(RedactedURL.string(http.url)): \(error.description)"
            )
            return SampleAnswer(
                httpStatus: nil,
                requestID: nil,
                latency: ContinuousClock.now - start,
                interpretation: OutputInterpreter.Interpretation(output: .failure(failure), raw: nil, usage: nil)
            )
        }
        let latency = ContinuousClock.now - start
        let line = resultLine(request.customID, response: response)
        let interpretation: OutputInterpreter.Interpretation
        let format = wireFormat
        do {
            let parsed = try line.withUnsafeBytes { (raw) throws(ResultLineError) in try format.parseResult(raw) }
            interpretation = interpreter.interpret(parsed.outcome, line: String(decoding: line, as: UTF8.self))
        } catch {
            // Cannot happen for the lines built here; kept as a failure rather than a crash.
            let message = (error as? ResultLineError)?.message ?? "\(error)"
            let failure = RowFailure(category: .permanent, code: "provider.unreadable_answer", message: message)
            interpretation = OutputInterpreter.Interpretation(
                output: .failure(failure),
                raw: response.bodyText,
                usage: nil
            )
        }
        return SampleAnswer(
            httpStatus: response.status,
            requestID: response.headers["x-request-id"] ?? response.headers["request-id"],
            latency: latency,
            interpretation: interpretation
        )
    }

    /// The result line a batch would hold for this answer.
    func resultLine(_ customID: String, response: HTTPResponse) -> [UInt8] {
        switch wireFormat {
        case .openAIBatch: return RealtimeJob.line(customID, response: response)
        case .anthropicBatch: return Self.anthropicLine(customID, response: response)
        }
    }

    /// `{"custom_id", "result": {"type": "succeeded", "message"}}` for a 2xx Message; `errored` with the error
    /// envelope (`{"type":"error","error":{type, message}}`, as a batch nests it) otherwise.
    static func anthropicLine(_ customID: String, response: HTTPResponse) -> [UInt8] {
        let body = try? JSONParser.parse(response.body)
        let result: JSONValue
        if response.isSuccess, let message = body, message.objectValue != nil {
            result = ["type": "succeeded", "message": message]
        } else if let envelope = body, envelope["error"]?["type"] != nil {
            result = ["type": "errored", "error": envelope]
        } else {
            let type: String
            switch response.status {
            case 200..<300: type = "invalid_response"
            case 429: type = "rate_limit_error"
            case 500...: type = "api_error"
            default: type = "invalid_request_error"
            }
            let text = String(response.bodyText.prefix(500))
            result = [
                "type": "errored",
                "error": [
                    "type": "error",
                    "error": [
                        "type": .string(type), "message": .string(text.isEmpty ? "HTTP \(response.status)" : text),
                    ],
                ],
            ]
        }
        return JSONWriter.bytes(["custom_id": .string(customID), "result": result]) + [0x0A]
    }

    /// The request's output cap, for the rate gate's token estimate.
    static func maxTokens(_ body: JSONValue) -> Int {
        Int(body["max_tokens"]?.numberValue ?? body["max_completion_tokens"]?.numberValue ?? 0)
    }
}
