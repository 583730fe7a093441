#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Validates JSON text against compiled nodes on its bytes, in one pass, writing the compact serialisation that
/// `JSONWriter.write(JSONParser.parse(text))` would write, without building the tree.
///
/// It takes the shape structured outputs have: objects of declared properties (`required`,
/// `additionalProperties: false`), arrays with one `items` schema, and scalars under any keyword (a scalar is
/// checked by `SchemaValidation` itself, as a one-node value, so its rules cannot drift). Anything else gives
/// false — a container under `$ref`, `enum`, `const` or a combinator, an undeclared or repeated member, a key
/// with an escape, an integer beyond `Int`, deep nesting, text that is not JSON, and every invalid value — and the
/// caller then parses the text and validates the tree, which is the truth and words the error.
struct SchemaByteCheck {
    let nodes: [SchemaNode]
    let text: UnsafeRawBufferPointer
    private var position = 0

    /// Nesting beyond this is left to the tree path (whose parser allows 512).
    static let maxDepth = 64

    init(nodes: [SchemaNode], text: UnsafeRawBufferPointer) {
        self.nodes = nodes
        self.text = text
    }

    /// Whether the whole text is one value valid against node 0, written compactly to `out`.
    mutating func run(into out: inout [UInt8]) -> Bool {
        skipWhitespace()
        guard value(0, depth: 0, into: &out) else { return false }
        skipWhitespace()
        return position == text.count
    }

    private var peek: UInt8? { position < text.count ? text[position] : nil }

