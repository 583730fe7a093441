/// One moment of a file's progress: what a terminal redraws in place, or what a log gets as a plain line.
public struct ProgressFrame: Sendable, Equatable {
    /// Where the file is; the raw value is what the line says.
    public enum Phase: String, Sendable {
        case starting
        case staging
        case submitting
        case waiting = "waiting for provider"
        case writing
        case held = "held for approval"
        case done
    }

    public var name: String
    public var phase: Phase
    /// Share of the phase's work done; nil when its total is unknown.
    public var fraction: Double?
    /// What is counted: `1200/3000 requests`, `120000 rows read, 35.2 MB/s`.
    public var counts: String
    /// `2/8 batches done`; nil before there are batches.
    public var batches: String?
    /// Seconds since the command started.
    public var elapsed: Double
    /// Whether the phase has an ETA to show (the provider's); `eta` nil then reads `ETA —`.
    public var showsETA = false
    public var eta: Double?

    public init(
        name: String, phase: Phase, fraction: Double? = nil, counts: String = "", batches: String? = nil,
        elapsed: Double, showsETA: Bool = false, eta: Double? = nil
    ) {
        self.name = name
        self.phase = phase
        self.fraction = fraction
        self.counts = counts
        self.batches = batches
        self.elapsed = elapsed
        self.showsETA = showsETA
        self.eta = eta
    }

    var etaText: String? { showsETA ? "ETA " + (eta.map(ProgressDuration.text) ?? "—") : nil }
    var percent: String? { fraction.map { "\(Int((Swift.min(Swift.max($0, 0), 1) * 100).rounded(.down)))%" } }

    /// The widest a bar gets: wider says nothing more and pushes the numbers far from the name.
    static let maxBar = 40
    /// Below this a bar is unreadable; the name, elapsed time and batches give way first.
    static let minBar = 10

    /// The line for a terminal `width` columns wide, one column short of it (writing the last column makes some
    /// terminals wrap): `NAME  PHASE ████░░░░ 40%  COUNTS  BATCHES  ELAPSED  ETA`. Narrow terminals drop, in
    /// turn, the file name, the elapsed time, the batches, the bar; what still does not fit is cut.
    public func line(width: Int) -> String {
        let room = Swift.max(width - 1, 1)
        let elapsedText = ProgressDuration.text(elapsed)
        let percentText = percent.map { " " + $0 } ?? ""
        // What each attempt keeps: the name, the elapsed time, the batches.
        let attempts = [(true, true, true), (false, true, true), (false, false, true), (false, false, false)]
        for (index, keep) in attempts.enumerated() {
            let head = [keep.0 ? name : nil, phase.rawValue].compactMap { $0 }.joined(separator: "  ")
            let tail = [counts.isEmpty ? nil : counts, keep.2 ? batches : nil, keep.1 ? elapsedText : nil, etaText]
                .compactMap { $0 }.joined(separator: "  ")
            let fixed = head.count + 1 + percentText.count + (tail.isEmpty ? 0 : 2 + tail.count)
            let bar = Swift.min(room - fixed, Self.maxBar)
            if bar >= Self.minBar || (index == attempts.count - 1 && bar >= 3) {
                let middle = ProgressBar.render(fraction: fraction, width: bar) + percentText
                return head + " " + middle + (tail.isEmpty ? "" : "  " + tail)
            }
            if index == attempts.count - 1 {
                return String(([head, percent].compactMap { $0 } + (tail.isEmpty ? [] : [tail])).joined(separator: "  ").prefix(room))
            }
        }
        return ""
    }

    /// The line without a bar or any control character, for logs and pipes.
    public var plain: String {
        var parts = [counts.isEmpty ? nil : counts, batches].compactMap { $0 }
        if let percent, phase != .done { parts.insert(percent, at: 0) }
        parts.append("elapsed " + ProgressDuration.text(elapsed))
        if let etaText { parts.append(etaText) }
        return "\(name): \(phase.rawValue): " + parts.joined(separator: ", ")
    }
}
