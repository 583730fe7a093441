/// Checks over record bytes: well-formed UTF-8 and NUL bytes in one pass, eight ASCII bytes at a time; only
/// records that fail it are looked at field by field to name the column at fault.
public enum ByteScan {
    private static let highBits: UInt64 = 0x8080_8080_8080_8080
    private static let lowBits: UInt64 = 0x0101_0101_0101_0101

    /// Whether the bytes are well-formed UTF-8 without NUL. False means "look closer", not which problem it is.
    static func isCleanUTF8(_ base: UnsafeRawPointer, count: Int) -> Bool {
        scan(base, count: count, allowNUL: false)
    }

    /// Whether the bytes are well-formed UTF-8 (Unicode table 3-7: no overlongs, surrogates or values > U+10FFFF).
    public static func isValidUTF8(_ base: UnsafeRawPointer, count: Int) -> Bool {
        scan(base, count: count, allowNUL: true)
    }

    /// Whether every field boundary in a record is a character boundary (no field starts with a continuation byte).
    ///
    /// With the whole record valid UTF-8, that makes every field valid on its own: a field can only be invalid
    /// while the record is valid if a multi-byte character straddles a boundary.
    static func startsAtCharacters(_ record: UnsafeRawBufferPointer, _ ends: [Int]) -> Bool {
        for end in ends where end < record.count && record[end] & 0xC0 == 0x80 { return false }
        return true
    }

    @inline(__always)
    private static func scan(_ base: UnsafeRawPointer, count: Int, allowNUL: Bool) -> Bool {
        var index = 0
        var zero: UInt64 = 0
        while index < count {
            if index + 8 <= count {
                let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: index, as: UInt64.self))
                // Exact "has a zero byte" test for the word as a whole.
                if !allowNUL { zero |= (word &- lowBits) & ~word & highBits }
                let high = word & highBits
                if high == 0 {
                    index += 8
                    continue
                }
                // Skip the ASCII bytes before the first non-ASCII one (lowest byte first).
                index += high.trailingZeroBitCount >> 3
            } else {
                let byte = base.load(fromByteOffset: index, as: UInt8.self)
                if byte < 0x80 {
                    if byte == 0 && !allowNUL { return false }
                    index += 1
                    continue
                }
            }
            let length = sequenceLength(base, at: index, count: count)
            if length == 0 { return false }
            index += length
        }
        return zero == 0
    }

    /// Length of the well-formed multi-byte sequence at `index` (2...4), or 0 when it is not well formed.
    @inline(__always)
    private static func sequenceLength(_ base: UnsafeRawPointer, at index: Int, count: Int) -> Int {
        let available = count - index
        guard available >= 4 else { return slowSequenceLength(base, at: index, count: count) }
        // Four bytes at once, lead byte lowest: check the bit patterns, then the decoded value's range.
        let word = UInt32(littleEndian: base.loadUnaligned(fromByteOffset: index, as: UInt32.self))
        if word & 0xC0E0 == 0x80C0 {
            return word & 0x1E != 0 ? 2 : 0  // lead C0/C1 would be an overlong
        }
        if word & 0xC0_C0F0 == 0x80_80E0 {
            let value = (word & 0x0F) << 12 | (word >> 8 & 0x3F) << 6 | (word >> 16 & 0x3F)
            return value >= 0x800 && (value < 0xD800 || value > 0xDFFF) ? 3 : 0
        }
        if word & 0xC0C0_C0F8 == 0x8080_80F0 {
            let value = (word & 0x07) << 18 | (word >> 8 & 0x3F) << 12 | (word >> 16 & 0x3F) << 6 | (word >> 24 & 0x3F)
            return value >= 0x1_0000 && value <= 0x10_FFFF ? 4 : 0
        }
        return 0
    }

    /// `sequenceLength` for the last three bytes of a buffer, byte by byte.
    private static func slowSequenceLength(_ base: UnsafeRawPointer, at index: Int, count: Int) -> Int {
        func byte(_ offset: Int) -> UInt32 { UInt32(base.load(fromByteOffset: index + offset, as: UInt8.self)) }
        func continuation(_ offset: Int) -> Bool { index + offset < count && byte(offset) & 0xC0 == 0x80 }
        let lead = byte(0)
        switch lead {
        case 0xC2..<0xE0:
            return continuation(1) ? 2 : 0
        case 0xE0..<0xF0:
            guard continuation(1), continuation(2) else { return 0 }
            let value = (lead & 0x0F) << 12 | (byte(1) & 0x3F) << 6 | (byte(2) & 0x3F)
            return value >= 0x800 && (value < 0xD800 || value > 0xDFFF) ? 3 : 0
        default:
            return 0  // a 4-byte sequence cannot fit in the last three bytes
        }
    }
}
