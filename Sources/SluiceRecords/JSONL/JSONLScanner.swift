#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Validates one JSONL line as a JSON object and finds its top-level members, without decoding anything.
///
/// Staging used to turn every line into a full tree of `String`s and dictionaries to read the three fields a
/// template names; most of its time went into building and hashing values nobody read. This scan accepts
/// exactly what `JSONParser` accepts (RFC 8259, nesting below 512, finite numbers) and records byte offsets.
/// When it says no, the caller runs the full parser on the line to say what is wrong, so error messages stay
/// the parser's own.
///
/// The line must be well-formed UTF-8 without NUL: `JSONLReader` has checked that before a line gets here.
public struct JSONLScanner {
    /// Deepest nesting accepted, as `JSONParser.maxDepth`.
    public static let maxDepth = 512

    /// Appends `line`'s top-level members to `members` (cleared first); false when the line is not exactly one
    /// JSON object (surrounding whitespace allowed).
    public static func members(of line: UnsafeRawBufferPointer, into members: inout [JSONLMember]) -> Bool {
        members.removeAll(keepingCapacity: true)
        guard let base = line.baseAddress else { return false }
        var scanner = JSONLScanner(base: base.assumingMemoryBound(to: UInt8.self), count: line.count)
        return scanner.topLevelObject(&members)
    }

    private let base: UnsafePointer<UInt8>
    private let count: Int
    private var i = 0

    private init(base: UnsafePointer<UInt8>, count: Int) {
        self.base = base
        self.count = count
    }

    /// The byte at the cursor, or 0 at the end (0 starts no JSON token, and the line holds no NUL).
    @inline(__always) private var peek: UInt8 { i < count ? base[i] : 0 }

    @inline(__always) private mutating func skipWhitespace() {
        while i < count {
            switch base[i] {
            case 0x20, 0x09, 0x0A, 0x0D: i += 1
            default: return
            }
        }
    }

    private mutating func topLevelObject(_ members: inout [JSONLMember]) -> Bool {
        skipWhitespace()
        guard peek == UInt8(ascii: "{") else { return false }
        i += 1
        skipWhitespace()
        if peek == UInt8(ascii: "}") {
            i += 1
        } else {
            scan: while true {
                skipWhitespace()
                guard peek == UInt8(ascii: "\"") else { return false }
                let keyStart = i + 1
                var keyFlags = StringFlags()
                guard string(&keyFlags) else { return false }
                let keyEnd = i - 1
                skipWhitespace()
                guard peek == UInt8(ascii: ":") else { return false }
                i += 1
                skipWhitespace()
                let valueStart = i
                var flags: JSONLMember.Flags = []
                if keyFlags.escaped { flags.insert(.keyHasEscapes) }
                if keyFlags.nonASCII { flags.insert(.keyIsNonASCII) }
                switch peek {
                case UInt8(ascii: "\""):
                    var valueFlags = StringFlags()
                    guard string(&valueFlags) else { return false }
                    flags.insert(.valueIsString)
                    if valueFlags.escaped { flags.insert(.valueHasEscapes) }
                case UInt8(ascii: "n"):
                    guard literal("null") else { return false }
                    flags.insert(.valueIsNull)
                default:
                    guard value(depth: 1) else { return false }
                }
                members.append(
                    JSONLMember(keyStart: keyStart, keyEnd: keyEnd, valueStart: valueStart, valueEnd: i, flags: flags))
                skipWhitespace()
                switch peek {
                case UInt8(ascii: ","): i += 1
                case UInt8(ascii: "}"): i += 1; break scan
                default: return false
                }
            }
        }
        skipWhitespace()
        return i == count
    }

