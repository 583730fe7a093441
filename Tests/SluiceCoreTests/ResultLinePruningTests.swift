import SluiceJSON
import Testing

@testable import SluiceCore

/// Result lines read through `JSONPruningParser` against the straightforward way (the whole line parsed by
/// `JSONParser`, then read): the same custom id, the same interpretation, the same lines refused.
@Suite struct ResultLinePruningTests {
    let interpreter = OutputInterpreter(spec: try! SpecLoader.parse(yaml: validSpec, name: "t", file: "t.yaml"))

    @Test func readsRandomLinesAsTheWholeParseDoes() {
        var random = SeededGenerator(state: 0x1_A6E5_7000)
        var refused = 0
        for i in 0..<5_000 {
            var line = Array(Self.randomLine(&random).utf8)
            if Int.random(in: 0..<4, using: &random) == 0 { JSONPruningParserTests.damage(&line, &random) }
            let fast = try? line.withUnsafeBytes { try OpenAIResultLineParser.parse($0) }
            let plain: ResultLine? = try? {
                guard let value = try? line.withUnsafeBytes({ try JSONParser.parse(buffer: $0) }) else {
                    throw ResultLineError(message: "not JSON")
                }
                return try OpenAIResultLineParser.line(value)
            }()
            let text = String(decoding: line, as: UTF8.self)
            #expect((fast == nil) == (plain == nil), "case \(i): \(text)")
            guard let fast, let plain else {
                refused += 1
                continue
            }
            #expect(fast.customID == plain.customID, "case \(i): \(text)")
            let a = interpreter.interpret(fast.outcome, line: text)
            let b = interpreter.interpret(plain.outcome, line: text)
            #expect(a.output == b.output && a.raw == b.raw && a.usage == b.usage, "case \(i): \(text)")
        }
        #expect(refused > 200 && refused < 4_000)
    }

    /// A line as providers write them: successes with valid, invalid and cut answers, refusals, HTTP and batch
    /// errors, and the odd member missing or of another type.
    static func randomLine(_ random: inout SeededGenerator) -> String {
        func pick(_ options: [String]) -> String { options.randomElement(using: &random)! }
        let content = pick([
            #"{\"category\":\"billing\",\"urgency\":2}"#, #"{\"category\":\"refund\",\"urgency\":2}"#,
            #"{\"category\":\"bug\",\"urgency\":9}"#, "I think billing", #"{\"category\":\"bug\""#,
            #"{\"category\":\"shipping\",\"urgency\":5,\"extra\":\"\u00e9\\n\"}"#,
        ])
        let message = pick([
            #"{"role":"assistant","content":"\#(content)","refusal":null,"annotations":[]}"#,
            #"{"role":"assistant","content":null,"refusal":"no, sorry"}"#,
            #"{"role":"assistant","content":"\#(content)"}"#, #""just text""#, "{}",
        ])
        let finish = pick(["stop", "length", "content_filter"])
        let choices = pick([
            #"[{"index":0,"message":\#(message),"logprobs":null,"finish_reason":"\#(finish)"}]"#, "[]",
            #"[{"index":0,"finish_reason":"stop"}]"#, "null",
            #"[{"index":0,"message":\#(message),"finish_reason":"\#(finish)"},{"index":1,"message":{}}]"#,
        ])
        let usage = pick([
            #"{"prompt_tokens":31,"completion_tokens":12,"total_tokens":43}"#, #"{"input_tokens":5,"output_tokens":6}"#,
            "null", #"{"prompt_tokens":1.5e1}"#, #"{"prompt_tokens":"7","completion_tokens":null}"#,
            #"{"prompt_tokens":349,"completion_tokens":17,"prompt_tokens_details":{"cached_tokens":0},"#
                + #""completion_tokens_details":{"reasoning_tokens":0}}"#,
        ])
        let body = pick([
            #"{"id":"chatcmpl-1","object":"chat.completion","created":1764600000,"model":"gpt-4o-mini","choices":\#(choices),"usage":\#(usage),"system_fingerprint":"fp_1"}"#,
            #"{"error":{"message":"boom","type":"server_error","param":null,"code":null}}"#,
            #"{"error":{"message":"slow down","type":"requests","code":"rate_limit_exceeded"}}"#, "null", #""oops""#,
        ])
        let status = pick(["200", "201", "400", "429", "500", "503", "\"200\"", "2e2"])
        let id = pick(["r1", "r42", "r7-2", "x", "7"])
        let response = pick([
            #"{"status_code":\#(status),"request_id":"req_1","body":\#(body)}"#, #"{"body":\#(body)}"#, "null",
        ])
        let error = pick([
            "null", #"{"code":"batch_expired","message":"This request could not be executed before the completion window expired."}"#,
            #"{"code":"batch_cancelled"}"#, #""broken""#,
        ])
        let members = [
            #""id":"batch_req_1""#, #""custom_id":"\#(id)""#, #""response":\#(response)"#, #""error":\#(error)"#,
        ]
        // Providers differ in member order; some lines lack members or repeat one.
        var chosen = members.shuffled(using: &random).filter { _ in Int.random(in: 0..<12, using: &random) > 0 }
        if Int.random(in: 0..<10, using: &random) == 0 { chosen.append(#""custom_id":"r99""#) }
        return "{" + chosen.joined(separator: ",") + "}"
    }
}
