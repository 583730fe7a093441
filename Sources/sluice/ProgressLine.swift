import Foundation
import Synchronization
import SluiceCore

/// One status line on stderr: redrawn in place on a terminal, a line per stage otherwise.
final class ProgressLine: Sendable {
    private let name: String
    private let enabled: Bool
    private let terminal: Bool
    private let state = Mutex<(last: String, lastDraw: ContinuousClock.Instant?)>(("", nil))

    init(name: String, enabled: Bool) {
        self.name = name
        self.enabled = enabled
        terminal = isatty(STDERR_FILENO) == 1
    }

    func update(_ progress: DropProgress) {
        guard enabled else { return }
        let text: String
        var important = true
        switch progress {
        case .staging(let rows):
            text = "staging: \(rows) rows read"
            important = false
        case .staged(let rows, let chunks, let failed):
            text = "staged \(rows) rows into \(chunks) chunk(s)" + (failed > 0 ? ", \(failed) rows failed" : "")
        case .held:
            text = "held for approval (over budget): nothing sent"
        case .submitted(let chunk, let count, let id):
            text = "submitted chunk \(chunk)/\(count) as \(id)"
        case .polled(let batches):
            let done = batches.filter(\.state.isTerminal).count
            let requests = batches.reduce(0) { $0 + $1.succeeded + $1.failed }
            let total = batches.reduce(0) { $0 + $1.total }
            text = "batches: \(done)/\(batches.count) finished, \(requests)/\(total) requests done"
            important = false
        case .assembling:
            text = "writing outputs"
        case .written:
            text = "manifest written"
        case .chained(let path, let rows):
            text = "\(rows) row(s) dropped into \(path)"
        }
        draw(text, important: important)
    }

    private func draw(_ text: String, important: Bool) {
        let now = ContinuousClock.now
        let line = "\(name): \(text)"
        let shouldDraw = state.withLock { s -> Bool in
            if s.last == line { return false }
            if !important, !terminal, let last = s.lastDraw, now - last < .seconds(5) { return false }
            s = (line, now)
            return true
        }
        guard shouldDraw else { return }
        if terminal {
            FileHandle.standardError.write(Data("\r\u{1B}[K\(line)".utf8))
        } else {
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }

    func finish() {
        if enabled && terminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
