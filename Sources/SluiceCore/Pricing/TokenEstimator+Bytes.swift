import SluiceJSON

extension TokenEstimator {
    /// The estimated token count of the UTF-8 text `bytes` (each byte of an invalid sequence counts as one
    /// U+FFFD).
    @inline(never)
    static func tokens(utf8 bytes: UnsafeRawBufferPointer) -> Double { count(bytes, json: false) }

    /// The estimated token count of the text whose JSON string content (escaped, without the quotes) is
    /// `content`: what a rendered request line holds.
    /// Not inlined: inlined into the counting thread's closure, the loop ran four times slower (its state
    /// no longer stayed in registers).
    @inline(never)
    static func tokens(jsonContent content: UnsafeRawBufferPointer) -> Double { count(content, json: true) }

    /// Feeds `bytes` to a tally: eight ASCII bytes at a time while they hold no control character (and with
    /// `json` no backslash), the rest by the byte, decoded, and with `json` a backslash read as the escape it
    /// starts.
    @inline(__always)
    private static func count(_ bytes: UnsafeRawBufferPointer, json: Bool) -> Double {
        var tally = TokenTally()
        var i = 0
        let count = bytes.count
        while i < count {
            if i + 8 <= count {
                let word = bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self).littleEndian
                let stops = TokenTally.unusual(word, json: json)
                let lanes = stops == 0 ? 8 : stops.trailingZeroBitCount >> 3
                if lanes > 0 {
                    tally.add(window: word, lanes: lanes)
                    i += lanes
                    continue
                }
            }
            let b = bytes[i]
            if b < 0x80 && !(json && b == 0x5C) {
                tally.add(ascii: b)
                i += 1
            } else if b < 0x80 {
                let (scalar, length) = UTF8Scalar.unescape(bytes, at: i)
                tally.add(scalar)
                i += length
            } else {
                // Non-ASCII comes in runs (a word with accents, a Japanese sentence): decoded without a window
                // tried between two of its scalars.
                repeat {
                    let (scalar, length) = UTF8Scalar.decode(bytes, at: i)
                    tally.add(scalar)
                    i += length
                } while i < count && bytes[i] >= 0x80
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
        guard let length = UTF8Check.sequenceLength(bytes, at: i) else { return (replacement, 1) }
        var value = UInt32(bytes[i]) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
        for k in 1..<length { value = value << 6 | (UInt32(bytes[i + k]) & 0x3F) }
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
