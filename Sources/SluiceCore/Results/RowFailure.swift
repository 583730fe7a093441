import SluiceJSON

/// Why a row did not make it into the enriched file: the `error` object of a failures.jsonl line.
public struct RowFailure: Sendable, Equatable, Error {
    /// Coarse class, one of `input`, `permanent`, `transient`, `schema`, `budget` (DESIGN.md).
    public var category: Category
    /// Finer, stable code, e.g. `schema.enum`, `records.csv_ragged`, `provider.model_not_found`.
    public var code: String
    public var message: String
    /// JSON pointer into the output for schema failures.
    public var path: String?
    /// The cross-provider kind, which decides whether a retry round sends the row again.
    public var kind: FailureKind


    /// The failure classes of the outbox contract.
    public enum Category: String, Sendable, Codable {
        case input, permanent, transient, schema, budget
    }

    /// A failure whose kind follows from its code, unless `kind` says otherwise (e.g. an HTTP status).
    public init(category: Category, code: String, message: String, path: String? = nil, kind: FailureKind? = nil) {
        self.category = category
        self.code = code
        self.message = message
        self.path = path
        self.kind = kind ?? FailureKind.of(code: code, category: category)
    }

    /// The `error` object as written to failures.jsonl.
    public var json: JSONValue {
        var object: JSONObject = [
            "category": .string(category.rawValue), "kind": .string(kind.rawValue), "code": .string(code),
            "message": .string(message),
        ]
        if let path { object["path"] = .string(path) }
        return .object(object)
    }

    /// Reads the object written by `json`.
    public init?(json: JSONValue) {
        guard let category = json["category"]?.stringValue.flatMap(Category.init(rawValue:)),
            let code = json["code"]?.stringValue, let message = json["message"]?.stringValue
        else { return nil }
        self.init(
            category: category, code: code, message: message, path: json["path"]?.stringValue,
            kind: json["kind"]?.stringValue.flatMap(FailureKind.init(rawValue:)))
    }
}
