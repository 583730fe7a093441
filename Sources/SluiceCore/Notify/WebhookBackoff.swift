/// When a failed delivery is tried again: exponential from `initial_backoff`, capped at `max_backoff`, with
/// jitter so that receivers coming back after an outage are not hit by every delivery in the same second.
public struct WebhookBackoff: Sendable {
    public var settings: WebhookSettings

    public init(_ settings: WebhookSettings) { self.settings = settings }

    /// The wait after `attempts` failed attempts (1 = after the first): initial · 2^(attempts-1), at most max;
    /// then "equal jitter": half of it fixed, the other half scaled by `jitter` (0...1).
    public func delay(afterAttempts attempts: Int, jitter: Double) -> Duration {
        let initial = Double(settings.initialBackoff.components.seconds)
            + Double(settings.initialBackoff.components.attoseconds) / 1e18
        let cap = Double(settings.maxBackoff.components.seconds) + Double(settings.maxBackoff.components.attoseconds) / 1e18
        let exponent = Double(min(max(attempts - 1, 0), 40))
        let full = min(cap, initial * Double.pow2(exponent))
        let seconds = full / 2 + full / 2 * min(max(jitter, 0), 1)
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }
}

extension Double {
    fileprivate static func pow2(_ exponent: Double) -> Double {
        var result = 1.0
        for _ in 0..<Int(exponent) { result *= 2 }
        return result
    }
}
