import ArgumentParser
import Foundation
import Logging
import SluiceCore
import SluiceEmulator
import SluiceProviders

/// `sluice process FILE --pipeline NAME`: one file to its manifest, in the foreground.
struct ProcessCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "process",
        abstract: "Process one file through a pipeline and write its outputs and manifest to outbox/NAME/.",
        discussion: """
            Renders one request per row, submits batches, waits for them, validates every output and writes \
            STEM.enriched.*, STEM.failures.jsonl (when rows failed) and STEM.manifest.json (last).

            Exit status: 0 manifest written (rows may have failed), 1 file rejected or fatal error, 2 usage error.
            """
    )

    @Argument(help: ArgumentHelp("The CSV or JSONL file (optionally gzip).", valueName: "file")) var file: String
    @Option(help: ArgumentHelp("Pipeline whose spec (pipelines/NAME.yaml) to use.", valueName: "name"))
    var pipeline: String
    @OptionGroup var root: RootOption
    @Flag(help: "Print no progress, only the result line.") var quiet = false

    func run() async throws {
        let paths = root.paths
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw UsageFailure(message: "\(file): no such file")
        }
        let spec: PipelineSpec
        do {
            spec = try SpecLoader.load(path: paths.spec(pipeline))
        } catch {
            for problem in error.problems { printError(problem.description) }
            throw ExitCode(1)
        }
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        var log = Logger(label: "sluice")
        log.logLevel = .warning
        let logger = log
        try SluicePaths.ensureDirectory(paths.state)
        let store = try StateStore(path: paths.database)
        let fileName = URL(fileURLWithPath: file).lastPathComponent
        let sourcePath = URL(fileURLWithPath: file).standardizedFileURL.path
        let line = ProgressLine(name: fileName, enabled: !quiet)

        let report = try await ProviderSession.with(spec: spec, paths: paths, logger: logger) { provider in
            let processor = DropProcessor(
                spec: spec, provider: provider, store: store, paths: paths, logger: logger,
                progress: { line.update($0) })
            return try await processor.process(sourcePath: sourcePath, fileName: fileName)
        }
        line.finish()
        let m = report.manifest
        if report.rejected {
            printError("\(fileName): rejected: \(m.reason ?? "unknown reason")")
            print(report.manifestPath)
            throw ExitCode(1)
        }
        print(
            "\(fileName): \(m.rowsIn) rows, \(m.succeeded) enriched, \(m.failed) failed, "
                + "\(m.batches.count) batch(es) → \(report.manifestPath)")
    }
}

/// A usage error: printed and exit status 2.
struct UsageFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
