#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Which parts of a JSON text `JSONPruningParser` materialises; everything else is checked and skipped.
public indirect enum JSONKeep: Sendable {
    /// The whole value.
    case all
    /// Of an object, only these members, each pruned in its turn. A value that is not an object is kept whole.
    case members([String: JSONKeep])
    /// Of an array, every element, pruned in its turn. A value that is not an array is kept whole.
    case elements(JSONKeep)
}

/// A parser that checks a whole JSON text exactly as strictly as `JSONParser` but builds only what a `JSONKeep`
/// names: a result line is a kilobyte of envelope (ids, timestamps, fingerprints) around the three fields a row
/// needs, and building `String`s and dictionaries for all of it was most of the cost of reading one.
///
/// The contract, checked against `JSONParser` on random inputs: a text is rejected exactly when `JSONParser`
/// rejects it, and every path `keep` names looks up the same value in both results (pruned objects simply lack
/// the other members). Kept subtrees are handed to `JSONParser` itself, so their values are its values.
public struct JSONPruningParser {
    /// Parses exactly one JSON value (surrounding whitespace allowed), keeping what `keep` names.
    public static func parse(buffer: UnsafeRawBufferPointer, keeping keep: JSONKeep) throws(JSONParseError) -> JSONValue {
        var parser = JSONPruningParser(buffer: buffer)
        parser.skipWhitespace()
        let value = try parser.keepValue(keep, depth: 0)
        parser.skipWhitespace()
        if parser.position != buffer.count {
            throw parser.error("json.trailing_data", "unexpected data after the JSON value")
        }
        return value
    }

    // Internal, not private: `JSONPruningParser+Spans.swift` walks texts with the same checks.
    let buffer: UnsafeRawBufferPointer
    var position = 0

    init(buffer: UnsafeRawBufferPointer) {
        self.buffer = buffer
    }

    func error(_ code: String, _ message: String) -> JSONParseError {
        JSONParseError(code: code, message: message, offset: position)
    }

    var peek: UInt8? { position < buffer.count ? buffer[position] : nil }

