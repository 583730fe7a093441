#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SluiceJSON
import SluiceRecords

/// A JSONL line's object, read lazily: the members' places from `JSONLScanner`, a value decoded only when asked.
///
/// Reads give what the straightforward path gave (`JSONParser` to a `JSONObject`, then a lookup): a repeated
/// key's last value, keys compared as Swift strings (canonical equivalence), nested values as `JSONValue`.
public struct LineObject {
    private enum Storage {
        case scanned(bytes: [UInt8], members: [JSONLMember])
        /// An object that came from the full parser (the scanner refused a line the parser took: never expected,
        /// but it costs nothing to keep that working).
        case decoded(JSONObject)
    }

    private let storage: Storage

    /// An object found by the scan of `bytes`.
    public init(bytes: [UInt8], members: [JSONLMember]) {
        storage = .scanned(bytes: bytes, members: members)
    }

    /// An object already decoded.
    public init(_ object: JSONObject) {
        storage = .decoded(object)
    }

    /// Whether the object has no members.
    public var isEmpty: Bool {
        switch storage {
        case .scanned(_, let members): return members.isEmpty
        case .decoded(let object): return object.count == 0
        }
    }

    /// The whole object decoded (failure lines and samples show the record as it was).
    public var object: JSONObject {
        switch storage {
        case .scanned(let bytes, _):
            return (try? JSONParser.parse(bytes))?.objectValue ?? JSONObject()
        case .decoded(let object):
            return object
        }
    }

    /// The value at `path`, decoded; nil when a component is missing.
    public func value(at path: FieldPath) -> JSONValue? {
        var current: JSONValue?
        switch storage {
        case .decoded(let object):
            current = object[path.components[0]]
        case .scanned(let bytes, let members):
            current = bytes.withUnsafeBytes { line -> JSONValue? in
                guard let member = Self.find(path.components[0], in: members, line: line) else { return nil }
                return Self.decode(member, line: line)
            }
        }
        for component in path.components.dropFirst() { current = current?[component] }
        return current
    }

    /// Appends the template text of the value at `path`, JSON-escaped: a string's content, nothing for null,
    /// compact JSON for anything else. False when the value is missing.
    ///
    /// A top-level string is escaped straight from the line's bytes; this is staging's hot path.
    public func appendEscaped(_ path: FieldPath, into out: inout [UInt8]) -> Bool {
        if path.components.count == 1, case .scanned(let bytes, let members) = storage {
            return bytes.withUnsafeBytes { line -> Bool in
                guard let member = Self.find(path.components[0], in: members, line: line) else { return false }
                if member.flags.contains(.valueIsNull) { return true }
                guard member.flags.contains(.valueIsString) else {
                    // Numbers, booleans, arrays and objects are written as the parser's value re-serialised
                    // (`1.50` becomes `1.5`), so they go through it.
                    if let value = Self.decode(member, line: line) { Self.appendEscaped(value, into: &out) }
                    return true
                }
                let content = UnsafeRawBufferPointer(rebasing: line[(member.valueStart + 1)..<(member.valueEnd - 1)])
                if member.flags.contains(.valueHasEscapes) {
                    JSONLString.forEachPiece(content) { JSONWriter.escape($0, into: &out) }
                } else {
                    JSONWriter.escape(content, into: &out)
                }
                return true
            }
        }
        guard let value = value(at: path) else { return false }
        Self.appendEscaped(value, into: &out)
        return true
    }

    private static func appendEscaped(_ value: JSONValue, into out: inout [UInt8]) {
        switch value {
        case .string(var s): s.withUTF8 { JSONWriter.escape(UnsafeRawBufferPointer($0), into: &out) }
        case .null: break
        default:
            var text = JSONWriter.string(value)
            text.withUTF8 { JSONWriter.escape(UnsafeRawBufferPointer($0), into: &out) }
        }
    }

    private static func decode(_ member: JSONLMember, line: UnsafeRawBufferPointer) -> JSONValue? {
        try? JSONParser.parse(buffer: UnsafeRawBufferPointer(rebasing: line[member.valueStart..<member.valueEnd]))
    }

    /// The member `key` names, the last of equal keys (a repeated key's last value is the object's).
    private static func find(_ key: String, in members: [JSONLMember], line: UnsafeRawBufferPointer) -> JSONLMember? {
        var key = key
        return key.withUTF8 { wanted -> JSONLMember? in
            let wantedIsASCII = wanted.allSatisfy { $0 < 0x80 }
            for member in members.reversed() where matches(member, wanted, wantedIsASCII, line) { return member }
            return nil
        }
    }

    /// Whether a member's key equals `wanted` as Swift strings compare: equal bytes are equal, two ASCII keys
    /// with different bytes are not, and anything else (escapes, non-ASCII) is compared as strings.
    @inline(__always)
    private static func matches(
        _ member: JSONLMember, _ wanted: UnsafeBufferPointer<UInt8>, _ wantedIsASCII: Bool,
        _ line: UnsafeRawBufferPointer
    ) -> Bool {
        let raw = UnsafeRawBufferPointer(rebasing: line[member.keyStart..<member.keyEnd])
        if member.flags.contains(.keyHasEscapes) {
            let decoded = JSONLString.decoded(raw)
            return String(decoding: decoded, as: UTF8.self) == String(decoding: wanted, as: UTF8.self)
        }
        if raw.count == wanted.count, raw.count == 0 || memcmp(raw.baseAddress!, wanted.baseAddress!, raw.count) == 0 {
            return true
        }
        if wantedIsASCII && !member.flags.contains(.keyIsNonASCII) { return false }
        return String(decoding: raw, as: UTF8.self) == String(decoding: wanted, as: UTF8.self)
    }
}
