/// One validation run over one value: walks the value and the compiled nodes together, collecting violations.
///
/// Paths are kept as a stack of segments and rendered to a pointer only when a violation is recorded, so a valid
/// value costs no string building. Probes (is this `anyOf` branch valid?) run with `recording` off and a limit of
/// one, so they stop at the first failure and build no messages.
struct SchemaValidation {
    let nodes: [SchemaNode]
    /// Stop after this many failures.
    let limit: Int
    /// Whether failures are kept as `SchemaViolation`s (false for probes).
    let recording: Bool
    private(set) var violations: [SchemaViolation] = []
    private(set) var failures = 0
    private var path: [JSONPointer.Segment] = []

    init(nodes: [SchemaNode], limit: Int, recording: Bool) {
        self.nodes = nodes
        self.limit = limit
        self.recording = recording
    }

    /// Steps into a member or element; the path is only kept when recording, so probes never allocate it.
    mutating func enter(_ segment: JSONPointer.Segment) {
        if recording { path.append(segment) }
    }

    /// Steps back out of the member or element entered last.
    mutating func leave() {
        if recording { path.removeLast() }
    }

    /// Whether the limit is reached and the walk should unwind.
    var isFull: Bool { failures >= limit }

    /// Records a failure at the current path.
    mutating func fail(_ code: String, _ message: @autoclosure () -> String) {
        failures += 1
        guard recording else { return }
        let pointer = JSONPointer.render(path)
        violations.append(
            SchemaViolation(code: code, path: pointer, message: "\(SchemaText.label(pointer)): \(message())"))
    }

    /// Validates `value` against node `index`.
    mutating func check(_ value: JSONValue, _ index: Int) {
        let node = nodes[index]
        if node.rejectsAll {
            fail("schema.false", "no value is allowed here")
            return
        }
        if let ref = node.ref {
            check(value, ref)
            if isFull { return }
        }
        if let types = node.types, !types.admits(value) {
            // The other keywords would only repeat the mismatch (an enum of strings given a number).
            fail("schema.type", "expected \(types.phrase), got \(SchemaText.kindAndValue(value))")
            return
        }
        if let enumeration = node.enumeration, !enumeration.contains(value) {
            fail("schema.enum", "\(SchemaText.preview(value)) is not one of \(enumeration.listing)")
        }
        if let constant = node.constant, constant != value {
            fail("schema.const", "expected \(SchemaText.preview(constant)), got \(SchemaText.preview(value))")
        }
        switch value {
        case .object(let object) where node.hasObjectKeywords: checkObject(object, node)
        case .array(let elements) where node.hasArrayKeywords: checkArray(elements, node)
        case .string(let string) where node.hasStringKeywords: checkString(string, node)
        case .int, .double: if node.hasNumberKeywords { checkNumber(value, node) }
        default: break
        }
        if node.hasCombinators, !isFull { checkCombinators(value, node) }
    }

    /// Whether `value` is valid against node `index`, without recording anything.
    func probe(_ value: JSONValue, _ index: Int) -> Bool {
        var probe = SchemaValidation(nodes: nodes, limit: 1, recording: false)
        probe.check(value, index)
        return probe.failures == 0
    }

    private mutating func checkCombinators(_ value: JSONValue, _ node: SchemaNode) {
        for branch in node.allOf {
            // Every branch must hold, so its own violations are the most precise report; allOf has no code.
            check(value, branch)
            if isFull { return }
        }
        if !node.anyOf.isEmpty, !node.anyOf.contains(where: { probe(value, $0) }) {
            reportNoMatch(value, node.anyOf, code: "schema.any_of", keyword: "anyOf")
            if isFull { return }
        }
        if !node.oneOf.isEmpty {
            var matching: (first: Int, second: Int?)?
            for (i, branch) in node.oneOf.enumerated() where probe(value, branch) {
                if let first = matching?.first {
                    matching = (first, i)
                    break
                }
                matching = (i, nil)
            }
            if matching == nil {
                reportNoMatch(value, node.oneOf, code: "schema.one_of", keyword: "oneOf")
            } else if case (let first, let second?)? = matching {
                fail(
                    "schema.one_of",
                    "\(SchemaText.preview(value)) matches more than one alternative of oneOf (\(first) and \(second))")
            }
            if isFull { return }
        }
        if let not = node.not, probe(value, not) {
            fail("schema.not", "\(SchemaText.preview(value)) must not match the schema in \"not\"")
        }
    }

    /// Reports a value that matches no alternative as precisely as the alternatives allow.
    ///
    /// Alternatives are told apart by their declared types. When no alternative accepts the value's type, that is
    /// a `schema.type` violation naming all accepted types (`expected string or null, got integer 5`). When exactly
    /// one does (the usual `anyOf: [{…}, {"type": "null"}]` of strict mode), its own violations are reported, as if
    /// it stood alone. Otherwise one violation with `code` says that no alternative matched.
    private mutating func reportNoMatch(_ value: JSONValue, _ branches: [Int], code: String, keyword: String) {
        var accepted: SchemaTypes = []
        var candidate: Int?
        var candidates = 0
        for branch in branches {
            if let types = declaredTypes(branch) {
                accepted.formUnion(types)
                if !types.admits(value) { continue }
            } else {
                accepted = []
                candidates = 2  // an untyped alternative: the types do not discriminate
                break
            }
            candidates += 1
            candidate = branch
        }
        if candidates == 0, !accepted.isEmpty {
            fail("schema.type", "expected \(accepted.phrase), got \(SchemaText.kindAndValue(value))")
        } else if candidates == 1, let candidate {
            check(value, candidate)
        } else {
            fail(code, "\(SchemaText.preview(value)) matches none of the \(branches.count) alternatives of \(keyword)")
        }
    }

    /// The types node `index` admits at most, following `$ref`; nil when it does not constrain the type.
    private func declaredTypes(_ index: Int) -> SchemaTypes? {
        var current = nodes[index]
        // Chains of $ref terminate: the compiler rejects in-place cycles.
        while true {
            if current.rejectsAll { return [] }
            if let types = current.types { return types }
            guard let ref = current.ref else { return nil }
            current = nodes[ref]
        }
    }
}
