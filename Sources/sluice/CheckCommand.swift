import ArgumentParser
import Foundation
import SluiceCore

/// `sluice check`: validates every spec under pipelines/.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate every pipeline spec: unknown keys, bad schema, unknown provider, template errors.",
        discussion: """
            Also checks the root's sluice.yaml when there is one. Prints each problem as FILE:LINE: KEY.PATH: reason. \
            Exits 0 when all specs (and sluice.yaml) are valid, 1 otherwise.
            """
    )

    @OptionGroup var root: RootOption

    func run() async throws {
        let report = SpecCheck.run(root: root.root)
        for line in report.lines { print(line) }
        if !report.ok { throw ExitCode(1) }
    }
}
