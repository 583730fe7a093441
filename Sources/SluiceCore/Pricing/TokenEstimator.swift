/// An approximation of the number of tokens OpenAI's `cl100k_base` encoding gives a text.
///
/// No vocabulary ships with Sluice, so the count is built from character classes: ASCII and Latin words,
/// Latin-1/extended-Latin letters inside them, groups of up to three digits, ASCII punctuation, runs of
/// whitespace, CJK characters, Cyrillic/Greek letters and words, and the UTF-8 bytes of anything else
/// (emoji, other scripts). Its constants were fitted by least squares against tiktoken's `cl100k_base`
/// on support-ticket text in English, German, French, Japanese and Russian and on prose; on such text the
/// total over a file is within a few percent (a single short string can be further off).
public enum TokenEstimator {
    /// How the count is made, as reported by `sluice estimate`.
    public static let method = "approximation"

    /// Tokens OpenAI adds per chat message (role and separators).
    public static let tokensPerMessage = 3
    /// Tokens OpenAI adds once per chat request (the reply's priming).
    public static let tokensPerRequest = 3

    // Fitted weights (tokens per feature).
    static let perWord = 0.4987
    static let perWordCharacter = 0.1832
    static let perExtendedLatinLetter = 1.1158
    static let perDigitGroup = 1.6461
    static let perPunctuation = 0.3461
    static let perNewlineRun = 0.7276
    static let perSpaceRun = 1.2265
    static let perCJK = 0.9992
    static let perCyrillicLetter = 0.5185
    static let perCyrillicWord = 0.1899
    static let perOtherByte = 0.3318

    private enum Class: Equatable {
        case asciiLetter, latinLetter, digit, space, punctuation, cjk, cyrillic, other
    }

    private static func classify(_ scalar: Unicode.Scalar) -> Class {
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

    /// The estimated token count of `text` (no message overhead).
    public static func tokens(in text: String) -> Double {
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
                total +=
                    perWord + perWordCharacter * Double(j - i) + perExtendedLatinLetter * Double(extended)
            case .cyrillic:
                while j < scalars.count, classify(scalars[j]) == .cyrillic { j += 1 }
                total += perCyrillicWord + perCyrillicLetter * Double(j - i)
            case .digit:
                while j < scalars.count, classify(scalars[j]) == .digit { j += 1 }
                total += perDigitGroup * Double((j - i + 2) / 3)
            case .space:
                var newline = scalars[i] == "\n"
                while j < scalars.count, classify(scalars[j]) == .space {
                    if scalars[j] == "\n" { newline = true }
                    j += 1
                }
                if newline { total += perNewlineRun } else if j - i > 1 { total += perSpaceRun }
            case .punctuation: total += perPunctuation
            case .cjk: total += perCJK
            case .other: total += perOtherByte * Double(String(scalars[i]).utf8.count)
            }
            i = j
        }
        return total
    }

    /// Input tokens of one chat request: every message's text plus OpenAI's per-message and per-request overhead.
    public static func chatTokens(messages: [String]) -> Double {
        messages.reduce(Double(tokensPerRequest)) { $0 + tokens(in: $1) + Double(tokensPerMessage) }
    }
}
