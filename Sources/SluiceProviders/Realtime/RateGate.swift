/// Paces request starts so a server's limits hold: requests per minute and estimated tokens per minute.
///
/// Requests are spaced evenly (60 s / rpm, with a 5% margin) rather than let through in bursts, so no
/// sliding 60-second window ever holds more than `rpm` starts — retries included, since every attempt
/// passes the gate. The margin is for the server's view: it counts arrivals, and requests started on time
/// can arrive bunched behind a slow network or a busy machine. Tokens refill continuously up to one minute's worth.
actor RateGate {
    private let spacing: Duration?
    private let tokensPerSecond: Double?
    private let capacity: Double
    private var tokens: Double
    private var nextSlot: ContinuousClock.Instant
    private var lastRefill: ContinuousClock.Instant

    init(requestsPerMinute: Int, tokensPerMinute: Int) {
        spacing = requestsPerMinute > 0 ? .seconds(60.0 / Double(requestsPerMinute) * 1.05) : nil
        tokensPerSecond = tokensPerMinute > 0 ? Double(tokensPerMinute) / 60 : nil
        capacity = Double(tokensPerMinute)
        tokens = capacity
        nextSlot = .now
        lastRefill = .now
    }

    /// Waits until one more request of about `tokens` tokens may start.
    func acquire(tokens cost: Int) async throws {
        let now = ContinuousClock.now
        var start = max(now, nextSlot)
        if let spacing { nextSlot = start + spacing }
        if let rate = tokensPerSecond {
            tokens = min(capacity, tokens + rate * Double((now - lastRefill).components.seconds)
                + rate * Double((now - lastRefill).components.attoseconds) / 1e18)
            lastRefill = now
            let need = min(Double(cost), capacity)
            if tokens < need { start = max(start, now + .seconds((need - tokens) / rate)) }
            tokens -= need
        }
        if start > now { try await Task.sleep(until: start, clock: .continuous) }
    }
}
