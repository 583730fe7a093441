/// A prompt template: literal text with `{{column}}` or `{{a.b.c}}` placeholders.
///
/// Parsed once per spec into segments so that rendering a row only copies bytes.
public struct Template: Sendable, Equatable {
    /// A piece of a template.
    public enum Segment: Sendable, Equatable {
        case literal([UInt8])
        /// A placeholder: the column name or dotted path, split on `.`.
        case field(FieldPath)
    }

    public let source: String
    public let segments: [Segment]

    /// Every distinct field the template names, in first-use order.
    public var fields: [FieldPath] {
        var seen = Set<FieldPath>()
        var result: [FieldPath] = []
        for case .field(let path) in segments where seen.insert(path).inserted { result.append(path) }
        return result
    }

    /// Parses `{{ name }}` placeholders; whitespace inside the braces is ignored.
    public init(_ source: String) throws(TemplateError) {
        self.source = source
        var segments: [Segment] = []
        var literal: [UInt8] = []
        let bytes = Array(source.utf8)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "{"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "{") {
                guard let close = Self.findClose(bytes, from: i + 2) else {
                    throw TemplateError(
                        code: "template.unclosed", message: "'{{' at character \(i + 1) has no closing '}}'")
                }
                let name = String(decoding: bytes[(i + 2)..<close], as: UTF8.self)
                    .trimmingCharacters(in: " \t")
                guard let path = FieldPath(name) else {
                    throw TemplateError(
                        code: "template.invalid_name",
                        message: "'{{\(name)}}' is not a column name or dotted path")
                }
                if !literal.isEmpty {
                    segments.append(.literal(literal))
                    literal = []
                }
                segments.append(.field(path))
                i = close + 2
            } else {
                literal.append(bytes[i])
                i += 1
            }
        }
        if !literal.isEmpty { segments.append(.literal(literal)) }
        self.segments = segments
    }

    private static func findClose(_ bytes: [UInt8], from start: Int) -> Int? {
        var j = start
        while j + 1 < bytes.count {
            if bytes[j] == UInt8(ascii: "}") && bytes[j + 1] == UInt8(ascii: "}") { return j }
            if bytes[j] == UInt8(ascii: "{") && bytes[j + 1] == UInt8(ascii: "{") { return nil }
            j += 1
        }
        return nil
    }
}

/// A column name, or a dotted path into a JSONL object (`customer.address.city`).
public struct FieldPath: Sendable, Hashable, CustomStringConvertible {
    /// The name as written.
    public let name: String
    /// The name split on dots.
    public let components: [String]

    /// Nil for an empty name or a path with an empty component.
    public init?(_ name: String) {
        guard !name.isEmpty else { return nil }
        let components = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !components.contains(where: \.isEmpty) else { return nil }
        self.name = name
        self.components = components
    }

    public var description: String { name }
}

/// A template that cannot be parsed or rendered.
public struct TemplateError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable code: template.unclosed, template.invalid_name, template.missing_field.
    public var code: String
    public var message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

extension String {
    /// The string without leading and trailing characters from `set`.
    func trimmingCharacters(in set: String) -> String {
        let chars = Set(set)
        var s = Substring(self)
        while let f = s.first, chars.contains(f) { s = s.dropFirst() }
        while let l = s.last, chars.contains(l) { s = s.dropLast() }
        return String(s)
    }
}
