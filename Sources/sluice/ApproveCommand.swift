import ArgumentParser
import Foundation
import SluiceCore

/// `sluice approve FILE`: lets a file held for its budget be sent.
struct ApproveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve",
        abstract: "Let a file held for its budget be sent.",
        discussion: """
            A file whose estimated cost is over budget.max_usd, or would take its pipeline's spending today (UTC) \
            over budget.daily_usd, is held before anything of it is sent: stage awaiting-approval in \
            `sluice status`, with the reason and the figures. This command approves it in the state database, \
            safely while `sluice run` works: the daemon sends the file within a second (or at its next start). \
            A file held by `sluice process` is sent when you run that command again.

            FILE is the held file's name as dropped (tickets.csv; a path counts by its file name) or its drop id \
            from `sluice status`. A file claimed but not yet checked is approved in advance. Dropping a file \
            FILE.approve into the same inbox does what this command does. An approved file's spending still \
            counts in the day's totals.

            Exit status: 0 approved (or approved before), 1 nothing to approve (no such file waiting, it is \
            already being sent, or the name fits several held files: give the drop id or --pipeline), \
            2 usage error.
            """
    )

    @Argument(help: ArgumentHelp("The held file's name, or its drop id from `sluice status`.", valueName: "file"))
    var file: String
    @Option(help: ArgumentHelp("Only look at pipeline NAME (files of one name held in several).", valueName: "name"))
    var pipeline: String?
    @OptionGroup var root: RootOption

    func run() async throws {
        let store = try root.existingStore()
        let candidates = try await self.candidates(store: store)
        let held = candidates.filter { $0.stage == .awaitingApproval }
        let early = candidates.filter { $0.stage == .claimed || $0.stage == .staged }
        let choice = held.isEmpty ? early : held
        guard choice.count <= 1 else {
            printError("\(choice.count) files named \(file) are waiting: approve one by its drop id")
            for drop in choice { printError("  drop \(drop.id!)  pipeline \(drop.pipeline)  \(drop.sourcePath)") }
            throw ExitCode(1)
        }
        guard let chosen = choice.first else {
            if let first = candidates.first {
                printError(
                    "\(file) (drop \(first.id!), pipeline \(first.pipeline)) is not waiting for approval: "
                        + "stage \(first.stage.rawValue)"
                )
            } else {
                let scope = pipeline.map { " in pipeline \($0)" } ?? ""
                printError("no unfinished file named \(file)\(scope) (see `sluice status`)")
            }
            throw ExitCode(1)
        }
        let record = try await store.dropSpend(dropID: chosen.id!)
        let outcome = try await store.approve(dropID: chosen.id!, now: Date())
        let name = "\(chosen.sourceName) (drop \(chosen.id!), pipeline \(chosen.pipeline))"
        let next =
            chosen.origin == .process
            ? "run `sluice process \(chosen.sourcePath) --pipeline \(chosen.pipeline)` again to send it"
            : "`sluice run` sends it within a second (or when it next starts)"
        switch outcome {
        case .released:
            var why = record?.estimate ?? "its estimate"
            if let limit = record?.holdLimit, let value = record?.holdLimitUSD {
                why += "; over \(limit.key) \(USD.text(value))"
            }
            print("approved \(name), held for its budget: \(why)")
            print(next)
        case .approvedInAdvance:
            print("approved \(name) in advance (stage \(chosen.stage.rawValue)): it will not be held for its budget")
        case .alreadyApproved:
            print("\(name) was approved before; \(next)")
        case .notHeld(let stage):
            printError("\(name) is not waiting for approval: stage \(stage.rawValue)")
            throw ExitCode(1)
        }
    }

    /// Unfinished drops named `file` (or the drop whose id it is), within `--pipeline`.
    private func candidates(store: StateStore) async throws -> [DropRecord] {
        let name = URL(fileURLWithPath: file).lastPathComponent
        let unfinished = try await store.unfinishedDrops().filter { pipeline == nil || $0.pipeline == pipeline }
        let named = unfinished.filter { $0.sourceName == name }
        if named.isEmpty, let id = Int64(file), let drop = try await store.drop(id: id), !drop.isDone,
            pipeline == nil || drop.pipeline == pipeline
        {
            return [drop]
        }
        return named
    }
}
