import SluiceJSON
import SluiceRecords
import SluiceTesting
import Testing

@testable import SluiceCore

/// The byte-level JSONL path (scan, then read members from the line) against the straightforward one
/// (`JSONParser` to a `JSONObject`, then a lookup) on random lines, well-formed and broken.
@Suite struct JSONLScanTests {
    /// Keys drawn from a small pool, so objects repeat keys; `K` and the Kelvin sign, `é` and `e` + U+0301
    /// are different bytes but equal Swift strings; `\u0062ody` is `body` written with an escape.
    static let keys = [
        "a", "b", "body", "subject", "K", "\\u212A", "\u{212A}", "é", "e\u{301}", "\\u0062ody", "meta", "",
    ]
    static let paths = ["a", "b", "body", "subject", "K", "é", "meta", "meta.a", "meta.b.a", "missing", "a.b"]
        .map { FieldPath($0)! }

    /// One random line: mostly objects, sometimes another top-level value, sometimes damaged afterwards.
    static func line(_ random: inout SeededGenerator) -> [UInt8] {
        var text = Int.random(in: 0..<10, using: &random) == 0
            ? value(&random, depth: 0) : object(&random, depth: 0)
        if Bool.random(using: &random) { text = space(&random) + text + space(&random) }
        var bytes = Array(text.utf8)
        if Int.random(in: 0..<3, using: &random) == 0, !bytes.isEmpty {
            let at = Int.random(in: 0..<bytes.count, using: &random)
            let noise = Array(#"{}[]":,\\u0aeE.-+ tnf"#.utf8)
            switch Int.random(in: 0..<4, using: &random) {
            case 0: bytes.remove(at: at)
            case 1: bytes.insert(noise.randomElement(using: &random)!, at: at)
            case 2: bytes.removeSubrange(at...)
            default: bytes[at] = noise.randomElement(using: &random)!
            }
        }
        return bytes
    }

    static func space(_ random: inout SeededGenerator) -> String {
        ["", "", " ", "\t", " \r", "  "].randomElement(using: &random)!
    }

    static func object(_ random: inout SeededGenerator, depth: Int) -> String {
        let members = (0..<Int.random(in: 0..<6, using: &random)).map { _ in
            "\"" + keys.randomElement(using: &random)! + "\"" + space(&random) + ":" + space(&random)
                + value(&random, depth: depth + 1)
        }
        return "{" + space(&random) + members.joined(separator: space(&random) + "," + space(&random)) + "}"
    }

    static func value(_ random: inout SeededGenerator, depth: Int) -> String {
        let kinds = depth > 3 ? 6 : 8
        switch Int.random(in: 0..<kinds, using: &random) {
        case 0, 1, 2: return "\"" + string(&random) + "\""
        case 3:
            return [
                "0", "-0", "12", "-7", "3.25", "1e5", "2E-3", "-0.5e+2", "1.50", "9223372036854775807",
                "9223372036854775808", "1e400", "-1e309", "1e-400", String(repeating: "9", count: 320), "01", "1.",
                "-", ".5", "1e",
            ].randomElement(using: &random)!
        case 4: return ["true", "false", "tru", "nul"].randomElement(using: &random)!
        case 5: return "null"
        case 6: return object(&random, depth: depth)
        default:
            let elements = (0..<Int.random(in: 0..<4, using: &random)).map { _ in value(&random, depth: depth + 1) }
            return "[" + elements.joined(separator: ",") + "]"
        }
    }

    static func string(_ random: inout SeededGenerator) -> String {
        let pieces = [
            "plain", "with space", "€1.149,00", "📦", "é", "e\u{301}", "\\n", "\\r\\n", "\\\"", "\\\\", "\\/", "\\t",
            "\\b\\f", "\\u00e9", "\\u0000", "\\u001F", "\\uD83D\\uDCE6", "\\uDCE6", "\\uD83D", "\\uD83Dx", "\\x",
            "\\u12G4", "tab\there", "ご確認", String(repeating: "long text ", count: 5),
        ]
        return (0..<Int.random(in: 0..<5, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined()
    }

    /// What staging did before the scan: the whole line through the parser.
    static func straightforward(_ bytes: [UInt8]) -> Result<JSONObject, JSONParseError>? {
        do {
            guard case .object(let object) = try JSONParser.parse(bytes) else { return nil }
            return .success(object)
        } catch {
            return .failure(error)
        }
    }

    /// The template text the straightforward path wrote for `path`, nil when the object lacks it.
    static func straightforwardText(_ path: FieldPath, in object: JSONObject) -> [UInt8]? {
        var current: JSONValue? = object[path.components[0]]
        for component in path.components.dropFirst() { current = current?[component] }
        guard let value = current else { return nil }
        var out: [UInt8] = []
        switch value {
        case .string(var s): s.withUTF8 { JSONWriter.escape(UnsafeRawBufferPointer($0), into: &out) }
        case .null: break
        default:
            var text = JSONWriter.string(value)
            text.withUTF8 { JSONWriter.escape(UnsafeRawBufferPointer($0), into: &out) }
        }
        return out
    }

    @Test(arguments: [UInt64(1), 2, 3, 4])
    func scanAcceptsWhatTheParserAcceptsAndFindsTheSameMembers(seed: UInt64) {
        var random = SeededGenerator(state: seed)
        var members: [JSONLMember] = []
        var checked = (valid: 0, invalid: 0)
        for _ in 0..<4_000 {
            let bytes = Self.line(&random)
            // JSONLReader sets aside lines that are not UTF-8 or hold a NUL before JSON is looked at.
            guard String(validating: bytes, as: UTF8.self) != nil, !bytes.contains(0) else { continue }
            let scanned = bytes.withUnsafeBytes { JSONLScanner.members(of: $0, into: &members) }
            let expected = Self.straightforward(bytes)
            guard case .success(let object)? = expected else {
                #expect(!scanned, "scan accepted \(String(decoding: bytes, as: UTF8.self))")
                checked.invalid += 1
                continue
            }
            #expect(scanned, "scan refused \(String(decoding: bytes, as: UTF8.self))")
            guard scanned else { continue }
            checked.valid += 1
            // The members, decoded one by one, rebuild the parser's object: same keys, order, values.
            var rebuilt = JSONObject()
            bytes.withUnsafeBytes { line in
                for m in members {
                    let rawKey = UnsafeRawBufferPointer(rebasing: line[m.keyStart..<m.keyEnd])
                    let key = String(decoding: JSONLString.decoded(rawKey), as: UTF8.self)
                    let value = try? JSONParser.parse(buffer: .init(rebasing: line[m.valueStart..<m.valueEnd]))
                    rebuilt[key] = value
                    if case .string(let s)? = value {
                        var pieces: [UInt8] = []
                        JSONLString.forEachPiece(.init(rebasing: line[(m.valueStart + 1)..<(m.valueEnd - 1)])) {
                            pieces.append(contentsOf: $0)
                        }
                        #expect(pieces == Array(s.utf8))
                    }
                }
            }
            #expect(rebuilt == object)
            #expect(rebuilt.keys == object.keys)
            let scannedObject = LineObject(bytes: bytes, members: members)
            #expect(scannedObject.isEmpty == (object.count == 0))
            #expect(scannedObject.object == object)
            for path in Self.paths {
                var out: [UInt8] = []
                let found = scannedObject.appendEscaped(path, into: &out)
                let expectedText = Self.straightforwardText(path, in: object)
                #expect(found == (expectedText != nil))
                #expect(out == (expectedText ?? []), "\(path) in \(String(decoding: bytes, as: UTF8.self))")
                #expect(scannedObject.value(at: path) == FieldResolverReference.lookup(path, in: object))
            }
        }
        // The generator must exercise both sides.
        #expect(checked.valid > 1_000)
        #expect(checked.invalid > 500)
    }

    @Test func nestingLimitIsTheParsers() {
        var members: [JSONLMember] = []
        for depth in [510, 511, 512, 513] {
            let nested = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
            let bytes = Array(("{\"a\":" + nested + "}").utf8)
            let scanned = bytes.withUnsafeBytes { JSONLScanner.members(of: $0, into: &members) }
            #expect(scanned == ((try? JSONParser.parse(bytes)) != nil), "depth \(depth)")
        }
    }

    /// A file of random lines read through `DropReader`: every row's failure message or object is what the
    /// straightforward parse gave.
    @Test(arguments: [UInt64(7), 8])
    func dropReaderRowsAreTheStraightforwardOnes(seed: UInt64) async throws {
        var random = SeededGenerator(state: seed)
        let lines = (0..<2_000).map { _ in Self.line(&random) }.filter { line in
            !line.contains(0x0A) && String(validating: line, as: UTF8.self) != nil && !line.contains(0)
                && !line.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
        }
        try await withTemporaryDirectory { dir in
            let path = dir + "/random.jsonl"
            try writeFile(path, lines.flatMap { $0 + [0x0A] })
            let reader = try DropReader(path: path, fileName: "random.jsonl")
            var index = 0
            while let row = try reader.next() {
                guard case .jsonl(let line, let parsed) = row else { Issue.record("not a JSONL row"); return }
                // The reader's bytes (a trailing CR is not part of the line), through the straightforward parse.
                let expected = DropReader.parseFully(line)
                switch (parsed, expected) {
                case (.success(let object), .success(let wanted)):
                    #expect(object.object == wanted && object.object.keys == wanted.keys)
                case (.failure(let failure), .failure(let wanted)):
                    #expect(failure.code == wanted.code && failure.message == wanted.message)
                default:
                    Issue.record("row \(row.row): \(parsed) but straightforwardly \(expected)")
                }
                index += 1
            }
            #expect(index == lines.count)
        }
    }
}

/// The lookup FieldResolver did on a decoded object before the scan.
enum FieldResolverReference {
    static func lookup(_ path: FieldPath, in object: JSONObject) -> JSONValue? {
        var current: JSONValue? = object[path.components[0]]
        for component in path.components.dropFirst() { current = current?[component] }
        return current
    }
}
