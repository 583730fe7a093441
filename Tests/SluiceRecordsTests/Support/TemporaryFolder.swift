import Foundation

/// A fresh folder under the system temp dir, removed when `body` returns or throws.
func withTemporaryFolder<R>(_ body: (String) throws -> R) throws -> R {
    let folder = FileManager.default.temporaryDirectory
        .appendingPathComponent("sluice-records-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    return try body(folder)
}

/// Writes `bytes` to `path`.
func writeFile(_ path: String, _ bytes: [UInt8]) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

/// Reads the whole file at `path`.
func readFile(_ path: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
}

/// Names in `folder`, sorted.
func folderEntries(_ folder: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
}

/// Runs a command, feeding `input` on stdin, and returns (exit status, stdout).
func runCommand(_ executable: String, _ arguments: [String], input: [UInt8] = []) throws -> (Int32, [UInt8]) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let stdin = Pipe()
    let stdout = Pipe()
    process.standardInput = stdin
    process.standardOutput = stdout
    try process.run()
    // Write and read on different threads: a large input would otherwise fill both pipes and deadlock.
    let writer = Thread {
        stdin.fileHandleForWriting.write(Data(input))
        try? stdin.fileHandleForWriting.close()
    }
    writer.start()
    let output = stdout.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, [UInt8](output))
}

/// `bytes` compressed by the system's gzip command (an independent encoder).
func systemGzip(_ bytes: [UInt8]) throws -> [UInt8] {
    let (status, output) = try runCommand("/usr/bin/gzip", ["-c", "-n"], input: bytes)
    precondition(status == 0, "gzip failed")
    return output
}
