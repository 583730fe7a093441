/// Where one top-level member of a JSONL object sits in its line: byte offsets, nothing decoded.
///
/// Staging reads the few members a template names straight from the line's bytes; the rest are only
/// validated, never turned into strings.
public struct JSONLMember: Sendable, Equatable {
    /// The key's content, between its quotes (still escaped when `keyHasEscapes`).
    public var keyStart: Int
    /// End of the key's content (the offset of its closing quote).
    public var keyEnd: Int
    /// The value as written: a string with its quotes, a number's digits, a whole nested object or array.
    public var valueStart: Int
    /// End of the value (exclusive).
    public var valueEnd: Int
    /// Escapes and non-ASCII, which decide how the key and a string value may be read without decoding.
    public var flags: Flags

    /// Creates a member.
    public init(keyStart: Int, keyEnd: Int, valueStart: Int, valueEnd: Int, flags: Flags) {
        self.keyStart = keyStart
        self.keyEnd = keyEnd
        self.valueStart = valueStart
        self.valueEnd = valueEnd
        self.flags = flags
    }

    /// What the scan noticed about a member.
    public struct Flags: OptionSet, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// The key contains a backslash escape.
        public static let keyHasEscapes = Flags(rawValue: 1)
        /// The key contains a byte ≥ 0x80 (Swift compares such keys by canonical equivalence, not bytes).
        public static let keyIsNonASCII = Flags(rawValue: 2)
        /// The value is a string.
        public static let valueIsString = Flags(rawValue: 4)
        /// The value is a string with a backslash escape.
        public static let valueHasEscapes = Flags(rawValue: 8)
        /// The value is `null`.
        public static let valueIsNull = Flags(rawValue: 16)
    }
}
