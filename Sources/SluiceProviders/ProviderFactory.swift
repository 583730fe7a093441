import Logging
import SluiceCore
import SluiceHTTP

/// Builds the provider a spec names.
public enum ProviderFactory {
    /// The provider for `spec`, with its key read from `environment`. The local provider is started by the
    /// caller (it is a server), which then uses `local(baseURL:)`.
    public static func make(spec: PipelineSpec, environment: [String: String], logger: Logger) throws -> any BatchProvider {
        switch spec.provider {
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
        case .anthropic, .realtime:
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

    /// The local provider (the emulator) listening at `baseURL`.
    public static func local(baseURL: String, logger: Logger) -> any BatchProvider {
        let api = OpenAIBatchAPI(baseURL: baseURL, apiKey: "local", client: HTTPClient(), logger: logger)
        return OpenAIProvider(name: "local", api: api)
    }
}
