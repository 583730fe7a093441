/// The running count behind `TokenEstimator`: fed one Unicode scalar at a time, it adds each run's weight when
/// the run ends, in the order the runs come.
///
/// Staging counts every request's tokens as it renders them, from the line's bytes (issue 8: reading the chunks
/// back to count them was a third of a 1M-row `process`'s CPU), so the count works on bytes, UTF-8 or JSON
/// string content, without building a `String` or an array of scalars. It adds exactly the terms the
/// straightforward run-by-run count adds, in the same order, so the two agree to the last bit.
struct TokenTally {
    private enum Run { case none, letters, cyrillic, digits, spaces }

    private(set) var total = 0.0
    private var run = Run.none
    private var length = 0
    /// Extended-Latin letters of a letter run; whether a space run holds a newline (1) or not (0).
    private var marks = 0

    @inline(__always)
    mutating func add(_ v: UInt32) {
        if v < 0x80 {
            switch v {
            case 0x41...0x5A, 0x61...0x7A: extend(.letters)
            case 0x30...0x39: extend(.digits)
            case 0x20, 0x09, 0x0D: extend(.spaces)
            case 0x0A: extend(.spaces, mark: true)
            default:
                end()
                total += TokenEstimator.perPunctuation
            }
            return
        }
        switch v {
        case 0x3000...0x30FF, 0x4E00...0x9FFF, 0xAC00...0xD7AF, 0xFF00...0xFFEF:
            end()
            total += TokenEstimator.perCJK
        case 0x80...0x24F where Unicode.Scalar(v)?.properties.isAlphabetic == true:
            extend(.letters, mark: true)
        case 0x370...0x52F: extend(.cyrillic)
        default:
            end()
            total += TokenEstimator.perOtherByte * Double(v < 0x800 ? 2 : v < 0x10000 ? 3 : 4)
        }
    }

    /// The count once every scalar is in.
    mutating func finish() -> Double {
        end()
        return total
    }

    /// Continues the run of `kind`, or ends the one before and starts it. `mark`: an extended-Latin letter in a
    /// letter run (counted), a newline in a space run (remembered).
    @inline(__always)
    private mutating func extend(_ kind: Run, mark: Bool = false) {
        if run != kind {
            end()
            run = kind
        }
        length += 1
        if mark { marks = kind == .letters ? marks + 1 : 1 }
    }

    /// Adds the weight of the run that just ended.
    @inline(__always)
    private mutating func end() {
        switch run {
        case .none: return
        case .letters:
            total +=
                TokenEstimator.perWord + TokenEstimator.perWordCharacter * Double(length)
                + TokenEstimator.perExtendedLatinLetter * Double(marks)
        case .cyrillic:
            total += TokenEstimator.perCyrillicWord + TokenEstimator.perCyrillicLetter * Double(length)
        case .digits:
            total += TokenEstimator.perDigitGroup * Double((length + 2) / 3)
        case .spaces:
            if marks == 1 { total += TokenEstimator.perNewlineRun } else if length > 1 { total += TokenEstimator.perSpaceRun }
        }
        run = .none
        length = 0
        marks = 0
    }
}

extension TokenEstimator {
    /// The estimated token count of the UTF-8 text `bytes` (each byte of an invalid sequence counts as one
    /// U+FFFD).
    static func tokens(utf8 bytes: UnsafeRawBufferPointer) -> Double {
        var tally = TokenTally()
        var i = 0
        let count = bytes.count
        while i < count {
            let b = bytes[i]
            if b < 0x80 {
                tally.add(UInt32(b))
                i += 1
            } else {
                let (scalar, length) = UTF8Scalar.decode(bytes, at: i)
                tally.add(scalar)
                i += length
            }
        }
        return tally.finish()
    }

    /// The estimated token count of the text whose JSON string content (escaped, without the quotes) is
    /// `content`: what a rendered request line holds.
    static func tokens(jsonContent content: UnsafeRawBufferPointer) -> Double {
        var tally = TokenTally()
        var i = 0
        let count = content.count
        while i < count {
            let b = content[i]
            if b < 0x80 && b != 0x5C {
                tally.add(UInt32(b))
                i += 1
            } else if b == 0x5C {
                let (scalar, length) = UTF8Scalar.unescape(content, at: i)
                tally.add(scalar)
                i += length
            } else {
                let (scalar, length) = UTF8Scalar.decode(content, at: i)
                tally.add(scalar)
                i += length
            }
        }
        return tally.finish()
    }
}

/// Decoding one scalar from bytes, for `TokenTally`'s feeders.
enum UTF8Scalar {
    static let replacement: UInt32 = 0xFFFD

    /// The scalar of the multi-byte UTF-8 sequence at `i` and its length; U+FFFD and 1 for an invalid one.
    @inline(__always)
    static func decode(_ bytes: UnsafeRawBufferPointer, at i: Int) -> (UInt32, Int) {
        let lead = UInt32(bytes[i])
        let length: Int
        var value: UInt32
        switch lead {
        case 0xC2...0xDF: (length, value) = (2, lead & 0x1F)
        case 0xE0...0xEF: (length, value) = (3, lead & 0x0F)
        case 0xF0...0xF4: (length, value) = (4, lead & 0x07)
        default: return (replacement, 1)
        }
        guard i + length <= bytes.count else { return (replacement, 1) }
        for k in 1..<length {
            let next = UInt32(bytes[i + k])
            guard next & 0xC0 == 0x80 else { return (replacement, 1) }
            value = value << 6 | (next & 0x3F)
        }
        // Overlong forms, surrogates and values past U+10FFFF are not valid UTF-8.
        let minimum: UInt32 = length == 3 ? 0x800 : length == 4 ? 0x10000 : 0x80
        guard value >= minimum, value <= 0x10FFFF, !(0xD800...0xDFFF).contains(value) else { return (replacement, 1) }
        return (value, length)
    }

    /// The scalar of the JSON escape at `i` (which holds a backslash) and its length; a lone backslash or
    /// a malformed escape counts as U+FFFD over what it spans.
    static func unescape(_ bytes: UnsafeRawBufferPointer, at i: Int) -> (UInt32, Int) {
        guard i + 1 < bytes.count else { return (replacement, 1) }
        switch bytes[i + 1] {
        case UInt8(ascii: "n"): return (0x0A, 2)
        case UInt8(ascii: "t"): return (0x09, 2)
        case UInt8(ascii: "r"): return (0x0D, 2)
        case UInt8(ascii: "b"): return (0x08, 2)
        case UInt8(ascii: "f"): return (0x0C, 2)
        case UInt8(ascii: "u"):
            guard let high = hex4(bytes, at: i + 2) else { return (replacement, 2) }
            if (0xD800...0xDBFF).contains(high), i + 12 <= bytes.count, bytes[i + 6] == 0x5C,
                bytes[i + 7] == UInt8(ascii: "u"), let low = hex4(bytes, at: i + 8), (0xDC00...0xDFFF).contains(low)
            {
                return (0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00), 12)
            }
            return ((0xD800...0xDFFF).contains(high) ? replacement : high, 6)
        default: return (UInt32(bytes[i + 1]), 2)  // \" \\ \/
        }
    }

    private static func hex4(_ bytes: UnsafeRawBufferPointer, at i: Int) -> UInt32? {
        guard i + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for k in 0..<4 {
            let c = bytes[i + k]
            let digit: UInt8
            switch c {
            case 0x30...0x39: digit = c - 0x30
            case 0x41...0x46: digit = c - 0x41 + 10
            case 0x61...0x66: digit = c - 0x61 + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }
}
