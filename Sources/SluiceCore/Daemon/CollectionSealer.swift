import Foundation
import Logging

/// Decides when the drops waiting in a pipeline's collection go: at `batch.collect.min_requests`, once the
/// first has waited `window`, on `sluice flush`, or (with `--once`) when nothing else can join them.
struct CollectionSealer {
    let store: StateStore
    let logger: Logger

    /// Seals what is due and returns the new collections' drop ids (to start their jobs).
    func seal(specs: [String: PipelineSpec], idle: Bool, now: Date) async throws -> [Int64] {
        var created: [Int64] = []
        for (name, spec) in specs.sorted(by: { $0.key < $1.key }) {
            guard let collect = spec.batch.collect else { continue }
            let waiting = try await store.collectingDrops(pipeline: name)
            guard !waiting.isEmpty else { continue }
            let flush = try await store.flushRequested(pipeline: name)
            // Drops staged with different specs render different requests: each spec version its own batch.
            for group in Dictionary(grouping: waiting, by: \.drop.specSHA256).values {
                let requests = group.reduce(0) { $0 + $1.requests }
                let oldest = group.compactMap(\.drop.collectingSince).min() ?? now
                let waited = now.timeIntervalSince(oldest)
                let reason: String
                if flush {
                    reason = "flush"
                } else if requests >= collect.minRequests {
                    reason = "min_requests"
                } else if waited >= Double(collect.window.components.seconds) {
                    reason = "window"
                } else if idle {
                    reason = "drained"
                } else {
                    continue
                }
                guard let first = group.first?.drop,
                    let id = try await store.createCollection(
                        pipeline: name, members: group.map { $0.drop.id! }, specText: first.specText,
                        specSHA256: first.specSHA256, now: now)
                else { continue }
                logger.info(
                    "collection sealed",
                    metadata: [
                        "pipeline": "\(name)", "collection": "\(id)", "files": "\(group.count)", "requests": "\(requests)",
                        "reason": "\(reason)", "waited_s": "\(Int(waited))",
                    ])
                created.append(id)
            }
        }
        return created
    }
}