    private mutating func value(depth: Int) -> Bool {
        guard depth < Self.maxDepth else { return false }
        switch peek {
        case UInt8(ascii: "{"): return object(depth: depth)
        case UInt8(ascii: "["): return array(depth: depth)
        case UInt8(ascii: "\""):
            var flags = StringFlags()
            return string(&flags)
        case UInt8(ascii: "t"): return literal("true")
        case UInt8(ascii: "f"): return literal("false")
        case UInt8(ascii: "n"): return literal("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return number()
        default: return false
        }
    }

    private mutating func object(depth: Int) -> Bool {
        i += 1
        skipWhitespace()
        if peek == UInt8(ascii: "}") {
            i += 1
            return true
        }
        while true {
            skipWhitespace()
            var flags = StringFlags()
            guard peek == UInt8(ascii: "\""), string(&flags) else { return false }
            skipWhitespace()
            guard peek == UInt8(ascii: ":") else { return false }
            i += 1
            skipWhitespace()
            guard value(depth: depth + 1) else { return false }
            skipWhitespace()
            switch peek {
            case UInt8(ascii: ","): i += 1
            case UInt8(ascii: "}"): i += 1; return true
            default: return false
            }
        }
    }

    private mutating func array(depth: Int) -> Bool {
        i += 1
        skipWhitespace()
        if peek == UInt8(ascii: "]") {
            i += 1
            return true
        }
        while true {
            skipWhitespace()
            guard value(depth: depth + 1) else { return false }
            skipWhitespace()
            switch peek {
            case UInt8(ascii: ","): i += 1
            case UInt8(ascii: "]"): i += 1; return true
            default: return false
            }
        }
    }

    private mutating func literal(_ text: StaticString) -> Bool {
        let length = text.utf8CodeUnitCount
        guard i + length <= count, memcmp(base + i, text.utf8Start, length) == 0 else { return false }
        i += length
        return true
    }

    private mutating func number() -> Bool {
        let start = i
        if peek == UInt8(ascii: "-") { i += 1 }
        guard isDigit(peek) else { return false }
        if peek == UInt8(ascii: "0") {
            i += 1
        } else {
            while isDigit(peek) { i += 1 }
        }
        if peek == UInt8(ascii: ".") {
            i += 1
            guard isDigit(peek) else { return false }
            while isDigit(peek) { i += 1 }
        }
        var exponent = false
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            exponent = true
            i += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { i += 1 }
            guard isDigit(peek) else { return false }
            while isDigit(peek) { i += 1 }
        }
        // The parser rejects numbers that overflow a Double. Without an exponent, fewer than 300 characters
        // stay below 1e300, so only the rare exponent or very long number needs the conversion.
        guard exponent || i - start > 300 else { return true }
        let text = String(decoding: UnsafeBufferPointer(start: base + start, count: i - start), as: UTF8.self)
        if !exponent, Int(text) != nil { return true }
        guard let double = Double(text), double.isFinite else { return false }
        return true
    }

    @inline(__always) private func isDigit(_ byte: UInt8) -> Bool { byte &- 0x30 < 10 }

    /// What a string scan saw.
    private struct StringFlags {
        var escaped = false
        var nonASCII = false
    }

    /// Scans a string from its opening quote to just past its closing one.
    private mutating func string(_ flags: inout StringFlags) -> Bool {
        i += 1
        var high: UInt64 = 0
        defer { if high & 0x8080_8080_8080_8080 != 0 { flags.nonASCII = true } }
        while true {
            // Eight bytes at a time while none is a quote, a backslash or a control character.
            while i + 8 <= count {
                let word = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
                if Self.needsLook(word) { break }
                high |= word
                i += 8
            }
            guard i < count else { return false }
            let b = base[i]
            if b == UInt8(ascii: "\"") {
                i += 1
                return true
            }
            if b == UInt8(ascii: "\\") {
                flags.escaped = true
                i += 1
                guard escape() else { return false }
                continue
            }
            if b < 0x20 { return false }
            high |= UInt64(b)
            i += 1
        }
    }

    /// Whether any byte of `word` may be `"`, `\` or below 0x20 (false positives only next to a real one).
    @inline(__always) private static func needsLook(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let control = (word &- ones &* 0x20) & ~word & highs
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        return (control | ((quote &- ones) & ~quote & highs) | ((backslash &- ones) & ~backslash & highs)) != 0
    }

    /// Validates the escape after a backslash, as the parser decodes it (surrogates must pair).
    private mutating func escape() -> Bool {
        guard i < count else { return false }
        let e = base[i]
        i += 1
        switch e {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
            UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            return true
        case UInt8(ascii: "u"):
            guard let scalar = hex4() else { return false }
            if (0xD800...0xDBFF).contains(scalar) {
                guard i + 1 < count, base[i] == UInt8(ascii: "\\"), base[i + 1] == UInt8(ascii: "u") else {
                    return false
                }
                i += 2
                guard let low = hex4(), (0xDC00...0xDFFF).contains(low) else { return false }
                return true
            }
            return !(0xDC00...0xDFFF).contains(scalar)
        default:
            return false
        }
    }

    private mutating func hex4() -> UInt32? {
        guard i + 4 <= count else { return nil }
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let digit = JSONLString.hexDigit(base[i]) else { return nil }
            value = value << 4 | digit
            i += 1
        }
        return value
    }
}
