import SluiceCore

/// The most one batch may hold at a provider.
public struct BatchLimits: Sendable, Equatable {
    public var requests: Int
    public var bytes: Int

    public init(requests: Int, bytes: Int) {
        self.requests = requests
        self.bytes = bytes
    }
}

extension ProviderFactory {
    /// The wire format and batch limits the provider `spec` names would stage with, found without building
    /// the provider (no key is read, nothing is started or contacted).
    public static func staging(
        for spec: PipelineSpec
    ) -> (
        wireFormat: WireFormat, limits: BatchLimits
    ) {
        switch spec.provider {
        case .openai, .openaiCompatible: return (.openAIBatch, OpenAIProvider.limits)
        case .anthropic: return (.anthropicBatch, AnthropicProvider.limits)
        case .realtime: return (.openAIBatch, RealtimeProvider.limits)
        case .local:
            switch spec.localProtocol {
            case .openai: return (.openAIBatch, OpenAIProvider.limits)
            case .anthropic: return (.anthropicBatch, AnthropicProvider.limits)
            case .realtime: return (.openAIBatch, RealtimeProvider.limits)
            }
        }
    }
}
