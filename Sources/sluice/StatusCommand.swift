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

            Each file also has progress: {requests_done, requests_total, batches_finished, batches_total, \
            eta_seconds} from the request counts its batches last reported (eta_seconds is null until requests \
            have been answered, and when none are at the provider).

            --watch shows the status every --interval (default 2s) until Ctrl-C or SIGTERM (exit status 0): on a \
            terminal the screen is redrawn in place like watch(1), with a bar per file in flight (requests \
            answered/sent, batches done, ETA); piped, each status follows a line with its time; with --json, one \
            JSON object per line (NDJSON).
            """
    )

    @OptionGroup var root: RootOption
    @Flag(help: "Print JSON instead of a table.") var json = false
    @Option(help: ArgumentHelp("Show files finished within this many hours.", valueName: "hours"))
    var hours: Double = StatusReport.defaultHours
    @Option(help: ArgumentHelp("Show at most this many files.", valueName: "n")) var limit = StatusReport.defaultLimit
    @Flag(help: "Show the status again every --interval until Ctrl-C, with a progress bar per file in flight.")
    var watch = false
    @Option(help: ArgumentHelp("How often --watch shows the status: 500ms, 2s, 1m, or seconds.", valueName: "duration"))
    var interval = "2s"

    /// The shortest --interval: more often only rereads the database for nothing.
    static let minInterval = Duration.milliseconds(100)

    func validate() throws {
        guard let every = DurationText.parse(interval), every >= Self.minInterval else {
            throw ValidationError("--interval: '\(interval)' is not a duration of 100ms or more (e.g. 500ms, 2s, 0.5)")
        }
    }

    func run() async throws {
        let paths = try root.paths
        if watch {
            let (json, hours, limit) = (self.json, self.hours, self.limit)
            let watch = StatusWatch(interval: DurationText.parse(interval)!, label: Double(interval) != nil ? interval + "s" : interval, json: json)
            try await watch.run { try await Self.block(paths: paths, json: json, hours: hours, limit: limit, bars: true) }
            return
        }
        Terminal.write(try await Self.block(paths: paths, json: json, hours: hours, limit: limit, bars: false), to: STDOUT_FILENO)
    }

    /// The status once, as the text or the one JSON line it prints (ending in a newline).
    static func block(paths: SluicePaths, json: Bool, hours: Double, limit: Int, bars: Bool) async throws -> String {
        guard FileManager.default.fileExists(atPath: paths.database) else {
            if json { return JSONWriter.string(StatusReport.emptyJSON) + "\n" }
            return "no state yet in \(paths.state) (nothing processed under this root)\n"
        }
        let store = try StateStore(path: paths.database)
        let report = try await StatusReport.load(store: store, paths: paths, hours: hours, limit: limit)
        if json { return JSONWriter.string(report.json) + "\n" }
        return StatusText(report: report, hours: hours, bars: bars).lines.map { $0 + "\n" }.joined()
    }
}
