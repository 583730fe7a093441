import Foundation
import SluiceJSON
import Testing

@testable import SluiceEmulator

/// Random Chat Completions batch lines: mostly what Sluice renders, with every way a line can leave the fast
/// path (escapes, whitespace, repeated keys, triggers, odd members, broken JSON) mixed in.
private struct ChatLineGenerator {
    var random: SplitMix64

    static let schema =
        #"{"type":"json_schema","json_schema":{"name":"ticket_label","strict":true,"schema":{"type":"object","properties":{"category":{"type":"string","enum":["billing","shipping","bug","account","other"]},"urgency":{"type":"integer","minimum":1,"maximum":5},"language":{"type":"string","minLength":2,"maxLength":2},"summary":{"type":"string","maxLength":120}},"required":["category","urgency","language","summary"],"additionalProperties":false}}}"#

    mutating func text() -> String {
        let pieces = [
            "Hello", " ", "order", "\"quoted\"", "a\\b", "\n", "\r\n", "\t", "é", "日本", "😀", ",", "/", "\u{1}", "_",
            "__sluice_", "__sluice_fail__", "__sluice_truncate__", "__sluice_drop_line__", "__sluice_invalid__",
            "__sluice_notjson__",
        ]
        return (0..<random.int(in: 0...30)).map { _ in
            let piece = random.pick(pieces)
            // Trigger words are rare, as in real drops.
            return piece.hasPrefix("__") && random.chance(0.98) ? "x" : piece
        }.joined()
    }

    /// A JSON string, sometimes escaped in a way the writer would not.
    mutating func literal(_ text: String) -> String {
        var out = JSONWriter.string(.string(text))
        if random.chance(0.05) { out = out.replacingOccurrences(of: "/", with: "\\/") }
        if random.chance(0.05) { out = out.replacingOccurrences(of: "_", with: "\\u005f") }
        return out
    }

    mutating func responseFormat() -> String? {
        switch random.below(8) {
        case 0: return nil
        case 1: return "null"
        case 2: return #"{"type":"text"}"#
        case 3: return #"{"type":"json_object"}"#
        case 4: return #"{"type":"bogus"}"#
        case 5: return Self.schema.replacingOccurrences(of: ",", with: ", ")
        default: return Self.schema
        }
    }

