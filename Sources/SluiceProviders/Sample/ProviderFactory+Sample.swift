import Logging
import SluiceCore
import SluiceHTTP

extension ProviderFactory {
    /// The realtime sender `sluice sample` uses for `spec`'s provider, with its key read from `environment`
    /// as `make` reads it. Every provider Sluice speaks has a realtime endpoint: OpenAI and compatible services
    /// `/chat/completions` and `/embeddings`, Anthropic `/v1/messages`. The local provider is a server the
    /// caller starts: use `localSampleSender(spec:port:logger:)`.
    public static func sampleSender(
        spec: PipelineSpec,
        environment: [String: String],
        logger: Logger? = nil
    ) throws -> SampleSender {
        let wire = staging(for: spec).wireFormat
        let base: String
        switch spec.provider {
        case .openai, .openaiCompatible: base = spec.baseURL ?? "https://api.openai.com/v1"
        case .anthropic: base = spec.baseURL ?? "https://api.anthropic.com"
        case .realtime: base = spec.baseURL ?? "http://127.0.0.1:8000/v1"
        case .local:
            throw ProviderError(
                code: "provider.local_not_started",
                message: "the local provider must be started by the caller",
                retryable: false
            )
        }
        return SampleSender(
            wireFormat: wire,
            baseURL: base,
            apiKey: try key(spec.effectiveAPIKeyEnv, spec, environment),
            settings: spec.realtime,
            logger: logger
        )
    }

    /// The realtime sender for the local provider (the emulator) on loopback `port`, speaking the spec's
    /// `protocol`: OpenAI's realtime endpoints for `openai` and `realtime`, Anthropic's Messages for `anthropic`.
    public static func localSampleSender(spec: PipelineSpec, port: Int, logger: Logger? = nil) -> SampleSender {
        SampleSender(
            wireFormat: staging(for: spec).wireFormat,
            baseURL: "http://127.0.0.1:\(port)/v1",
            apiKey: "local",
            settings: spec.realtime,
            logger: logger
        )
    }
}
