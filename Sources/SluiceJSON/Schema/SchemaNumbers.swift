/// Number comparisons for `minimum`, `maximum`, `multipleOf`: exact between integers, in `Double` otherwise.
enum SchemaNumbers {
    /// -1, 0 or 1 as `a` is less than, equal to or greater than `b`; both must be numbers.
    static func compare(_ a: JSONValue, _ b: JSONValue) -> Int {
        if case .int(let x) = a, case .int(let y) = b { return x < y ? -1 : (x > y ? 1 : 0) }
        let x = a.numberValue ?? 0
        let y = b.numberValue ?? 0
        return x < y ? -1 : (x > y ? 1 : 0)
    }

    /// Whether `value` is an integer multiple of `divisor` (> 0).
    ///
    /// For fractions the quotient is accepted when it lies within a relative 1e-9 of a whole number, so that
    /// 0.3 is a multiple of 0.1 although 0.3 / 0.1 is 2.9999999999999996 in binary floating point.
    static func isMultiple(_ value: JSONValue, of divisor: JSONValue) -> Bool {
        if case .int(let v) = value, case .int(let d) = divisor { return v % d == 0 }
        guard let v = value.numberValue, let d = divisor.numberValue else { return false }
        let quotient = v / d
        guard quotient.isFinite else { return false }
        return abs(quotient - quotient.rounded()) <= 1e-9 * max(1, abs(quotient))
    }
}