    mutating func skipWhitespace() {
        while position < buffer.count {
            switch buffer[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    // MARK: Keeping

    private mutating func keepValue(_ keep: JSONKeep, depth: Int) throws(JSONParseError) -> JSONValue {
        switch keep {
        case .members(let members) where peek == UInt8(ascii: "{") && depth < JSONParser.maxDepth:
            return try keepObject(members, depth: depth)
        case .elements(let element) where peek == UInt8(ascii: "[") && depth < JSONParser.maxDepth:
            return try keepArray(element, depth: depth)
        default:
            // Checked here at the depth it really has, then parsed by the reference parser (which now succeeds).
            let start = position
            try skipValue(depth: depth)
            return try JSONParser.parse(buffer: UnsafeRawBufferPointer(rebasing: buffer[start..<position]))
        }
    }

    private mutating func keepObject(_ members: [String: JSONKeep], depth: Int) throws(JSONParseError) -> JSONValue {
        position += 1
        var object = JSONObject()
        skipWhitespace()
        if peek == UInt8(ascii: "}") {
            position += 1
            return .object(object)
        }
        while true {
            skipWhitespace()
            guard peek == UInt8(ascii: "\"") else { throw error("json.expected_key", "expected a string key") }
            let keyStart = position
            let escaped = try skipString()
            let wanted = try member(members, keyFrom: keyStart, escaped: escaped)
            skipWhitespace()
            guard peek == UInt8(ascii: ":") else { throw error("json.expected_colon", "expected ':' after key") }
            position += 1
            skipWhitespace()
            if let (name, keep) = wanted {
                // A repeated key keeps its last value, as in JSONParser.
                object[name] = try keepValue(keep, depth: depth + 1)
            } else {
                try skipValue(depth: depth + 1)
            }
            skipWhitespace()
            switch peek {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"): position += 1; return .object(object)
            case nil: throw error("json.unexpected_end", "unexpected end of input in object")
            default: throw error("json.expected_comma", "expected ',' or '}' in object")
            }
        }
    }

    /// The kept member named by the (already checked) key string that starts at `start`, if any.
    private func member(
        _ members: [String: JSONKeep], keyFrom start: Int, escaped: Bool
    ) throws(JSONParseError) -> (String, JSONKeep)? {
        if escaped {
            let key = try JSONParser.parse(buffer: UnsafeRawBufferPointer(rebasing: buffer[start..<position]))
            guard case .string(let name) = key, let keep = members[name] else { return nil }
            return (name, keep)
        }
        // Without escapes the key is its bytes: compare them, no String built for the keys that are skipped.
        let raw = UnsafeRawBufferPointer(rebasing: buffer[(start + 1)..<(position - 1)])
        for (name, keep) in members where Self.sameBytes(name, raw) { return (name, keep) }
        return nil
    }

    /// Whether `name`'s UTF-8 is `raw`: a length test, then one memcmp (the generic `elementsEqual` walked the
    /// view byte by byte, 2% of a result ingest).
    static func sameBytes(_ name: String, _ raw: UnsafeRawBufferPointer) -> Bool {
        guard name.utf8.count == raw.count else { return false }
        guard let base = raw.baseAddress, raw.count > 0 else { return true }
        return name.utf8.withContiguousStorageIfAvailable { memcmp($0.baseAddress!, base, raw.count) == 0 }
            ?? name.utf8.elementsEqual(raw)
    }

    private mutating func keepArray(_ element: JSONKeep, depth: Int) throws(JSONParseError) -> JSONValue {
        position += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if peek == UInt8(ascii: "]") {
            position += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try keepValue(element, depth: depth + 1))
            skipWhitespace()
            switch peek {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"): position += 1; return .array(elements)
            case nil: throw error("json.unexpected_end", "unexpected end of input in array")
            default: throw error("json.expected_comma", "expected ',' or ']' in array")
            }
        }
    }

    // MARK: Skipping (JSONParser's grammar and checks, nothing built)

    mutating func skipValue(depth: Int) throws(JSONParseError) {
        guard depth < JSONParser.maxDepth else {
            throw error("json.too_deep", "nesting deeper than \(JSONParser.maxDepth)")
        }
        guard let byte = peek else { throw error("json.unexpected_end", "unexpected end of input") }
        switch byte {
        case UInt8(ascii: "{"): try skipObject(depth: depth)
        case UInt8(ascii: "["): try skipArray(depth: depth)
        case UInt8(ascii: "\""): _ = try skipString()
        case UInt8(ascii: "t"): try expectLiteral("true")
        case UInt8(ascii: "f"): try expectLiteral("false")
        case UInt8(ascii: "n"): try expectLiteral("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try skipNumber()
        default: throw error("json.unexpected_character", "unexpected character")
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let count = literal.utf8CodeUnitCount
        guard position + count <= buffer.count else { throw error("json.invalid_literal", "invalid literal") }
        let base = literal.utf8Start
        for i in 0..<count where buffer[position + i] != base[i] {
            throw error("json.invalid_literal", "invalid literal")
        }
        position += count
    }

    private mutating func skipObject(depth: Int) throws(JSONParseError) {
        position += 1
        skipWhitespace()
        if peek == UInt8(ascii: "}") {
            position += 1
            return
        }
        while true {
            skipWhitespace()
            guard peek == UInt8(ascii: "\"") else { throw error("json.expected_key", "expected a string key") }
            _ = try skipString()
            skipWhitespace()
            guard peek == UInt8(ascii: ":") else { throw error("json.expected_colon", "expected ':' after key") }
            position += 1
            skipWhitespace()
            try skipValue(depth: depth + 1)
            skipWhitespace()
            switch peek {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"): position += 1; return
            case nil: throw error("json.unexpected_end", "unexpected end of input in object")
            default: throw error("json.expected_comma", "expected ',' or '}' in object")
            }
        }
    }

    private mutating func skipArray(depth: Int) throws(JSONParseError) {
        position += 1
        skipWhitespace()
        if peek == UInt8(ascii: "]") {
            position += 1
            return
        }
        while true {
            skipWhitespace()
            try skipValue(depth: depth + 1)
            skipWhitespace()
            switch peek {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"): position += 1; return
            case nil: throw error("json.unexpected_end", "unexpected end of input in array")
            default: throw error("json.expected_comma", "expected ',' or ']' in array")
            }
        }
    }

    /// The number's grammar, then the range check JSONParser makes (an integer too big for Int must still be a
    /// finite Double); short integers, most of what envelopes hold, need no conversion to know.
    private mutating func skipNumber() throws(JSONParseError) {
        let start = position
        var isInteger = true
        if peek == UInt8(ascii: "-") { position += 1 }
        guard let first = peek, first >= 0x30, first <= 0x39 else {
            throw error("json.invalid_number", "invalid number")
        }
        if first == 0x30 {
            position += 1
        } else {
            while let b = peek, b >= 0x30, b <= 0x39 { position += 1 }
        }
        if peek == UInt8(ascii: ".") {
            isInteger = false
            position += 1
            guard let b = peek, b >= 0x30, b <= 0x39 else { throw error("json.invalid_number", "invalid number") }
            while let b = peek, b >= 0x30, b <= 0x39 { position += 1 }
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            isInteger = false
            position += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { position += 1 }
            guard let b = peek, b >= 0x30, b <= 0x39 else { throw error("json.invalid_number", "invalid number") }
            while let b = peek, b >= 0x30, b <= 0x39 { position += 1 }
        }
        if isInteger && position - start <= 18 { return }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: buffer[start..<position]), as: UTF8.self)
        if isInteger, Int(text) != nil { return }
        guard let double = Double(text), double.isFinite else {
            throw JSONParseError(code: "json.invalid_number", message: "number out of range", offset: start)
        }
    }

    /// Skips a string (at its opening quote), checking escapes and UTF-8; returns whether it had escapes.
    mutating func skipString() throws(JSONParseError) -> Bool {
        let start = position
        position += 1
        var escaped = false
        while position < buffer.count {
            // Eight plain ASCII bytes at a time: a result line is mostly the answer's escaped text.
            if position + 8 <= buffer.count {
                let word = buffer.loadUnaligned(fromByteOffset: position, as: UInt64.self)
                if word & 0x8080_8080_8080_8080 == 0 && !JSONWriter.wordNeedsEscape(word) {
                    position += 8
                    continue
                }
            }
            let b = buffer[position]
            if b == UInt8(ascii: "\"") {
                position += 1
                return escaped
            } else if b == UInt8(ascii: "\\") {
                escaped = true
                position += 1
                try skipEscape()
            } else if b < 0x20 {
                throw error("json.control_character", "unescaped control character in string")
            } else if b < 0x80 {
                position += 1
            } else {
                guard let length = UTF8Check.sequenceLength(buffer, at: position) else {
                    throw JSONParseError(code: "json.invalid_utf8", message: "string is not valid UTF-8", offset: start)
                }
                position += length
            }
        }
        throw error("json.unexpected_end", "unterminated string")
    }

    private mutating func skipEscape() throws(JSONParseError) {
        guard let e = peek else { throw error("json.unexpected_end", "unterminated escape") }
        position += 1
        switch e {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
            UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            return
        case UInt8(ascii: "u"):
            let scalar = try hex4()
            if (0xD800...0xDBFF).contains(scalar) {
                guard position + 1 < buffer.count, buffer[position] == UInt8(ascii: "\\"),
                    buffer[position + 1] == UInt8(ascii: "u")
                else { throw error("json.invalid_escape", "unpaired surrogate in \\u escape") }
                position += 2
                guard (0xDC00...0xDFFF).contains(try hex4()) else {
                    throw error("json.invalid_escape", "unpaired surrogate in \\u escape")
                }
            } else if (0xDC00...0xDFFF).contains(scalar) {
                throw error("json.invalid_escape", "unpaired surrogate in \\u escape")
            }
        default:
            throw error("json.invalid_escape", "invalid escape")
        }
    }

    private mutating func hex4() throws(JSONParseError) -> UInt32 {
        guard position + 4 <= buffer.count else { throw error("json.invalid_escape", "truncated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let b = buffer[position]
            let digit: UInt32
            switch b {
            case 0x30...0x39: digit = UInt32(b - 0x30)
            case 0x41...0x46: digit = UInt32(b - 0x41 + 10)
            case 0x61...0x66: digit = UInt32(b - 0x61 + 10)
            default: throw error("json.invalid_escape", "invalid hex digit in \\u escape")
            }
            value = value << 4 | digit
            position += 1
        }
        return value
    }
}

/// Well-formed UTF-8 (Unicode 15 table 3-7, what `String(validating:)` accepts), one sequence at a time.
public enum UTF8Check {
    /// The length of the valid multi-byte sequence at `i` (whose first byte is >= 0x80), or nil.
    public static func sequenceLength(_ bytes: UnsafeRawBufferPointer, at i: Int) -> Int? {
        let lead = bytes[i]
        let length: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: return nil
        }
        guard i + length <= bytes.count else { return nil }
        let second = bytes[i + 1]
        guard second >= low, second <= high else { return nil }
        for k in 2..<length where bytes[i + k] & 0xC0 != 0x80 { return nil }
        return length
    }
}
