import Foundation
import Logging
import SluiceJSON
import SluiceRecords

extension DropJob {
    /// Whether the canary still holds the drop's other chunks back: a canary is set and some staged chunk has
    /// not been sent. Its verdict is derived from chunk 1's outcomes each time, so it survives any crash.
    func canaryHolds(_ items: [ChunkProgress]) -> Bool {
        spec.canary != nil && items.contains { $0.chunk.round == 1 && $0.chunk.seq > 1 && $0.batch == nil }
    }

    /// Judges the canary (chunk 1, downloaded): nil when enough of its answers were schema-valid, else why the
    /// file stops.
    func canaryRejection(_ items: [ChunkProgress]) async throws -> DropRejection? {
        guard let canary = spec.canary, let first = items.first(where: { $0.chunk.seq == 1 }) else { return nil }
        let path = paths.dropWork(dropID) + "/" + ChunkRecord.outcomesName(seq: 1)
        let (valid, answered) = try await Blocking.run("sluice-canary") { try Self.validAnswers(outcomes: path) }
        let requests = first.chunk.requests
        let rate = requests == 0 ? 1 : Double(valid) / Double(requests)
        log.info("canary judged", metadata: ["valid": "\(valid)", "requests": "\(requests)", "answered": "\(answered)"])
        guard rate < canary.minValid else { return nil }
        let held = items.filter { $0.chunk.seq > 1 }.reduce(0) { $0 + $1.chunk.requests }
        return DropRejection(
            code: "canary.failed",
            reason: "canary: \(valid) of \(requests) answers (\(Int((rate * 100).rounded()))%) were schema-valid, "
                + "below canary.min_valid \(Int((canary.minValid * 100).rounded()))%; the other \(held) requests "
                + "were not sent (fix the spec or the prompt and drop the file again)")
    }

    /// Rows answered with a valid output, and rows with any outcome, in an outcome file (latest line per row).
    static func validAnswers(outcomes path: String) throws -> (valid: Int, answered: Int) {
        var latest: [Int: Bool] = [:]
        let reader = JSONLReader(source: try FileByteSource(path: path), path: path)
        while let line = try reader.next() {
            let outcome = try RowOutcome(json: try JSONParser.parse(line.bytes))
            if case .success = outcome.output { latest[outcome.row] = true } else { latest[outcome.row] = false }
        }
        return (latest.values.filter { $0 }.count, latest.count)
    }
}
