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
            var key: String?
            if let variable = spec.apiKeyEnv {
                guard let value = environment[variable], !value.isEmpty else {
                    throw ProviderError(
                        code: "provider.missing_key",
                        message: "pipeline \(spec.name): environment variable \(variable) is not set", retryable: false)
                }
                key = value
            }
            return RealtimeProvider(
                baseURL: spec.baseURL ?? "http://127.0.0.1:8000/v1", apiKey: key, settings: spec.realtime,
                directory: paths.state + "/realtime", logger: logger)
        case .openai, .openaiCompatible:
            let base = spec.baseURL ?? "https://api.openai.com/v1"
            var key = ""
            if let variable = spec.effectiveAPIKeyEnv {
                guard let value = environment[variable], !value.isEmpty else {
                    throw ProviderError(
                        code: "provider.missing_key",
                        message: "pipeline \(spec.name): environment variable \(variable) is not set", retryable: false)
                }
                key = value
            }
            var api = OpenAIBatchAPI(baseURL: base, apiKey: key, client: HTTPClient(), logger: logger)
            api.quirks = OpenAIQuirks(
                uppercaseStatus: spec.quirks.uppercaseStatus, wrappedCreate: spec.quirks.wrappedCreate,
                isoTimestamps: spec.quirks.isoTimestamps, filePurpose: spec.quirks.filePurpose)
            return OpenAIProvider(name: spec.provider.rawValue, api: api)
        case .anthropic:
            throw ProviderError(
                code: "provider.unsupported",
                message: "provider '\(spec.provider.rawValue)' is not available in this version of Sluice",
                retryable: false)
        case .local:
            throw ProviderError(
                code: "provider.local_not_started", message: "the local provider must be started by the caller",
                retryable: false)
        }
    }

    /// The local provider (the emulator) on loopback `port`, speaking the spec's `protocol`.
    public static func local(spec: PipelineSpec, port: Int, paths: SluicePaths, logger: Logger) throws -> any BatchProvider {
        let base = "http://127.0.0.1:\(port)/v1"
        switch spec.localProtocol {
        case .openai:
            return local(baseURL: base, logger: logger)
        case .realtime:
            return RealtimeProvider(
                name: "local", baseURL: base, apiKey: "local", settings: spec.realtime,
                directory: paths.state + "/realtime", logger: logger)
        case .anthropic:
            throw ProviderError(
                code: "provider.unsupported", message: "the local provider's anthropic protocol is not available yet",
                retryable: false)
        }
    }

    /// The local provider (the emulator) listening at `baseURL`, speaking the OpenAI Batch protocol.
    public static func local(baseURL: String, logger: Logger) -> any BatchProvider {
        let api = OpenAIBatchAPI(baseURL: baseURL, apiKey: "local", client: HTTPClient(), logger: logger)
        return OpenAIProvider(name: "local", api: api)
    }
}
