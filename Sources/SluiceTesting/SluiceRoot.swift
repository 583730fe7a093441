import Foundation
import Logging
import SluiceCore
import SluiceEmulator
import SluiceHTTP
import SluiceJSON
import SluiceProviders

/// A throwaway Sluice root (pipelines/, inbox/, outbox/, .sluice/) for tests.
public struct SluiceRoot: Sendable {
    public let paths: SluicePaths

    public init(path: String) {
        paths = SluicePaths(root: path)
    }

    /// Writes `pipelines/NAME.yaml` and returns the loaded spec.
    @discardableResult
    public func addPipeline(_ name: String, yaml: String) throws -> PipelineSpec {
        try writeFile(paths.spec(name), yaml)
        return try SpecLoader.load(path: paths.spec(name))
    }

    /// Processes `file` through `spec` against an in-process local provider, as `sluice process` does.
    public func process(
        _ file: String, spec: PipelineSpec, seed: UInt64 = 0, reuse: ReusePolicy = .finished
    ) async throws -> DropReport {
        try SluicePaths.ensureDirectory(paths.state)
        let store = try StateStore(path: paths.database)
        let logger = Logger(label: "sluice.test")
        let paths = self.paths
        let text = try String(contentsOfFile: paths.spec(spec.name), encoding: .utf8)
        return try await withLocalEmulator(stateDirectory: paths.emulatorState, seed: seed) { emulator in
            // The provider the spec names: the local provider speaks OpenAI, Anthropic or realtime.
            let provider = try ProviderFactory.local(spec: spec, port: emulator.port, paths: paths, logger: logger)
            let environment = DropEnvironment(provider: provider, store: store, paths: paths, logger: logger)
            return try await DropJob.process(file: file, spec: spec, specText: text, environment: environment, reuse: reuse)
        }
    }
}

/// The local provider running in-process for a test.
public struct LocalEmulator: Sendable {
    /// The loopback port it listens on.
    public let port: Int
    /// The engine's provider for it, over HTTP through libcurl.
    public let provider: any BatchProvider

    /// The OpenAI-style base URL (`http://127.0.0.1:PORT/v1`).
    public var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    /// `GET /v1/files`: ids of every file the provider still holds (uploads and results), to prove none leaked.
    public func fileIDs() async throws -> [String] {
        let response = try await HTTPClient().execute(
            HTTPRequest(url: baseURL + "/files?limit=10000", headers: [HTTPHeader("Authorization", "Bearer local")]))
        let list = try JSONParser.parse(response.body)
        return (list["data"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue }
    }

    /// `GET /_emulator/stats`: batches created and requests received, per metadata value.
    public func stats() async throws -> JSONValue {
        let response = try await HTTPClient().execute(HTTPRequest(url: "http://127.0.0.1:\(port)/_emulator/stats"))
        return try JSONParser.parse(response.body)
    }
}

/// Runs `body` with the emulator in-process on an ephemeral loopback port, state in `stateDirectory`.
public func withLocalEmulator<T: Sendable>(
    stateDirectory: String, seed: UInt64 = 0, speaking wire: LocalProtocol = .openai,
    _ body: @escaping @Sendable (LocalEmulator) async throws -> T
) async throws -> T {
    try SluicePaths.ensureDirectory(stateDirectory)
    var configuration = EmulatorConfiguration(stateDirectory: stateDirectory)
    configuration.port = 0
    configuration.seed = seed
    let logger = Logger(label: "sluice.test.emulator")
    return try await Emulator.serving(configuration: configuration, logger: logger) { port in
        let provider = ProviderFactory.local(baseURL: "http://127.0.0.1:\(port)/v1", speaking: wire, logger: logger)
        return try await body(LocalEmulator(port: port, provider: provider))
    }
}
