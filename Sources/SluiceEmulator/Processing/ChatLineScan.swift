#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SluiceJSON

/// The batch processor's fast path for Chat Completions lines: what the model reads from a request line, found
/// on its bytes, for lines in `JSONWriter`'s compact form (what Sluice renders).
///
/// Parsing each line into a `JSONValue` tree, looking members up by hashed keys and serialising the body again
/// to hash it for the answer's seed were most of the emulator's cost per request. Because the scanner accepts
/// only canonical bytes (`JSONCanonicalScanner`), the raw `body` bytes are the serialisation the model hashes,
/// and the raw `model` and `custom_id` bytes are what the writer would write.
///
/// The scan answers nil whenever the straightforward path could answer differently or is needed: anything
/// not canonical, a `custom_id` or `model` with escapes, an `unknown-` model, no or empty `messages`, a message
/// that is not an object or has array content, a `response_format` the model rejects, token limits or `n`
/// that are not plain integers. `LineProcessor` then parses the line as before.
struct ChatLineScan {
    /// The `custom_id` value (it has no escapes, so its bytes are its text).
    var customID: String
    /// `custom_id` as written, quotes included.
    var customIDBytes: Range<Int>
    /// The `body` object as written.
    var body: Range<Int>
    /// `body.model` as written, quotes included.
    var model: Range<Int>
    /// What `response_format` asks for.
    var shape: ContentShape
    /// The compiled schema when `shape` is `.jsonSchema`.
    var plan: SchemaPlan?
    /// UTF-8 bytes of every message's text.
    var promptBytes = 0
    /// `max_completion_tokens`, else `max_tokens`.
    var maxTokens: Int?
    /// Choices asked for, clamped as the model clamps them.
    var n = 1

    /// Integers beyond this go the straightforward way (which converts them through `Double`).
    private static let exactLimit = 1 << 53

    /// Scans a request line; nil when it must take the straightforward path.
    static func scan(_ line: UnsafeRawBufferPointer, formats: ChatFormatMemo) -> ChatLineScan? {
        var scanner = JSONCanonicalScanner(line)
        var customID: (String, Range<Int>)?
        var body: ChatLineScan?
        let ok = scanner.members { scanner, key in
            let start = scanner.position
            if scanner.key(key, is: "\"custom_id\"") {
                guard let string = scanner.string(), string.escapes == 0 else { return false }
                let text = UnsafeRawBufferPointer(rebasing: line[(start + 1)..<(scanner.position - 1)])
                customID = (String(decoding: text, as: UTF8.self), start..<scanner.position)
                return true
            }
            if scanner.key(key, is: "\"body\"") {
                body = scanBody(&scanner, formats: formats)
                return body != nil
            }
            return scanner.skipValue()
        }
        guard ok, scanner.position == line.count, let customID, var body else { return nil }
        (body.customID, body.customIDBytes) = customID
        return body
    }

    private static func scanBody(_ scanner: inout JSONCanonicalScanner, formats: ChatFormatMemo) -> ChatLineScan? {
        let start = scanner.position
        var model: Range<Int>?
        var messages = 0
        var promptBytes = 0
        var shape = ContentShape.text
        var plan: SchemaPlan?
        // Either, when present, is an integer (anything else leaves the fast path), so nil means absent.
        var maxCompletionTokens: Int?
        var maxTokens: Int?
        var n = 1
        let ok = scanner.members { scanner, key in
            let valueStart = scanner.position
            switch scanner.buffer[key.lowerBound + 1] {
            case UInt8(ascii: "m") where scanner.key(key, is: "\"model\""):
                guard let string = scanner.string(), string.escapes == 0,
                    !scanner.hasPrefix("\"unknown-", at: valueStart)
                else { return false }
                model = valueStart..<scanner.position
                return true
            case UInt8(ascii: "m") where scanner.key(key, is: "\"messages\""):
                return scanner.elements { scanner in
                    messages += 1
                    return scanner.members { scanner, key in
                        guard scanner.key(key, is: "\"content\"") else { return scanner.skipValue() }
                        switch scanner.peek {
                        case UInt8(ascii: "\""):
                            guard let string = scanner.string() else { return false }
                            promptBytes += string.decodedBytes
                            return true
                        case UInt8(ascii: "n"): return scanner.skipValue()
                        default: return false
                        }
                    }
                }
            case UInt8(ascii: "m") where scanner.key(key, is: "\"max_completion_tokens\""):
                guard let value = exactInt(&scanner) else { return false }
                maxCompletionTokens = value
                return true
            case UInt8(ascii: "m") where scanner.key(key, is: "\"max_tokens\""):
                guard let value = exactInt(&scanner) else { return false }
                maxTokens = value
                return true
            case UInt8(ascii: "n") where scanner.key(key, is: "\"n\""):
                guard let value = exactInt(&scanner) else { return false }
                n = max(1, min(value, 16))
                return true
            case UInt8(ascii: "r") where scanner.key(key, is: "\"response_format\""):
                guard let resolved = formats.shape(&scanner) else { return false }
                (shape, plan) = resolved
                return true
            default:
                return scanner.skipValue()
            }
        }
        guard ok, let model, messages > 0 else { return nil }
        return ChatLineScan(
            customID: "", customIDBytes: 0..<0, body: start..<scanner.position, model: model, shape: shape,
            plan: plan, promptBytes: promptBytes, maxTokens: maxCompletionTokens ?? maxTokens, n: n)
    }

