import SluiceJSON

/// Where one row ends at assembly: the enriched file with its output, or the failures file.
enum RowFate: Equatable {
    case enriched(JSONValue)
    case failed(RowFailure, attempts: Int, raw: String?)

    /// The fate as one JSON object, for `HeldFates`' spill file.
    var json: JSONValue {
        switch self {
        case .enriched(let output):
            return ["output": output]
        case .failed(let failure, let attempts, let raw):
            var object: JSONObject = ["error": failure.json, "attempts": .int(attempts)]
            if let raw { object["raw"] = .string(raw) }
            return .object(object)
        }
    }

    /// Reads the object written by `json`.
    init?(json: JSONValue) {
        if let output = json["output"] {
            self = .enriched(output)
        } else if let error = json["error"], let failure = RowFailure(json: error),
            case .int(let attempts)? = json["attempts"]
        {
            self = .failed(failure, attempts: attempts, raw: json["raw"]?.stringValue)
        } else {
            return nil
        }
    }
}
