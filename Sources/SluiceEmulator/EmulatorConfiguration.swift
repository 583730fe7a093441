/// How the local provider listens, where it keeps its state and how fast batches move.
public struct EmulatorConfiguration: Sendable {
    /// Interface to bind; tests and the CLI only ever use 127.0.0.1.
    public var host: String
    /// Port to bind; 0 picks an ephemeral port (read it back with `Emulator.waitUntilListening()`).
    public var port: Int
    /// Seed of the deterministic model: same seed and same request body give the same answer.
    public var seed: UInt64
    /// Folder holding uploaded files, result files, batches and counters; a restarted emulator resumes from it.
    public var stateDirectory: String
    /// Delays of the batch lifecycle.
    public var timing: EmulatorTiming
    /// Size and count limits (the real API's by default).
    public var limits: EmulatorLimits
    /// Faults injected into API calls, batch requests and batches (`--faults`), drawn from `seed`.
    public var faults = FaultPlan.none

    /// A configuration with fast timing and the real API's limits.
    public init(
        stateDirectory: String,
        host: String = "127.0.0.1",
        port: Int = 8089,
        seed: UInt64 = 0,
        timing: EmulatorTiming = EmulatorTiming(),
        limits: EmulatorLimits = EmulatorLimits()
    ) {
        self.stateDirectory = stateDirectory
        self.host = host
        self.port = port
        self.seed = seed
        self.timing = timing
        self.limits = limits
    }
}

/// Delays of the batch lifecycle; the defaults keep tests fast while every status stays observable.
public struct EmulatorTiming: Sendable {
    /// Time a new batch stays `validating` before its input file is checked.
    public var validatingDelay: Duration
    /// Minimum time a batch stays `in_progress`; lines are paced evenly over it, so a cancel lands mid-batch.
    public var processingDelay: Duration
    /// Time a batch stays `finalizing` (or `cancelling`) before its result files appear.
    public var finalizingDelay: Duration
    /// The completion window; a batch still running when it closes ends `expired` (real API: 24 h).
    public var completionWindow: Duration

    /// Fast defaults: tens of milliseconds per phase, a 24 h window.
    public init(
        validatingDelay: Duration = .milliseconds(20),
        processingDelay: Duration = .milliseconds(30),
        finalizingDelay: Duration = .milliseconds(20),
        completionWindow: Duration = .seconds(86_400)
    ) {
        self.validatingDelay = validatingDelay
        self.processingDelay = processingDelay
        self.finalizingDelay = finalizingDelay
        self.completionWindow = completionWindow
    }
}

/// Limits enforced like the real OpenAI and Anthropic APIs; lower them in tests to exercise the errors cheaply.
public struct EmulatorLimits: Sendable {
    /// Largest `purpose=batch` upload ("File is too large." above it).
    public var maxBatchFileBytes: Int
    /// Largest upload for any other purpose.
    public var maxFileBytes: Int
    /// Most request lines in one batch input file (`too_many_tasks` above it).
    public var maxRequestsPerBatch: Int
    /// Most line errors reported in a failed batch's `errors.data` (keeps the batch object pollable).
    public var maxReportedLineErrors: Int
    /// Batches doing CPU-heavy work (validation, unpaced processing) at the same time; others wait their turn.
    public var concurrentBatches: Int
    /// Largest `POST /v1/messages/batches` body (413 `request_too_large` above it).
    public var maxMessageBatchBytes: Int
    /// Most requests in one Message Batch (a synchronous 400 above it).
    public var maxMessageBatchRequests: Int
    /// Largest `POST /v1/messages` body (413 `request_too_large` above it).
    public var maxMessagesBodyBytes: Int

    /// The real APIs' limits: OpenAI 200 MB batch files, 512 MB files, 50,000 requests per batch;
    /// Anthropic 256 MB and 100,000 requests per Message Batch, 32 MB per Messages request.
    public init(
        maxBatchFileBytes: Int = 200 * 1024 * 1024,
        maxFileBytes: Int = 512 * 1024 * 1024,
        maxRequestsPerBatch: Int = 50_000,
        maxReportedLineErrors: Int = 1_000,
        concurrentBatches: Int = 2,
        maxMessageBatchBytes: Int = 256 * 1024 * 1024,
        maxMessageBatchRequests: Int = 100_000,
        maxMessagesBodyBytes: Int = 32 * 1024 * 1024
    ) {
        self.maxBatchFileBytes = maxBatchFileBytes
        self.maxFileBytes = maxFileBytes
        self.maxRequestsPerBatch = maxRequestsPerBatch
        self.maxReportedLineErrors = maxReportedLineErrors
        self.concurrentBatches = concurrentBatches
        self.maxMessageBatchBytes = maxMessageBatchBytes
        self.maxMessageBatchRequests = maxMessageBatchRequests
        self.maxMessagesBodyBytes = maxMessagesBodyBytes
    }
}
