import SluiceJSON
import Testing

/// Parses JSON text written in a test; a malformed literal is a bug in the test.
func json(_ text: String) -> JSONValue {
    do {
        return try JSONParser.parse(text)
    } catch {
        Issue.record("test JSON does not parse: \(error) in \(text)")
        return .null
    }
}

/// Compiles a schema written as JSON text.
func compiled(_ schemaText: String) throws -> JSONSchema {
    try JSONSchema(json(schemaText))
}

/// The violations of `valueText` against `schemaText`, as (code, path, message) triples for exact comparison.
func violations(_ schemaText: String, _ valueText: String) throws -> [[String]] {
    try compiled(schemaText).validate(json(valueText)).map { [$0.code, $0.path, $0.message] }
}

/// The definition problems of `schemaText` as (code, path, message) triples.
func definitionProblems(_ schemaText: String) -> [[String]] {
    JSONSchema.definitionProblems(json(schemaText)).map { [$0.code, $0.path, $0.message] }
}
