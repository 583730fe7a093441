import Foundation

extension DropJob {
    // Webhooks (`notify:`) are enqueued in the transaction recording their event; the courier sends them.

    /// The deliveries a written manifest owes the pipeline's receiver (none without `notify:`).
    func notifications(for manifest: Manifest, path: String, drop: DropRecord) -> [NotificationRecord] {
        guard let draft = draft(drop) else { return [] }
        return draft.forManifest(manifest, path: path)
    }

    /// What a hold of this drop enqueues, made inside the hold's transaction (its reason is decided there).
    func holdNotifications(_ drop: DropRecord) -> @Sendable (BudgetHold) -> [NotificationRecord] {
        guard let draft = draft(drop) else { return { _ in [] } }
        return { [draft] hold in [draft.forHold(hold)] }
    }

    private func draft(_ drop: DropRecord) -> NotificationDraft? {
        guard let notify = spec.notify, drop.origin != .collection else { return nil }
        return NotificationDraft(notify: notify, pipeline: spec.name, dropID: dropID, fileName: drop.sourceName)
    }
}
