import SluiceJSON

/// Typed access to one mapping of a spec, recording a problem for every wrong or unknown key.
struct SpecFields {
    let object: JSONObject
    let path: String
    let document: YAMLDocument
    let file: String
    var problems: [SpecProblem] = []
    private var used: Set<String> = []

    init(_ value: JSONValue?, path: String, document: YAMLDocument, file: String, problems: inout [SpecProblem]) {
        self.path = path
        self.document = document
        self.file = file
        if let value, case .object(let object) = value {
            self.object = object
        } else {
            self.object = JSONObject()
            if let value, value != .null {
                problems.append(
                    SpecProblem(
                        code: "spec.invalid_type", file: file, keyPath: path, line: document.lines[path],
                        message: "expected a mapping, got \(value.typeName)"))
            }
        }
    }

    func keyPath(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

    mutating func problem(_ key: String, _ code: String, _ message: String) {
        let p = keyPath(key)
        problems.append(SpecProblem(code: code, file: file, keyPath: p, line: document.lines[p], message: message))
    }

    mutating func raw(_ key: String) -> JSONValue? {
        used.insert(key)
        guard let value = object[key], value != .null else { return nil }
        return value
    }

    mutating func string(_ key: String) -> String? {
        guard let value = raw(key) else { return nil }
        switch value {
        case .string(let s): return s
        case .int, .double, .bool: return JSONWriter.string(value)
        default:
            problem(key, "spec.invalid_type", "expected a string, got \(value.typeName)")
            return nil
        }
    }

    mutating func int(_ key: String, range: ClosedRange<Int>) -> Int? {
        guard let value = raw(key) else { return nil }
        guard case .int(let i) = value else {
            problem(key, "spec.invalid_type", "expected an integer, got \(value.typeName)")
            return nil
        }
        guard range.contains(i) else {
            problem(key, "spec.out_of_range", "\(i) is outside \(range.lowerBound)...\(range.upperBound)")
            return nil
        }
        return i
    }

    mutating func number(_ key: String) -> Double? {
        guard let value = raw(key) else { return nil }
        guard let d = value.numberValue else {
            problem(key, "spec.invalid_type", "expected a number, got \(value.typeName)")
            return nil
        }
        return d
    }

    mutating func bool(_ key: String) -> Bool? {
        guard let value = raw(key) else { return nil }
        guard case .bool(let b) = value else {
            problem(key, "spec.invalid_type", "expected true or false, got \(value.typeName)")
            return nil
        }
        return b
    }

    mutating func duration(_ key: String) -> Duration? {
        guard let text = string(key) else { return nil }
        guard let d = DurationText.parse(text) else {
            problem(key, "spec.invalid_duration", "'\(text)' is not a duration like 500ms, 30s, 10m or 24h")
            return nil
        }
        return d
    }

    mutating func oneOf<E: RawRepresentable & CaseIterable>(_ key: String, _ type: E.Type) -> E?
    where E.RawValue == String {
        guard let text = string(key) else { return nil }
        guard let e = E(rawValue: text) else {
            let allowed = E.allCases.map(\.rawValue).joined(separator: ", ")
            problem(key, "spec.invalid_value", "'\(text)' is not one of \(allowed)")
            return nil
        }
        return e
    }

    mutating func nested(_ key: String) -> SpecFields {
        var sink: [SpecProblem] = []
        let child = SpecFields(raw(key), path: keyPath(key), document: document, file: file, problems: &sink)
        problems += sink
        return child
    }

    /// Problems for keys nobody asked for: almost always typos.
    mutating func finish() -> [SpecProblem] {
        for key in object.keys where !used.contains(key) {
            let allowed = used.sorted().joined(separator: ", ")
            problem(key, "spec.unknown_key", "unknown key '\(key)' (allowed here: \(allowed))")
        }
        return problems
    }
}
