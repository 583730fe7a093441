/// Finds the ends of values in compact JSON text that `JSONWriter` wrote (no whitespace between tokens).
///
/// Outcome files hold such text; reading their answers this way lets assembly copy an answer's bytes into the
/// enriched file instead of building a `JSONValue` tree to write it out again. The scan trusts nothing: text it
/// does not recognise gives nil, and the caller then parses the line fully (whose error, if any, is the answer).
enum CompactJSONScan {
    /// The index just past the value starting at `start`, or nil when no value in the writer's layout starts there.
    static func valueEnd(_ text: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard start < text.count else { return nil }
        switch text[start] {
        case UInt8(ascii: "\""):
            return stringEnd(text, from: start)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            return containerEnd(text, from: start)
        default:
            // A number, true, false or null: up to the next delimiter.
            var i = start
            while i < text.count {
                switch text[i] {
                case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"): return i > start ? i : nil
                case UInt8(ascii: "\""), UInt8(ascii: "{"), UInt8(ascii: "["), UInt8(ascii: ":"), 0x00...0x20: return nil
                default: i += 1
                }
            }
            return i > start ? i : nil
        }
    }

    /// The index just past the string whose opening quote is at `start`.
    static func stringEnd(_ text: UnsafeRawBufferPointer, from start: Int) -> Int? {
        var i = start + 1
        while i < text.count {
            switch text[i] {
            case UInt8(ascii: "\""): return i + 1
            case UInt8(ascii: "\\"): i += 2
            default: i += 1
            }
        }
        return nil
    }

    /// Whether the string `text[range]` (quotes included) holds an escape.
    static func hasEscape(_ text: UnsafeRawBufferPointer, _ range: Range<Int>) -> Bool {
        UnsafeRawBufferPointer(rebasing: text[range]).contains(UInt8(ascii: "\\"))
    }

    /// The index just past the object or array opening at `start`: brackets counted, strings skipped.
    private static func containerEnd(_ text: UnsafeRawBufferPointer, from start: Int) -> Int? {
        var depth = 0
        var i = start
        while i < text.count {
            switch text[i] {
            case UInt8(ascii: "\""):
                guard let end = stringEnd(text, from: i) else { return nil }
                i = end
                continue
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth == 0 { return i + 1 }
            default:
                break
            }
            i += 1
        }
        return nil
    }
}
