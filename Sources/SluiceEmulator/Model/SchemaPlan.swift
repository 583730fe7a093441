import SluiceJSON

/// A JSON schema compiled once into the steps `SchemaValueGenerator` takes for it, so an answer is written
/// straight to bytes without looking keywords up in the schema's `JSONValue` tree for every request.
///
/// The plan makes exactly the generator's random draws, in its order, and writes exactly what `JSONWriter`
/// writes for the generator's value (tested byte for byte on random schemas). Everything the plan does not
/// model (`minProperties`, `maxProperties`, `uniqueItems`, anything at or beyond the generator's soft depth
/// where recursion rules change) is a `.general` step that runs the generator itself from that node.
struct SchemaPlan {
    /// The schema document (what `.general` steps resolve `$ref`s in).
    let root: JSONValue
    /// The step for the whole document.
    let step: Step

    /// One node of the plan, with the decisions that need no randomness already taken.
    indirect enum Step {
        /// Bytes written without a draw: `const`, `null`, an integer range that is empty.
        case literal([UInt8])
        /// `enum`: one of the serialised options.
        case pick([[UInt8]])
        /// `anyOf`/`oneOf`: one branch.
        case branch([Step])
        /// A `type` array: `null` with probability 0.15 when `nullable`, else one of the concrete types.
        case types(nullable: Bool, [Step])
        /// An object; `members` in `properties` order (a required one always, an optional one by a coin), then
        /// the required names `properties` lacks.
        case object(members: [Member], extras: [(key: [UInt8], step: Step)])
        /// An array of `count` elements: `prefix` steps first, `item` for the rest.
        case array(count: ClosedRange<Int>, prefix: [Step], item: Step?)
        /// An integer `k` drawn from `range`, written as `k * step`.
        case integer(ClosedRange<Int>, times: Int)
        /// A number `first + k` times `step` for a drawn `k` in `0...span`, rounded to the step's decimals.
        case multiple(first: Double, span: Int, step: Double)
        /// A number drawn uniformly in the bounds, rounded to cents when that stays inside.
        case uniform(low: Double, high: Double, lowExclusive: Bool, highExclusive: Bool)
        /// `true` or `false`.
        case boolean
        /// Words, `Vocabulary.text`.
        case text(minLength: Int, maxLength: Int)
        /// A `format` string, `Vocabulary.formatted`.
        case format(String)
        /// A `pattern` string, `PatternString.generate` (the pattern is known to parse).
        case pattern(String)
        /// The generator itself, from `schema` at `depth`.
        case general(JSONValue, depth: Int)
    }

    /// An object property: `"name":` as written, whether it is required, and its value's step.
    struct Member {
        var key: [UInt8]
        var required: Bool
        var step: Step
    }

    /// The plan of `schema` (a whole `response_format` schema document).
    init(schema: JSONValue) {
        root = schema
        step = SchemaPlanCompiler(root: schema).compile(schema, depth: 0)
    }

    /// Appends the compact JSON of the value `SchemaValueGenerator(root:random:).generate()` would return,
    /// advancing `random` exactly as it would.
    func write(random: inout SplitMix64, into out: inout [UInt8]) {
        write(step, random: &random, into: &out)
    }

    private func write(_ step: Step, random: inout SplitMix64, into out: inout [UInt8]) {
        switch step {
        case .literal(let bytes):
            out.append(contentsOf: bytes)
        case .pick(let options):
            out.append(contentsOf: random.pick(options))
        case .branch(let branches):
            write(random.pick(branches), random: &random, into: &out)
        case .types(let nullable, let concrete):
            if nullable && random.chance(0.15) {
                out.append(contentsOf: "null".utf8)
            } else if concrete.isEmpty {
                out.append(contentsOf: "null".utf8)
            } else {
                write(random.pick(concrete), random: &random, into: &out)
            }
        case .object(let members, let extras):
            out.append(UInt8(ascii: "{"))
            var first = true
            for member in members where member.required || random.chance(0.5) {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                out.append(contentsOf: member.key)
                write(member.step, random: &random, into: &out)
            }
            for extra in extras {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                out.append(contentsOf: extra.key)
                write(extra.step, random: &random, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        case .array(let count, let prefix, let item):
            let n = random.int(in: count)
            out.append(UInt8(ascii: "["))
            for i in 0..<n {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                // The compiler gives an item step whenever `count` can pass the prefix.
                write(i < prefix.count ? prefix[i] : item!, random: &random, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .integer(let range, let times):
            ChatAnswerWriter.appendInt(random.int(in: range) * times, into: &out)
        case .multiple(let first, let span, let step):
            let k = first + Double(random.int(in: 0...span))
            JSONWriter.write(.double(SchemaValueGenerator.roundLike(k * step, step: step)), into: &out)
        case .uniform(let low, let high, let lowExclusive, let highExclusive):
            var v = low + random.unit() * (high - low)
            let rounded = (v * 100).rounded() / 100
            if rounded >= low && rounded <= high { v = rounded }
            if (lowExclusive && v <= low) || (highExclusive && v >= high) { v = (low + high) / 2 }
            JSONWriter.write(.double(v), into: &out)
        case .boolean:
            out.append(contentsOf: (random.chance(0.5) ? "true" : "false").utf8)
        case .text(let minLength, let maxLength):
            out.append(UInt8(ascii: "\""))
            Vocabulary.appendText(minLength: minLength, maxLength: maxLength, random: &random, into: &out)
            out.append(UInt8(ascii: "\""))
        case .format(let format):
            JSONWriter.writeString(Vocabulary.formatted(format, random: &random) ?? "", into: &out)
        case .pattern(let pattern):
            JSONWriter.writeString(PatternString.generate(pattern, random: &random) ?? "", into: &out)
        case .general(let schema, let depth):
            var generator = SchemaValueGenerator(root: root, random: random)
            JSONWriter.write(generator.value(for: schema, depth: depth), into: &out)
            random = generator.random
        }
    }
}
