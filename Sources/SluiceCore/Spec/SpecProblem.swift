/// One thing wrong with a spec: where (file, key path, line) and why.
public struct SpecProblem: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable code, e.g. `spec.unknown_key`.
    public var code: String
    /// The spec file.
    public var file: String
    /// Dotted key path inside the spec, e.g. `output.schema.properties.urgency`; empty for the file itself.
    public var keyPath: String
    /// 1-based line in the file, when known.
    public var line: Int?
    public var message: String

    public init(code: String, file: String, keyPath: String, line: Int? = nil, message: String) {
        self.code = code
        self.file = file
        self.keyPath = keyPath
        self.line = line
        self.message = message
    }

    public var description: String {
        var location = file
        if let line { location += ":\(line)" }
        return keyPath.isEmpty ? "\(location): \(message)" : "\(location): \(keyPath): \(message)"
    }
}

/// A spec that could not be loaded, with every problem found.
public struct SpecError: Error, Sendable, CustomStringConvertible {
    public var problems: [SpecProblem]

    public init(problems: [SpecProblem]) {
        self.problems = problems
    }

    public var description: String { problems.map(\.description).joined(separator: "\n") }
}
