/// One pass of `StrictSchemaCompatibility.openAIProblems` over a schema document.
struct OpenAIStrictAudit {
    static let maxProperties = 5_000
    static let maxObjectDepth = 10
    static let maxNameCharacters = 120_000
    static let maxEnumValues = 1_000
    static let largeEnumValues = 250
    static let largeEnumCharacters = 15_000

    let document: JSONValue
    private(set) var problems: [SchemaDefinitionError] = []
    private var propertyCount = 0
    private var nameCharacters = 0
    private var enumValues = 0
    private var depthByRef: [String: Int] = [:]
    private var expandingRefs: Set<String> = []

    init(document: JSONValue) {
        self.document = document
    }

    mutating func run() {
        checkRoot()
        visit(document, at: "")
        if propertyCount > Self.maxProperties {
            problem(
                "strict.too_many_properties", "",
                "the schema declares \(propertyCount) properties; strict mode allows \(Self.maxProperties)")
        }
        let depth = objectDepth(document, at: "")
        if depth > Self.maxObjectDepth {
            problem(
                "strict.too_deep", "", "objects nest \(depth) levels deep; strict mode allows \(Self.maxObjectDepth)")
        }
        if nameCharacters > Self.maxNameCharacters {
            problem(
                "strict.names_too_long", "",
                "property, definition, enum and const names total \(nameCharacters) characters; "
                    + "strict mode allows \(Self.maxNameCharacters)")
        }
        if enumValues > Self.maxEnumValues {
            problem(
                "strict.too_many_enum_values", "",
                "enums hold \(enumValues) values in total; strict mode allows \(Self.maxEnumValues)")
        }
    }

    private mutating func problem(_ code: String, _ path: String, _ message: String) {
        problems.append(SchemaDefinitionError(code: code, path: path, message: "\(SchemaText.label(path)): \(message)"))
    }

    private mutating func checkRoot() {
        guard case .object(let root) = document else {
            problem("strict.root_not_object", "", "the root schema must be \"type\": \"object\"")
            return
        }
        if root["anyOf"] != nil {
            problem("strict.root_any_of", "/anyOf", "the root schema must not be anyOf; wrap the union in a property")
        } else if root["type"] != .string("object") {
            problem("strict.root_not_object", "", "the root schema must be \"type\": \"object\"")
        }
    }

    /// Checks one schema location and everything below it; `$ref` is not followed (its target is visited where
    /// it is defined), so each location is checked once.
    private mutating func visit(_ schema: JSONValue, at pointer: String) {
        guard case .object(let object) = schema else {
            if case .bool = schema, !pointer.isEmpty {  // the root is reported by checkRoot
                problem("strict.boolean_schema", pointer, "boolean schemas are not supported in strict mode")
            }
            return
        }
        checkKeywords(object, at: pointer)
        if StrictSchemaCompatibility.describesObjects(object) { checkObject(object, at: pointer) }
        for (name, _) in object["$defs"]?.objectValue ?? JSONObject() { nameCharacters += name.count }
        for (name, _) in object["definitions"]?.objectValue ?? JSONObject() { nameCharacters += name.count }
        for (sub, subPointer) in StrictSchemaCompatibility.subschemas(of: object, at: pointer, definitions: true) {
            visit(sub, at: subPointer)
        }
    }

