import Foundation
import Testing

@testable import SluiceJSON

/// `JSONParser`'s escaped-string path (runs between escapes copied whole) against the straightforward
/// definition on random strings: what `JSONWriter` escapes parses back to the same string, with the escapes
/// written either way (`\"` or `\u0022`), and a raw control character is still refused at its offset.
@Suite struct JSONStringRunTests {
    @Test func escapedStringsParseBackOnRandomInputs() throws {
        var random = SeededGenerator(state: 0x5EED_0014)
        let pieces = ["a", "bc", "\"", "\\", "\n", "\t", "\u{1}", "é", "日本", "😀", " ", "{\"k\": 1}", "/"]
        for i in 0..<20_000 {
            let string = (0..<Int.random(in: 0..<12, using: &random)).map { _ in pieces.randomElement(using: &random)! }
                .joined()
            var text: [UInt8] = []
            JSONWriter.writeString(string, into: &text)
            if Bool.random(using: &random), !string.contains("\\") {
                // The same string with its quotes escaped as \u0022: other escapes, the same value.
                text = Array(String(decoding: text, as: UTF8.self).replacingOccurrences(of: "\\\"", with: "\\u0022").utf8)
            }
            #expect(try JSONParser.parse(text) == .string(string), "case \(i): \(string.debugDescription)")
        }
    }

    @Test func aRawControlCharacterAfterAnEscapeIsRefusedWhereItIs() {
        let text = Array("\"ab\\ncd\u{1}e\"".utf8)
        do {
            _ = try JSONParser.parse(text)
            Issue.record("accepted a raw control character")
        } catch {
            #expect(error.code == "json.control_character")
            #expect(error.offset == 7)
        }
    }
}