    /// A plain integer small enough that the model's conversion through `Double` leaves it unchanged.
    private static func exactInt(_ scanner: inout JSONCanonicalScanner) -> Int? {
        guard case .int(let value)? = scanner.number(), abs(value) < exactLimit else { return nil }
        return value
    }
}

/// The last `response_format` bytes a processing thread saw, the shape they resolved to and its schema compiled
/// (`SchemaPlan`): every line of a Sluice batch carries the same one, so it is checked, resolved and compiled
/// once. Not thread-safe: one thread owns it.
final class ChatFormatMemo {
    private var bytes: [UInt8] = []
    private var shape: ContentShape?
    private var plan: SchemaPlan?

    /// Passes the scanner over the `response_format` value at its position and returns its shape and compiled
    /// schema; nil when the value is not canonical or the model rejects it.
    func shape(_ scanner: inout JSONCanonicalScanner) -> (ContentShape, SchemaPlan?)? {
        let start = scanner.position
        // A JSON value ends where it ends: equal bytes followed by a delimiter are the same value.
        if let shape, scanner.hasPrefix(bytes, at: start) {
            let end = start + bytes.count
            if end < scanner.buffer.count, scanner.buffer[end] == UInt8(ascii: ",") || scanner.buffer[end] == UInt8(ascii: "}") {
                scanner.position = end
                return (shape, plan)
            }
        }
        guard scanner.skipValue() else { return nil }
        let raw = UnsafeRawBufferPointer(rebasing: scanner.buffer[start..<scanner.position])
        guard let format = try? JSONParser.parse(buffer: raw), case .success(let resolved) = DeterministicModel.chatShape(format)
        else { return nil }
        bytes = Array(raw)
        shape = resolved
        if case .jsonSchema(let schema) = resolved { plan = SchemaPlan(schema: schema) } else { plan = nil }
        return (resolved, plan)
    }
}

extension JSONCanonicalScanner {
    /// Whether the key at `range` (quotes included) is `name` (quotes included).
    func key(_ range: Range<Int>, is name: StaticString) -> Bool {
        range.count == name.utf8CodeUnitCount && hasPrefix(name, at: range.lowerBound)
    }

    func hasPrefix(_ text: StaticString, at offset: Int) -> Bool {
        hasPrefix(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount), at: offset)
    }

    func hasPrefix(_ bytes: [UInt8], at offset: Int) -> Bool {
        bytes.withUnsafeBytes { hasPrefix($0, at: offset) }
    }

    /// memcmp, not `elementsEqual`: the generic byte loop comparing each line's ~600-byte `response_format` with
    /// the memo's was 2.4% of an emulator's CPU in perf.
    func hasPrefix(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Bool {
        guard offset + bytes.count <= buffer.count else { return false }
        guard let other = bytes.baseAddress, bytes.count > 0 else { return true }
        return memcmp(buffer.baseAddress! + offset, other, bytes.count) == 0
    }
}