    mutating func line(_ index: Int) -> String {
        if random.chance(0.01) { return random.pick(["", "  ", "[1]", "{\"custom_id\":", "null"]) }
        var body: [String] = []
        if random.chance(0.97) {
            body.append("\"model\":" + (random.chance(0.9) ? "\"gpt-4o-mini\"" : random.pick(["\"unknown-model\"", "\"g\\u0070t\"", "7"])))
        }
        var messages: [String] = []
        if random.chance(0.8) { messages.append(#"{"role":"system","content":"# + literal(text()) + "}") }
        if random.chance(0.97) { messages.append(#"{"role":"user","content":"# + literal(text()) + "}") }
        if random.chance(0.03) { messages.append(#"{"role":"assistant","content":null}"#) }
        if random.chance(0.02) { messages.append(#"{"role":"user","content":[{"type":"text","text":"hi"}]}"#) }
        if random.chance(0.01) { messages.append("3") }
        body.append("\"messages\":[" + messages.joined(separator: ",") + "]")
        if random.chance(0.7) { body.append("\"max_tokens\":" + (random.chance(0.9) ? random.pick(["200", "5", "1", "0"]) : random.pick(["1.5", "null"]))) }
        if random.chance(0.1) { body.append("\"max_completion_tokens\":" + random.pick(["3", "40", "\"9\""])) }
        if random.chance(0.5) { body.append("\"temperature\":" + random.pick(["0", "0", "0.2", "1e-1"])) }
        if random.chance(0.1) { body.append("\"n\":" + random.pick(["2", "3", "0", "-1", "40", "2.0"])) }
        if let format = responseFormat() { body.append("\"response_format\":" + format) }
        if random.chance(0.02) { body.append("\"model\":\"gpt-4o\"") }
        if random.chance(0.2) { random.shuffle(&body) }
        let id = random.chance(0.95) ? "ticket-\(index)" : random.pick(["t\"\(index)", "t_\(index)", "ü\(index)"])
        var members = [
            "\"custom_id\":" + (random.chance(0.98) ? literal(id) : "\(index)"),
            #""method":"POST""#, #""url":"/v1/chat/completions""#,
            "\"body\":{" + body.joined(separator: random.chance(0.03) ? ", " : ",") + "}",
        ]
        if random.chance(0.02) { members.append(#""custom_id":"again""#) }
        let line = "{" + members.joined(separator: ",") + "}"
        return random.chance(0.02) ? String(line.dropLast()) : line
    }
}

@Suite struct ChatFastPathTests {
    /// Runs `LineProcessor` over `lines` with or without its fast paths; returns the bucket files and summary.
    private func process(
        _ lines: [String], fastPaths: Bool, faults: FaultPlan, in folder: URL
    ) throws -> (files: [String: Data], summary: String) {
        let input = folder.appendingPathComponent("input.jsonl")
        try Data(lines.joined(separator: "\n").utf8).write(to: input)
        let work = folder.appendingPathComponent(fastPaths ? "fast" : "slow")
        let plan = ProcessingPlan(
            batchID: "batch_test", inputPath: input.path, workDirectory: work.path, endpoint: "/v1/chat/completions",
            model: DeterministicModel(seed: 42), requestCount: lines.count, pacing: .zero,
            deadline: Date().addingTimeInterval(3600), signal: StopSignal(), progress: ProcessingProgress(),
            slots: WorkSlots(count: 1), faults: faults, batchFault: nil, created: 1_700_000_000)
        let summary = try LineProcessor.run(plan, fastPaths: fastPaths)
        var files: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: work.path) {
            files[name] = try Data(contentsOf: work.appendingPathComponent(name))
        }
        // The injected counts sorted: a dictionary's description order is not stable.
        let injected = summary.injected.map { "\($0.key.rawValue)=\($0.value)" }.sorted()
        return (files, "\(summary.end) \(summary.counts) \(summary.usage) \(injected) \(summary.dropped)")
    }

    @Test(arguments: ["", "line_error=0.05,schema_invalid=0.05,not_json=0.05,truncated=0.05,missing_line=0.05"])
    func fastPathWritesTheSameResultLinesAsTheStraightforwardPath(faultSpec: String) throws {
        var generator = ChatLineGenerator(random: SplitMix64(seed: 8))
        let lines = (0..<3000).map { generator.line($0) }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("chat-fast-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let faults = try FaultPlan(parsing: faultSpec)
        let slow = try process(lines, fastPaths: false, faults: faults, in: folder)
        let fast = try process(lines, fastPaths: true, faults: faults, in: folder)
        #expect(fast.summary == slow.summary)
        #expect(fast.files.keys.sorted() == slow.files.keys.sorted())
        for (name, data) in slow.files {
            #expect(fast.files[name] == data, "\(name) differs")
        }
        // The generator must exercise both paths: most lines fast, a good number the straightforward way.
        let formats = ChatFormatMemo()
        let scanned = lines.filter { line in
            Array(line.utf8).withUnsafeBytes { ChatLineScan.scan($0, formats: formats) != nil }
        }.count
        #expect(scanned > 900 && scanned < 2900, "\(scanned) of \(lines.count) lines scanned")
        let outputs = slow.files.filter { $0.key.hasPrefix("out") }.values.reduce(0) { $0 + $1.count }
        #expect(outputs > 500_000)
    }

    @Test func appendIntWritesWhatTheWriterWrites() {
        var random = SplitMix64(seed: 3)
        for value in [0, 1, 9, 10, -1, Int.max, Int.min] + (0..<500).map({ _ in random.int(in: -1_000_000...1 << 60) }) {
            var out: [UInt8] = []
            ChatAnswerWriter.appendInt(value, into: &out)
            #expect(out == JSONWriter.bytes(.int(value)))
        }
    }
}
