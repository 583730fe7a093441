extension SchemaCompiler {
    /// Reads every keyword of a schema object into a draft, reporting wrong, unknown and unsupported keywords.
    mutating func compileKeywords(_ object: JSONObject, at location: String, node: Int) -> SchemaNodeDraft {
        var d = SchemaNodeDraft()
        var required: [String] = []
        for (key, value) in object {
            let path = JSONPointer.appending(location, key)
            switch key {
            case "type": d.types = readTypes(value, path)
            case "enum": d.enumeration = readEnum(value, path)
            case "const": d.constant = value
            case "properties": d.properties = readProperties(value, path)
            case "required": required = readRequired(value, path)
            case "additionalProperties":
                switch value {
                case .bool(let allowed): d.additional = allowed ? .allowed : .forbidden
                case .object: d.additional = .schema(self.node(for: value, at: path))
                default: invalid(path, "expected a schema or a boolean", value)
                }
            case "minProperties": d.minProperties = readCount(value, path)
            case "maxProperties": d.maxProperties = readCount(value, path)
            case "items":
                if case .array = value {
                    invalid(path, "expected a schema (the array form of draft 2019 and earlier is prefixItems)", value)
                } else {
                    d.items = self.node(for: value, at: path)
                }
            case "prefixItems": d.prefixItems = readSchemas(value, path) ?? []
            case "minItems": d.minItems = readCount(value, path)
            case "maxItems": d.maxItems = readCount(value, path)
            case "uniqueItems":
                if case .bool(let unique) = value {
                    d.uniqueItems = unique
                } else {
                    invalid(path, "expected a boolean", value)
                }
            case "minimum": d.minimum = readNumber(value, path)
            case "maximum": d.maximum = readNumber(value, path)
            case "exclusiveMinimum": d.exclusiveMinimum = readNumber(value, path)
            case "exclusiveMaximum": d.exclusiveMaximum = readNumber(value, path)
            case "multipleOf":
                if let number = readNumber(value, path) {
                    if number.numberValue! > 0 {
                        d.multipleOf = number
                    } else {
                        invalid(path, "expected a number greater than 0", value)
                    }
                }
            case "minLength": d.minLength = readCount(value, path)
            case "maxLength": d.maxLength = readCount(value, path)
            case "pattern": d.pattern = readPattern(value, path)
            case "format":
                // Unknown formats are annotations (JSON Schema 2020-12), so they are accepted and not checked.
                if case .string(let name) = value {
                    d.format = StringFormat(rawValue: name)
                } else {
                    invalid(path, "expected a string", value)
                }
            case "allOf": d.allOf = readInPlaceSchemas(value, path, node: node)
            case "anyOf": d.anyOf = readInPlaceSchemas(value, path, node: node)
            case "oneOf": d.oneOf = readInPlaceSchemas(value, path, node: node)
            case "not":
                let target = self.node(for: value, at: path)
                addInPlaceEdge(from: node, to: target, keyword: path)
                d.not = target
            case "$ref":
                guard case .string(let ref) = value else {
                    invalid(path, "expected a string", value)
                    break
                }
                if let target = resolveRef(ref, at: path) {
                    addInPlaceEdge(from: node, to: target, keyword: path)
                    d.ref = target
                }
            case "$defs", "definitions":
                guard case .object(let definitions) = value else {
                    invalid(path, "expected an object of named schemas", value)
                    break
                }
                // Compiled even when unused, so a typo in a definition is found before it is first referenced.
                for (name, schema) in definitions { _ = self.node(for: schema, at: JSONPointer.appending(path, name)) }
            default:
                reportUnknown(key, value, path)
            }
        }
        d.required = required
        for i in d.properties.indices { d.properties[i].required = required.contains(d.properties[i].name) }
        checkBounds(d, object, location)
        return d
    }

    private mutating func invalid(_ path: String, _ expectation: String, _ value: JSONValue) {
        problem("schema_def.invalid", path, "\(expectation), got \(SchemaText.kindAndValue(value))")
    }

    private mutating func reportUnknown(_ key: String, _ value: JSONValue, _ path: String) {
        let quoted = JSONWriter.string(.string(SchemaText.shortened(key, to: 60)))
        if SchemaKeywords.annotations.contains(key) { return }
        if let advice = SchemaKeywords.unsupported[key] {
            problem("schema_def.unsupported_keyword", path, "keyword \(quoted) is not supported\(advice)")
        } else if let suggestion = SchemaKeywords.suggestion(for: key) {
            problem("schema_def.unknown_keyword", path, "unknown keyword \(quoted) (did you mean \"\(suggestion)\"?)")
        } else if case .object = value {
            problem(
                "schema_def.unknown_keyword", path,
                "unknown keyword \(quoted) (property schemas belong under \"properties\")")
        } else {
            problem("schema_def.unknown_keyword", path, "unknown keyword \(quoted)")
        }
    }

    private mutating func readTypes(_ value: JSONValue, _ path: String) -> SchemaTypes? {
        let names: [JSONValue]
        switch value {
        case .string: names = [value]
        case .array(let elements) where !elements.isEmpty: names = elements
        default:
            invalid(path, "expected a type name or a non-empty array of type names", value)
            return nil
        }
        var types: SchemaTypes = []
        for (i, name) in names.enumerated() {
            let itemPath = value.stringValue != nil ? path : path + "/\(i)"
            guard let text = name.stringValue, let type = SchemaTypes(name: text) else {
                let known = SchemaTypes.named.map(\.name)
                if let text = name.stringValue, let guess = SchemaKeywords.suggestion(for: text, among: Set(known)) {
                    problem(
                        "schema_def.invalid", itemPath,
                        "unknown type \(SchemaText.preview(name)) (did you mean \"\(guess)\"?)")
                } else {
                    invalid(itemPath, "expected one of \(known.joined(separator: ", "))", name)
                }
                return nil
            }
            guard !types.contains(type) else {
                problem("schema_def.invalid", itemPath, "type \"\(text)\" is listed twice")
                return nil
            }
            types.insert(type)
        }
        return types
    }

    private mutating func readEnum(_ value: JSONValue, _ path: String) -> SchemaEnum? {
        guard case .array(let values) = value else {
            invalid(path, "expected an array of values", value)
            return nil
        }
        guard !values.isEmpty else {
            problem("schema_def.invalid", path, "enum is empty, so no value could be valid")
            return nil
        }
        return SchemaEnum(values)
    }

    private mutating func readProperties(_ value: JSONValue, _ path: String) -> [SchemaProperty] {
        guard case .object(let members) = value else {
            invalid(path, "expected an object mapping property names to schemas", value)
            return []
        }
        return members.map { name, schema in
            SchemaProperty(name: name, node: node(for: schema, at: JSONPointer.appending(path, name)), required: false)
        }
    }

    private mutating func readRequired(_ value: JSONValue, _ path: String) -> [String] {
        guard case .array(let elements) = value else {
            invalid(path, "expected an array of property names", value)
            return []
        }
        var names: [String] = []
        for (i, element) in elements.enumerated() {
            guard case .string(let name) = element else {
                invalid(path + "/\(i)", "expected a property name", element)
                continue
            }
            if names.contains(name) {
                problem("schema_def.invalid", path + "/\(i)", "property \(SchemaText.preview(element)) is listed twice")
            } else {
                names.append(name)
            }
        }
        return names
    }

    private mutating func readCount(_ value: JSONValue, _ path: String) -> Int? {
        switch value {
        case .int(let n) where n >= 0: return n
        case .double(let d) where d >= 0 && d.rounded(.towardZero) == d && d < 9.2e18: return Int(d)
        default:
            invalid(path, "expected a non-negative integer", value)
            return nil
        }
    }

    private mutating func readNumber(_ value: JSONValue, _ path: String) -> JSONValue? {
        switch value {
        case .int, .double: return value
        case .bool:
            invalid(path, "expected a number (the boolean form of draft 4 is not supported)", value)
            return nil
        default:
            invalid(path, "expected a number", value)
            return nil
        }
    }

    private mutating func readPattern(_ value: JSONValue, _ path: String) -> RegexPattern? {
        guard case .string(let source) = value else {
            invalid(path, "expected a regular expression string", value)
            return nil
        }
        do {
            return try RegexPattern(source)
        } catch {
            problem("schema_def.invalid_pattern", path, "invalid pattern \(SchemaText.preview(value)): \(error)")
            return nil
        }
    }

    private mutating func readSchemas(_ value: JSONValue, _ path: String) -> [Int]? {
        guard case .array(let schemas) = value, !schemas.isEmpty else {
            invalid(path, "expected a non-empty array of schemas", value)
            return nil
        }
        return schemas.enumerated().map { i, schema in node(for: schema, at: path + "/\(i)") }
    }

    private mutating func readInPlaceSchemas(_ value: JSONValue, _ path: String, node: Int) -> [Int] {
        let targets = readSchemas(value, path) ?? []
        for (i, target) in targets.enumerated() { addInPlaceEdge(from: node, to: target, keyword: path + "/\(i)") }
        return targets
    }

    /// Contradictions that make a schema unsatisfiable, almost always typos: `minLength` above `maxLength`, or a
    /// `required` name that `properties` lacks while `additionalProperties` is false.
    private mutating func checkBounds(_ d: SchemaNodeDraft, _ object: JSONObject, _ location: String) {
        func check(_ low: Int?, _ lowName: String, _ high: Int?, _ highName: String) {
            if let low, let high, low > high {
                problem(
                    "schema_def.invalid", JSONPointer.appending(location, lowName),
                    "\(lowName) \(low) is greater than \(highName) \(high), so no value could be valid")
            }
        }
        check(d.minLength, "minLength", d.maxLength, "maxLength")
        check(d.minItems, "minItems", d.maxItems, "maxItems")
        check(d.minProperties, "minProperties", d.maxProperties, "maxProperties")
        if let low = d.minimum, let high = d.maximum, SchemaNumbers.compare(low, high) > 0 {
            problem(
                "schema_def.invalid", JSONPointer.appending(location, "minimum"),
                "minimum \(SchemaText.preview(low)) is greater than maximum \(SchemaText.preview(high)), "
                    + "so no value could be valid")
        }
        if case .forbidden = d.additional {
            for (i, name) in d.required.enumerated() where !d.properties.contains(where: { $0.name == name }) {
                // Point at the entry as written, which may sit at another index when duplicates were dropped.
                let index = object["required"]?.arrayValue?.firstIndex(of: .string(name)) ?? i
                problem(
                    "schema_def.invalid", JSONPointer.appending(location, "required") + "/\(index)",
                    "required property \(SchemaText.preview(.string(name))) is not in properties and "
                        + "additionalProperties is false, so no value could be valid")
            }
        }
    }
}
