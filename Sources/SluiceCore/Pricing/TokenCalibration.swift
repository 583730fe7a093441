import Foundation
import GRDB

/// How a pipeline's real usage compares with the estimate, learnt from its finished files.
///
/// The input approximation counts what cl100k_base would; the provider counts with its own tokenizer and
/// overheads. After each written file, the provider's input tokens per answered request are compared with
/// the estimate's for the same requests, and its output tokens per answer recorded. Older files weigh less
/// (each new file keeps 80% of what was learnt before), so a changed prompt is learnt within a few files.
public struct TokenCalibration: Sendable, Equatable {
    /// Files learnt from (decayed: a weight, not a count of rows).
    public var files: Int
    /// Actual input tokens ÷ estimated input tokens.
    public var inputFactor: Double
    /// Output tokens of an average answer.
    public var outputPerAnswer: Double

    /// How much of what was learnt before each new file keeps.
    static let keep = 0.8

    /// `estimate` with its input tokens scaled and its expected output taken from real answers (within the cap).
    public func applied(to estimate: DropEstimate) -> DropEstimate {
        var e = estimate
        func scaled(_ n: Int) -> Int { Int((Double(n) * inputFactor).rounded()) }
        e.inputTokens = scaled(e.inputTokens)
        e.uniqueInputTokens = scaled(e.uniqueInputTokens)
        e.inputTokensToSend = scaled(e.inputTokensToSend)
        if e.outputBasis != .notGenerated {
            let expected = Int(outputPerAnswer.rounded(.up))
            e.outputExpectedPerRequest = min(expected, e.outputCapPerRequest ?? expected)
            e.outputBasis = .calibrated
        }
        return e
    }
}

extension StateStore {
    /// What `pipeline`'s finished files on `model` taught; nil before the first one.
    public func calibration(pipeline: String, model: String) async throws -> TokenCalibration? {
        try await queue.read { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT * FROM calibration WHERE pipeline = ? AND model = ?", arguments: [pipeline, model])
            else { return nil }
            let estimated: Double = row["estimatedInput"]
            let answers: Double = row["answers"]
            guard estimated > 0, answers > 0 else { return nil }
            return TokenCalibration(
                files: row["files"], inputFactor: row["actualInput"] / estimated,
                outputPerAnswer: row["actualOutput"] / answers)
        }
    }

    /// Learns from one written file: the estimate's input tokens for its answered requests against what the
    /// provider counted, and the provider's output tokens over those answers.
    func learnCalibration(
        pipeline: String, model: String, estimatedInput: Double, actualInput: Int, actualOutput: Int, answers: Int,
        now: Date
    ) async throws {
        guard answers > 0, estimatedInput > 0 else { return }
        try await queue.write { db in
            let keep = TokenCalibration.keep
            try db.execute(
                sql: """
                    INSERT INTO calibration (pipeline, model, estimatedInput, actualInput, actualOutput, answers, files, updatedAt)
                    VALUES (?, ?, ?, ?, ?, ?, 1, ?)
                    ON CONFLICT (pipeline, model) DO UPDATE SET
                        estimatedInput = estimatedInput * \(keep) + excluded.estimatedInput,
                        actualInput = actualInput * \(keep) + excluded.actualInput,
                        actualOutput = actualOutput * \(keep) + excluded.actualOutput,
                        answers = answers * \(keep) + excluded.answers,
                        files = files + 1, updatedAt = excluded.updatedAt
                    """,
                arguments: [pipeline, model, estimatedInput, actualInput, actualOutput, answers, StoredDate.value(now)])
        }
    }
}
