import Foundation
import SluiceCore

/// `sluice status` as text: a table of files with their detail lines, then the spending lines.
struct StatusText {
    var report: StatusReport
    var hours: Double
    /// Whether in-flight files get a progress bar line (`--watch`).
    var bars = false

    /// The width of a file's bar in `--watch`: the line stays under 80 columns with its counts.
    static let barWidth = 20

    var lines: [String] {
        let webhooks = notificationLines
        if report.files.isEmpty {
            let nothing = "nothing in flight and nothing finished in the last \(Self.hoursText(hours))"
            return webhooks.isEmpty ? [nothing] : [nothing, ""] + webhooks
        }
        var rows = [["PIPELINE", "FILE", "STAGE", "OK/FAILED/ROWS", "BATCHES", "AGE"]]
        var details: [Int: [String]] = [:]
        for (index, file) in report.files.enumerated() {
            let d = file.drop
            let ended = file.batches.filter { $0.state == .downloaded }.count
            let batches = file.batches.isEmpty ? (d.sameAs != nil ? "reused" : "-") : "\(ended)/\(file.chunks) ended"
            let total = d.rowsIn.map(String.init) ?? "?"
            rows.append([
                d.pipeline, d.sourceName, d.stage.rawValue, "\(file.succeeded)/\(file.failed)/\(total)", batches,
                Self.age(report.generatedAt.timeIntervalSince(d.receivedAt)),
            ])
            var lines: [String] = []
            if let reason = d.reason { lines.append("reason: \(reason)") }
            if d.stage == .awaitingApproval, let hold = file.spend?.hold { lines.append("held: \(hold)") }
            if let alert = d.alert { lines.append("ALERT: \(alert)") }
            if file.inFlight {
                if bars && file.chunks > 0 { lines.append(Self.bar(FileProgress(file: file, now: report.generatedAt))) }
                for b in file.batches where b.state != .downloaded {
                    var line = "\(b.providerBatchID ?? "(submitting)")  \(b.providerStatus ?? b.state.rawValue)  "
                        + "\(b.succeeded + b.failed)/\(b.total) requests"
                    if let error = b.lastError { line += "  last error: \(error)" }
                    lines.append(line)
                }
            }
            details[index + 1] = lines
        }
        var out = Self.table(rows, details: details)
        let spend = spendLines
        if !spend.isEmpty { out += [""] + spend }
        if !webhooks.isEmpty { out += [""] + webhooks }
        return out
    }

    /// `████████░░░░ 40%  1200/3000 requests  2/8 batches  ETA 1m03s`
    static func bar(_ progress: FileProgress) -> String {
        let percent = progress.fraction.map { " \(Int(($0 * 100).rounded(.down)))%" } ?? ""
        let eta = progress.etaSeconds.map(ProgressDuration.text) ?? "—"
        return ProgressBar.render(fraction: progress.fraction, width: barWidth) + percent
            + "  \(progress.requestsDone)/\(progress.requestsTotal) requests"
            + "  \(progress.batchesFinished)/\(progress.batchesTotal) batches  ETA \(eta)"
    }

    /// `rows` in aligned columns, each followed by its indented detail lines.
    static func table(_ rows: [[String]], details: [Int: [String]]) -> [String] {
        let widths = (0..<rows[0].count).map { column in rows.map { $0[column].count }.max() ?? 0 }
        var out: [String] = []
        for (index, row) in rows.enumerated() {
            let cells = row.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }
            out.append(cells.joined(separator: "  ").trimmingCharacters(in: .whitespaces))
            for line in details[index] ?? [] { out.append("    " + line) }
        }
        return out
    }

    /// The spending lines: per pipeline per UTC day, actual and reserved against the daily budget.
    private var spendLines: [String] {
        guard !report.spend.isEmpty else { return [] }
        var rows = [["DAY (UTC)", "PIPELINE", "ACTUAL", "RESERVED", "DAILY BUDGET", "FILES", "REQUESTS"]]
        for line in report.spend {
            let t = line.totals
            let actual = USD.text(t.actualUSD) + (t.unpricedFiles > 0 ? " + \(t.unpricedFiles) unpriced" : "")
            rows.append([
                t.day, t.pipeline, actual, USD.text(t.reservedUSD), line.dailyBudgetUSD.map(USD.text) ?? "-",
                "\(t.files)", "\(t.requests)",
            ])
        }
        return Self.table(rows, details: [:])
    }

    static func age(_ seconds: TimeInterval) -> String {
        let s = Int(seconds)
        if s < 90 { return "\(s)s" }
        if s < 5400 { return "\(s / 60)m" }
        if s < 172_800 { return "\(s / 3600)h" }
        return "\(s / 86_400)d"
    }

    static func hoursText(_ hours: Double) -> String {
        hours == hours.rounded() ? "\(Int(hours)) hours" : "\(hours) hours"
    }
}
