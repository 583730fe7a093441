import Foundation

/// What a staged drop is expected to cost, from its own chunk files, before any of them is submitted.
///
/// Input tokens are `ChunkTokens`' measure of the chunks (the approximation `sluice estimate` reports);
/// every answer is taken at the expected output size (`OutputEstimate`, a typical answer of the schema),
/// priced at the rates the pipeline pays (`PriceBasis`).
public struct SpendEstimate: Sendable, Equatable {
    /// The cost in USD; nil when the model has no price.
    public var usd: Double?
    public var basis: PriceBasis
    public var requests: Int
    public var inputTokens: Int
    public var outputTokens: Int
    public var output: OutputEstimate
    /// Why there is no price (nil when there is one).
    public var priceMissing: String?
    /// Files of the pipeline whose usage calibrated the figures (0: none yet).
    public var calibratedOn = 0

    public init(
        measure: ChunkTokens.Measure,
        output: OutputEstimate,
        basis: PriceBasis,
        price: PriceLookup,
        calibration: TokenCalibration? = nil
    ) {
        var output = output
        var input = Double(measure.inputTokens)
        if let calibration {
            input *= calibration.inputFactor
            calibratedOn = calibration.files
            if output.basis != .notGenerated {
                let expected = Int(calibration.outputPerAnswer.rounded(.up))
                output.expected = min(expected, output.cap ?? expected)
                output.basis = .calibrated
            }
        }
        self.basis = basis
        self.output = output
        requests = measure.requests
        inputTokens = Int(input.rounded())
        outputTokens = measure.requests * output.expected
        usd = price.price?.rates(basis).cost(input: inputTokens, output: outputTokens)
        priceMissing = price.price == nil ? (price.missing ?? "no price") : nil
    }

    /// The estimate of a drop's staged `chunks` (their stored counts, or their files read back) for `spec`
    /// rendered in `wireFormat`. Blocking.
    public static func of(
        chunks: [ChunkRecord],
        spec: PipelineSpec,
        wireFormat: WireFormat,
        price: PriceLookup,
        calibration: TokenCalibration? = nil
    ) throws -> SpendEstimate {
        let measure = try ChunkTokens(spec: spec, wireFormat: wireFormat).sent(chunks: chunks)
        return SpendEstimate(
            measure: measure,
            output: OutputEstimate(spec: spec, anthropic: wireFormat == .anthropicBatch),
            basis: spec.priceBasis,
            price: price,
            calibration: calibration
        )
    }

    /// "estimated $12.40 at batch prices (2,000 requests: ~564,964 input tokens, ~70,000 output tokens at 35 a
    /// request, a typical answer of the schema)": the figure and its basis, for hold reasons and logs.
    public var summary: String {
        let n = Figures.grouped
        let how = EstimateReport.basisText[output.basis] ?? output.basis.rawValue
        let figure =
            usd.map { "estimated \(USD.text($0)) at \(basis.words)" } ?? "cost unknown (\(priceMissing ?? "no price"))"
        let calibrated = calibratedOn > 0 ? "; calibrated on \(calibratedOn) finished file(s)" : ""
        return "\(figure) (\(n(requests)) requests: ~\(n(inputTokens)) input tokens, ~\(n(outputTokens)) output "
            + "tokens at \(n(output.expected)) a request, \(how)\(calibrated))"
    }
}
