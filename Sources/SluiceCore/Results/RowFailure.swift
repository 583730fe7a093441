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

    /// The failure classes of the outbox contract.
    public enum Category: String, Sendable, Codable {
        case input, permanent, transient, schema, budget
    }

    public init(category: Category, code: String, message: String, path: String? = nil) {
        self.category = category
        self.code = code
        self.message = message
        self.path = path
    }

    /// The `error` object as written to failures.jsonl.
    public var json: JSONValue {
        var object: JSONObject = ["category": .string(category.rawValue), "code": .string(code), "message": .string(message)]
        if let path { object["path"] = .string(path) }
        return .object(object)
    }

    /// Reads the object written by `json`.
    public init?(json: JSONValue) {
        guard let category = json["category"]?.stringValue.flatMap(Category.init(rawValue:)),
            let code = json["code"]?.stringValue, let message = json["message"]?.stringValue
        else { return nil }
        self.init(category: category, code: code, message: message, path: json["path"]?.stringValue)
    }
}
