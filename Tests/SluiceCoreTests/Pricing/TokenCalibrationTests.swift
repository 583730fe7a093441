import Foundation
import SluiceTesting
import Testing

@testable import SluiceCore

@Suite struct TokenCalibrationTests {
    @Test func theStoreLearnsWithOlderFilesWeighingLess() async throws {
        try await withTemporaryDirectory { dir in
            let store = try StateStore(path: dir + "/state.sqlite")
            #expect(try await store.calibration(pipeline: "p", model: "m") == nil)
            // 100 answers: estimate said 1,000 input tokens, the provider counted 900 and 3,000 output.
            try await store.learnCalibration(
                pipeline: "p", model: "m", estimatedInput: 1000, actualInput: 900, actualOutput: 3000, answers: 100,
                now: Date())
            let first = try #require(try await store.calibration(pipeline: "p", model: "m"))
            #expect(first.files == 1)
            #expect(abs(first.inputFactor - 0.9) < 1e-9)
            #expect(abs(first.outputPerAnswer - 30) < 1e-9)
            // A second file with longer answers: it weighs 1, the first 0.8.
            try await store.learnCalibration(
                pipeline: "p", model: "m", estimatedInput: 1000, actualInput: 1100, actualOutput: 5000, answers: 100,
                now: Date())
            let second = try #require(try await store.calibration(pipeline: "p", model: "m"))
            #expect(second.files == 2)
            #expect(abs(second.inputFactor - (0.8 * 900 + 1100) / (0.8 * 1000 + 1000)) < 1e-9)
            #expect(abs(second.outputPerAnswer - (0.8 * 3000 + 5000) / (0.8 * 100 + 100)) < 1e-9)
            // Another model of the same pipeline learns apart; no answers teach nothing.
            try await store.learnCalibration(
                pipeline: "p", model: "other", estimatedInput: 10, actualInput: 10, actualOutput: 0, answers: 0,
                now: Date())
            #expect(try await store.calibration(pipeline: "p", model: "other") == nil)
        }
    }

    @Test func calibrationScalesInputAndTakesOutputWithinTheCap() {
        let estimate = DropEstimate(
            rows: 10, failuresByCode: [:], requests: 10, uniqueRequests: 8, inputTokens: 1000, uniqueInputTokens: 800,
            outputCapPerRequest: 40, outputExpectedPerRequest: 12, outputBasis: .schema, chunks: 1, chunkBytes: 100)
        let applied = TokenCalibration(files: 3, inputFactor: 0.5, outputPerAnswer: 20.2).applied(to: estimate)
        #expect(applied.inputTokens == 500)
        #expect(applied.uniqueInputTokens == 400)
        #expect(applied.outputExpectedPerRequest == 21)
        #expect(applied.outputBasis == .calibrated)
        let capped = TokenCalibration(files: 1, inputFactor: 1, outputPerAnswer: 90).applied(to: estimate)
        #expect(capped.outputExpectedPerRequest == 40)
    }
}
