/// The compiled form of a schema: nodes addressed by index, node 0 being the root.
struct SchemaProgram: Sendable {
    let nodes: [SchemaNode]
}

/// Turns a schema document into a `SchemaProgram`, collecting every definition problem on the way.
///
/// Each schema location (JSON pointer inside the document) is compiled once; `$ref` resolves to the location's
/// node index, reserved before its keywords are read, so recursive references terminate.
struct SchemaCompiler {
    /// The whole schema document, which `$ref` pointers resolve against.
    let document: JSONValue
    private var nodes: [SchemaNode?] = []
    private var indexByLocation: [String: Int] = [:]
    /// Edges that apply another node to the same value (`$ref`, `allOf`, `anyOf`, `oneOf`, `not`), with the
    /// keyword's pointer. A cycle made only of these would never descend into the value, so it never ends.
    private var inPlaceEdges: [[(target: Int, keyword: String)]] = []
    private var locations: [String] = []
    /// Problems found so far, in document order.
    private(set) var problems: [SchemaDefinitionError] = []

    private init(document: JSONValue) {
        self.document = document
    }

    /// Compiles `document`; the program is nil when there were problems.
    static func compile(_ document: JSONValue) -> (program: SchemaProgram?, problems: [SchemaDefinitionError]) {
        var compiler = SchemaCompiler(document: document)
        _ = compiler.node(for: document, at: "")
        compiler.findInPlaceCycles()
        guard compiler.problems.isEmpty else { return (nil, compiler.problems) }
        return (SchemaProgram(nodes: compiler.nodes.map { $0! }), [])
    }

    /// The node index for the schema at `location`, compiling it on first use.
    mutating func node(for schema: JSONValue, at location: String) -> Int {
        if let existing = indexByLocation[location] { return existing }
        let index = nodes.count
        nodes.append(nil)
        indexByLocation[location] = index
        inPlaceEdges.append([])
        locations.append(location)
        var draft = SchemaNodeDraft()
        switch schema {
        case .bool(let accepts):
            draft.rejectsAll = !accepts
        case .object(let object):
            draft = compileKeywords(object, at: location, node: index)
        default:
            problem(
                "schema_def.invalid", location,
                "expected a schema (an object, true or false), got \(SchemaText.kindAndValue(schema))")
        }
        nodes[index] = SchemaNode(draft)
        return index
    }

    /// Records that node `from` applies node `to` to the same value, through the keyword at `keyword`.
    mutating func addInPlaceEdge(from: Int, to: Int, keyword: String) {
        inPlaceEdges[from].append((to, keyword))
    }

    /// Records a problem; the message gets the pointer prefix.
    mutating func problem(_ code: String, _ path: String, _ message: String) {
        problems.append(SchemaDefinitionError(code: code, path: path, message: "\(SchemaText.label(path)): \(message)"))
    }

    /// The node a local `$ref` (`#`, `#/$defs/name`, any `#/json/pointer`) points to, nil after reporting why
    /// there is none.
    mutating func resolveRef(_ ref: String, at path: String) -> Int? {
        let shown = JSONWriter.string(.string(SchemaText.shortened(ref, to: 80)))
        guard ref.hasPrefix("#") else {
            problem(
                "schema_def.invalid_ref", path,
                "$ref \(shown) points outside this schema; only local references such as #/$defs/Name are supported")
            return nil
        }
        guard let fragment = JSONPointer.percentDecoded(ref.dropFirst()) else {
            problem("schema_def.invalid_ref", path, "$ref \(shown) has a malformed % escape")
            return nil
        }
        guard fragment.isEmpty || fragment.hasPrefix("/") else {
            problem(
                "schema_def.invalid_ref", path,
                "$ref \(shown) names an anchor; only JSON pointers such as #/$defs/Name are supported")
            return nil
        }
        guard let tokens = JSONPointer.tokens(fragment) else {
            problem(
                "schema_def.invalid_ref", path,
                "$ref \(shown) is not a valid JSON pointer (~ must be followed by 0 or 1)")
            return nil
        }
        guard let target = JSONPointer.resolve(tokens, in: document) else {
            problem("schema_def.invalid_ref", path, "$ref \(shown) points to nothing in this schema")
            return nil
        }
        return node(for: target, at: tokens.map { "/" + JSONPointer.escape($0) }.joined())
    }

    /// Reports every cycle of in-place edges (for example `$defs/a` → `$ref` → `$defs/a`): validating such a
    /// schema would recurse forever on the same value.
    private mutating func findInPlaceCycles() {
        enum Mark { case unvisited, active, done }
        var marks = [Mark](repeating: .unvisited, count: inPlaceEdges.count)
        var cycles: [(keyword: String, target: Int)] = []
        func visit(_ node: Int) {
            marks[node] = .active
            for edge in inPlaceEdges[node] {
                switch marks[edge.target] {
                case .unvisited: visit(edge.target)
                case .active: cycles.append((edge.keyword, edge.target))
                case .done: break
                }
            }
            marks[node] = .done
        }
        for node in inPlaceEdges.indices where marks[node] == .unvisited { visit(node) }
        for cycle in cycles {
            problem(
                "schema_def.ref_cycle", cycle.keyword,
                "leads back to \(SchemaText.label(locations[cycle.target])) without descending into the value, "
                    + "so validation would never end")
        }
    }
}
