import ArgumentParser

/// How `sluice process` shows its progress (`--progress`).
enum ProgressMode: String, CaseIterable, ExpressibleByArgument {
    /// A bar on a terminal, plain lines otherwise.
    case auto
    /// One line redrawn in place, even when stderr is not a terminal.
    case bar
    /// A line per phase and one every 10 s while staging or waiting; no control characters.
    case plain
    /// Nothing but the result line.
    case none
}
