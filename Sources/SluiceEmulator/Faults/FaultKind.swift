/// A fault the emulator can inject into realtime calls, named as in `--faults` (`http429=0.2`).
///
/// Adding a kind is one case here plus its arm in `FaultKind+Response.swift`; parsing, help text, the
/// seeded choice and the stats pick it up from `allCases`. Kinds are exclusive outcomes of one call: each
/// takes its share of one uniform draw, in declaration order (see `FaultPlan.draw(seed:call:)`).
public enum FaultKind: String, CaseIterable, Sendable, Comparable {
    /// HTTP 429 `rate_limit_exceeded` with `retry-after` and `x-ratelimit-*` headers.
    case http429
    /// HTTP 500 `server_error`, or (one in two) 503 "overloaded", both with the real envelopes.
    case http5xx

    /// One line for `sluice emulator --help` and the README.
    public var summary: String {
        switch self {
        case .http429: return "429 rate_limit_exceeded with retry-after and x-ratelimit-* headers"
        case .http5xx: return "500 server_error or 503 overloaded, half each"
        }
    }

    /// Declaration order, which is also the order kinds take their share of the draw.
    public static func < (lhs: FaultKind, rhs: FaultKind) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
