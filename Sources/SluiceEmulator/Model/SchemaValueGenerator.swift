import Foundation
import SluiceJSON

/// Generates a JSON value that conforms to a JSON Schema, making every choice from a seeded generator.
///
/// Supports the keywords OpenAI Structured Outputs accepts (and a few more): `type` (also as an array with
/// `null`), `enum`, `const`, `properties`/`required`/`additionalProperties`/`min-maxProperties`, `items`,
/// `prefixItems`, `min-maxItems`, `uniqueItems`, numeric bounds incl. exclusive ones and `multipleOf`,
/// `min-maxLength`, `pattern`, common `format`s, `anyOf`/`oneOf` (one branch), `allOf` (merged) and `$ref`
/// into the same document (`#`, `#/$defs/...`, `#/definitions/...`).
struct SchemaValueGenerator {
    /// The whole schema document, for `$ref` resolution.
    let root: JSONValue
    /// The source of every choice.
    var random: SplitMix64
    /// Nesting depth after which optional content is left out so recursive schemas terminate.
    let softDepth = 6
    /// Hard stop for pathological recursion (a required self-reference).
    let hardDepth = 32

    /// A value for the whole document.
    mutating func generate() -> JSONValue {
        value(for: root, depth: 0)
    }

    /// Resolves a local JSON pointer reference; nil when it points nowhere.
    static func resolve(_ ref: String, in root: JSONValue) -> JSONValue? {
        if ref == "#" { return root }
        guard ref.hasPrefix("#/") else { return nil }
        var node = root
        for raw in ref.dropFirst(2).split(separator: "/", omittingEmptySubsequences: false) {
            let token = raw.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            switch node {
            case .object(let o):
                guard let next = o[token] else { return nil }
                node = next
            case .array(let a):
                guard let i = Int(token), a.indices.contains(i) else { return nil }
                node = a[i]
            default:
                return nil
            }
        }
        return node
    }

    /// A value for `schema` found `depth` levels below the root.
    mutating func value(for schema: JSONValue, depth: Int) -> JSONValue {
        guard depth < hardDepth else { return .null }
        guard case .object(let s) = schema else {
            if case .bool(false) = schema { return .null }
            return .string(Vocabulary.text(minLength: 1, maxLength: 24, random: &random))
        }
        if let ref = s["$ref"]?.stringValue, let target = Self.resolve(ref, in: root) {
            return value(for: target, depth: depth + 1)
        }
        if let constant = s["const"] { return constant }
        if let options = s["enum"]?.arrayValue, !options.isEmpty { return random.pick(options) }
        if let branches = (s["anyOf"] ?? s["oneOf"])?.arrayValue, !branches.isEmpty {
            return value(for: chooseBranch(branches, depth: depth), depth: depth + 1)
        }
        if let parts = s["allOf"]?.arrayValue, !parts.isEmpty {
            return value(for: .object(Self.merge(s, parts, root: root)), depth: depth + 1)
        }
        switch chooseType(s, depth: depth) {
        case "object": return object(s, depth: depth)
        case "array": return array(s, depth: depth)
        case "integer": return integer(s)
        case "number": return number(s)
        case "boolean": return .bool(random.chance(0.5))
        case "null": return .null
        default: return string(s)
        }
    }

    private mutating func chooseBranch(_ branches: [JSONValue], depth: Int) -> JSONValue {
        guard depth >= softDepth else { return random.pick(branches) }
        // Deep in a recursive schema: prefer a branch that cannot recurse further.
        let terminal = branches.first { branch in
            guard let o = branch.objectValue else { return true }
            return o["$ref"] == nil && o["properties"] == nil && o["items"] == nil
        }
        return terminal ?? branches[0]
    }

    private mutating func chooseType(_ s: JSONObject, depth: Int) -> String {
        var types: [String]
        if let single = s["type"]?.stringValue {
            types = [single]
        } else if let list = s["type"]?.arrayValue?.compactMap(\.stringValue), !list.isEmpty {
            types = list
        } else {
            types = [Self.inferredType(s)]
        }
        guard types.count > 1 else { return types[0] }
        if types.contains("null") && (depth >= softDepth || random.chance(0.15)) { return "null" }
        let concrete = types.filter { $0 != "null" }
        return concrete.isEmpty ? "null" : random.pick(concrete)
    }

