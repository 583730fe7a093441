import Foundation
import Testing

@testable import SluiceJSON

/// A seeded xorshift generator, so a failing case can be replayed.
private struct Seeded {
    var state: UInt64
    mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func chance(_ p: Double) -> Bool { Double(next() % 1_000_000) / 1_000_000 < p }
    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}

/// Random values the way request bodies hold them: nested objects and arrays, text with escapes and non-ASCII.
private func randomValue(_ r: inout Seeded, depth: Int) -> JSONValue {
    switch r.below(depth > 4 ? 5 : 7) {
    case 0: return .null
    case 1: return .bool(r.chance(0.5))
    case 2: return .int(r.pick([0, 1, -1, 7, 200, -123_456, Int.max, Int.min, 1 << 53]))
    case 3: return .double(r.pick([0.5, -2.25, 1e-5, 3.0, 1e300, 0.1, -0.0, 123456.789]))
    case 4:
        let pieces = ["a", "Z", " ", "_", "\"", "\\", "/", "\n", "\r", "\t", "\u{8}", "\u{c}", "\u{1}", "\u{1f}",
            "\u{7f}", "é", "日本", "😀", "\u{2028}"]
        return .string((0..<r.below(10)).map { _ in r.pick(pieces) }.joined())
    case 5: return .array((0..<r.below(4)).map { _ in randomValue(&r, depth: depth + 1) })
    default:
        var object = JSONObject()
        for _ in 0..<r.below(5) { object[r.pick(["a", "b", "model", "é", "k\n", ""])] = randomValue(&r, depth: depth + 1) }
        return .object(object)
    }
}

/// Texts the writer would not produce: whitespace, other escapes, other number spellings, repeated keys, bad UTF-8.
private func mutate(_ bytes: [UInt8], _ r: inout Seeded) -> [UInt8] {
    var text = bytes
    let edits: [[UInt8]] = [
        Array(" ".utf8), Array("\\/".utf8), Array("\\u0041".utf8), Array("\\u000a".utf8), Array("\\u001F".utf8),
        Array("\\u001f".utf8), Array("-0".utf8), Array("1.0".utf8), Array("1e5".utf8), Array("01".utf8),
        Array("0.10".utf8), Array("\"a\":1,\"a\":2".utf8), [0xC3], [0xED, 0xA0, 0x80], [0xC0, 0xAF], [0xF4, 0x90, 0x80, 0x80],
        Array(",".utf8), Array("}".utf8), Array("\"".utf8), Array("12345678901234567890".utf8), [0x01],
    ]
    for _ in 0..<(1 + r.below(2)) {
        let at = r.below(text.count + 1)
        if r.chance(0.3) && at < text.count { text.remove(at: at) }
        text.insert(contentsOf: r.pick(edits), at: at)
    }
    return text
}

/// The oracle: what `JSONWriter` makes of what `JSONParser` reads, when it reads anything.
private func roundTrip(_ bytes: [UInt8]) -> [UInt8]? {
    (try? JSONParser.parse(bytes)).map(JSONWriter.bytes)
}

@Suite struct JSONCanonicalScannerTests {
    @Test func acceptsEveryTextTheWriterProduces() {
        var r = Seeded(state: 0x5eed_1234)
        for _ in 0..<3000 {
            let bytes = JSONWriter.bytes(randomValue(&r, depth: 0))
            let accepted = bytes.withUnsafeBytes { JSONCanonicalScanner.isCanonical($0) }
            #expect(accepted, "\(String(decoding: bytes, as: UTF8.self))")
        }
    }

    @Test func acceptsOnlyTextsTheWriterReproduces() {
        var r = Seeded(state: 0xfeed_beef)
        var accepted = 0
        var refused = 0
        for _ in 0..<6000 {
            let text = mutate(JSONWriter.bytes(randomValue(&r, depth: 0)), &r)
            guard text.withUnsafeBytes({ JSONCanonicalScanner.isCanonical($0) }) else {
                refused += 1
                continue
            }
            accepted += 1
            #expect(roundTrip(text) == text, "\(String(decoding: text, as: UTF8.self))")
        }
        // Both outcomes must really occur for the test to mean anything.
        #expect(accepted > 100 && refused > 1000, "accepted \(accepted), refused \(refused)")
    }

    @Test func decodedLengthIsTheValuesUTF8Count() {
        var r = Seeded(state: 77)
        for _ in 0..<2000 {
            guard case .string(let s) = randomValue(&r, depth: 9) else { continue }
            let bytes = JSONWriter.bytes(.string(s))
            let counted = bytes.withUnsafeBytes { raw -> Int? in
                var scanner = JSONCanonicalScanner(raw)
                return scanner.string()?.decodedBytes
            }
            #expect(counted == s.utf8.count)
        }
    }

    @Test func refusesRepeatedKeysAndWhitespace() {
        for text in [#"{"a":1,"a":1}"#, #"{"a":1 }"#, #" 1"#, #"{"a":-0}"#, #"["\u0041"]"#, #"[1.50]"#, #"{"a":[1,]}"#] {
            #expect(!Array(text.utf8).withUnsafeBytes { JSONCanonicalScanner.isCanonical($0) }, "\(text)")
        }
    }
}
