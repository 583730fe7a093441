import SluiceJSON

/// Turns a conforming value into one that breaks its schema, for the `__sluice_invalid__` fault trigger.
///
/// An enum anywhere under the required properties is broken first (a value outside the list, the most
/// common real failure); failing that, a required property gets a wrong value or goes missing, then bounds,
/// then the type.
enum SchemaViolation {
    /// The value outside every enum: tests can look for it.
    static let notInEnum: JSONValue = "__not_in_enum__"

    /// A variant of `value` that does not validate against `schema`.
    static func violate(_ value: JSONValue, schema: JSONValue, root: JSONValue) -> JSONValue {
        if let broken = breakEnum(value, schema: schema, root: root, depth: 0) { return broken }
        return breakAnything(value, schema: schema, root: root, depth: 0)
    }

    private static func resolved(_ schema: JSONValue, root: JSONValue) -> JSONObject {
        var s = schema.objectValue ?? JSONObject()
        var hops = 0
        while let ref = s["$ref"]?.stringValue, hops < 16,
            let target = SchemaValueGenerator.resolve(ref, in: root)?.objectValue
        {
            s = target
            hops += 1
        }
        return s
    }

    private static func breakEnum(_ value: JSONValue, schema: JSONValue, root: JSONValue, depth: Int) -> JSONValue? {
        guard depth < 16 else { return nil }
        let s = resolved(schema, root: root)
        if s["enum"] != nil { return notInEnum }
        guard case .object(var object) = value, let properties = s["properties"]?.objectValue else { return nil }
        for name in (s["required"]?.arrayValue ?? []).compactMap(\.stringValue) {
            guard let propertySchema = properties[name], let current = object[name],
                let broken = breakEnum(current, schema: propertySchema, root: root, depth: depth + 1)
            else { continue }
            object[name] = broken
            return .object(object)
        }
        return nil
    }

    private static func breakAnything(_ value: JSONValue, schema: JSONValue, root: JSONValue, depth: Int) -> JSONValue {
        let s = resolved(schema, root: root)
        if let constant = s["const"] { return constant == "x" ? "y" : "x" }
        if case .object(var object) = value {
            let properties = s["properties"]?.objectValue ?? JSONObject()
            if let name = (s["required"]?.arrayValue ?? []).compactMap(\.stringValue).first {
                if depth < 16, let current = object[name], let propertySchema = properties[name] {
                    object[name] = breakAnything(current, schema: propertySchema, root: root, depth: depth + 1)
                } else {
                    object[name] = nil
                }
                return .object(object)
            }
            if s["additionalProperties"] == .bool(false) {
                object["__unexpected__"] = true
                return .object(object)
            }
            return .array([])
        }
        let bounds = SchemaValueGenerator.bounds(s)
        switch value {
        case .int, .double:
            if let high = bounds.high { return .double(high + 1) }
            if let low = bounds.low { return .double(low - 1) }
            return "not a number"
        case .string:
            if let maxLength = s["maxLength"]?.numberValue {
                return .string(String(repeating: "x", count: Int(maxLength) + 1))
            }
            if let minLength = s["minLength"]?.numberValue, minLength > 0 { return "" }
            return 42
        case .array:
            return "not an array"
        case .bool:
            return "not a boolean"
        case .null:
            return "not null"
        case .object:
            return .array([])
        }
    }
}
