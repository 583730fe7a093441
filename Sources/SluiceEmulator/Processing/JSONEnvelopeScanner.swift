/// Walks the top level of a JSON document in a buffer without building it: finds where each value starts
/// and ends, so a huge envelope (`{"requests":[…]}`) is parsed one element at a time.
///
/// It only checks what it must to find boundaries (brackets, strings, commas); the elements it hands out are
/// checked fully by `JSONParser`.
struct JSONEnvelopeScanner {
    /// The document is not well-formed JSON.
    struct SyntaxError: Error {}

    /// The document.
    let raw: UnsafeRawBufferPointer
    /// Index of the next unread byte.
    private(set) var position = 0

    /// A scanner at the start of `raw`.
    init(_ raw: UnsafeRawBufferPointer) {
        self.raw = raw
    }

    /// True when only whitespace is left.
    var atEnd: Bool {
        var copy = self
        copy.skipWhitespace()
        return copy.position >= raw.count
    }

    /// The next non-whitespace byte, without consuming it.
    mutating func peek() -> UInt8? {
        skipWhitespace()
        return position < raw.count ? raw[position] : nil
    }

    /// Consumes `byte` (after whitespace) or throws.
    mutating func expect(_ byte: UInt8) throws(SyntaxError) {
        guard peek() == byte else { throw SyntaxError() }
        position += 1
    }

    /// Consumes `byte` if it comes next (after whitespace).
    mutating func consume(_ byte: UInt8) -> Bool {
        guard peek() == byte else { return false }
        position += 1
        return true
    }

    /// Consumes one value and returns its bytes.
    mutating func value() throws(SyntaxError) -> UnsafeRawBufferPointer {
        skipWhitespace()
        let start = position
        guard position < raw.count else { throw SyntaxError() }
        switch raw[position] {
        case UInt8(ascii: "\""):
            try skipString()
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            try skipContainer()
        default:
            while position < raw.count {
                let b = raw[position]
                if b == UInt8(ascii: ",") || b == UInt8(ascii: "]") || b == UInt8(ascii: "}") || Self.isSpace(b) {
                    break
                }
                position += 1
            }
            guard position > start else { throw SyntaxError() }
        }
        return UnsafeRawBufferPointer(rebasing: raw[start..<position])
    }

    private mutating func skipWhitespace() {
        while position < raw.count, Self.isSpace(raw[position]) { position += 1 }
    }

    private static func isSpace(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09
    }

    /// From an opening quote to just past the closing one.
    private mutating func skipString() throws(SyntaxError) {
        position += 1
        while position < raw.count {
            switch raw[position] {
            case UInt8(ascii: "\""):
                position += 1
                return
            case UInt8(ascii: "\\"):
                position += 2
            default:
                position += 1
            }
        }
        throw SyntaxError()
    }

    /// From an opening bracket to just past its matching closing one.
    private mutating func skipContainer() throws(SyntaxError) {
        var stack: [UInt8] = []
        repeat {
            let b = raw[position]
            switch b {
            case UInt8(ascii: "\""):
                try skipString()
                continue
            case UInt8(ascii: "{"):
                stack.append(UInt8(ascii: "}"))
            case UInt8(ascii: "["):
                stack.append(UInt8(ascii: "]"))
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                guard stack.popLast() == b else { throw SyntaxError() }
            default:
                break
            }
            position += 1
        } while !stack.isEmpty && position < raw.count
        guard stack.isEmpty else { throw SyntaxError() }
    }
}