    /// The type a schema without `type` describes, judged by its keywords.
    static func inferredType(_ s: JSONObject) -> String {
        if s["properties"] != nil || s["required"] != nil || s["additionalProperties"] != nil { return "object" }
        if s["items"] != nil || s["prefixItems"] != nil || s["minItems"] != nil { return "array" }
        if s["minimum"] != nil || s["maximum"] != nil || s["multipleOf"] != nil
            || s["exclusiveMinimum"] != nil || s["exclusiveMaximum"] != nil
        {
            return "number"
        }
        return "string"
    }

    /// `allOf` parts folded into one schema: properties merged, `required` united, other keywords last-wins.
    static func merge(_ base: JSONObject, _ parts: [JSONValue], root: JSONValue) -> JSONObject {
        var merged = base
        merged["allOf"] = nil
        var properties = base["properties"]?.objectValue ?? JSONObject()
        var required = base["required"]?.arrayValue ?? []
        for part in parts {
            var p = part.objectValue ?? JSONObject()
            if let ref = p["$ref"]?.stringValue, let target = resolve(ref, in: root)?.objectValue { p = target }
            for (key, v) in p {
                switch key {
                case "properties": for (name, prop) in v.objectValue ?? JSONObject() { properties[name] = prop }
                case "required": required += (v.arrayValue ?? []).filter { !required.contains($0) }
                default: merged[key] = v
                }
            }
        }
        if properties.count > 0 { merged["properties"] = .object(properties) }
        if !required.isEmpty { merged["required"] = .array(required) }
        return merged
    }

    private mutating func object(_ s: JSONObject, depth: Int) -> JSONValue {
        var out = JSONObject()
        let properties = s["properties"]?.objectValue ?? JSONObject()
        let requiredNames = (s["required"]?.arrayValue ?? []).compactMap(\.stringValue)
        let required = Set(requiredNames)
        let additional = s["additionalProperties"]
        let extrasAllowed = additional != .bool(false)
        for (name, propertySchema) in properties
        where required.contains(name) || (depth < softDepth && random.chance(0.5)) {
            out[name] = value(for: propertySchema, depth: depth + 1)
        }
        let extraSchema: JSONValue = additional?.objectValue != nil ? additional! : ["type": "string"]
        for name in requiredNames where out[name] == nil {
            out[name] = value(for: extraSchema, depth: depth + 1)
        }
        if extrasAllowed, let minimum = s["minProperties"]?.numberValue {
            var n = 1
            while Double(out.count) < minimum {
                if out["field_\(n)"] == nil { out["field_\(n)"] = value(for: extraSchema, depth: depth + 1) }
                n += 1
            }
        }
        if let maximum = s["maxProperties"]?.numberValue {
            for key in out.keys.reversed() where Double(out.count) > maximum && !required.contains(key) {
                out[key] = nil
            }
        }
        return .object(out)
    }

    private mutating func array(_ s: JSONObject, depth: Int) -> JSONValue {
        let minItems = max(0, Int(s["minItems"]?.numberValue ?? 0))
        let maxItems = max(minItems, Int(min(s["maxItems"]?.numberValue ?? Double(minItems + 3), 1e6)))
        var low = minItems
        var high = min(maxItems, minItems + 3)
        if depth >= softDepth {
            high = low
        } else if low == 0 && high > 0 {
            low = 1  // empty arrays are legal but make dull test data
        }
        let count = random.int(in: low...max(low, high))
        let prefix = s["prefixItems"]?.arrayValue ?? (s["items"]?.arrayValue ?? [])
        let itemSchema: JSONValue = s["items"]?.objectValue.map { .object($0) } ?? [:]
        let unique = s["uniqueItems"] == .bool(true)
        var out: [JSONValue] = []
        for i in 0..<count {
            let schema = i < prefix.count ? prefix[i] : itemSchema
            var element = value(for: schema, depth: depth + 1)
            if unique {
                var tries = 0
                while out.contains(element) && tries < 24 {
                    element = value(for: schema, depth: depth + 1)
                    tries += 1
                }
                if out.contains(element) {
                    if out.count >= minItems { break }
                    if case .string(let text) = element { element = .string(text + " \(i)") }
                    if case .int(let n) = element { element = .int(n &+ i) }
                }
            }
            out.append(element)
        }
        return .array(out)
    }

