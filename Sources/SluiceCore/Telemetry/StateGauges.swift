import Metrics
import Synchronization

/// Sets the gauges that mirror the inboxes and the state database from an `Observation`.
///
/// A label set seen before and absent now (a stage emptied, a batch status passed) is set to 0 rather than
/// left at its last value, so a scrape never shows work that is gone.
public final class StateGauges: Sendable {
    private let seen = Mutex<Set<Key>>([])

    private struct Key: Hashable {
        var name: String
        var labels: [String]
    }

    public init() {}

    /// Records every gauge of `observation`.
    public func record(_ observation: Observation) {
        var values: [Key: Double] = [:]
        for (pipeline, entry) in observation.backlog {
            values[Key(name: SluiceMetrics.backlogFiles, labels: [pipeline])] = Double(entry.files)
            values[Key(name: SluiceMetrics.backlogBytes, labels: [pipeline])] = Double(entry.bytes)
        }
        for entry in observation.stages {
            values[Key(name: SluiceMetrics.rows, labels: [entry.pipeline, entry.stage]), default: 0] += Double(entry.rows)
        }
        for entry in observation.batches {
            values[Key(name: SluiceMetrics.batches, labels: [entry.provider, entry.status]), default: 0] +=
                Double(entry.batches)
        }
        let gone = seen.withLock { seen in
            defer { seen.formUnion(values.keys) }
            return seen.subtracting(values.keys)
        }
        for key in gone { values[key] = 0 }
        for (key, value) in values {
            Gauge(label: key.name, dimensions: Array(zip(Self.labelNames(key.name), key.labels))).record(value)
        }
    }

    /// The label names of each gauge, in order.
    static func labelNames(_ name: String) -> [String] {
        switch name {
        case SluiceMetrics.rows: ["pipeline", "status"]
        case SluiceMetrics.batches: ["provider", "status"]
        default: ["pipeline"]
        }
    }
}
