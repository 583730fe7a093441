import SluiceJSON

/// A pipeline's declarative spec: `pipelines/NAME.yaml`, validated.
public struct PipelineSpec: Sendable {
    /// The pipeline's name: the spec file's stem.
    public var name: String
    public var provider: ProviderKind
    /// Which protocol the local provider speaks for this pipeline (`provider: local` only).
    public var localProtocol: LocalProtocol
    public var model: String
    /// Overrides the provider's default base URL (openai-compatible, realtime, proxies).
    public var baseURL: String?
    /// Name of the environment variable holding the API key; the key itself never enters a file or log.
    public var apiKeyEnv: String?
    public var endpoint: Endpoint
    /// Departures from OpenAI's wire format of an OpenAI-compatible service.
    public var quirks: ProviderQuirks
    public var system: Template?
    public var prompt: Template
    /// Input column carried as the row's identity into outputs; nil means the row number.
    public var idColumn: String?
    /// Extra request body parameters (max_tokens, temperature, ...), in spec order.
    public var params: JSONObject
    public var output: OutputSpec
    public var batch: BatchSettings
    /// Limits of the realtime fan-out (`provider: realtime`, or local with `protocol: realtime`).
    public var realtime: RealtimeSettings
    public var retry: RetrySettings
    public var dedupe: Bool
    /// The result cache: answers of earlier requests that are reused instead of sent again.
    public var cache = CacheSettings()
    public var budget: BudgetSettings
    /// How the daemon decides a dropped file is complete.
    public var intake: IntakeSettings
    /// Where enriched rows go next (`then:`): another pipeline's inbox, optionally only rows a filter keeps.
    public var chain: ChainSpec?
    /// SHA-256 of the spec file's bytes, recorded in manifests.
    public var sha256: String
    /// When a file's failures are flagged.
    public var alerts = AlertSettings()
    /// A small first batch that must pass before the rest of a file is sent; nil: none.
    public var canary: CanarySettings? = nil
    /// Signed webhooks on each manifest, hold and failure-rate alert (`notify:`); nil: none.
    public var notify: NotifySpec? = nil

    /// The pipeline whose inbox receives the chained file (`then:`), if any.
    public var then: String? { chain?.pipeline }

    /// The environment variable the key is read from, with the provider's default.
    public var effectiveAPIKeyEnv: String? {
        apiKeyEnv ?? provider.defaultAPIKeyEnv
    }
}

/// Which service a pipeline talks to.
public enum ProviderKind: String, Sendable, CaseIterable {
    case openai
    case anthropic
    case openaiCompatible = "openai-compatible"
    case realtime
    case local

    /// The environment variable a key is read from when the spec names none.
    public var defaultAPIKeyEnv: String? {
        switch self {
        case .openai: return "OPENAI_API_KEY"
        case .anthropic: return "ANTHROPIC_API_KEY"
        case .openaiCompatible, .realtime, .local: return nil
        }
    }
}

/// Named departures of an OpenAI-compatible batch service from OpenAI's wire format (`quirks:` in a spec).
public struct ProviderQuirks: Sendable, Equatable {
    public var uppercaseStatus = false
    public var wrappedCreate = false
    public var isoTimestamps = false
    public var filePurpose = "batch"

    public init() {}
}

/// The protocols the built-in local provider speaks.
public enum LocalProtocol: String, Sendable, CaseIterable {
    case openai
    case anthropic
    case realtime
}

/// The kind of request each row becomes.
public enum Endpoint: String, Sendable, CaseIterable {
    case chat
    case embeddings

    /// The OpenAI batch `url` / `endpoint` value.
    public var openAIPath: String {
        switch self {
        case .chat: return "/v1/chat/completions"
        case .embeddings: return "/v1/embeddings"
        }
    }
}

/// What the model must return and how it lands in output columns.
public struct OutputSpec: Sendable {
    /// The JSON Schema outputs are validated against (chat only); nil means free text.
    public var schema: JSONSchema?
    /// The schema as sent to the provider (for OpenAI, its strict form).
    public var wireSchema: JSONValue?
    /// Prefix of output columns / keys, e.g. `ai_` gives `ai_category`.
    public var prefix: String
    /// Name sent as `json_schema.name` (letters, digits, `_`, `-`, at most 64); the tool's name in tool mode.
    public var schemaName: String
    /// How Anthropic models are asked for structured output.
    public var structured: StructuredMode = .jsonSchema
}

