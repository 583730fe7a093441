/// Folds a drop's `DropProgress` events into the frame a progress display shows.
///
/// Pure: the caller passes the time of each event and of each frame (seconds since the command started), so
/// tests drive it without a clock.
public struct DropProgressTracker: Sendable {
    public let name: String
    /// The source's size when its bytes are read as they are stored (not gzip): staging's share done.
    public let plainSourceBytes: Int64?
    public private(set) var phase = ProgressFrame.Phase.starting

    private var rowsRead = 0
    private var bytesRead: Int64 = 0
    private var readAt = 0.0
    private var rows: Int?
    private var failedRows = 0
    private var chunks: Int?
    private var submitted = 0
    private var requestsDone = 0
    private var requestsTotal = 0
    private var batchesDone = 0
    private var batchesSeen = 0
    private var eta = ETAEstimator()

    public init(name: String, plainSourceBytes: Int64? = nil) {
        self.name = name
        self.plainSourceBytes = plainSourceBytes
    }

    /// Applies `event`, seen at `at`; true when it moved the drop to another phase.
    @discardableResult
    public mutating func apply(_ event: DropProgress, at: Double) -> Bool {
        let before = phase
        switch event {
        case .staging(let rows, let bytes):
            phase = .staging
            rowsRead = rows
            bytesRead = bytes
            readAt = at
        case .staged(let rows, let chunks, let failed):
            phase = .submitting
            self.rows = rows
            self.chunks = chunks
            failedRows = failed
            submitted = 0
        case .held:
            phase = .held
        case .submitted(_, let count, _):
            if phase != .submitting {
                // A retry round (or a resumed submission): its requests are timed from now.
                eta = ETAEstimator()
                submitted = 0
            }
            phase = .submitting
            chunks = count
            submitted += 1
            eta.begin(at: at)
        case .polled(let batches):
            phase = .waiting
            requestsDone = batches.reduce(0) { $0 + $1.succeeded + $1.failed }
            requestsTotal = batches.reduce(0) { $0 + $1.total }
            batchesDone = batches.filter(\.state.isTerminal).count
            batchesSeen = batches.count
            eta.observe(at: at, done: requestsDone, total: requestsTotal)
        case .assembling:
            phase = .writing
        case .written:
            phase = .done
        case .chained:
            break
        }
        return phase != before
    }

    /// What to show at `now`.
    public func frame(now: Double) -> ProgressFrame {
        var frame = ProgressFrame(name: name, phase: phase, elapsed: now)
        switch phase {
        case .starting:
            frame.counts = "opening"
        case .staging:
            let mbps = readAt > 0 ? Double(bytesRead) / 1_000_000 / readAt : 0
            frame.counts = "\(rowsRead) rows read, \(Self.oneDecimal(mbps)) MB/s"
            if let total = plainSourceBytes, total > 0 { frame.fraction = Double(bytesRead) / Double(total) }
        case .submitting:
            frame.counts = "\(rows.map { "\($0) rows" } ?? "rows")" + (failedRows > 0 ? " (\(failedRows) failed)" : "")
            if let chunks, chunks > 0 {
                frame.fraction = Double(submitted) / Double(chunks)
                frame.batches = "batches \(submitted)/\(chunks) sent"
            }
        case .waiting:
            frame.counts = "\(requestsDone)/\(requestsTotal) requests"
            if requestsTotal > 0 { frame.fraction = Double(requestsDone) / Double(requestsTotal) }
            frame.batches = "batches \(batchesDone)/\(Swift.max(batchesSeen, chunks ?? 0))"
            frame.showsETA = true
            frame.eta = eta.secondsLeft(now: now)
        case .writing, .done:
            frame.counts = rows.map { "\($0) rows" } ?? ""
            frame.fraction = phase == .done ? 1 : nil
            if batchesSeen > 0 { frame.batches = "batches \(batchesDone)/\(batchesSeen)" }
        case .held:
            frame.counts = "nothing sent"
        }
        return frame
    }

    static func oneDecimal(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}
