import Foundation
import SluiceJSON

/// A model's list prices in US dollars per 1 million tokens, realtime and batch.
public struct ModelPrice: Sendable, Equatable {
    /// Price of one million tokens, one way.
    public struct Rates: Sendable, Equatable {
        public var input: Double
        public var output: Double

        public init(input: Double, output: Double) {
            self.input = input
            self.output = output
        }

        /// The cost in USD of `input` and `output` tokens at these rates.
        public func cost(input inputTokens: Int, output outputTokens: Int) -> Double {
            (Double(inputTokens) * input + Double(outputTokens) * output) / 1_000_000
        }
    }

    public var realtime: Rates
    public var batch: Rates

    public init(realtime: Rates, batch: Rates) {
        self.realtime = realtime
        self.batch = batch
    }
}

/// `pipelines/prices.yaml`: list prices per model, shipped with Sluice and edited by its users.
public struct PriceTable: Sendable {
    /// The file's name inside `pipelines/`.
    public static let fileName = "prices.yaml"

    /// The date the prices were taken (`as_of:`), as written.
    public var asOf: String
    /// Prices by model name.
    public var models: [String: ModelPrice]

    public init(asOf: String, models: [String: ModelPrice]) {
        self.asOf = asOf
        self.models = models
    }

    /// The price of `model`: its exact name, else the name without a trailing snapshot date
    /// (`-2024-07-18` or `-20250514`); nil when neither is listed.
    public func price(for model: String) -> ModelPrice? {
        if let price = models[model] { return price }
        return Self.undated(model).flatMap { models[$0] }
    }

    /// `model` without a trailing `-YYYY-MM-DD` or `-YYYYMMDD`; nil when it has none.
    static func undated(_ model: String) -> String? {
        let parts = model.split(separator: "-", omittingEmptySubsequences: false)
        func digits(_ s: Substring, _ n: Int) -> Bool {
            s.count == n && s.allSatisfy(\.isASCII) && s.allSatisfy(\.isNumber)
        }
        if parts.count > 3, digits(parts[parts.count - 3], 4), digits(parts[parts.count - 2], 2),
            digits(parts[parts.count - 1], 2)
        {
            return parts.dropLast(3).joined(separator: "-")
        }
        if parts.count > 1, digits(parts[parts.count - 1], 8) {
            return parts.dropLast().joined(separator: "-")
        }
        return nil
    }

    /// Loads the table at `path`; throws a `SpecError` naming file, line and key of every bad entry.
    public static func load(path: String) throws(SpecError) -> PriceTable {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SpecError(problems: [
                SpecProblem(
                    code: "prices.unreadable",
                    file: path,
                    keyPath: "",
                    message: "cannot read the price table"
                )
            ])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw SpecError(problems: [
                SpecProblem(
                    code: "prices.invalid_utf8",
                    file: path,
                    keyPath: "",
                    message: "the file is not UTF-8"
                )
            ])
        }
        return try parse(yaml: text, file: path)
    }

    /// Parses price table text; `file` names the source in problems.
    public static func parse(yaml: String, file: String) throws(SpecError) -> PriceTable {
        let document: YAMLDocument
        do {
            document = try YAMLDocument(yaml: yaml)
        } catch {
            throw SpecError(problems: [
                SpecProblem(
                    code: "prices.invalid_yaml",
                    file: file,
                    keyPath: "",
                    line: error.line,
                    message: error.message
                )
            ])
        }
        var problems: [SpecProblem] = []
        var top = SpecFields(
            document.root,
            path: "",
            document: document,
            file: file,
            problems: &problems
        )
        let asOf = top.string("as_of")
        if asOf == nil {
            top.problem(
                "as_of",
                "prices.missing_key",
                "'as_of' (the date the prices were taken) is required"
            )
        }
        var models: [String: ModelPrice] = [:]
        if top.object["models"] == nil {
            top.problem("models", "prices.missing_key", "'models' is required")
        }
        var modelFields = top.nested("models")
        for name in modelFields.object.keys.sorted() {
            var entry = modelFields.nested(name)
            let realtime = rates(&entry, "realtime")
            let batch = rates(&entry, "batch")
            modelFields.problems += entry.finish()
            if let realtime, let batch { models[name] = ModelPrice(realtime: realtime, batch: batch) }
        }
        top.problems += modelFields.finish()
        problems += top.finish()
        guard problems.isEmpty, let asOf else { throw SpecError(problems: problems) }
        return PriceTable(asOf: asOf, models: models)
    }

    /// The `input`/`output` rates under `key`, each required and not negative.
    private static func rates(_ entry: inout SpecFields, _ key: String) -> ModelPrice.Rates? {
        guard entry.object[key] != nil else {
            missing(&entry, key, "'\(key)' ({input: USD, output: USD} per 1M tokens) is required")
            return nil
        }
        var fields = entry.nested(key)
        var values: [Double] = []
        for side in ["input", "output"] {
            if fields.object[side] == nil {
                missing(&fields, side, "'\(side)' (USD per 1M tokens) is required")
            } else if let value = fields.number(side) {
                if value < 0 {
                    fields.problem(side, "prices.out_of_range", "must not be negative")
                } else {
                    values.append(value)
                }
            }
        }
        entry.problems += fields.finish()
        return values.count == 2 ? ModelPrice.Rates(input: values[0], output: values[1]) : nil
    }

    /// A missing key has no line of its own: the problem points at the mapping that lacks it.
    private static func missing(_ fields: inout SpecFields, _ key: String, _ message: String) {
        fields.problems.append(
            SpecProblem(
                code: "prices.missing_key", file: fields.file, keyPath: fields.keyPath(key),
                line: fields.document.lines[fields.path], message: message))
    }
}
