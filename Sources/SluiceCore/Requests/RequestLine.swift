import SluiceJSON

/// The shape of one request line in a batch input file, precomputed per pipeline.
///
/// A line is a fixed list of parts: constant bytes (already JSON-encoded), the row's custom id, and
/// templates whose fields are escaped straight into the output buffer. Rendering a row then costs
/// little more than copying its field bytes.
public struct RequestLine: Sendable {
    /// One part of a rendered line.
    public enum Part: Sendable {
        case bytes([UInt8])
        case customID
        /// A template rendered as JSON string content (without quotes).
        case template(CompiledTemplate)
    }

    public let parts: [Part]
    /// Every field any template of the line names, in first-use order; templates refer to them by index.
    public let fields: [FieldPath]
    /// How the line's templates add up to its input tokens.
    public let tokens: RequestTokens
    /// The line's templates in order (each a message text).
    let templates: [CompiledTemplate]

    init(parts: [Part], fields: [FieldPath], tokens: RequestTokens) {
        self.parts = parts
        self.fields = fields
        self.tokens = tokens
        templates = parts.compactMap { part in
            if case .template(let t) = part { return t }
            return nil
        }
    }

    /// Adjacent constant parts joined, so rendering appends fewer, larger runs.
    static func merged(_ parts: [Part]) -> [Part] {
        var merged: [Part] = []
        for part in parts {
            if case .bytes(let b) = part, case .bytes(let previous)? = merged.last {
                merged[merged.count - 1] = .bytes(previous + b)
            } else {
                merged.append(part)
            }
        }
        return merged
    }

    /// Appends the line (with its `\n`) for one row, asking `field` to append each field's escaped value.
    /// Returns false, leaving `out` unspecified, when `field` reports a field missing.
    @inline(__always)
    public func render(
        customID: String, into out: inout [UInt8],
        field: (_ index: Int, _ out: inout [UInt8]) -> Bool
    ) -> Bool {
        var templates: [Int] = []
        return render(customID: customID, into: &out, templates: &templates, field: field)
    }

    /// `render`, also setting `templates` to where each template's text starts and ends in `out`, two
    /// offsets a template in line order: what `RequestTokens.count` reads.
    @inline(__always)
    public func render(
        customID: String, into out: inout [UInt8], templates: inout [Int],
        field: (_ index: Int, _ out: inout [UInt8]) -> Bool
    ) -> Bool {
        templates.removeAll(keepingCapacity: true)
        for part in parts {
            switch part {
            case .bytes(let b): out.append(contentsOf: b)
            case .customID: out.append(contentsOf: customID.utf8)
            case .template(let t):
                templates.append(out.count)
                for segment in t.segments {
                    switch segment {
                    case .literal(let b): out.append(contentsOf: b)
                    case .field(let index): if !field(index, &out) { return false }
                    }
                }
                templates.append(out.count)
            }
        }
        return true
    }
}

/// A template whose literals are pre-escaped for a JSON string and whose fields are indices.
public struct CompiledTemplate: Sendable {
    /// A piece of the compiled template.
    public enum Segment: Sendable {
        case literal([UInt8])
        case field(Int)
    }

    public let segments: [Segment]
    /// The text's estimated tokens when it names no field (the same for every row), else nil.
    public let constantTokens: Double?

    /// Compiles `template`, adding the fields it names to `fields` (shared across a line's templates).
    init(_ template: Template, fields: inout [FieldPath]) {
        var constant: [UInt8]? = []
        for segment in template.segments {
            if case .literal(let bytes) = segment { constant?.append(contentsOf: bytes) } else { constant = nil }
        }
        constantTokens = constant.map { text in text.withUnsafeBytes { TokenEstimator.tokens(utf8: $0) } }
        segments = template.segments.map { segment in
            switch segment {
            case .literal(let bytes):
                var escaped: [UInt8] = []
                bytes.withUnsafeBytes { JSONWriter.escape($0, into: &escaped) }
                return .literal(escaped)
            case .field(let path):
                if let i = fields.firstIndex(of: path) { return .field(i) }
                fields.append(path)
                return .field(fields.count - 1)
            }
        }
    }
}

/// Stable, unique request ids: `r<row>` for a row's first attempt, `r<row>-<attempt>` after that.
///
/// They fit every provider's rule (Anthropic: `^[a-zA-Z0-9_-]{1,64}$`) and join results back to rows
/// whatever order the provider returns them in.
public enum CustomID {
    /// The id for `row`'s `attempt` (1-based).
    public static func make(row: Int, attempt: Int = 1) -> String {
        attempt <= 1 ? "r\(row)" : "r\(row)-\(attempt)"
    }

    /// The row and attempt of an id this engine made; nil for anything else.
    public static func parse(_ id: String) -> (row: Int, attempt: Int)? {
        guard id.first == "r" else { return nil }
        let rest = id.dropFirst()
        let pieces = rest.split(separator: "-", omittingEmptySubsequences: false)
        guard let row = Int(pieces[0]), row > 0 else { return nil }
        if pieces.count == 1 { return (row, 1) }
        guard pieces.count == 2, let attempt = Int(pieces[1]), attempt > 1 else { return nil }
        return (row, attempt)
    }
}
