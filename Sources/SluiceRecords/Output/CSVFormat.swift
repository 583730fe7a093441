#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// CSV output encoding: RFC 4180 quoting and CRLF record ends.
///
/// A field is quoted when it contains a comma, quote, CR or LF (quotes doubled), and also when it starts or ends
/// with a space or tab: our reader keeps such spaces either way, but some readers trim unquoted ones.
public enum CSVFormat {
    /// CRLF, as RFC 4180 specifies.
    public static let recordTerminator: [UInt8] = [13, 10]
    /// The comma.
    public static let fieldSeparator: UInt8 = 0x2C

    private static let quote: UInt8 = 0x22

    /// Whether `bytes` must be quoted.
    public static func needsQuotes(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let first = bytes.first, let last = bytes.last else { return false }
        if first == 0x20 || first == 0x09 || last == 0x20 || last == 0x09 { return true }
        // Eight bytes at a time: enriched files copy every field of every row through here, bodies of a kilobyte.
        var i = 0
        while i + 8 <= bytes.count {
            if wordHasSpecial(bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)) { return true }
            i += 8
        }
        while i < bytes.count {
            if isSpecial(bytes[i]) { return true }
            i += 1
        }
        return false
    }

    /// A comma, quote, CR or LF: a byte that makes a field need quotes.
    @inline(__always) static func isSpecial(_ byte: UInt8) -> Bool {
        byte == 0x2C || byte == 0x22 || byte == 0x0D || byte == 0x0A
    }

    /// Whether any byte of `word` is special (exact: `hasZero` is the exact zero-byte test).
    @inline(__always) static func wordHasSpecial(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        @inline(__always) func hasZero(_ x: UInt64) -> UInt64 { (x &- ones) & ~x & (ones &* 0x80) }
        return hasZero(word ^ (ones &* 0x2C)) | hasZero(word ^ (ones &* 0x22)) | hasZero(word ^ (ones &* 0x0D))
            | hasZero(word ^ (ones &* 0x0A)) != 0
    }

    /// Appends `bytes` as one field (no separator), quoting if needed.
    public static func appendField(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        guard needsQuotes(bytes) else {
            out.append(contentsOf: bytes)
            return
        }
        out.append(quote)
        var runStart = 0
        // memchr finds the quotes to double; the runs between them are copied whole.
        while runStart < bytes.count,
            let found = memchr(bytes.baseAddress! + runStart, Int32(quote), bytes.count - runStart)
        {
            let index = UnsafeRawPointer(found) - bytes.baseAddress!
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[runStart...index]))
            out.append(quote)
            runStart = index + 1
        }
        out.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[runStart...]))
        out.append(quote)
    }

    /// Appends `value`'s UTF-8 as one field, quoting if needed.
    public static func appendField(_ value: String, to out: inout [UInt8]) {
        var value = value
        value.withUTF8 { appendField(UnsafeRawBufferPointer($0), to: &out) }
    }

    /// Appends `bytes` as one field, quoting if needed.
    public static func appendField(_ bytes: [UInt8], to out: inout [UInt8]) {
        bytes.withUnsafeBytes { appendField($0, to: &out) }
    }

    /// Appends a whole record: fields separated by commas, then CRLF.
    ///
    /// A record of one empty field is written `""`, because an empty line is read back as no record at all.
    public static func appendRecord(_ fields: [String], to out: inout [UInt8]) {
        if fields.count == 1 && fields[0].isEmpty {
            out.append(contentsOf: [quote, quote])
        } else {
            for (index, field) in fields.enumerated() {
                if index > 0 { out.append(fieldSeparator) }
                appendField(field, to: &out)
            }
        }
        out.append(contentsOf: recordTerminator)
    }
}
