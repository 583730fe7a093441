/// Which schema keywords Sluice validates, ignores or refuses, and the "did you mean" for typos.
enum SchemaKeywords {
    /// Keywords that take part in validation.
    static let validating: Set<String> = [
        "type", "enum", "const", "properties", "required", "additionalProperties", "minProperties",
        "maxProperties", "items", "prefixItems", "minItems", "maxItems", "uniqueItems", "minimum", "maximum",
        "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minLength", "maxLength", "pattern", "format",
        "anyOf", "oneOf", "allOf", "not", "$ref", "$defs", "definitions",
    ]

    /// Annotations: accepted and ignored.
    static let annotations: Set<String> = [
        "title", "description", "default", "examples", "$schema", "$id", "$comment", "deprecated", "readOnly",
        "writeOnly", "contentEncoding", "contentMediaType",
    ]

    /// Real JSON Schema (or OpenAPI) keywords that Sluice does not implement, with advice where there is some.
    /// Refusing them beats ignoring them: an ignored constraint would let invalid outputs through silently.
    static let unsupported: [String: String] = [
        "if": "", "then": "", "else": "",
        "dependentRequired": "", "dependentSchemas": "", "dependencies": "",
        "patternProperties": "", "propertyNames": "", "unevaluatedProperties": "", "unevaluatedItems": "",
        "contains": "", "minContains": "", "maxContains": "",
        "additionalItems": "; use prefixItems and items",
        "$anchor": "", "$dynamicRef": "", "$dynamicAnchor": "", "$recursiveRef": "", "$recursiveAnchor": "",
        "$vocabulary": "", "contentSchema": "",
        "nullable": "; this is OpenAPI, write \"type\": [\"string\", \"null\"] instead",
        "discriminator": "; this is OpenAPI, use anyOf",
    ]

    /// The known keyword (or other `candidates`) closest to a misspelt one, if close enough to be the likely intent.
    static func suggestion(for keyword: String, among candidates: Set<String> = validating.union(annotations))
        -> String?
    {
        let lowered = keyword.lowercased()
        if let sameLetters = candidates.first(where: { $0.lowercased() == lowered }) { return sameLetters }
        let allowed = keyword.count >= 5 ? 2 : 1
        var best: (keyword: String, distance: Int)?
        for candidate in candidates.sorted() {
            let distance = editDistance(Array(lowered.unicodeScalars), Array(candidate.lowercased().unicodeScalars))
            if distance <= allowed, distance < (best?.distance ?? Int.max) { best = (candidate, distance) }
        }
        return best?.keyword
    }

    /// Optimal string alignment distance: insertions, deletions, substitutions and adjacent transpositions
    /// each cost 1, so `requried` is one edit from `required`.
    static func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous2 = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], previous2[j - 2] + 1)
                }
            }
            (previous2, previous, current) = (previous, current, previous2)
        }
        return previous[b.count]
    }
}
