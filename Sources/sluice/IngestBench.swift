import ArgumentParser
import Foundation
import Logging
import SluiceCore
import SluiceProviders
import SluiceRecords

/// `sluice bench ingest FILE --pipeline NAME --base-url URL`: stage, upload and run the batches untimed, then
/// time result ingestion alone: download + parse + validate + join + write the enriched file.
struct IngestBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Run FILE's batches on BASE-URL untimed, then time downloading and joining their results."
    )

    @OptionGroup var drop: BenchDrop
    @Option(help: ArgumentHelp("Keep the work folder (results, outbox/) here for the limit's measurement.", valueName: "dir"))
    var keep: String?

    func run() async throws {
        let work = try BenchSupport.workDirectory(keep: keep)
        defer { if keep == nil { try? FileManager.default.removeItem(atPath: work) } }
        let (spec, staged, provider) = try await drop.staged(into: work)
        let finished = try await runBatches(staged.chunks, spec: spec, provider: provider)
        let outbox = work + "/outbox"
        try SluicePaths.ensureDirectory(outbox)
        let format = provider.wireFormat
        let source = URL(fileURLWithPath: drop.file)
        let (written, wall, cpu) = try await BenchSupport.measure {
            // Joined as `sluice process` joins them: `DropJob.parallelJoins` batches at a time.
            var resultBytes = 0
            try await withThrowingTaskGroup(of: Int.self) { group in
                for (started, (chunk, snapshot)) in zip(staged.chunks, finished).enumerated() {
                    if started >= DropJob.parallelJoins, let bytes = try await group.next() { resultBytes += bytes }
                    group.addTask {
                        let directory = work + "/results-\(chunk.seq)"
                        try SluicePaths.ensureDirectory(directory)
                        let files = try await provider.downloadResults(of: snapshot, into: directory)
                        try await Blocking.run("sluice-bench-join") {
                            try ResultIngest.collect(
                                spec: spec, format: format, resultFiles: files, snapshot: snapshot,
                                rows: chunk.firstRow...chunk.lastRow, chunkPath: chunk.path,
                                into: work + "/" + ChunkRecord.outcomesName(seq: chunk.seq))
                        }
                        return files.reduce(0) { $0 + BenchSupport.size($1) }
                    }
                }
                for try await bytes in group { resultBytes += bytes }
            }
            let chunks = staged.chunks.map {
                (firstRow: $0.firstRow, lastRow: $0.lastRow, round: 1,
                 outcomes: work + "/" + ChunkRecord.outcomesName(seq: $0.seq))
            }
            let assembler = Assembler(spec: spec, line: format.requestLine(for: spec))
            let (result, assembly, _) = try await BenchSupport.measure {
                try await Blocking.run("sluice-bench-assemble") {
                    MemoryTuning.releaseFreed()  // as `sluice process` does before assembling
                    return try assembler.assemble(
                        sourcePath: source.path, fileName: source.lastPathComponent, workDirectory: work,
                        chunks: chunks, outbox: outbox)
                }
            }
            return (resultBytes, result, assembly)
        }
        let outputs = (try? FileManager.default.contentsOfDirectory(atPath: outbox)) ?? []
        print(
            BenchSupport.json([
                "rows": staged.rowsIn, "succeeded": written.1.succeeded, "failed": written.1.failed,
                "result_bytes": written.0, "output_bytes": outputs.reduce(0) { $0 + BenchSupport.size(outbox + "/" + $1) },
                "seconds": wall, "cpu_seconds": cpu,
                // Where the wall time went: downloading and collecting the results, then the join.
                "assemble_seconds": written.2,
            ]))
    }

    /// Uploads every chunk, creates its batch and waits for all of them to end (not part of the measurement).
    private func runBatches(
        _ chunks: [StagedChunk], spec: PipelineSpec, provider: any BatchProvider
    ) async throws -> [BatchSnapshot] {
        var ids: [String] = []
        for chunk in chunks {
            let file = try await provider.upload(chunkPath: chunk.path, name: "bench-\(chunk.seq).jsonl")
            let batch = try await provider.createBatch(
                input: .uploadedFile(id: file), endpoint: spec.endpoint, completionWindow: spec.batch.completionWindow,
                metadata: [:])
            ids.append(batch.id)
        }
        var finished: [BatchSnapshot] = []
        for id in ids {
            while true {
                let snapshot = try await provider.snapshot(batchID: id)
                if snapshot.state.isTerminal {
                    finished.append(snapshot)
                    break
                }
                try await Task.sleep(for: .milliseconds(200))
            }
        }
        return finished
    }
}
