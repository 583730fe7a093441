import Foundation

/// Which list prices a pipeline's requests are billed at.
public enum PriceBasis: String, Sendable, Equatable {
    /// A batch API (OpenAI Batch, Anthropic Message Batches, compatible services, the local emulator's batches).
    case batch
    /// The realtime fan-out: every request is an ordinary API call at realtime prices.
    case realtime

    /// "batch prices" / "realtime prices", for reasons and notes.
    public var words: String { rawValue + " prices" }
}

extension PipelineSpec {
    /// The prices this pipeline pays: realtime for `provider: realtime` and the local provider speaking
    /// `protocol: realtime`, batch for every batch API.
    public var priceBasis: PriceBasis {
        provider == .realtime || (provider == .local && localProtocol == .realtime) ? .realtime : .batch
    }
}

extension ModelPrice {
    /// The rates of `basis`.
    public func rates(_ basis: PriceBasis) -> Rates { basis == .batch ? batch : realtime }
}

/// A model's price as found in `pipelines/prices.yaml` when the engine needs it (the table is re-read each
/// time, so an edit applies to the next file without a restart).
public struct PriceLookup: Sendable {
    /// The model's price; nil when the table is missing, broken, or does not list the model.
    public var price: ModelPrice?
    /// The table's `as_of`, when it loaded.
    public var asOf: String?
    /// Why there is no price, in words; nil when there is one.
    public var missing: String?

    public init(price: ModelPrice?, asOf: String?, missing: String?) {
        self.price = price
        self.asOf = asOf
        self.missing = missing
    }

    /// Looks `model` up in `pipelines/prices.yaml` under `paths`.
    public static func find(model: String, paths: SluicePaths) -> PriceLookup {
        let file = paths.pipelines + "/" + PriceTable.fileName
        guard FileManager.default.fileExists(atPath: file) else {
            return PriceLookup(price: nil, asOf: nil, missing: "no price table (pipelines/\(PriceTable.fileName))")
        }
        do {
            let table = try PriceTable.load(path: file)
            guard let price = table.price(for: model) else {
                return PriceLookup(
                    price: nil,
                    asOf: table.asOf,
                    missing: "model '\(model)' has no price in pipelines/\(PriceTable.fileName)"
                )
            }
            return PriceLookup(price: price, asOf: table.asOf, missing: nil)
        } catch {
            let first = error.problems.first.map { ": \($0.description)" } ?? ""
            return PriceLookup(
                price: nil,
                asOf: nil,
                missing: "pipelines/\(PriceTable.fileName) cannot be used\(first)"
            )
        }
    }
}

/// US dollar amounts as Sluice prints them.
public enum USD {
    /// `$12.40` from a dollar up, `$0.0634` below (small files cost fractions of a cent).
    public static func text(_ value: Double) -> String {
        String(format: abs(value) < 1 ? "$%.4f" : "$%.2f", value)
    }

    /// Rounded to a millionth of a dollar, as JSON outputs carry amounts.
    public static func rounded(_ value: Double) -> Double { (value * 1_000_000).rounded() / 1_000_000 }
}
