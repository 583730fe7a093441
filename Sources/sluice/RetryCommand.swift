import ArgumentParser
import Foundation
import SluiceCore

/// `sluice retry FILE`: sends a finished file's failed rows again and writes a new manifest generation.
struct RetryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Send a finished file's failed rows again, into a new manifest generation.",
        discussion: """
            For a file that has its manifest, the rows that failed (by default every category but input, which \
            sending again cannot mend) are sent once more: rendered from the archived source exactly as the first \
            time, through the usual batches and retry rounds. The retry is recorded in the state database, safely \
            while `sluice run` works: the daemon starts it within a second (or when it next starts). When it ends, \
            the outbox holds a new generation: enriched has the earlier successes and the rows now answered, in \
            input order; failures has the rows still failing; the manifest, removed just before and written last, \
            says `generation` (2 for the first retry) and `previous` (the written_at and sha256 of the manifest it \
            replaces).

            FILE is the file's name as dropped (the newest file of that name counts) or its drop id. The source \
            must still be archived under .sluice (kept for the `retention` setting, 30 days by default).

            Exit status: 0 retry recorded, or nothing to retry (no failed row of those categories), 1 the file \
            cannot be retried (not finished, rejected, its archive removed, no such file), 2 usage error.
            """
    )

    @Argument(help: ArgumentHelp("The finished file's name, or its drop id.", valueName: "file"))
    var file: String
    @Option(help: ArgumentHelp("Only look at pipeline NAME (files of one name in several).", valueName: "name"))
    var pipeline: String?
    @Option(
        help: ArgumentHelp(
            "Failure categories to send again, comma-separated (default: transient,schema,permanent,budget).",
            valueName: "list"))
    var category: String?
    @OptionGroup var root: RootOption

    func validate() throws {
        _ = try categories()
    }

    private func categories() throws -> [RowFailure.Category] {
        guard let category else { return RetrySelection.defaultCategories }
        var chosen: [RowFailure.Category] = []
        for word in category.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !word.isEmpty
        {
            guard let value = RowFailure.Category(rawValue: word) else {
                throw ValidationError("unknown category \(word): use transient, schema, permanent or budget")
            }
            guard value != .input else {
                throw ValidationError(
                    "input failures cannot be mended by sending again: fix the file and drop it again")
            }
            if !chosen.contains(value) { chosen.append(value) }
        }
        guard !chosen.isEmpty else { throw ValidationError("--category names no category") }
        return chosen
    }

    func run() async throws {
        let store = try root.existingStore()
        let categories = try categories()
        do {
            let drop = try await chosenDrop(store: store)
            let name = CancelCommand.name(drop)
            let (rows, failed) = try await RetrySelection.rows(of: drop, store: store, categories: Set(categories))
            let list = categories.map(\.rawValue).joined(separator: ",")
            guard !rows.isEmpty else {
                let other = failed.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
                let failedRows = drop.failed ?? 0
                print(
                    failedRows == 0
                        ? "nothing to retry: every row of \(name) succeeded"
                        : "nothing to retry in \(name): no failed row of \(list)"
                            + (other.isEmpty
                                ? " (its \(failedRows) failed rows failed at input)" : " (failed: \(other))"))
                return
            }
            let generation = try await store.requestRetry(drop: drop, categories: categories, now: Date())
            print("retry recorded for \(name): \(rows.count) failed row\(rows.count == 1 ? "" : "s") of \(list)")
            print(
                "`sluice run` sends them within a second (or when it next starts); manifest generation \(generation) follows"
            )
        } catch let error as ControlError {
            printError(error.message)
            throw ExitCode(1)
        }
    }

    /// The newest drop FILE names, which must be finished with its archive still kept.
    private func chosenDrop(store: StateStore) async throws -> DropRecord {
        let name = URL(fileURLWithPath: file).lastPathComponent
        var named = try await store.drops(named: name, pipeline: pipeline)
        if named.isEmpty, let id = Int64(file), let drop = try await store.drop(id: id),
            pipeline == nil || drop.pipeline == pipeline
        {
            named = [drop]
        }
        guard let drop = named.first else {
            let scope = pipeline.map { " in pipeline \($0)" } ?? ""
            throw ControlError(
                code: "control.no_such_file", message: "no file named \(file)\(scope) (see `sluice status`)")
        }
        if pipeline == nil, let other = named.first(where: { $0.pipeline != drop.pipeline }) {
            throw ControlError(
                code: "control.ambiguous",
                message: "files named \(name) went through pipelines \(drop.pipeline) and \(other.pipeline): "
                    + "give --pipeline")
        }
        let label = CancelCommand.name(drop)
        switch drop.stage {
        case .archived: break
        case .rejected:
            throw ControlError(
                code: "control.rejected",
                message: "\(label) was rejected (\(drop.reason ?? "see its manifest")): no row was sent, so none can "
                    + "be retried; fix the file and drop it again")
        default:
            throw ControlError(
                code: "control.not_finished",
                message: "\(label) is not finished (stage \(drop.stage.rawValue)): retry it once it has its manifest")
        }
        if drop.origin == .process {
            throw ControlError(
                code: "control.process_drop",
                message: "\(label) was processed by `sluice process`: run it again with --reprocess instead")
        }
        if drop.sameAs != nil {
            throw ControlError(
                code: "control.reused_results",
                message: "\(label) reused the results of drop \(drop.sameAs!) (same content): retry that file instead")
        }
        if drop.sourcePath.isEmpty || drop.resultsDir == nil || !FileManager.default.fileExists(atPath: drop.sourcePath)
        {
            throw ControlError(
                code: "control.archive_gone",
                message: "\(label): its archived source and results were removed after the retention period; "
                    + "drop the file again to process it anew")
        }
        return drop
    }
}
