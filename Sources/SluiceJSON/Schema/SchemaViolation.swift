/// One way a value fails its schema: a stable code, the JSON pointer of the offending value and a message.
///
/// The code and message end up in `failures.jsonl` (`error.code`, `error.message`, `error.path`), so codes never
/// change once shipped. Messages start with the pointer (`(root)` for the whole value), quote strings as JSON and
/// shorten long values.
public struct SchemaViolation: Sendable, Equatable, CustomStringConvertible {
    /// Stable code such as `schema.enum`; see `JSONSchema` for the list.
    public var code: String
    /// RFC 6901 JSON pointer of the offending value in the validated document; "" for the document itself.
    public var path: String
    /// Human-readable reason, starting with the pointer, e.g. `/category: "refund" is not one of billing, other`.
    public var message: String

    /// A violation from its parts.
    public init(code: String, path: String, message: String) {
        self.code = code
        self.path = path
        self.message = message
    }

    /// The message followed by the code in brackets.
    public var description: String { "\(message) [\(code)]" }
}

/// A problem in a schema definition (not in a validated value), with the JSON pointer inside the schema.
///
/// Codes: `schema_def.unknown_keyword` (likely a typo), `schema_def.unsupported_keyword` (valid JSON Schema that
/// Sluice does not implement), `schema_def.invalid` (a keyword with a wrong type or value, or contradictory
/// bounds), `schema_def.invalid_pattern`, `schema_def.invalid_ref`, `schema_def.ref_cycle`; and `strict.*` codes
/// from `StrictSchemaCompatibility`.
public struct SchemaDefinitionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable code such as `schema_def.unknown_keyword`.
    public var code: String
    /// RFC 6901 JSON pointer into the schema; "" for the schema's root.
    public var path: String
    /// Human-readable reason, starting with the pointer (`(root)` for the schema's root).
    public var message: String

    /// An error from its parts.
    public init(code: String, path: String, message: String) {
        self.code = code
        self.path = path
        self.message = message
    }

    /// The message followed by the code in brackets.
    public var description: String { "\(message) [\(code)]" }
}
