extension SchemaValidation {
    mutating func checkObject(_ object: JSONObject, _ node: SchemaNode) {
        var declaredPresent = 0
        for property in node.properties {
            if let member = object[property.name] {
                declaredPresent += 1
                enter(.key(property.name))
                check(member, property.node)
                leave()
            } else if property.required {
                fail("schema.required", "missing required property \(SchemaText.preview(.string(property.name)))")
            }
            if isFull { return }
        }
        for name in node.requiredUndeclared where object[name] == nil {
            fail("schema.required", "missing required property \(SchemaText.preview(.string(name)))")
            if isFull { return }
        }
        // When every member is declared there is nothing more to look at.
        if declaredPresent < object.count {
            switch node.additional {
            case .allowed:
                break
            case .forbidden:
                for key in object.keys where !node.declared.contains(key) {
                    enter(.key(key))
                    fail(
                        "schema.additional_property",
                        node.properties.isEmpty
                            ? "property is not allowed (no properties are allowed here)"
                            : "property is not allowed (allowed: \(node.declaredListing))")
                    leave()
                    if isFull { return }
                }
            case .schema(let schema):
                for key in object.keys where !node.declared.contains(key) {
                    enter(.key(key))
                    check(object[key]!, schema)
                    leave()
                    if isFull { return }
                }
            }
        }
        if let min = node.minProperties, object.count < min {
            fail(
                "schema.min_properties",
                "expected at least \(SchemaText.count(min, "property", "properties")), got \(object.count)")
        }
        if let max = node.maxProperties, object.count > max {
            fail(
                "schema.max_properties",
                "expected at most \(SchemaText.count(max, "property", "properties")), got \(object.count)")
        }
    }

    mutating func checkArray(_ elements: [JSONValue], _ node: SchemaNode) {
        if let min = node.minItems, elements.count < min {
            fail(
                "schema.min_items", "expected at least \(SchemaText.count(min, "item", "items")), got \(elements.count)"
            )
        }
        if let max = node.maxItems, elements.count > max {
            fail(
                "schema.max_items", "expected at most \(SchemaText.count(max, "item", "items")), got \(elements.count)")
        }
        for (i, prefix) in node.prefixItems.enumerated() where i < elements.count {
            enter(.index(i))
            check(elements[i], prefix)
            leave()
            if isFull { return }
        }
        if let items = node.items, node.prefixItems.count < elements.count {
            for i in node.prefixItems.count..<elements.count {
                enter(.index(i))
                check(elements[i], items)
                leave()
                if isFull { return }
            }
        }
        if node.uniqueItems, elements.count > 1, case (let first, let second)? = Self.firstDuplicate(elements) {
            fail(
                "schema.unique_items", "items \(first) and \(second) are equal (\(SchemaText.preview(elements[first])))"
            )
        }
    }

    /// The first pair of equal elements by the later element's position, using JSON equality (1 equals 1.0).
    private static func firstDuplicate(_ elements: [JSONValue]) -> (Int, Int)? {
        var seen: [JSONValue: Int] = [:]
        seen.reserveCapacity(elements.count)
        for (i, element) in elements.enumerated() {
            if let first = seen.updateValue(i, forKey: element) { return (first, i) }
        }
        return nil
    }

    mutating func checkNumber(_ value: JSONValue, _ node: SchemaNode) {
        let text = SchemaText.preview
        if let minimum = node.minimum, SchemaNumbers.compare(value, minimum) < 0 {
            fail("schema.minimum", "\(text(value)) is less than the minimum \(text(minimum))")
        }
        if let maximum = node.maximum, SchemaNumbers.compare(value, maximum) > 0 {
            fail("schema.maximum", "\(text(value)) is greater than the maximum \(text(maximum))")
        }
        if let bound = node.exclusiveMinimum, SchemaNumbers.compare(value, bound) <= 0 {
            fail("schema.exclusive_minimum", "\(text(value)) is not greater than the exclusive minimum \(text(bound))")
        }
        if let bound = node.exclusiveMaximum, SchemaNumbers.compare(value, bound) >= 0 {
            fail("schema.exclusive_maximum", "\(text(value)) is not less than the exclusive maximum \(text(bound))")
        }
        if let divisor = node.multipleOf, !SchemaNumbers.isMultiple(value, of: divisor) {
            fail("schema.multiple_of", "\(text(value)) is not a multiple of \(text(divisor))")
        }
    }

    mutating func checkString(_ string: String, _ node: SchemaNode) {
        // Lengths count Unicode scalars (code points), as JSON Schema does. A scalar takes 1 to 4 UTF-8 bytes, so
        // the O(1) byte count settles most bounds without walking the string.
        let bytes = string.utf8.count
        let minSettled = node.minLength.map { bytes / 4 >= $0 } ?? true
        let maxSettled = node.maxLength.map { bytes <= $0 } ?? true
        if !minSettled || !maxSettled {
            let length = string.unicodeScalars.count
            if let min = node.minLength, length < min {
                fail(
                    "schema.min_length",
                    "expected at least \(SchemaText.count(min, "character", "characters")), got \(length)")
            }
            if let max = node.maxLength, length > max {
                fail(
                    "schema.max_length",
                    "expected at most \(SchemaText.count(max, "character", "characters")), got \(length)")
            }
        }
        if let pattern = node.pattern, !pattern.matches(string) {
            fail(
                "schema.pattern", "\(SchemaText.preview(.string(string))) does not match the pattern \(pattern.source)")
        }
        if let format = node.format, !format.accepts(string) {
            fail("schema.format", "\(SchemaText.preview(.string(string))) is not a valid \(format.rawValue)")
        }
    }
}
