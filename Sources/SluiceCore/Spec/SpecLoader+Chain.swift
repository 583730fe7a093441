import SluiceJSON

extension SpecLoader {
    /// `then: NAME`, or `then: {pipeline: NAME, where: {field: F, OP: VALUE}}`, checked against the output schema.
    static func chainSpec(_ top: inout SpecFields, name: String, output: OutputSpec?, endpoint: Endpoint) -> ChainSpec? {
        guard let raw = top.raw("then") else { return nil }
        let pipeline: String?
        var filter: RowFilter?
        if raw.objectValue != nil {
            var fields = top.nested("then")
            pipeline = fields.string("pipeline")
            if fields.object["pipeline"] == nil { fields.problem("pipeline", "spec.missing_key", "'pipeline' is required") }
            if fields.object["where"] != nil {
                var test = fields.nested("where")
                filter = rowFilter(&test, output: output, endpoint: endpoint)
                fields.problems += test.finish()
            }
            top.problems += fields.finish()
        } else {
            pipeline = top.string("then")
        }
        guard let pipeline else { return nil }
        let keyPath = raw.objectValue != nil ? "then.pipeline" : "then"
        if pipeline == name {
            top.problems.append(problem(top, keyPath, "spec.invalid_value", "a pipeline cannot feed itself"))
        } else if !isPipelineName(pipeline) {
            top.problems.append(
                problem(
                    top, keyPath, "spec.invalid_value",
                    "'\(pipeline)' is not a pipeline name (a spec file's stem: no '/', not hidden)"))
        }
        return ChainSpec(pipeline: pipeline, filter: filter)
    }

    /// The `where:` mapping: `field` and exactly one operator, its operand fitting the field's schema.
    private static func rowFilter(_ fields: inout SpecFields, output: OutputSpec?, endpoint: Endpoint) -> RowFilter? {
        let field = fields.string("field")
        if fields.object["field"] == nil { fields.problem("field", "spec.missing_key", "'field' is required") }
        // Every operator is a known key here; one given as null counts as not given.
        var operands: [(op: String, value: JSONValue)] = []
        for key in RowFilter.operators {
            if let value = fields.raw(key) { operands.append((key, value)) }
        }
        let given = operands.map(\.op)
        guard given.count == 1 else {
            let list = RowFilter.operators.joined(separator: ", ")
            let code = given.isEmpty ? "spec.missing_key" : "spec.conflict"
            let message = given.isEmpty
                ? "one operator is required: \(list)" : "only one operator per filter, got \(given.joined(separator: ", "))"
            fields.problems.append(problem(fields, fields.path, code, message))
            return nil
        }
        guard let field, let first = operands.first else { return nil }
        let (op, operand) = first
        let properties = output?.wireSchema?["properties"]?.objectValue ?? JSONObject()
        let wholeOutput = properties.count == 0
        let single = endpoint == .embeddings ? "embedding" : (output?.wireSchema == nil ? "content" : "output")
        let allowed = wholeOutput ? [single] : Array(properties.keys)
        guard allowed.contains(field) else {
            let prefix = output?.prefix ?? ""
            let hint = !prefix.isEmpty && field.hasPrefix(prefix) && allowed.contains(String(field.dropFirst(prefix.count)))
                ? " (name the field without the prefix '\(prefix)')" : ""
            fields.problem(
                "field", "spec.chain_unknown_field",
                "'\(field)' is not an output field (fields: \(allowed.joined(separator: ", ")))\(hint)")
            return nil
        }
        let schema = wholeOutput ? output?.wireSchema : properties[field]
        guard let test = filterTest(&fields, op: op, operand: operand, field: field, schema: schema) else { return nil }
        return RowFilter(field: field, test: test, wholeOutput: wholeOutput)
    }

    /// The test for one operator, or nil with a problem when its operand cannot be compared with the field.
    private static func filterTest(
        _ fields: inout SpecFields, op: String, operand: JSONValue, field: String, schema: JSONValue?
    ) -> RowFilter.Test? {
        let types = schemaTypes(schema)
        let numeric = types.isEmpty || types.contains("integer") || types.contains("number")
        switch op {
        case "gt", "gte", "lt", "lte":
            guard let bound = operand.numberValue, bound.isFinite else {
                fields.problem(op, "spec.invalid_type", "expected a number, got \(operand.typeName)")
                return nil
            }
            guard numeric else {
                fields.problem(
                    op, "spec.chain_type_mismatch",
                    "'\(field)' is \(types.sorted().joined(separator: " or ")) in the output schema: '\(op)' compares numbers")
                return nil
            }
            switch op {
            case "gt": return .greaterThan(bound)
            case "gte": return .atLeast(bound)
            case "lt": return .lessThan(bound)
            default: return .atMost(bound)
            }
        default:
            let values = op == "in" ? operand.arrayValue : [operand]
            guard let values, !values.isEmpty else {
                fields.problem(op, "spec.invalid_type", "expected a non-empty list, got \(operand.typeName)")
                return nil
            }
            for value in values {
                guard ["string", "integer", "number", "boolean"].contains(value.typeName) else {
                    fields.problem(op, "spec.invalid_type", "expected a string, number or boolean, got \(value.typeName)")
                    return nil
                }
                if !types.isEmpty && !types.contains(value.typeName)
                    && !(value.typeName == "integer" && types.contains("number"))
                {
                    fields.problem(
                        op, "spec.chain_type_mismatch",
                        "\(JSONWriter.string(value)) is \(value.typeName); '\(field)' is "
                            + "\(types.sorted().joined(separator: " or ")) in the output schema, so no row would match")
                    return nil
                }
                if let choices = schema?["enum"]?.arrayValue, !choices.contains(value) {
                    fields.problem(
                        op, "spec.chain_value_not_in_enum",
                        "\(JSONWriter.string(value)) is not one of \(choices.map { JSONWriter.string($0) }.joined(separator: ", "))"
                            + " ('\(field)' in the output schema), so no row would match")
                    return nil
                }
            }
            switch op {
            case "equals": return .equals(values[0])
            case "not_equals": return .notEquals(values[0])
            default: return .oneOf(values)
            }
        }
    }

    /// The JSON types a property schema allows (`type` as a word or a list); empty when it does not say.
    private static func schemaTypes(_ schema: JSONValue?) -> Set<String> {
        switch schema?["type"] {
        case .string(let t)?: return [t]
        case .array(let ts)?: return Set(ts.compactMap(\.stringValue)).subtracting(["null"])
        default: return []
        }
    }

    /// A spec file's stem that can be a folder name under `inbox/`.
    private static func isPipelineName(_ s: String) -> Bool {
        !s.isEmpty && !s.hasPrefix(".") && !s.contains("/") && !s.contains("\0")
    }

    private static func problem(_ fields: SpecFields, _ keyPath: String, _ code: String, _ message: String) -> SpecProblem {
        SpecProblem(code: code, file: fields.file, keyPath: keyPath, line: fields.document.lines[keyPath], message: message)
    }
}
