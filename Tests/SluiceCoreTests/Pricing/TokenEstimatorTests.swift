import Testing

@testable import SluiceCore

@Suite struct TokenEstimatorTests {
    /// tiktoken's cl100k_base counts of these texts (computed once with tiktoken 0.14.0).
    static let references: [(String, String, Int)] = [
        (
            "english",
            "I ordered a replacement charger on Monday, and the tracking page still says \"label created\". Could you please check what happened to order 48213 and tell me when it will ship? Thanks in advance.",
            41
        ),
        (
            "german",
            "Meine Bestellung ist seit zwei Wochen nicht angekommen. Die Rechnung enthält keine Mehrwertsteuer, und der Kundendienst hat sich nie zurückgemeldet, obwohl ich dreimal angerufen habe.",
            48
        ),
        (
            "japanese",
            "注文した商品がまだ届いていません。追跡番号を教えていただけますか？三回電話しましたが、誰からも返事がありません。迅速なご対応をお願いいたします。",
            73
        ),
        (
            "russian",
            "Мой заказ до сих пор не пришёл, прошло уже две недели. Приложение вылетает при входе в аккаунт, и мне так и не ответили, хотя я звонил три раза.",
            64
        ),
    ]

    @Test func eachCharacterClassHasItsWeight() {
        func close(_ text: String, _ expected: Double) {
            #expect(abs(TokenEstimator.tokens(in: text) - expected) < 1e-9, "\(text.debugDescription)")
        }
        let word = { (letters: Double) in
            TokenEstimator.perWord + TokenEstimator.perWordCharacter * letters
        }
        close("", 0)
        close("hello world", word(5) * 2)  // a single space joins the next word
        close("hello  world", word(5) * 2 + TokenEstimator.perSpaceRun)
        close("a\n\nb", word(1) * 2 + TokenEstimator.perNewlineRun)
        close("12345", TokenEstimator.perDigitGroup * 2)  // digits go in groups of three
        close("Grüße", word(5) + TokenEstimator.perExtendedLatinLetter * 2)
        close("日本語", TokenEstimator.perCJK * 3)
        close("привет", TokenEstimator.perCyrillicWord + TokenEstimator.perCyrillicLetter * 6)
        close("?!", TokenEstimator.perPunctuation * 2)
        close("😞", TokenEstimator.perOtherByte * 4)
    }

    @Test func chatRequestsAddOpenAIsMessageOverhead() {
        let messages = ["You label tickets.", "Subject: refund"]
        let text = messages.map { TokenEstimator.tokens(in: $0) }.reduce(0, +)
        #expect(TokenEstimator.chatTokens(messages: messages) == text + 3 * 2 + 3)
    }

    /// A single short text is further off than a whole file (the conformance test holds files to ±10%).
    @Test(arguments: references) func paragraphsAreNearTiktoken(_ reference: (String, String, Int)) {
        let estimate = TokenEstimator.tokens(in: reference.1)
        let ratio = estimate / Double(reference.2)
        #expect(ratio > 0.8 && ratio < 1.25, "\(reference.0): \(estimate) vs \(reference.2)")
    }
}