    /// Inclusive bounds from `minimum`/`maximum` and `exclusiveMinimum`/`exclusiveMaximum` (numbers, or the
    /// draft-4 booleans that modify `minimum`/`maximum`).
    static func bounds(_ s: JSONObject) -> (low: Double?, lowExclusive: Bool, high: Double?, highExclusive: Bool) {
        var low = s["minimum"]?.numberValue
        var lowExclusive = s["exclusiveMinimum"] == .bool(true)
        if let e = s["exclusiveMinimum"]?.numberValue, low == nil || e >= low! {
            low = e
            lowExclusive = true
        }
        var high = s["maximum"]?.numberValue
        var highExclusive = s["exclusiveMaximum"] == .bool(true)
        if let e = s["exclusiveMaximum"]?.numberValue, high == nil || e <= high! {
            high = e
            highExclusive = true
        }
        return (low, lowExclusive, high, highExclusive)
    }

    private mutating func integer(_ s: JSONObject) -> JSONValue {
        let b = Self.bounds(s)
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
        guard lo <= hi else { return .int(lo) }
        if let step = s["multipleOf"]?.numberValue, step > 0, step.rounded() == step, step < limit {
            let m = Int(step)
            let kLow = Int((Double(lo) / step).rounded(.up))
            let kHigh = Int((Double(hi) / step).rounded(.down))
            if kLow <= kHigh { return .int(random.int(in: kLow...kHigh) * m) }
        }
        return .int(random.int(in: lo...hi))
    }

    private mutating func number(_ s: JSONObject) -> JSONValue {
        let b = Self.bounds(s)
        var low = b.low ?? ((b.high ?? 100) - 100)
        var high = b.high ?? (low + 100)
        low = max(-1e15, low)
        high = min(1e15, high)
        guard low <= high else { return .double(low) }
        if let step = s["multipleOf"]?.numberValue, step > 0 {
            var kLow = (low / step).rounded(.up)
            var kHigh = (high / step).rounded(.down)
            if b.lowExclusive && kLow * step <= low { kLow += 1 }
            if b.highExclusive && kHigh * step >= high { kHigh -= 1 }
            if kLow <= kHigh, kHigh - kLow < 1e15 {
                let k = kLow + Double(random.int(in: 0...Int(kHigh - kLow)))
                return .double(Self.roundLike(k * step, step: step))
            }
        }
        var v = low + random.unit() * (high - low)
        let rounded = (v * 100).rounded() / 100
        if rounded >= low && rounded <= high { v = rounded }
        if (b.lowExclusive && v <= low) || (b.highExclusive && v >= high) { v = (low + high) / 2 }
        return .double(v)
    }

    /// Rounds a multiple to the decimals of its step, so 3 × 0.1 prints as 0.3, not 0.30000000000000004.
    static func roundLike(_ value: Double, step: Double) -> Double {
        var scale = 1.0
        var decimals = 0
        while (step * scale).rounded() != step * scale && decimals < 12 {
            scale *= 10
            decimals += 1
        }
        return (value * scale).rounded() / scale
    }

    private mutating func string(_ s: JSONObject) -> JSONValue {
        let minLength = Int(s["minLength"]?.numberValue ?? 0)
        let maxLength = Int(min(s["maxLength"]?.numberValue ?? Double(max(minLength, 48)), 100_000))
        if let format = s["format"]?.stringValue, let text = Vocabulary.formatted(format, random: &random) {
            return .string(text)
        }
        if let pattern = s["pattern"]?.stringValue, let text = PatternString.generate(pattern, random: &random) {
            return .string(text)
        }
        return .string(Vocabulary.text(minLength: minLength, maxLength: maxLength, random: &random))
    }
}
