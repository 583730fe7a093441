/// Every outcome file of a drop, read alongside the source in row order: one layer per attempt round.
///
/// Round 1 covers each staged chunk's rows; a retry round's chunks hold only the rows sent again. A row's
/// fate is its outcome in the latest round that has one; the earlier ones are its attempt history. Each
/// layer keeps only the index of the chunk the current row falls in, so memory stays bounded by chunk size.
struct OutcomeLayers {
    /// One chunk's rows and outcome file.
    struct Span {
        var firstRow: Int
        var lastRow: Int
        var outcomes: String
    }

    private struct Layer {
        var spans: [Span]
        var index = 0
        var loaded: OutcomeIndex?
    }

    /// Latest round first.
    private var layers: [Layer]

    /// Layers from chunks of any rounds; a round's chunks are disjoint and are sorted here by row.
    init(chunks: [(span: Span, round: Int)]) {
        let rounds = Set(chunks.map(\.round)).sorted(by: >)
        layers = rounds.map { round in
            Layer(spans: chunks.filter { $0.round == round }.map(\.span).sorted { $0.firstRow < $1.firstRow })
        }
    }

    /// The outcomes of `row`, latest attempt first; empty when no chunk answered it. Rows must come ascending.
    mutating func outcomes(row: Int) throws -> [RowOutcome] {
        var found: [RowOutcome] = []
        for i in layers.indices {
            while layers[i].index < layers[i].spans.count, row > layers[i].spans[layers[i].index].lastRow {
                layers[i].index += 1
                layers[i].loaded = nil
            }
            guard layers[i].index < layers[i].spans.count, row >= layers[i].spans[layers[i].index].firstRow else {
                continue
            }
            if layers[i].loaded == nil {
                layers[i].loaded = try OutcomeIndex(path: layers[i].spans[layers[i].index].outcomes)
            }
            if let outcome = try layers[i].loaded!.outcome(row: row) { found.append(outcome) }
        }
        return found
    }
}
