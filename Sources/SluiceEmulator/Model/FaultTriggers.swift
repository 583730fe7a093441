#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SluiceJSON

/// The fault triggers present in a request's text: the one table of trigger words, for every protocol.
struct FaultTriggers {
    /// Every trigger word, with what it does.
    enum Trigger: String, CaseIterable, Sendable {
        /// The request fails on the provider's side (OpenAI HTTP 500 `server_error`, Anthropic `errored`
        /// with `api_error`).
        case fail = "__sluice_fail__"
        /// Structured content (or tool input) violating its schema.
        case invalid = "__sluice_invalid__"
        /// Content that is not JSON (Anthropic tool mode: a text block instead of the tool call).
        case notJSON = "__sluice_notjson__"
        /// An Anthropic batch request ends `expired`, as if the 24 h window had closed on it (realtime
        /// requests and OpenAI batches ignore it: they expire only by the clock).
        case expire = "__sluice_expire__"
        /// The answer is cut as at max tokens: OpenAI `finish_reason` `length` (Responses `incomplete`),
        /// Anthropic `stop_reason` `max_tokens` (tool mode: the call without its input).
        case truncate = "__sluice_truncate__"
        /// A batch request gets no result line, though its batch counts it as completed (realtime ignores it).
        case dropLine = "__sluice_drop_line__"
    }

    /// The triggers found.
    private(set) var present: Set<Trigger> = []

    /// `__sluice_fail__` is present.
    var fail: Bool { present.contains(.fail) }
    /// `__sluice_invalid__` is present.
    var invalid: Bool { present.contains(.invalid) }
    /// `__sluice_notjson__` is present.
    var notJSON: Bool { present.contains(.notJSON) }
    /// `__sluice_expire__` is present.
    var expire: Bool { present.contains(.expire) }
    /// `__sluice_truncate__` is present.
    var truncate: Bool { present.contains(.truncate) }
    /// `__sluice_drop_line__` is present.
    var dropLine: Bool { present.contains(.dropLine) }

    /// The trigger a line fault stands for (`line_error` is `fail`, ...), nil for other layers' kinds.
    static func trigger(for kind: FaultKind) -> Trigger? {
        switch kind {
        case .lineError: return .fail
        case .schemaInvalid: return .invalid
        case .notJSON: return .notJSON
        case .truncated: return .truncate
        case .missingLine: return .dropLine
        default: return nil
        }
    }

    private static let prefix: [UInt8] = Array("__sluice_".utf8)

    /// False when no text decoded from the JSON `raw` can hold a trigger word: `raw` has neither the words'
    /// shared `__sluice_` prefix nor a `\u` escape (the only escape that decodes to a letter or `_`). Lets
    /// the batch worker skip assembling a line's trigger text, which almost no line has.
    static func mayHoldTrigger(rawJSON raw: UnsafeRawBufferPointer) -> Bool {
        guard let base = raw.baseAddress, raw.count >= 2 else { return false }
        if contains(prefix, in: raw) { return true }
        var offset = 0
        while offset < raw.count - 1, let hit = memchr(base + offset, 0x5C, raw.count - 1 - offset) {
            let at = UnsafeRawPointer(hit) - base
            if raw[at + 1] == UInt8(ascii: "u") { return true }
            // `\\` is one escaped backslash: the byte after it starts afresh.
            offset = at + 2
        }
        return false
    }

    /// Whether `needle` occurs in `raw` (memmem is not in Glibc's Swift overlay).
    private static func contains(_ needle: [UInt8], in raw: UnsafeRawBufferPointer) -> Bool {
        guard let base = raw.baseAddress, raw.count >= needle.count else { return false }
        var offset = 0
        let last = raw.count - needle.count
        while offset <= last, let hit = memchr(base + offset, Int32(needle[0]), last - offset + 1) {
            let at = UnsafeRawPointer(hit) - base
            if memcmp(base + at, needle, needle.count) == 0 { return true }
            offset = at + 1
        }
        return false
    }

    /// Scans `text`, then adds `forced` (the trigger of a drawn line fault, if any).
    init(_ text: String, forcing forced: Trigger?) {
        self.init(text)
        if let forced { present.insert(forced) }
    }

    /// Scans `text`; one byte search for the shared `__sluice_` prefix keeps trigger-free text cheap.
    init(_ text: String) {
        var copy = text
        let hasPrefix = copy.withUTF8 { utf8 -> Bool in
            guard let base = utf8.baseAddress, utf8.count >= Self.prefix.count else { return false }
            var offset = 0
            let last = utf8.count - Self.prefix.count
            while offset <= last, let hit = memchr(base + offset, 0x5F, last - offset + 1) {
                let at = UnsafePointer<UInt8>(hit.assumingMemoryBound(to: UInt8.self)) - base
                if memcmp(base + at, Self.prefix, Self.prefix.count) == 0 { return true }
                offset = at + 1
            }
            return false
        }
        guard hasPrefix else { return }
        for trigger in Trigger.allCases where text.contains(trigger.rawValue) {
            present.insert(trigger)
        }
    }
}

/// Per-thread memory of the model: the last `response_format` and what it resolved to.
///
/// Every line of a batch usually carries the same schema; checking it once instead of per line is a large
/// part of the per-request cost. Not thread-safe: one processing thread owns it.
final class ModelMemo {
    private var lastFormat: JSONValue = .null
    private var lastShape: Result<ContentShape, APIError>?
    /// A buffer reused line after line (the body serialised for its hash).
    var scratch: [UInt8] = []

    /// The shape for `format` (`.null` when absent), computed by `resolve` unless it equals the previous one.
    func shape(for format: JSONValue, _ resolve: () -> Result<ContentShape, APIError>) -> Result<ContentShape, APIError> {
        if let lastShape, lastFormat == format { return lastShape }
        let shape = resolve()
        lastFormat = format
        lastShape = shape
        return shape
    }
}
