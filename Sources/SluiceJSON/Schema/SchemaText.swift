/// Wording shared by violation and definition messages, so every message reads the same way.
enum SchemaText {
    /// Longest string content shown in a message before it is cut with `…`.
    static let maxStringPreview = 40
    /// Longest JSON text (arrays, objects) shown in a message before it is cut with `…`.
    static let maxJSONPreview = 60
    /// How many values of a list (enum, allowed properties) are shown before the rest is counted.
    static let maxListed = 12

    /// The message prefix for a pointer: the pointer itself, or `(root)` for "".
    static func label(_ pointer: String) -> String {
        pointer.isEmpty ? "(root)" : pointer
    }

    /// `value` as short JSON: strings quoted and cut to `maxStringPreview` characters, containers cut to
    /// `maxJSONPreview` characters.
    static func preview(_ value: JSONValue) -> String {
        switch value {
        case .string(let string):
            return JSONWriter.string(.string(shortened(string, to: maxStringPreview)))
        case .array, .object:
            return shortened(JSONWriter.string(value), to: maxJSONPreview)
        default:
            return JSONWriter.string(value)
        }
    }

    /// `value` as it appears in a list: strings bare (as in `one of billing, shipping`), anything else as JSON.
    static func listItem(_ value: JSONValue) -> String {
        if case .string(let string) = value { return shortened(string, to: maxStringPreview) }
        return preview(value)
    }

    /// The kind of value as JSON Schema names it, written as the value was (`3.0` is a number here).
    static func kind(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool: return "boolean"
        case .int: return "integer"
        case .double: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    /// Kind and value for type errors: `string "high"`, `integer 5`, `null`, `array`, `object`.
    static func kindAndValue(_ value: JSONValue) -> String {
        switch value {
        case .null, .array, .object: return kind(value)
        default: return kind(value) + " " + preview(value)
        }
    }

    /// `a, b, c`, or the first `maxListed` items followed by `… (N values)`.
    static func list(_ items: [String]) -> String {
        guard items.count > maxListed else { return items.joined(separator: ", ") }
        return items.prefix(maxListed).joined(separator: ", ") + ", … (\(items.count) values)"
    }

    /// `a`, `a or b`, `a, b or c`.
    static func alternatives(_ items: [String]) -> String {
        guard items.count > 1 else { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + " or " + items[items.count - 1]
    }

    /// `1 item`, `2 items`.
    static func count(_ n: Int, _ singular: String, _ plural: String) -> String {
        "\(n) \(n == 1 ? singular : plural)"
    }

    /// `string` cut to `limit` characters with `…` appended when it was longer.
    static func shortened(_ string: String, to limit: Int) -> String {
        // utf8.count is O(1) and bounds the character count from above.
        guard string.utf8.count > limit, string.count > limit else { return string }
        return String(string.prefix(limit)) + "…"
    }
}
