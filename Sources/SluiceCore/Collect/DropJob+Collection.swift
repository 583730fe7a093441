import Foundation
import Logging
import SluiceRecords

/// `batch.collect`: small files of one pipeline share batches.
///
/// A small staged drop waits in stage `collecting`. The daemon seals the waiting drops into a collection
/// (a drop of origin `collection`, with no source and no outputs of its own) once they hold
/// `min_requests`, the first has waited `window`, or `sluice flush` asks. The collection's job combines the
/// members' chunks into its own (custom ids tagged with each member's drop), submits, polls and downloads
/// them like any drop's; each downloaded batch is split by tag and joined into the members' outcome files.
/// Then the members go on alone: retry rounds, outputs, manifest.
extension DropJob {
    /// Whether this staged drop should wait for a shared batch instead of submitting its own.
    func entersCollection(_ drop: DropRecord) async throws -> Bool {
        guard let collect = spec.batch.collect, drop.origin == .inbox, drop.collectedBy == nil else { return false }
        let items = try await store.progress(dropID: dropID)
        // Only a first round not begun, and only a small file: one that fills a batch goes on its own.
        guard !items.isEmpty, items.allSatisfy({ $0.chunk.round == 1 && $0.batch == nil }) else { return false }
        let requests = items.reduce(0) { $0 + $1.chunk.requests }
        let bytes = items.reduce(0) { $0 + $1.chunk.bytes }
        let maxBytes = min(spec.batch.targetBytes, provider.maxBytesPerBatch)
        guard requests < collect.minRequests, bytes < maxBytes / 2 else { return false }
        try await store.enterCollection(dropID: dropID, now: Date())
        log.info("waiting to share a batch", metadata: ["requests": "\(requests)"])
        return true
    }

    // MARK: a collection: claimed → staged

    /// Writes the collection's chunks from its members' staged chunks. A member's chunk never straddles two
    /// of the collection's chunks, so each member chunk's results come from one batch.
    func combine(_ drop: DropRecord) async throws {
        let members = try await store.collectionMembers(dropID)
        var sources: [(dropID: Int64, chunk: ChunkRecord)] = []
        for member in members {
            for item in try await store.progress(dropID: member.id!) where item.chunk.round == 1 {
                sources.append((member.id!, item.chunk))
            }
        }
        let work = paths.dropWork(dropID)
        try? FileManager.default.removeItem(atPath: work)
        try SluicePaths.ensureDirectory(work)
        try await store.updateDrop(id: dropID) { $0.resultsDir = work }
        let maxBytes = min(spec.batch.targetBytes, provider.maxBytesPerBatch)
        let maxRequests = min(spec.batch.maxRequests, provider.maxRequestsPerBatch)
        let framing = provider.wireFormat.framing
        let sourceList = sources
        // With dedupe, a request several files make goes once per shared chunk; the others take its answer.
        let keying = spec.dedupe ? RequestKeying(spec: spec) : nil
        let aliasesPath = work + "/" + CarriedRequests.aliasesFileName
        let (chunks, carried, lines, shared) = try await Blocking.run("sluice-combine") {
            let writer = ChunkWriter(directory: work, maxBytes: maxBytes, maxRequests: maxRequests, framing: framing)
            var carried: [(chunkID: Int64, seq: Int)] = []
            var aliases: [(sent: String, alias: String)] = []
            var sent: [RequestKey.ShortKey: String] = [:]
            var sentSeq = writer.currentSeq
            var lines = 0
            for (member, chunk) in sourceList {
                // Tags add a few bytes a line.
                let tagged = chunk.bytes + chunk.requests * (3 + String(member).count)
                if !writer.hasRoom(requests: chunk.requests, bytes: tagged) { try writer.endChunk() }
                if writer.currentSeq != sentSeq {
                    // An alias is answered from the same batch as its request: a new chunk starts afresh.
                    sent.removeAll()
                    sentSeq = writer.currentSeq
                }
                var seqs = Set<Int>()
                let reader = JSONLReader(source: try FileByteSource(path: chunk.path), path: chunk.path)
                while let line = try reader.next() {
                    guard let (_, request) = RetryPlanner.requestLine(line.bytes) else { continue }
                    let renamed = CarriedRequests.carried(request, drop: member)
                    if let keying {
                        let key = keying.key(line: request).short
                        let id = CarriedRequests.customID(of: renamed)
                        if let first = sent[key] {
                            aliases.append((first, id))
                            continue
                        }
                        sent[key] = id
                    }
                    lines += 1
                    try writer.append(renamed, row: lines)
                    seqs.insert(writer.currentSeq)
                }
                guard seqs.count <= 1 else {
                    throw EngineError(
                        code: "collect.chunk_split", message: "chunk \(chunk.seq) of drop \(member) did not fit one batch")
                }
                carried.append((chunk.id!, seqs.first ?? writer.currentSeq))
            }
            try CarriedRequests.writeAliases(aliases, to: aliasesPath)
            return (try writer.finish(), carried, lines, aliases.count)
        }
        log.info(
            "collected",
            metadata: [
                "files": "\(members.count)", "requests": "\(lines)", "chunks": "\(chunks.count)",
                "shared_between_files": "\(shared)",
            ])
        try await store.recordCollectionStaged(
            carrierID: dropID, lines: lines,
            chunks: chunks.map {
                ChunkRecord(
                    dropID: dropID, seq: $0.seq, path: $0.path, requests: $0.requests, bytes: $0.bytes,
                    firstRow: $0.firstRow, lastRow: $0.lastRow)
            }, carried: carried)
    }

    // MARK: a collection: a batch ended → its members' outcomes

    /// Splits one ended batch of the collection among the member chunks it carried and joins each.
    func distribute(chunk: ChunkRecord, snapshot: BatchSnapshot, files: [String]) async throws {
        let members = try await store.carriedChunks(chunk.id!)
        var directories: [Int64: String] = [:]
        for member in members {
            let directory = paths.dropWork(member.dropID) + "/batch-\(member.seq)"
            try SluicePaths.ensureDirectory(directory)
            directories[member.dropID] = directory
        }
        let targets = directories
        let aliasesPath = paths.dropWork(dropID) + "/" + CarriedRequests.aliasesFileName
        let split = try await Blocking.run("sluice-split") {
            try CarriedRequests.split(
                resultFiles: files, into: targets, aliases: try CarriedRequests.readAliases(aliasesPath))
        }
        // Line numbers in the shared batch's errors are not the members' lines: no line is blamed.
        var shared = snapshot
        shared.errors = snapshot.errors.map { BatchLevelError(code: $0.code, message: $0.message, param: $0.param) }
        for member in members {
            let job = DropJob(dropID: member.dropID, spec: spec, environment: environment, reuse: reuse)
            try await job.joinResults(chunk: member, snapshot: shared, files: split[member.dropID] ?? [])
            try await store.recordCarriedBatch(chunk: member, provider: provider.name, snapshot: snapshot, now: Date())
        }
    }

    /// Every batch of the collection is joined: the members go on with their own jobs.
    func finishCollection() async throws {
        let now = Date()
        try await store.releaseMembers(of: dropID, now: now)
        try await store.updateDrop(id: dropID) {
            $0.stage = .downloaded
            $0.completedAt = now
        }
    }
}
