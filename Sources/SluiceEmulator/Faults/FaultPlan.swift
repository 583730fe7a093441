/// Which realtime calls the emulator fails on purpose, and how: a rate per `FaultKind` plus the
/// `retry-after` a 429 advertises.
///
/// The choice is a pure function of (seed, call number): call *n* (1-based, counted over every realtime call
/// the emulator received since it started or was reset, faulted or not) draws one uniform number from a
/// hash of the seed and *n*; the kinds take consecutive shares of [0, 1) in declaration order, and a draw
/// past all shares is answered normally. So the same seed and the same sequence of calls give the same
/// faults, and over many calls each kind's share converges to its rate. Which *request* gets call number
/// *n* is arrival order, so concurrent clients see the same count of faults but not always on the same rows.
public struct FaultPlan: Sendable, Equatable, CustomStringConvertible {
    /// Rate per kind, each in 0...1 and adding up to 1 or less; kinds at 0 are left out.
    public private(set) var rates: [FaultKind: Double] = [:]
    /// Seconds a 429 tells the client to wait (`retry-after`); fractions allowed, as the SDKs read them.
    public private(set) var retryAfterSeconds: Double = 1

    /// No faults.
    public static let none = FaultPlan()

    /// No faults, `retry-after: 1`.
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
        let total = self.rates.values.reduce(0, +)
        // A little slack so that e.g. 0.7 + 0.2 + 0.1 (0.9999999999999999 or 1.0000000000000002) passes.
        if total > 1 + 1e-9 { throw .totalOverOne(description, total: total) }
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
        let total = rates.values.reduce(0, +)
        if total > 1 + 1e-9 { throw .totalOverOne(trimmed, total: total) }
        try self.init(rates: rates, retryAfterSeconds: retryAfterSeconds)
    }

    /// Sets the `retry-after` of 429s (0...3600 seconds).
    public mutating func setRetryAfter(_ seconds: Double) throws(FaultSpecError) {
        guard seconds.isFinite, (0...3600).contains(seconds) else { throw .badRetryAfter(seconds) }
        retryAfterSeconds = seconds
    }

    /// True when no call is ever failed.
    public var isEmpty: Bool { rates.isEmpty }

    /// The plan in `--faults` syntax, kinds in declaration order (empty for no faults).
    public var description: String {
        FaultKind.allCases.compactMap { kind in rates[kind].map { "\(kind.rawValue)=\($0)" } }.joined(separator: ",")
    }

    /// The kind of fault call number `call` (1-based) gets under `seed`, nil when it is answered normally.
    public func fault(seed: UInt64, call: UInt64) -> FaultKind? {
        draw(seed: seed, call: call)?.kind
    }

    /// The fault for call number `call` under `seed`, if any; `variant` gives the kind further seeded bits
    /// (which 5xx status, say) so that choice is reproducible too.
    func draw(seed: UInt64, call: UInt64) -> FaultDraw? {
        guard !rates.isEmpty else { return nil }
        var hash = StableHash(seed: seed)
        hash.combine("realtime-faults")
        hash.combine(call)
        var random = SplitMix64(seed: hash.value)
        let u = random.unit()
        var edge = 0.0
        for kind in FaultKind.allCases {
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
