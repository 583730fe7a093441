import Foundation
import Logging
import SluiceRecords

extension DropJob {
    // MARK: downloaded → written

    /// Assembles the enriched and failures files, then the manifest, all atomically into the outbox.
    ///
    /// A drop reusing a twin's results joins its rows with the twin's outcome files: the same content gives
    /// the same rows with the same numbers.
    func write(_ drop: DropRecord) async throws {
        if drop.origin == .collection {
            // A collection writes nothing: each file it carried writes its own outputs.
            let now = Date()
            try await store.updateDrop(id: dropID) {
                $0.stage = .written
                $0.writtenAt = now
            }
            return
        }
        let owner = drop.sameAs ?? dropID
        let items = try await store.progress(dropID: owner)
        guard let resultsDir = drop.resultsDir else {
            throw EngineError(code: "state.results_missing", message: "drop \(dropID) has no results folder recorded")
        }
        let chunks = items.map {
            (firstRow: $0.chunk.firstRow, lastRow: $0.chunk.lastRow, round: $0.chunk.round,
             outcomes: resultsDir + "/" + ChunkRecord.outcomesName(seq: $0.chunk.seq))
        }
        progress(.assembling)
        let retry = try await retireManifest(drop)
        let outbox = paths.outbox(spec.name)
        try SluicePaths.ensureDirectory(outbox)
        Self.removeStaleTemporaries(in: outbox, fileName: drop.sourceName)
        let assembler = Assembler(spec: spec, line: provider.wireFormat.requestLine(for: spec))
        // A twin's answers were stored when the twin was written.
        let storesAnswers = spec.cache.enabled && drop.sameAs == nil
        let keying = RequestKeying(spec: spec)
        let (store, name, model) = (self.store, spec.name, spec.model)
        // A retried generation chains nothing: the next pipeline had the file's rows once (`sluice retry`).
        let chain = retry == nil ? chainTarget(drop) : nil
        let assembled: AssemblyResult
        do {
            assembled = try await Blocking.run("sluice-assemble", stoppable: { stop in
                // Assembly is a file's peak of memory: first return what the result joins freed.
                MemoryTuning.releaseFreed()
                let cache = storesAnswers ? AnswerBuffer(store: store, pipeline: name, model: model) : nil
                let result = try assembler.assemble(
                    sourcePath: drop.sourcePath, fileName: drop.sourceName, workDirectory: resultsDir, chunks: chunks,
                    outbox: outbox, stop: stop, answers: cache.map { buffer in (keying, { try buffer.add($0) }) },
                    chain: chain)
                try cache?.flush()
                return result
            })
        } catch let rejection as DropRejection {
            // The source changed or vanished under us since staging.
            try await reject(drop, rejection)
            return
        }
        var manifest = Manifest(
            pipeline: spec.name, status: "complete", specSHA256: drop.specSHA256, sourceName: drop.sourceName,
            sourceBytes: drop.bytes, sourceSHA256: drop.sha256, rowsIn: assembled.rowsIn, receivedAt: drop.receivedAt)
        manifest.provider = spec.provider.rawValue
        manifest.model = spec.model
        manifest.submittedAt = drop.submittedAt
        manifest.completedAt = drop.completedAt
        manifest.succeeded = assembled.succeeded
        manifest.failed = assembled.failed
        manifest.failuresByCategory = assembled.failuresByCategory
        manifest.failuresByKind = assembled.failuresByKind
        let alert = failureRateAlert(failed: assembled.failed, rows: assembled.rowsIn)
        if let alert {
            manifest.alerts.append((code: "alerts.max_failure_rate", message: alert))
            log.warning("file flagged", metadata: ["alert": "\(alert)", "failures": "\(assembled.failuresByKind)"])
        }
        manifest.retries = .init(
            rounds: (items.map(\.chunk.round).max() ?? 1) - 1, rows: assembled.retriedRows,
            recovered: assembled.rowsRecoveredByRetry)
        manifest.deduped = assembled.deduped
        manifest.cached = assembled.cached
        if drop.sameAs == nil {
            manifest.inputTokens = assembled.inputTokens
            manifest.outputTokens = assembled.outputTokens
            for item in items {
                guard let batch = item.batch, let id = batch.providerBatchID else { continue }
                manifest.batches.append(
                    .init(provider: batch.provider, id: id, status: batch.providerStatus ?? "", requests: item.chunk.requests))
            }
            await learnCalibration(items: items, assembled: assembled)
            manifest.cost = try await settleCost(
                drop, items: items, inputTokens: assembled.inputTokens, outputTokens: assembled.outputTokens)
        } else {
            // Nothing was sent for this file: every answered row came from the earlier drop's stored results.
            manifest.cached = assembled.answeredBySending + assembled.cached + assembled.deduped
            manifest.deduped = 0
            manifest.cost = .nothingSent(
                basis: spec.priceBasis, price: PriceLookup.find(model: spec.model, paths: paths),
                note: "results reused from an earlier drop of the same content: nothing was sent")
        }
        for output in assembled.outputs {
            let digest = try await Blocking.run("sluice-digest") { try FileDigest.sha256(path: outbox + "/" + output.name) }
            manifest.outputs.append(.init(path: output.name, rows: output.rows, sha256: digest.hex))
        }
        manifest.chained = chainedEntry(assembled.chained)
        manifest.control.cancelled = try await cancelledEntry(
            items: items, rows: assembled.failuresByKind[FailureKind.withdrawn.rawValue] ?? 0)
        if let retry {
            manifest.control.generation = retry.generation
            manifest.control.previous = retry.previousManifest
        }
        let path = try await writeManifest(&manifest, fileName: drop.sourceName)
        let writtenAt = manifest.writtenAt
        let chainPath = assembled.chained?.path
        let chainRows = assembled.chained?.rows
        try await store.updateDrop(id: dropID, notifying: notifications(for: manifest, path: path, drop: drop)) {
            $0.stage = .written
            $0.chainPath = chainPath
            $0.chainRows = chainRows
            $0.rowsIn = assembled.rowsIn
            $0.succeeded = assembled.succeeded
            $0.failed = assembled.failed
            $0.manifestPath = path
            $0.writtenAt = writtenAt
            $0.alert = alert
        }
        SluiceMetrics.manifest(manifest, completedAt: drop.completedAt)
        log.event(
            .written,
            [
                "rows": "\(assembled.rowsIn)", "succeeded": "\(assembled.succeeded)", "failed": "\(assembled.failed)",
                "manifest": "\(path)",
            ])
        progress(.written(manifestPath: path))
    }

