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
        try forEachIndex(row: row) { index in
            if let outcome = try index.outcome(row: row) { found.append(outcome) }
        }
        return found
    }

    /// `outcomes(row:)` as assembly reads them (answers kept as text), into `found`, which is emptied first so
    /// that one array serves every row.
    mutating func outcomes(row: Int, into found: inout [LayerOutcome]) throws {
        found.removeAll(keepingCapacity: true)
        try forEachIndex(row: row) { index in
            if let outcome = try index.layerOutcome(row: row) { found.append(outcome) }
        }
    }

    /// Calls `body` with the index of each layer's chunk holding `row`, latest round first.
    private mutating func forEachIndex(row: Int, _ body: (OutcomeIndex) throws -> Void) throws {
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
            try body(layers[i].loaded!)
        }
    }
}

/// One row's outcome in one layer, as `OutcomeIndex.layerOutcome` read it.
enum LayerOutcome {
    /// An answer read on its bytes (`AnswerLine`), the answer still as compact JSON text.
    case answer(AnswerLine, text: [UInt8])
    /// Any other line, parsed whole.
    case parsed(RowOutcome)

    var attempts: Int {
        switch self {
        case .answer(let line, _): return line.attempts
        case .parsed(let outcome): return outcome.attempts
        }
    }

    var usage: OutputInterpreter.Usage? {
        switch self {
        case .answer(let line, _): return line.usage
        case .parsed(let outcome): return outcome.usage
        }
    }

    var shared: Bool {
        switch self {
        case .answer(let line, _): return line.shared
        case .parsed(let outcome): return outcome.shared
        }
    }

    /// The outcome parsed (an answer's text is parsed here): for the attempt history of a failed row.
    func parsedOutcome(row: Int) throws -> RowOutcome {
        switch self {
        case .parsed(let outcome): return outcome
        case .answer(let line, let text):
            var outcome = RowOutcome(row: line.row, attempts: line.attempts, output: .success(try RowFate.parse(text, row: row)))
            outcome.usage = line.usage
            outcome.shared = line.shared
            return outcome
        }
    }
}
