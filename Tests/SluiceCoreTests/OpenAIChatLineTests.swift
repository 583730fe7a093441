import SluiceJSON
import Testing

@testable import SluiceCore

/// `OpenAIChatLine` (a result line read on its bytes) against the straightforward way (the line parsed, then
/// interpreted): whenever the fast reader answers, the custom id and the interpretation are the same; when the
/// line is not JSON or belongs to no request, the fast reader declines.
@Suite struct OpenAIChatLineTests {
    let interpreter = OutputInterpreter(spec: try! SpecLoader.parse(yaml: validSpec, name: "t", file: "t.yaml"))

    @Test func readsTheEmulatorsLine() throws {
        let line = #"{"id":"batch_req_1","custom_id":"r7-1","response":{"status_code":200,"request_id":"req_1","#
            + #""body":{"id":"chatcmpl-1","object":"chat.completion","created":1764600000,"model":"gpt-4o-mini","#
            + #""choices":[{"index":0,"message":{"role":"assistant","content":"{\"category\":\"bug\",\"urgency\":9}","#
            + #""refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],"#
            + #""usage":{"prompt_tokens":31,"completion_tokens":12,"total_tokens":43},"system_fingerprint":"fp_1"}},"#
            + #""error":null}"#
        let chat = try #require(Array(line.utf8).withUnsafeBytes { OpenAIChatLine.read($0) })
        #expect(
            chat
                == OpenAIChatLine(
                    customID: "r7-1", content: #"{"category":"bug","urgency":9}"#, refusal: nil, truncated: false,
                    usage: .init(input: 31, output: 12)))
    }

    @Test func interpretsRandomLinesAsTheParseDoes() {
        var random = SeededGenerator(state: 0xC4A7_0001)
        var answered = 0
        var validOnBytes = 0
        for i in 0..<8_000 {
            var line = Array(Self.randomLine(&random).utf8)
            if Int.random(in: 0..<5, using: &random) == 0 { JSONPruningParserTests.damage(&line, &random) }
            let text = String(decoding: line, as: UTF8.self)
            let plain = try? line.withUnsafeBytes { try OpenAIResultLineParser.parse($0) }
            guard let fast = line.withUnsafeBytes({ OpenAIChatLine.read($0) }) else { continue }
            answered += 1
            guard let plain else {
                Issue.record("case \(i): read a line the parser refuses: \(text)")
                continue
            }
            #expect(fast.customID == plain.customID, "case \(i): \(text)")
            let a = interpreter.interpret(chat: fast)
            let b = interpreter.interpret(plain.outcome, line: text)
            #expect(Self.same(a, b), "case \(i): \(text)")
            // The answer validated on its bytes is the interpretation's value, byte for byte.
            var answer: [UInt8] = []
            if interpreter.appendValidAnswer(chat: fast, to: &answer) {
                validOnBytes += 1
                guard case .success(let value) = a.output else {
                    Issue.record("case \(i): valid on bytes, not by the tree: \(text)")
                    continue
                }
                #expect(answer == JSONWriter.bytes(value), "case \(i): \(text)")
            }
        }
        // Both ways are exercised, and the fast one on enough lines for the comparison to mean something.
        #expect(answered >= 1_500 && answered < 7_000, "\(answered) answered")
        #expect(validOnBytes >= 500, "\(validOnBytes) valid on bytes")
    }

    /// Byte-exact agreement: the outcome file writes the value with `JSONWriter`, so compare that text.
    static func same(_ a: OutputInterpreter.Interpretation, _ b: OutputInterpreter.Interpretation) -> Bool {
        guard a.raw == b.raw, a.usage == b.usage else { return false }
        switch (a.output, b.output) {
        case (.success(let x), .success(let y)): return JSONWriter.string(x) == JSONWriter.string(y)
        case (.failure(let x), .failure(let y)): return x == y
        default: return false
        }
    }

    /// Mostly successful chat lines in the shapes providers write (member orders, escapes, non-ASCII, whitespace),
    /// with odd lines among them (repeated or missing members, failures, odd token counts and statuses) and the
    /// failure and odd lines of `ResultLinePruningTests`.
    ///
    /// Each choice takes an odd option with a chance of 1 in `oddness`: most lines are drawn with odd options
    /// rare (so about a third of all lines are ones the fast reader takes), the rest with them common.
    static func randomLine(_ random: inout SeededGenerator) -> String {
        if Int.random(in: 0..<3, using: &random) == 0 { return ResultLinePruningTests.randomLine(&random) }
        let oddness = Int.random(in: 0..<3, using: &random) == 0 ? 3 : 60
        func odd() -> Bool { Int.random(in: 0..<oddness, using: &random) == 0 }
        func pick(_ usual: [String], odd oddOptions: [String] = []) -> String {
            if !oddOptions.isEmpty, odd() { return oddOptions.randomElement(using: &random)! }
            return usual.randomElement(using: &random)!
        }
        func shuffled(_ members: [String]) -> String {
            var chosen = members.shuffled(using: &random)
            if odd() { chosen.removeLast() }
            if odd() { chosen.append(chosen[0]) }
            return "{" + chosen.joined(separator: ",") + "}"
        }
        let content = pick(
            [
                #""{\"category\":\"billing\",\"urgency\":2}""#, #""{\"category\":\"bug\",\"urgency\":9}""#,
                #""{\"category\":\"shipping\",\"urgency\":5,\"note\":\"caf\u00e9 ☕ \\n\"}""#,
                #""{\"category\":\"yes\",\"urgency\":1}""#, #""{ \"urgency\": 3, \"category\": \"no\" }""#,
                #""{\"category\":\"other\",\"urgency\":1}   ""#,
            ],
            odd: [
                #""I think billing""#, #""{\"category\":\"bug\"""#, #""{\"category\":\"refund\",\"urgency\":11}""#,
                "null", "17", #""\ud83d\ude00""#, #""""#,
            ])
        let refusal = pick(["null"], odd: [#""I can't help with that""#, #""nein \u00fc""#, "false"])
        let message = shuffled([
            #""role":"assistant""#, #""content":\#(content)"#, #""refusal":\#(refusal)"#, #""annotations":[]"#,
        ])
        let finish = pick([#""stop""#, #""length""#], odd: [#""le\u006egth""#, "null", #""content_filter""#])
        let choice = shuffled([
            #""index":0"#, #""message":\#(message)"#, #""logprobs":null"#, #""finish_reason":\#(finish)"#,
        ])
        let choices = pick(["[\(choice)]", "[ \(choice) ]"], odd: ["[\(choice),{\"index\":1}]", "[]"])
        let tokens = pick(["31", "0", "349", "123456789012345"], odd: ["1234567890123456", "1.0", "-3", "\"7\"", "1e2"])
        let usage = pick(
            [
                shuffled([#""prompt_tokens":\#(tokens)"#, #""completion_tokens":12"#, #""total_tokens":43"#]),
                #"{"prompt_tokens":31,"completion_tokens":12,"prompt_tokens_details":{"cached_tokens":0}}"#,
            ],
            odd: [#"{"input_tokens":5,"output_tokens":6}"#, "null", "{}"])
        let body = shuffled([
            #""id":"chatcmpl-1""#, #""object":"chat.completion""#, #""created":1764600000"#,
            #""model":"gpt-4o-mini""#, #""choices":\#(choices)"#, #""usage":\#(usage)"#,
            #""system_fingerprint":"fp_1""#,
        ])
        let status = pick(["200", "201", "299"], odd: ["300", "404", "200.0", "2e2"])
        let response = shuffled([#""status_code":\#(status)"#, #""request_id":"req_1""#, #""body":\#(body)"#])
        let id = pick([#""r1-1""#, #""r42-2""#, #""r\u0037-1""#, #""ré-1""#], odd: ["7", "null"])
        let key = pick([#""custom_id""#], odd: [#""custom\u005fid""#])
        let error = pick(["null"], odd: [#"{"code":"batch_expired","message":"late"}"#, #""broken""#])
        let line = shuffled([
            #""id":"batch_req_1""#, #"\#(key):\#(id)"#, #""response":\#(response)"#, #""error":\#(error)"#,
        ])
        return pick([line, " \(line)\t"], odd: ["\(line)x"])
    }
}
