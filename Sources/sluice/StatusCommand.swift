import ArgumentParser
import Foundation
import SluiceCore
import SluiceJSON

/// `sluice status`: what the daemon (and `sluice process`) are doing and have done.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show files in flight and recently finished, with their batches.",
        discussion: """
            Reads .sluice/state.sqlite; safe to run while the daemon works. --json prints a stable object \
            {generated_at, files: [{drop, pipeline, name, stage, rows: {total, succeeded, failed}, chunks, \
            batches: [{id, stage, status, total, succeeded, failed, last_error?}], received_at, age_seconds, \
            reason?, manifest?, reused_from_drop?, hold?: {reason, limit, limit_usd, estimated_usd}, \
            spend?: {day, usd_estimated, usd_reserved, usd_actual, approved_at}}], spend: [{pipeline, day, \
            usd_actual, usd_reserved, budget_daily_usd, input_tokens, output_tokens, requests, files, \
            unpriced_files}], notifications: {pending, delivered, abandoned, open: [{delivery_id, event, \
            pipeline, drop, state, attempts, url, created_at, next_attempt_at, last_status, last_error}]}} for \
            scripts.

            A file held for approval (over budget) shows stage awaiting-approval and why; `sluice approve FILE` \
            lets it go. The spending lines are per pipeline per UTC day: the actual cost of the files finished \
            that day plus the estimates reserved for files being sent, against budget.daily_usd.
            """
    )

    @OptionGroup var root: RootOption
    @Flag(help: "Print JSON instead of a table.") var json = false
    @Option(help: ArgumentHelp("Show files finished within this many hours.", valueName: "hours"))
    var hours: Double = StatusReport.defaultHours
    @Option(help: ArgumentHelp("Show at most this many files.", valueName: "n")) var limit = StatusReport.defaultLimit

    func run() async throws {
        let paths = try root.paths
        guard FileManager.default.fileExists(atPath: paths.database) else {
            if json {
                print(JSONWriter.string(StatusReport.emptyJSON))
            } else {
                print("no state yet in \(paths.state) (nothing processed under this root)")
            }
            return
        }
        let store = try StateStore(path: paths.database)
        let report = try await StatusReport.load(store: store, paths: paths, hours: hours, limit: limit)
        if json {
            print(JSONWriter.string(report.json))
            return
        }
        if report.files.isEmpty {
            print("nothing in flight and nothing finished in the last \(Self.hoursText(hours))")
            printNotifications(report.notifications)
            return
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
                Self.age(Date().timeIntervalSince(d.receivedAt)),
            ])
            var lines: [String] = []
            if let reason = d.reason { lines.append("reason: \(reason)") }
            if d.stage == .awaitingApproval, let hold = file.spend?.hold { lines.append("held: \(hold)") }
            if let alert = d.alert { lines.append("ALERT: \(alert)") }
            if file.inFlight {
                for b in file.batches where b.state != .downloaded {
                    var line = "\(b.providerBatchID ?? "(submitting)")  \(b.providerStatus ?? b.state.rawValue)  "
                        + "\(b.succeeded + b.failed)/\(b.total) requests"
                    if let error = b.lastError { line += "  last error: \(error)" }
                    lines.append(line)
                }
            }
            details[index + 1] = lines
        }
        printTable(rows, details: details)
        printSpend(report.spend)
        printNotifications(report.notifications)
    }

    /// Prints `rows` in aligned columns, each followed by its indented detail lines.
    private func printTable(_ rows: [[String]], details: [Int: [String]]) {
        let widths = (0..<rows[0].count).map { column in rows.map { $0[column].count }.max() ?? 0 }
        for (index, row) in rows.enumerated() {
            let cells = row.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }
            print(cells.joined(separator: "  ").trimmingCharacters(in: .whitespaces))
            for line in details[index] ?? [] { print("    " + line) }
        }
    }

    /// The spending lines: per pipeline per UTC day, actual and reserved against the daily budget.
    private func printSpend(_ lines: [SpendLine]) {
        guard !lines.isEmpty else { return }
        var rows = [["DAY (UTC)", "PIPELINE", "ACTUAL", "RESERVED", "DAILY BUDGET", "FILES", "REQUESTS"]]
        for line in lines {
            let t = line.totals
            let actual = USD.text(t.actualUSD) + (t.unpricedFiles > 0 ? " + \(t.unpricedFiles) unpriced" : "")
            rows.append([
                t.day, t.pipeline, actual, USD.text(t.reservedUSD), line.dailyBudgetUSD.map(USD.text) ?? "-",
                "\(t.files)", "\(t.requests)",
            ])
        }
        print("")
        printTable(rows, details: [:])
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
