/// The record format of a dropped file, from its name with any `.gz` removed (gzip itself is sniffed).
public enum DropFormat: String, Sendable, Codable {
    case csv, jsonl

    /// The format named by `fileName`'s extension, or nil when Sluice does not read it.
    public static func infer(fileName: String) -> DropFormat? {
        var name = fileName.lowercased()
        if name.hasSuffix(".gz") { name.removeLast(3) }
        if name.hasSuffix(".csv") { return .csv }
        if name.hasSuffix(".jsonl") || name.hasSuffix(".ndjson") { return .jsonl }
        return nil
    }

    /// The file name without `.gz` and the format extension: `tickets.csv.gz` gives `tickets`.
    public static func stem(of fileName: String) -> String {
        var name = fileName
        if name.lowercased().hasSuffix(".gz") { name.removeLast(3) }
        for ext in [".csv", ".jsonl", ".ndjson"] where name.lowercased().hasSuffix(ext) {
            name.removeLast(ext.count)
            break
        }
        return name
    }

    /// The enriched output's extension (without `.gz`).
    public var fileExtension: String { rawValue }
}
