import SluiceJSON
import Yams

/// A YAML document as JSON values, remembering the line of every key path for error messages.
struct YAMLDocument {
    var root: JSONValue
    /// Line of each node, keyed by dotted key path (sequence items as `path.N`).
    var lines: [String: Int]

    /// YAML 1.2 core: only true/false are booleans, so `enum: [yes, no]` stays strings; timestamps stay strings.
    private static let resolver = try! Resolver.default
        .replacing(.bool, with: "^(?:true|True|TRUE|false|False|FALSE)$")
        .removing(.timestamp)

    init(yaml: String) throws(SpecParseFailure) {
        let node: Node?
        do {
            node = try Yams.compose(yaml: yaml, Self.resolver)
        } catch let error as YamlError {
            throw SpecParseFailure(message: Self.describe(error), line: Self.line(of: error))
        } catch {
            throw SpecParseFailure(message: "\(error)", line: nil)
        }
        var lines: [String: Int] = [:]
        root = try node.map { (n) throws(SpecParseFailure) -> JSONValue in try Self.convert(n, path: "", lines: &lines) }
            ?? .null
        self.lines = lines
    }

    private static func convert(_ node: Node, path: String, lines: inout [String: Int]) throws(SpecParseFailure)
        -> JSONValue
    {
        if let mark = node.mark { lines[path] = mark.line }
        switch node {
        case .scalar(let scalar):
            switch resolver.resolveTag(of: node) {
            case .null: return .null
            case .bool: return .bool(node.bool ?? false)
            case .int:
                if let i = node.int { return .int(i) }
                return .string(scalar.string)
            case .float:
                if let d = node.float, d.isFinite { return .double(d) }
                return .string(scalar.string)
            default: return .string(scalar.string)
            }
        case .sequence(let sequence):
            var items: [JSONValue] = []
            for (i, item) in sequence.enumerated() {
                items.append(try convert(item, path: join(path, String(i)), lines: &lines))
            }
            return .array(items)
        case .mapping(let mapping):
            var object = JSONObject()
            for (keyNode, valueNode) in mapping {
                guard let key = keyNode.string else {
                    throw SpecParseFailure(message: "mapping keys must be strings", line: keyNode.mark?.line)
                }
                object[key] = try convert(valueNode, path: join(path, key), lines: &lines)
            }
            return .object(object)
        case .alias:
            throw SpecParseFailure(message: "YAML aliases are not supported", line: node.mark?.line)
        }
    }

    private static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : path + "." + key }

    private static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
            return mark.line
        default:
            return nil
        }
    }

    private static func describe(_ error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _):
            return "invalid YAML: \(problem)"
        default:
            return "invalid YAML: \(error)"
        }
    }
}

/// A YAML syntax error.
struct SpecParseFailure: Error {
    var message: String
    var line: Int?
}
