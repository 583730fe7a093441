import Foundation
import SluiceJSON
import Testing

@Suite struct JSONParserTests {
    @Test func compactTextRoundTripsByteForByte() throws {
        let text = #"{"b":1,"a":[true,false,null,-0.5,1e+20,"x",{}],"c":{"z":[],"y":-12}}"#
        #expect(JSONWriter.string(try JSONParser.parse(text)) == text)
    }

    @Test func whitespaceIsAcceptedAndDropped() throws {
        let value = try JSONParser.parse(" \t\r\n{ \"a\" : [ 1 , 2 ] }\n")
        #expect(JSONWriter.string(value) == #"{"a":[1,2]}"#)
    }

    @Test func objectsKeepKeyOrderAndLastDuplicateWins() throws {
        let value = try JSONParser.parse(#"{"z":1,"a":2,"z":3}"#)
        #expect(value.objectValue?.keys == ["z", "a"])
        #expect(value["z"] == .int(3))
    }

    @Test func escapesDecode() throws {
        let value = try JSONParser.parse(#""\"\\\/\b\f\n\r\t\u0041\u00e9\ud83d\ude00""#)
        #expect(value == .string("\"\\/\u{8}\u{C}\n\r\tAé😀"))
    }

    @Test func writerEscapesControlCharactersQuotesAndBackslashesOnly() {
        let value = JSONValue.string("a\u{0}b\u{1F}\u{7F}\"\\/\n\r\t\u{8}\u{C}é😀")
        #expect(JSONWriter.string(value) == #""a\u0000b\u001f"# + "\u{7F}" + #"\"\\/\n\r\t\b\fé😀""#)
    }

    @Test func escapedControlCharactersRoundTrip() throws {
        let original = JSONValue.string(String(decoding: (0..<32).map { UInt8($0) }, as: UTF8.self))
        #expect(try JSONParser.parse(JSONWriter.string(original)) == original)
    }

    @Test func surrogatePairsDecodeAndWriteAsUTF8() throws {
        let value = try JSONParser.parse(#""\uD834\uDD1E""#)
        #expect(value == .string("𝄞"))
        #expect(JSONWriter.bytes(value) == [0x22, 0xF0, 0x9D, 0x84, 0x9E, 0x22])
    }

    @Test(arguments: [
        (#""\ud83d""#, 7),  // lone high surrogate at the end
        (#""\ud83dx""#, 7),  // high surrogate followed by a plain character
        (#""\ud83d\u0041""#, 13),  // high surrogate followed by a non-surrogate escape
        (#""\ude00""#, 7),  // lone low surrogate
    ])
    func unpairedSurrogatesAreRejected(text: String, offset: Int) {
        #expect(
            throws: JSONParseError(
                code: "json.invalid_escape", message: "unpaired surrogate in \\u escape", offset: offset)
        ) {
            try JSONParser.parse(text)
        }
    }

    @Test(arguments: [
        ("", "json.unexpected_end", 0),
        ("[1,]", "json.unexpected_character", 3),
        (#"{"a" 1}"#, "json.expected_colon", 5),
        ("[1 2]", "json.expected_comma", 3),
        (#"{"a":1 "b":2}"#, "json.expected_comma", 7),
        ("{1:2}", "json.expected_key", 1),
        ("tru", "json.invalid_literal", 0),
        ("nul", "json.invalid_literal", 0),
        ("01", "json.trailing_data", 1),
        ("[1] x", "json.trailing_data", 4),
        ("-", "json.invalid_number", 1),
        ("1.", "json.invalid_number", 2),
        ("1e", "json.invalid_number", 2),
        (".5", "json.unexpected_character", 0),
        ("1e400", "json.invalid_number", 0),
        ("\"a\nb\"", "json.control_character", 2),
        (#""\x""#, "json.invalid_escape", 3),  // the offset is just past the escape
        (#""\u12G4""#, "json.invalid_escape", 5),
        ("\"abc", "json.unexpected_end", 4),
        ("[1,2", "json.unexpected_end", 4),
        ("'a'", "json.unexpected_character", 0),
    ])
    func invalidInputHasCodeAndOffset(text: String, code: String, offset: Int) {
        do {
            let value = try JSONParser.parse(text)
            Issue.record("parsed \(text) as \(value)")
        } catch {
            #expect(error.code == code)
            #expect(error.offset == offset)
        }
    }

    @Test func invalidUTF8IsRejected() {
        for bytes: [UInt8] in [[0x22, 0xFF, 0x22], [0x22, 0x5C, 0x6E, 0xC3, 0x22]] {
            #expect(throws: JSONParseError(code: "json.invalid_utf8", message: "string is not valid UTF-8", offset: 1))
            {
                try JSONParser.parse(bytes)
            }
        }
    }

    @Test func numbersKeepIntegerOrDouble() throws {
        #expect(try JSONParser.parse("42") == .int(42))
        if case .int(42) = try JSONParser.parse("42") {} else { Issue.record("42 is not .int") }
        if case .double(3.0) = try JSONParser.parse("3.0") {} else { Issue.record("3.0 is not .double") }
        if case .double(100) = try JSONParser.parse("1e2") {} else { Issue.record("1e2 is not .double") }
        if case .int(Int.max) = try JSONParser.parse("9223372036854775807") {} else { Issue.record("Int.max") }
        if case .double(9.223372036854775808e18) = try JSONParser.parse("9223372036854775808") {
        } else {
            Issue.record("Int.max + 1 is not .double")
        }
        #expect(JSONWriter.string(.double(3)) == "3.0")
        #expect(JSONWriter.string(.int(3)) == "3")
        #expect(JSONWriter.string(.double(-0.25)) == "-0.25")
    }

    @Test func numericEqualityIsExact() {
        #expect(JSONValue.int(3) == .double(3.0))
        #expect(JSONValue.int(3) != .double(3.5))
        #expect(JSONValue.int(9_007_199_254_740_992) != .int(9_007_199_254_740_993))
        #expect(Set<JSONValue>([.int(1), .double(1.0), .string("1")]).count == 2)
    }

    @Test func nestingUpToTheLimitParsesAndDeeperIsAnError() throws {
        let limit = JSONParser.maxDepth
        let deepest = String(repeating: "[", count: limit) + String(repeating: "]", count: limit)
        var value = try JSONParser.parse(deepest)
        var depth = 1
        while case .array(let elements) = value, let first = elements.first {
            value = first
            depth += 1
        }
        #expect(depth == limit)
        let tooDeep = String(repeating: "[", count: limit + 1) + String(repeating: "]", count: limit + 1)
        #expect(throws: JSONParseError(code: "json.too_deep", message: "nesting deeper than \(limit)", offset: limit)) {
            try JSONParser.parse(tooDeep)
        }
    }
}

@Suite struct JSONEscapeTests {
    /// The byte-at-a-time definition the fast path must agree with.
    static func reference(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        for b in bytes {
            switch b {
            case 0x22: out += [0x5C, 0x22]
            case 0x5C: out += [0x5C, 0x5C]
            case 0x0A: out += Array("\\n".utf8)
            case 0x0D: out += Array("\\r".utf8)
            case 0x09: out += Array("\\t".utf8)
            case 0x08: out += Array("\\b".utf8)
            case 0x0C: out += Array("\\f".utf8)
            case 0..<0x20: out += Array(String(format: "\\u%04x", b).utf8)
            default: out.append(b)
            }
        }
        return out
    }

    @Test func fastPathMatchesTheByteLoopOnRandomInput() {
        var generator = SystemRandomNumberGenerator()
        let alphabet: [UInt8] = [0x00, 0x01, 0x08, 0x09, 0x0A, 0x0D, 0x1F, 0x20, 0x21, 0x22, 0x23, 0x5B, 0x5C, 0x5D,
            0x41, 0x7F, 0x80, 0xA2, 0xC3, 0xE2, 0xFF]
        for _ in 0..<5_000 {
            let length = Int.random(in: 0...40, using: &generator)
            let bytes = (0..<length).map { _ in
                Bool.random(using: &generator) ? UInt8(ascii: "a") : alphabet.randomElement(using: &generator)!
            }
            var out: [UInt8] = []
            bytes.withUnsafeBytes { JSONWriter.escape($0, into: &out) }
            #expect(out == Self.reference(bytes), "input \(bytes)")
        }
    }

    @Test func everyByteValueInEveryWordPosition() {
        for value in 0...255 {
            for position in 0..<8 {
                var bytes = [UInt8](repeating: UInt8(ascii: "x"), count: 8)
                bytes[position] = UInt8(value)
                var out: [UInt8] = []
                bytes.withUnsafeBytes { JSONWriter.escape($0, into: &out) }
                #expect(out == Self.reference(bytes), "byte \(value) at \(position)")
            }
        }
    }
}
