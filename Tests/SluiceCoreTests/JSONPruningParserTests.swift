import Testing

import SluiceJSON

/// `JSONPruningParser` against `JSONParser` on random texts: the same texts rejected, the same kept values.
@Suite struct JSONPruningParserTests {
    /// A result line's shape: what `OpenAIResultLineParser` keeps.
    static let keep: JSONKeep = .members([
        "custom_id": .all, "error": .all,
        "response": .members([
            "status_code": .all,
            "body": .members(["usage": .all, "choices": .elements(.members(["message": .all, "finish_reason": .all]))]),
        ]),
    ])

    @Test func keepsWhatItNamesAndNothingElse() throws {
        let line = #"{"id":"x","custom_id":"r7","response":{"status_code":200,"request_id":"q","body":{"id":"c","#
            + #""choices":[{"index":0,"message":{"role":"assistant","content":"{\"a\":1}"},"finish_reason":"stop"}],"#
            + #""usage":{"prompt_tokens":3,"completion_tokens":4}}},"error":null}"#
        let value = try Self.pruned(Array(line.utf8))
        #expect(JSONWriter.string(value) == #"{"custom_id":"r7","response":{"status_code":200,"body":{"choices":"#
            + #"[{"message":{"role":"assistant","content":"{\"a\":1}"},"finish_reason":"stop"}],"#
            + #""usage":{"prompt_tokens":3,"completion_tokens":4}}},"error":null}"#)
    }

    @Test func agreesWithJSONParserOnRandomTexts() {
        var random = SeededGenerator(state: 0x5EED_0008)
        var rejected = 0
        for i in 0..<20_000 {
            var text = Array(Self.randomText(&random).utf8)
            if Bool.random(using: &random) { Self.damage(&text, &random) }
            let full = try? text.withUnsafeBytes { try JSONParser.parse(buffer: $0) }
            let pruned = try? Self.pruned(text)
            #expect((full == nil) == (pruned == nil), "case \(i): \(String(decoding: text, as: UTF8.self))")
            guard let full, let pruned else {
                rejected += 1
                continue
            }
            #expect(Self.agree(full, pruned, Self.keep), "case \(i): \(String(decoding: text, as: UTF8.self))")
        }
        // Both kinds of case were drawn in numbers.
        #expect(rejected > 2_000 && rejected < 18_000)
    }

    @Test func rejectsWhatJSONParserRejectsInSkippedParts() {
        let bad = [
            #"{"x":"\ud800","custom_id":"r1"}"#, #"{"x":"\uDC00"}"#, #"{"x":1e999}"#, #"{"x":-}"#, #"{"x":01}"#,
            "{\"x\":\"a\tb\"}", #"{"x":tru}"#, #"{"x":[1,]}"#, #"{"x":{"a" 1}}"#, #"{"x":"\q"}"#, #"{"x":1}x"#,
            String(repeating: "[", count: 600) + String(repeating: "]", count: 600),
        ]
        for text in bad {
            #expect(throws: JSONParseError.self) { try Self.pruned(Array(text.utf8)) }
        }
        for bytes: [UInt8] in [[0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82]] {
            let text = Array(#"{"x":""#.utf8) + bytes + Array(#""}"#.utf8)
            #expect(throws: JSONParseError.self) { try Self.pruned(text) }
        }
    }

    static func pruned(_ text: [UInt8]) throws -> JSONValue {
        try text.withUnsafeBytes { try JSONPruningParser.parse(buffer: $0, keeping: keep) }
    }

    /// Whether every path `keep` names looks up the same value (written byte for byte) in both.
    static func agree(_ full: JSONValue, _ pruned: JSONValue, _ keep: JSONKeep) -> Bool {
        switch (keep, full, pruned) {
        case (.members(let members), .object(let f), .object(let p)):
            guard p.keys.allSatisfy({ members[$0] != nil }) else { return false }
            return members.allSatisfy { name, sub in
                switch (f[name], p[name]) {
                case (nil, nil): return true
                case (let a?, let b?): return agree(a, b, sub)
                default: return false
                }
            }
        case (.elements(let element), .array(let f), .array(let p)):
            return f.count == p.count && zip(f, p).allSatisfy { agree($0, $1, element) }
        default:
            return JSONWriter.string(full) == JSONWriter.string(pruned)
        }
    }

    // MARK: Random texts: result-line-like objects, duplicate and escaped keys, odd numbers and strings

    static let names = [
        "custom_id", "response", "status_code", "body", "choices", "message", "finish_reason", "usage", "error",
        "id", "content", "x", "cust\\u006fm_id", "r\\u00e9ponse",
    ]

    static func randomText(_ random: inout SeededGenerator, depth: Int = 0) -> String {
        let pick = depth > 4 ? Int.random(in: 0..<5, using: &random) : Int.random(in: 0..<8, using: &random)
        let space = [" ", "", "", "\n ", "\t"].randomElement(using: &random)!
        switch pick {
        case 0: return ["null", "true", "false"].randomElement(using: &random)!
        case 1: return randomNumber(&random)
        case 2, 3: return "\"" + randomString(&random) + "\""
        case 4: return "\"" + ["r1", "r22-2", "stop", "length"].randomElement(using: &random)! + "\""
        case 5:
            let n = Int.random(in: 0..<4, using: &random)
            return "[" + (0..<n).map { _ in space + randomText(&random, depth: depth + 1) }.joined(separator: ",") + "]"
        default:
            let n = Int.random(in: 0..<6, using: &random)
            let members = (0..<n).map { _ in
                "\"" + names.randomElement(using: &random)! + "\"" + space + ":" + randomText(&random, depth: depth + 1)
            }
            return "{" + space + members.joined(separator: "," + space) + "}"
        }
    }

    static func randomNumber(_ random: inout SeededGenerator) -> String {
        [
            "0", "-0", "7", "-12", "200", "1.5", "-0.25e3", "1E+2", "3e-7", "9223372036854775807",
            "9223372036854775808", "-9223372036854775809", "123456789012345678", "1234567890123456789",
            "1e308", "1e309", String(repeating: "9", count: 320), "0.0000001",
        ].randomElement(using: &random)!
    }

    static func randomString(_ random: inout SeededGenerator) -> String {
        let pieces = [
            "a", "bc", "é", "日本", "😀", "\\n", "\\\"", "\\\\", "\\/", "\\u00e9", "\\ud83d\\ude00", "\\u0000", "{\\\"k\\\":1}",
            " ", ",", ":", "]", "}",
            // Runs of eight and more plain bytes take the skipper's word-at-a-time path.
            "a plain run of ascii words", "0123456789abcdef",
        ]
        return (0..<Int.random(in: 0..<7, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined()
    }

    /// Breaks a text the ways result lines break: a byte changed, dropped or added, or the line cut short.
    static func damage(_ text: inout [UInt8], _ random: inout SeededGenerator) {
        guard !text.isEmpty else { return }
        let at = Int.random(in: 0..<text.count, using: &random)
        let bytes: [UInt8] = [0x22, 0x5C, 0x7B, 0x7D, 0x5B, 0x5D, 0x2C, 0x3A, 0x31, 0x65, 0x2D, 0x09, 0xC3, 0xA9, 0xED,
            0xFF, 0x75, 0x20]
        switch Int.random(in: 0..<4, using: &random) {
        case 0: text[at] = bytes.randomElement(using: &random)!
        case 1: text.remove(at: at)
        case 2: text.insert(bytes.randomElement(using: &random)!, at: at)
        default: text.removeSubrange(at...)
        }
    }
}
