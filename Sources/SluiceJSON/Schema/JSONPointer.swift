/// RFC 6901 JSON pointers: building them from path segments and resolving them inside a document.
enum JSONPointer {
    /// One step from a value to a member or element.
    enum Segment: Sendable {
        case key(String)
        case index(Int)
    }

    /// Escapes one reference token: `~` becomes `~0`, `/` becomes `~1`.
    static func escape(_ token: String) -> String {
        guard token.utf8.contains(where: { $0 == UInt8(ascii: "~") || $0 == UInt8(ascii: "/") }) else { return token }
        var out = ""
        out.reserveCapacity(token.utf8.count + 2)
        for character in token.unicodeScalars {
            switch character {
            case "~": out += "~0"
            case "/": out += "~1"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }

    /// The pointer for `segments`; "" for none.
    static func render(_ segments: [Segment]) -> String {
        var out = ""
        for segment in segments {
            out += "/"
            switch segment {
            case .key(let key): out += escape(key)
            case .index(let index): out += String(index)
            }
        }
        return out
    }

    /// `base` extended by one escaped token.
    static func appending(_ base: String, _ token: String) -> String {
        base + "/" + escape(token)
    }

    /// The unescaped reference tokens of `pointer`, or nil when it is not a pointer (non-empty without a leading
    /// `/`, or a `~` not followed by `0` or `1`).
    static func tokens(_ pointer: String) -> [String]? {
        if pointer.isEmpty { return [] }
        guard pointer.hasPrefix("/") else { return nil }
        var tokens: [String] = []
        for raw in pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            var token = ""
            var scalars = raw.unicodeScalars.makeIterator()
            while let scalar = scalars.next() {
                guard scalar == "~" else {
                    token.unicodeScalars.append(scalar)
                    continue
                }
                switch scalars.next() {
                case "0": token += "~"
                case "1": token += "/"
                default: return nil
                }
            }
            tokens.append(token)
        }
        return tokens
    }

    /// The value at `tokens` inside `document`, or nil when a step does not exist.
    static func resolve(_ tokens: [String], in document: JSONValue) -> JSONValue? {
        var current = document
        for token in tokens {
            switch current {
            case .object(let object):
                guard let next = object[token] else { return nil }
                current = next
            case .array(let elements):
                // RFC 6901: decimal without leading zeros.
                guard let index = Int(token), index >= 0, index < elements.count, String(index) == token else {
                    return nil
                }
                current = elements[index]
            default:
                return nil
            }
        }
        return current
    }

    /// Decodes `%XX` escapes of a URI fragment (a `$ref` such as `#/$defs/a%20b`); nil for malformed escapes.
    static func percentDecoded(_ fragment: Substring) -> String? {
        guard fragment.utf8.contains(UInt8(ascii: "%")) else { return String(fragment) }
        var bytes: [UInt8] = []
        var utf8 = fragment.utf8.makeIterator()
        while let byte = utf8.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = utf8.next().flatMap(hexValue), let low = utf8.next().flatMap(hexValue) else { return nil }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
