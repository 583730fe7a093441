import ArgumentParser
import Foundation
import SluiceCore
import SluiceProviders

/// `sluice bench`: measurements run on demand (Benchmarks/run-staging.sh drives them).
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure one phase of the pipeline on a file (for Benchmarks/; not needed to use Sluice).",
        subcommands: [StageBench.self]
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
        let paths = try root.paths
        let spec: PipelineSpec
        do {
            spec = try SpecLoader.load(path: paths.spec(pipeline))
        } catch {
            for problem in error.problems { printError(problem.description) }
            throw ExitCode(1)
        }
        let work = NSTemporaryDirectory() + "/sluice-bench-" + UUID().uuidString
        try SluicePaths.ensureDirectory(work)
        defer { try? FileManager.default.removeItem(atPath: work) }
        // The OpenAI limits, which every OpenAI-style provider shares; nothing is contacted.
        let stager = Stager(
            spec: spec, line: OpenAIRequestFormat.line(for: spec), providerMaxBytes: 200_000_000,
            providerMaxRequests: 50_000)
        let source = URL(fileURLWithPath: file)
        let sourceBytes = (try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
        let start = ContinuousClock.now
        let result = try await Blocking.run("sluice-bench-stage") {
            try stager.stage(sourcePath: source.path, fileName: source.lastPathComponent, directory: work)
        }
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let chunkBytes = result.chunks.reduce(0) { $0 + $1.bytes }
        if json {
            print(
                #"{"rows":\#(result.rowsIn),"chunks":\#(result.chunks.count),"failed":\#(result.failedRows),"#
                    + #""seconds":\#(seconds),"source_bytes":\#(sourceBytes),"chunk_bytes":\#(chunkBytes)}"#)
        } else {
            print(
                "staged \(result.rowsIn) rows (\(result.failedRows) failed) into \(result.chunks.count) chunks, "
                    + "\(chunkBytes / 1_000_000) MB, in \(String(format: "%.2f", seconds)) s: "
                    + "\(Int(Double(result.rowsIn) / seconds)) rows/s")
        }
    }
}
