import SluiceJSON

/// A sample's results, counted and priced, as `sluice sample` prints them.
public struct SampleReport: Sendable {
    public var pipeline: String
    public var file: String
    public var provider: String
    public var model: String
    /// How the rows were sent: `realtime`, one call per row.
    public var via: String
    /// The URL the calls went to (never with a credential); nil when nothing was sent.
    public var endpoint: String?
    public var selection: SampleSelection
    public var results: [SampleResult]
    /// The whole file's counts; nil when only its head was read.
    public var fileCounts: SampleFileCounts?
    /// The model's price; nil when the table does not list it.
    public var price: ModelPrice?
    public var pricesFile: String
    public var pricesAsOf: String?
    /// `retry.max_attempts`: how often `process` sends a row whose failure is worth sending again.
    public var maxAttempts: Int

    public init(
        pipeline: String,
        file: String,
        provider: String,
        model: String,
        via: String = "realtime",
        endpoint: String?,
        selection: SampleSelection,
        results: [SampleResult],
        fileCounts: SampleFileCounts?,
        price: ModelPrice?,
        pricesFile: String,
        pricesAsOf: String?,
        maxAttempts: Int
    ) {
        self.pipeline = pipeline
        self.file = file
        self.provider = provider
        self.model = model
        self.via = via
        self.endpoint = endpoint
        self.selection = selection
        self.results = results
        self.fileCounts = fileCounts
        self.price = price
        self.pricesFile = pricesFile
        self.pricesAsOf = pricesAsOf
        self.maxAttempts = maxAttempts
    }

    /// Counts over the sampled rows.
    public struct Totals: Sendable, Equatable {
        public var rows = 0
        public var notSent = 0
        public var sent = 0
        public var valid = 0
        public var invalid = 0
        public var failed = 0
        /// Requests whose answer reported usage: the basis of averages and the extrapolation.
        public var withUsage = 0
        public var inputTokens = 0
        public var outputTokens = 0
        /// Failures by code: before sending, at the provider, and in the answers.
        public var failuresByCode: [String: Int] = [:]

        /// Answered 2xx, valid or not.
        public var answered: Int { valid + invalid }
    }

    public var totals: Totals {
        var t = Totals()
        for result in results {
            t.rows += 1
            switch result.status {
            case .notSent: t.notSent += 1
            case .valid: t.valid += 1
            case .invalid: t.invalid += 1
            case .failed: t.failed += 1
            }
            if result.status != .notSent { t.sent += 1 }
            if let failure = result.failure { t.failuresByCode[failure.code, default: 0] += 1 }
            if let usage = result.usage {
                t.withUsage += 1
                t.inputTokens += usage.input
                t.outputTokens += usage.output
            }
        }
        return t
    }

    /// What the sample cost at realtime prices (how it was sent); nil when the price is unknown.
    public var realtimeUSD: Double? {
        let t = totals
        return price?.realtime.cost(input: t.inputTokens, output: t.outputTokens)
    }

    /// What the same answers cost at batch prices.
    public var batchUSD: Double? {
        let t = totals
        return price?.batch.cost(input: t.inputTokens, output: t.outputTokens)
    }

    /// The whole file's figures from the sample's average per answered request: an extrapolation, not a count.
    public struct Extrapolation: Sendable, Equatable {
        /// Requests the whole file would send.
        public var requests: Int
        /// The answered requests the averages come from.
        public var basis: Int
        public var inputTokens: Int
        public var outputTokens: Int
        public var batchUSD: Double?
        public var realtimeUSD: Double?
    }

    /// nil when the file was not read to its end or no answer reported usage.
    public var extrapolation: Extrapolation? {
        let t = totals
        guard let fileCounts, t.withUsage > 0 else { return nil }
        let scale = Double(fileCounts.requests) / Double(t.withUsage)
        let input = Int((Double(t.inputTokens) * scale).rounded())
        let output = Int((Double(t.outputTokens) * scale).rounded())
        return Extrapolation(
            requests: fileCounts.requests,
            basis: t.withUsage,
            inputTokens: input,
            outputTokens: output,
            batchUSD: price?.batch.cost(input: input, output: output),
            realtimeUSD: price?.realtime.cost(input: input, output: output)
        )
    }

    /// Whether `process` would send a row with this failure again in a retry round.
    func retried(_ failure: RowFailure) -> Bool { failure.kind.retryable && maxAttempts > 1 }
}
