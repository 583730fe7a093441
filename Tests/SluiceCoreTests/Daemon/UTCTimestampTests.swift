import Foundation
import Testing

@testable import SluiceCore

/// The fast timestamp of `sluice status --json` against `ISO8601DateFormatter`, which it replaces.
@Suite struct UTCTimestampTests {
    @Test func matchesTheFormatterOnRandomDates() {
        var random = SeededGenerator(state: 8)
        let formatter = ISO8601DateFormatter()
        for _ in 0..<5_000 {
            // 1900 to 2200, with fractions of a second (the formatter drops them).
            let seconds = Double.random(in: -2_208_988_800...7_258_118_400, using: &random)
            let date = Date(timeIntervalSince1970: seconds)
            #expect(UTCTimestamp.string(from: date) == formatter.string(from: date), "at \(seconds)")
        }
    }

    @Test func matchesTheFormatterAtEdges() {
        let formatter = ISO8601DateFormatter()
        for seconds in [0, -0.5, 0.999, 951_782_400, 1_709_164_799.9, 253_402_300_799, -2_208_988_800, -2_208_988_801, -62_135_596_800] as [Double] {
            let date = Date(timeIntervalSince1970: seconds)
            #expect(UTCTimestamp.string(from: date) == formatter.string(from: date), "at \(seconds)")
        }
    }
}
