import ArgumentParser
import Foundation
import SluiceCore

/// `sluice cancel FILE|BATCH`: stops a file, or one provider batch of it, keeping what was answered.
struct CancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Stop a file (or one provider batch of it); answered rows are kept.",
        discussion: """
            The cancel is recorded in the state database, safely while `sluice run` works: the daemon acts on it \
            within a second or two (or when it next starts; a file of `sluice process` when that command runs \
            again). Its batches are cancelled at the provider and their results collected as usual: answered rows \
            go to the enriched file, unanswered ones to the failures file with code batch.cancelled (category \
            permanent), and they are not retried. Chunks not yet sent are not sent: their rows fail the same way. \
            A file not sent yet (waiting, held for approval, collecting) goes straight to its manifest with every \
            row cancelled. The manifest says what was cancelled under `cancelled`.

            TARGET is a file's name as dropped (tickets.csv; a path counts by its file name), its drop id from \
            `sluice status`, or a provider batch id (batch_..., msgbatch_...): only that batch is cancelled and the \
            file's other batches go on.

            Exit status: 0 cancel recorded (or recorded before), 1 nothing to cancel (no such file or batch, it \
            has finished, or the name fits several files: give the drop id or --pipeline), 2 usage error.
            """
    )

    @Argument(
        help: ArgumentHelp(
            "A file's name, its drop id, or a provider batch id (batch_..., msgbatch_...).", valueName: "target"))
    var target: String
    @Option(help: ArgumentHelp("Only look at pipeline NAME (files of one name in several).", valueName: "name"))
    var pipeline: String?
    @OptionGroup var root: RootOption

    func run() async throws {
        let store = try root.existingStore()
        do {
            if Self.looksLikeBatch(target) {
                let (drop, outcome) = try await store.requestCancel(providerBatchID: target, now: Date())
                report(outcome, what: "batch \(target) of \(Self.name(drop))", drop: drop)
                return
            }
            let drop = try await chosenDrop(store: store)
            let outcome = try await store.requestCancel(dropID: drop.id!, now: Date())
            report(outcome, what: Self.name(drop), drop: drop)
        } catch let error as ControlError {
            printError(error.message)
            throw ExitCode(1)
        }
    }

    private func report(_ outcome: CancelOutcome, what: String, drop: DropRecord) {
        let next =
            drop.origin == .process
            ? "run `sluice process \(drop.sourcePath) --pipeline \(drop.pipeline)` again to finish it"
            : "`sluice run` acts on it within a second or two (or when it next starts)"
        switch outcome {
        case .recorded(let stage):
            print("cancel recorded for \(what) (stage \(stage.rawValue)); \(next)")
        case .alreadyRequested:
            print("\(what) was cancelled before; \(next)")
        }
    }

    /// The one unfinished drop TARGET names; a finished one, or none, or several, is an error.
    private func chosenDrop(store: StateStore) async throws -> DropRecord {
        let name = URL(fileURLWithPath: target).lastPathComponent
        var named = try await store.drops(named: name, pipeline: pipeline)
        if named.isEmpty, let id = Int64(target), let drop = try await store.drop(id: id),
            pipeline == nil || drop.pipeline == pipeline
        {
            named = [drop]
        }
        let unfinished = named.filter { !$0.isDone }
        if unfinished.count > 1 {
            var text = "\(unfinished.count) unfinished files named \(name): cancel one by its drop id"
            for drop in unfinished {
                text += "\n  drop \(drop.id!)  pipeline \(drop.pipeline)  stage \(drop.stage.rawValue)"
            }
            throw ControlError(code: "control.ambiguous", message: text)
        }
        if let drop = unfinished.first { return drop }
        if let done = named.first {
            let manifest = done.manifestPath.map { "; its manifest is \($0)" } ?? ""
            throw ControlError(
                code: "control.finished",
                message: "\(Self.name(done)) is finished (stage \(done.stage.rawValue))\(manifest): nothing to cancel "
                    + "(`sluice retry` sends its failed rows again)")
        }
        let scope = pipeline.map { " in pipeline \($0)" } ?? ""
        throw ControlError(
            code: "control.no_such_file", message: "no file named \(target)\(scope) (see `sluice status`)")
    }

    static func looksLikeBatch(_ text: String) -> Bool { text.hasPrefix("batch_") || text.hasPrefix("msgbatch_") }

    static func name(_ drop: DropRecord) -> String {
        "\(drop.sourceName) (drop \(drop.id!), pipeline \(drop.pipeline))"
    }
}
