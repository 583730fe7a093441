import Foundation
import SluiceJSON
import SluiceRecords

/// Turns the unanswered rows of a cancelled chunk into `batch.cancelled` failures, which no retry round sends.
///
/// A batch cancelled at the provider ends with its answered rows answered and the rest failed as transient
/// (`provider.batch_cancelled`, or whatever the provider said for lines it never ran): left so, a retry round
/// would send them again, which is what the person cancelling did not want. Every failure that a round would
/// retry becomes permanent; answers and permanent failures stay as they are. Rewriting is whole-file and
/// atomic, so doing it twice (a crash in between) gives the same file. Blocking: run it on a thread of its own.
public enum CancelledOutcomes {
    /// The stable code of a row cancelled by `sluice cancel`.
    public static let code = "batch.cancelled"

    /// The failure a cancelled row gets.
    public static func failure(requestedAt: Date, batch: String?) -> RowFailure {
        let what = batch.map { "batch \($0) was cancelled" } ?? "the file was cancelled"
        return RowFailure(
            category: .permanent, code: code,
            message: "cancelled by `sluice cancel` at \(requestedAt.formatted(.iso8601)): \(what) before this row "
                + "was answered; it is not sent again",
            kind: .withdrawn)
    }

    /// Rewrites the outcome file at `path`; returns how many rows it turned into cancelled failures.
    @discardableResult
    public static func rewrite(path: String, failure: RowFailure) throws -> Int {
        guard FileManager.default.fileExists(atPath: path) else { return 0 }
        let reader = JSONLReader(source: try FileByteSource(path: path), path: path)
        let temporary = path + ".cancel-tmp"
        let writer = try OutcomeWriter(path: temporary)
        var changed = 0
        while let line = try reader.next() {
            let outcome = try RowOutcome(json: try JSONParser.parse(line.bytes))
            var output = outcome.output
            if case .failure(let earlier) = output, earlier.kind.retryable {
                output = .failure(failure)
                changed += 1
            }
            try writer.append(
                row: outcome.row, attempts: outcome.attempts, output: output, raw: outcome.raw, usage: outcome.usage,
                shared: outcome.shared)
        }
        try writer.finish()
        guard rename(temporary, path) == 0 else {
            throw OutcomeFileError(message: "cannot replace \(path): errno \(errno)")
        }
        return changed
    }

    /// An outcome file failing every row of `rows` as cancelled: a chunk that was never sent.
    public static func writeUnsent(path: String, rows: [Int], failure: RowFailure) throws {
        let writer = try OutcomeWriter(path: path + ".cancel-tmp")
        for row in rows {
            try writer.append(row: row, attempts: 0, output: .failure(failure), raw: nil, usage: nil)
        }
        try writer.finish()
        guard rename(path + ".cancel-tmp", path) == 0 else {
            throw OutcomeFileError(message: "cannot write \(path): errno \(errno)")
        }
    }
}
