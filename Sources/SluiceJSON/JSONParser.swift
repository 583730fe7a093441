/// A strict RFC 8259 parser over UTF-8 bytes.
///
/// It works on a raw buffer rather than `String` so that JSONL lines and result files are parsed without
/// first being copied into Swift strings; only string values themselves are materialised.
public struct JSONParser {
    /// Deepest nesting accepted; deeper input is an error rather than a stack overflow.
    public static let maxDepth = 512

    /// Parses exactly one JSON value (surrounding whitespace allowed).
    public static func parse(_ bytes: some Collection<UInt8>) throws(JSONParseError) -> JSONValue {
        let array = Array(bytes)
        return try array.withUnsafeBufferPointer { (buffer) throws(JSONParseError) -> JSONValue in
            try parse(buffer: UnsafeRawBufferPointer(buffer))
        }
    }

    /// Parses exactly one JSON value from a string.
    public static func parse(_ string: String) throws(JSONParseError) -> JSONValue {
        try parse(Array(string.utf8))
    }

    /// Parses exactly one JSON value from raw bytes without copying them.
    public static func parse(buffer: UnsafeRawBufferPointer) throws(JSONParseError) -> JSONValue {
        var parser = JSONParser(buffer: buffer)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        if parser.position != parser.buffer.count {
            throw parser.error("json.trailing_data", "unexpected data after the JSON value")
        }
        return value
    }

    private let buffer: UnsafeRawBufferPointer
    private var position = 0

    private init(buffer: UnsafeRawBufferPointer) {
        self.buffer = buffer
    }

    private func error(_ code: String, _ message: String) -> JSONParseError {
        JSONParseError(code: code, message: message, offset: position)
    }

    private var peek: UInt8? { position < buffer.count ? buffer[position] : nil }

    private mutating func skipWhitespace() {
        while position < buffer.count {
            switch buffer[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    private mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth < Self.maxDepth else { throw error("json.too_deep", "nesting deeper than \(Self.maxDepth)") }
        guard let byte = peek else { throw error("json.unexpected_end", "unexpected end of input") }
        switch byte {
        case UInt8(ascii: "{"): return try parseObject(depth: depth)
        case UInt8(ascii: "["): return try parseArray(depth: depth)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default:
            throw error("json.unexpected_character", "unexpected character '\(Self.describe(byte))'")
        }
    }

    private static func describe(_ byte: UInt8) -> String {
        byte >= 0x20 && byte < 0x7F ? String(UnicodeScalar(byte)) : "\\x" + String(byte, radix: 16)
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

    private mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
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
            let key = try parseString()
            skipWhitespace()
            guard peek == UInt8(ascii: ":") else { throw error("json.expected_colon", "expected ':' after key") }
            position += 1
            skipWhitespace()
            object[key] = try parseValue(depth: depth + 1)
            skipWhitespace()
            switch peek {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"): position += 1; return .object(object)
            case nil: throw error("json.unexpected_end", "unexpected end of input in object")
            default: throw error("json.expected_comma", "expected ',' or '}' in object")
            }
        }
    }

    private mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
        position += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if peek == UInt8(ascii: "]") {
            position += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth + 1))
            skipWhitespace()
            switch peek {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"): position += 1; return .array(elements)
            case nil: throw error("json.unexpected_end", "unexpected end of input in array")
            default: throw error("json.expected_comma", "expected ',' or ']' in array")
            }
        }
    }

    private mutating func parseNumber() throws(JSONParseError) -> JSONValue {
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
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: buffer[start..<position]), as: UTF8.self)
        if isInteger, let int = Int(text) { return .int(int) }
        guard let double = Double(text), double.isFinite else {
            throw JSONParseError(code: "json.invalid_number", message: "number out of range", offset: start)
        }
        return .double(double)
    }

    private mutating func parseString() throws(JSONParseError) -> String {
        position += 1  // opening quote
        let start = position
        // Fast path: no escapes, so the bytes are the string.
        while position < buffer.count {
            let b = buffer[position]
            if b == UInt8(ascii: "\"") {
                let slice = UnsafeRawBufferPointer(rebasing: buffer[start..<position])
                position += 1
                return try Self.validatedString(slice, offset: start)
            }
            if b == UInt8(ascii: "\\") { break }
            if b < 0x20 { throw error("json.control_character", "unescaped control character in string") }
            position += 1
        }
        var bytes = [UInt8](UnsafeRawBufferPointer(rebasing: buffer[start..<position]))
        while position < buffer.count {
            let b = buffer[position]
            switch b {
            case UInt8(ascii: "\""):
                position += 1
                guard let string = String(validating: bytes, as: UTF8.self) else {
                    throw JSONParseError(code: "json.invalid_utf8", message: "string is not valid UTF-8", offset: start)
                }
                return string
            case UInt8(ascii: "\\"):
                position += 1
                try parseEscape(into: &bytes)
            default:
                // Copy the run up to the next quote, backslash or control character in one append: a model's
                // JSON answer arrives as a string with every quote escaped, and byte-by-byte appends were most
                // of reading it.
                let runStart = position
                while position < buffer.count {
                    let c = buffer[position]
                    if c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") || c < 0x20 { break }
                    position += 1
                }
                if position == runStart {
                    throw error("json.control_character", "unescaped control character in string")
                }
                bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[runStart..<position]))
            }
        }
        throw error("json.unexpected_end", "unterminated string")
    }

    private static func validatedString(_ raw: UnsafeRawBufferPointer, offset: Int) throws(JSONParseError) -> String {
        guard let s = String(validating: raw, as: UTF8.self) else {
            throw JSONParseError(code: "json.invalid_utf8", message: "string is not valid UTF-8", offset: offset)
        }
        return s
    }

    private mutating func parseEscape(into bytes: inout [UInt8]) throws(JSONParseError) {
        guard let e = peek else { throw error("json.unexpected_end", "unterminated escape") }
        position += 1
        switch e {
        case UInt8(ascii: "\""): bytes.append(0x22)
        case UInt8(ascii: "\\"): bytes.append(0x5C)
        case UInt8(ascii: "/"): bytes.append(0x2F)
        case UInt8(ascii: "b"): bytes.append(0x08)
        case UInt8(ascii: "f"): bytes.append(0x0C)
        case UInt8(ascii: "n"): bytes.append(0x0A)
        case UInt8(ascii: "r"): bytes.append(0x0D)
        case UInt8(ascii: "t"): bytes.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try parseHex4()
            if (0xD800...0xDBFF).contains(scalar) {
                // A high surrogate must be followed by an escaped low surrogate.
                guard position + 1 < buffer.count, buffer[position] == UInt8(ascii: "\\"),
                    buffer[position + 1] == UInt8(ascii: "u")
                else { throw error("json.invalid_escape", "unpaired surrogate in \\u escape") }
                position += 2
                let low = try parseHex4()
                guard (0xDC00...0xDFFF).contains(low) else {
                    throw error("json.invalid_escape", "unpaired surrogate in \\u escape")
                }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(scalar) {
                throw error("json.invalid_escape", "unpaired surrogate in \\u escape")
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw error("json.invalid_escape", "invalid \\u escape") }
            bytes.append(contentsOf: UTF8.encode(unicode)!)
        default:
            throw error("json.invalid_escape", "invalid escape '\\\(Self.describe(e))'")
        }
    }

    private mutating func parseHex4() throws(JSONParseError) -> UInt32 {
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
