import SluiceJSON
import Testing

/// A schema, values it accepts, and one value it rejects with exactly one violation.
struct KeywordCase: Sendable, CustomTestStringConvertible {
    let schema: String
    let valid: [String]
    let invalid: String
    /// Code, path, message; nil when the case only lists valid values.
    let expected: [String]?

    init(_ schema: String, valid: [String], invalid: String = "", _ expected: [String]?) {
        self.schema = schema
        self.valid = valid
        self.invalid = invalid
        self.expected = expected
    }

    var testDescription: String { "\(schema) rejects \(invalid)" }
}

@Suite struct SchemaKeywordTests {
    static let cases: [KeywordCase] = [
        KeywordCase(
            #"{"type":"string"}"#, valid: [#""a""#, #""""#], invalid: "5",
            ["schema.type", "", "(root): expected string, got integer 5"]),
        KeywordCase(
            #"{"type":["string","null"]}"#, valid: ["null", #""x""#], invalid: "true",
            ["schema.type", "", "(root): expected string or null, got boolean true"]),
        KeywordCase(
            #"{"type":"integer"}"#, valid: ["3", "3.0", "-7", "1e2", "-0.0"], invalid: "3.5",
            ["schema.type", "", "(root): expected integer, got number 3.5"]),
        KeywordCase(
            #"{"type":"number"}"#, valid: ["3", "3.5", "-1e-3"], invalid: #""3""#,
            ["schema.type", "", #"(root): expected number, got string "3""#]),
        KeywordCase(
            #"{"type":"object"}"#, valid: ["{}"], invalid: "[1]",
            ["schema.type", "", "(root): expected object, got array"]),
        KeywordCase(
            #"{"type":"array"}"#, valid: ["[]"], invalid: #"{"a":1}"#,
            ["schema.type", "", "(root): expected array, got object"]),
        KeywordCase(
            #"{"type":"boolean"}"#, valid: ["false"], invalid: "null",
            ["schema.type", "", "(root): expected boolean, got null"]),
        KeywordCase(
            #"{"type":"null"}"#, valid: ["null"], invalid: "0",
            ["schema.type", "", "(root): expected null, got integer 0"]),
        KeywordCase(
            #"{"type":["integer","boolean","object"]}"#, valid: ["1", "true", "{}"], invalid: "1.5",
            ["schema.type", "", "(root): expected object, integer or boolean, got number 1.5"]),
        KeywordCase(
            #"{"enum":["a",1,null,{"k":true}]}"#, valid: [#""a""#, "1.0", "null", #"{"k":true}"#],
            invalid: #""b""#, ["schema.enum", "", #"(root): "b" is not one of a, 1, null, {"k":true}"#]),
        KeywordCase(
            #"{"enum":["billing","shipping"]}"#, valid: [#""billing""#], invalid: "1",
            ["schema.enum", "", "(root): 1 is not one of billing, shipping"]),
        KeywordCase(
            #"{"const":{"k":[1,2]}}"#, valid: [#"{"k":[1,2.0]}"#], invalid: #"{"k":[2,1]}"#,
            ["schema.const", "", #"(root): expected {"k":[1,2]}, got {"k":[2,1]}"#]),
        KeywordCase(#"{"const":null}"#, valid: ["null"], invalid: "0", ["schema.const", "", "(root): expected null, got 0"]),
        KeywordCase(
            #"{"required":["a","b"]}"#, valid: [#"{"a":1,"b":null}"#, "[]"], invalid: #"{"a":1}"#,
            ["schema.required", "", #"(root): missing required property "b""#]),
        KeywordCase(
            #"{"properties":{"a":{"type":"integer"}},"required":["a"]}"#, valid: [#"{"a":1,"z":2}"#],
            invalid: "{}", ["schema.required", "", #"(root): missing required property "a""#]),
        KeywordCase(
            #"{"properties":{"a":{},"b":{}},"additionalProperties":false}"#, valid: ["{}", #"{"b":1}"#],
            invalid: #"{"a":1,"c":2}"#,
            ["schema.additional_property", "/c", "/c: property is not allowed (allowed: a, b)"]),
        KeywordCase(
            #"{"additionalProperties":false}"#, valid: ["{}"], invalid: #"{"x":1}"#,
            ["schema.additional_property", "/x", "/x: property is not allowed (no properties are allowed here)"]),
        KeywordCase(
            #"{"properties":{"a":{}},"additionalProperties":{"type":"integer"}}"#,
            valid: [#"{"a":"s","b":2}"#], invalid: #"{"b":"s"}"#,
            ["schema.type", "/b", #"/b: expected integer, got string "s""#]),
        KeywordCase(
            #"{"minProperties":2}"#, valid: [#"{"a":1,"b":2}"#, "7"], invalid: #"{"a":1}"#,
            ["schema.min_properties", "", "(root): expected at least 2 properties, got 1"]),
        KeywordCase(
            #"{"maxProperties":1}"#, valid: ["{}"], invalid: #"{"a":1,"b":2}"#,
            ["schema.max_properties", "", "(root): expected at most 1 property, got 2"]),
        KeywordCase(
            #"{"items":{"type":"string"}}"#, valid: ["[]", #"["a"]"#], invalid: #"["a",2]"#,
            ["schema.type", "/1", "/1: expected string, got integer 2"]),
        KeywordCase(
            #"{"prefixItems":[{"type":"string"},{"type":"integer"}],"items":false}"#,
            valid: [#"["a",1]"#, #"["a"]"#], invalid: #"["a",1,true]"#,
            ["schema.false", "/2", "/2: no value is allowed here"]),
        KeywordCase(
            #"{"prefixItems":[{"type":"string"}]}"#, valid: [#"["a",1,{}]"#], invalid: "[1]",
            ["schema.type", "/0", "/0: expected string, got integer 1"]),
        KeywordCase(
            #"{"minItems":2}"#, valid: ["[1,2]", #""not an array""#], invalid: "[1]",
            ["schema.min_items", "", "(root): expected at least 2 items, got 1"]),
        KeywordCase(
            #"{"maxItems":1}"#, valid: ["[]", "[1]"], invalid: "[1,2]",
            ["schema.max_items", "", "(root): expected at most 1 item, got 2"]),
        KeywordCase(
            #"{"uniqueItems":true}"#, valid: [#"[1,"1",[1],{"a":1},{"a":2}]"#], invalid: #"[1,{"a":1},1.0]"#,
            ["schema.unique_items", "", "(root): items 0 and 2 are equal (1)"]),
        KeywordCase(
            #"{"uniqueItems":true}"#, valid: [], invalid: #"[{"a":1,"b":2},{"b":2,"a":1}]"#,
            ["schema.unique_items", "", #"(root): items 0 and 1 are equal ({"a":1,"b":2})"#]),
        KeywordCase(
            #"{"minimum":1}"#, valid: ["1", "1.0", "2", #""0""#], invalid: "0.5",
            ["schema.minimum", "", "(root): 0.5 is less than the minimum 1"]),
        KeywordCase(
            #"{"maximum":5}"#, valid: ["5", "-3"], invalid: "6",
            ["schema.maximum", "", "(root): 6 is greater than the maximum 5"]),
        KeywordCase(
            #"{"maximum":9007199254740992}"#, valid: ["9007199254740992"], invalid: "9007199254740993",
            ["schema.maximum", "", "(root): 9007199254740993 is greater than the maximum 9007199254740992"]),
        KeywordCase(
            #"{"exclusiveMinimum":0}"#, valid: ["0.1", "1"], invalid: "0",
            ["schema.exclusive_minimum", "", "(root): 0 is not greater than the exclusive minimum 0"]),
        KeywordCase(
            #"{"exclusiveMaximum":1.5}"#, valid: ["1", "1.49"], invalid: "1.5",
            ["schema.exclusive_maximum", "", "(root): 1.5 is not less than the exclusive maximum 1.5"]),
        KeywordCase(
            #"{"multipleOf":5}"#, valid: ["10", "0", "-15", "20.0"], invalid: "7",
            ["schema.multiple_of", "", "(root): 7 is not a multiple of 5"]),
        KeywordCase(
            #"{"multipleOf":0.1}"#, valid: ["0.3", "7", "1.1"], invalid: "0.35",
            ["schema.multiple_of", "", "(root): 0.35 is not a multiple of 0.1"]),
        KeywordCase(
            #"{"minLength":2}"#, valid: [#""ab""#, #""e\u0301""#, "5"], invalid: #""é""#,
            ["schema.min_length", "", "(root): expected at least 2 characters, got 1"]),
        KeywordCase(
            #"{"maxLength":3}"#, valid: [#""abc""#, #""😀😀😀""#, #""ééé""#], invalid: #""😀😀😀😀""#,
            ["schema.max_length", "", "(root): expected at most 3 characters, got 4"]),
        // One grapheme of five scalars (woman, ZWJ, woman, ZWJ, girl): lengths count code points.
        KeywordCase(
            #"{"maxLength":3}"#, valid: [], invalid: #""👩‍👩‍👧""#,
            ["schema.max_length", "", "(root): expected at most 3 characters, got 5"]),
        KeywordCase(
            #"{"pattern":"^[A-Z]{3}-\\d+$"}"#, valid: [#""ABC-12""#, "12"], invalid: #""abc-12""#,
            ["schema.pattern", "", #"(root): "abc-12" does not match the pattern ^[A-Z]{3}-\d+$"#]),
        // Unanchored patterns search; \d is ASCII as in ECMA-262.
        KeywordCase(
            #"{"pattern":"\\d"}"#, valid: [#""a1b""#], invalid: #""a١b""#,
            ["schema.pattern", "", #"(root): "a١b" does not match the pattern \d"#]),
        // `.` matches one code point, so a decomposed é is two.
        KeywordCase(
            #"{"pattern":"^.$"}"#, valid: [#""é""#, #""😀""#], invalid: #""e\u0301""#,
            ["schema.pattern", "", "(root): \"e\u{301}\" does not match the pattern ^.$"]),
        KeywordCase(
            #"{"format":"date"}"#, valid: [#""2024-02-29""#, "20240229"], invalid: #""2023-02-29""#,
            ["schema.format", "", #"(root): "2023-02-29" is not a valid date"#]),
        KeywordCase(
            #"{"format":"uri","title":"t","description":"d","default":1,"examples":[1],"$comment":"c"}"#,
            valid: [#""not a uri""#, "[]"], nil),
        KeywordCase("false", valid: [], invalid: "{}", ["schema.false", "", "(root): no value is allowed here"]),
    ]

    @Test(arguments: cases)
    func keyword(_ c: KeywordCase) throws {
        let schema = try compiled(c.schema)
        for value in c.valid {
            #expect(schema.validate(json(value)) == [], "\(value) should be valid")
            #expect(schema.isValid(json(value)))
        }
        guard let expected = c.expected else { return }
        #expect(try violations(c.schema, c.invalid) == [expected])
        #expect(!schema.isValid(json(c.invalid)))
    }

    @Test func designExampleFailureLine() throws {
        let schema = #"""
            {"type":"object","properties":{"category":{"type":"string","enum":["billing","shipping","bug","other"]},
             "urgency":{"type":"integer","minimum":1,"maximum":5}},"required":["category","urgency"],
             "additionalProperties":false}
            """#
        let found = try compiled(schema).validate(json(#"{"category": "refund", "urgency": 2}"#))
        #expect(
            found == [
                SchemaViolation(
                    code: "schema.enum", path: "/category",
                    message: "/category: \"refund\" is not one of billing, shipping, bug, other")
            ])
        #expect(
            found.first?.description
                == "/category: \"refund\" is not one of billing, shipping, bug, other [schema.enum]")
        #expect(
            try violations(schema, #"{"urgency":7.0,"x":1}"#) == [
                ["schema.required", "", #"(root): missing required property "category""#],
                ["schema.maximum", "/urgency", "/urgency: 7.0 is greater than the maximum 5"],
                ["schema.additional_property", "/x", "/x: property is not allowed (allowed: category, urgency)"],
            ])
    }

    @Test func typeMismatchStopsTheOtherKeywordsOfThatSchema() throws {
        #expect(
            try violations(#"{"type":"string","enum":["a"],"minLength":3}"#, "5") == [
                ["schema.type", "", "(root): expected string, got integer 5"]
            ])
    }

    @Test func nestedPathsThroughArrays() throws {
        let schema = #"""
            {"type":"object","properties":{"items":{"type":"array","items":{"type":"object",
             "properties":{"name":{"type":"string"}},"required":["name"]}}}}
            """#
        let value = #"{"items":[{"name":"a"},{"name":"b"},{},{"name":4}]}"#
        #expect(
            try violations(schema, value) == [
                ["schema.required", "/items/2", #"/items/2: missing required property "name""#],
                ["schema.type", "/items/3/name", "/items/3/name: expected string, got integer 4"],
            ])
    }

    @Test func pointerTokensAreEscaped() throws {
        let schema = #"{"properties":{"a/b":{"type":"string"},"m~n":{"type":"string"}},"additionalProperties":false}"#
        #expect(
            try violations(schema, #"{"a/b":1,"m~n":2,"x/~y":3}"#) == [
                ["schema.type", "/a~1b", "/a~1b: expected string, got integer 1"],
                ["schema.type", "/m~0n", "/m~0n: expected string, got integer 2"],
                ["schema.additional_property", "/x~1~0y", "/x~1~0y: property is not allowed (allowed: a/b, m~n)"],
            ])
    }

    @Test func longValuesAreShortenedInMessages() throws {
        let long = String(repeating: "x", count: 100)
        let message = try violations(#"{"enum":["a"]}"#, "\"\(long)\"").first?[2]
        #expect(message == "(root): \"\(String(repeating: "x", count: 40))…\" is not one of a")
        let array = "[" + Array(repeating: "1234567890", count: 10).joined(separator: ",") + "]"
        #expect(
            try violations(#"{"const":0}"#, array).first?[2]
                == "(root): expected 0, got \(array.prefix(60))…")
    }

    @Test func longEnumsAreListedInPart() throws {
        let values = (1...15).map { "\"v\($0)\"" }.joined(separator: ",")
        #expect(
            try violations(#"{"enum":[\#(values)]}"#, #""x""#).first?[2]
                == #"(root): "x" is not one of v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, … (15 values)"#)
    }

    @Test func violationsAreCapped() throws {
        let schema = try compiled(#"{"items":{"type":"string"}}"#)
        let value = json("[" + Array(repeating: "1", count: 30).joined(separator: ",") + "]")
        #expect(schema.validate(value).count == JSONSchema.defaultViolationLimit)
        #expect(schema.validate(value).last?.path == "/19")
        #expect(schema.validate(value, limit: 3).map(\.path) == ["/0", "/1", "/2"])
        #expect(schema.validate(value, limit: 0).count == 1)
        #expect(!schema.isValid(value))
    }

    @Test func rootIsTheSchemaAsGiven() throws {
        let text = #"{"type":"object","description":"kept"}"#
        #expect(try compiled(text).root == json(text))
    }

    @Test func validatesConcurrently() async throws {
        let schema = try compiled(#"{"type":"object","properties":{"code":{"type":"string","pattern":"^[A-Z]+$"}}}"#)
        let invalidCounts = await withTaskGroup(of: Int.self) { group in
            for task in 0..<4 {
                group.addTask {
                    (0..<500).filter { i in
                        !schema.isValid(.object(["code": .string(i % 2 == 0 ? "ABC" : "abc\(task)")]))
                    }.count
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(invalidCounts == [250, 250, 250, 250])
    }
}
