import Foundation
import Synchronization
import SluiceCore

/// `sluice process`'s progress on stderr: one line redrawn in place on a terminal (at most 5 times a second,
/// fitted to its width), or plain lines, one per phase and one every 10 s while the provider works.
final class ProgressDisplay: Sendable {
    enum Style: Equatable {
        case bar
        case plain
        case none
    }

    /// How often the bar is redrawn: often enough for the clock to tick, rarely enough not to flicker.
    static let redraw = Duration.milliseconds(200)
    /// How often a plain line repeats while nothing but the counts changes.
    static let plainEvery = 10.0

    let style: Style
    private let origin = ContinuousClock.now
    private let state: Mutex<State>

    private struct State {
        var tracker: DropProgressTracker
        var drawn = ""
        var plainAt = -Double.infinity
    }

    init(name: String, mode: ProgressMode, sourcePath: String) {
        switch mode {
        case .auto: style = Terminal.isTerminal(STDERR_FILENO) ? .bar : .plain
        case .bar: style = .bar
        case .plain: style = .plain
        case .none: style = .none
        }
        state = Mutex(State(tracker: DropProgressTracker(name: name, plainSourceBytes: Self.plainBytes(sourcePath))))
    }

    private var now: Double {
        let c = (ContinuousClock.now - origin).components
        return Double(c.seconds) + Double(c.attoseconds) / 1e18
    }

    /// Takes in an engine event (from any thread). Plain lines go out at once; the bar waits for its tick.
    func update(_ event: DropProgress) {
        guard style != .none else { return }
        let now = self.now
        let out: String? = state.withLock { s in
            let moved = s.tracker.apply(event, at: now)
            switch event {
            case .held(let reason):
                return style == .bar ? Terminal.clearLine + reason + "\n" + s.drawn : reason + "\n"
            case .chained(let path, let rows):
                let text = "\(s.tracker.name): \(rows) row(s) dropped into \(path)"
                return style == .bar ? Terminal.clearLine + text + "\n" + s.drawn : text + "\n"
            default:
                guard style == .plain, moved else { return nil }
                s.plainAt = now
                return s.tracker.frame(now: now).plain + "\n"
            }
        }
        if let out { Terminal.write(out, to: STDERR_FILENO) }
    }

    /// Runs `body` with the display ticking beside it, and draws the last frame when it returns.
    func showing<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        guard style != .none else { return try await body() }
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.tick() }
            // Ended either way: an error message must not land on the end of the bar's line.
            defer {
                group.cancelAll()
                finish()
            }
            return try await body()
        }
    }

    private func tick() async throws {
        while true {
            draw()
            try await Task.sleep(for: Self.redraw)
        }
    }

    private func draw() {
        let now = self.now
        let out: String? = state.withLock { s in
            let frame = s.tracker.frame(now: now)
            switch style {
            case .bar:
                let line = frame.line(width: Terminal.columns(STDERR_FILENO))
                guard line != s.drawn else { return nil }
                s.drawn = line
                return Terminal.clearLine + line
            case .plain:
                // Waiting on a provider can take hours: a line now and then says the command is alive.
                let phases: [ProgressFrame.Phase] = [.staging, .waiting]
                guard phases.contains(frame.phase), now - s.plainAt >= Self.plainEvery else { return nil }
                s.plainAt = now
                return frame.plain + "\n"
            case .none:
                return nil
            }
        }
        if let out { Terminal.write(out, to: STDERR_FILENO) }
    }

    /// Redraws the bar a last time and ends its line, so what follows starts on a fresh one.
    private func finish() {
        let now = self.now
        let out: String = state.withLock { s in
            let frame = s.tracker.frame(now: now)
            // Plain mode said the last phase when it began.
            guard style == .bar else { return "" }
            return Terminal.clearLine + frame.line(width: Terminal.columns(STDERR_FILENO)) + "\n"
        }
        if !out.isEmpty { Terminal.write(out, to: STDERR_FILENO) }
    }

    /// The size of a source read as stored (its bytes are the ones staging counts); nil for gzip.
    private static func plainBytes(_ path: String) -> Int64? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        let magic = (try? handle.read(upToCount: 2)) ?? Data()
        if magic == Data([0x1F, 0x8B]) { return nil }
        return (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value
    }
}
