import SluiceJSON
import SluiceRecords

/// The columns (CSV) or keys (JSONL) a pipeline adds to each enriched row.
public struct OutputColumns: Sendable {
    /// Output property names without prefix; nil `property` means the whole output value.
    public let names: [String]
    let properties: [String?]

    /// The columns for `spec`: one per top-level schema property, else a single `content`, `embedding` or `output`.
    public init(spec: PipelineSpec) {
        let prefix = spec.output.prefix
        if let properties = spec.output.wireSchema?["properties"]?.objectValue, properties.count > 0 {
            names = properties.keys.map { prefix + $0 }
            self.properties = properties.keys.map { Optional($0) }
        } else {
            let single = spec.endpoint == .embeddings ? "embedding" : (spec.output.wireSchema == nil ? "content" : "output")
            names = [prefix + single]
            properties = [nil]
        }
    }

    /// Columns named `prefix` + property, one per entry of `properties` (nil: the whole output value).
    init(prefix: String, properties: [String?], single: String = "output") {
        names = properties.map { prefix + ($0 ?? single) }
        self.properties = properties
    }

    /// The value of column `i` in an output.
    func value(_ i: Int, of output: JSONValue) -> JSONValue {
        guard let property = properties[i] else { return output }
        return output[property] ?? .null
    }

    /// Appends the output's cells to a CSV record (each preceded by a comma).
    func appendCSV(_ output: JSONValue, to out: inout [UInt8]) {
        for i in names.indices {
            out.append(UInt8(ascii: ","))
            switch value(i, of: output) {
            case .null: break
            case .string(let s): CSVFormat.appendField(s, to: &out)
            case let other: CSVFormat.appendField(JSONWriter.string(other), to: &out)
            }
        }
    }

    /// Appends `,"key":value` members for a JSONL object.
    func appendJSONMembers(_ output: JSONValue, leadingComma: Bool, to out: inout [UInt8]) {
        for i in names.indices {
            if leadingComma || i > 0 { out.append(UInt8(ascii: ",")) }
            JSONWriter.writeString(names[i], into: &out)
            out.append(UInt8(ascii: ":"))
            JSONWriter.write(value(i, of: output), into: &out)
        }
    }
}
