/// Which calls, batch requests and batches the emulator fails on purpose, and how: a rate per `FaultKind`,
/// the `retry-after` a 429 advertises and how late a `slow` answer comes.
///
/// Every choice is a pure function of the seed and a key, one uniform draw per key and layer; the kinds of
/// the layer take consecutive shares of [0, 1) in declaration order, and a draw past all shares means no
/// fault. So over many keys each kind's share converges to its rate, and the rates of one layer add up to
/// 1 or less. The keys:
/// - realtime calls: the call number *n* over realtime calls since start or reset (`draw(seed:call:)`);
/// - every other API call: the call number over those calls since start or reset (`apiDraw(seed:call:)`);
/// - batch requests: the `custom_id` (`lineFault(seed:customID:)`), so a retry under a new id draws afresh;
/// - batches: the batch id (`batchDraw(seed:batchID:)`).
/// Which *request* gets call number *n* is arrival order, so concurrent clients see the same count of
/// transport faults but not always on the same calls.
public struct FaultPlan: Sendable, Equatable, CustomStringConvertible {
    /// Rate per kind, each in 0...1, adding up to 1 or less per layer; kinds at 0 are left out.
    public private(set) var rates: [FaultKind: Double] = [:]
    /// Seconds a 429 tells the client to wait (`retry-after`); fractions allowed, as the SDKs read them.
    public private(set) var retryAfterSeconds: Double = 1
    /// Milliseconds a `slow` answer is held back (`--slow-ms`).
    public private(set) var slowMilliseconds: Int = 2_000

    /// No faults.
    public static let none = FaultPlan()

    /// No faults, `retry-after: 1`, `slow` 2,000 ms.
    public init() {}

    /// Rates as given; throws the same errors as parsing.
    public init(rates: [FaultKind: Double], retryAfterSeconds: Double = 1) throws(FaultSpecError) {
        for kind in rates.keys.sorted() {
            let rate = rates[kind]!
            let part = "\(kind.rawValue)=\(rate)"
            guard rate.isFinite else { throw .badRate(part) }
            guard (0...1).contains(rate) else { throw .rateOutOfRange(part) }
            if rate > 0 { self.rates[kind] = rate }
        }
        try Self.checkTotals(self.rates, spec: description)
        try setRetryAfter(retryAfterSeconds)
    }

    /// Parses `KIND=RATE[,KIND=RATE...]`, e.g. `http429=0.2,http5xx=0.02`; an empty spec means no faults.
    public init(parsing spec: String, retryAfterSeconds: Double = 1) throws(FaultSpecError) {
        let trimmed = spec.trimmingSpaces
        var rates: [FaultKind: Double] = [:]
        if !trimmed.isEmpty {
            for rawPart in trimmed.split(separator: ",", omittingEmptySubsequences: false) {
                let part = rawPart.trimmingSpaces
                let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard pieces.count == 2, !pieces[0].trimmingSpaces.isEmpty else { throw .syntax(part) }
                let name = pieces[0].trimmingSpaces
                guard let kind = FaultKind(rawValue: name) else { throw .unknownKind(name, in: part) }
                guard rates[kind] == nil else { throw .duplicate(part) }
                guard let rate = Double(pieces[1].trimmingSpaces), rate.isFinite else { throw .badRate(part) }
                guard (0...1).contains(rate) else { throw .rateOutOfRange(part) }
                rates[kind] = rate
            }
        }
        try Self.checkTotals(rates, spec: trimmed)
        try self.init(rates: rates, retryAfterSeconds: retryAfterSeconds)
    }

    /// Refuses a layer whose rates add up to more than 1: one draw gives each key at most one fault per layer.
    private static func checkTotals(_ rates: [FaultKind: Double], spec: String) throws(FaultSpecError) {
        for layer in FaultLayer.allCases {
            let total = FaultKind.kinds(of: layer).reduce(0) { $0 + (rates[$1] ?? 0) }
            // A little slack so that e.g. 0.7 + 0.2 + 0.1 (0.9999999999999999 or 1.0000000000000002) passes.
            if total > 1 + 1e-9 { throw .totalOverOne(spec, layer: layer, total: total) }
        }
    }

