import Foundation

/// Runs `body` with a fresh folder that is removed afterwards, on every path out.
public func withTemporaryDirectory<T>(
    _ prefix: String = "sluice-test", _ body: (String) async throws -> T
) async rethrows -> T {
    let path = NSTemporaryDirectory() + "/" + prefix + "-" + UUID().uuidString
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}

/// Writes `text` to `path`, creating parent folders.
public func writeFile(_ path: String, _ text: String) throws {
    try writeFile(path, Array(text.utf8))
}

/// Writes `bytes` to `path`, creating parent folders.
public func writeFile(_ path: String, _ bytes: [UInt8]) throws {
    let url = URL(fileURLWithPath: path)
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(bytes).write(to: url)
}

/// The lines of a text file, without terminators (empty trailing line dropped).
public func readLines(_ path: String) throws -> [String] {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    var lines = text.components(separatedBy: "\n")
    if lines.last == "" { lines.removeLast() }
    return lines
}
