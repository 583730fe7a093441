import Foundation
import UnixSignals

/// `sluice status --watch`: the status again every interval until SIGINT or SIGTERM, which end it normally.
///
/// On a terminal the screen is cleared and redrawn like watch(1), the cursor hidden meanwhile and shown again at
/// the end; piped, each block follows a timestamp line; with --json, one object per line (NDJSON).
struct StatusWatch {
    var interval: Duration
    /// The interval as the user wrote it, for the header line.
    var label: String
    var json: Bool

    func run(block: @escaping @Sendable () async throws -> String) async throws {
        let terminal = !json && Terminal.isTerminal(STDOUT_FILENO)
        // Trapped before the first block is shown: a Ctrl-C right after it must not kill the process unhandled.
        let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
        if terminal { Terminal.write(Terminal.hideCursor, to: STDOUT_FILENO) }
        defer { if terminal { Terminal.write(Terminal.showCursor, to: STDOUT_FILENO) } }
        let interval = self.interval
        let json = self.json
        let header = "Every \(label): sluice status"
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await _ in signals { return }
            }
            group.addTask {
                while true {
                    let text = try await block()
                    Terminal.write(Self.frame(text, terminal: terminal, json: json, header: header), to: STDOUT_FILENO)
                    try await Task.sleep(for: interval)
                }
            }
            // The first to end is the signal (or an error reading the status, which is thrown on).
            try await group.next()
            group.cancelAll()
        }
    }

    /// One interval's output.
    static func frame(_ text: String, terminal: Bool, json: Bool, header: String) -> String {
        if json { return text }
        let stamp = ISO8601DateFormatter().string(from: Date())
        if terminal {
            return Terminal.clearScreen + "\(header)    \(stamp)\n\n" + text
        }
        return "--- \(stamp)\n" + text
    }
}
