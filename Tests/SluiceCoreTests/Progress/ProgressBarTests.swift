import Testing

@testable import SluiceCore

/// The bar, durations and the line fitted to a terminal's width.
@Suite struct ProgressBarTests {
    @Test func aBarHasItsWidthAtEveryFraction() {
        #expect(ProgressBar.render(fraction: 0, width: 10) == "░░░░░░░░░░")
        #expect(ProgressBar.render(fraction: 0.5, width: 10) == "█████░░░░░")
        #expect(ProgressBar.render(fraction: 1, width: 10) == "██████████")
        // An eighth block at the edge: 0.55 of 10 cells is 5 cells and 4 eighths.
        #expect(ProgressBar.render(fraction: 0.55, width: 10) == "█████▌░░░░")
        // Not full before the end, clamped outside 0...1, empty while the total is unknown.
        #expect(ProgressBar.render(fraction: 0.999, width: 10).hasSuffix("▉"))
        #expect(ProgressBar.render(fraction: 1.7, width: 4) == "████")
        #expect(ProgressBar.render(fraction: -1, width: 4) == "░░░░")
        #expect(ProgressBar.render(fraction: nil, width: 3) == "░░░")
        #expect(ProgressBar.render(fraction: 0.5, width: 0) == "")
        for width in [1, 2, 7, 33] {
            for step in 0...20 {
                #expect(ProgressBar.render(fraction: Double(step) / 20, width: width).count == width)
            }
        }
    }

    @Test func durationsShowTwoUnitsAtMost() {
        #expect(ProgressDuration.text(0) == "0s")
        #expect(ProgressDuration.text(-3) == "0s")
        #expect(ProgressDuration.text(42.4) == "42s")
        #expect(ProgressDuration.text(59.6) == "1m00s")
        #expect(ProgressDuration.text(185) == "3m05s")
        #expect(ProgressDuration.text(3720) == "1h02m")
        #expect(ProgressDuration.text(2 * 86_400 + 3 * 3600 + 59) == "2d03h")
        #expect(ProgressDuration.text(.infinity) == "0s")
    }

    static let waiting = ProgressFrame(
        name: "tickets.csv", phase: .waiting, fraction: 0.4, counts: "1200/3000 requests", batches: "batches 2/8",
        elapsed: 42, showsETA: true, eta: 63)

    static func cells(_ line: String) -> Int { line.filter { "█░▏▎▍▌▋▊▉".contains($0) }.count }

    @Test func aLineFillsAWideTerminalOneColumnShort() {
        let line = Self.waiting.line(width: 100)
        #expect(line.count == 99)
        #expect(line.hasPrefix("tickets.csv  waiting for provider ███"))
        #expect(line.hasSuffix("░ 40%  1200/3000 requests  batches 2/8  42s  ETA 1m03s"))
        #expect(Self.cells(line) == 12)
        // No wider than 40 cells on a very wide terminal.
        #expect(Self.cells(Self.waiting.line(width: 300)) == 40)
    }

    @Test func narrowTerminalsDropTheNameThenElapsedThenBatchesThenTheBar() {
        let at80 = Self.waiting.line(width: 80)
        #expect(at80 == "waiting for provider ████░░░░░░ 40%  1200/3000 requests  batches 2/8  ETA 1m03s")
        #expect(at80.count == 79)
        let at60 = Self.waiting.line(width: 60)
        #expect(at60.count <= 59 && !at60.contains("batches") && at60.contains("ETA 1m03s") && Self.cells(at60) == 3)
        let at45 = Self.waiting.line(width: 45)
        #expect(at45 == String("waiting for provider  40%  1200/3000 requests  ETA 1m03s".prefix(44)))
        #expect(Self.waiting.line(width: 1) == "w")
    }

    @Test func anUnknownETAIsADashAndPlainLinesHoldNoControlCharacters() {
        var frame = Self.waiting
        frame.eta = nil
        #expect(frame.line(width: 120).hasSuffix("ETA —"))
        #expect(frame.plain == "tickets.csv: waiting for provider: 40%, 1200/3000 requests, batches 2/8, elapsed 42s, ETA —")
        let staging = ProgressFrame(name: "a.csv", phase: .staging, counts: "16384 rows read, 12.5 MB/s", elapsed: 3)
        #expect(staging.plain == "a.csv: staging: 16384 rows read, 12.5 MB/s, elapsed 3s")
        for text in [frame.plain, staging.plain, Self.waiting.line(width: 80)] {
            #expect(!text.unicodeScalars.contains { $0.properties.generalCategory == .control })
        }
    }
}
