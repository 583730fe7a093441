import Foundation
import SluiceJSON
import Testing

@testable import SluiceEmulator

/// Random request lines, well-formed and broken, written the many ways JSON allows.
struct RequestLineGenerator {
    var random: SplitMix64

    mutating func string() -> String {
        let pieces = ["a", "Z", "9", " ", "_", "\"", "\\", "\n", "\t", "é", "日本", "😀", "\u{1}", "POST", "/", ","]
        return (0..<random.int(in: 0...8)).map { _ in random.pick(pieces) }.joined()
    }

    /// A JSON string literal, sometimes with needless escapes the writer would not produce.
    mutating func stringLiteral(_ text: String) -> String {
        var out = JSONWriter.string(.string(text))
        if random.chance(0.2) { out = out.replacingOccurrences(of: "/", with: "\\/") }
        if random.chance(0.1) { out = out.replacingOccurrences(of: "a", with: "\\u0061") }
        if random.chance(0.05) { out = out.replacingOccurrences(of: "😀", with: "\\ud83d\\ude00") }
        return out
    }

    mutating func number() -> String {
        random.pick(["0", "-0", "12", "-7", "3.25", "1e3", "2E-2", "0.5", "123456789012345678901234567890", "1e999"])
    }

    mutating func value(depth: Int) -> String {
        switch random.below(depth > 3 ? 4 : 7) {
        case 0: return stringLiteral(string())
        case 1: return number()
        case 2: return random.pick(["true", "false", "null"])
        case 3: return stringLiteral(random.pick(["POST", "/v1/chat/completions", "gpt-4o-mini", "r1"]))
        case 4: return "[" + (0..<random.below(4)).map { _ in value(depth: depth + 1) }.joined(separator: ",") + "]"
        default:
            let keys = ["a", "model", "stream", "messages", "custom_id", "b\\u0062"]
            return "{" + (0..<random.below(4)).map { _ in stringLiteral(random.pick(keys)) + ":" + value(depth: depth + 1) }
                .joined(separator: ",") + "}"
        }
    }

    mutating func space() -> String { random.chance(0.2) ? random.pick([" ", "\t", "\r\n  "]) : "" }

    /// A request line: the usual members in any order, some missing, repeated, mistyped or null; then maybe
    /// broken by a byte inserted, removed or cut off.
    mutating func line() -> [UInt8] {
        var members: [String] = []
        let model = random.pick(["\"gpt-4o-mini\"", "\"gpt-4o\"", "7", "null", "\"g\\u0070t\""])
        let stream = random.pick(["true", "false", "null", "\"true\"", "1"])
        var body = ["\"model\":" + model, "\"messages\":[{\"role\":\"user\",\"content\":" + stringLiteral(string()) + "}]"]
        if random.chance(0.3) { body.append("\"stream\":" + stream) }
        if random.chance(0.1) { body.append("\"model\":" + value(depth: 2)) }
        if random.chance(0.3) { body.append("\"x\":" + value(depth: 2)) }
        random.shuffle(&body)
        let fields: [(String, String)] = [
            ("custom_id", random.chance(0.8) ? stringLiteral("r\(random.below(20))" + (random.chance(0.2) ? string() : "")) : value(depth: 1)),
            ("method", random.chance(0.8) ? "\"POST\"" : value(depth: 1)),
            ("url", random.chance(0.8) ? "\"/v1/chat/completions\"" : value(depth: 1)),
            ("body", random.chance(0.85) ? "{" + body.joined(separator: "," + space()) + "}" : value(depth: 1)),
        ]
        for (key, v) in fields where random.chance(0.92) {
            members.append(space() + "\"\(key)\"" + space() + ":" + space() + v)
            if random.chance(0.04) { members.append("\"\(key)\":" + value(depth: 1)) }
        }
        if random.chance(0.2) { members.append("\"extra\":" + value(depth: 1)) }
        random.shuffle(&members)
        var line = Array((space() + "{" + members.joined(separator: ",") + "}" + space()).utf8)
        switch random.below(12) {
        case 0 where !line.isEmpty: line.remove(at: random.below(line.count))
        case 1: line.insert(random.pick(Array("{}[]\",:\\ x0".utf8) + [0xFF, 0xC3, 0x01]), at: random.below(line.count + 1))
        case 2 where !line.isEmpty: line.removeLast(random.below(line.count))
        case 3: line = Array(random.pick(["[1,2]", "\"text\"", "42", "{}", "{\"body\":{}}"]).utf8)
        default: break
        }
        // One line: a newline would split it.
        return line.map { $0 == 0x0A ? 0x20 : $0 }
    }
}

