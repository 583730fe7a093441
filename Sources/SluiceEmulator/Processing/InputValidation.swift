import SluiceJSON

/// The outcome of checking a batch input file.
struct ValidationReport: Sendable {
    /// Batch-level errors (capped at `maxReportedLineErrors`); empty means the batch may run.
    var errors: [BatchLineError] = []
    /// Non-blank lines in the file.
    var requestCount = 0
    /// The model of the first request that names one.
    var model: String?
    /// `CustomIDLedger` keys of the lines' string custom_ids, in file order.
    var customIDKeys: [UInt64] = []
}

/// Checks every line of a batch input file the way the real API does before a batch runs (§1.7, §1.10).
///
/// Reports all bad lines, not just the first, with 1-based line numbers. Per-request problems inside a
/// well-formed `body` (missing model or messages, bad schema) are left to the model: they go to the error file.
enum InputValidation {
    /// Checks the file at `path` for a batch on `endpoint`. Blocking: run it on an owned thread.
    ///
    /// `scanning` lets well-formed lines go through `RequestLineScan` instead of a full parse (tests turn it
    /// off to compare the two).
    static func validate(
        path: String, endpoint: String, limits: EmulatorLimits, scanning: Bool = true
    ) throws -> ValidationReport {
        var report = ValidationReport()
        var seen = Set<String>()
        func add(_ code: String, _ message: String, param: String?, line: Int?) {
            if report.errors.count < limits.maxReportedLineErrors {
                report.errors.append(BatchLineError(code: code, message: message, param: param, line: line))
            }
        }
        func record(customID text: String, line number: Int) {
            report.customIDKeys.append(CustomIDLedger.key(.openAI, text))
            if !seen.insert(text).inserted {
                add(
                    "duplicate_custom_id",
                    "The custom_id for this request is a duplicate of another request. "
                        + "The custom_id parameter must be unique for each request in a batch.",
                    param: "custom_id", line: number)
            }
        }
        var firstModelBytes: [UInt8] = []
        func record(model: String, line number: Int) {
            if let first = report.model, first != model {
                add(
                    "mismatched_model",
                    "Each batch may only contain requests for a single model. This request uses '\(model)', "
                        + "but an earlier request uses '\(first)'.",
                    param: "body.model", line: number)
            } else if report.model == nil {
                report.model = model
                firstModelBytes = Array(model.utf8)
            }
        }
        try LineReader.forEachLine(path: path) { number, bytes in
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return true }
            report.requestCount += 1
            let scan = scanning ? RequestLineScan.scan(bytes) : nil
            if let plain = scan?.plainLine(bytes, endpoint: endpoint) {
                record(customID: plain.customID, line: number)
                if let model = plain.model {
                    let raw = UnsafeRawBufferPointer(rebasing: bytes[model])
                    // Equal bytes are equal strings; unequal ones are compared as strings, as the slow path does.
                    if report.model == nil || !raw.elementsEqual(firstModelBytes) {
                        record(model: String(decoding: raw, as: UTF8.self), line: number)
                    }
                }
                return true
            }
            let reduced = scan?.reducedLine(bytes)
            guard let line = reduced ?? (try? JSONParser.parse(buffer: bytes))?.objectValue else {
                add("invalid_json_line", "This line is not parseable as valid JSON.", param: nil, line: number)
                return true
            }
            for key in ["custom_id", "method", "url", "body"] where line[key] == nil || line[key] == .null {
                add("missing_required_parameter", "Missing required parameter: '\(key)'.", param: key, line: number)
            }
            if let id = line["custom_id"], id != .null {
                if let text = id.stringValue {
                    record(customID: text, line: number)
                } else {
                    let e = APIError.invalidType("custom_id", expected: "a string", got: id)
                    add("invalid_type", e.message, param: "custom_id", line: number)
                }
            }
            if let method = line["method"], method != .null, method.stringValue != "POST" {
                let e = APIError.invalidValue("method", value: method.stringValue ?? JSONWriter.string(method), supported: ["POST"])
                add("invalid_value", e.message, param: "method", line: number)
            }
            if let url = line["url"], url != .null, url.stringValue != endpoint {
                add(
                    "invalid_url", "The URL provided for this request does not match the batch endpoint.",
                    param: "url", line: number)
            }
            guard let bodyValue = line["body"], bodyValue != .null else { return true }
            guard case .object(let body) = bodyValue else {
                let e = APIError.invalidType("body", expected: "an object", got: bodyValue)
                add("invalid_type", e.message, param: "body", line: number)
                return true
            }
            if body["stream"] == .bool(true) {
                add(
                    "streaming_unsupported", "\(endpointName(endpoint)): Streaming is not supported in the Batch API.",
                    param: "body.stream", line: number)
            }
            if let model = body["model"]?.stringValue { record(model: model, line: number) }
            return true
        }
        if report.requestCount == 0 {
            report.errors.append(
                BatchLineError(code: "empty_file", message: "The input file is empty.", param: nil, line: nil))
        } else if report.requestCount > limits.maxRequestsPerBatch {
            report.errors.insert(
                BatchLineError(
                    code: "too_many_tasks",
                    message: "The input file contains \(report.requestCount) requests, more than the "
                        + "\(limits.maxRequestsPerBatch) allowed per batch.",
                    param: nil, line: nil),
                at: 0)
        }
        return report
    }

    /// The API name used in the real messages ("Chat Completions: ...").
    static func endpointName(_ endpoint: String) -> String {
        switch endpoint {
        case "/v1/chat/completions": return "Chat Completions"
        case "/v1/embeddings": return "Embeddings"
        case "/v1/responses": return "Responses"
        default: return "Completions"
        }
    }
}
