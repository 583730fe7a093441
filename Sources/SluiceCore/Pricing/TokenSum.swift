/// A sum of per-request token estimates that is the same whatever order the requests are added in.
///
/// `process` adds its requests' estimates chunk by chunk as staging renders them, `sluice estimate` request by
/// request over its own chunks, and the two must print the same figure (the budget's hold reason quotes the
/// estimate). Floating-point sums depend on the order and grouping; these are fixed-point integers, so they
/// do not. A unit of 1/65536 token keeps a request's rounding far below what the estimate can resolve, and
/// 2^63 units hold 10^14 tokens.
public struct TokenSum: Sendable, Equatable {
    /// The sum in units of 1/65536 token.
    public private(set) var units: Int64 = 0

    static let scale = 65536.0

    public init() {}

    /// The sum whose value is `tokens` (a value `tokens` gave, as stored).
    public init(tokens: Double) { units = Int64((tokens * Self.scale).rounded()) }

    public mutating func add(_ estimate: Double) { units += Int64((estimate * Self.scale).rounded()) }
    public mutating func add(_ other: TokenSum) { units += other.units }

    /// The sum in tokens (exact: a multiple of 1/65536 well within a Double's 53 bits).
    public var tokens: Double { Double(units) / Self.scale }
    /// The sum to the nearest whole token, as reports give it.
    public var rounded: Int { Int(tokens.rounded()) }
}
