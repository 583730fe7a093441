import Foundation
import SluiceJSON

/// A drop's estimate priced for one model, as `sluice estimate` prints it.
public struct EstimateReport: Sendable {
    public var pipeline: String
    public var file: String
    public var provider: String
    public var model: String
    public var estimate: DropEstimate
    /// The model's price; nil when the table does not list it.
    public var price: ModelPrice?
    /// The price table consulted and its date (nil when there is no table).
    public var pricesFile: String
    public var pricesAsOf: String?
    /// Rows of an earlier run of the same content through the same spec whose results `process` would reuse,
    /// sending nothing (unless `--reprocess`); nil when there is none.
    public var cachedRows: Int? = nil
    /// What the pipeline's finished files taught about its real usage, already applied to `estimate`; nil: none.
    public var calibration: TokenCalibration? = nil
    /// Input tokens before calibration (the plain cl100k_base approximation).
    public var uncalibratedInputTokens: Int? = nil

    /// Applies what the pipeline's finished files taught to the figures (nothing without a calibration).
    public mutating func calibrate(_ calibration: TokenCalibration?) {
        guard let calibration else { return }
        uncalibratedInputTokens = estimate.inputTokens
        estimate = calibration.applied(to: estimate)
        self.calibration = calibration
    }

    public init(
        pipeline: String,
        file: String,
        provider: String,
        model: String,
        estimate: DropEstimate,
        price: ModelPrice?,
        pricesFile: String,
        pricesAsOf: String?
    ) {
        self.pipeline = pipeline
        self.file = file
        self.provider = provider
        self.model = model
        self.estimate = estimate
        self.price = price
        self.pricesFile = pricesFile
        self.pricesAsOf = pricesAsOf
    }

    /// Estimated USD of every request at batch prices; nil when the price is unknown.
    public var batchUSD: Double? {
        price?.batch.cost(input: estimate.inputTokens, output: estimate.outputTokens)
    }
    /// The same requests at realtime prices.
    public var realtimeUSD: Double? {
        price?.realtime.cost(input: estimate.inputTokens, output: estimate.outputTokens)
    }
    /// Batch prices with every answer at its cap: the most the file can cost (nil without a cap or a price).
    public var batchMaxUSD: Double? {
        guard let price, let max = estimate.outputTokensMax else { return nil }
        return price.batch.cost(input: estimate.inputTokens, output: max)
    }
    /// Batch prices for what `process` would send (the cache's answers and a file's repeats are free).
    public var toSendBatchUSD: Double? {
        price?.batch.cost(
            input: estimate.inputTokensToSend, output: estimate.requestsToSend * estimate.outputExpectedPerRequest)
    }
    /// Batch prices for the unique requests only: what dedupe would send.
    public var dedupedBatchUSD: Double? {
        price?.batch.cost(
            input: estimate.uniqueInputTokens,
            output: estimate.uniqueRequests * estimate.outputExpectedPerRequest
        )
    }

    /// The `--json` object. Keys are stable: added to, never renamed or removed.
    public var json: JSONValue {
        let usd = Figures.usd
        let e = estimate
        var failures = JSONObject()
        for code in e.failuresByCode.keys.sorted() { failures[code] = .int(e.failuresByCode[code]!) }
        return [
            "pipeline": .string(pipeline), "file": .string(file), "provider": .string(provider),
            "model": .string(model),
            "rows": .int(e.rows), "failed_rows": .int(e.failedRows),
            "failures_by_code": .object(failures),
            "requests": .int(e.requests), "unique_requests": .int(e.uniqueRequests),
            "cache_hit": .bool(cachedRows != nil), "cached_rows": .int(cachedRows ?? 0),
            "cached_requests": .int(e.cachedRequests), "requests_to_send": .int(e.requestsToSend),
            "chunks": .int(e.chunks), "batches": .int(e.chunks), "chunk_bytes": .int(e.chunkBytes),
            "tokens": [
                "method": .string(TokenEstimator.method), "encoding": "cl100k_base",
                "input": .int(e.inputTokens), "input_unique": .int(e.uniqueInputTokens),
                "output_expected": .int(e.outputTokens),
                "output_max": e.outputTokensMax.map(JSONValue.int) ?? .null,
                "output_per_request": [
                    "expected": .int(e.outputExpectedPerRequest),
                    "cap": e.outputCapPerRequest.map(JSONValue.int) ?? .null,
                    "basis": .string(e.outputBasis.rawValue),
                ],
                "calibration": calibration.map {
                    [
                        "files": .int($0.files), "input_factor": .double((($0.inputFactor * 1000).rounded()) / 1000),
                        "output_per_answer": .double(($0.outputPerAnswer * 10).rounded() / 10),
                        "input_uncalibrated": .int(uncalibratedInputTokens ?? e.inputTokens),
                    ]
                } ?? .null,
            ],
            "price": Figures.priceJSON(price, table: pricesFile, asOf: pricesAsOf),
            "cost": [
                "currency": "USD", "batch": usd(batchUSD), "realtime": usd(realtimeUSD),
                "saving": usd(realtimeUSD.flatMap { r in batchUSD.map { r - $0 } }),
                "batch_max": usd(batchMaxUSD),
                "batch_if_deduped": usd(dedupedBatchUSD),
                "batch_to_send": usd(toSendBatchUSD),
            ],
        ]
    }

