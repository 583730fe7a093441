/// JSON Schema's primitive types as a bit set, so a `type` check is one mask test.
struct SchemaTypes: OptionSet, Sendable {
    let rawValue: UInt8

    static let null = SchemaTypes(rawValue: 1 << 0)
    static let boolean = SchemaTypes(rawValue: 1 << 1)
    static let integer = SchemaTypes(rawValue: 1 << 2)
    static let number = SchemaTypes(rawValue: 1 << 3)
    static let string = SchemaTypes(rawValue: 1 << 4)
    static let array = SchemaTypes(rawValue: 1 << 5)
    static let object = SchemaTypes(rawValue: 1 << 6)

    /// Names in the order messages list them.
    static let named: [(name: String, type: SchemaTypes)] = [
        ("object", .object), ("array", .array), ("string", .string), ("integer", .integer),
        ("number", .number), ("boolean", .boolean), ("null", .null),
    ]

    /// The type for a JSON Schema type name, nil for unknown names.
    init?(name: String) {
        guard let entry = Self.named.first(where: { $0.name == name }) else { return nil }
        self = entry.type
    }

    init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// Whether a value of this set's types may be `value`: `number` admits integers, and `integer` admits
    /// whole numbers written with a fraction or exponent (`3.0`, `1e2`).
    func admits(_ value: JSONValue) -> Bool {
        switch value {
        case .null: return contains(.null)
        case .bool: return contains(.boolean)
        case .int: return !isDisjoint(with: [.integer, .number])
        case .double(let d): return contains(.number) || (contains(.integer) && d.rounded(.towardZero) == d)
        case .string: return contains(.string)
        case .array: return contains(.array)
        case .object: return contains(.object)
        }
    }

    /// `string or null`, `object, array or null`.
    var phrase: String {
        SchemaText.alternatives(Self.named.filter { contains($0.type) }.map(\.name))
    }
}
