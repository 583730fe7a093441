import Foundation

/// Collects answers during assembly and stores them in the result cache at the end, in key order, in large
/// transactions.
///
/// Why key order: the cache is keyed by random digests; stored in row order, 2,000 to a transaction, every answer
/// dirtied a random leaf of a table much larger than SQLite's page cache, so each transaction wrote ~8 MB of WAL
/// and checkpointed it back (at 1M rows, gigabytes of random page I/O for 262 MB of data, `pwrite` 14.5% of a
/// drop's CPU). Sorted, a fresh table grows at its right edge and a filled one is rewritten leaf by leaf, once.
/// Memory stays bounded: `SortedAnswerRuns` spills sorted runs to an unlinked file beside the state database.
///
/// The cache is an optimisation: answers not stored when a crash comes are in the outcome files already, and
/// each transaction is atomic, so a crash mid-store leaves a consistent database with part of the drop's answers.
public final class AnswerBuffer {
    private let store: StateStore
    private let pipeline: String
    private let model: String
    private let runs: SortedAnswerRuns
    /// Distinct answers handed to the store so far.
    public private(set) var stored = 0
    /// Rows per transaction: a megabyte or two of pages each, so a commit's fsyncs are paid per 5,000 rows, not per
    /// 2,000. Not more, because the batch's entries count in a 1M drop's peak RSS: 72 MB with 4 MB runs and 10,000 a
    /// transaction, 63–69 MB with 2 MB and 5,000, against a 64 MB goal (the store's speed at 5,000 and 10,000 was not
    /// compared).
    static let transactionSize = 5_000

    /// A buffer storing into `store` as answers of `pipeline` from `model`.
    public convenience init(store: StateStore, pipeline: String, model: String) {
        self.init(store: store, pipeline: pipeline, model: model, runBytes: 2 << 20)
    }

    /// `runBytes` bounds the answers held in memory (tests make it tiny to exercise the spill file).
    init(store: StateStore, pipeline: String, model: String, runBytes: Int) {
        self.store = store
        self.pipeline = pipeline
        self.model = model
        let directory = store.directory
        SortedAnswerRuns.removeLeftovers(in: directory)
        runs = SortedAnswerRuns(directory: directory, runBytes: runBytes)
    }

    /// Keeps `entry` for the store; a later entry with the same key replaces it.
    public func add(_ entry: AnswerEntry) throws {
        try runs.add(entry)
    }

    /// Stores everything added so far, in key order.
    public func flush() throws {
        var merged = try runs.drain()
        var batch: [AnswerEntry] = []
        batch.reserveCapacity(Self.transactionSize)
        while let entry = try merged.next() {
            batch.append(entry)
            if batch.count == Self.transactionSize { try write(&batch) }
        }
        try write(&batch)
    }

    private func write(_ batch: inout [AnswerEntry]) throws {
        try store.storeAnswers(batch, pipeline: pipeline, model: model)
        stored += batch.count
        batch.removeAll(keepingCapacity: true)
    }
}
