import ArgumentParser
import Foundation
import Logging
import SluiceCore
import SluiceEmulator
import SluiceOps
import SluiceProviders

/// `sluice process FILE --pipeline NAME`: one file to its manifest, in the foreground.
struct ProcessCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "process",
        abstract: "Process one file through a pipeline and write its outputs and manifest to outbox/NAME/.",
        discussion: """
            Renders one request per row, submits batches, waits for them, validates every output and writes \
            STEM.enriched.*, STEM.failures.jsonl (when rows failed) and STEM.manifest.json (last).

            The same content through the same spec is not sent twice: a file whose earlier run was interrupted \
            resumes where it stopped (batches already at the provider are polled, not resent), and a file processed \
            before gets its outputs from the stored results without contacting the provider, unless --reprocess.

            Budgets: with budget.max_usd or budget.daily_usd in the spec, the file's cost is estimated from its \
            staged chunks before anything is sent. A file over budget is held: nothing is sent, the reason is \
            printed and the exit status is 3. Approve it with `sluice approve FILE`, then run this command again; \
            it resumes where it stopped (found again by its content).

            Webhooks: with notify: in the spec, the file's notifications (complete, rejected, held, failure_rate) \
            are delivered before the command exits, retried with backoff for up to 30 s; what is still undelivered \
            then stays pending in the state database and `sluice run` delivers it.

            Progress: on a terminal, one line on stderr redrawn in place: the phase (staging, submitting, waiting \
            for provider, writing), a bar, rows read and MB/s while staging, requests answered/sent and batches \
            done at the provider, the elapsed time and an ETA from the rate requests are answered at since \
            submission ("ETA —" until one is). Piped, plain lines instead: one per phase and one every 10 s while \
            waiting. The result line goes to stdout either way.

            Exit status: 0 manifest written (rows may have failed), 1 file rejected or fatal error, 2 usage error, \
            3 held for approval (over budget; nothing sent).
            """
    )

    @Argument(help: ArgumentHelp("The CSV or JSONL file (optionally gzip).", valueName: "file")) var file: String
    @Option(help: ArgumentHelp("Pipeline whose spec (pipelines/NAME.yaml) to use.", valueName: "name"))
    var pipeline: String
    @OptionGroup var root: RootOption
    @Flag(help: "Print no progress, only the result line (the same as --progress none).") var quiet = false
    @Option(
        help: ArgumentHelp(
            "Progress on stderr: auto (a bar on a terminal, plain lines otherwise), bar (one line redrawn in place), "
                + "plain (a line per phase and one every 10 s while staging or waiting, no control characters) or none.",
            valueName: "mode"))
    var progress: ProgressMode = .auto
    @Flag(help: "Send every row again even if the same content went through this spec before.") var reprocess = false
    @Option(
        help: ArgumentHelp(
            "How warnings and errors are logged to stderr: text or json (text; sluice.yaml: log_format).",
            valueName: "format"))
    var logFormat: String?

    func validate() throws {
        if let logFormat, LogFormat(rawValue: logFormat) == nil {
            throw ValidationError("unknown --log-format '\(logFormat)' (text or json)")
        }
    }

    /// The exit status of a file held for approval (over budget): distinct from success, rejection and usage.
    static let heldForApproval: Int32 = 3

    func run() async throws {
        let settings = try root.settings()
        let paths = settings.paths
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw UsageFailure(message: "\(file): no such file")
        }
        let spec: PipelineSpec
        let specText: String
        do {
            (spec, specText) = try SpecLoader.read(path: paths.spec(pipeline))
        } catch {
            for problem in error.problems { printError(problem.description) }
            throw ExitCode(1)
        }
        // Warnings and errors only: the progress line is the foreground's report.
        LogBootstrap.bootstrap(
            format: logFormat.flatMap(LogFormat.init(rawValue:)) ?? settings.daemon.logFormat, level: .warning)
        let logger = Logger(label: "sluice")
        try SluicePaths.ensureDirectory(paths.state)
        let store = try StateStore(path: paths.database)
        let fileName = URL(fileURLWithPath: file).lastPathComponent
        let display = ProgressDisplay(name: fileName, mode: quiet ? .none : progress, sourcePath: file)
        let reuse: ReusePolicy = reprocess ? .never : .finished
        let file = self.file

        let report = try await display.showing {
            try await ProviderSession.with(spec: spec, paths: paths, logger: logger) { provider in
                let environment = DropEnvironment(provider: provider, store: store, paths: paths, logger: logger)
                return try await DropJob.process(
                    file: file, spec: spec, specText: specText, environment: environment, reuse: reuse,
                    progress: { display.update($0) })
            }
        }
        let drop = report.drop
        if spec.notify != nil {
            let settings = try root.settings().daemon.webhooks
            let courier = try Webhooks.courier(paths: paths, settings: settings, logger: logger, store: store)
            try await Webhooks.deliverBeforeExit(courier, dropIDs: [drop.id!])
        }
        if report.held {
            printError("\(fileName): held for approval, nothing sent: \(report.hold ?? "over budget")")
            if paths.root != SluicePaths(root: ".").root {
                printError("  (the root is elsewhere: `sluice approve \(drop.sourceName) --root \(paths.root)`)")
            }
            throw ExitCode(Self.heldForApproval)
        }
        if report.rejected {
            printError("\(fileName): rejected: \(drop.reason ?? "unknown reason")")
            print(report.manifestPath)
            throw ExitCode(1)
        }
        let reused = drop.sameAs.map { _ in " (results reused from an earlier run of the same content)" } ?? ""
        print(
            "\(fileName): \(drop.rowsIn ?? 0) rows, \(drop.succeeded ?? 0) enriched, \(drop.failed ?? 0) failed, "
                + "\(report.batches) batch(es)\(reused) → \(report.manifestPath)")
        if let then = spec.then {
            // Said on stdout: a script running stage one learns where stage two's input went.
            if let chained = drop.chainPath {
                print("\(fileName): \(drop.chainRows ?? 0) row(s) chained → \(chained) (the daemon picks it up for \(then))")
            } else {
                print("\(fileName): nothing chained to \(then): no enriched row went on (see the manifest's chained.note)")
            }
        }
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
