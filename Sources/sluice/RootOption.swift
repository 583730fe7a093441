import ArgumentParser
import SluiceCore

/// `--root DIR`: the folder holding pipelines/, inbox/ and outbox/.
struct RootOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Folder holding pipelines/, inbox/ and outbox/.", valueName: "dir"))
    var root: String = "."

    var paths: SluicePaths { SluicePaths(root: root) }
}