    private mutating func checkKeywords(_ object: JSONObject, at pointer: String) {
        for (key, value) in object {
            let path = JSONPointer.appending(pointer, key)
            if StrictSchemaCompatibility.openAIUnsupported.contains(key) {
                problem("strict.unsupported_keyword", path, "\"\(key)\" is not supported in strict mode")
            } else if !StrictSchemaCompatibility.openAIListed.contains(key), !SchemaKeywords.annotations.contains(key) {
                let advice =
                    key == "oneOf" ? "; use anyOf" : (key == "minLength" || key == "maxLength" ? "; use pattern" : "")
                problem(
                    "strict.unlisted_keyword", path,
                    "\"\(key)\" is not among the keywords strict mode supports\(advice)")
            }
            if key == "format", case .string(let format) = value,
                !StrictSchemaCompatibility.openAIFormats.contains(format)
            {
                problem("strict.unsupported_format", path, "format \"\(format)\" is not supported in strict mode")
            }
            if key == "enum", case .array(let values) = value { checkEnum(values, at: path) }
            if key == "const", case .string(let name) = value { nameCharacters += name.count }
        }
        if object["$ref"] != nil, object.keys.contains(where: { $0 != "$ref" }) {
            problem(
                "strict.ref_with_siblings", JSONPointer.appending(pointer, "$ref"),
                "$ref must stand alone in strict mode (openAIStrictForm inlines it)")
        }
        // Combinators count as typed: when unsupported, the keyword itself is the problem worth reporting.
        let typed = ["type", "anyOf", "$ref", "enum", "const", "oneOf", "allOf", "not"].contains { object[$0] != nil }
        if !typed {
            problem("strict.missing_type", pointer, "strict mode needs a \"type\" (or anyOf, $ref, enum, const)")
        }
    }

    private mutating func checkEnum(_ values: [JSONValue], at path: String) {
        enumValues += values.count
        let strings = values.compactMap(\.stringValue)
        let characters = strings.reduce(0) { $0 + $1.count }
        nameCharacters += characters
        if strings.count == values.count, values.count > Self.largeEnumValues, characters > Self.largeEnumCharacters {
            problem(
                "strict.enum_too_long", path,
                "an enum of \(values.count) strings may total \(Self.largeEnumCharacters) characters, not \(characters)"
            )
        }
    }

    private mutating func checkObject(_ object: JSONObject, at pointer: String) {
        switch object["additionalProperties"] {
        case .bool(false)?:
            break
        case nil:
            problem(
                "strict.additional_properties", pointer,
                object["properties"] == nil
                    ? "a free-form object is not allowed in strict mode; declare its properties"
                    : "strict mode needs \"additionalProperties\": false")
        default:
            problem(
                "strict.additional_properties", JSONPointer.appending(pointer, "additionalProperties"),
                "strict mode needs \"additionalProperties\": false")
        }
        guard case .object(let properties)? = object["properties"] else { return }
        let required = Set((object["required"]?.arrayValue ?? []).compactMap(\.stringValue))
        for (name, _) in properties {
            propertyCount += 1
            nameCharacters += name.count
            if !required.contains(name) {
                problem(
                    "strict.optional_property",
                    JSONPointer.appending(JSONPointer.appending(pointer, "properties"), name),
                    "strict mode needs every property in \"required\"; to make \(SchemaText.preview(.string(name))) "
                        + "optional, list it and allow null, e.g. \"type\": [\"string\", \"null\"]")
            }
        }
    }

    /// How many object schemas nest at most below and including `schema`, following `$ref` (a reference being
    /// expanded is not expanded again, so recursive schemas count one round).
    private mutating func objectDepth(_ schema: JSONValue, at pointer: String) -> Int {
        guard case .object(let object) = schema else { return 0 }
        var deepest = 0
        for (sub, subPointer) in StrictSchemaCompatibility.subschemas(of: object, at: pointer, definitions: false) {
            deepest = max(deepest, objectDepth(sub, at: subPointer))
        }
        if case .string(let ref)? = object["$ref"], ref.hasPrefix("#"),
            let fragment = JSONPointer.percentDecoded(ref.dropFirst()), let tokens = JSONPointer.tokens(fragment),
            let target = JSONPointer.resolve(tokens, in: document)
        {
            if let known = depthByRef[fragment] {
                deepest = max(deepest, known)
            } else if !expandingRefs.contains(fragment) {
                expandingRefs.insert(fragment)
                let depth = objectDepth(target, at: fragment)
                expandingRefs.remove(fragment)
                depthByRef[fragment] = depth
                deepest = max(deepest, depth)
            }
        }
        return (StrictSchemaCompatibility.describesObjects(object) ? 1 : 0) + deepest
    }
}
