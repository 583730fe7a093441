import SluiceJSON

/// What one file cost: its manifest's `cost` object.
///
/// `actual` prices the provider's usage summed over every result line (retries included) at the rates the
/// pipeline pays; `realtime_equivalent` prices the same usage at realtime rates, so `saving` is what the
/// batch API saved (0 for a realtime pipeline, whose actual cost is the realtime one). A file whose results
/// came from an earlier drop sent nothing and costs 0.
public struct DropCost: Sendable, Equatable {
    public var basis: PriceBasis
    /// The estimate made before the first chunk was submitted (nil: none was made, or no price).
    public var estimatedUSD: Double?
    /// nil when the model has no price.
    public var actualUSD: Double?
    public var realtimeEquivalentUSD: Double?
    /// Whether the price table knew the model when the manifest was written.
    public var priceKnown: Bool
    /// The price table's date.
    public var pricesAsOf: String?
    /// Why a figure is missing or zero, when it is.
    public var note: String?

    /// Realtime-equivalent minus actual; nil when either is unknown.
    public var savingUSD: Double? {
        guard let actualUSD, let realtimeEquivalentUSD else { return nil }
        return realtimeEquivalentUSD - actualUSD
    }

    public init(
        basis: PriceBasis,
        estimatedUSD: Double?,
        actualUSD: Double?,
        realtimeEquivalentUSD: Double?,
        priceKnown: Bool,
        pricesAsOf: String?,
        note: String?
    ) {
        self.basis = basis
        self.estimatedUSD = estimatedUSD
        self.actualUSD = actualUSD
        self.realtimeEquivalentUSD = realtimeEquivalentUSD
        self.priceKnown = priceKnown
        self.pricesAsOf = pricesAsOf
        self.note = note
    }

    /// The cost of `inputTokens` and `outputTokens` of provider usage at `price` (nil: unknown model).
    public static func priced(
        inputTokens: Int,
        outputTokens: Int,
        price: PriceLookup,
        basis: PriceBasis,
        estimatedUSD: Double?
    ) -> DropCost {
        guard let model = price.price else {
            return DropCost(
                basis: basis,
                estimatedUSD: nil,
                actualUSD: nil,
                realtimeEquivalentUSD: nil,
                priceKnown: false,
                pricesAsOf: price.asOf,
                note: "cost unknown: \(price.missing ?? "no price")"
            )
        }
        let realtime = model.realtime.cost(input: inputTokens, output: outputTokens)
        let actual = basis == .realtime ? realtime : model.batch.cost(input: inputTokens, output: outputTokens)
        return DropCost(
            basis: basis,
            estimatedUSD: estimatedUSD,
            actualUSD: actual,
            realtimeEquivalentUSD: realtime,
            priceKnown: true,
            pricesAsOf: price.asOf,
            note: nil
        )
    }

    /// A file for which nothing was sent (results reused, or rejected before sending): it cost nothing.
    public static func nothingSent(basis: PriceBasis, price: PriceLookup?, note: String) -> DropCost {
        DropCost(
            basis: basis,
            estimatedUSD: 0,
            actualUSD: 0,
            realtimeEquivalentUSD: 0,
            priceKnown: price?.price != nil,
            pricesAsOf: price?.asOf,
            note: note
        )
    }

    /// The manifest's `cost` object (amounts rounded to a millionth of a dollar). Keys are only added.
    public var json: JSONValue {
        func usd(_ value: Double?) -> JSONValue { value.map { .double(USD.rounded($0)) } ?? .null }
        var object: JSONObject = [
            "usd_estimated": usd(estimatedUSD), "usd_actual": usd(actualUSD),
            "usd_realtime_equivalent": usd(realtimeEquivalentUSD), "saving_usd": usd(savingUSD),
            "price_known": .bool(priceKnown), "basis": .string(basis.rawValue),
            "prices_as_of": pricesAsOf.map(JSONValue.string) ?? .null,
        ]
        if let note { object["note"] = .string(note) }
        return .object(object)
    }
}
