import Foundation
import Logging

/// What the batch worker is told: look for work, or one of its jobs ended.
enum WorkerEvent: Sendable {
    case scan
    case finished(String)
}

/// All files, batches (OpenAI and Anthropic) and counters of one emulator, persisted under the state directory.
///
/// The single owner of mutable emulator state; request handlers and the batch worker go through it.
/// Every change is written to disk before the method returns, so a restarted emulator sees it.
actor EmulatorStore {
    let paths: StatePaths
    let logger: Logger
    /// Wakes the batch worker; a single consumer (the worker) reads it.
    nonisolated let events: AsyncStream<WorkerEvent>
    private let eventSink: AsyncStream<WorkerEvent>.Continuation

    var files: [String: FileRecord] = [:]
    var batches: [String: BatchRecord] = [:]
    var messageBatches: [String: MessageBatchRecord] = [:]
    var stats = EmulatorStats()
    var nextSequence = 1
    var stopSignals: [String: StopSignal] = [:]
    /// Non-realtime API calls numbered so far (in memory: a restart numbers from 1 again).
    var apiCalls: UInt64 = 0
    private var loaded = false

    /// A store over `stateDirectory`; nothing is read until `load()`.
    init(stateDirectory: String, logger: Logger) {
        self.paths = StatePaths(root: stateDirectory)
        self.logger = logger
        (events, eventSink) = AsyncStream.makeStream(of: WorkerEvent.self)
    }

    /// Loads persisted state once; later calls return at once.
    func load() throws {
        guard !loaded else { return }
        try paths.prepare()
        let fileRecords = StatePaths.readAll(FileRecord.self, in: paths.files)
        let batchRecords = StatePaths.readAll(BatchRecord.self, in: paths.batches)
        let messageBatchRecords = StatePaths.readAll(MessageBatchRecord.self, in: paths.messageBatches)
        for path in fileRecords.broken + batchRecords.broken + messageBatchRecords.broken {
            logger.warning("skipping unreadable emulator record", metadata: ["path": "\(path)"])
        }
        for record in fileRecords.records { files[record.id] = record }
        for record in batchRecords.records { batches[record.id] = record }
        for record in messageBatchRecords.records { messageBatches[record.id] = record }
        if let data = FileManager.default.contents(atPath: paths.stats),
            let saved = try? JSONDecoder().decode(EmulatorStats.self, from: data)
        {
            stats = saved
        }
        let highest =
            (files.values.map(\.sequence) + batches.values.map(\.sequence) + messageBatches.values.map(\.sequence))
            .max() ?? 0
        nextSequence = highest + 1
        loaded = true
        eventSink.yield(.scan)
    }

    /// Wakes the worker.
    nonisolated func notify(_ event: WorkerEvent) {
        eventSink.yield(event)
    }

    /// The next creation number (files and batches share one sequence).
    func takeSequence() -> Int {
        defer { nextSequence += 1 }
        return nextSequence
    }

    /// The current Unix time in seconds, as the API reports times.
    static func now() -> Int { Int(Date().timeIntervalSince1970) }

    /// A new `file-` id with 22 base62 characters, like the real ones.
    static func newFileID() -> String {
        var random = SplitMix64(seed: UInt64.random(in: .min ... .max))
        return "file-" + random.base62(22)
    }

    // MARK: Files

    /// Registers a file whose content is already at `paths.fileContent(id)`.
    func addFile(_ record: FileRecord, countsAsUpload: Bool) throws {
        try StatePaths.write(record, to: paths.fileRecord(record.id))
        files[record.id] = record
        if countsAsUpload {
            stats.filesUploaded += 1
            try saveStats()
        }
    }

    /// The file with this id, if it exists.
    func file(_ id: String) -> FileRecord? { files[id] }

    /// Deletes a file's record and content; false if there was no such file.
    func deleteFile(_ id: String) -> Bool {
        guard files.removeValue(forKey: id) != nil else { return false }
        try? FileManager.default.removeItem(atPath: paths.fileRecord(id))
        try? FileManager.default.removeItem(atPath: paths.fileContent(id))
        return true
    }

    /// One page of files, filtered by purpose, by `created_at` (then creation order).
    func listFiles(purpose: String?, ascending: Bool, after: String?, limit: Int) -> (page: [FileRecord], hasMore: Bool) {
        var all = files.values.filter { purpose == nil || $0.purpose == purpose }
        all.sort { ascending ? $0.sequence < $1.sequence : $0.sequence > $1.sequence }
        return Self.page(all, id: \.id, after: after, limit: limit)
    }

    /// The items after the cursor (none if the cursor is unknown), at most `limit` of them.
    static func page<T>(_ items: [T], id: KeyPath<T, String>, after: String?, limit: Int) -> (page: [T], hasMore: Bool) {
        var start = 0
        if let after {
            guard let index = items.firstIndex(where: { $0[keyPath: id] == after }) else { return ([], false) }
            start = index + 1
        }
        let end = min(items.count, start + limit)
        return (Array(items[start..<end]), end < items.count)
    }

    // MARK: Stats

    /// Persists the counters.
    func saveStats() throws {
        try StatePaths.write(stats, to: paths.stats)
    }

    /// Zeroes the counters, the custom_id receipts and the API call numbering (files and batches stay).
    func resetStats() throws {
        stats = EmulatorStats()
        try saveStats()
        apiCalls = 0
        try? FileManager.default.removeItem(atPath: paths.customIDs)
    }
}
