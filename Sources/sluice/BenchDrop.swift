import ArgumentParser
import Logging
import SluiceCore
import SluiceProviders

/// What `bench upload` and `bench ingest` share: a file, the pipeline to render it with, and the emulator to send
/// it to; staged (untimed) before the phase they measure.
struct BenchDrop: ParsableArguments {
    @Argument(help: ArgumentHelp("The CSV or JSONL file (optionally gzip).", valueName: "file")) var file: String
    @Option(help: ArgumentHelp("Pipeline whose spec to render with.", valueName: "name")) var pipeline: String
    @Option(help: ArgumentHelp("The emulator's OpenAI base URL, e.g. http://127.0.0.1:8089/v1.", valueName: "url"))
    var baseURL: String
    @OptionGroup var root: RootOption

    /// The spec, the file staged into `directory`, and the local provider at `baseURL`.
    func staged(into directory: String) async throws -> (PipelineSpec, StagingResult, any BatchProvider) {
        let spec = try BenchSupport.spec(pipeline, paths: try root.paths)
        let staged = try await BenchSupport.stage(file, spec: spec, directory: directory)
        return (spec, staged, ProviderFactory.local(baseURL: baseURL, logger: Logger(label: "sluice.bench")))
    }
}
