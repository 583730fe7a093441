/// The rewriting behind `StrictSchemaCompatibility.openAIStrictForm`.
struct OpenAIStrictForm {
    /// Keywords that only annotate; when they overlap in a merge, the referring schema's value wins.
    private static let mergeable: Set<String> = SchemaKeywords.annotations.union(["$defs", "definitions"])

    let document: JSONValue

    /// `schema` with the fixes applied below it; `expanding` holds the `$ref`s being inlined, which are not
    /// inlined again (so recursive references stay references).
    mutating func transform(_ schema: JSONValue, expanding: Set<String>) -> JSONValue {
        guard case .object(var object) = schema else { return schema }
        if let (merged, ref) = inlinedRef(object, expanding: expanding) {
            return transform(.object(merged), expanding: expanding.union([ref]))
        }
        if object["default"] == .null { object["default"] = nil }
        if case .array(let branches)? = object["allOf"], branches.count == 1, case .object(let only) = branches[0],
            Self.canMerge(only, into: object, ignoring: ["allOf"])
        {
            object["allOf"] = nil
            for (key, value) in only { object[key] = value }
        }
        for key in object.keys {
            guard let value = object[key] else { continue }
            switch (key, value) {
            case ("properties", .object(let members)), ("$defs", .object(let members)),
                ("definitions", .object(let members)):
                var rewritten = JSONObject()
                for (name, member) in members { rewritten[name] = transform(member, expanding: expanding) }
                object[key] = .object(rewritten)
            case ("items", .object), ("additionalProperties", .object), ("not", .object):
                object[key] = transform(value, expanding: expanding)
            case ("prefixItems", .array(let members)), ("anyOf", .array(let members)), ("oneOf", .array(let members)),
                ("allOf", .array(let members)):
                object[key] = .array(members.map { transform($0, expanding: expanding) })
            default:
                break
            }
        }
        if StrictSchemaCompatibility.describesObjects(object), object["additionalProperties"] == nil,
            let properties = object["properties"]?.objectValue, properties.count > 0
        {
            object["additionalProperties"] = false
        }
        return .object(object)
    }

    /// The referenced schema merged with the referring schema's other keywords (which win), when the `$ref` has
    /// siblings, resolves locally to an object, is not being expanded already, and no validating keyword overlaps.
    private func inlinedRef(_ object: JSONObject, expanding: Set<String>) -> (JSONObject, String)? {
        guard case .string(let ref)? = object["$ref"], object.count > 1, ref.hasPrefix("#"),
            let fragment = JSONPointer.percentDecoded(ref.dropFirst()), !expanding.contains(fragment),
            let tokens = JSONPointer.tokens(fragment),
            case .object(let target)? = JSONPointer.resolve(tokens, in: document),
            Self.canMerge(target, into: object, ignoring: ["$ref"])
        else { return nil }
        var merged = target
        for (key, value) in object where key != "$ref" { merged[key] = value }
        return (merged, fragment)
    }

    /// Whether `other` can be merged into `object` without two validating keywords meeting.
    private static func canMerge(_ other: JSONObject, into object: JSONObject, ignoring: Set<String>) -> Bool {
        !other.keys.contains { key in object[key] != nil && !mergeable.contains(key) && !ignoring.contains(key) }
    }
}
