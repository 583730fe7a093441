import SluiceJSON
import Testing

@testable import SluiceEmulator

/// Random schemas of what `SchemaValueGenerator` supports, nested past its soft depth, with `$ref`s (recursive
/// ones too), keyword combinations and bounds that make its special cases fire.
private struct SchemaGenerator {
    var random: SplitMix64

    mutating func number(_ choices: [Double]) -> JSONValue {
        let v = random.pick(choices)
        return v.rounded() == v && random.chance(0.7) ? .int(Int(v)) : .double(v)
    }

    mutating func schema(depth: Int) -> JSONValue {
        if random.chance(0.03) { return random.pick([.bool(true), .bool(false), "odd"]) }
        var s = JSONObject()
        let leaf = depth > 8 || random.chance(0.35)
        let kinds = leaf ? ["string", "integer", "number", "boolean", "null", "enum", "const"] :
            ["object", "object", "array", "anyOf", "oneOf", "allOf", "ref", "types", "object"]
        switch random.pick(kinds) {
        case "object":
            var properties = JSONObject()
            for i in 0..<random.int(in: 0...4) { properties["p\(i)\(random.chance(0.1) ? "\"é" : "")"] = schema(depth: depth + 1) }
            if random.chance(0.9) { s["properties"] = .object(properties) }
            var required: [JSONValue] = properties.keys.filter { _ in random.chance(0.6) }.map { .string($0) }
            if random.chance(0.2) { required.append("extra") }
            if random.chance(0.1) { required.append(required.first ?? "dup") }
            if random.chance(0.8) { s["required"] = .array(required) }
            if random.chance(0.3) { s["additionalProperties"] = random.chance(0.5) ? false : schema(depth: depth + 1) }
            if random.chance(0.05) { s["minProperties"] = .int(random.int(in: 0...5)) }
            if random.chance(0.05) { s["maxProperties"] = .int(random.int(in: 0...3)) }
            if random.chance(0.85) { s["type"] = "object" }
        case "array":
            if random.chance(0.8) { s["type"] = "array" }
            if random.chance(0.8) { s["items"] = schema(depth: depth + 1) }
            if random.chance(0.2) { s["prefixItems"] = .array((0..<random.int(in: 0...3)).map { _ in schema(depth: depth + 1) }) }
            if random.chance(0.4) { s["minItems"] = number([0, 1, 2, 5]) }
            if random.chance(0.4) { s["maxItems"] = number([0, 1, 3, 10]) }
            if random.chance(0.1) { s["uniqueItems"] = true }
        case "anyOf", "oneOf":
            let key = random.chance(0.5) ? "anyOf" : "oneOf"
            s[key] = .array((0..<random.int(in: 1...3)).map { _ in schema(depth: depth + 1) })
        case "allOf":
            s["allOf"] = .array((0..<random.int(in: 1...3)).map { _ in schema(depth: depth + 1) })
            if random.chance(0.5) { s["properties"] = ["base": schema(depth: depth + 1)] }
        case "ref":
            // Not "#" nor "leaf" from inside itself: a required self-reference grows exponentially up to the
            // generator's hard depth (it terminates, slowly).
            var targets = ["#/$defs/node", "#/definitions/missing"]
            if depth < 3 { targets.append("#/$defs/node/properties/v") }
            if depth < 5 { targets.append("#/$defs/leaf") }
            s["$ref"] = .string(random.pick(targets))
        case "types":
            var types: [JSONValue] = ["string", "integer", "number", "boolean", "object", "array"].filter { _ in random.chance(0.3) }.map { .string($0) }
            if random.chance(0.6) { types.append("null") }
            s["type"] = .array(types)
            if random.chance(0.3) { s["maxLength"] = number([2, 10]) }
        case "string":
            if random.chance(0.8) { s["type"] = "string" }
            if random.chance(0.4) { s["minLength"] = number([0, 1, 2, 5, 30]) }
            if random.chance(0.4) { s["maxLength"] = number([0, 1, 2, 3, 10, 120]) }
            if random.chance(0.15) { s["format"] = .string(random.pick(["date", "date-time", "email", "uuid", "ipv4", "bogus"])) }
            if random.chance(0.15) { s["pattern"] = .string(random.pick(["^[A-Z]{2}-\\d{3}$", "(a|b)+c?", "(?=x)", "[^a-c]{2}"])) }
        case "integer", "number":
            s["type"] = .string(random.chance(0.5) ? "integer" : "number")
            let bounds: [Double] = [-7, -1.5, 0, 0.25, 1, 3, 5, 100, 1e16]
            if random.chance(0.5) { s["minimum"] = number(bounds) }
            if random.chance(0.5) { s["maximum"] = number(bounds) }
            if random.chance(0.2) { s["exclusiveMinimum"] = random.chance(0.3) ? .bool(true) : number(bounds) }
            if random.chance(0.2) { s["exclusiveMaximum"] = random.chance(0.3) ? .bool(true) : number(bounds) }
            if random.chance(0.3) { s["multipleOf"] = number([0.1, 0.5, 2, 3, 0]) }
        case "boolean": s["type"] = "boolean"
        case "null": s["type"] = "null"
        case "enum": s["enum"] = .array((0..<random.int(in: 0...4)).map { _ in random.pick(["a", 1, 2.5, nil, true, ["x": 1]]) })
        default: s["const"] = random.pick(["fixed", 7, nil, ["k": [1, 2]]])
        }
        return .object(s)
    }

    /// A whole document: a root schema with `$defs` its `$ref`s point into.
    mutating func document() -> JSONValue {
        guard case .object(var root) = schema(depth: 0) else { return schema(depth: 0) }
        root["$defs"] = ["node": ["type": "object", "properties": ["v": schema(depth: 3), "next": ["$ref": "#/$defs/node"]]], "leaf": schema(depth: 5)]
        return .object(root)
    }
}

@Suite struct SchemaPlanTests {
    @Test func planWritesTheGeneratorsValueWithTheSameDraws() {
        var schemas = SchemaGenerator(random: SplitMix64(seed: 8))
        var seeds = SplitMix64(seed: 88)
        for _ in 0..<3000 {
            let document = schemas.document()
            let plan = SchemaPlan(schema: document)
            for _ in 0..<4 {
                let seed = seeds.next()
                var generator = SchemaValueGenerator(root: document, random: SplitMix64(seed: seed))
                let expected = JSONWriter.bytes(generator.generate())
                var random = SplitMix64(seed: seed)
                var written: [UInt8] = []
                plan.write(random: &random, into: &written)
                #expect(written == expected, "\(JSONWriter.string(document))")
                #expect(random.next() == generator.random.next(), "draws differ: \(JSONWriter.string(document))")
            }
        }
    }

    @Test func bytesTextIsVocabularyText() {
        var random = SplitMix64(seed: 3)
        for _ in 0..<5000 {
            let minLength = random.int(in: -2...60)
            let maxLength = random.int(in: -2...130)
            let seed = random.next()
            var a = SplitMix64(seed: seed)
            var b = SplitMix64(seed: seed)
            var bytes: [UInt8] = [1, 2]
            Vocabulary.appendText(minLength: minLength, maxLength: maxLength, random: &a, into: &bytes)
            #expect(bytes == [1, 2] + Array(Vocabulary.text(minLength: minLength, maxLength: maxLength, random: &b).utf8))
            #expect(a.next() == b.next())
        }
    }
}
