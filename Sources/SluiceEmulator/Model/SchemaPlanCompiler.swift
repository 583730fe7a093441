import SluiceJSON

/// Turns a schema into a `SchemaPlan`, taking `SchemaValueGenerator.value(for:depth:)`'s decisions in its
/// order: `$ref`, `const`, `enum`, `anyOf`/`oneOf`, `allOf`, then the type. Each case mirrors the generator's
/// code for it; a change there must be made here too (the random-schema test catches a difference).
struct SchemaPlanCompiler {
    let root: JSONValue
    /// The generator's limits: below the soft depth its choices do not depend on depth.
    private let softDepth = SchemaValueGenerator(root: .null, random: SplitMix64(seed: 0)).softDepth

    /// The step for `schema` found `depth` levels below the root.
    func compile(_ schema: JSONValue, depth: Int) -> SchemaPlan.Step {
        // Deeper, the generator drops optional content and prefers terminal branches: let it decide there.
        guard depth < softDepth else { return .general(schema, depth: depth) }
        guard case .object(let s) = schema else {
            if case .bool(false) = schema { return .literal(Array("null".utf8)) }
            return .text(minLength: 1, maxLength: 24)
        }
        if needsGenerator(s) { return .general(schema, depth: depth) }
        if let ref = s["$ref"]?.stringValue, let target = SchemaValueGenerator.resolve(ref, in: root) {
            return compile(target, depth: depth + 1)
        }
        if let constant = s["const"] { return .literal(JSONWriter.bytes(constant)) }
        if let options = s["enum"]?.arrayValue, !options.isEmpty { return .pick(options.map(JSONWriter.bytes)) }
        if let branches = (s["anyOf"] ?? s["oneOf"])?.arrayValue, !branches.isEmpty {
            return .branch(branches.map { compile($0, depth: depth + 1) })
        }
        if let parts = s["allOf"]?.arrayValue, !parts.isEmpty {
            return compile(.object(SchemaValueGenerator.merge(s, parts, root: root)), depth: depth + 1)
        }
        let types: [String]
        if let single = s["type"]?.stringValue {
            types = [single]
        } else if let list = s["type"]?.arrayValue?.compactMap(\.stringValue), !list.isEmpty {
            types = list
        } else {
            types = [SchemaValueGenerator.inferredType(s)]
        }
        guard types.count > 1 else { return typed(types[0], s, depth: depth) }
        return .types(
            nullable: types.contains("null"), types.filter { $0 != "null" }.map { typed($0, s, depth: depth) })
    }

    /// Keywords whose handling the plan leaves to the generator (they compare or prune generated values), and
    /// numbers that `Int(_:)` would trap on: the generator traps only if it reaches them, the plan never.
    private func needsGenerator(_ s: JSONObject) -> Bool {
        if s["minProperties"] != nil || s["maxProperties"] != nil || s["uniqueItems"] != nil { return true }
        return ["minItems", "maxItems", "minLength", "maxLength"].contains { key in
            guard let v = s[key]?.numberValue else { return false }
            return !(abs(v) < 1e15)
        }
    }

    private func typed(_ type: String, _ s: JSONObject, depth: Int) -> SchemaPlan.Step {
        switch type {
        case "object": return object(s, depth: depth)
        case "array": return array(s, depth: depth)
        case "integer": return integer(s)
        case "number": return number(s)
        case "boolean": return .boolean
        case "null": return .literal(Array("null".utf8))
        default: return string(s)
        }
    }

    private func key(_ name: String) -> [UInt8] {
        var out: [UInt8] = []
        JSONWriter.writeString(name, into: &out)
        out.append(UInt8(ascii: ":"))
        return out
    }

    private func object(_ s: JSONObject, depth: Int) -> SchemaPlan.Step {
        let properties = s["properties"]?.objectValue ?? JSONObject()
        let requiredNames = (s["required"]?.arrayValue ?? []).compactMap(\.stringValue)
        let required = Set(requiredNames)
        let members = properties.keys.map { name in
            SchemaPlan.Member(
                key: key(name), required: required.contains(name), step: compile(properties[name]!, depth: depth + 1))
        }
        let additional = s["additionalProperties"]
        let extraSchema: JSONValue = additional?.objectValue != nil ? additional! : ["type": "string"]
        var seen = Set(properties.keys)
        var extras: [(key: [UInt8], step: SchemaPlan.Step)] = []
        for name in requiredNames where seen.insert(name).inserted {
            extras.append((key(name), compile(extraSchema, depth: depth + 1)))
        }
        return .object(members: members, extras: extras)
    }

