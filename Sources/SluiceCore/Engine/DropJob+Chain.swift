import Foundation
import Logging

extension DropJob {
    // MARK: `then:` — the enriched rows that go on, into the next pipeline's inbox, exactly once

    /// Where this drop's chained file goes; nil when the pipeline has no `then:`.
    func chainTarget(_ drop: DropRecord) -> ChainTarget? {
        guard let chain = spec.chain else { return nil }
        let stem = DropFormat.stem(of: drop.sourceName)
        return ChainTarget(
            folder: paths.inbox(chain.pipeline), baseName: "\(stem).from-\(spec.name)-\(drop.key)", filter: chain.filter)
    }

    /// The manifest's `chained` entry for what assembly sealed.
    func chainedEntry(_ result: ChainResult?) -> Manifest.Chained? {
        guard let chain = spec.chain, let result else { return nil }
        let file = result.path.map { URL(fileURLWithPath: $0).lastPathComponent }
        let note = file == nil
            ? (chain.filter.map { "no enriched row matched \($0)" } ?? "no enriched row") + ": nothing was dropped" : nil
        if let note { log.info("nothing chained", metadata: ["then": "\(chain.pipeline)", "why": "\(note)"]) }
        return Manifest.Chained(
            pipeline: chain.pipeline, file: file, rows: result.rows, filter: chain.filter?.description, note: note)
    }

    /// Renames the sealed chained file into the next inbox and records it, before the drop is archived.
    ///
    /// Exactly once across crashes: stage `written` (with `chainPath`) is recorded only after the temp file is
    /// durable, and once sealed only the rename removes it. So here a temp file means "not delivered yet"
    /// and no temp file means an earlier run renamed it and crashed before recording that; either way one
    /// copy reaches the inbox, under a name no other drop uses.
    func deliverChain(_ drop: DropRecord) async throws {
        guard drop.stage == .written, let path = drop.chainPath, drop.chainedAt == nil else { return }
        let renamed = try await Blocking.run("sluice-chain") { try ChainWriter.deliver(finalPath: path) }
        let rows = drop.chainRows ?? 0
        if renamed {
            log.event(.chained, ["path": "\(path)", "rows": "\(rows)", "then": "\(spec.chain?.pipeline ?? "")"])
        } else {
            log.notice("chained file already delivered before a restart", metadata: ["file": "\(path)"])
        }
        let now = Date()
        try await store.updateDrop(id: dropID) { $0.chainedAt = now }
        progress(.chained(path: path, rows: rows))
    }
}
