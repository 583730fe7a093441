import SluiceJSON

/// Checks a `response_format` JSON schema the way the real API does before answering.
///
/// Under `strict: true` OpenAI requires an object root, `additionalProperties: false` and every property
/// listed in `required` on every object, and rejects `allOf`, `not`, `if`/`then`/`else`,
/// `dependentRequired` and `dependentSchemas`; broken `$ref`s are rejected in either mode. The messages
/// follow the real API's wording ("Invalid schema for response_format 'NAME': In context=(...), ...").
enum SchemaRules {
    /// Keywords strict mode refuses.
    static let forbiddenInStrict = ["allOf", "not", "if", "then", "else", "dependentRequired", "dependentSchemas"]

    /// A problem message, or nil when the schema is usable.
    static func problem(schema: JSONValue, name: String, strict: Bool) -> String? {
        let prefix = "Invalid schema for response_format '\(name)': "
        guard case .object(let root) = schema else {
            return prefix + "schema must be a JSON Schema of 'type: \"object\"', got 'type: \"\(schema.typeName)\"'."
        }
        if strict {
            let type = root["type"]?.stringValue ?? (root["anyOf"] != nil ? "anyOf" : "none")
            if type != "object" {
                return prefix + "schema must be a JSON Schema of 'type: \"object\"', got 'type: \"\(type)\"'."
            }
        }
        var visited = 0
        if let message = check(schema, context: [], root: schema, strict: strict, visited: &visited) {
            return prefix + message
        }
        return nil
    }

    private static func contextText(_ context: [String]) -> String {
        "In context=(" + context.map { "'\($0)'" }.joined(separator: ", ") + (context.count == 1 ? ",)" : ")")
    }

    private static func check(
        _ schema: JSONValue, context: [String], root: JSONValue, strict: Bool, visited: inout Int
    ) -> String? {
        visited += 1
        guard visited < 20_000, case .object(let s) = schema else { return nil }
        let here = contextText(context)
        if let ref = s["$ref"]?.stringValue, SchemaValueGenerator.resolve(ref, in: root) == nil {
            return "\(here), reference to component '\(ref)' which was not found in the schema."
        }
        if strict {
            if let keyword = forbiddenInStrict.first(where: { s[$0] != nil }) {
                return "\(here), '\(keyword)' is not permitted."
            }
            let types = s["type"]?.stringValue.map { [$0] } ?? (s["type"]?.arrayValue?.compactMap(\.stringValue) ?? [])
            if types.contains("object") {
                if s["additionalProperties"] != .bool(false) {
                    return "\(here), 'additionalProperties' is required to be supplied and to be false."
                }
                let required = Set((s["required"]?.arrayValue ?? []).compactMap(\.stringValue))
                for key in s["properties"]?.objectValue?.keys ?? [] where !required.contains(key) {
                    return "\(here), 'required' is required to be supplied and to be an array including every key "
                        + "in properties. Missing '\(key)'."
                }
            }
        }
        for (key, child) in s["properties"]?.objectValue ?? JSONObject() {
            if let m = check(child, context: context + ["properties", key], root: root, strict: strict, visited: &visited)
            {
                return m
            }
        }
        for keyword in ["$defs", "definitions"] {
            for (key, child) in s[keyword]?.objectValue ?? JSONObject() {
                if let m = check(child, context: context + [keyword, key], root: root, strict: strict, visited: &visited)
                {
                    return m
                }
            }
        }
        if let items = s["items"], let m = check(items, context: context + ["items"], root: root, strict: strict, visited: &visited) {
            return m
        }
        for keyword in ["anyOf", "oneOf", "prefixItems"] {
            for (i, child) in (s[keyword]?.arrayValue ?? []).enumerated() {
                if let m = check(child, context: context + [keyword, String(i)], root: root, strict: strict, visited: &visited)
                {
                    return m
                }
            }
        }
        return nil
    }
}
