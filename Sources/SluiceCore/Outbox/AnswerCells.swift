import SluiceJSON
import SluiceRecords

/// Output cells rendered straight from an answer's compact JSON text (as an outcome file holds it), without
/// building the `JSONValue` tree that `OutputColumns.appendCSV` / `appendJSONMembers` render from.
///
/// The contract, checked against those on random values: for text `JSONWriter` wrote, the bytes appended are
/// exactly theirs for the parsed value. The writer's text parses back to a value it writes the same way, so a
/// member's value is copied as it stands; only strings with escapes (a CSV cell needs them decoded) and
/// containers or non-integer numbers are parsed, one value at a time. Every piece is checked as strictly as
/// `JSONParser` would; text the scan does not recognise (whitespace, escaped or duplicate keys) gives false
/// with nothing appended, and the caller renders the parsed value instead.
extension OutputColumns {
    /// Appends the answer's cells to a CSV record (each preceded by a comma); false when the text needs parsing.
    func appendCSV(answer text: UnsafeRawBufferPointer, to out: inout [UInt8]) -> Bool {
        withCells(text) { cells in
            for cell in cells {
                out.append(CSVFormat.fieldSeparator)
                switch cell {
                case .missing: break
                case .plainString(let range): CSVFormat.appendField(UnsafeRawBufferPointer(rebasing: text[range]), to: &out)
                case .token(let range): CSVFormat.appendField(UnsafeRawBufferPointer(rebasing: text[range]), to: &out)
                case .parsed(.string(let s)): CSVFormat.appendField(s, to: &out)
                case .parsed(let other): CSVFormat.appendField(JSONWriter.string(other), to: &out)
                }
            }
        }
    }

    /// Appends `,"key":value` members for a JSONL object; false when the text needs parsing.
    func appendJSONMembers(answer text: UnsafeRawBufferPointer, leadingComma: Bool, to out: inout [UInt8]) -> Bool {
        withCells(text) { cells in
            for (i, cell) in cells.enumerated() {
                if leadingComma || i > 0 { out.append(UInt8(ascii: ",")) }
                JSONWriter.writeString(names[i], into: &out)
                out.append(UInt8(ascii: ":"))
                switch cell {
                case .missing: out.append(contentsOf: "null".utf8)
                // A plain string's text with its quotes, as the writer would write it again.
                case .plainString(let range):
                    out.append(contentsOf: UnsafeRawBufferPointer(rebasing: text[(range.lowerBound - 1)..<(range.upperBound + 1)]))
                case .token(let range): out.append(contentsOf: UnsafeRawBufferPointer(rebasing: text[range]))
                case .parsed(let value): JSONWriter.write(value, into: &out)
                }
            }
        }
    }

    /// One column's value found in the text.
    fileprivate enum Cell {
        /// No such member, or null.
        case missing
        /// A string without escapes: the bytes between its quotes.
        case plainString(Range<Int>)
        /// An integer, true or false, as written.
        case token(Range<Int>)
        /// Anything else, parsed on its own.
        case parsed(JSONValue)
    }

