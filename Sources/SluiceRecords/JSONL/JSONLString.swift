#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads the content of a JSON string that `JSONLScanner` has validated, straight from the line's bytes.
public enum JSONLString {
    /// Hands `body` the decoded content of an escaped string in pieces, in order: runs of bytes as written and
    /// the UTF-8 of each escape. Concatenated, the pieces are the string's UTF-8.
    ///
    /// Pieces rather than one buffer: a caller that escapes the text again (request rendering) writes each piece
    /// as it comes, so an escaped body costs no intermediate copy.
    public static func forEachPiece(_ content: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Void) {
        guard let base = content.baseAddress else { return }
        let count = content.count
        var i = 0
        while i < count {
            let rest = count - i
            guard let found = memchr(base + i, Int32(UInt8(ascii: "\\")), rest) else {
                body(UnsafeRawBufferPointer(start: base + i, count: rest))
                return
            }
            let slash = base.distance(to: UnsafeRawPointer(found))
            if slash > i { body(UnsafeRawBufferPointer(start: base + i, count: slash - i)) }
            i = slash + 1
            var scalar: UInt32
            switch content[i] {
            case UInt8(ascii: "b"): scalar = 0x08
            case UInt8(ascii: "f"): scalar = 0x0C
            case UInt8(ascii: "n"): scalar = 0x0A
            case UInt8(ascii: "r"): scalar = 0x0D
            case UInt8(ascii: "t"): scalar = 0x09
            case UInt8(ascii: "u"):
                scalar = hex4(content, at: i + 1)
                i += 4
                if (0xD800...0xDBFF).contains(scalar) {
                    // Validated: an escaped low surrogate follows.
                    let low = hex4(content, at: i + 3)
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    i += 6
                }
            default: scalar = UInt32(content[i])  // `"`, `\` and `/` stand for themselves
            }
            i += 1
            var utf8: (UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0)
            let length = encode(scalar, into: &utf8)
            withUnsafeBytes(of: &utf8) { body(UnsafeRawBufferPointer(rebasing: $0[0..<length])) }
        }
    }

    /// The decoded content of a string, as bytes (for keys written with escapes, which are rare).
    public static func decoded(_ content: UnsafeRawBufferPointer) -> [UInt8] {
        var bytes: [UInt8] = []
        forEachPiece(content) { bytes.append(contentsOf: $0) }
        return bytes
    }

    /// The value of a hexadecimal digit, nil for any other byte.
    @inline(__always)
    static func hexDigit(_ b: UInt8) -> UInt32? {
        switch b {
        case 0x30...0x39: return UInt32(b - 0x30)
        case 0x41...0x46: return UInt32(b - 0x41 + 10)
        case 0x61...0x66: return UInt32(b - 0x61 + 10)
        default: return nil
        }
    }

    private static func hex4(_ content: UnsafeRawBufferPointer, at i: Int) -> UInt32 {
        var value: UInt32 = 0
        for k in i..<(i + 4) { value = value << 4 | (hexDigit(content[k]) ?? 0) }
        return value
    }

    /// UTF-8 of a scalar the scanner has validated (no lone surrogates, at most U+10FFFF); returns its length.
    private static func encode(_ scalar: UInt32, into out: inout (UInt8, UInt8, UInt8, UInt8)) -> Int {
        switch scalar {
        case 0..<0x80:
            out.0 = UInt8(scalar)
            return 1
        case 0x80..<0x800:
            out = (UInt8(0xC0 | scalar >> 6), UInt8(0x80 | scalar & 0x3F), 0, 0)
            return 2
        case 0x800..<0x10000:
            out = (UInt8(0xE0 | scalar >> 12), UInt8(0x80 | scalar >> 6 & 0x3F), UInt8(0x80 | scalar & 0x3F), 0)
            return 3
        default:
            out = (
                UInt8(0xF0 | scalar >> 18), UInt8(0x80 | scalar >> 12 & 0x3F), UInt8(0x80 | scalar >> 6 & 0x3F),
                UInt8(0x80 | scalar & 0x3F)
            )
            return 4
        }
    }
}
