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

    /// The estimated token count of `text` (no message overhead).
    public static func tokens(in text: String) -> Double {
        var text = text
        return text.withUTF8 { tokens(utf8: UnsafeRawBufferPointer($0)) }
    }

    /// Input tokens of one chat request: every message's text plus OpenAI's per-message and per-request overhead.
    public static func chatTokens(messages: [String]) -> Double {
        messages.reduce(Double(tokensPerRequest)) { $0 + tokens(in: $1) + Double(tokensPerMessage) }
    }
}
