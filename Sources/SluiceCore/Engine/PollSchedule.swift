/// When a batch in flight is polled next: `batch.poll.initial`, growing 1.5× per poll up to `batch.poll.max`.
///
/// While it grows each wait is jittered ±20%, so batches submitted together drift apart; once at the cap the
/// wait is exactly `poll.max`. (A jittered cap — `Backoff`, as retries use — averages a little under the cap:
/// the mean of 1/U(0.8, 1.2) is 1.014 calls per `poll.max`; issue 8 asks for at most one per batch per `poll.max`.)
/// The batches keep the phases the jittered growth gave them.
struct PollSchedule: Sendable {
    private(set) var current: Duration
    let max: Duration
    static let factor = 1.5
    static let jitter: ClosedRange<Double> = 0.8...1.2

    init(initial: Duration, max: Duration) {
        current = Swift.min(initial, max)
        self.max = max
    }

    /// The wait before the next poll, then grows.
    mutating func next() -> Duration {
        var random = SystemRandomNumberGenerator()
        return next(using: &random)
    }

    mutating func next<R: RandomNumberGenerator>(using random: inout R) -> Duration {
        let wait = current >= max ? max : Swift.min(current * Double.random(in: Self.jitter, using: &random), max)
        current = Swift.min(current * Self.factor, max)
        return wait
    }
}
