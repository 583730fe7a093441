import SluiceJSON
import Testing

/// `JSONSchema.appendValidCompact` (validation on the answer's bytes) against the straightforward way (parse the
/// text, `validate` the tree, `JSONWriter` the value): on random schemas of the structured-output subset and
/// random answers to them, valid, damaged and oddly written, whenever the byte check accepts, the tree path
/// accepts too and writes the same bytes; when it declines it leaves the buffer as it was.
@Suite struct SchemaByteCheckTests {
    @Test func agreesWithTheTreeOnRandomSchemasAndAnswers() throws {
        var random = SeededGenerator(state: 0x5C8E_B17E)
        var accepted = 0
        var validByTree = 0
        var invalidByTree = 0
        for i in 0..<3_000 {
            let schemaValue = Self.schema(&random, depth: 0)
            let schema = try JSONSchema(schemaValue)
            var value = Self.value(for: schemaValue, &random)
            if Int.random(in: 0..<4, using: &random) == 0 { Self.spoil(&value, &random) }
            var text = Array(Self.text(value, &random).utf8)
            if Int.random(in: 0..<6, using: &random) == 0 { Self.damage(&text, &random) }
            let tree = try? JSONParser.parse(text)
            let treeValid = tree.map { schema.validate($0).isEmpty } ?? false
            if treeValid { validByTree += 1 } else { invalidByTree += 1 }
            var out: [UInt8] = [0x2A]
            let fast = text.withUnsafeBytes { schema.appendValidCompact($0, to: &out) }
            let context = "case \(i): schema \(JSONWriter.string(schemaValue)), answer \(String(decoding: text, as: UTF8.self))"
            if fast {
                accepted += 1
                #expect(treeValid, "\(context)")
                if let tree { #expect(out == [0x2A] + JSONWriter.bytes(tree), "\(context)") }
            } else {
                #expect(out == [0x2A], "\(context)")
            }
        }
        // The byte check settles most valid answers; both kinds of answer occur often.
        #expect(accepted >= validByTree * 2 / 3, "\(accepted) accepted of \(validByTree) valid")
        #expect(validByTree >= 1_000 && invalidByTree >= 750, "\(validByTree) valid, \(invalidByTree) invalid")
    }

    @Test func writesTheCompactFormOfAnOddlyWrittenAnswer() throws {
        let schema = try JSONSchema(
            json(
                #"{"type":"object","properties":{"a":{"type":"string"},"n":{"type":["number","null"]},"#
                    + #""l":{"type":"array","items":{"type":"integer"}}},"required":["a"],"additionalProperties":false}"#))
        var out: [UInt8] = []
        let text = Array(#" { "l" : [ -0, 1E2 ], "a" : "caf\u00e9 \/ \"x\"", "n" : 2.50 } "#.utf8)
        #expect(text.withUnsafeBytes { schema.appendValidCompact($0, to: &out) })
        #expect(String(decoding: out, as: UTF8.self) == #"{"l":[0,100.0],"a":"café / \"x\"","n":2.5}"#)
    }

    @Test func leavesInvalidAnswersToTheTree() throws {
        let schema = try JSONSchema(
            json(
                #"{"type":"object","properties":{"c":{"type":"string","enum":["a","b"]}},"required":["c"],"#
                    + #""additionalProperties":false}"#))
        for text in [#"{"c":"z"}"#, #"{}"#, #"{"c":"a","d":1}"#, #"{"c":"a","c":"b"}"#, #"{"c":"a"} x"#, #"["a"]"#] {
            var out: [UInt8] = []
            #expect(!Array(text.utf8).withUnsafeBytes { schema.appendValidCompact($0, to: &out) }, "\(text)")
            #expect(out.isEmpty)
        }
    }

    // MARK: - Random schemas and answers

    static let names = ["category", "urgency", "language", "summary", "tags", "résumé", "score", "ok", "n"]
    static let words = ["billing", "shipping", "bug", "other", "en", "fr", "x", "", "café ☕", "a\"b", "tab\there"]

    /// A schema of the subset structured outputs use: objects of declared properties, arrays of one item schema,
    /// typed scalars with their keywords, nullable types; now and then a keyword the byte check leaves to the tree.
    static func schema(_ random: inout SeededGenerator, depth: Int) -> JSONValue {
        let kind = depth >= 3 ? Int.random(in: 2..<8, using: &random) : Int.random(in: 0..<8, using: &random)
        var object = JSONObject()
        switch kind {
        case 0:
            var properties = JSONObject()
            var required: [JSONValue] = []
            for name in names.shuffled(using: &random).prefix(Int.random(in: 1...5, using: &random)) {
                properties[name] = schema(&random, depth: depth + 1)
                if Int.random(in: 0..<4, using: &random) > 0 { required.append(.string(name)) }
            }
            object["type"] = "object"
            object["properties"] = .object(properties)
            object["required"] = .array(required)
            switch Int.random(in: 0..<10, using: &random) {
            case 0: break
            case 1: object["additionalProperties"] = ["type": "integer"]
            case 2: object["minProperties"] = .int(Int.random(in: 0...3, using: &random))
            default: object["additionalProperties"] = false
            }
        case 1:
            object["type"] = "array"
            object["items"] = schema(&random, depth: depth + 1)
            if Bool.random(using: &random) { object["maxItems"] = .int(Int.random(in: 2...4, using: &random)) }
            if Bool.random(using: &random) { object["minItems"] = .int(Int.random(in: 0...2, using: &random)) }
            if Int.random(in: 0..<10, using: &random) == 0 { object["uniqueItems"] = true }
        case 2, 3:
            object["type"] = "string"
            switch Int.random(in: 0..<6, using: &random) {
            case 0: object["enum"] = .array(words.shuffled(using: &random).prefix(3).map { .string($0) })
            case 1: object["maxLength"] = .int(Int.random(in: 0...8, using: &random))
            case 2: object["minLength"] = .int(Int.random(in: 1...4, using: &random))
            case 3: object["pattern"] = "^[a-z]+$"
            case 4: object["format"] = "date"
            default: break
            }
        case 4:
            object["type"] = "integer"
            if Bool.random(using: &random) { object["minimum"] = .int(Int.random(in: -3...1, using: &random)) }
            if Bool.random(using: &random) { object["maximum"] = .int(Int.random(in: 2...9, using: &random)) }
            if Int.random(in: 0..<5, using: &random) == 0 { object["exclusiveMaximum"] = 5 }
        case 5:
            object["type"] = "number"
            if Bool.random(using: &random) { object["minimum"] = .double(-1.5) }
            if Bool.random(using: &random) { object["maximum"] = .int(100) }
            if Int.random(in: 0..<5, using: &random) == 0 { object["multipleOf"] = .double(0.5) }
        case 6:
            object["type"] = "boolean"
        default:
            // Nullable, in both spellings strict mode produces.
            let inner = schema(&random, depth: 3)
            if Bool.random(using: &random), case .string(let type)? = inner["type"] {
                var nullable = inner.objectValue!
                nullable["type"] = [.string(type), "null"]
                return .object(nullable)
            }
            object["anyOf"] = [inner, ["type": "null"]]
        }
        return .object(object)
    }

    /// A value for `schema`, valid but for the odd choice the generator makes (a length, a bound, a member).
    static func value(for schema: JSONValue, _ random: inout SeededGenerator) -> JSONValue {
        if let branches = schema["anyOf"]?.arrayValue {
            return Int.random(in: 0..<3, using: &random) == 0 ? .null : value(for: branches[0], &random)
        }
        var type = schema["type"]?.stringValue
        if case .array(let types)? = schema["type"] {
            if Int.random(in: 0..<3, using: &random) == 0 { return .null }
            type = types[0].stringValue
        }
        switch type {
        case "object":
            var object = JSONObject()
            let properties = schema["properties"]?.objectValue ?? JSONObject()
            for name in properties.keys.shuffled(using: &random) where Int.random(in: 0..<6, using: &random) > 0 {
                object[name] = value(for: properties[name]!, &random)
            }
            return .object(object)
        case "array":
            let count = Int.random(in: 0...3, using: &random)
            return .array((0..<count).map { _ in value(for: schema["items"]!, &random) })
        case "string":
            if let options = schema["enum"]?.arrayValue { return options.randomElement(using: &random)! }
            if schema["format"] != nil { return Bool.random(using: &random) ? "2026-12-01" : "yesterday" }
            return .string(words.randomElement(using: &random)!)
        case "integer":
            return .int(Int.random(in: -2...8, using: &random))
        case "number":
            return Bool.random(using: &random) ? .double(Double(Int.random(in: -8...300, using: &random)) / 4) : .int(3)
        default:
            return .bool(Bool.random(using: &random))
        }
    }

    /// Makes `value` likely invalid: a wrong type somewhere, an extra member, a missing one.
    static func spoil(_ value: inout JSONValue, _ random: inout SeededGenerator) {
        switch value {
        case .object(var object):
            if !object.keys.isEmpty, Bool.random(using: &random) {
                let key = object.keys.randomElement(using: &random)!
                var member = object[key]!
                spoil(&member, &random)
                object[key] = member
            } else if Bool.random(using: &random) {
                object["extra"] = 1
            } else if let key = object.keys.first {
                object[key] = nil
            }
            value = .object(object)
        case .array(var elements) where !elements.isEmpty:
            spoil(&elements[0], &random)
            value = .array(elements)
        case .string: value = .int(7)
        case .int, .double: value = Bool.random(using: &random) ? .int(-100) : .string("5")
        default: value = .string("true")
        }
    }

    /// `value` as a model might write it: spaces anywhere, escapes where none are needed, numbers spelled oddly.
    static func text(_ value: JSONValue, _ random: inout SeededGenerator) -> String {
        let space = [" ", "", "", "", "\n  ", "\t"]
        func ws() -> String { space.randomElement(using: &random)! }
        switch value {
        case .object(let object):
            let members = object.keys.map { key in ws() + quoted(key, &random) + ws() + ":" + ws() + text(object[key]!, &random) }
            return "{" + members.joined(separator: ",") + ws() + "}"
        case .array(let elements):
            return "[" + elements.map { ws() + text($0, &random) }.joined(separator: ",") + ws() + "]"
        case .string(let string): return quoted(string, &random)
        case .int(let int):
            switch Int.random(in: 0..<8, using: &random) {
            case 0: return "\(int).0"
            case 1: return int == 0 ? "-0" : "\(int)e0"
            case 2: return "\(int)000000000000000000000"
            default: return "\(int)"
            }
        case .double(let double): return Bool.random(using: &random) ? "\(double)" : "\(double)0"
        default: return JSONWriter.string(value)
        }
    }

    /// A JSON string for `string`, now and then with an unneeded escape.
    static func quoted(_ string: String, _ random: inout SeededGenerator) -> String {
        var out = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\t": out += Bool.random(using: &random) ? "\\t" : "\\u0009"
            case "a" where Int.random(in: 0..<10, using: &random) == 0: out += "\\u0061"
            case "/": out += "\\/"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// One byte of `text` changed, removed or added, or the text cut short.
    static func damage(_ text: inout [UInt8], _ random: inout SeededGenerator) {
        guard !text.isEmpty else { return }
        let at = Int.random(in: 0..<text.count, using: &random)
        let bytes: [UInt8] = [0x22, 0x5C, 0x7B, 0x7D, 0x5B, 0x5D, 0x2C, 0x3A, 0x31, 0x65, 0x2D, 0x09, 0xC3, 0xFF, 0x20]
        switch Int.random(in: 0..<4, using: &random) {
        case 0: text[at] = bytes.randomElement(using: &random)!
        case 1: text.remove(at: at)
        case 2: text.insert(bytes.randomElement(using: &random)!, at: at)
        default: text.removeSubrange(at...)
        }
    }
}
