import ArgumentParser
import Foundation
import SluiceCore
import SluiceProviders

/// `sluice bench`: measurements run on demand (Benchmarks/run.sh drives them).
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure one phase of the pipeline on a file (for Benchmarks/; not needed to use Sluice).",
        subcommands: [StageBench.self, UploadBench.self, IngestBench.self, CacheBench.self]
    )
}

/// `sluice bench stage FILE --pipeline NAME`: read + inflate + parse + render + write chunks, nothing sent.
struct StageBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stage",
        abstract: "Stage FILE as `process` would (chunks written to a temporary folder, then removed) and report speed."
    )

    @Argument(help: ArgumentHelp("The CSV or JSONL file (optionally gzip).", valueName: "file")) var file: String
    @Option(help: ArgumentHelp("Pipeline whose spec to render with.", valueName: "name")) var pipeline: String
    @OptionGroup var root: RootOption
    @Flag(help: "Print one JSON object instead of a sentence.") var json = false

    func run() async throws {
        let spec = try BenchSupport.spec(pipeline, paths: try root.paths)
        let work = try BenchSupport.workDirectory(keep: nil)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let sourceBytes = BenchSupport.size(file)
        let (result, seconds, cpu) = try await BenchSupport.measure {
            try await BenchSupport.stage(file, spec: spec, directory: work)
        }
        let chunkBytes = result.chunks.reduce(0) { $0 + $1.bytes }
        if json {
            print(
                BenchSupport.json([
                    "rows": result.rowsIn, "chunks": result.chunks.count, "failed": result.failedRows,
                    "seconds": seconds, "cpu_seconds": cpu, "source_bytes": sourceBytes, "chunk_bytes": chunkBytes,
                ]))
        } else {
            let rate = Int(Double(result.rowsIn) / seconds)
            let time = String(format: "%.2f", seconds)
            print(
                "staged \(result.rowsIn) rows (\(result.failedRows) failed) into \(result.chunks.count) chunks, "
                    + "\(chunkBytes / 1_000_000) MB, in \(time) s: \(rate) rows/s")
        }
    }
}