    private mutating func skipWhitespace() {
        while position < text.count {
            switch text[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    private mutating func value(_ index: Int, depth: Int, into out: inout [UInt8]) -> Bool {
        guard let byte = peek, depth < Self.maxDepth else { return false }
        switch byte {
        case UInt8(ascii: "{"): return object(index, depth: depth, into: &out)
        case UInt8(ascii: "["): return array(index, depth: depth, into: &out)
        case UInt8(ascii: "\""): return string(index, into: &out)
        case UInt8(ascii: "t"): return literal("true", .bool(true), index, into: &out)
        case UInt8(ascii: "f"): return literal("false", .bool(false), index, into: &out)
        case UInt8(ascii: "n"): return literal("null", .null, index, into: &out)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return number(index, into: &out)
        default: return false
        }
    }

    /// Whether node `index` says nothing of a value but its type (and its group's keywords), so the walk may
    /// judge it; a container anywhere else goes to the tree path.
    private func isPlain(_ node: SchemaNode) -> Bool {
        !node.rejectsAll && node.ref == nil && node.enumeration == nil && node.constant == nil && !node.hasCombinators
    }

    /// Whether scalar `value` is valid against node `index`: the type alone when that is all the node asks,
    /// else `SchemaValidation` on the one value.
    private func accepts(_ value: JSONValue, _ index: Int, keywords: Bool) -> Bool {
        let node = nodes[index]
        if isPlain(node) && !keywords { return node.types?.admits(value) ?? true }
        var validation = SchemaValidation(nodes: nodes, limit: 1, recording: false)
        validation.check(value, index)
        return validation.failures == 0
    }

    private mutating func object(_ index: Int, depth: Int, into out: inout [UInt8]) -> Bool {
        let node = nodes[index]
        guard isPlain(node), node.types?.contains(.object) ?? true, node.properties.count <= 64,
            node.requiredUndeclared.isEmpty
        else { return false }
        if case .schema = node.additional { return false }
        position += 1
        out.append(UInt8(ascii: "{"))
        var seen: UInt64 = 0
        var count = 0
        skipWhitespace()
        if peek == UInt8(ascii: "}") {
            position += 1
        } else {
            while true {
                skipWhitespace()
                guard peek == UInt8(ascii: "\""), let key = plainKey(),
                    let member = declared(node, key), seen & (1 << member) == 0
                else { return false }
                seen |= 1 << member
                if count > 0 { out.append(UInt8(ascii: ",")) }
                count += 1
                // A key without escapes or control characters is written as it stands.
                out.append(contentsOf: UnsafeRawBufferPointer(rebasing: text[(key.lowerBound - 1)..<(key.upperBound + 1)]))
                skipWhitespace()
                guard peek == UInt8(ascii: ":") else { return false }
                position += 1
                out.append(UInt8(ascii: ":"))
                skipWhitespace()
                guard value(node.properties[member].node, depth: depth + 1, into: &out) else { return false }
                skipWhitespace()
                guard let next = peek else { return false }
                position += 1
                if next == UInt8(ascii: "}") { break }
                guard next == UInt8(ascii: ",") else { return false }
            }
        }
        for (i, property) in node.properties.enumerated() where property.required && seen & (1 << i) == 0 {
            return false
        }
        if let min = node.minProperties, count < min { return false }
        if let max = node.maxProperties, count > max { return false }
        out.append(UInt8(ascii: "}"))
        return true
    }

    /// The content range of the key at `position` (its opening quote), moving past it; nil for a key with an
    /// escape or a control character (the tree path reads those).
    private mutating func plainKey() -> Range<Int>? {
        let start = position + 1
        var i = start
        while i < text.count {
            let b = text[i]
            if b == UInt8(ascii: "\"") {
                position = i + 1
                return start..<i
            }
            if b == UInt8(ascii: "\\") || b < 0x20 { return nil }
            i += 1
        }
        return nil
    }

    /// The index in `node.properties` of the property named by the bytes `key`, nil for an undeclared name.
    private func declared(_ node: SchemaNode, _ key: Range<Int>) -> Int? {
        let base = text.baseAddress! + key.lowerBound
        for (i, property) in node.properties.enumerated() where property.name.utf8.count == key.count {
            let equal = property.name.utf8.withContiguousStorageIfAvailable { name in
                memcmp(name.baseAddress!, base, key.count) == 0
            }
            if equal ?? property.name.utf8.elementsEqual(UnsafeRawBufferPointer(rebasing: text[key])) { return i }
        }
        return nil
    }

    private mutating func array(_ index: Int, depth: Int, into out: inout [UInt8]) -> Bool {
        let node = nodes[index]
        guard isPlain(node), node.types?.contains(.array) ?? true, let items = node.items, node.prefixItems.isEmpty,
            !node.uniqueItems
        else { return false }
        position += 1
        out.append(UInt8(ascii: "["))
        var count = 0
        skipWhitespace()
        if peek == UInt8(ascii: "]") {
            position += 1
        } else {
            while true {
                if count > 0 { out.append(UInt8(ascii: ",")) }
                count += 1
                skipWhitespace()
                guard value(items, depth: depth + 1, into: &out) else { return false }
                skipWhitespace()
                guard let next = peek else { return false }
                position += 1
                if next == UInt8(ascii: "]") { break }
                guard next == UInt8(ascii: ",") else { return false }
            }
        }
        if let min = node.minItems, count < min { return false }
        if let max = node.maxItems, count > max { return false }
        out.append(UInt8(ascii: "]"))
        return true
    }

    private mutating func string(_ index: Int, into out: inout [UInt8]) -> Bool {
        let start = position
        var i = position + 1
        var escaped = false
        while true {
            guard i < text.count else { return false }
            let b = text[i]
            if b == UInt8(ascii: "\"") { break }
            if b == UInt8(ascii: "\\") {
                escaped = true
                i += 2
            } else if b < 0x20 {
                return false
            } else if b < 0x80 {
                i += 1
            } else {
                guard let length = UTF8Check.sequenceLength(text, at: i) else { return false }
                i += length
            }
        }
        position = i + 1
        let node = nodes[index]
        let quoted = UnsafeRawBufferPointer(rebasing: text[start..<position])
        if escaped {
            // Escapes are rare in answers: the parser decodes them by its own rules, the writer re-escapes.
            guard let decoded = try? JSONParser.parse(buffer: quoted), case .string(let string) = decoded,
                accepts(decoded, index, keywords: node.hasStringKeywords)
            else { return false }
            JSONWriter.writeString(string, into: &out)
            return true
        }
        let inner = UnsafeRawBufferPointer(rebasing: text[(start + 1)..<i])
        // Without keywords only the type matters, so no String is made for it.
        let value: JSONValue =
            isPlain(node) && !node.hasStringKeywords ? .string("") : .string(String(decoding: inner, as: UTF8.self))
        guard accepts(value, index, keywords: node.hasStringKeywords) else { return false }
        // Valid UTF-8 with no quote, backslash or control character: the writer's escaping leaves it as it is.
        out.append(contentsOf: quoted)
        return true
    }

    private mutating func literal(_ word: StaticString, _ value: JSONValue, _ index: Int, into out: inout [UInt8])
        -> Bool
    {
        let count = word.utf8CodeUnitCount
        guard text.count - position >= count, memcmp(text.baseAddress! + position, word.utf8Start, count) == 0,
            accepts(value, index, keywords: false)
        else { return false }
        position += count
        out.append(contentsOf: UnsafeRawBufferPointer(start: word.utf8Start, count: count))
        return true
    }

    /// A number in JSON's grammar: an integer that fits `Int` is written as it stands (`-0` as `0`), anything
    /// else as the `Double` the parser would make of it.
    private mutating func number(_ index: Int, into out: inout [UInt8]) -> Bool {
        let start = position
        var i = position
        let negative = text[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        func digits(from k: Int) -> Int {
            var k = k
            while k < text.count, text[k] >= 0x30, text[k] <= 0x39 { k += 1 }
            return k
        }
        guard i < text.count, text[i] >= 0x30, text[i] <= 0x39 else { return false }
        let integerEnd = text[i] == 0x30 ? i + 1 : digits(from: i)
        var end = integerEnd
        if end < text.count, text[end] == UInt8(ascii: ".") {
            let fractionEnd = digits(from: end + 1)
            guard fractionEnd > end + 1 else { return false }
            end = fractionEnd
        }
        if end < text.count, text[end] == UInt8(ascii: "e") || text[end] == UInt8(ascii: "E") {
            var k = end + 1
            if k < text.count, text[k] == UInt8(ascii: "+") || text[k] == UInt8(ascii: "-") { k += 1 }
            let exponentEnd = digits(from: k)
            guard exponentEnd > k else { return false }
            end = exponentEnd
        }
        position = end
        let keywords = nodes[index].hasNumberKeywords
        if end == integerEnd, end - i <= 18 {
            // 18 digits always fit an Int; longer integers are left to the parser.
            var magnitude = 0
            for k in i..<end { magnitude = magnitude * 10 + Int(text[k] - 0x30) }
            let value = negative ? -magnitude : magnitude
            guard accepts(.int(value), index, keywords: keywords) else { return false }
            if value == 0 {
                out.append(UInt8(ascii: "0"))
            } else {
                out.append(contentsOf: UnsafeRawBufferPointer(rebasing: text[start..<end]))
            }
            return true
        }
        guard end != integerEnd,
            let double = Double(String(decoding: UnsafeRawBufferPointer(rebasing: text[start..<end]), as: UTF8.self)),
            double.isFinite, accepts(.double(double), index, keywords: keywords)
        else { return false }
        out.append(contentsOf: double.description.utf8)
        return true
    }
}
