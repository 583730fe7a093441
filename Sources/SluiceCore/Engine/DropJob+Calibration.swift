import Foundation
import Logging

extension DropJob {
    /// Learns how the estimate compared with the provider's usage for this file's requests (`TokenCalibration`).
    /// A failure here is logged and costs only the lesson: the file's outputs do not depend on it.
    func learnCalibration(items: [ChunkProgress], assembled: AssemblyResult) async {
        guard assembled.answersWithUsage > 0 else { return }
        // The staged requests (round 1), whose counts staging stored: a retry round re-sends some of them, so
        // their average is the average of what was answered. Files are read back only for chunks without one.
        let chunks = items.map(\.chunk).filter {
            $0.round == 1 && ($0.inputTokens != nil || FileManager.default.fileExists(atPath: $0.path))
        }
        guard !chunks.isEmpty else { return }
        let (spec, format) = (self.spec, provider.wireFormat)
        do {
            let measure = try await Blocking.run("sluice-calibrate") {
                try ChunkTokens(spec: spec, wireFormat: format).sent(chunks: chunks)
            }
            guard measure.requests > 0 else { return }
            let perRequest = Double(measure.inputTokens) / Double(measure.requests)
            try await store.learnCalibration(
                pipeline: spec.name, model: spec.model, estimatedInput: perRequest * Double(assembled.answersWithUsage),
                actualInput: assembled.inputTokens, actualOutput: assembled.outputTokens,
                answers: assembled.answersWithUsage, now: Date())
        } catch {
            log.warning("could not learn the token calibration from this file", metadata: ["error": "\(error)"])
        }
    }
}
