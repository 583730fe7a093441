/// Why a byte sequence is not JSON, with the byte offset where the parser stopped.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A stable reason code, e.g. `json.unexpected_character`.
    public var code: String
    /// Human-readable reason.
    public var message: String
    /// Zero-based byte offset into the parsed input.
    public var offset: Int

    public init(code: String, message: String, offset: Int) {
        self.code = code
        self.message = message
        self.offset = offset
    }

    public var description: String { "\(message) at byte \(offset)" }
}
