import ArgumentParser
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
}
