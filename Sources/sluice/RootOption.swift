import ArgumentParser
import Foundation
import SluiceCore

/// `--root DIR`: the folder holding pipelines/, inbox/ and outbox/ (or a sluice.yaml saying where they are).
struct RootOption: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Folder holding pipelines/, inbox/ and outbox/, or a sluice.yaml naming other folders.", valueName: "dir"))
    var root: String = "."

    /// The root's settings: its sluice.yaml, or the defaults without one. Every command reads it, so that
    /// `status` or `approve` look at the folders the daemon uses; a broken file fails the command.
    func settings() throws(SpecError) -> SluiceSettings { try SettingsFile.load(root: root) }

    /// The root's folders, as `settings()` resolves them.
    var paths: SluicePaths {
        get throws(SpecError) { try settings().paths }
    }

    /// The state database of a root something has run under; a root without one is a usage mistake (a wrong
    /// `--root`), said plainly, exit 1. For the commands that act on recorded files (approve, cancel, retry).
    func existingStore() throws -> StateStore {
        let paths = try self.paths
        guard FileManager.default.fileExists(atPath: paths.database) else {
            printError("no state in \(paths.state): nothing has been processed under this root (is --root right?)")
            throw ExitCode(1)
        }
        return try StateStore(path: paths.database)
    }
}