@Suite("Request line scan")
struct RequestLineScanTests {
    @Test("what the scan accepts, the full parser accepts as an object with the same members")
    func scanAgreesWithParser() throws {
        var generator = RequestLineGenerator(random: SplitMix64(seed: 7))
        var accepted = 0
        for _ in 0..<20_000 {
            let bytes = generator.line()
            try bytes.withUnsafeBytes { raw in
                guard let scan = RequestLineScan.scan(raw) else { return }
                accepted += 1
                let parsed = try #require(try? JSONParser.parse(buffer: raw))
                let object = try #require(parsed.objectValue)
                let reduced = try #require(scan.reducedLine(raw))
                for key in ["custom_id", "method", "url"] { #expect(reduced[key] == object[key], "\(key) of \(bytes)") }
                if case .object(let body)? = object["body"] {
                    #expect(reduced["body"]?["stream"] == body["stream"])
                    #expect(reduced["body"]?["model"] == body["model"])
                } else {
                    #expect(reduced["body"] == object["body"])
                }
            }
        }
        // Most generated lines are plain enough for the fast path; the rest exercise the fallback.
        #expect(accepted > 8_000 && accepted < 19_000)
    }

    @Test("validation reports the same errors, counts, model and custom_id keys with and without the scan")
    func validationSameBothWays() throws {
        let directory = NSTemporaryDirectory() + "/request-line-scan-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var generator = RequestLineGenerator(random: SplitMix64(seed: 11))
        let limits = EmulatorLimits(maxReportedLineErrors: 100_000)
        for file in 0..<40 {
            var lines: [UInt8] = []
            for _ in 0..<500 { lines += generator.line() + [0x0A] }
            let path = directory + "/\(file).jsonl"
            try Data(lines).write(to: URL(fileURLWithPath: path))
            let fast = try InputValidation.validate(path: path, endpoint: "/v1/chat/completions", limits: limits)
            let plain = try InputValidation.validate(
                path: path, endpoint: "/v1/chat/completions", limits: limits, scanning: false)
            #expect(fast.errors == plain.errors)
            #expect(fast.requestCount == plain.requestCount)
            #expect(fast.model == plain.model)
            #expect(fast.customIDKeys == plain.customIDKeys)
            #expect(!plain.errors.isEmpty)
        }
    }
}

@Suite("Trigger pre-check")
struct TriggerPrecheckTests {
    @Test("a line the pre-check clears holds no trigger once decoded")
    func precheckNeverMissesATrigger() throws {
        var random = SplitMix64(seed: 5)
        let pieces = ["__sluice_drop_line__", "__sluice_fail__", "_", "sluice", "drop", "line", "\\", "u", "x", "é"]
        var cleared = 0
        for _ in 0..<20_000 {
            let text = (0..<random.int(in: 1...6)).map { _ in random.pick(pieces) }.joined()
            var literal = JSONWriter.string(.string(text))
            // Escape some letters and underscores as \u, the one way to hide them from a byte search.
            if random.chance(0.3) { literal = literal.replacingOccurrences(of: "_", with: "\\u005f") }
            if random.chance(0.3) { literal = literal.replacingOccurrences(of: "d", with: "\\u0064") }
            let line = Array("{\"body\":{\"messages\":[{\"role\":\"user\",\"content\":\(literal)}]}}".utf8)
            let decoded = try #require(try? JSONParser.parse(line))["body"]?["messages"]?.arrayValue?[0]["content"]?
                .stringValue
            let clear = line.withUnsafeBytes { !FaultTriggers.mayHoldTrigger(rawJSON: $0) }
            if clear {
                cleared += 1
                #expect(FaultTriggers(decoded ?? "").dropLine == false, "\(literal)")
                #expect(FaultTriggers(decoded ?? "").fail == false, "\(literal)")
            }
        }
        #expect(cleared > 1_000)
    }
}
