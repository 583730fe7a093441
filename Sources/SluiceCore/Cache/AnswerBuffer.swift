/// Collects answers during assembly and stores them in the result cache a few thousand at a time: one
/// transaction per batch of answers, not per row.
final class AnswerBuffer {
    private let store: StateStore
    private let pipeline: String
    private let model: String
    private var pending: [AnswerEntry] = []
    private(set) var stored = 0
    static let batchSize = 2000

    init(store: StateStore, pipeline: String, model: String) {
        self.store = store
        self.pipeline = pipeline
        self.model = model
        pending.reserveCapacity(Self.batchSize)
    }

    func add(_ entry: AnswerEntry) throws {
        pending.append(entry)
        if pending.count >= Self.batchSize { try flush() }
    }

    func flush() throws {
        try store.storeAnswers(pending, pipeline: pipeline, model: model)
        stored += pending.count
        pending.removeAll(keepingCapacity: true)
    }
}
