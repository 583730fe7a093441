import Foundation
import SluiceJSON

/// How reports write numbers, money and prices, so `estimate` and `sample` read alike.
enum Figures {
    /// USD rounded to a millionth of a dollar for JSON.
    static func rounded(_ value: Double) -> Double { USD.rounded(value) }

    /// A USD figure for JSON: rounded, or null when unknown.
    static func usd(_ value: Double?) -> JSONValue { value.map { .double(rounded($0)) } ?? .null }

    /// `1,234,567`.
    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (value < 0 ? "-" : "") + out
    }

    /// `$0.0634`, `$12.50`; cents of cents for the small sums a sample costs (`$0.000023`); `unknown` for nil.
    static func money(_ value: Double?, small: Bool = false) -> String {
        guard let value else { return "unknown" }
        if small && value > 0 && value < 0.000_000_5 { return "<$0.000001" }
        if small && value != 0 && abs(value) < 0.01 { return String(format: "$%.6f", value) }
        return USD.text(value)
    }

    /// The `price` object of a report: whether the model is priced, the table and its date, both rate pairs.
    static func priceJSON(_ price: ModelPrice?, table: String, asOf: String?) -> JSONValue {
        func rates(_ r: ModelPrice.Rates) -> JSONValue { ["input": .double(r.input), "output": .double(r.output)] }
        var object: JSONObject = [
            "known": .bool(price != nil), "table": .string(table), "as_of": asOf.map(JSONValue.string) ?? .null,
            "unit": "USD per 1M tokens",
        ]
        object["batch"] = price.map { rates($0.batch) } ?? .null
        object["realtime"] = price.map { rates($0.realtime) } ?? .null
        return .object(object)
    }
}