    private func array(_ s: JSONObject, depth: Int) -> SchemaPlan.Step {
        let minItems = max(0, Int(s["minItems"]?.numberValue ?? 0))
        let maxItems = max(minItems, Int(min(s["maxItems"]?.numberValue ?? Double(minItems + 3), 1e6)))
        var low = minItems
        let high = min(maxItems, minItems + 3)
        if low == 0 && high > 0 { low = 1 }  // as the generator, above its soft depth
        let count = low...max(low, high)
        let prefix = s["prefixItems"]?.arrayValue ?? (s["items"]?.arrayValue ?? [])
        let itemSchema: JSONValue = s["items"]?.objectValue.map { .object($0) } ?? [:]
        let prefixSteps = prefix.prefix(count.upperBound).map { compile($0, depth: depth + 1) }
        let item = count.upperBound > prefix.count ? compile(itemSchema, depth: depth + 1) : nil
        return .array(count: count, prefix: prefixSteps, item: item)
    }

    private func integer(_ s: JSONObject) -> SchemaPlan.Step {
        let b = SchemaValueGenerator.bounds(s)
        let limit = 1e15
        var low = b.low.map { b.lowExclusive ? ($0 + 1).rounded(.down) : $0.rounded(.up) }
        var high = b.high.map { b.highExclusive ? ($0 - 1).rounded(.up) : $0.rounded(.down) }
        switch (low, high) {
        case (nil, nil): low = 0; high = 100
        case (nil, let h?): low = h - 100
        case (let l?, nil): high = l + 100
        default: break
        }
        let lo = Int(max(-limit, min(limit, low!)))
        let hi = Int(max(-limit, min(limit, high!)))
        guard lo <= hi else { return .literal(JSONWriter.bytes(.int(lo))) }
        if let step = s["multipleOf"]?.numberValue, step > 0, step.rounded() == step, step < limit {
            let kLow = Int((Double(lo) / step).rounded(.up))
            let kHigh = Int((Double(hi) / step).rounded(.down))
            if kLow <= kHigh { return .integer(kLow...kHigh, times: Int(step)) }
        }
        return .integer(lo...hi, times: 1)
    }

    private func number(_ s: JSONObject) -> SchemaPlan.Step {
        let b = SchemaValueGenerator.bounds(s)
        var low = b.low ?? ((b.high ?? 100) - 100)
        var high = b.high ?? (low + 100)
        low = max(-1e15, low)
        high = min(1e15, high)
        guard low <= high else { return .literal(JSONWriter.bytes(.double(low))) }
        if let step = s["multipleOf"]?.numberValue, step > 0 {
            var kLow = (low / step).rounded(.up)
            var kHigh = (high / step).rounded(.down)
            if b.lowExclusive && kLow * step <= low { kLow += 1 }
            if b.highExclusive && kHigh * step >= high { kHigh -= 1 }
            if kLow <= kHigh, kHigh - kLow < 1e15 { return .multiple(first: kLow, span: Int(kHigh - kLow), step: step) }
        }
        return .uniform(low: low, high: high, lowExclusive: b.lowExclusive, highExclusive: b.highExclusive)
    }

    private func string(_ s: JSONObject) -> SchemaPlan.Step {
        let minLength = Int(s["minLength"]?.numberValue ?? 0)
        let maxLength = Int(min(s["maxLength"]?.numberValue ?? Double(max(minLength, 48)), 100_000))
        var probe = SplitMix64(seed: 0)
        // Both answer nil before drawing anything for what they do not generate.
        if let format = s["format"]?.stringValue, Vocabulary.formatted(format, random: &probe) != nil {
            return .format(format)
        }
        if let pattern = s["pattern"]?.stringValue, PatternString.generate(pattern, random: &probe) != nil {
            return .pattern(pattern)
        }
        return .text(minLength: minLength, maxLength: maxLength)
    }
}
