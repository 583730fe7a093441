import SluiceJSON

/// A successful OpenAI chat result line read on its bytes: the few things `OutputInterpreter` reads of it,
/// decoded from their byte ranges, with no tree built for the kilobyte of envelope around them.
///
/// `read` takes only the common case, a 2xx response whose first choice has a message, with integer token
/// counts and no error; it gives nil for anything else (failures, expired lines, other shapes, damage, text
/// that is not JSON), which the caller reads with `OpenAIResultLineParser`. Tested against that path on random
/// and damaged lines: whenever `read` answers, the interpretation is the same.
struct OpenAIChatLine: Equatable {
    var customID: String
    /// The first choice's message content; "" when it is not a string (as the interpreter reads it).
    var content: String
    var refusal: String?
    /// Whether the first choice's finish_reason is "length".
    var truncated: Bool
    var usage: OutputInterpreter.Usage?

    private enum Slot: Int, CaseIterable {
        case customID, error, status, message, content, refusal, finishReason, usage, promptTokens, completionTokens
    }

    /// Every member `OpenAIResultLineParser.line` and `OutputInterpreter.interpretChat` look at.
    private static let path: JSONSpanPath = .members([
        ("custom_id", .slot(Slot.customID.rawValue)),
        ("error", .slot(Slot.error.rawValue)),
        (
            "response",
            .members([
                ("status_code", .slot(Slot.status.rawValue)),
                (
                    "body",
                    .members([
                        (
                            "choices",
                            .first(
                                .members([
                                    (
                                        "message",
                                        .members([
                                            ("content", .slot(Slot.content.rawValue)),
                                            ("refusal", .slot(Slot.refusal.rawValue)),
                                        ], slot: Slot.message.rawValue)
                                    ),
                                    ("finish_reason", .slot(Slot.finishReason.rawValue)),
                                ]))
                        ),
                        (
                            "usage",
                            .members([
                                ("prompt_tokens", .slot(Slot.promptTokens.rawValue)),
                                ("completion_tokens", .slot(Slot.completionTokens.rawValue)),
                            ], slot: Slot.usage.rawValue)
                        ),
                    ])
                ),
            ])
        ),
    ])

    /// Reads `line` (no newline), or nil when it is not a successful chat line of the common shape.
    static func read(_ line: UnsafeRawBufferPointer) -> OpenAIChatLine? {
        guard let spans = JSONPruningParser.spans(buffer: line, path: path, slots: Slot.allCases.count) else {
            return nil
        }
        func span(_ slot: Slot) -> Range<Int>? { spans[slot.rawValue] }
        // An error object makes the line a failure (anything but null there: let the full path judge); without a
        // message the response has no choice.
        if let error = span(.error), line[error.lowerBound] != UInt8(ascii: "n") { return nil }
        guard let idRange = span(.customID), let customID = string(line, idRange),
            let statusRange = span(.status), let status = integer(line, statusRange), (200..<300).contains(status)
        else { return nil }
        guard span(.message) != nil else { return nil }
        // Usage absent is no usage; present, both counts are plain integers here (other forms: the full path).
        var usage: OutputInterpreter.Usage?
        if span(.usage) != nil {
            guard let p = span(.promptTokens), let input = integer(line, p),
                let c = span(.completionTokens), let output = integer(line, c)
            else { return nil }
            usage = .init(input: input, output: output)
        }
        let content = span(.content).flatMap { string(line, $0) } ?? ""
        let refusal = span(.refusal).flatMap { string(line, $0) }
        let truncated = span(.finishReason).flatMap { string(line, $0) } == "length"
        return OpenAIChatLine(customID: customID, content: content, refusal: refusal, truncated: truncated, usage: usage)
    }

    /// The string at `range`, or nil when the value there is not a string. The scan checked its UTF-8 and
    /// escapes; one without escapes is its bytes.
    private static func string(_ line: UnsafeRawBufferPointer, _ range: Range<Int>) -> String? {
        guard line[range.lowerBound] == UInt8(ascii: "\"") else { return nil }
        let inner = UnsafeRawBufferPointer(rebasing: line[(range.lowerBound + 1)..<(range.upperBound - 1)])
        if !inner.contains(UInt8(ascii: "\\")) { return String(decoding: inner, as: UTF8.self) }
        return (try? JSONParser.parse(buffer: UnsafeRawBufferPointer(rebasing: line[range])))?.stringValue
    }

    /// A non-negative integer written with at most 15 digits (exact as the `Double` the full path reads), or nil.
    private static func integer(_ line: UnsafeRawBufferPointer, _ range: Range<Int>) -> Int? {
        guard !range.isEmpty, range.count <= 15 else { return nil }
        var value = 0
        for i in range {
            let b = line[i]
            guard b >= 0x30, b <= 0x39 else { return nil }
            value = value * 10 + Int(b - 0x30)
        }
        return value
    }
}
