import SluiceJSON

/// Batch validation's fast path: one pass over a request line that checks it is well-formed JSON and finds
/// the members validation reads (`custom_id`, `method`, `url`, `body`, and `body.stream`, `body.model`),
/// without building the JSON tree.
///
/// Validation parsed every line in full only to read those six members, and processing parses each line
/// again; the full parse of the validation pass was the largest single cost of a batch after processing.
///
/// The scan accepts a subset of what `JSONParser` accepts: whenever it is unsure — a key with an escape,
/// a number it would have to convert (an exponent, hundreds of digits), a `\u` surrogate, deep nesting,
/// anything malformed, or a line that is not an object — it answers nil and validation parses the line
/// the straightforward way, which also produces the error messages. `ranges` are byte offsets in the line.
struct RequestLineScan {
    /// Raw bytes of the last `custom_id`, `method`, `url` and `body` members (a repeated key keeps its last
    /// value, as `JSONObject` does).
    var customID: Range<Int>?
    var method: Range<Int>?
    var url: Range<Int>?
    var body: Range<Int>?
    /// Raw bytes of `body.stream` and `body.model`, when `body` is an object holding them.
    var stream: Range<Int>?
    var model: Range<Int>?

    /// Deepest nesting scanned; deeper lines go to the full parser (its limit is 512).
    static let maxDepth = 256

    private struct Unsure: Error {}

    /// Scans `line`; nil when the line must go to the full parser.
    static func scan(_ line: UnsafeRawBufferPointer) -> RequestLineScan? {
        var scanner = Scanner(raw: line)
        var result = RequestLineScan()
        do {
            scanner.skipWhitespace()
            guard scanner.peek == UInt8(ascii: "{") else { return nil }
            try scanner.object(depth: 0) { key, scanner in
                let start = scanner.position
                switch key {
                case "custom_id": try scanner.value(depth: 1); result.customID = start..<scanner.position
                case "method": try scanner.value(depth: 1); result.method = start..<scanner.position
                case "url": try scanner.value(depth: 1); result.url = start..<scanner.position
                case "body":
                    // A later `body` replaces an earlier one, with its members.
                    result.stream = nil
                    result.model = nil
                    if scanner.peek == UInt8(ascii: "{") {
                        try scanner.object(depth: 1) { key, scanner in
                            let start = scanner.position
                            try scanner.value(depth: 2)
                            if key == "stream" { result.stream = start..<scanner.position }
                            if key == "model" { result.model = start..<scanner.position }
                        }
                    } else {
                        try scanner.value(depth: 1)
                    }
                    result.body = start..<scanner.position
                default: try scanner.value(depth: 1)
                }
            }
            scanner.skipWhitespace()
            guard scanner.position == line.count else { return nil }
        } catch {
            return nil
        }
        return result
    }

    /// A validating cursor over the line.
    private struct Scanner {
        let raw: UnsafeRawBufferPointer
        var position = 0

        var peek: UInt8? { position < raw.count ? raw[position] : nil }

        mutating func skipWhitespace() {
            while position < raw.count {
                switch raw[position] {
                case 0x20, 0x09, 0x0A, 0x0D: position += 1
                default: return
                }
            }
        }

        /// Scans the object at `position`. With `member`, calls it with each key (spelled without escapes: the
        /// keys looked for never need them) to scan the value itself; without, validates the values.
        mutating func object(depth: Int, _ member: ((_ key: String, _ scanner: inout Scanner) throws -> Void)? = nil)
            throws
        {
            guard depth < RequestLineScan.maxDepth else { throw Unsure() }
            position += 1
            skipWhitespace()
            if peek == UInt8(ascii: "}") {
                position += 1
                return
            }
            while true {
                skipWhitespace()
                guard peek == UInt8(ascii: "\"") else { throw Unsure() }
                let keyStart = position + 1
                let keyEscaped = try string()
                let keyRange = keyStart..<(position - 1)
                skipWhitespace()
                guard peek == UInt8(ascii: ":") else { throw Unsure() }
                position += 1
                skipWhitespace()
                if let member {
                    guard !keyEscaped else { throw Unsure() }
                    // Short keys are stored inline in the String: no allocation.
                    try member(String(decoding: UnsafeRawBufferPointer(rebasing: raw[keyRange]), as: UTF8.self), &self)
                } else {
                    try value(depth: depth + 1)
                }
                skipWhitespace()
                switch peek {
                case UInt8(ascii: ","): position += 1
                case UInt8(ascii: "}"):
                    position += 1
                    return
                default: throw Unsure()
                }
            }
        }

        mutating func value(depth: Int) throws {
            guard let byte = peek else { throw Unsure() }
            switch byte {
            case UInt8(ascii: "{"): try object(depth: depth)
            case UInt8(ascii: "["): try array(depth: depth)
            case UInt8(ascii: "\""): _ = try string()
            case UInt8(ascii: "t"): try literal("true")
            case UInt8(ascii: "f"): try literal("false")
            case UInt8(ascii: "n"): try literal("null")
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
            default: throw Unsure()
            }
        }

