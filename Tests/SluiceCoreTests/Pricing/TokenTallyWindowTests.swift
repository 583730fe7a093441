import SluiceJSON
import Testing

@testable import SluiceCore

/// The eight-bytes-at-a-time count (`TokenTally.add(window:lanes:)`) against the tally fed one scalar at a
/// time, on random short texts of every ASCII class, so that every kind of run starts, ends and crosses a
/// window at every lane. The two make the same integer counts, so their figures are equal to the bit.
@Suite struct TokenTallyWindowTests {
    /// The tally fed scalar by scalar (`add(_:)` only: no window).
    static func byScalar(_ text: String) -> Double {
        var tally = TokenTally()
        for scalar in text.unicodeScalars { tally.add(scalar.value) }
        return tally.finish()
    }

    /// Letters weigh most (words), then digits (groups of three), spaces (runs of one, two, three),
    /// punctuation, and what the window hands to the byte path: controls, newlines, tabs, backslashes,
    /// quotes (escaped in JSON), non-ASCII letters and others.
    private static let classes: [[Character]] = [
        Array("abcxyzABCXYZ"), Array("abcdefghijklmnopqrstuvwxyz"), Array("0123456789"), [" "], [" "],
        Array(".,;:!?'()-_/@#$%&*+=<>[]{}|~^`\u{7F}"), ["\n", "\t", "\r", "\u{1}", "\u{1F}"], ["\\", "\""],
        ["é", "ß", "Ω", "日", "😞", "©"],
    ]

    private static func text(_ random: inout SeededGenerator) -> String {
        var s = ""
        let length = Int.random(in: 0...40, using: &random)
        while s.unicodeScalars.count < length {
            // Runs of one class, one to nine long, so that runs of every length cross every lane.
            let chosen = classes.randomElement(using: &random)!
            for _ in 0..<Int.random(in: 1...9, using: &random) { s.append(chosen.randomElement(using: &random)!) }
        }
        return s
    }

    @Test func utf8WindowCountIsTheScalarCount() {
        var random = SeededGenerator(state: 81)
        for _ in 0..<20_000 {
            let s = Self.text(&random)
            let count = TokenEstimator.tokens(in: s)
            #expect(count == Self.byScalar(s), "\(s.debugDescription)")
            #expect(TokenTallyTests.same(count, TokenTallyTests.straightforward(s)), "\(s.debugDescription)")
        }
    }

    @Test func jsonWindowCountIsTheScalarCount() {
        var random = SeededGenerator(state: 82)
        for _ in 0..<20_000 {
            var s = Self.text(&random)
            var escaped: [UInt8] = []
            s.withUTF8 { JSONWriter.escape(UnsafeRawBufferPointer($0), into: &escaped) }
            let count = escaped.withUnsafeBytes { TokenEstimator.tokens(jsonContent: $0) }
            #expect(count == Self.byScalar(s), "\(s.debugDescription)")
        }
    }

    /// The classifier's masks against byte tests, for every byte value in every lane.
    @Test func unusualBytesAreTheOnesTheWindowCannotTake() {
        for (bytes, word) in TokenTallyTests.laneWords(seed: 83) {
            for json in [false, true] {
                let mask = TokenTally.unusual(word, json: json)
                for lane in 0..<8 {
                    let b = bytes[lane]
                    let flagged = (mask >> UInt64(lane * 8 + 7)) & 1 == 1
                    #expect(flagged == (b >= 0x80 || b < 0x20 || (json && b == 0x5C)), "byte \(b) lane \(lane)")
                }
            }
        }
    }
}
