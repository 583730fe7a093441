import Foundation
import SluiceJSON
import SluiceRecords

extension DropJob {
    // MARK: settlement: the reservation replaced by the actual cost, when the manifest is written

    /// The manifest's cost of a drop whose results were joined, with `inputTokens` and `outputTokens` of provider
    /// usage summed over every result line; settles the drop's spending in the day's totals (once, so a manifest
    /// written again after a crash counts nothing twice).
    func settleCost(
        _ drop: DropRecord,
        items: [ChunkProgress],
        inputTokens: Int,
        outputTokens: Int
    ) async throws
        -> DropCost
    {
        let price = PriceLookup.find(model: spec.model, paths: paths)
        let record = try await store.dropSpend(dropID: dropID)
        var cost = DropCost.priced(
            inputTokens: inputTokens,
            outputTokens: outputTokens,
            price: price,
            basis: spec.priceBasis,
            estimatedUSD: record?.estimatedUSD
        )
        if cost.priceKnown && record?.estimate == nil {
            cost.note = "no estimate was made before submitting (the file was being sent before budgets were tracked)"
        }
        let requests = items.filter { $0.batch?.providerBatchID != nil }.reduce(0) { $0 + $1.chunk.requests }
        try await store.settleSpend(
            dropID: dropID,
            pipeline: spec.name,
            actualUSD: cost.actualUSD,
            inputTokens: inputTokens,
            outputTokens: outputTokens,
            requests: requests,
            now: environment.wallClock()
        )
        return cost
    }

    /// The cost and usage of a drop that is rejected, into its manifest: nothing, unless something was sent before
    /// the rejection (a canary that failed, a source that vanished before assembly), which is tallied from its
    /// outcome files and settled.
    func settleRejected(_ drop: DropRecord, into manifest: inout Manifest) async throws {
        guard let record = try await store.dropSpend(dropID: dropID), record.isReserved else {
            manifest.cost = .nothingSent(basis: spec.priceBasis, price: nil, note: "rejected before anything was sent")
            return
        }
        let items = try await store.progress(dropID: dropID)
        let folder = drop.resultsDir ?? paths.dropWork(dropID)
        let files = items.map { folder + "/" + ChunkRecord.outcomesName(seq: $0.chunk.seq) }
        let usage = try await Blocking.run("sluice-usage") { try Self.usage(outcomeFiles: files) }
        manifest.inputTokens = usage.input
        manifest.outputTokens = usage.output
        manifest.cost = try await settleCost(drop, items: items, inputTokens: usage.input, outputTokens: usage.output)
    }

    /// Provider usage summed over every line of the outcome files that exist (each line is one answered attempt).
    static func usage(outcomeFiles: [String]) throws -> (input: Int, output: Int) {
        var input = 0
        var output = 0
        for path in outcomeFiles where FileManager.default.fileExists(atPath: path) {
            let reader = JSONLReader(source: try FileByteSource(path: path), path: path)
            while let line = try reader.next() {
                guard let usage = try RowOutcome(json: try JSONParser.parse(line.bytes)).usage else { continue }
                input += usage.input
                output += usage.output
            }
        }
        return (input, output)
    }
}
