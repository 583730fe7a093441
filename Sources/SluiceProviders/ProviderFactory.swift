import Logging
import SluiceCore
import SluiceHTTP

/// Builds the provider a spec names.
public enum ProviderFactory {
    /// The provider for `spec`, with its key read from `environment`. The local provider is started by the
    /// caller (it is a server), which then uses `local(baseURL:)`.
    public static func make(
        spec: PipelineSpec, environment: [String: String], paths: SluicePaths, logger: Logger
    ) throws -> any BatchProvider {
        switch spec.provider {
        case .realtime:
            // A self-hosted server often needs no key: only a variable the spec names is required.
            return RealtimeProvider(
                baseURL: spec.baseURL ?? "http://127.0.0.1:8000/v1", apiKey: try key(spec.apiKeyEnv, spec, environment), settings: spec.realtime,
                directory: paths.state + "/realtime", logger: logger)
        case .openai, .openaiCompatible:
            let base = spec.baseURL ?? "https://api.openai.com/v1"
            let key = try key(spec.effectiveAPIKeyEnv, spec, environment) ?? ""
            var api = OpenAIBatchAPI(baseURL: base, apiKey: key, client: HTTPClient(), logger: logger)
            api.quirks = OpenAIQuirks(
                uppercaseStatus: spec.quirks.uppercaseStatus, wrappedCreate: spec.quirks.wrappedCreate,
                isoTimestamps: spec.quirks.isoTimestamps, filePurpose: spec.quirks.filePurpose)
            return OpenAIProvider(name: spec.provider.rawValue, api: api)
        case .anthropic:
            let api = AnthropicBatchAPI(
                baseURL: spec.baseURL ?? "https://api.anthropic.com", apiKey: try key(spec.effectiveAPIKeyEnv, spec, environment) ?? "",
                client: HTTPClient(), logger: logger)
            return AnthropicProvider(name: spec.provider.rawValue, api: api)
        case .local:
            throw ProviderError(
                code: "provider.local_not_started", message: "the local provider must be started by the caller",
                retryable: false)
        }
    }

    /// The key held by `variable`, nil when no variable is named; a named but unset variable is an error.
    static func key(_ variable: String?, _ spec: PipelineSpec, _ environment: [String: String]) throws -> String? {
        guard let variable else { return nil }
        guard let value = environment[variable], !value.isEmpty else {
            throw ProviderError(
                code: "provider.missing_key", message: "pipeline \(spec.name): environment variable \(variable) is not set",
                retryable: false)
        }
        return value
    }

    /// The local provider (the emulator) on loopback `port`, speaking the spec's `protocol`.
    public static func local(spec: PipelineSpec, port: Int, paths: SluicePaths, logger: Logger) throws -> any BatchProvider {
        let base = "http://127.0.0.1:\(port)/v1"
        guard spec.localProtocol == .realtime else {
            return local(baseURL: base, speaking: spec.localProtocol, logger: logger)
        }
        return RealtimeProvider(
            name: "local", baseURL: base, apiKey: "local", settings: spec.realtime,
            directory: paths.state + "/realtime", logger: logger)
    }

    /// The local provider (the emulator) listening at `baseURL` (`http://127.0.0.1:PORT/v1`), speaking the
    /// OpenAI Batch or the Anthropic Message Batches protocol. Realtime needs a spec's limits: see above.
    public static func local(baseURL: String, speaking wire: LocalProtocol = .openai, logger: Logger) -> any BatchProvider {
        switch wire {
        case .anthropic:
            return AnthropicProvider(
                name: "local", api: AnthropicBatchAPI(baseURL: baseURL, apiKey: "local", client: HTTPClient(), logger: logger))
        case .openai, .realtime:
            return OpenAIProvider(
                name: "local", api: OpenAIBatchAPI(baseURL: baseURL, apiKey: "local", client: HTTPClient(), logger: logger))
        }
    }
}
