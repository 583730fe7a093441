import Foundation

/// Where the emulator keeps things under its state directory.
///
/// ```
/// files/<id>.json      file records          files/<id>.data   file contents
/// batches/<id>.json    batch records         work/<batch id>/  result parts while a batch runs
/// uploads/             uploads in flight     stats.json        counters
/// custom_ids.bin       8-byte hashes of every batch request custom_id accepted (see `CustomIDLedger`)
/// message_batches/<id>.json   Message Batch records
/// message_batch_data/<id>.requests.jsonl  its requests, one per line   <id>.results.jsonl  its results
/// ```
struct StatePaths: Sendable {
    /// The state directory.
    let root: String

    /// Folder of file records and contents.
    var files: String { root + "/files" }
    /// Folder of batch records.
    var batches: String { root + "/batches" }
    /// Folder of per-batch result buckets.
    var work: String { root + "/work" }
    /// Folder of uploads still being received.
    var uploads: String { root + "/uploads" }
    /// The counters file.
    var stats: String { root + "/stats.json" }
    /// The custom_id receipts file.
    var customIDs: String { root + "/custom_ids.bin" }
    /// Folder of Message Batch records.
    var messageBatches: String { root + "/message_batches" }
    /// Folder of Message Batch requests and results.
    var messageBatchData: String { root + "/message_batch_data" }

    /// Path of a file's record.
    func fileRecord(_ id: String) -> String { files + "/" + id + ".json" }
    /// Path of a file's content.
    func fileContent(_ id: String) -> String { files + "/" + id + ".data" }
    /// Path of a batch's record.
    func batchRecord(_ id: String) -> String { batches + "/" + id + ".json" }
    /// Folder of a running batch's result buckets.
    func workDirectory(_ batchID: String) -> String { work + "/" + batchID }
    /// Path of a Message Batch's record.
    func messageBatchRecord(_ id: String) -> String { messageBatches + "/" + id + ".json" }
    /// Path of a Message Batch's requests (compact `{"custom_id","params"}` lines, in request order).
    func messageBatchRequests(_ id: String) -> String { messageBatchData + "/" + id + ".requests.jsonl" }
    /// Path of a Message Batch's results, once it ended.
    func messageBatchResults(_ id: String) -> String { messageBatchData + "/" + id + ".results.jsonl" }

    /// Creates the folders; clears uploads left over by a crash mid-upload.
    func prepare() throws {
        let fm = FileManager.default
        try? fm.removeItem(atPath: uploads)
        for dir in [root, files, batches, work, uploads, messageBatches, messageBatchData] {
            try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        }
    }

    /// Writes a record atomically (temp file + rename), so a crash never leaves half a record.
    static func write<T: Encodable>(_ value: T, to path: String) throws {
        let data = try JSONEncoder().encode(value)
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// Reads every `*.json` record in a folder; unreadable ones are skipped (and reported by the caller).
    static func readAll<T: Decodable>(_ type: T.Type, in directory: String) -> (records: [T], broken: [String]) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var records: [T] = []
        var broken: [String] = []
        for name in names.sorted() where name.hasSuffix(".json") {
            let path = directory + "/" + name
            if let data = FileManager.default.contents(atPath: path), let record = try? JSONDecoder().decode(T.self, from: data) {
                records.append(record)
            } else {
                broken.append(path)
            }
        }
        return (records, broken)
    }
}
