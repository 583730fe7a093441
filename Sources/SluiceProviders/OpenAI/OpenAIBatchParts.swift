import Foundation

/// How many lines a batch has, and how many succeeded or failed.
public struct OpenAIBatchRequestCounts: Codable, Sendable, Hashable {
    /// Lines in the input file.
    public var total: Int
    /// Lines that succeeded.
    public var completed: Int
    /// Lines that failed.
    public var failed: Int

    /// Creates counts.
    public init(total: Int, completed: Int, failed: Int) {
        self.total = total
        self.completed = completed
        self.failed = failed
    }
}

/// Batch-level validation errors: `{"object": "list", "data": [...]}`.
public struct OpenAIBatchErrors: Codable, Sendable, Hashable {
    /// Always `list`.
    public var object: String?
    /// Every problem found; validation reports all bad lines, not just the first.
    public var data: [OpenAIBatchErrorEntry]

    /// Creates an error list.
    public init(object: String? = "list", data: [OpenAIBatchErrorEntry]) {
        self.object = object
        self.data = data
    }
}

/// One batch validation problem, e.g. `invalid_json_line` on line 2.
public struct OpenAIBatchErrorEntry: Codable, Sendable, Hashable {
    /// A machine code such as `invalid_url` or `token_limit_exceeded`.
    public var code: String?
    /// Human-readable text.
    public var message: String?
    /// The offending parameter, e.g. `body.model`.
    public var param: String?
    /// The 1-based input line, when the problem has one.
    public var line: Int?

    /// Creates an entry.
    public init(code: String?, message: String?, param: String? = nil, line: Int? = nil) {
        self.code = code
        self.message = message
        self.param = param
        self.line = line
    }
}

/// Token usage of a whole batch.
public struct OpenAIBatchUsage: Codable, Sendable, Hashable {
    /// Prompt tokens.
    public var inputTokens: Int
    /// Breakdown of prompt tokens.
    public var inputTokensDetails: InputDetails?
    /// Completion tokens.
    public var outputTokens: Int
    /// Breakdown of completion tokens.
    public var outputTokensDetails: OutputDetails?
    /// Prompt plus completion tokens.
    public var totalTokens: Int

    /// Cached prompt tokens.
    public struct InputDetails: Codable, Sendable, Hashable {
        /// Prompt tokens served from cache.
        public var cachedTokens: Int
        /// Creates details.
        public init(cachedTokens: Int) { self.cachedTokens = cachedTokens }
        enum CodingKeys: String, CodingKey { case cachedTokens = "cached_tokens" }
    }

    /// Reasoning completion tokens.
    public struct OutputDetails: Codable, Sendable, Hashable {
        /// Completion tokens spent on reasoning.
        public var reasoningTokens: Int
        /// Creates details.
        public init(reasoningTokens: Int) { self.reasoningTokens = reasoningTokens }
        enum CodingKeys: String, CodingKey { case reasoningTokens = "reasoning_tokens" }
    }

    /// Creates usage.
    public init(
        inputTokens: Int,
        inputTokensDetails: InputDetails? = nil,
        outputTokens: Int,
        outputTokensDetails: OutputDetails? = nil,
        totalTokens: Int
    ) {
        self.inputTokens = inputTokens
        self.inputTokensDetails = inputTokensDetails
        self.outputTokens = outputTokens
        self.outputTokensDetails = outputTokensDetails
        self.totalTokens = totalTokens
    }

    enum CodingKeys: String, CodingKey {
        case inputTokens = "input_tokens"
        case inputTokensDetails = "input_tokens_details"
        case outputTokens = "output_tokens"
        case outputTokensDetails = "output_tokens_details"
        case totalTokens = "total_tokens"
    }
}
