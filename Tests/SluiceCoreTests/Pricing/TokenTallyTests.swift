import SluiceJSON
import Testing

@testable import SluiceCore

/// The byte-level count (`TokenTally`) against the straightforward one it replaced, on random texts.
///
/// The tally weighs feature counts at the end, the straightforward count each run as it ends: the same terms
/// summed in another order, so they agree to rounding, not to the bit.
@Suite struct TokenTallyTests {
    static func same(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-9 * max(1, abs(b)) }

    /// The count as it was first written: an array of scalars, classified, walked run by run.
    static func straightforward(_ text: String) -> Double {
        enum Class: Equatable { case asciiLetter, latinLetter, digit, space, punctuation, cjk, cyrillic, other }
        func classify(_ scalar: Unicode.Scalar) -> Class {
            let v = scalar.value
            if v < 0x80 {
                switch v {
                case 0x41...0x5A, 0x61...0x7A: return .asciiLetter
                case 0x30...0x39: return .digit
                case 0x20, 0x09, 0x0A, 0x0D: return .space
                default: return .punctuation
                }
            }
            switch v {
            case 0x3000...0x30FF, 0x4E00...0x9FFF, 0xAC00...0xD7AF, 0xFF00...0xFFEF: return .cjk
            case 0x80...0x24F: return scalar.properties.isAlphabetic ? .latinLetter : .other
            case 0x370...0x52F: return .cyrillic
            default: return .other
            }
        }
        typealias E = TokenEstimator
        let scalars = Array(text.unicodeScalars)
        var total = 0.0
        var i = 0
        while i < scalars.count {
            let kind = classify(scalars[i])
            var j = i + 1
            switch kind {
            case .asciiLetter, .latinLetter:
                var extended = kind == .latinLetter ? 1 : 0
                while j < scalars.count {
                    let next = classify(scalars[j])
                    guard next == .asciiLetter || next == .latinLetter else { break }
                    if next == .latinLetter { extended += 1 }
                    j += 1
                }
                total += E.perWord + E.perWordCharacter * Double(j - i) + E.perExtendedLatinLetter * Double(extended)
            case .cyrillic:
                while j < scalars.count, classify(scalars[j]) == .cyrillic { j += 1 }
                total += E.perCyrillicWord + E.perCyrillicLetter * Double(j - i)
            case .digit:
                while j < scalars.count, classify(scalars[j]) == .digit { j += 1 }
                total += E.perDigitGroup * Double((j - i + 2) / 3)
            case .space:
                var newline = scalars[i] == "\n"
                while j < scalars.count, classify(scalars[j]) == .space {
                    if scalars[j] == "\n" { newline = true }
                    j += 1
                }
                if newline { total += E.perNewlineRun } else if j - i > 1 { total += E.perSpaceRun }
            case .punctuation: total += E.perPunctuation
            case .cjk: total += E.perCJK
            case .other: total += E.perOtherByte * Double(String(scalars[i]).utf8.count)
            }
            i = j
        }
        return total
    }

    /// Pieces from every character class, and the borders between them (letters next to Latin-1 letters,
    /// `©` which is Latin-1 but not a letter, space runs with and without newlines, control characters).
    private let pieces = [
        "a", "Refund", "x", " ", "  ", "\n", "\t", "\r\n", " \n ", "1", "12", "1234567", "é", "Grüße", "©", "ß",
        "ǅ", "日本", "ア", "한", "！", "привет", "Ω", "ӿ", "😞", "👍🏽", "\u{0}", "\u{1F}", "\u{7F}", "\"", "\\", "/",
        "?!", "#", "ن", "\u{200B}", "\u{FFFD}", "ɏ", "ɐ",
    ]

    private func text(_ random: inout SeededGenerator) -> String {
        var s = ""
        for _ in 0..<Int.random(in: 0...40, using: &random) { s += pieces.randomElement(using: &random)! }
        return s
    }

    @Test func utf8CountIsTheStraightforwardCount() {
        var random = SeededGenerator(state: 8)
        for _ in 0..<5_000 {
            let s = text(&random)
            #expect(Self.same(TokenEstimator.tokens(in: s), Self.straightforward(s)), "\(s.debugDescription)")
        }
    }

    @Test func jsonContentCountIsTheCountOfTheUnescapedText() {
        var random = SeededGenerator(state: 9)
        for _ in 0..<5_000 {
            var s = text(&random)
            var escaped: [UInt8] = []
            s.withUTF8 { JSONWriter.escape(UnsafeRawBufferPointer($0), into: &escaped) }
            let count = escaped.withUnsafeBytes { TokenEstimator.tokens(jsonContent: $0) }
            #expect(Self.same(count, Self.straightforward(s)), "\(s.debugDescription)")
        }
    }

    /// Escapes a JSON writer never makes but a JSON string may hold: `\/`, `\u` for any character, pairs.
    @Test func otherEscapesAreReadAsJSONReadsThem() throws {
        let contents = [#"a\/b"#, #"\u0041BC"#, #"caf\u00e9"#, #"\ud83d\ude1e!"#, #"\u65e5\u672c"#, #"x\"y\\z"#]
        for content in contents {
            let decoded = try #require(try JSONParser.parse(Array(("\"" + content + "\"").utf8)).stringValue)
            let count = Array(content.utf8).withUnsafeBytes { TokenEstimator.tokens(jsonContent: $0) }
            #expect(Self.same(count, Self.straightforward(decoded)), "\(content)")
        }
    }

    /// Rendered requests are valid UTF-8; should a damaged byte get through, it counts as one U+FFFD each.
    @Test func damagedBytesCountAsReplacementCharacters() {
        let damaged: [([UInt8], String)] = [
            ([0xFF], "\u{FFFD}"), ([0xC3], "\u{FFFD}"), ([0xE6, 0x97], "\u{FFFD}\u{FFFD}"),
            ([0xED, 0xA0, 0x80], "\u{FFFD}\u{FFFD}\u{FFFD}"), ([0xC0, 0xAF], "\u{FFFD}\u{FFFD}"),
            ([0x61, 0x80, 0x62], "a\u{FFFD}b"), ([0x61, 0xE6, 0x97, 0xA5], "a日"),
        ]
        for (bytes, reading) in damaged {
            let count = bytes.withUnsafeBytes { TokenEstimator.tokens(utf8: $0) }
            #expect(Self.same(count, Self.straightforward(reading)), "\(bytes)")
        }
    }
}

extension TokenTallyTests {
    /// 4,096 random eight-byte words, little-endian, with every byte value put in every lane once: what the
    /// word-at-a-time tests are checked on.
    static func laneWords(seed: UInt64) -> [(bytes: [UInt8], word: UInt64)] {
        var random = SeededGenerator(state: seed)
        return (0..<4_096).map { round in
            var bytes = (0..<8).map { _ in UInt8.random(in: 0...255, using: &random) }
            bytes[round % 8] = UInt8(round / 8 % 256)
            return (bytes, bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self).littleEndian })
        }
    }

    /// The eight-at-a-time letter test against the byte test, on every byte value in every lane.
    @Test func wordTestMatchesTheByteTest() {
        for (bytes, word) in Self.laneWords(seed: 10) {
            let mask = TokenTally.notLetters(word)
            for lane in 0..<8 {
                let flagged = (mask >> UInt64(lane * 8 + 7)) & 1 == 1
                #expect(flagged == !TokenTally.isLetter(bytes[lane]), "byte \(bytes[lane]) in lane \(lane)")
            }
        }
    }
}
