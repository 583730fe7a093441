import Foundation
import SluiceJSON

/// A file's progress at the provider, as `sluice status` shows it: from the request counts the batch poller
/// records in the state database each time they change.
public struct FileProgress: Sendable, Equatable {
    /// Requests answered (succeeded or failed) and sent, over every batch of the file.
    public var requestsDone: Int
    public var requestsTotal: Int
    /// Batches whose results are in, of the file's chunks.
    public var batchesFinished: Int
    public var batchesTotal: Int
    /// Seconds left while requests are at the provider; nil while unknown or when none are.
    public var etaSeconds: Double?

    public var fraction: Double? { requestsTotal > 0 ? Double(requestsDone) / Double(requestsTotal) : nil }

    /// The progress of `file` at `now`. The rate is the requests answered since the file's first batch was
    /// created, up to the last recorded change of any batch's counts.
    public init(file: StatusReport.File, now: Date) {
        var done = 0
        var total = 0
        var finished = 0
        var firstSent: Date?
        var lastSeen: Date?
        for item in file.progress {
            guard let batch = item.batch else {
                total += item.chunk.requests
                continue
            }
            // The provider's total once polled; before that, what the chunk holds.
            total += batch.total > 0 ? batch.total : item.chunk.requests
            done += batch.succeeded + batch.failed
            if batch.state == .downloaded { finished += 1 }
            guard batch.providerBatchID != nil else { continue }
            firstSent = Swift.min(firstSent ?? batch.createdAt, batch.createdAt)
            lastSeen = Swift.max(lastSeen ?? batch.updatedAt, batch.updatedAt)
        }
        requestsDone = done
        requestsTotal = total
        batchesFinished = finished
        batchesTotal = file.chunks
        etaSeconds = nil
        let atProvider = file.drop.stage == .submitting || file.drop.stage == .submitted
        if file.inFlight, atProvider, let firstSent, let lastSeen {
            var eta = ETAEstimator()
            eta.begin(at: firstSent.timeIntervalSince1970)
            eta.observe(at: lastSeen.timeIntervalSince1970, done: done, total: total)
            etaSeconds = eta.secondsLeft(now: now.timeIntervalSince1970)
        }
    }

    /// The `progress` object of `sluice status --json`.
    public var json: JSONValue {
        .object([
            "requests_done": .int(requestsDone), "requests_total": .int(requestsTotal),
            "batches_finished": .int(batchesFinished), "batches_total": .int(batchesTotal),
            "eta_seconds": etaSeconds.map { .int(Int($0.rounded())) } ?? .null,
        ])
    }
}
