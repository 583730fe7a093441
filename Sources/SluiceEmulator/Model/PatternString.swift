/// Generates a string matching a simple regular expression (the JSON Schema `pattern` keyword).
///
/// Covers what schemas use in practice: literals, escapes, `\d \w \s`, `.`, classes with ranges and negation,
/// groups with alternation, and the quantifiers `? * + {n} {n,} {n,m}`. Anything else (look-arounds,
/// back-references) makes `generate` return nil and the caller falls back to plain words.
enum PatternString {
    private indirect enum Node {
        case literal(Character)
        case set([ClosedRange<UInt32>], negated: Bool)
        case sequence([Node])
        case alternation([Node])
        case repetition(Node, min: Int, max: Int)
    }

    private struct ParseFailure: Error {}

    /// A string matching `pattern`, or nil when the pattern uses unsupported syntax.
    static func generate(_ pattern: String, random: inout SplitMix64) -> String? {
        var parser = Parser(chars: Array(pattern))
        guard let node = try? parser.parseAlternation(), parser.index == parser.chars.count else { return nil }
        var out = ""
        emit(node, into: &out, random: &random)
        return out
    }

    private static let wordSet: [ClosedRange<UInt32>] = [0x61...0x7A, 0x41...0x5A, 0x30...0x39, 0x5F...0x5F]
    private static let digitSet: [ClosedRange<UInt32>] = [0x30...0x39]
    private static let spaceSet: [ClosedRange<UInt32>] = [0x20...0x20]
    private static let printable: [ClosedRange<UInt32>] = [0x61...0x7A, 0x41...0x5A, 0x30...0x39]

    private static func emit(_ node: Node, into out: inout String, random: inout SplitMix64) {
        switch node {
        case .literal(let c):
            out.append(c)
        case .set(let ranges, let negated):
            if negated {
                let candidates = printable.flatMap { Array($0) }.filter { v in !ranges.contains { $0.contains(v) } }
                if let v = candidates.isEmpty ? nil : random.pick(candidates), let s = Unicode.Scalar(v) {
                    out.unicodeScalars.append(s)
                }
            } else if !ranges.isEmpty {
                let range = random.pick(ranges)
                let v = range.lowerBound + UInt32(random.below(Int(range.upperBound - range.lowerBound) + 1))
                if let s = Unicode.Scalar(v) { out.unicodeScalars.append(s) }
            }
        case .sequence(let nodes):
            for n in nodes { emit(n, into: &out, random: &random) }
        case .alternation(let options):
            emit(random.pick(options), into: &out, random: &random)
        case .repetition(let inner, let min, let max):
            for _ in 0..<random.int(in: min...max) { emit(inner, into: &out, random: &random) }
        }
    }

    private struct Parser {
        let chars: [Character]
        var index = 0

        mutating func parseAlternation() throws -> Node {
            var options = [try parseSequence()]
            while index < chars.count, chars[index] == "|" {
                index += 1
                options.append(try parseSequence())
            }
            return options.count == 1 ? options[0] : .alternation(options)
        }

        mutating func parseSequence() throws -> Node {
            var nodes: [Node] = []
            while index < chars.count, chars[index] != "|", chars[index] != ")" {
                let c = chars[index]
                if c == "^" || c == "$" {
                    index += 1
                    continue
                }
                var atom = try parseAtom()
                atom = try parseQuantifier(atom)
                nodes.append(atom)
            }
            return .sequence(nodes)
        }

        mutating func parseAtom() throws -> Node {
            let c = chars[index]
            index += 1
            switch c {
            case "(":
                if index + 1 < chars.count, chars[index] == "?" {
                    guard chars[index + 1] == ":" else { throw ParseFailure() }
                    index += 2
                }
                let inner = try parseAlternation()
                guard index < chars.count, chars[index] == ")" else { throw ParseFailure() }
                index += 1
                return inner
            case "[": return try parseSet()
            case ".": return .set(PatternString.printable, negated: false)
            case "\\": return try parseEscape(inSet: false).node
            case "*", "+", "?", "{", "}", "]": throw ParseFailure()
            default: return .literal(c)
            }
        }

        mutating func parseEscape(inSet: Bool) throws -> (node: Node, ranges: [ClosedRange<UInt32>]) {
            guard index < chars.count else { throw ParseFailure() }
            let e = chars[index]
            index += 1
            switch e {
            case "d": return (.set(PatternString.digitSet, negated: false), PatternString.digitSet)
            case "w": return (.set(PatternString.wordSet, negated: false), PatternString.wordSet)
            case "s": return (.set(PatternString.spaceSet, negated: false), PatternString.spaceSet)
            case "D": return (.set(PatternString.digitSet, negated: true), [0x61...0x7A])
            case "W", "S": return (.literal("-"), [0x2D...0x2D])
            case "n": return (.literal("\n"), [0x0A...0x0A])
            case "t": return (.literal("\t"), [0x09...0x09])
            case "b", "B", "1", "2", "3", "4", "5", "6", "7", "8", "9", "u", "x", "p", "P": throw ParseFailure()
            default:
                let v = e.unicodeScalars.first!.value
                return (.literal(e), [v...v])
            }
        }

        mutating func parseSet() throws -> Node {
            var negated = false
            if index < chars.count, chars[index] == "^" {
                negated = true
                index += 1
            }
            var ranges: [ClosedRange<UInt32>] = []
            var first = true
            while index < chars.count, chars[index] != "]" || first {
                first = false
                var low: UInt32
                if chars[index] == "\\" {
                    index += 1
                    let escaped = try parseEscape(inSet: true).ranges
                    if escaped.count != 1 || escaped[0].count != 1 {
                        ranges += escaped
                        continue
                    }
                    low = escaped[0].lowerBound
                } else {
                    low = chars[index].unicodeScalars.first!.value
                    index += 1
                }
                if index + 1 < chars.count, chars[index] == "-", chars[index + 1] != "]" {
                    index += 1
                    var high = chars[index].unicodeScalars.first!.value
                    if chars[index] == "\\" {
                        index += 1
                        guard index < chars.count else { throw ParseFailure() }
                        high = chars[index].unicodeScalars.first!.value
                    }
                    index += 1
                    guard low <= high else { throw ParseFailure() }
                    ranges.append(low...high)
                } else {
                    ranges.append(low...low)
                }
            }
            guard index < chars.count else { throw ParseFailure() }
            index += 1  // ]
            return .set(ranges, negated: negated)
        }

        mutating func parseQuantifier(_ atom: Node) throws -> Node {
            guard index < chars.count else { return atom }
            var result: Node
            switch chars[index] {
            case "?": result = .repetition(atom, min: 0, max: 1)
            case "*": result = .repetition(atom, min: 0, max: 3)
            case "+": result = .repetition(atom, min: 1, max: 4)
            case "{":
                guard let close = chars[index...].firstIndex(of: "}") else { throw ParseFailure() }
                let body = String(chars[(index + 1)..<close])
                let parts = body.split(separator: ",", omittingEmptySubsequences: false)
                guard let low = Int(parts[0]), parts.count <= 2 else { throw ParseFailure() }
                var high = low
                if parts.count == 2 { high = parts[1].isEmpty ? low + 3 : (Int(parts[1]) ?? -1) }
                guard high >= low, high <= 10_000 else { throw ParseFailure() }
                index = close
                result = .repetition(atom, min: low, max: high)
            default:
                return atom
            }
            index += 1
            if index < chars.count, chars[index] == "?" { index += 1 }  // lazy: same strings
            return result
        }
    }
}
