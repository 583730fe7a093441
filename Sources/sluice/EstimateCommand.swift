import ArgumentParser
import Foundation
import SluiceCore
import SluiceJSON
import SluiceProviders

/// `sluice estimate FILE --pipeline NAME`: what a file would cost, before anything is sent.
struct EstimateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "estimate",
        abstract: "Estimate what processing FILE would send and cost, contacting no provider.",
        discussion: """
            Reads and renders FILE exactly as `process` would (same rows, same failures, same chunks, staged into \
            a temporary folder that is removed) and reports: rows, rows that would fail before sending (by code), \
            requests, unique requests (what dedupe would send), batches, estimated input and output tokens, and \
            the cost at batch and at realtime prices from pipelines/prices.yaml.

            Input tokens are an approximation of OpenAI's cl100k_base encoding (no vocabulary ships with Sluice), \
            usually within a few percent over a file. Output tokens are a typical answer of the output schema, \
            within max_tokens; the cost if every answer reached max_tokens is shown too. A model missing from \
            pipelines/prices.yaml has an unknown cost. Check the prices there against your provider's.

            Exit status: 0 estimated, 1 file rejected (as `process` would reject it) or bad spec or price table, \
            2 usage error.
            """
    )

    @Argument(help: ArgumentHelp("The CSV or JSONL file (optionally gzip).", valueName: "file"))
    var file: String
    @Option(
        help: ArgumentHelp(
            "Pipeline whose spec (pipelines/NAME.yaml) to render with.",
            valueName: "name"
        )
    )
    var pipeline: String
    @OptionGroup var root: RootOption
    @Flag(help: "Print one JSON object (stable keys) instead of the report.") var json = false

    func run() async throws {
        let paths = try root.paths
        let inputs = try PipelineInputs.load(file: file, pipeline: pipeline, paths: paths)
        let (spec, prices, pricesFile) = (inputs.spec, inputs.prices, inputs.pricesFile)
        let staging = ProviderFactory.staging(for: spec)
        let estimator = DropEstimator(
            spec: spec,
            wireFormat: staging.wireFormat,
            providerMaxBytes: staging.limits.bytes,
            providerMaxRequests: staging.limits.requests
        )
        let fileName = URL(fileURLWithPath: file).lastPathComponent
        let source = file
        // The result cache is read when a state database exists; estimate never creates one.
        let cache = FileManager.default.fileExists(atPath: paths.database) ? try StateStore(path: paths.database) : nil
        let estimate: DropEstimate
        do {
            estimate = try await Blocking.run("sluice-estimate") {
                try estimator.estimate(sourcePath: source, fileName: fileName, cache: cache)
            }
        } catch let rejection as DropRejection {
            printError("\(fileName): rejected: \(rejection.reason)")
            throw ExitCode(1)
        }
        var report = EstimateReport(
            pipeline: spec.name,
            file: fileName,
            provider: spec.provider.rawValue,
            model: spec.model,
            estimate: estimate,
            price: prices?.price(for: spec.model),
            pricesFile: pricesFile,
            pricesAsOf: prices?.asOf
        )
        report.cachedRows = try await cachedRows(spec: spec, paths: paths)
        report.calibrate(try await cache?.calibration(pipeline: spec.name, model: spec.model))
        print(json ? JSONWriter.string(report.json) : report.text)
    }

    /// Rows of a finished earlier run of this content and spec, read from the state database when there is one
    /// (estimate never creates it).
    private func cachedRows(spec: PipelineSpec, paths: SluicePaths) async throws -> Int? {
        guard FileManager.default.fileExists(atPath: paths.database) else { return nil }
        let source = file
        let digest = try await Blocking.run("sluice-hash") { try FileDigest.sha256(path: source) }
        let store = try StateStore(path: paths.database)
        let drop = try await store.reusableDrop(
            pipeline: spec.name,
            sha256: digest.hex,
            specSHA256: spec.sha256
        )
        return drop.map { $0.rowsIn ?? 0 }
    }
}