/// How a structured answer is requested from Anthropic models.
public enum StructuredMode: String, Sendable, CaseIterable {
    /// `output_config.format` json_schema: the JSON arrives as text.
    case jsonSchema = "json_schema"
    /// A forced tool whose `input_schema` is the schema: the JSON is the `tool_use` block's input.
    case tool
}

/// How requests are packed into batches and batches are watched.
public struct BatchSettings: Sendable {
    /// Chunk size target in MB (10^6 bytes); 10 to 50.
    public var targetMB: Int
    public var maxRequests: Int
    public var completionWindow: String
    public var pollInitial: Duration
    public var pollMax: Duration
    /// How long after its submission a batch that has not ended is taken for stuck: Sluice then cancels it and
    /// retries its unanswered rows. Default: the 24 h completion window and an hour's grace.
    public var stuckAfter: Duration = .seconds(25 * 3600)
    /// Small files arriving close together share batches (`batch.collect`); nil: each file has its own.
    public var collect: CollectSettings? = nil

    /// The largest a chunk file may be, in bytes.
    public var targetBytes: Int { targetMB * 1_000_000 }
}

/// When the daemon submits the files collected for one pipeline's shared batch: once they hold
/// `minRequests` requests, or the first of them has waited `window`, or `sluice flush` asks.
public struct CollectSettings: Sendable, Equatable {
    public var window: Duration = .seconds(300)
    public var minRequests = 1000

    public init(window: Duration = .seconds(300), minRequests: Int = 1000) {
        self.window = window
        self.minRequests = minRequests
    }
}

/// How hard the realtime fan-out may push a server.
public struct RealtimeSettings: Sendable, Equatable {
    /// Requests in flight at once.
    public var concurrency = 8
    /// Requests started per minute (every attempt counts); 0 means no limit.
    public var requestsPerMinute = 0
    /// Estimated tokens (prompt bytes / 4 + max_tokens) per minute; 0 means no limit.
    public var tokensPerMinute = 0
    /// Attempts per request for 429, 5xx and transport failures.
    public var maxAttempts = 6

    public init() {}
}

/// How often a row may be attempted.
public struct RetrySettings: Sendable {
    public var maxAttempts: Int
    /// Retry schema and JSON failures with the previous answer and its validation error added to the prompt.
    public var repair = false
    /// How long to wait before sending requests again that a full provider queue refused.
    public var queueWait: Duration = .seconds(60)
}

/// When a file's failures are flagged in logs, status and manifest (`alerts:`).
public struct AlertSettings: Sendable {
    /// Failed rows over rows in above which the file is flagged (0 to 1).
    public var maxFailureRate = 0.1
}

/// The first `rows` requests of a file go alone; the rest follow only when at least `minValid` of their
/// answers were schema-valid (`canary:`). A file that fails costs only the canary.
public struct CanarySettings: Sendable {
    public var rows: Int
    public var minValid: Double
}

/// When a file in the inbox counts as complete (the daemon only).
public struct IntakeSettings: Sendable {
    /// Size and mtime must stay unchanged this long; nil means the daemon's setting (default 5 s).
    public var settle: Duration?
    /// Wait for a sentinel (`NAME.done` beside the file, or `_SUCCESS` in the folder) before claiming.
    public var sentinel: Bool
}

/// The result cache (`cache:` in a spec).
public struct CacheSettings: Sendable {
    /// Whether answers are looked up before sending and stored after validating.
    public var enabled = true
    /// How old a cached answer may be to be reused; nil: any age.
    public var ttl: Duration? = nil

    public init(enabled: Bool = true, ttl: Duration? = nil) {
        self.enabled = enabled
        self.ttl = ttl
    }
}

/// Spending limits (`budget:`), checked before a file's first chunk is submitted.
public struct BudgetSettings: Sendable {
    /// The most one file may be estimated to cost (`max_usd`).
    public var maxUSD: Double?
    /// The most the pipeline may spend, actual plus reserved, in one UTC day (`daily_usd`).
    public var dailyUSD: Double? = nil
}
