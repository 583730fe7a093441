#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A cursor over JSON bytes that accepts only text already in `JSONWriter`'s compact form: bytes it accepts are
/// exactly `JSONWriter.write(JSONParser.parse(bytes))`.
///
/// That lets a caller use raw bytes where it would otherwise parse a value and serialise it again (the
/// emulator hashes request bodies this way, and copies `custom_id`s). Compact form means: no whitespace, no
/// repeated key in an object (the parser would keep one), strings escaped exactly as the writer escapes them
/// (`\"`, `\\`, `\n`, `\r`, `\t`, `\b`, `\f`, `\u00xx` for other control characters, everything else raw
/// and valid UTF-8), numbers as the writer prints the parsed value (`-0`, `1e5` or `0.10` are not).
///
/// It may refuse canonical text it is unsure about (deep nesting, objects with many keys); a caller then takes
/// the straightforward path. It never accepts text the writer would not reproduce byte for byte. Every method
/// returns false (or nil) on refusal, leaving `position` unspecified.
public struct JSONCanonicalScanner {
    /// Deepest nesting accepted (the parser's own limit is 512).
    public static let maxDepth = 64
    /// Most keys an object may have; the repeated-key check compares every pair.
    public static let maxKeys = 64

    /// The text scanned.
    public let buffer: UnsafeRawBufferPointer
    /// Offset of the next byte to read.
    public var position: Int
    private var depth = 0
    /// Key ranges of the objects being scanned, innermost last (reused across objects).
    private var keys: [Range<Int>] = []

    /// A scanner over `buffer` starting at `position`.
    public init(_ buffer: UnsafeRawBufferPointer, position: Int = 0) {
        self.buffer = buffer
        self.position = position
    }

    /// Whether `buffer` as a whole is one canonical value.
    public static func isCanonical(_ buffer: UnsafeRawBufferPointer) -> Bool {
        var scanner = JSONCanonicalScanner(buffer)
        return scanner.skipValue() && scanner.position == buffer.count
    }

    /// The next byte, if any.
    public var peek: UInt8? { position < buffer.count ? buffer[position] : nil }

    /// Passes over one canonical value.
    public mutating func skipValue() -> Bool {
        guard let byte = peek else { return false }
        switch byte {
        case UInt8(ascii: "{"): return members { scanner, _ in scanner.skipValue() }
        case UInt8(ascii: "["): return elements { $0.skipValue() }
        case UInt8(ascii: "\""): return string() != nil
        case UInt8(ascii: "t"): return literal("true")
        case UInt8(ascii: "f"): return literal("false")
        case UInt8(ascii: "n"): return literal("null")
        default: return number() != nil
        }
    }

    /// Passes over a canonical object, calling `member` with each key's range (quotes included) and the
    /// scanner at its value, which `member` must pass over.
    public mutating func members(_ member: (inout JSONCanonicalScanner, _ key: Range<Int>) -> Bool) -> Bool {
        guard peek == UInt8(ascii: "{"), depth < Self.maxDepth else { return false }
        depth += 1
        defer { depth -= 1 }
        position += 1
        if peek == UInt8(ascii: "}") {
            position += 1
            return true
        }
        let firstKey = keys.count
        defer { keys.removeSubrange(firstKey...) }
        while true {
            let keyStart = position
            guard peek == UInt8(ascii: "\""), string() != nil else { return false }
            let key = keyStart..<position
            // Canonical strings are one-to-one with their values: equal keys have equal bytes.
            guard keys.count - firstKey < Self.maxKeys, !keys[firstKey...].contains(where: { same($0, key) }) else {
                return false
            }
            keys.append(key)
            guard peek == UInt8(ascii: ":") else { return false }
            position += 1
            guard member(&self, key) else { return false }
            switch peek {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"): position += 1; return true
            default: return false
            }
        }
    }

    /// Passes over a canonical array, calling `element` with the scanner at each element, which it must pass over.
    public mutating func elements(_ element: (inout JSONCanonicalScanner) -> Bool) -> Bool {
        guard peek == UInt8(ascii: "["), depth < Self.maxDepth else { return false }
        depth += 1
        defer { depth -= 1 }
        position += 1
        if peek == UInt8(ascii: "]") {
            position += 1
            return true
        }
        while true {
            guard element(&self) else { return false }
            switch peek {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"): position += 1; return true
            default: return false
            }
        }
    }

