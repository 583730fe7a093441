import SluiceJSON

/// What the model answered one request with: a response body, or an API error that goes to the error file.
enum ModelAnswer {
    /// HTTP 200 with the endpoint's response object and its token counts.
    case success(body: JSONValue, inputTokens: Int, outputTokens: Int)
    /// An HTTP-level error for this request only.
    case failure(APIError)
}

/// The emulator's stand-in for a model: a pure function of (seed, request body).
///
/// Every choice comes from a `SplitMix64` seeded with a stable hash of the seed and the body's compact JSON,
/// so the same request gets the same answer in any batch, in any order, in any emulator process.
///
/// Fault triggers (the table is `FaultTriggers.table`), matched in the text of `user` messages (or
/// embedding/completion inputs):
/// - `__sluice_fail__`: the request fails with HTTP 500 `server_error` (error file); Anthropic: `api_error`.
/// - `__sluice_invalid__`: the content is JSON that violates the `response_format` schema (an enum value
///   outside the list, else a broken required property, a bound, or the type); Anthropic: also tool input.
/// - `__sluice_notjson__`: the content is plain text, not JSON.
/// - `__sluice_expire__`: in an Anthropic Message Batch, the request ends `expired`.
/// - `__sluice_truncate__`: the answer is cut in half as at max tokens (`length`, `incomplete`, `max_tokens`).
/// - `__sluice_drop_line__`: in a batch, the request gets no result line (see `LineProcessor`).
/// Model names starting with `unknown-` fail with HTTP 404 `model_not_found` (Anthropic: `not_found_error`).
struct DeterministicModel: Sendable {
    /// The content answered for `__sluice_notjson__`.
    static let notJSONContent = "I'm sorry, but I can't provide that in JSON."

    /// The emulator seed.
    let seed: UInt64
    /// `system_fingerprint` of chat completions; fixed per seed like a real deployment's (computed once: every
    /// answer carries it).
    let fingerprint: String

    /// The model of `seed`.
    init(seed: UInt64) {
        self.seed = seed
        var random = SplitMix64(seed: seed ^ 0x5eed)
        fingerprint = "fp_" + random.hex(10)
    }

    /// The generator for one request body.
    func random(for body: JSONObject) -> SplitMix64 {
        var hash = StableHash(seed: seed)
        hash.combine(JSONWriter.bytes(.object(body)))
        return SplitMix64(seed: hash.value)
    }

    /// The same generator, serialising the body into the memo's reused buffer instead of a new array per line.
    func random(for body: JSONObject, memo: ModelMemo) -> SplitMix64 {
        memo.scratch.removeAll(keepingCapacity: true)
        JSONWriter.write(.object(body), into: &memo.scratch)
        var hash = StableHash(seed: seed)
        hash.combine(memo.scratch)
        return SplitMix64(seed: hash.value)
    }

    /// Answers `body` as sent to `endpoint`; `ids` supplies response ids, `created` the timestamp, `memo`
    /// the calling thread's cache, `forced` a trigger applied as if the text held it (a drawn line fault).
    func answer(
        endpoint: String, body: JSONObject, created: Int, ids: inout SplitMix64, memo: ModelMemo = ModelMemo(),
        forced: FaultTriggers.Trigger? = nil
    ) -> ModelAnswer {
        switch endpoint {
        case "/v1/chat/completions": return chat(body, created: created, ids: &ids, memo: memo, forced: forced)
        case "/v1/embeddings": return embeddings(body, forced: forced)
        case "/v1/completions": return completions(body, created: created, ids: &ids, forced: forced)
        case "/v1/responses": return responses(body, created: created, ids: &ids, forced: forced)
        default:
            return .failure(APIError(status: 404, message: "Invalid URL (POST \(endpoint))"))
        }
    }

    /// The model name, or the real API's error for a missing, mistyped or unknown one.
    func modelName(_ body: JSONObject) -> Result<String, APIError> {
        guard let value = body["model"], value != .null else {
            return .failure(APIError(status: 400, message: "you must provide a model parameter"))
        }
        guard let name = value.stringValue else {
            return .failure(.invalidType("model", expected: "a string", got: value))
        }
        if name.hasPrefix("unknown-") {
            return .failure(
                APIError(
                    status: 404, message: "The model `\(name)` does not exist or you do not have access to it.",
                    code: "model_not_found"))
        }
        return .success(name)
    }

    /// The 500 the real API sends when a request fails on its side.
    static let serverError = APIError(
        status: 500,
        message: "The server had an error while processing your request. Sorry about that!",
        type: "server_error")

    /// Rough token count: a quarter of the UTF-8 bytes, at least 1 for non-empty text.
    static func tokens(bytes: Int) -> Int {
        bytes == 0 ? 0 : (bytes + 3) / 4
    }

    /// `text` cut to about `maxTokens` tokens on a character boundary; nil when it already fits.
    static func truncated(_ text: String, maxTokens: Int) -> String? {
        let bytes = Array(text.utf8)
        guard let end = truncatedLength(bytes, maxTokens: maxTokens) else { return nil }
        return String(decoding: bytes[0..<end], as: UTF8.self)
    }

    /// The byte length `truncated` cuts UTF-8 `bytes` to; nil when they already fit.
    static func truncatedLength(_ bytes: [UInt8], maxTokens: Int) -> Int? {
        let limit = max(0, maxTokens) * 4
        guard bytes.count > limit else { return nil }
        var end = limit
        while end > 0 && end < bytes.count && bytes[end] & 0xC0 == 0x80 { end -= 1 }
        return end
    }

    /// `text` cut to half its UTF-8 bytes on a character boundary, as an answer cut at max tokens
    /// (`__sluice_truncate__`, `truncated`): JSON content is left unterminated.
    static func cutInHalf(_ text: String) -> String {
        let bytes = Array(text.utf8)
        var end = bytes.count / 2
        while end > 0 && bytes[end] & 0xC0 == 0x80 { end -= 1 }
        return String(decoding: bytes[0..<end], as: UTF8.self)
    }

    /// The text of a message `content`: a string, or the `text` of its parts.
    static func text(of content: JSONValue?) -> String {
        switch content {
        case .string(let s)?: return s
        case .array(let parts)?: return parts.compactMap { $0["text"]?.stringValue }.joined(separator: "\n")
        default: return ""
        }
    }
}
