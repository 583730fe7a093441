import SluiceJSON
import Testing

@Suite struct SchemaCombinatorTests {
    static let tree = #"""
        {"$defs":{"node":{"type":"object","properties":{"value":{"type":"integer"},
          "children":{"type":"array","items":{"$ref":"#/$defs/node"}}},
          "required":["value"],"additionalProperties":false}},
         "$ref":"#/$defs/node"}
        """#

    @Test func recursiveTreeThroughDefs() throws {
        let schema = try compiled(Self.tree)
        #expect(schema.validate(json(#"{"value":1,"children":[{"value":2},{"value":3,"children":[]}]}"#)) == [])
        let bad = #"{"value":1,"children":[{"value":2},{"value":3,"children":[{"value":"x"},{"kids":[]}]}]}"#
        #expect(
            try violations(Self.tree, bad) == [
                [
                    "schema.type", "/children/1/children/0/value",
                    #"/children/1/children/0/value: expected integer, got string "x""#,
                ],
                [
                    "schema.required", "/children/1/children/1",
                    #"/children/1/children/1: missing required property "value""#,
                ],
                [
                    "schema.additional_property", "/children/1/children/1/kids",
                    "/children/1/children/1/kids: property is not allowed (allowed: value, children)",
                ],
            ])
    }

    @Test func deepRecursionFollowsTheValue() throws {
        let schema = try compiled(Self.tree)
        var value: JSONValue = ["value": 0]
        for depth in 1...200 { value = ["value": .int(depth), "children": [value]] }
        #expect(schema.validate(value) == [])
    }

    @Test func rootRecursionWithHashAndAnyOfNull() throws {
        let list = #"""
            {"type":"object","properties":{"v":{"type":"integer"},"next":{"anyOf":[{"$ref":"#"},{"type":"null"}]}},
             "required":["v","next"],"additionalProperties":false}
            """#
        #expect(try violations(list, #"{"v":1,"next":{"v":2,"next":null}}"#) == [])
        #expect(
            try violations(list, #"{"v":1,"next":{"v":2,"next":{"v":"x","next":null}}}"#) == [
                ["schema.type", "/next/next/v", #"/next/next/v: expected integer, got string "x""#]
            ])
        #expect(
            try violations(list, #"{"v":1,"next":5}"#) == [
                ["schema.type", "/next", "/next: expected object or null, got integer 5"]
            ])
    }

    @Test func legacyDefinitionsAndEscapedRefs() throws {
        let schema =
            ##"{"definitions":{"a/b":{"type":"string"},"c d":{"type":"integer"}},"prefixItems":[{"$ref":"#/definitions/a~1b"},{"$ref":"#/definitions/c%20d"}]}"##
        #expect(try violations(schema, #"["x",1]"#) == [])
        #expect(
            try violations(schema, #"[1,"x"]"#) == [
                ["schema.type", "/0", "/0: expected string, got integer 1"],
                ["schema.type", "/1", #"/1: expected integer, got string "x""#],
            ])
    }

    @Test func refWithSiblingKeywordsAppliesBoth() throws {
        let schema = ##"{"$defs":{"s":{"type":"string"}},"$ref":"#/$defs/s","maxLength":2}"##
        #expect(
            try violations(schema, #""abc""#) == [
                ["schema.max_length", "", "(root): expected at most 2 characters, got 3"]
            ])
        #expect(try violations(schema, "1") == [["schema.type", "", "(root): expected string, got integer 1"]])
    }

    @Test func anyOfWithNullReportsTheSelectedAlternative() throws {
        let schema = #"{"anyOf":[{"type":"string","maxLength":3},{"type":"null"}]}"#
        #expect(try violations(schema, "null") == [])
        #expect(try violations(schema, #""abc""#) == [])
        #expect(
            try violations(schema, #""abcd""#) == [
                ["schema.max_length", "", "(root): expected at most 3 characters, got 4"]
            ])
        #expect(try violations(schema, "5") == [["schema.type", "", "(root): expected string or null, got integer 5"]])
    }

    @Test func anyOfWithoutADiscriminatingType() throws {
        let schema = #"{"anyOf":[{"type":"string","minLength":5},{"type":"string","pattern":"^x"}]}"#
        #expect(try violations(schema, #""xy""#) == [])
        #expect(
            try violations(schema, #""ab""#) == [
                ["schema.any_of", "", #"(root): "ab" matches none of the 2 alternatives of anyOf"#]
            ])
        let untyped = #"{"anyOf":[{"enum":[1,2]},{"type":"string"}]}"#
        #expect(
            try violations(untyped, "3") == [
                ["schema.any_of", "", "(root): 3 matches none of the 2 alternatives of anyOf"]
            ])
    }

    @Test func anyOfIntegerAgainstNumber() throws {
        let schema = #"{"anyOf":[{"type":"integer","minimum":10},{"type":"boolean"}]}"#
        #expect(try violations(schema, "12.0") == [])
        #expect(try violations(schema, "2") == [["schema.minimum", "", "(root): 2 is less than the minimum 10"]])
        #expect(
            try violations(schema, "2.5") == [
                ["schema.type", "", "(root): expected integer or boolean, got number 2.5"]
            ])
    }

    @Test func oneOf() throws {
        let schema = #"{"oneOf":[{"type":"integer"},{"type":"number","maximum":100}]}"#
        #expect(try violations(schema, "1.5") == [])
        #expect(try violations(schema, "1000") == [])
        #expect(
            try violations(schema, "1") == [
                ["schema.one_of", "", "(root): 1 matches more than one alternative of oneOf (0 and 1)"]
            ])
        #expect(
            try violations(schema, #""s""#) == [
                ["schema.type", "", #"(root): expected integer or number, got string "s""#]
            ])
        // Only the number alternative accepts a fraction, so its violation is the report.
        #expect(
            try violations(schema, "100.5") == [
                ["schema.maximum", "", "(root): 100.5 is greater than the maximum 100"]
            ])
        let untyped = #"{"oneOf":[{"minimum":5},{"multipleOf":2}]}"#
        #expect(
            try violations(untyped, "3") == [
                ["schema.one_of", "", "(root): 3 matches none of the 2 alternatives of oneOf"]
            ])
        #expect(try violations(untyped, "7") == [])
    }

    @Test func allOfReportsEachBranch() throws {
        let schema = #"{"allOf":[{"minimum":1},{"multipleOf":2},{"type":"integer"}]}"#
        #expect(try violations(schema, "4") == [])
        #expect(
            try violations(schema, "-1") == [
                ["schema.minimum", "", "(root): -1 is less than the minimum 1"],
                ["schema.multiple_of", "", "(root): -1 is not a multiple of 2"],
            ])
    }

    @Test func not() throws {
        let schema = #"{"properties":{"a":{"not":{"type":"null"}}}}"#
        #expect(try violations(schema, #"{"a":0}"#) == [])
        #expect(
            try violations(schema, #"{"a":null}"#) == [
                ["schema.not", "/a", #"/a: null must not match the schema in "not""#]
            ])
    }

    @Test func combinatorsNestInsideProbes() throws {
        // The anyOf alternative's own oneOf and not run as probes (no messages) before the report.
        let schema = #"{"anyOf":[{"oneOf":[{"const":1},{"const":2}]},{"not":{"type":"integer"}}]}"#
        #expect(try violations(schema, "1") == [])
        #expect(try violations(schema, #""s""#) == [])
        #expect(
            try violations(schema, "3") == [
                ["schema.any_of", "", "(root): 3 matches none of the 2 alternatives of anyOf"]
            ])
    }
}
