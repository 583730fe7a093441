/// A compiled schema. Compile once per pipeline, validate millions of values.
///
/// Supported keywords: `type` (a name or an array; `integer` accepts whole numbers such as `3.0`), `enum`,
/// `const`, `properties`, `required`, `additionalProperties` (boolean or schema), `minProperties`,
/// `maxProperties`, `items`, `prefixItems`, `minItems`, `maxItems`, `uniqueItems`, `minimum`, `maximum`,
/// `exclusiveMinimum`, `exclusiveMaximum` (numeric form), `multipleOf`, `minLength`, `maxLength` (in Unicode
/// scalars), `pattern` (see `RegexPattern`), `format` (date, time, date-time, duration, email, hostname, ipv4,
/// ipv6, uuid; other formats are not checked), `anyOf`, `oneOf`, `allOf`, `not`, local `$ref` with `$defs` or
/// `definitions`, and boolean schemas. Annotations (`title`, `description`, `default`, `examples`, `$schema`,
/// `$id`, `$comment`, …) are ignored. Anything else is a `SchemaDefinitionError`.
///
/// Violation codes: `schema.type`, `schema.enum`, `schema.const`, `schema.required`,
/// `schema.additional_property`, `schema.min_properties`, `schema.max_properties`, `schema.min_items`,
/// `schema.max_items`, `schema.unique_items`, `schema.minimum`, `schema.maximum`, `schema.exclusive_minimum`,
/// `schema.exclusive_maximum`, `schema.multiple_of`, `schema.min_length`, `schema.max_length`, `schema.pattern`,
/// `schema.format`, `schema.any_of`, `schema.one_of`, `schema.not`, `schema.false`. `allOf` has no code of its
/// own: its branches' violations are reported. A value matching no `anyOf`/`oneOf` alternative is reported as
/// `schema.type` when no alternative admits its type (`expected string or null, got integer 5`), through the
/// alternative's own violations when exactly one admits it (`anyOf: [{"type": "string", "maxLength": 3},
/// {"type": "null"}]` given `"abcd"` gives `schema.max_length`), and as `schema.any_of` / `schema.one_of` otherwise.
///
/// `required` is reported at the object's path; `additional_property` at the unexpected member's path.
public struct JSONSchema: Sendable {
    /// How many violations `validate(_:)` reports at most.
    public static let defaultViolationLimit = 20

    /// The schema as given.
    public let root: JSONValue
    let program: SchemaProgram

    /// Compiles `schema`; throws the first definition problem (see `definitionProblems(_:)` for all of them).
    public init(_ schema: JSONValue) throws(SchemaDefinitionError) {
        let compiled = SchemaCompiler.compile(schema)
        guard let program = compiled.program else { throw compiled.problems[0] }
        self.root = schema
        self.program = program
    }

    /// Every definition problem of `schema`, in document order; empty when it compiles.
    public static func definitionProblems(_ schema: JSONValue) -> [SchemaDefinitionError] {
        SchemaCompiler.compile(schema).problems
    }

    /// The violations of `value`, at most `defaultViolationLimit`; empty means valid.
    public func validate(_ value: JSONValue) -> [SchemaViolation] {
        validate(value, limit: Self.defaultViolationLimit)
    }

    /// The violations of `value`, at most `limit` (at least one is reported for an invalid value).
    public func validate(_ value: JSONValue, limit: Int) -> [SchemaViolation] {
        // Most values are valid: a first pass without paths or messages settles them without allocating.
        if isValid(value) { return [] }
        var validation = SchemaValidation(nodes: program.nodes, limit: max(1, limit), recording: true)
        validation.check(value, 0)
        return validation.violations
    }

    /// Whether `value` is valid; stops at the first violation and builds no messages.
    public func isValid(_ value: JSONValue) -> Bool {
        var validation = SchemaValidation(nodes: program.nodes, limit: 1, recording: false)
        validation.check(value, 0)
        return validation.failures == 0
    }
}
