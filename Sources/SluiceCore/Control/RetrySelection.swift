import Foundation

/// Which rows of a finished file `sluice retry` sends again: those whose latest outcome is a failure of one of
/// the chosen categories.
///
/// Only rows that were sent have outcomes: a row that failed at staging (`input`) cannot be mended by resending,
/// and a row deduplicated onto another (or answered from the cache) follows that row, so neither is chosen.
public enum RetrySelection {
    /// Categories `sluice retry` sends again unless told otherwise: all but `input`.
    public static let defaultCategories: [RowFailure.Category] = [.transient, .schema, .permanent, .budget]

    /// The chosen rows, ascending, and how many sent rows failed by category (all categories, for the message).
    /// Blocking: run it on a thread of its own.
    static func rows(
        spans: [(span: OutcomeLayers.Span, round: Int)], categories: Set<RowFailure.Category>
    ) throws -> (rows: [Int], failedByCategory: [String: Int]) {
        guard let first = spans.map(\.span.firstRow).min(), let last = spans.map(\.span.lastRow).max() else {
            return ([], [:])
        }
        var layers = OutcomeLayers(chunks: spans.filter { FileManager.default.fileExists(atPath: $0.span.outcomes) })
        var rows: [Int] = []
        var failed: [String: Int] = [:]
        for row in first...last {
            guard case .failure(let failure)? = try layers.outcomes(row: row).first?.output else { continue }
            failed[failure.category.rawValue, default: 0] += 1
            if categories.contains(failure.category) { rows.append(row) }
        }
        return (rows, failed)
    }

    /// The spans of a drop's outcome files in `directory`, one per chunk of every round.
    static func spans(_ chunks: [ChunkRecord], directory: String) -> [(span: OutcomeLayers.Span, round: Int)] {
        chunks.map {
            (
                OutcomeLayers.Span(
                    firstRow: $0.firstRow, lastRow: $0.lastRow,
                    outcomes: directory + "/" + ChunkRecord.outcomesName(seq: $0.seq)),
                $0.round
            )
        }
    }

    /// The rows of archived drop `drop` that a retry of `categories` would send, and its sent rows that failed, by category;
    /// read from its archived outcome files (what `sluice retry` shows before recording anything).
    public static func rows(
        of drop: DropRecord, store: StateStore, categories: Set<RowFailure.Category>
    ) async throws -> (rows: [Int], failedByCategory: [String: Int]) {
        guard let directory = drop.resultsDir else { return ([], [:]) }
        let chunks = try await store.progress(dropID: drop.id!).map(\.chunk)
        let spans = Self.spans(chunks, directory: directory)
        return try await Blocking.run("sluice-retry-select") { try Self.rows(spans: spans, categories: categories) }
    }
}
