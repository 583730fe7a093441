import SluiceJSON
import Testing

/// A schema and the exact definition problems it has.
struct DefinitionCase: Sendable, CustomTestStringConvertible {
    let schema: String
    /// Code, path, message per problem.
    let expected: [[String]]

    init(_ schema: String, _ expected: [String]...) {
        self.schema = schema
        self.expected = expected
    }

    var testDescription: String { schema }
}

@Suite struct SchemaDefinitionTests {
    static let cases: [DefinitionCase] = [
        // Unknown keywords: typos get a suggestion, stray property schemas a hint.
        DefinitionCase(
            #"{"requried":["a"]}"#,
            [
                "schema_def.unknown_keyword", "/requried",
                #"/requried: unknown keyword "requried" (did you mean "required"?)"#,
            ]),
        DefinitionCase(
            #"{"tpye":"string"}"#,
            ["schema_def.unknown_keyword", "/tpye", #"/tpye: unknown keyword "tpye" (did you mean "type"?)"#]),
        DefinitionCase(
            #"{"Type":"string"}"#,
            ["schema_def.unknown_keyword", "/Type", #"/Type: unknown keyword "Type" (did you mean "type"?)"#]),
        DefinitionCase(
            #"{"frobnicate":1}"#,
            ["schema_def.unknown_keyword", "/frobnicate", #"/frobnicate: unknown keyword "frobnicate""#]),
        DefinitionCase(
            #"{"type":"object","name":{"type":"string"}}"#,
            [
                "schema_def.unknown_keyword", "/name",
                #"/name: unknown keyword "name" (property schemas belong under "properties")"#,
            ]),
        DefinitionCase(
            #"{"properties":{"a":{"maxLenght":3}}}"#,
            [
                "schema_def.unknown_keyword", "/properties/a/maxLenght",
                #"/properties/a/maxLenght: unknown keyword "maxLenght" (did you mean "maxLength"?)"#,
            ]),
        // Real keywords that Sluice does not implement.
        DefinitionCase(
            #"{"if":{},"then":{}}"#,
            ["schema_def.unsupported_keyword", "/if", #"/if: keyword "if" is not supported"#],
            ["schema_def.unsupported_keyword", "/then", #"/then: keyword "then" is not supported"#]),
        DefinitionCase(
            #"{"nullable":true}"#,
            [
                "schema_def.unsupported_keyword", "/nullable",
                #"/nullable: keyword "nullable" is not supported; this is OpenAPI, write "type": ["string", "null"] instead"#,
            ]),
        DefinitionCase(
            #"{"patternProperties":{}}"#,
            [
                "schema_def.unsupported_keyword", "/patternProperties",
                #"/patternProperties: keyword "patternProperties" is not supported"#,
            ]),
        // Wrong keyword types and values.
        DefinitionCase(
            #"{"minimum":"5"}"#, ["schema_def.invalid", "/minimum", #"/minimum: expected a number, got string "5""#]),
        DefinitionCase(
            #"{"required":"x"}"#,
            ["schema_def.invalid", "/required", #"/required: expected an array of property names, got string "x""#]),
        DefinitionCase(
            #"{"required":["a",3]}"#,
            ["schema_def.invalid", "/required/1", "/required/1: expected a property name, got integer 3"]),
        DefinitionCase(
            #"{"required":["a","b","a"]}"#,
            ["schema_def.invalid", "/required/2", #"/required/2: property "a" is listed twice"#]),
        DefinitionCase(
            #"{"type":"strin"}"#,
            ["schema_def.invalid", "/type", #"/type: unknown type "strin" (did you mean "string"?)"#]),
        DefinitionCase(
            #"{"type":"text"}"#,
            [
                "schema_def.invalid", "/type",
                #"/type: expected one of object, array, string, integer, number, boolean, null, got string "text""#,
            ]),
        DefinitionCase(
            #"{"type":[]}"#,
            [
                "schema_def.invalid", "/type",
                "/type: expected a type name or a non-empty array of type names, got array",
            ]),
        DefinitionCase(
            #"{"type":["string","nul"]}"#,
            ["schema_def.invalid", "/type/1", #"/type/1: unknown type "nul" (did you mean "null"?)"#]),
        DefinitionCase(
            #"{"type":["string","string"]}"#,
            ["schema_def.invalid", "/type/1", #"/type/1: type "string" is listed twice"#]),
        DefinitionCase(
            #"{"minLength":-1}"#,
            ["schema_def.invalid", "/minLength", "/minLength: expected a non-negative integer, got integer -1"]),
        DefinitionCase(
            #"{"maxItems":1.5}"#,
            ["schema_def.invalid", "/maxItems", "/maxItems: expected a non-negative integer, got number 1.5"]),
        DefinitionCase(
            #"{"multipleOf":0}"#,
            ["schema_def.invalid", "/multipleOf", "/multipleOf: expected a number greater than 0, got integer 0"]),
        DefinitionCase(
            #"{"enum":[]}"#, ["schema_def.invalid", "/enum", "/enum: enum is empty, so no value could be valid"]),
        DefinitionCase(
            #"{"enum":"a"}"#, ["schema_def.invalid", "/enum", #"/enum: expected an array of values, got string "a""#]),
        DefinitionCase(
            #"{"items":[{"type":"string"}]}"#,
            [
                "schema_def.invalid", "/items",
                "/items: expected a schema (the array form of draft 2019 and earlier is prefixItems), got array",
            ]),
        DefinitionCase(
            #"{"prefixItems":[]}"#,
            ["schema_def.invalid", "/prefixItems", "/prefixItems: expected a non-empty array of schemas, got array"]),
        DefinitionCase(
            #"{"properties":[]}"#,
            [
                "schema_def.invalid", "/properties",
                "/properties: expected an object mapping property names to schemas, got array",
            ]),
        DefinitionCase(
            #"{"properties":{"a/b":5}}"#,
            [
                "schema_def.invalid", "/properties/a~1b",
                "/properties/a~1b: expected a schema (an object, true or false), got integer 5",
            ]),
        DefinitionCase(
            #"{"additionalProperties":"no"}"#,
            [
                "schema_def.invalid", "/additionalProperties",
                #"/additionalProperties: expected a schema or a boolean, got string "no""#,
            ]),
        DefinitionCase(
            #"{"uniqueItems":"yes"}"#,
            ["schema_def.invalid", "/uniqueItems", #"/uniqueItems: expected a boolean, got string "yes""#]),
        DefinitionCase(
            #"{"anyOf":[]}"#,
            ["schema_def.invalid", "/anyOf", "/anyOf: expected a non-empty array of schemas, got array"]),
        DefinitionCase(
            #"{"oneOf":{}}"#,
            ["schema_def.invalid", "/oneOf", "/oneOf: expected a non-empty array of schemas, got object"]),
        DefinitionCase(
            #"{"not":"x"}"#,
            ["schema_def.invalid", "/not", #"/not: expected a schema (an object, true or false), got string "x""#]),
        DefinitionCase(
            #"{"format":5}"#, ["schema_def.invalid", "/format", "/format: expected a string, got integer 5"]),
        DefinitionCase(
            #"{"exclusiveMinimum":true}"#,
            [
                "schema_def.invalid", "/exclusiveMinimum",
                "/exclusiveMinimum: expected a number (the boolean form of draft 4 is not supported), got boolean true",
            ]),
        DefinitionCase(
            #"{"$defs":[]}"#,
            ["schema_def.invalid", "/$defs", "/$defs: expected an object of named schemas, got array"]),
        DefinitionCase(#"{"$ref":5}"#, ["schema_def.invalid", "/$ref", "/$ref: expected a string, got integer 5"]),
        DefinitionCase(
            "5", ["schema_def.invalid", "", "(root): expected a schema (an object, true or false), got integer 5"]),
        DefinitionCase(
            "null", ["schema_def.invalid", "", "(root): expected a schema (an object, true or false), got null"]),
        // Contradictions.
        DefinitionCase(
            #"{"minLength":2.0,"maxLength":1}"#,
            [
                "schema_def.invalid", "/minLength",
                "/minLength: minLength 2 is greater than maxLength 1, so no value could be valid",
            ]),
        DefinitionCase(
            #"{"minimum":5,"maximum":1.5}"#,
            [
                "schema_def.invalid", "/minimum",
                "/minimum: minimum 5 is greater than maximum 1.5, so no value could be valid",
            ]),
        DefinitionCase(
            #"{"minItems":3,"maxItems":2}"#,
            [
                "schema_def.invalid", "/minItems",
                "/minItems: minItems 3 is greater than maxItems 2, so no value could be valid",
            ]),
        DefinitionCase(
            #"{"minProperties":3,"maxProperties":2}"#,
            [
                "schema_def.invalid", "/minProperties",
                "/minProperties: minProperties 3 is greater than maxProperties 2, so no value could be valid",
            ]),
        DefinitionCase(
            #"{"properties":{"a":{}},"required":["a","b"],"additionalProperties":false}"#,
            [
                "schema_def.invalid", "/required/1",
                #"/required/1: required property "b" is not in properties and additionalProperties is false, so no value could be valid"#,
            ]),
        // Patterns.
        DefinitionCase(
            #"{"pattern":"(abc"}"#,
            ["schema_def.invalid_pattern", "/pattern", #"/pattern: invalid pattern "(abc": expected ')'"#]),
        DefinitionCase(
            #"{"pattern":"a{2,1}"}"#,
            [
                "schema_def.invalid_pattern", "/pattern",
                #"/pattern: invalid pattern "a{2,1}": range lower bound '2' must be less than or equal to upper bound '1'"#,
            ]),
        DefinitionCase(
            #"{"pattern":5}"#,
            ["schema_def.invalid", "/pattern", "/pattern: expected a regular expression string, got integer 5"]),
        // References.
        DefinitionCase(
            ##"{"$ref":"other.json#/a"}"##,
            [
                "schema_def.invalid_ref", "/$ref",
                ##"/$ref: $ref "other.json#/a" points outside this schema; only local references such as #/$defs/Name are supported"##,
            ]),
        DefinitionCase(
            ##"{"$ref":"#foo"}"##,
            [
                "schema_def.invalid_ref", "/$ref",
                ##"/$ref: $ref "#foo" names an anchor; only JSON pointers such as #/$defs/Name are supported"##,
            ]),
        DefinitionCase(
            ##"{"$ref":"#/$defs/nope"}"##,
            ["schema_def.invalid_ref", "/$ref", ##"/$ref: $ref "#/$defs/nope" points to nothing in this schema"##]),
        DefinitionCase(
            ##"{"$defs":{"a":{}},"$ref":"#/$defs/a~2"}"##,
            [
                "schema_def.invalid_ref", "/$ref",
                ##"/$ref: $ref "#/$defs/a~2" is not a valid JSON pointer (~ must be followed by 0 or 1)"##,
            ]),
        DefinitionCase(
            ##"{"$ref":"#/$defs/a%2"}"##,
            ["schema_def.invalid_ref", "/$ref", ##"/$ref: $ref "#/$defs/a%2" has a malformed % escape"##]),
        // Cycles that never descend into the value.
        DefinitionCase(
            ##"{"$defs":{"a":{"$ref":"#/$defs/b"},"b":{"$ref":"#/$defs/a"}},"$ref":"#/$defs/a"}"##,
            [
                "schema_def.ref_cycle", "/$defs/b/$ref",
                "/$defs/b/$ref: leads back to /$defs/a without descending into the value, so validation would never end",
            ]),
        DefinitionCase(
            ##"{"$ref":"#"}"##,
            [
                "schema_def.ref_cycle", "/$ref",
                "/$ref: leads back to (root) without descending into the value, so validation would never end",
            ]),
        DefinitionCase(
            ##"{"anyOf":[{"type":"null"},{"allOf":[{"$ref":"#"}]}]}"##,
            [
                "schema_def.ref_cycle", "/anyOf/1/allOf/0/$ref",
                "/anyOf/1/allOf/0/$ref: leads back to (root) without descending into the value, so validation would never end",
            ]),
        // Unused definitions are checked too.
        DefinitionCase(
            #"{"$defs":{"unused":{"type":"strnig"}},"type":"object"}"#,
            [
                "schema_def.invalid", "/$defs/unused/type",
                #"/$defs/unused/type: unknown type "strnig" (did you mean "string"?)"#,
            ]),
        // Several problems are all reported, in document order.
        DefinitionCase(
            #"{"type":"object","properties":{"a":{"type":"integer","minimum":"1"}},"requried":["a"],"additionalProperties":0}"#,
            [
                "schema_def.invalid", "/properties/a/minimum",
                #"/properties/a/minimum: expected a number, got string "1""#,
            ],
            [
                "schema_def.unknown_keyword", "/requried",
                #"/requried: unknown keyword "requried" (did you mean "required"?)"#,
            ],
            [
                "schema_def.invalid", "/additionalProperties",
                "/additionalProperties: expected a schema or a boolean, got integer 0",
            ]),
    ]

    @Test(arguments: cases)
    func definitionProblemsAreExact(_ c: DefinitionCase) {
        #expect(definitionProblems(c.schema) == c.expected)
    }

    @Test func initThrowsTheFirstProblem() {
        #expect(
            throws: SchemaDefinitionError(
                code: "schema_def.unknown_keyword", path: "/requried",
                message: #"/requried: unknown keyword "requried" (did you mean "required"?)"#)
        ) {
            try compiled(#"{"requried":["a"],"type":"strin"}"#)
        }
    }

    @Test func annotationsAreAccepted() throws {
        let schema = #"""
            {"title":"t","description":"d","default":1,"examples":[1],"$schema":"https://json-schema.org/draft/2020-12/schema",
             "$id":"x","$comment":"c","deprecated":true,"readOnly":false,"writeOnly":false,"format":"made-up"}
            """#
        #expect(definitionProblems(schema) == [])
        #expect(try compiled(schema).validate(json(#"{"anything":[1]}"#)) == [])
    }

    @Test func recursionThroughAPropertyIsNotACycle() {
        #expect(
            definitionProblems(##"{"properties":{"self":{"$ref":"#"}},"anyOf":[{"$ref":"#/properties/self"},{}]}"##)
                == [
                    [
                        "schema_def.ref_cycle", "/properties/self/$ref",
                        "/properties/self/$ref: leads back to (root) without descending into the value, so validation would never end",
                    ]
                ])
        #expect(definitionProblems(##"{"properties":{"self":{"$ref":"#"}}}"##) == [])
    }

    @Test func problemDescriptionNamesTheCode() {
        let problem = JSONSchema.definitionProblems(json(#"{"minimum":"5"}"#)).first
        #expect(problem?.description == #"/minimum: expected a number, got string "5" [schema_def.invalid]"#)
    }
}
