/// Checks a schema against the subset that OpenAI strict structured outputs accept (batch-api-wire.md §1.13),
/// and makes the meaning-preserving fixes.
///
/// Problem codes (all `SchemaDefinitionError`s with a pointer into the schema):
/// - `strict.root_not_object`, `strict.root_any_of`: the root must be `"type": "object"` and not `anyOf`.
/// - `strict.additional_properties`: an object schema without `"additionalProperties": false`.
/// - `strict.optional_property`: a property missing from `required` (strict mode needs every property required;
///   an optional field is written `"type": ["string", "null"]` and listed in `required`).
/// - `strict.unsupported_keyword`: a keyword the OpenAI guide lists as unsupported (`allOf`, `not`, `if`/`then`/
///   `else`, `dependentRequired`, `dependentSchemas`).
/// - `strict.unlisted_keyword`: a keyword the guide does not list as supported (`oneOf`, `minLength`, `uniqueItems`,
///   …). The API is likely to refuse it; callers may treat this as a warning.
/// - `strict.unsupported_format`: a `format` outside date-time, time, date, duration, email, hostname, ipv4, ipv6,
///   uuid.
/// - `strict.missing_type`: a schema with none of `type`, `anyOf`, `$ref`, `enum`, `const`.
/// - `strict.boolean_schema`: `true`/`false` used as a schema.
/// - `strict.ref_with_siblings`: `$ref` next to other keywords (the API refuses it; openai-python inlines the
///   reference, and so does `openAIStrictForm`).
/// - `strict.too_many_properties` (> 5,000 in total), `strict.too_deep` (objects nested > 10 levels),
///   `strict.names_too_long` (> 120,000 characters of property, definition, enum and const names),
///   `strict.too_many_enum_values` (> 1,000 in total), `strict.enum_too_long` (a string enum of more than 250
///   values totalling > 15,000 characters).
public enum StrictSchemaCompatibility {
    /// The problems that would make OpenAI refuse `schema` with `strict: true`, in document order.
    ///
    /// Pass `openAIStrictForm(schema)` to see what remains after the automatic fixes.
    public static func openAIProblems(_ schema: JSONValue) -> [SchemaDefinitionError] {
        var audit = OpenAIStrictAudit(document: schema)
        audit.run()
        return audit.problems
    }

    /// A copy of `schema` made strict-compatible where that does not change which values are valid (for the
    /// values the user meant to allow):
    /// - `"additionalProperties": false` is added to object schemas that declare properties and say nothing about
    ///   others. A free-form object (no `properties`) is left alone: false would allow only `{}`.
    /// - `$ref` with sibling keywords is inlined (the referenced schema merged with the siblings) when their
    ///   validating keywords do not overlap and the reference is not recursive.
    /// - A one-element `allOf` is merged into its schema when their keywords do not overlap.
    /// - `"default": null` is dropped (an annotation; openai-python drops it too).
    ///
    /// Optional properties are deliberately not made required: that would change meaning (the model would have to
    /// invent values), so `openAIProblems` reports them for the user to decide.
    public static func openAIStrictForm(_ schema: JSONValue) -> JSONValue {
        var form = OpenAIStrictForm(document: schema)
        return form.transform(schema, expanding: [])
    }

    /// Formats OpenAI strict mode accepts.
    static let openAIFormats: Set<String> = [
        "date-time", "time", "date", "duration", "email", "hostname", "ipv4", "ipv6", "uuid",
    ]

    /// Keywords the OpenAI guide lists as supported in strict mode (annotations included).
    static let openAIListed: Set<String> = [
        "type", "properties", "required", "additionalProperties", "items", "enum", "const", "anyOf", "$ref",
        "$defs", "definitions", "pattern", "format", "multipleOf", "minimum", "maximum", "exclusiveMinimum",
        "exclusiveMaximum", "minItems", "maxItems",
    ]

    /// Keywords the OpenAI guide lists as unsupported in strict mode.
    static let openAIUnsupported: Set<String> = [
        "allOf", "not", "if", "then", "else", "dependentRequired", "dependentSchemas",
    ]

    /// Whether a schema object describes objects: `type` names object, or it has no type but has `properties`.
    static func describesObjects(_ schema: JSONObject) -> Bool {
        switch schema["type"] {
        case .string(let name)?: return name == "object"
        case .array(let names)?: return names.contains(.string("object"))
        case nil: return schema["properties"] != nil
        default: return false
        }
    }

    /// The subschemas of `schema` with their pointers: `properties`, `items`, `additionalProperties`,
    /// `prefixItems`, `anyOf`, `oneOf`, `allOf`, `not`, and (with `definitions`) `$defs`.
    static func subschemas(
        of schema: JSONObject, at pointer: String, definitions: Bool
    ) -> [(schema: JSONValue, pointer: String)] {
        var result: [(JSONValue, String)] = []
        for (key, value) in schema {
            let path = JSONPointer.appending(pointer, key)
            switch (key, value) {
            case ("properties", .object(let members)):
                for (name, member) in members { result.append((member, JSONPointer.appending(path, name))) }
            case ("$defs", .object(let members)) where definitions,
                ("definitions", .object(let members)) where definitions:
                for (name, member) in members { result.append((member, JSONPointer.appending(path, name))) }
            case ("items", .object), ("items", .bool), ("additionalProperties", .object), ("not", _):
                result.append((value, path))
            case ("prefixItems", .array(let members)), ("anyOf", .array(let members)), ("oneOf", .array(let members)),
                ("allOf", .array(let members)):
                for (i, member) in members.enumerated() { result.append((member, path + "/\(i)")) }
            default:
                break
            }
        }
        return result
    }
}
