import SluiceJSON

/// Where one row ends at assembly: the enriched file with its output, or the failures file.
enum RowFate: Equatable {
    case enriched(JSONValue)
    /// Enriched with an answer still as the compact JSON text its outcome file holds: rendered into cells
    /// without building its value (`OutputColumns.appendCSV(answer:)`), parsed only where a value is needed.
    case answered([UInt8])
    case failed(RowFailure, attempts: Int, raw: String?)

    /// Whether the row goes to the enriched file.
    var isEnriched: Bool {
        if case .failed = self { return false }
        return true
    }

    /// The fate as one JSON object, for `HeldFates`' spill file.
    func json(row: Int) throws -> JSONValue {
        switch self {
        case .enriched(let output):
            return ["output": output]
        case .answered(let text):
            return ["output": try Self.parse(text, row: row)]
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

    /// The value of an answer's text from `row`'s outcome line.
    static func parse(_ text: [UInt8], row: Int) throws(OutcomeFileError) -> JSONValue {
        do {
            return try JSONParser.parse(text)
        } catch {
            throw OutcomeFileError(message: "outcome for row \(row) is not JSON: \(error)")
        }
    }
}