    /// The alert for a file whose failed rows are more than `alerts.max_failure_rate` of its rows, else nil.
    func failureRateAlert(failed: Int, rows: Int) -> String? {
        guard rows > 0, Double(failed) / Double(rows) > spec.alerts.maxFailureRate else { return nil }
        let percent = { (x: Double) in String(format: "%.1f%%", x * 100) }
        return "\(failed) of \(rows) rows failed (\(percent(Double(failed) / Double(rows)))), more than "
            + "alerts.max_failure_rate \(percent(spec.alerts.maxFailureRate))"
    }

    // MARK: written → archived; rejected → rejected and archived

    /// Keeps the source and the results under `.sluice/archive/<pipeline>/<drop>/`, removes the work folder
    /// and the provider-side files (uploads, output and error files). Every step can be repeated.
    func archive(_ drop: DropRecord) async throws {
        try await deliverChain(drop)
        let directory = paths.archive(spec.name, drop: dropID)
        try SluicePaths.ensureDirectory(directory)
        var sourcePath = drop.sourcePath
        if drop.origin == .inbox {
            let destination = directory + "/" + drop.sourceName
            if FileManager.default.fileExists(atPath: drop.sourcePath) && drop.sourcePath != destination {
                try Self.move(drop.sourcePath, to: destination)
            }
            sourcePath = destination
        }
        if drop.stage == .rejected {
            let note = "rejected: \(drop.reason ?? "unknown reason")\n"
            try? Data(note.utf8).write(to: URL(fileURLWithPath: directory + "/REJECTED.txt"))
        }
        var resultsDir: String? = nil
        if drop.stage == .written {
            if let sameAs = drop.sameAs {
                resultsDir = try await store.drop(id: sameAs)?.resultsDir
            } else {
                resultsDir = directory
                let work = paths.dropWork(dropID)
                let items = try await store.progress(dropID: dropID)
                let names = [Stager.failuresFileName, RowReference.fileName] + items.map { ChunkRecord.outcomesName(seq: $0.chunk.seq) }
                for name in names where FileManager.default.fileExists(atPath: work + "/" + name) {
                    try Self.move(work + "/" + name, to: directory + "/" + name)
                }
                await cleanUpProvider(drop, items: items)
            }
        }
        try? FileManager.default.removeItem(atPath: paths.dropWork(dropID))
        let now = Date()
        let finalPath = sourcePath
        let kept = resultsDir
        try await store.updateDrop(id: dropID) {
            if $0.stage == .written { $0.stage = .archived }
            $0.archivedAt = now
            $0.sourcePath = finalPath
            $0.resultsDir = kept
        }
        log.event(.archived, ["archive": "\(directory)"])
    }

    /// Deletes what the drop left at the provider. Failures are logged, not fatal: the outputs are written.
    private func cleanUpProvider(_ drop: DropRecord, items: [ChunkProgress]) async {
        for item in items {
            for id in (item.batch?.resultFileIDs ?? "").split(separator: "\n") {
                await provider.deleteFile(id: String(id))
            }
        }
        // Inputs are deleted when each batch ends; this also finds uploads a crash or a retried upload left.
        let prefix = "sluice-\(drop.key)-"
        do {
            let since = drop.receivedAt.addingTimeInterval(-Self.reconcileSlack)
            for id in try await provider.findUploads(namePrefix: prefix, createdSince: since) {
                await provider.deleteFile(id: id)
            }
        } catch {
            log.warning("could not list uploads to clean up", metadata: ["error": "\(error)"])
        }
    }

    /// Removes hidden temp files an interrupted write of this file's outputs left in the outbox. They were
    /// never renamed into place, so no reader saw them; writing starts over.
    static func removeStaleTemporaries(in outbox: String, fileName: String) {
        let prefix = "." + DropFormat.stem(of: fileName) + "."
        let names = (try? FileManager.default.contentsOfDirectory(atPath: outbox)) ?? []
        for name in names where name.hasPrefix(prefix) && name.contains(".tmp-") {
            unlink(outbox + "/" + name)
        }
    }

    /// Renames `source` to `destination`, copying when they are on different filesystems.
    static func move(_ source: String, to destination: String) throws {
        if rename(source, destination) == 0 { return }
        let code = errno
        guard code == EXDEV else {
            throw EngineError(
                code: "fs.rename", message: "cannot move \(source) to \(destination): \(String(cString: strerror(code)))")
        }
        let temporary = destination + ".partial"
        try? FileManager.default.removeItem(atPath: temporary)
        try FileManager.default.copyItem(atPath: source, toPath: temporary)
        guard rename(temporary, destination) == 0 else {
            throw EngineError(code: "fs.rename", message: "cannot move \(temporary) to \(destination)")
        }
        try FileManager.default.removeItem(atPath: source)
    }
}
