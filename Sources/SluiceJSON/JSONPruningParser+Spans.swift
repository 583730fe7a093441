/// Where in a JSON text `JSONPruningParser.spans` looks: the values it records the byte ranges of.
public indirect enum JSONSpanPath: Sendable {
    /// Record where this value is (any kind) in slot `n`.
    case slot(Int)
    /// This value must be an object; look into these members (a member listed here appears at most once), and
    /// record where the object is in `slot` if one is given.
    case members([(String, JSONSpanPath)], slot: Int? = nil)
    /// This value must be a non-empty array; look into its first element.
    case first(JSONSpanPath)
}

extension JSONPruningParser {
    /// Checks the whole text exactly as strictly as `JSONParser` and gives the byte range of each value `path`
    /// names, by slot (nil for a member the text lacks), building nothing. Gives nil (the caller then parses the
    /// text fully) when the text is not JSON, or has another shape than `path` says (a value that is not the
    /// object or array `path` expects, a named member repeated, where `JSONParser` keeps the last value).
    ///
    /// A result line is checked this way and only the few strings a row needs are decoded: the dictionaries of
    /// even a pruned tree were most of the cost of reading one.
    public static func spans(
        buffer: UnsafeRawBufferPointer, path: JSONSpanPath, slots: Int
    ) -> [Range<Int>?]? {
        var parser = JSONPruningParser(buffer: buffer)
        var found = [Range<Int>?](repeating: nil, count: slots)
        do {
            parser.skipWhitespace()
            guard try parser.spanValue(path, depth: 0, into: &found) else { return nil }
            parser.skipWhitespace()
            return parser.position == buffer.count ? found : nil
        } catch {
            return nil
        }
    }

    /// Walks one value by `path`; false when its shape is not what `path` expects.
    private mutating func spanValue(
        _ path: JSONSpanPath, depth: Int, into found: inout [Range<Int>?]
    ) throws(JSONParseError) -> Bool {
        switch path {
        case .slot(let slot):
            let start = position
            try skipValue(depth: depth)
            found[slot] = start..<position
            return true
        case .members(let members, let slot):
            guard peek == UInt8(ascii: "{"), depth < JSONParser.maxDepth else { return false }
            let start = position
            guard try spanObject(members, depth: depth, into: &found) else { return false }
            if let slot { found[slot] = start..<position }
            return true
        case .first(let element):
            guard peek == UInt8(ascii: "["), depth < JSONParser.maxDepth else { return false }
            return try spanFirst(element, depth: depth, into: &found)
        }
    }

    private mutating func spanObject(
        _ members: [(String, JSONSpanPath)], depth: Int, into found: inout [Range<Int>?]
    ) throws(JSONParseError) -> Bool {
        position += 1
        skipWhitespace()
        if peek == UInt8(ascii: "}") {
            position += 1
            return true
        }
        var seen: UInt64 = 0  // which of `members` appeared (paths name a handful per object)
        while true {
            skipWhitespace()
            guard peek == UInt8(ascii: "\"") else { throw error("json.expected_key", "expected a string key") }
            let keyStart = position
            let escaped = try skipString()
            let index = try memberIndex(members, keyFrom: keyStart, escaped: escaped)
            skipWhitespace()
            guard peek == UInt8(ascii: ":") else { throw error("json.expected_colon", "expected ':' after key") }
            position += 1
            skipWhitespace()
            if let index {
                guard seen & (1 << index) == 0 else { return false }
                seen |= 1 << index
                guard try spanValue(members[index].1, depth: depth + 1, into: &found) else { return false }
            } else {
                try skipValue(depth: depth + 1)
            }
            skipWhitespace()
            switch peek {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"): position += 1; return true
            case nil: throw error("json.unexpected_end", "unexpected end of input in object")
            default: throw error("json.expected_comma", "expected ',' or '}' in object")
            }
        }
    }

    /// The first element by `element`, the others checked and skipped.
    private mutating func spanFirst(
        _ element: JSONSpanPath, depth: Int, into found: inout [Range<Int>?]
    ) throws(JSONParseError) -> Bool {
        position += 1
        skipWhitespace()
        if peek == UInt8(ascii: "]") { return false }
        var isFirst = true
        while true {
            skipWhitespace()
            if isFirst {
                guard try spanValue(element, depth: depth + 1, into: &found) else { return false }
                isFirst = false
            } else {
                try skipValue(depth: depth + 1)
            }
            skipWhitespace()
            switch peek {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"): position += 1; return true
            case nil: throw error("json.unexpected_end", "unexpected end of input in array")
            default: throw error("json.expected_comma", "expected ',' or ']' in array")
            }
        }
    }

    /// Which of `members` the (already checked) key string starting at `start` names, if any.
    private func memberIndex(
        _ members: [(String, JSONSpanPath)], keyFrom start: Int, escaped: Bool
    ) throws(JSONParseError) -> Int? {
        if escaped {
            let key = try JSONParser.parse(buffer: UnsafeRawBufferPointer(rebasing: buffer[start..<position]))
            guard case .string(let name) = key else { return nil }
            return members.firstIndex { $0.0 == name }
        }
        let raw = UnsafeRawBufferPointer(rebasing: buffer[(start + 1)..<(position - 1)])
        return members.firstIndex { Self.sameBytes($0.0, raw) }
    }
}
