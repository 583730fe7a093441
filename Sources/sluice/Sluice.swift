import ArgumentParser
import Foundation
import SluiceCore
import SluiceHTTP
import SluiceRecords

/// The `sluice` command: files in, LLM batch jobs out.
@main
struct Sluice: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sluice",
        abstract: "Turn CSV/JSONL files into LLM batch jobs and write enriched, validated results.",
        discussion: """
            A Sluice root holds pipelines/NAME.yaml (one spec per pipeline), inbox/NAME/ (drops) and \
            outbox/NAME/ (results). State lives in .sluice/ beside them.
            """,
        version: SluiceVersion.current,
        subcommands: [
            RunCommand.self, ProcessCommand.self, StatusCommand.self, ApproveCommand.self, CheckCommand.self,
            EstimateCommand.self, SampleCommand.self, CacheCommand.self, FlushCommand.self, CancelCommand.self,
            RetryCommand.self, EmulatorCommand.self,
            BenchCommand.self,
        ]
    )

    /// Parses and runs, mapping usage errors to exit status 2 as the command-line contract says.
    static func main() async {
        MemoryTuning.apply()
        do {
            // curl_global_init is not thread-safe: run it once, before any thread exists.
            try HTTPClient.initializeProcess()
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let failure as SpecError {
            // A broken sluice.yaml: one FILE:LINE: KEY: reason line per problem, as `sluice check` prints them.
            for problem in failure.problems { printError(problem.description) }
            Foundation.exit(1)
        } catch let failure as UsageFailure {
            printError("Error: \(failure.message)")
            Foundation.exit(2)
        } catch {
            if exitCode(for: error) == .validationFailure {
                printError(fullMessage(for: error))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}

/// The version string printed by `--version` and sent as the User-Agent.
enum SluiceVersion {
    static let current = "0.1.0"
}