        mutating func array(depth: Int) throws {
            guard depth < RequestLineScan.maxDepth else { throw Unsure() }
            position += 1
            skipWhitespace()
            if peek == UInt8(ascii: "]") {
                position += 1
                return
            }
            while true {
                skipWhitespace()
                try value(depth: depth + 1)
                skipWhitespace()
                switch peek {
                case UInt8(ascii: ","): position += 1
                case UInt8(ascii: "]"):
                    position += 1
                    return
                default: throw Unsure()
                }
            }
        }

        mutating func literal(_ text: StaticString) throws {
            let count = text.utf8CodeUnitCount
            guard position + count <= raw.count else { throw Unsure() }
            for i in 0..<count where raw[position + i] != text.utf8Start[i] { throw Unsure() }
            position += count
        }

        /// Integers and plain decimals only: they always convert (to `Int`, else a finite `Double`) when they
        /// have at most 300 integer digits. Exponents go to the full parser.
        mutating func number() throws {
            if peek == UInt8(ascii: "-") { position += 1 }
            let digitsStart = position
            guard let first = peek, first >= 0x30, first <= 0x39 else { throw Unsure() }
            if first == 0x30 {
                position += 1
            } else {
                while let b = peek, b >= 0x30, b <= 0x39 { position += 1 }
            }
            guard position - digitsStart <= 300 else { throw Unsure() }
            if peek == UInt8(ascii: ".") {
                position += 1
                guard let b = peek, b >= 0x30, b <= 0x39 else { throw Unsure() }
                while let b = peek, b >= 0x30, b <= 0x39 { position += 1 }
            }
            if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") { throw Unsure() }
        }

        /// Validates the string at `position` (escapes, control characters, UTF-8) and moves past its closing
        /// quote; true when it held an escape.
        mutating func string() throws -> Bool {
            position += 1
            var escaped = false
            while position < raw.count {
                // Eight plain ASCII bytes at a time: ticket bodies are long.
                if position + 8 <= raw.count, Self.isPlainASCII(raw.loadUnaligned(fromByteOffset: position, as: UInt64.self)) {
                    position += 8
                    continue
                }
                let b = raw[position]
                switch b {
                case UInt8(ascii: "\""):
                    position += 1
                    return escaped
                case UInt8(ascii: "\\"):
                    escaped = true
                    try escape()
                case 0..<0x20:
                    throw Unsure()
                case 0x20..<0x80:
                    position += 1
                default:
                    try utf8Sequence()
                }
            }
            throw Unsure()
        }

        /// After a backslash: one of `"\/bfnrt`, or `u` and four hex digits outside the surrogates.
        private mutating func escape() throws {
            guard position + 1 < raw.count else { throw Unsure() }
            switch raw[position + 1] {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                position += 2
            case UInt8(ascii: "u"):
                guard position + 6 <= raw.count else { throw Unsure() }
                var value: UInt32 = 0
                for i in 2..<6 {
                    let c = raw[position + i]
                    let digit: UInt32
                    switch c {
                    case 0x30...0x39: digit = UInt32(c - 0x30)
                    case 0x41...0x46: digit = UInt32(c - 0x41 + 10)
                    case 0x61...0x66: digit = UInt32(c - 0x61 + 10)
                    default: throw Unsure()
                    }
                    value = value << 4 | digit
                }
                guard !(0xD800...0xDFFF).contains(value) else { throw Unsure() }
                position += 6
            default:
                throw Unsure()
            }
        }

        /// One well-formed multi-byte UTF-8 sequence (no overlongs, surrogates or values past U+10FFFF).
        private mutating func utf8Sequence() throws {
            guard let length = UTF8Check.sequenceLength(raw, at: position) else { throw Unsure() }
            position += length
        }

        /// No byte is a quote, a backslash, a control character or non-ASCII.
        @inline(__always)
        static func isPlainASCII(_ word: UInt64) -> Bool {
            !JSONWriter.wordNeedsEscape(word) && word & 0x8080_8080_8080_8080 == 0
        }
    }
}

extension RequestLineScan {
    /// The line cut down to what validation reads: `custom_id`, `method`, `url`, and `body` (an object keeps
    /// only `stream` and `model`), each parsed by `JSONParser` from its bytes; nil if one does not parse.
    func reducedLine(_ line: UnsafeRawBufferPointer) -> JSONObject? {
        func parse(_ range: Range<Int>?) throws(JSONParseError) -> JSONValue? {
            guard let range else { return nil }
            return try JSONParser.parse(buffer: UnsafeRawBufferPointer(rebasing: line[range]))
        }
        do throws(JSONParseError) {
            var reduced = JSONObject()
            reduced["custom_id"] = try parse(customID)
            reduced["method"] = try parse(method)
            reduced["url"] = try parse(url)
            if let body, line[body.lowerBound] == UInt8(ascii: "{") {
                var members = JSONObject()
                members["stream"] = try parse(stream)
                members["model"] = try parse(model)
                reduced["body"] = .object(members)
            } else {
                reduced["body"] = try parse(body)
            }
            return reduced
        } catch {
            return nil
        }
    }
}
