import Foundation
import Logging

extension DropJob {
    /// Learns how the estimate compared with the provider's usage for this file's requests (`TokenCalibration`).
    /// A failure here is logged and costs only the lesson: the file's outputs do not depend on it.
    func learnCalibration(items: [ChunkProgress], assembled: AssemblyResult) async {
        guard assembled.answersWithUsage > 0 else { return }
        let paths = items.map(\.chunk.path).filter { FileManager.default.fileExists(atPath: $0) }
        guard !paths.isEmpty else { return }
        let (spec, format) = (self.spec, provider.wireFormat)
        do {
            let measure = try await Blocking.run("sluice-calibrate") {
                try ChunkTokens(spec: spec, wireFormat: format).measure(chunkPaths: paths)
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
