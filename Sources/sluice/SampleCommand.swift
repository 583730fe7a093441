import ArgumentParser
import Foundation
import Logging
import SluiceCore
import SluiceJSON
import SluiceProviders

/// `sluice sample FILE --pipeline NAME`: a dry run of a few rows, sent realtime, before the full batch.
struct SampleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Send a few rows of FILE realtime and show their prompts, outputs, validation and token usage.",
        discussion: """
            Reads and renders FILE exactly as `process` would, then sends the chosen rows (the first 10 by default) \
            one realtime call each, with the request body each row's batch line would carry: OpenAI and compatible \
            providers to /chat/completions (or /embeddings), Anthropic to /v1/messages, the local provider to a \
            built-in server started for the run. Each answer is read and validated as a batch result would be, so \
            a schema failure shows the code and message failures.jsonl would hold.

            Prints per row: row number, id, the rendered prompt (cut; --full shows all), the output or the raw \
            answer, the validation result and the tokens the provider reported; then the totals, the cost at \
            realtime prices (what the sample cost) and at batch prices, and an extrapolation to the whole file \
            (its requests × the sample's average; not a count). Rows that fail before sending are shown with \
            their error and not sent.

            Writes nothing: no state database, no outbox. The key comes from the spec's api_key_env and is never \
            printed. Realtime calls cost realtime prices: keep samples small.

            Exit status: 0 sent (some rows may be invalid), 1 file rejected, bad spec, nothing could be sent or \
            the provider refused every call, 2 usage error.
            """
    )

    @Argument(help: ArgumentHelp("The CSV or JSONL file (optionally gzip).", valueName: "file")) var file: String
    @Option(help: ArgumentHelp("Pipeline whose spec (pipelines/NAME.yaml) to use.", valueName: "name"))
    var pipeline: String
    @Option(
        name: [.customShort("n"), .customLong("count")],
        help: ArgumentHelp("Send the first N rows (after --skip); default 10, at most 1000.", valueName: "n")
    )
    var count: Int?
    @Option(help: ArgumentHelp("Skip the first K rows.", valueName: "k")) var skip: Int?
    @Option(
        help: ArgumentHelp(
            "Send these rows instead: 1-based numbers and ranges, header excluded (5,17,300-310).",
            valueName: "list"
        )
    )
    var rows: String?
    @Flag(help: "Show prompts, outputs and raw answers whole instead of cut.") var full = false
    @Flag(
        name: .customLong("head-only"),
        help: ArgumentHelp(
            "Read FILE only up to the last row sent: quicker on a huge file, but no whole-file counts, no "
                + "extrapolation and no check that the rest of the file is readable."
        )
    )
    var headOnly = false
    @OptionGroup var root: RootOption
    @Flag(help: "Print one JSON object (stable keys, texts whole) instead of the report.") var json = false

    func validate() throws {
        if rows != nil && (count != nil || skip != nil) {
            throw ValidationError("--rows names the rows itself: leave out -n/--count and --skip")
        }
        if let count, !(1...SampleSelection.maxRows).contains(count) {
            throw ValidationError("-n/--count must be between 1 and \(SampleSelection.maxRows)")
        }
        if let skip, skip < 0 { throw ValidationError("--skip must not be negative") }
    }

    func run() async throws {
        let paths = try root.paths
        let selection = try self.selection()
        let inputs = try PipelineInputs.load(file: file, pipeline: pipeline, paths: paths)
        let (spec, prices, pricesFile) = (inputs.spec, inputs.prices, inputs.pricesFile)
        let staging = ProviderFactory.staging(for: spec)
        let sampler = DropSampler(
            spec: spec,
            wireFormat: staging.wireFormat,
            providerMaxBytes: staging.limits.bytes,
            providerMaxRequests: staging.limits.requests
        )
        let fileName = URL(fileURLWithPath: file).lastPathComponent
        let (source, wholeFile) = (file, !headOnly)
        let sample: DropSample
        do {
            sample = try await Blocking.run(
                "sluice-sample",
                stoppable: { stop in
                    try sampler.sample(
                        sourcePath: source,
                        fileName: fileName,
                        selection: selection,
                        wholeFile: wholeFile,
                        stop: stop
                    )
                }
            )
        } catch let rejection as DropRejection {
            printError("\(fileName): rejected: \(rejection.reason)")
            throw ExitCode(1)
        }
        try checkRowsExist(sample, selection: selection, fileName: fileName)

        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        var log = Logger(label: "sluice")
        log.logLevel = .warning
        let logger = log
        let interpreter = OutputInterpreter(spec: spec, format: staging.wireFormat)
        let toSend = sample.rows.filter { (try? $0.request.get()) != nil }
        var results = sample.rows.map { SampleResult(row: $0, answer: nil) }
        var endpoint: String?
        if !toSend.isEmpty {
            let sent = try await send(sample.rows, spec: spec, interpreter: interpreter, paths: paths, logger: logger)
            results = sent.results
            endpoint = sent.endpoint
        }
        let report = SampleReport(
            pipeline: spec.name,
            file: fileName,
            provider: spec.provider.rawValue,
            model: spec.model,
            endpoint: endpoint,
            selection: selection,
            results: results,
            fileCounts: sample.file,
            price: prices?.price(for: spec.model),
            pricesFile: pricesFile,
            pricesAsOf: prices?.asOf,
            maxAttempts: spec.retry.maxAttempts
        )
        print(json ? JSONWriter.string(report.json) : report.text(full: full))
        let totals = report.totals
        if toSend.isEmpty {
            printError("\(fileName): nothing was sent: every sampled row failed before sending")
            throw ExitCode(1)
        }
        if totals.answered == 0 {
            printError("\(fileName): the provider answered none of the \(totals.sent) call(s)")
            throw ExitCode(1)
        }
    }

    /// The rows the options name.
    private func selection() throws -> SampleSelection {
        guard let rows else { return .first(count: count ?? 10, skip: skip ?? 0) }
        do {
            return try SampleSelection.parse(rows: rows)
        } catch {
            throw UsageFailure(message: "--rows \(rows): \(error.message)")
        }
    }

    /// A usage error for rows the file does not have; exit 1 for a file with no rows at all.
    private func checkRowsExist(_ sample: DropSample, selection: SampleSelection, fileName: String) throws {
        if sample.rowsRead == 0 {
            printError("\(fileName): the file has no rows: nothing to sample")
            throw ExitCode(1)
        }
        if !sample.missingRows.isEmpty {
            let missing = sample.missingRows.prefix(5).map(String.init).joined(separator: ", ")
            throw UsageFailure(
                message: "--rows: \(fileName) has \(sample.rowsRead) rows; no row \(missing)"
                    + (sample.missingRows.count > 5 ? ", ..." : "")
            )
        }
        if sample.rows.isEmpty, case .first(_, let skip) = selection {
            throw UsageFailure(message: "--skip \(skip): \(fileName) has only \(sample.rowsRead) rows")
        }
    }

    /// Sends the rows through the spec's provider; for `provider: local`, a built-in server started for the
    /// run with its state in a temporary folder, removed afterwards (sample writes nothing under the root).
    private func send(
        _ rows: [SampledRow],
        spec: PipelineSpec,
        interpreter: OutputInterpreter,
        paths: SluicePaths,
        logger: Logger
    ) async throws -> (results: [SampleResult], endpoint: String?) {
        let endpointPath = rows.lazy.compactMap { try? $0.request.get().path }.first ?? ""
        guard spec.provider == .local else {
            let sender: SampleSender
            do {
                sender = try ProviderFactory.sampleSender(
                    spec: spec,
                    environment: ProcessInfo.processInfo.environment,
                    logger: logger
                )
            } catch let error as ProviderError {
                printError(error.message)
                throw ExitCode(1)
            }
            let results = try await sender.send(rows, interpreter: interpreter)
            return (results, sender.baseURL + endpointPath)
        }
        let state = NSTemporaryDirectory() + "/sluice-sample-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: state) }
        return try await ProviderSession.withLocalProvider(stateDirectory: state, logger: logger) { port in
            let sender = ProviderFactory.localSampleSender(spec: spec, port: port, logger: logger)
            return (try await sender.send(rows, interpreter: interpreter), sender.baseURL + endpointPath)
        }
    }
}