    /// Whether the bytes of two ranges are equal.
    public func same(_ a: Range<Int>, _ b: Range<Int>) -> Bool {
        a.count == b.count && memcmp(buffer.baseAddress! + a.lowerBound, buffer.baseAddress! + b.lowerBound, a.count) == 0
    }

    /// Passes over a canonical string; returns the UTF-8 byte count of its value and how many escapes it has.
    public mutating func string() -> (decodedBytes: Int, escapes: Int)? {
        guard peek == UInt8(ascii: "\"") else { return nil }
        position += 1
        let start = position
        var escapes = 0
        var saved = 0
        while position < buffer.count {
            // Eight plain ASCII bytes at a time: most of a request line is message text.
            if position + 8 <= buffer.count {
                let word = buffer.loadUnaligned(fromByteOffset: position, as: UInt64.self)
                if word & 0x8080_8080_8080_8080 == 0 && !JSONWriter.wordNeedsEscape(word) {
                    position += 8
                    continue
                }
            }
            let b = buffer[position]
            switch b {
            case UInt8(ascii: "\""):
                position += 1
                return (position - 1 - start - saved, escapes)
            case UInt8(ascii: "\\"):
                guard let length = canonicalEscape() else { return nil }
                escapes += 1
                saved += length - 1
                position += length
            case 0..<0x20:
                return nil
            case 0x20..<0x80:
                position += 1
            default:
                guard let length = UTF8Check.sequenceLength(buffer, at: position) else { return nil }
                position += length
            }
        }
        return nil
    }

    /// The length of the escape at `position` when the writer would write it so, else nil.
    private func canonicalEscape() -> Int? {
        guard position + 1 < buffer.count else { return nil }
        switch buffer[position + 1] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"),
            UInt8(ascii: "b"), UInt8(ascii: "f"):
            return 2
        case UInt8(ascii: "u"):
            // Only the control characters without a short form, as `\u00` + two lowercase hex digits.
            guard position + 6 <= buffer.count, buffer[position + 2] == 0x30, buffer[position + 3] == 0x30,
                let high = Self.lowerHex(buffer[position + 4]), high <= 1, let low = Self.lowerHex(buffer[position + 5])
            else { return nil }
            let value = high << 4 | low
            return [0x08, 0x09, 0x0A, 0x0C, 0x0D].contains(value) ? nil : 6
        default:
            return nil
        }
    }

    private static func lowerHex(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: return b - 0x30
        case 0x61...0x66: return b - 0x61 + 10
        default: return nil
        }
    }

    private mutating func literal(_ text: StaticString) -> Bool {
        let count = text.utf8CodeUnitCount
        guard position + count <= buffer.count, memcmp(buffer.baseAddress! + position, text.utf8Start, count) == 0
        else { return false }
        position += count
        return true
    }

    /// Passes over a canonical number; returns it as an `Int` when it is one (what the parser makes of it).
    public mutating func number() -> JSONValue? {
        let start = position
        if peek == UInt8(ascii: "-") { position += 1 }
        let digitsStart = position
        while let b = peek, b >= 0x30, b <= 0x39 { position += 1 }
        let digits = position - digitsStart
        guard digits > 0 else { return nil }
        var isInteger = true
        if peek == UInt8(ascii: ".") || peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            isInteger = false
            position += 1
            while let b = peek, (b >= 0x30 && b <= 0x39) || b == 0x2E || b == 0x2B || b == 0x2D || b == 0x65
                || b == 0x45
            {
                position += 1
            }
        }
        // Up to 18 digits always fit an Int; canonical means no leading zero and no "-0".
        if isInteger && digits <= 18 {
            guard digits == 1 || buffer[digitsStart] != 0x30 else { return nil }
            var value = 0
            for i in digitsStart..<position { value = value * 10 + Int(buffer[i] - 0x30) }
            if digitsStart > start {
                guard value != 0 else { return nil }
                value = -value
            }
            return .int(value)
        }
        // Rare: compare with what the parser and writer make of the token.
        let raw = UnsafeRawBufferPointer(rebasing: buffer[start..<position])
        guard let value = try? JSONParser.parse(buffer: raw), JSONWriter.bytes(value).elementsEqual(raw) else {
            return nil
        }
        return value
    }
}
