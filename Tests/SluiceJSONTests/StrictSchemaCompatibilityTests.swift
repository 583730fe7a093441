import SluiceJSON
import Testing

@Suite struct StrictSchemaCompatibilityTests {
    static let designSchema = #"""
        {"type":"object","properties":{"category":{"type":"string","enum":["billing","shipping","bug","other"]},
         "urgency":{"type":"integer","minimum":1,"maximum":5}},"required":["category","urgency"],
         "additionalProperties":false}
        """#

    func problems(_ schema: String) -> [[String]] {
        StrictSchemaCompatibility.openAIProblems(json(schema)).map { [$0.code, $0.path, $0.message] }
    }

    func problems(_ schema: JSONValue) -> [[String]] {
        StrictSchemaCompatibility.openAIProblems(schema).map { [$0.code, $0.path, $0.message] }
    }

    func strictForm(_ schema: String) -> String {
        JSONWriter.string(StrictSchemaCompatibility.openAIStrictForm(json(schema)))
    }

    @Test func compliantSchemaHasNoProblems() {
        #expect(problems(Self.designSchema) == [])
        let nullable = ##"""
            {"type":"object","properties":{"note":{"type":["string","null"]},"tags":{"type":"array","items":{"$ref":"#/$defs/tag"},
             "minItems":1},"when":{"type":"string","format":"date-time"}},"required":["note","tags","when"],
             "additionalProperties":false,"$defs":{"tag":{"anyOf":[{"type":"string","pattern":"^[a-z]+$"},{"type":"null"}]}}}
            """##
        #expect(problems(nullable) == [])
    }

    @Test func rootMustBeAnObject() {
        #expect(
            problems(#"{"type":"array","items":{"type":"string"}}"#) == [
                ["strict.root_not_object", "", #"(root): the root schema must be "type": "object""#]
            ])
        #expect(
            problems("true") == [["strict.root_not_object", "", #"(root): the root schema must be "type": "object""#]])
        #expect(
            problems(#"{"anyOf":[{"type":"object","properties":{},"additionalProperties":false},{"type":"null"}]}"#)
                == [
                    [
                        "strict.root_any_of", "/anyOf",
                        "/anyOf: the root schema must not be anyOf; wrap the union in a property",
                    ]
                ])
    }

    @Test func objectsNeedClosedPropertiesAndEverythingRequired() {
        let schema = #"""
            {"type":"object","properties":{"a":{"type":"string"},"e":{"type":"object"},
             "f":{"type":"object","properties":{"x":{"type":"string"}},"required":["x"],"additionalProperties":true}},
             "required":["e","f"]}
            """#
        #expect(
            problems(schema) == [
                ["strict.additional_properties", "", #"(root): strict mode needs "additionalProperties": false"#],
                [
                    "strict.optional_property", "/properties/a",
                    #"/properties/a: strict mode needs every property in "required"; to make "a" optional, list it and allow null, e.g. "type": ["string", "null"]"#,
                ],
                [
                    "strict.additional_properties", "/properties/e",
                    "/properties/e: a free-form object is not allowed in strict mode; declare its properties",
                ],
                [
                    "strict.additional_properties", "/properties/f/additionalProperties",
                    #"/properties/f/additionalProperties: strict mode needs "additionalProperties": false"#,
                ],
            ])
    }

    @Test func unsupportedAndUnlistedKeywords() {
        let schema = #"""
            {"type":"object","properties":{"a":{"type":"string","minLength":1,"format":"uri"},
             "b":{"oneOf":[{"type":"string"},{"type":"null"}]},"c":{"allOf":[{"type":"string"}]},"d":{"description":"x"},
             "g":true,"h":{"type":"integer","not":{"const":3}}},"required":["a","b","c","d","g","h"],"additionalProperties":false}
            """#
        #expect(
            problems(schema) == [
                [
                    "strict.unlisted_keyword", "/properties/a/minLength",
                    #"/properties/a/minLength: "minLength" is not among the keywords strict mode supports; use pattern"#,
                ],
                [
                    "strict.unsupported_format", "/properties/a/format",
                    #"/properties/a/format: format "uri" is not supported in strict mode"#,
                ],
                [
                    "strict.unlisted_keyword", "/properties/b/oneOf",
                    #"/properties/b/oneOf: "oneOf" is not among the keywords strict mode supports; use anyOf"#,
                ],
                [
                    "strict.unsupported_keyword", "/properties/c/allOf",
                    #"/properties/c/allOf: "allOf" is not supported in strict mode"#,
                ],
                [
                    "strict.missing_type", "/properties/d",
                    #"/properties/d: strict mode needs a "type" (or anyOf, $ref, enum, const)"#,
                ],
                [
                    "strict.boolean_schema", "/properties/g",
                    "/properties/g: boolean schemas are not supported in strict mode",
                ],
                [
                    "strict.unsupported_keyword", "/properties/h/not",
                    #"/properties/h/not: "not" is not supported in strict mode"#,
                ],
            ])
    }

    @Test func refMustStandAlone() {
        let schema = ##"""
            {"type":"object","properties":{"a":{"$ref":"#/$defs/A","description":"x"}},"required":["a"],
             "additionalProperties":false,"$defs":{"A":{"type":"string"}}}
            """##
        #expect(
            problems(schema) == [
                [
                    "strict.ref_with_siblings", "/properties/a/$ref",
                    "/properties/a/$ref: $ref must stand alone in strict mode (openAIStrictForm inlines it)",
                ]
            ])
    }

    /// A root object with the given property schemas, all required, closed.
    func object(_ properties: [(String, JSONValue)]) -> JSONValue {
        [
            "type": "object", "properties": .object(JSONObject(properties)),
            "required": .array(properties.map { .string($0.0) }), "additionalProperties": false,
        ]
    }

    @Test func tooManyProperties() {
        let wide = object((0...5000).map { ("p\($0)", ["type": "string"]) })
        #expect(
            problems(wide) == [
                [
                    "strict.too_many_properties", "",
                    "(root): the schema declares 5001 properties; strict mode allows 5000",
                ]
            ])
        #expect(problems(object((1...5000).map { ("p\($0)", ["type": "string"]) })) == [])
    }

    @Test func tooDeep() {
        func nested(_ levels: Int) -> JSONValue {
            var schema: JSONValue = ["type": "string"]
            for _ in 0..<levels { schema = object([("x", schema)]) }
            return schema
        }
        #expect(problems(nested(10)) == [])
        #expect(
            problems(nested(11)) == [
                ["strict.too_deep", "", "(root): objects nest 11 levels deep; strict mode allows 10"]
            ])
        // Recursion counts one round, so a recursive tree is not "too deep".
        let tree = ##"""
            {"type":"object","properties":{"children":{"type":"array","items":{"$ref":"#"}}},"required":["children"],
             "additionalProperties":false}
            """##
        #expect(problems(tree) == [])
    }

    @Test func enumLimits() {
        let ints = JSONValue.array((1...501).map { .int($0) })
        #expect(
            problems(object([("a", ["enum": ints]), ("b", ["enum": ints])])) == [
                ["strict.too_many_enum_values", "", "(root): enums hold 1002 values in total; strict mode allows 1000"]
            ])
        let longStrings = JSONValue.array((1...251).map { .string(String(repeating: "v", count: 57) + format3($0)) })
        #expect(
            problems(object([("e", ["type": "string", "enum": longStrings])])) == [
                [
                    "strict.enum_too_long", "/properties/e/enum",
                    "/properties/e/enum: an enum of 251 strings may total 15000 characters, not 15060",
                ]
            ])
        let fewLongStrings = JSONValue.array((1...250).map { .string(String(repeating: "w", count: 97) + format3($0)) })
        #expect(problems(object([("e", ["type": "string", "enum": fewLongStrings])])) == [])
    }

    func format3(_ n: Int) -> String {
        String(repeating: "0", count: 3 - String(n).count) + String(n)
    }

    @Test func namesTooLong() {
        let properties = (1...121).map {
            (String(repeating: "n", count: 997) + format3($0), ["type": "string"] as JSONValue)
        }
        #expect(
            problems(object(properties)) == [
                [
                    "strict.names_too_long", "",
                    "(root): property, definition, enum and const names total 121000 characters; strict mode allows 120000",
                ]
            ])
    }

    @Test func strictFormClosesObjectsWithProperties() {
        let schema = ##"""
            {"type":"object","properties":{"a":{"type":"object","properties":{"x":{"type":"string"}},"required":["x"]},
             "free":{"type":"object"},"list":{"type":"array","items":{"properties":{"y":{"type":"integer"}},"required":["y"]}},
             "maybe":{"anyOf":[{"$ref":"#/$defs/P"},{"type":"null"}]},"open":{"type":"object","properties":{"z":{}},"additionalProperties":true}},
             "required":["a","free","list","maybe","open"],"$defs":{"P":{"type":"object","properties":{"q":{"type":"string"}},"required":["q"]}}}
            """##
        #expect(
            strictForm(schema)
                == ##"{"type":"object","properties":{"a":{"type":"object","properties":{"x":{"type":"string"}},"required":["x"],"additionalProperties":false},"free":{"type":"object"},"list":{"type":"array","items":{"properties":{"y":{"type":"integer"}},"required":["y"],"additionalProperties":false}},"maybe":{"anyOf":[{"$ref":"#/$defs/P"},{"type":"null"}]},"open":{"type":"object","properties":{"z":{}},"additionalProperties":true}},"required":["a","free","list","maybe","open"],"$defs":{"P":{"type":"object","properties":{"q":{"type":"string"}},"required":["q"],"additionalProperties":false}},"additionalProperties":false}"##
        )
        // What the form could not fix without changing meaning is still reported.
        #expect(
            problems(StrictSchemaCompatibility.openAIStrictForm(json(schema))).map { $0[0] + " " + $0[1] } == [
                "strict.additional_properties /properties/free",
                "strict.missing_type /properties/list/items",
                "strict.additional_properties /properties/open/additionalProperties",
                "strict.optional_property /properties/open/properties/z",
                "strict.missing_type /properties/open/properties/z",
            ])
    }

    @Test func strictFormKeepsOptionalPropertiesOptional() {
        let schema = #"{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"string"}},"required":["a"]}"#
        #expect(
            strictForm(schema)
                == #"{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"string"}},"required":["a"],"additionalProperties":false}"#
        )
        #expect(
            problems(StrictSchemaCompatibility.openAIStrictForm(json(schema))).map(\.[0]) == [
                "strict.optional_property"
            ])
    }

    @Test func strictFormInlinesRefsWithSiblings() {
        let schema = ##"""
            {"$ref":"#/$defs/Root","$defs":{"Root":{"type":"object","properties":{"a":{"$ref":"#/$defs/A","description":"x"}},
             "required":["a"]},"A":{"type":"object","properties":{"v":{"type":"integer"}},"required":["v"],"title":"A"}}}
            """##
        let form = strictForm(schema)
        #expect(
            form
                == #"{"type":"object","properties":{"a":{"type":"object","properties":{"v":{"type":"integer"}},"required":["v"],"title":"A","description":"x","additionalProperties":false}},"required":["a"],"$defs":{"Root":{"type":"object","properties":{"a":{"type":"object","properties":{"v":{"type":"integer"}},"required":["v"],"title":"A","description":"x","additionalProperties":false}},"required":["a"],"additionalProperties":false},"A":{"type":"object","properties":{"v":{"type":"integer"}},"required":["v"],"title":"A","additionalProperties":false}},"additionalProperties":false}"#
        )
        #expect(problems(StrictSchemaCompatibility.openAIStrictForm(json(schema))) == [])
    }

    @Test func strictFormLeavesConflictingAndRecursiveRefs() {
        // A sibling that constrains the same keyword as the target would change meaning when merged.
        let conflicting =
            ##"{"type":"object","properties":{"a":{"$ref":"#/$defs/S","type":"integer"}},"required":["a"],"additionalProperties":false,"$defs":{"S":{"type":"string"}}}"##
        #expect(strictForm(conflicting) == JSONWriter.string(json(conflicting)))
        let recursive =
            ##"{"type":"object","properties":{"next":{"$ref":"#","description":"n"}},"required":["next"],"additionalProperties":false}"##
        let once =
            ##"{"type":"object","properties":{"next":{"type":"object","properties":{"next":{"$ref":"#","description":"n"}},"required":["next"],"additionalProperties":false,"description":"n"}},"required":["next"],"additionalProperties":false}"##
        #expect(strictForm(recursive) == once)
    }

    @Test func strictFormMergesSingleAllOfAndDropsNullDefaults() {
        let schema =
            #"{"type":"object","properties":{"a":{"allOf":[{"type":"string","enum":["x"]}],"description":"d","default":null}},"required":["a"]}"#
        #expect(
            strictForm(schema)
                == #"{"type":"object","properties":{"a":{"description":"d","type":"string","enum":["x"]}},"required":["a"],"additionalProperties":false}"#
        )
        let conflicting = #"{"allOf":[{"type":"string"}],"type":"integer"}"#
        #expect(strictForm(conflicting) == conflicting)
    }

    @Test func strictFormOfACompliantSchemaIsUnchanged() {
        #expect(strictForm(Self.designSchema) == JSONWriter.string(json(Self.designSchema)))
    }
}
