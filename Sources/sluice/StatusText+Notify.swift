import SluiceCore

extension StatusText {
    /// The webhook lines: counts, then each pending or abandoned delivery with its last error.
    var notificationLines: [String] {
        let status = report.notifications
        let c = status.counts
        guard c.pending + c.abandoned + c.delivered > 0 else { return [] }
        var out = ["webhooks: \(c.delivered) delivered, \(c.pending) pending, \(c.abandoned) abandoned"]
        for n in status.open {
            var line = "    \(n.state.rawValue)  \(n.event.rawValue)  \(n.pipeline)"
            if let drop = n.dropID { line += "  drop \(drop)" }
            line += "  \(n.attempts) attempt(s)  \(NotifyURL.redacted(n.url))"
            if let error = n.lastError { line += "  last error: \(error)" }
            out.append(line)
        }
        return out
    }
}
