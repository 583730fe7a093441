/// One compiled schema location. Nodes refer to each other by index into `SchemaProgram.nodes`, so recursive
/// schemas (`$ref`) need no reference cycles and the program is a plain `Sendable` value.
final class SchemaNode: Sendable {
    /// The boolean schema `false`: no value is valid.
    let rejectsAll: Bool
    let types: SchemaTypes?
    let enumeration: SchemaEnum?
    let constant: JSONValue?
    let ref: Int?

    let properties: [SchemaProperty]
    /// Declared property names, for telling additional properties apart.
    let declared: Set<String>
    /// `required` names that `properties` does not declare.
    let requiredUndeclared: [String]
    let additional: AdditionalProperties
    /// Pre-rendered `category, urgency` for additional-property messages.
    let declaredListing: String
    let minProperties: Int?
    let maxProperties: Int?

    let prefixItems: [Int]
    let items: Int?
    let minItems: Int?
    let maxItems: Int?
    let uniqueItems: Bool

    let minimum: JSONValue?
    let maximum: JSONValue?
    let exclusiveMinimum: JSONValue?
    let exclusiveMaximum: JSONValue?
    let multipleOf: JSONValue?

    let minLength: Int?
    let maxLength: Int?
    let pattern: RegexPattern?
    let format: StringFormat?

    let allOf: [Int]
    let anyOf: [Int]
    let oneOf: [Int]
    let not: Int?

    /// Whether any keyword of the group is present, so validation skips whole groups with one test.
    let hasObjectKeywords: Bool
    let hasArrayKeywords: Bool
    let hasNumberKeywords: Bool
    let hasStringKeywords: Bool
    let hasCombinators: Bool

    init(_ d: SchemaNodeDraft) {
        rejectsAll = d.rejectsAll
        types = d.types
        enumeration = d.enumeration
        constant = d.constant
        ref = d.ref
        properties = d.properties
        declared = Set(d.properties.map(\.name))
        requiredUndeclared = d.required.filter { name in !d.properties.contains { $0.name == name } }
        additional = d.additional
        declaredListing = SchemaText.list(d.properties.map { SchemaText.shortened($0.name, to: 30) })
        minProperties = d.minProperties
        maxProperties = d.maxProperties
        prefixItems = d.prefixItems
        items = d.items
        minItems = d.minItems
        maxItems = d.maxItems
        uniqueItems = d.uniqueItems
        minimum = d.minimum
        maximum = d.maximum
        exclusiveMinimum = d.exclusiveMinimum
        exclusiveMaximum = d.exclusiveMaximum
        multipleOf = d.multipleOf
        minLength = d.minLength
        maxLength = d.maxLength
        pattern = d.pattern
        format = d.format
        allOf = d.allOf
        anyOf = d.anyOf
        oneOf = d.oneOf
        not = d.not
        hasObjectKeywords =
            !d.properties.isEmpty || !d.required.isEmpty || d.minProperties != nil || d.maxProperties != nil
            || { if case .allowed = d.additional { return false } else { return true } }()
        hasArrayKeywords =
            !d.prefixItems.isEmpty || d.items != nil || d.minItems != nil || d.maxItems != nil || d.uniqueItems
        hasNumberKeywords =
            d.minimum != nil || d.maximum != nil || d.exclusiveMinimum != nil || d.exclusiveMaximum != nil
            || d.multipleOf != nil
        hasStringKeywords = d.minLength != nil || d.maxLength != nil || d.pattern != nil || d.format != nil
        hasCombinators = !d.allOf.isEmpty || !d.anyOf.isEmpty || !d.oneOf.isEmpty || d.not != nil
    }
}

/// The mutable form of a node while the compiler reads its keywords.
struct SchemaNodeDraft {
    var rejectsAll = false
    var types: SchemaTypes?
    var enumeration: SchemaEnum?
    var constant: JSONValue?
    var ref: Int?
    var properties: [SchemaProperty] = []
    var required: [String] = []
    var additional = AdditionalProperties.allowed
    var minProperties: Int?
    var maxProperties: Int?
    var prefixItems: [Int] = []
    var items: Int?
    var minItems: Int?
    var maxItems: Int?
    var uniqueItems = false
    var minimum: JSONValue?
    var maximum: JSONValue?
    var exclusiveMinimum: JSONValue?
    var exclusiveMaximum: JSONValue?
    var multipleOf: JSONValue?
    var minLength: Int?
    var maxLength: Int?
    var pattern: RegexPattern?
    var format: StringFormat?
    var allOf: [Int] = []
    var anyOf: [Int] = []
    var oneOf: [Int] = []
    var not: Int?
}

/// A declared property: its name, its schema and whether `required` lists it.
struct SchemaProperty: Sendable {
    let name: String
    let node: Int
    var required: Bool
}

/// What `additionalProperties` allows for members that `properties` does not declare.
enum AdditionalProperties: Sendable {
    case allowed
    case forbidden
    case schema(Int)
}

/// A compiled `enum`: hashed for membership, with the listing for messages rendered once.
struct SchemaEnum: Sendable {
    let values: [JSONValue]
    /// Set when every value is a string, so the common string enum is one `Set<String>` lookup.
    let strings: Set<String>?
    let all: Set<JSONValue>
    /// `billing, shipping, bug, other`.
    let listing: String

    init(_ values: [JSONValue]) {
        self.values = values
        let strings = values.compactMap(\.stringValue)
        self.strings = strings.count == values.count ? Set(strings) : nil
        all = Set(values)
        listing = SchemaText.list(values.map(SchemaText.listItem))
    }

    func contains(_ value: JSONValue) -> Bool {
        if let strings {
            guard case .string(let string) = value else { return false }
            return strings.contains(string)
        }
        return all.contains(value)
    }
}
