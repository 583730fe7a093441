import SluiceJSON

/// Where a pipeline's enriched rows go next (`then:`): the inbox of another pipeline, all rows or those a
/// filter keeps.
public struct ChainSpec: Sendable, Equatable {
    /// The pipeline whose inbox receives the chained file.
    public var pipeline: String
    /// Which enriched rows go on; nil: every one.
    public var filter: RowFilter?

    public init(pipeline: String, filter: RowFilter? = nil) {
        self.pipeline = pipeline
        self.filter = filter
    }
}

/// One test on one output field of an enriched row (`then.where`).
///
/// A mapping rather than an expression string: YAML already types the operand (4 is a number, "4" a string),
/// there is nothing to parse or inject, and every mistake has a key path to point at. The field is the output
/// property without the column prefix (`urgency`, not `ai_urgency`), tested against the validated output, so a
/// CSV file's text cells never have to be read back as numbers.
public struct RowFilter: Sendable, Equatable, CustomStringConvertible {
    /// What the field's value must satisfy.
    public enum Test: Sendable, Equatable {
        case equals(JSONValue)
        case notEquals(JSONValue)
        case oneOf([JSONValue])
        case greaterThan(Double)
        case atLeast(Double)
        case lessThan(Double)
        case atMost(Double)
    }

    /// The spec keys of the tests, in the order `sluice check` lists them.
    public static let operators = ["equals", "not_equals", "in", "gt", "gte", "lt", "lte"]

    /// The output property tested (no prefix).
    public var field: String
    public var test: Test
    /// True when the output has no properties (free text, no schema): the field names the whole output.
    public var wholeOutput: Bool

    public init(field: String, test: Test, wholeOutput: Bool = false) {
        self.field = field
        self.test = test
        self.wholeOutput = wholeOutput
    }

    /// Whether an enriched row whose validated output is `output` goes on. A missing or null field matches
    /// only `not_equals` (it is not equal to anything given); numeric tests need a number.
    public func matches(_ output: JSONValue) -> Bool {
        let value = wholeOutput ? output : (output[field] ?? .null)
        switch test {
        case .equals(let wanted): return value == wanted
        case .notEquals(let unwanted): return value != unwanted
        case .oneOf(let allowed): return allowed.contains(value)
        case .greaterThan(let bound): return value.numberValue.map { $0 > bound } ?? false
        case .atLeast(let bound): return value.numberValue.map { $0 >= bound } ?? false
        case .lessThan(let bound): return value.numberValue.map { $0 < bound } ?? false
        case .atMost(let bound): return value.numberValue.map { $0 <= bound } ?? false
        }
    }

    /// The filter as a reader would write it, e.g. `urgency >= 4` (logs and the manifest's `chained.where`).
    public var description: String {
        let text = { (v: JSONValue) in JSONWriter.string(v) }
        let number = { (d: Double) in JSONWriter.string(Int(exactly: d).map(JSONValue.int) ?? .double(d)) }
        switch test {
        case .equals(let v): return "\(field) == \(text(v))"
        case .notEquals(let v): return "\(field) != \(text(v))"
        case .oneOf(let vs): return "\(field) in [\(vs.map(text).joined(separator: ", "))]"
        case .greaterThan(let d): return "\(field) > \(number(d))"
        case .atLeast(let d): return "\(field) >= \(number(d))"
        case .lessThan(let d): return "\(field) < \(number(d))"
        case .atMost(let d): return "\(field) <= \(number(d))"
        }
    }
}