    /// The human-readable report: a few aligned lines.
    public var text: String {
        let e = estimate
        func n(_ value: Int) -> String { Figures.grouped(value) }
        func money(_ value: Double?) -> String { Figures.money(value) }
        // The table always sits at pipelines/prices.yaml under the root; the JSON keeps its full path.
        let table = "pipelines/" + PriceTable.fileName
        var lines = ["\(file) through pipeline \(pipeline) (\(provider), \(model)); nothing was sent"]
        var rowsLine = "  rows        \(n(e.rows)), \(n(e.failedRows)) would fail before sending"
        if !e.failuresByCode.isEmpty {
            rowsLine +=
                " ("
                + e.failuresByCode.keys.sorted().map { "\($0): \(n(e.failuresByCode[$0]!))" }
                .joined(separator: ", ") + ")"
        }
        lines.append(rowsLine)
        lines.append(
            "  requests    \(n(e.requests)), \(n(e.uniqueRequests)) unique (what dedupe would send)"
        )
        if e.cachedRequests > 0 {
            lines.append(
                "  cache       \(n(e.cachedRequests)) requests answered by the result cache; "
                    + "\(n(e.requestsToSend)) would be sent")
        }
        if let cachedRows {
            lines.append(
                "  cache       this content went through this spec before: `process` would reuse its "
                    + "\(n(cachedRows)) rows' results and send nothing (unless --reprocess); "
                    + "the figures below are for sending")
        }
        lines.append("  batches     \(n(e.chunks)) (one per chunk; \(n(e.chunkBytes)) bytes staged)")
        lines.append(
            "  input       ~\(n(e.inputTokens)) tokens (\(TokenEstimator.method) of cl100k_base)"
        )
        var output =
            "  output      ~\(n(e.outputTokens)) tokens expected (\(n(e.outputExpectedPerRequest)) a request, "
            + "\(Self.basisText[e.outputBasis] ?? e.outputBasis.rawValue))"
        if let max = e.outputTokensMax {
            output += ", at most \(n(max)) (cap \(n(e.outputCapPerRequest ?? 0)))"
        }
        lines.append(output)
        if let calibration {
            lines.append(
                "  calibrated  on \(n(calibration.files)) finished file(s) of this pipeline: input × "
                    + String(format: "%.3f", calibration.inputFactor) + " (the provider's count), "
                    + String(format: "%.1f", calibration.outputPerAnswer) + " output tokens an answer")
        }
        if price != nil {
            let saving = realtimeUSD.flatMap { r in batchUSD.map { r - $0 } }
            lines.append(
                "  cost        \(money(batchUSD)) at batch prices, \(money(realtimeUSD)) realtime: "
                    + "saves \(money(saving))")
            if let max = batchMaxUSD {
                lines.append("              at most \(money(max)) if every answer reaches its cap")
            }
            lines.append("              \(money(dedupedBatchUSD)) at batch prices if deduped")
            if e.cachedRequests > 0 {
                lines.append("              \(money(toSendBatchUSD)) at batch prices for what would be sent")
            }
            lines.append(
                "  prices      \(table) (as of \(pricesAsOf ?? "?"); check them with your provider)"
            )
        } else {
            lines.append("  cost        unknown: no price for \(model) in \(table)")
        }
        return lines.joined(separator: "\n")
    }

    /// How the expected output was found, in words.
    static let basisText: [OutputEstimate.Basis: String] = [
        .schema: "a typical answer of the schema", .maxTokens: "max_tokens: no schema",
        .assumed: "assumed: no schema, no max_tokens", .notGenerated: "embeddings generate none",
        .calibrated: "the average answer of this pipeline's finished files",
    ]
}
