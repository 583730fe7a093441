#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The RFC 4180 state machine: cuts the byte stream into records of unescaped fields.
///
/// Lenient where real files are sloppy: a quote inside an unquoted field is kept as a literal byte, text after a
/// closing quote is appended to the field (`"ab"c` reads as `abc`), and CR, LF and CRLF all end records.
final class CSVScanner {
    /// How a call to `scanRecord` ended.
    enum Outcome {
        /// A record is in `storage`.
        case record
        /// The stream ended inside a quoted field; `storage` holds what was read.
        case unterminatedQuote
        /// No more records.
        case endOfStream
    }

    private enum State {
        case fieldStart, unquoted, quoted, afterQuote
    }

    private static let quote: UInt8 = 0x22
    private static let comma: UInt8 = 0x2C
    private static let lineFeed: UInt8 = 0x0A
    private static let carriageReturn: UInt8 = 0x0D
    /// Bit b set for each byte b < 64 that ends an unquoted run: comma, CR, LF.
    private static let unquotedStops: UInt64 = (1 << 0x2C) | (1 << 0x0D) | (1 << 0x0A)

    /// Index of the first comma, CR or LF in `base[from..<to]`, or `to`. The hot loop of the parser.
    @inline(__always)
    private static func firstStop(in base: UnsafeMutablePointer<UInt8>, from: Int, to end: Int) -> Int {
        var index = from
        // Eight bytes at a time: a byte equal to c makes (x - 0x01..) & ~x & 0x80.. set its high bit, x = w ^ c...;
        // borrows can only mark bytes above a real match, so the lowest marked byte is exact.
        while index + 8 <= end {
            let word = UInt64(littleEndian: UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self))
            let comma = word ^ 0x2C2C_2C2C_2C2C_2C2C
            let carriageReturn = word ^ 0x0D0D_0D0D_0D0D_0D0D
            let lineFeed = word ^ 0x0A0A_0A0A_0A0A_0A0A
            let low: UInt64 = 0x0101_0101_0101_0101
            let found =
                ((comma &- low) & ~comma | (carriageReturn &- low) & ~carriageReturn | (lineFeed &- low) & ~lineFeed)
                & 0x8080_8080_8080_8080
            if found != 0 { return index + found.trailingZeroBitCount >> 3 }
            index += 8
        }
        while index < end {
            let byte = base[index]
            if byte < 64 && (unquotedStops >> UInt64(byte)) & 1 != 0 { return index }
            index += 1
        }
        return end
    }

    let window: InputWindow
    // Touched for every field; the dynamic exclusivity check (a TLS lookup) cost ~5% of parsing. Safe: a scanner
    // is used by one thread and no access to `storage` is ever held across a call that could reach it again.
    @exclusivity(unchecked) var storage: RecordStorage
    /// Stream offset of the first byte of the last record scanned.
    private(set) var recordStart: Int64 = 0
    /// The previous record ended with CR: an LF right after it belongs to that CRLF.
    private var pendingLineFeed = false

    init(source: any ByteSource, readBufferSize: Int, maxRecordBytes: Int) {
        window = InputWindow(source: source, capacity: readBufferSize)
        storage = RecordStorage(limit: maxRecordBytes)
    }

    /// Scans the next record into `storage`, skipping blank lines before it.
    func scanRecord() throws(RecordsError) -> Outcome {
        storage.reset()
        let base = window.base
        var position = window.position
        var end = window.end
        var state = State.fieldStart
        // Whether this record has any byte yet; a line ending while false is a blank line, not a record.
        var started = false
        recordStart = window.offset(at: position)

        while true {
            if position == end {
                window.position = position
                if try !window.refill() {
                    switch state {
                    case .fieldStart:
                        if !started { return .endOfStream }
                        storage.endField()  // "a,<EOF>": the empty last field
                        return .record
                    case .unquoted, .afterQuote:
                        storage.endField()
                        return .record
                    case .quoted:
                        storage.endField()
                        return .unterminatedQuote
                    }
                }
                position = window.position
                end = window.end
            }

            switch state {
            case .fieldStart:
                let byte = base[position]
                if pendingLineFeed {
                    pendingLineFeed = false
                    if byte == Self.lineFeed {
                        position += 1
                        recordStart += 1
                        continue
                    }
                }
                if byte == Self.quote {
                    started = true
                    state = .quoted
                    position += 1
                } else if byte == Self.comma {
                    started = true
                    storage.endField()
                    position += 1
                } else if byte == Self.lineFeed || byte == Self.carriageReturn {
                    position += 1
                    pendingLineFeed = byte == Self.carriageReturn
                    if !started {
                        recordStart = window.offset(at: position)
                        continue
                    }
                    storage.endField()
                    window.position = position
                    return .record
                } else {
                    started = true
                    state = .unquoted
                }

            case .unquoted:
                let index = Self.firstStop(in: base, from: position, to: end)
                storage.append(base + position, index - position)
                position = index
                if index == end { continue }
                let stop = base[index]
                position += 1
                storage.endField()
                guard stop == Self.comma else {
                    pendingLineFeed = stop == Self.carriageReturn
                    window.position = position
                    return .record
                }
                state = .fieldStart

            case .quoted:
                guard let found = memchr(base + position, Int32(Self.quote), end - position) else {
                    storage.append(base + position, end - position)
                    position = end
                    continue
                }
                let index = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
                storage.append(base + position, index - position)
                position = index + 1
                state = .afterQuote

            case .afterQuote:
                let byte = base[position]
                if byte == Self.quote {
                    storage.append(byte: Self.quote)
                    position += 1
                    state = .quoted
                } else if byte == Self.comma {
                    position += 1
                    storage.endField()
                    state = .fieldStart
                } else if byte == Self.lineFeed || byte == Self.carriageReturn {
                    position += 1
                    pendingLineFeed = byte == Self.carriageReturn
                    storage.endField()
                    window.position = position
                    return .record
                } else {
                    state = .unquoted  // lenient: `"ab"c` keeps the c
                }
            }
        }
    }
}
