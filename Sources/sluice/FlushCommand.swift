import ArgumentParser
import Foundation
import SluiceCore

/// `sluice flush [PIPELINE]`: submit what a pipeline's collection holds now instead of waiting.
struct FlushCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flush",
        abstract: "Submit the files waiting in a pipeline's collection (batch.collect) now.",
        discussion: """
            Files of a pipeline with `batch.collect` wait to share a batch until they hold min_requests requests \
            or the first has waited the window. flush asks the running daemon, through the state database, to \
            submit them at once (within its next tick, 200 ms); without a daemon running they go when one starts. \
            Without PIPELINE, every pipeline's collection is flushed.
            """
    )

    @Argument(help: ArgumentHelp("The pipeline whose collection to submit (default: all).", valueName: "pipeline"))
    var pipeline: String?
    @OptionGroup var root: RootOption

    func run() async throws {
        let paths = try root.paths
        guard FileManager.default.fileExists(atPath: paths.database) else {
            print("nothing collected (no state yet in \(paths.state))")
            return
        }
        let waiting = try await StateStore(path: paths.database).requestFlush(pipeline: pipeline)
        let scope = pipeline.map { "pipeline \($0)" } ?? "every pipeline"
        print(
            waiting == 0
                ? "nothing collected in \(scope)"
                : "flush requested: \(waiting) file\(waiting == 1 ? "" : "s") waiting in \(scope) will be submitted "
                    + "by the daemon")
    }
}