    /// Sets the `retry-after` of 429s (0...3600 seconds).
    public mutating func setRetryAfter(_ seconds: Double) throws(FaultSpecError) {
        guard seconds.isFinite, (0...3600).contains(seconds) else { throw .badRetryAfter(seconds) }
        retryAfterSeconds = seconds
    }

    /// Sets how late a `slow` answer is sent (0...600,000 ms).
    public mutating func setSlow(milliseconds: Int) throws(FaultSpecError) {
        guard (0...600_000).contains(milliseconds) else { throw .badSlow(milliseconds) }
        slowMilliseconds = milliseconds
    }

    /// True when nothing is ever failed.
    public var isEmpty: Bool { rates.isEmpty }

    /// True when some kind of `layer` has a rate above 0.
    public func has(_ layer: FaultLayer) -> Bool { rates.keys.contains { $0.layer == layer } }

    /// The plan in `--faults` syntax, kinds in declaration order (empty for no faults).
    public var description: String {
        FaultKind.allCases.compactMap { kind in rates[kind].map { "\(kind.rawValue)=\($0)" } }.joined(separator: ",")
    }

    /// The kind of fault realtime call number `call` (1-based) gets under `seed`, nil when it is answered normally.
    public func fault(seed: UInt64, call: UInt64) -> FaultKind? {
        draw(seed: seed, call: call)?.kind
    }

    /// The transport fault for realtime call number `call` under `seed`, if any; `variant` gives the kind
    /// further seeded bits (which 5xx status, say) so that choice is reproducible too.
    func draw(seed: UInt64, call: UInt64) -> FaultDraw? {
        guard has(.transport) else { return nil }
        var hash = StableHash(seed: seed)
        hash.combine("realtime-faults")
        hash.combine(call)
        return pick(.transport, hash.value)
    }

    /// The transport fault for non-realtime API call number `call` (1-based) under `seed`, if any.
    func apiDraw(seed: UInt64, call: UInt64) -> FaultDraw? {
        guard has(.transport) else { return nil }
        var hash = StableHash(seed: seed)
        hash.combine("api-faults")
        hash.combine(call)
        return pick(.transport, hash.value)
    }

    /// The line fault of the batch request `customID` under `seed`, if any: the same for the same id in
    /// either protocol, in any batch.
    public func lineFault(seed: UInt64, customID: String) -> FaultKind? {
        guard has(.line) else { return nil }
        var hash = StableHash(seed: seed)
        hash.combine("line-faults")
        hash.combine(customID)
        return pick(.line, hash.value)?.kind
    }

    /// The batch fault of batch `batchID` under `seed`, if any.
    func batchDraw(seed: UInt64, batchID: String) -> FaultDraw? {
        guard has(.batch) else { return nil }
        var hash = StableHash(seed: seed)
        hash.combine("batch-faults")
        hash.combine(batchID)
        return pick(.batch, hash.value)
    }

    /// The kind of `layer` whose share the uniform number drawn from `seed` falls in, with further bits.
    private func pick(_ layer: FaultLayer, _ seed: UInt64) -> FaultDraw? {
        var random = SplitMix64(seed: seed)
        let u = random.unit()
        var edge = 0.0
        for kind in FaultKind.kinds(of: layer) {
            guard let rate = rates[kind] else { continue }
            edge += rate
            if u < edge { return FaultDraw(kind: kind, variant: random.next()) }
        }
        return nil
    }
}

/// One injected fault: its kind and seeded bits for the kind's own choices.
struct FaultDraw: Sendable, Equatable {
    /// What to inject.
    var kind: FaultKind
    /// Further seeded random bits (e.g. 500 or 503).
    var variant: UInt64
}