    /// Finds every column's value and hands them to `body`; false (and `body` not called) when the text is not
    /// the writer's compact layout or any piece of it is not valid JSON.
    private func withCells(_ text: UnsafeRawBufferPointer, _ body: ([Cell]) -> Void) -> Bool {
        var cells = [Cell](repeating: .missing, count: names.count)
        if properties.count == 1, properties[0] == nil {
            // The whole answer is the one column.
            guard let piece = Self.piece(text, 0..<text.count) else { return false }
            cells[0] = piece
            body(cells)
            return true
        }
        guard text.count >= 2, text[0] == UInt8(ascii: "{") else {
            // Not an object: every property is missing, but the text must still be one valid value (and not an
            // object the parser finds behind leading whitespace).
            guard let piece = Self.piece(text, 0..<text.count) else { return false }
            if case .parsed(.object) = piece { return false }
            body(cells)
            return true
        }
        var found = [Bool](repeating: false, count: names.count)
        var i = 1
        if text[i] != UInt8(ascii: "}") {
            while true {
                guard text[i] == UInt8(ascii: "\""), let keyEnd = CompactJSONScan.stringEnd(text, from: i),
                    keyEnd < text.count, text[keyEnd] == UInt8(ascii: ":"),
                    let valueEnd = CompactJSONScan.valueEnd(text, from: keyEnd + 1), valueEnd < text.count
                else { return false }
                let key = UnsafeRawBufferPointer(rebasing: text[(i + 1)..<(keyEnd - 1)])
                // Keys with escapes or outside ASCII go the parser's way.
                guard key.allSatisfy({ $0 >= 0x20 && $0 < 0x80 && $0 != UInt8(ascii: "\\") }),
                    let piece = Self.piece(text, (keyEnd + 1)..<valueEnd)
                else { return false }
                // A repeated column goes the parser's way (its last value wins); other members are only checked.
                if let column = columnIndex(key) {
                    guard !found[column] else { return false }
                    found[column] = true
                    cells[column] = piece
                }
                i = valueEnd
                if text[i] == UInt8(ascii: "}") { break }
                guard text[i] == UInt8(ascii: ",") else { return false }
                i += 1
                guard i < text.count else { return false }
            }
        }
        guard i == text.count - 1 else { return false }
        body(cells)
        return true
    }

    /// The column whose property is `key`.
    private func columnIndex(_ key: UnsafeRawBufferPointer) -> Int? {
        for (index, property) in properties.enumerated() {
            guard let property else { continue }
            if property.utf8.count == key.count, property.utf8.elementsEqual(key) { return index }
        }
        return nil
    }

    /// The value `text[range]` as a cell, or nil when it is not one valid JSON value.
    private static func piece(_ text: UnsafeRawBufferPointer, _ range: Range<Int>) -> Cell? {
        guard !range.isEmpty else { return nil }
        let bytes = UnsafeRawBufferPointer(rebasing: text[range])
        switch bytes[0] {
        case UInt8(ascii: "\""):
            guard CompactJSONScan.stringEnd(bytes, from: 0) == bytes.count else { return nil }
            let inner = (range.lowerBound + 1)..<(range.upperBound - 1)
            if isPlain(UnsafeRawBufferPointer(rebasing: text[inner])) { return .plainString(inner) }
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
            if bytes.elementsEqual("true".utf8) || bytes.elementsEqual("false".utf8) { return .token(range) }
            if bytes.elementsEqual("null".utf8) { return .missing }
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            if isCanonicalInteger(bytes) { return .token(range) }
        default:
            break
        }
        // Escaped strings, other numbers, arrays and objects: the parser's own value.
        guard let value = try? JSONParser.parse(buffer: bytes) else { return nil }
        return value == .null ? .missing : .parsed(value)
    }

    /// String content the parser would take as it is: no escape, no control character, valid UTF-8.
    private static func isPlain(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var ascii = true
        for byte in bytes {
            if byte < 0x20 || byte == UInt8(ascii: "\\") { return false }
            if byte >= 0x80 { ascii = false }
        }
        return ascii || bytes.isEmpty || ByteScan.isValidUTF8(bytes.baseAddress!, count: bytes.count)
    }

    /// An integer as the writer writes an `Int`: an optional minus, no leading zero, at most 18 digits (so it fits).
    private static func isCanonicalInteger(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let digits = bytes[0] == UInt8(ascii: "-") ? UnsafeRawBufferPointer(rebasing: bytes[1...]) : bytes
        guard !digits.isEmpty, digits.count <= 18, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return false }
        if digits.count > 1, digits[0] == 0x30 { return false }
        // "-0" parses as the integer 0, which the writer writes "0".
        return !(bytes[0] == UInt8(ascii: "-") && digits.count == 1 && digits[0] == 0x30)
    }
}
