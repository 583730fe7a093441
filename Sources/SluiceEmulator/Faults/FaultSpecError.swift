/// Why a `--faults` spec (or a fault setting) was refused; `part` is the piece of the spec at fault.
public struct FaultSpecError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable code: `faults.syntax`, `faults.unknown_kind`, `faults.bad_rate`, `faults.rate_out_of_range`,
    /// `faults.duplicate_kind`, `faults.total_over_one`, `faults.bad_retry_after`, `faults.bad_slow_ms`.
    public var code: String
    /// Human-readable detail, naming the bad part.
    public var message: String
    /// The offending part of the spec as written (the whole spec for `faults.total_over_one`).
    public var part: String

    public var description: String { "\(code): \(message)" }

    static func syntax(_ part: String) -> FaultSpecError {
        FaultSpecError(code: "faults.syntax", message: "'\(part)' is not KIND=RATE", part: part)
    }

    static func unknownKind(_ name: String, in part: String) -> FaultSpecError {
        let known = FaultKind.allCases.map(\.rawValue).joined(separator: ", ")
        return FaultSpecError(
            code: "faults.unknown_kind", message: "unknown fault kind '\(name)' in '\(part)' (known: \(known))",
            part: part)
    }

    static func badRate(_ part: String) -> FaultSpecError {
        FaultSpecError(code: "faults.bad_rate", message: "the rate in '\(part)' is not a number", part: part)
    }

    static func rateOutOfRange(_ part: String) -> FaultSpecError {
        FaultSpecError(
            code: "faults.rate_out_of_range", message: "the rate in '\(part)' is outside 0...1", part: part)
    }

    static func duplicate(_ part: String) -> FaultSpecError {
        FaultSpecError(code: "faults.duplicate_kind", message: "'\(part)' names a kind given before", part: part)
    }

    static func totalOverOne(_ spec: String, layer: FaultLayer, total: Double) -> FaultSpecError {
        let kinds = FaultKind.kinds(of: layer).map(\.rawValue).joined(separator: ", ")
        return FaultSpecError(
            code: "faults.total_over_one",
            message: "the \(layer.rawValue) rates in '\(spec)' add up to \(total); a \(layer.subject) gets at most "
                + "one of \(kinds), so their rates must add up to 1 or less",
            part: spec)
    }

    static func badSlow(_ value: Int) -> FaultSpecError {
        FaultSpecError(
            code: "faults.bad_slow_ms", message: "slow-ms \(value) is not within 0...600000 milliseconds",
            part: "\(value)")
    }

    static func badRetryAfter(_ value: Double) -> FaultSpecError {
        FaultSpecError(
            code: "faults.bad_retry_after", message: "retry-after \(value) s is not within 0...3600 seconds",
            part: "\(value)")
    }
}

extension FaultLayer {
    /// What one draw of the layer is for, in messages.
    var subject: String {
        switch self {
        case .transport: return "call"
        case .line: return "batch request"
        case .batch: return "batch"
        }
    }
}
