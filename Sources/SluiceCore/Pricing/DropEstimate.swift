import Foundation
import SluiceJSON
import SluiceRecords

/// What a drop would cost to send, measured by staging it exactly as `process` would, sending nothing.
public struct DropEstimate: Sendable {
    /// Records read from the file.
    public var rows: Int
    /// Rows that would fail before anything is sent, by failure code (`template.missing_field`, ...).
    public var failuresByCode: [String: Int]
    /// Requests staging would send: one per row that did not fail.
    public var requests: Int
    /// Requests with distinct rendered bodies: what dedupe would send.
    public var uniqueRequests: Int
    /// Estimated input tokens of every request, and of the unique ones only.
    public var inputTokens: Int
    public var uniqueInputTokens: Int
    /// Requests the result cache already answers (every row whose request is in it).
    public var cachedRequests = 0
    /// What `process` would send: requests not in the cache, each once when the spec dedupes, and their
    /// input tokens.
    public var requestsToSend = 0
    public var inputTokensToSend = 0
    /// The output cap per request (`max_tokens` / `max_completion_tokens`, or the provider's default); nil: none.
    public var outputCapPerRequest: Int?
    /// The expected output tokens per request (from the schema, within the cap) and how it was found.
    public var outputExpectedPerRequest: Int
    public var outputBasis: OutputEstimate.Basis
    /// Chunk files staging wrote; each becomes one batch.
    public var chunks: Int
    public var chunkBytes: Int

    /// Rows that would fail before sending.
    public var failedRows: Int { failuresByCode.values.reduce(0, +) }
    /// Expected output tokens of every request, and at most (every answer at its cap; nil without a cap).
    public var outputTokens: Int { requests * outputExpectedPerRequest }
    public var outputTokensMax: Int? { outputCapPerRequest.map { $0 * requests } }
}

/// Stages a drop into a temporary folder (removed afterwards) and measures its requests.
public struct DropEstimator: Sendable {
    let spec: PipelineSpec
    let wireFormat: WireFormat
    let stager: Stager

    /// An estimator for `spec` on a provider speaking `wireFormat` within these batch limits.
    public init(
        spec: PipelineSpec,
        wireFormat: WireFormat,
        providerMaxBytes: Int,
        providerMaxRequests: Int
    ) {
        self.spec = spec
        self.wireFormat = wireFormat
        stager = Stager(
            spec: spec, wireFormat: wireFormat, providerMaxBytes: providerMaxBytes,
            providerMaxRequests: providerMaxRequests)
    }

    /// Estimates `sourcePath` (dropped as `fileName`). Blocking. Throws `DropRejection` for a file `process`
    /// would reject, as staging does. With `cache`, requests it answers count as cached, not to send.
    public func estimate(
        sourcePath: String,
        fileName: String,
        temporaryRoot: String = NSTemporaryDirectory(),
        cache: (any AnswerLookup)? = nil
    )
        throws -> DropEstimate
    {
        let work = temporaryRoot + "/sluice-estimate-" + UUID().uuidString
        try SluicePaths.ensureDirectory(work)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let staged = try stager.stage(sourcePath: sourcePath, fileName: fileName, directory: work)
        let output = OutputEstimate(spec: spec, anthropic: wireFormat == .anthropicBatch)
        let measure = try ChunkTokens(spec: spec, wireFormat: wireFormat).measure(
            chunkPaths: staged.chunks.map(\.path), cache: cache)
        var estimate = DropEstimate(
            rows: staged.rowsIn,
            failuresByCode: try Self.failureCodes(work + "/" + Stager.failuresFileName),
            requests: measure.requests,
            uniqueRequests: measure.uniqueRequests,
            inputTokens: measure.inputTokens,
            uniqueInputTokens: measure.uniqueInputTokens,
            outputCapPerRequest: output.cap,
            outputExpectedPerRequest: output.expected,
            outputBasis: output.basis,
            chunks: staged.chunks.count,
            chunkBytes: staged.chunks.reduce(0) { $0 + $1.bytes }
        )
        estimate.cachedRequests = measure.cachedRequests
        estimate.requestsToSend = measure.requestsToSend
        estimate.inputTokensToSend = measure.inputTokensToSend
        return estimate
    }

    /// Counts of the staging failures file's `error.code`s.
    static func failureCodes(_ path: String) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        guard FileManager.default.fileExists(atPath: path) else { return counts }
        let reader = JSONLReader(source: try FileByteSource(path: path), path: path)
        while let line = try reader.next() {
            let code = (try? JSONParser.parse(line.bytes))?["error"]?["code"]?.stringValue ?? "unknown"
            counts[code, default: 0] += 1
        }
        return counts
    }
}
