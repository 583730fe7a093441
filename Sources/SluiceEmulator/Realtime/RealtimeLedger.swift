import SluiceJSON

/// Counts of realtime calls, overall or for one endpoint.
struct RealtimeCounts: Sendable, Equatable {
    /// Calls that arrived (counted on arrival, before they are answered).
    var requests = 0
    /// Answered 200.
    var answered = 0
    /// Answered 429.
    var rateLimited = 0
    /// Answered 5xx.
    var serverErrors = 0
    /// Answered another 4xx.
    var clientErrors = 0

    mutating func count(_ outcome: RealtimeOutcome) {
        switch outcome {
        case .answered: answered += 1
        case .rateLimited: rateLimited += 1
        case .serverError: serverErrors += 1
        case .clientError: clientErrors += 1
        }
    }

    /// The keys of `GET /_emulator/stats` → `realtime` (and of each `by_endpoint` entry).
    var wire: JSONObject {
        JSONObject([
            ("requests", .int(requests)), ("answered", .int(answered)), ("rate_limited", .int(rateLimited)),
            ("server_errors", .int(serverErrors)), ("client_errors", .int(clientErrors)),
        ])
    }
}

/// Every realtime call's arrival (monotonic time) and outcome, and the call numbers faults are drawn for.
///
/// In memory only: a restarted emulator starts from zero, like its fault sequence. Keeps the most recent
/// `capacity` arrival times (a ring), so a long soak cannot grow it without bound; counts are never dropped.
actor RealtimeLedger {
    /// Arrival times kept by default.
    static let defaultCapacity = 1_000_000

    /// Arrival times kept at most.
    let capacity: Int
    private let origin = ContinuousClock.now
    /// Nanoseconds since `origin`; in arrival order until full, then a ring whose oldest entry is at `oldest`.
    private var arrivals: [Int64] = []
    private var oldest = 0
    private var dropped = 0
    private var calls: UInt64 = 0
    private var byEndpoint: [RealtimeEndpoint: RealtimeCounts] = [:]
    private var injected: [FaultKind: Int] = [:]

    /// A ledger keeping at most `capacity` arrival times (at least one).
    init(capacity: Int = RealtimeLedger.defaultCapacity) {
        self.capacity = max(1, capacity)
    }

    /// Records an arrival now and returns its call number (1-based since start or reset).
    func arrive(_ endpoint: RealtimeEndpoint) -> UInt64 {
        // Taken inside the actor, so times are in call-number order and the list stays sorted.
        let elapsed = ContinuousClock.now - origin
        let nanos = elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
        if arrivals.count < capacity {
            arrivals.append(nanos)
        } else {
            arrivals[oldest] = nanos
            oldest = (oldest + 1) % capacity
            dropped += 1
        }
        byEndpoint[endpoint, default: RealtimeCounts()].requests += 1
        calls += 1
        return calls
    }

    /// Records how a call was answered (nil: its connection was dropped), and which fault was injected into it.
    func finish(_ endpoint: RealtimeEndpoint, _ outcome: RealtimeOutcome?, fault: FaultKind?) {
        if let outcome { byEndpoint[endpoint, default: RealtimeCounts()].count(outcome) }
        if let fault { injected[fault, default: 0] += 1 }
    }

    /// Forgets every arrival and count; the next call is call number 1 again, so faults replay.
    func reset() {
        arrivals = []
        oldest = 0
        dropped = 0
        calls = 0
        byEndpoint = [:]
        injected = [:]
    }

    /// The kept arrival times, oldest first (nanoseconds on the ledger's monotonic clock).
    var orderedArrivals: [Int64] {
        oldest == 0 ? arrivals : Array(arrivals[oldest...] + arrivals[..<oldest])
    }

    /// Counts over both endpoints.
    var totals: RealtimeCounts {
        byEndpoint.values.reduce(into: RealtimeCounts()) { sum, c in
            sum.requests += c.requests
            sum.answered += c.answered
            sum.rateLimited += c.rateLimited
            sum.serverErrors += c.serverErrors
            sum.clientErrors += c.clientErrors
        }
    }

    /// `GET /_emulator/stats` → `realtime`: totals, `faults` (injected, per kind), `by_endpoint`,
    /// `max_in_window` over the kept arrivals, and how many arrivals are kept and were dropped.
    ///
    /// `faults` always lists `http429` and `http5xx` (as before `reset` and `slow` existed), and `reset` and
    /// `slow` once one was injected or `plan` names them.
    func wire(plan: FaultPlan) -> JSONValue {
        wireObject(plan: plan)
    }

    /// `wire(plan:)` for a plan naming no `reset` or `slow`.
    var wire: JSONValue { wireObject(plan: .none) }

    private func wireObject(plan: FaultPlan) -> JSONValue {
        var object = totals.wire
        let listed = FaultKind.kinds(of: .transport).filter {
            $0 == .http429 || $0 == .http5xx || plan.rates[$0] != nil || injected[$0] != nil
        }
        object["faults"] = .object(JSONObject(listed.map { ($0.rawValue, .int(injected[$0] ?? 0)) }))
        object["by_endpoint"] = .object(
            JSONObject(
                RealtimeEndpoint.allCases.map { ($0.rawValue, .object((byEndpoint[$0] ?? RealtimeCounts()).wire)) }))
        let ordered = orderedArrivals
        object["max_in_window"] = .object(
            JSONObject(
                ArrivalWindows.reported.map {
                    ($0.name, .int(ArrivalWindows.maxInWindow(ordered, length: $0.nanoseconds)))
                }))
        object["arrivals_kept"] = .int(arrivals.count)
        object["arrivals_dropped"] = .int(dropped)
        return .object(object)
    }

    /// `GET /_emulator/realtime/arrivals`: the kept arrivals as milliseconds after the first kept one.
    var arrivalsWire: JSONValue {
        let ordered = orderedArrivals
        let first = ordered.first ?? 0
        return [
            "count": .int(ordered.count),
            "dropped": .int(dropped),
            "offsets_ms": .array(ordered.map { .double(Double($0 - first) / 1_000_000) }),
        ]
    }
}
