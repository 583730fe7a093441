import Foundation
import Logging
import SluiceCore
import SluiceJSON
import SluiceTesting
import Testing

/// The daemon in-process against the local provider: recovery of interrupted claims, paused pipelines,
/// sentinels and archive retention. (Intake timing, SIGTERM and SIGKILL are tested on the real binary in
/// Tests/Conformance.)
@Suite struct DaemonTests {
    static let spec = ProcessDropTests.spec

    /// Runs `sluice run --once` in-process.
    static func runOnce(_ root: SluiceRoot, emulator: LocalEmulator, retention: Duration = .seconds(86_400)) async throws
        -> DaemonOutcome
    {
        var settings = DaemonSettings()
        settings.once = true
        settings.settle = .zero
        settings.retention = retention
        let provider = emulator.provider
        let daemon = Daemon(paths: root.paths, settings: settings, logger: Logger(label: "test.daemon")) { _ in provider }
        try await daemon.run()
        return daemon.outcome
    }

    static func csv(rows: Int, first: Int = 1) -> String {
        "ticket_id,subject,body\n" + (first..<(first + rows)).map { "T\($0),subject \($0),body \($0)\n" }.joined()
    }

    @Test func aClaimInterruptedBeforeItsRowIsRecoveredAndFinished() async throws {
        try await withTemporaryDirectory { dir in
            let root = SluiceRoot(path: dir)
            try root.addPipeline("tickets", yaml: Self.spec)
            // A crash right after the rename out of the inbox leaves this, with no drop row.
            try SluicePaths.ensureDirectory(root.paths.claimed("tickets"))
            try writeFile(root.paths.claimed("tickets") + "/0123456789ab--orphan.csv", Self.csv(rows: 25))
            try await withLocalEmulator(stateDirectory: root.paths.emulatorState) { emulator in
                let outcome = try await Self.runOnce(root, emulator: emulator)
                #expect(outcome.failed == 0)
            }
            let manifest = try JSONParser.parse(
                String(contentsOfFile: root.paths.outbox("tickets") + "/orphan.manifest.json", encoding: .utf8))
            #expect(manifest["status"] == "complete")
            #expect(manifest["counts"]?["rows_in"] == 25)
            #expect(try FileManager.default.contentsOfDirectory(atPath: root.paths.claimed("tickets")).isEmpty)
        }
    }

    @Test func aBrokenSpecPausesOnlyItsPipeline() async throws {
        try await withTemporaryDirectory { dir in
            let root = SluiceRoot(path: dir)
            try root.addPipeline("good", yaml: Self.spec)
            try writeFile(root.paths.spec("bad"), Self.spec.replacingOccurrences(of: "model:", with: "modle:"))
            for name in ["good", "bad"] {
                try SluicePaths.ensureDirectory(root.paths.inbox(name))
                try writeFile(root.paths.inbox(name) + "/f.csv", Self.csv(rows: 10))
            }
            let outcome = try await withLocalEmulator(stateDirectory: root.paths.emulatorState) { emulator in
                try await Self.runOnce(root, emulator: emulator)
            }
            #expect(outcome.pausedPipelines == ["bad"])
            #expect(FileManager.default.fileExists(atPath: root.paths.outbox("good") + "/f.manifest.json"))
            #expect(FileManager.default.fileExists(atPath: root.paths.inbox("bad") + "/f.csv"), "left where it was")
            #expect(!FileManager.default.fileExists(atPath: root.paths.outbox("bad")))
        }
    }

    @Test func withASentinelOnlyMarkedFilesAreClaimed() async throws {
        try await withTemporaryDirectory { dir in
            let root = SluiceRoot(path: dir)
            try root.addPipeline("tickets", yaml: Self.spec + "\nintake: {sentinel: true}\n")
            let inbox = root.paths.inbox("tickets")
            try SluicePaths.ensureDirectory(inbox)
            try writeFile(inbox + "/marked.csv", Self.csv(rows: 5))
            try writeFile(inbox + "/marked.csv.done", "")
            try writeFile(inbox + "/unmarked.csv", Self.csv(rows: 5, first: 100))
            _ = try await withLocalEmulator(stateDirectory: root.paths.emulatorState) { emulator in
                try await Self.runOnce(root, emulator: emulator)
            }
            #expect(FileManager.default.fileExists(atPath: root.paths.outbox("tickets") + "/marked.manifest.json"))
            #expect(!FileManager.default.fileExists(atPath: root.paths.outbox("tickets") + "/unmarked.manifest.json"))
            #expect(try FileManager.default.contentsOfDirectory(atPath: inbox) == ["unmarked.csv"], "sentinel removed")
        }
    }

    @Test func archivesAreRemovedAfterRetention() async throws {
        try await withTemporaryDirectory { dir in
            let root = SluiceRoot(path: dir)
            try root.addPipeline("tickets", yaml: Self.spec)
            try SluicePaths.ensureDirectory(root.paths.inbox("tickets"))
            try writeFile(root.paths.inbox("tickets") + "/old.csv", Self.csv(rows: 5))
            try await withLocalEmulator(stateDirectory: root.paths.emulatorState) { emulator in
                _ = try await Self.runOnce(root, emulator: emulator)
                let archive = root.paths.archive("tickets", drop: 1)
                #expect(FileManager.default.fileExists(atPath: archive + "/old.csv"), "source archived")
                #expect(FileManager.default.fileExists(atPath: archive + "/outcomes-1.jsonl"), "results kept")
                // The next start with a zero retention removes it.
                _ = try await Self.runOnce(root, emulator: emulator, retention: .zero)
                #expect(!FileManager.default.fileExists(atPath: archive))
                let drop = try await StateStore(path: root.paths.database).drop(id: 1)
                #expect(drop?.resultsDir == nil && drop?.sourcePath == "")
            }
        }
    }

    @Test func aSpecFixedWhileRunningIsPickedUp() async throws {
        try await withTemporaryDirectory { dir in
            let root = SluiceRoot(path: dir)
            try writeFile(root.paths.spec("tickets"), Self.spec.replacingOccurrences(of: "prompt:", with: "promt:"))
            try SluicePaths.ensureDirectory(root.paths.inbox("tickets"))
            try writeFile(root.paths.inbox("tickets") + "/waiting.csv", Self.csv(rows: 7))
            try await withLocalEmulator(stateDirectory: root.paths.emulatorState) { emulator in
                var settings = DaemonSettings()
                settings.settle = .zero
                settings.rescan = .milliseconds(100)
                let provider = emulator.provider
                let daemon = Daemon(paths: root.paths, settings: settings, logger: Logger(label: "test.daemon")) { _ in
                    provider
                }
                let running = Task { try await daemon.run() }
                defer { running.cancel() }
                let manifest = root.paths.outbox("tickets") + "/waiting.manifest.json"
                try await Task.sleep(for: .milliseconds(500))
                #expect(!FileManager.default.fileExists(atPath: manifest), "paused while its spec is broken")
                #expect(FileManager.default.fileExists(atPath: root.paths.inbox("tickets") + "/waiting.csv"))
                try writeFile(root.paths.spec("tickets"), Self.spec)
                for _ in 0..<300 where !FileManager.default.fileExists(atPath: manifest) {
                    try await Task.sleep(for: .milliseconds(100))
                }
                #expect(FileManager.default.fileExists(atPath: manifest), "resumed once the spec was fixed")
                running.cancel()
                try await running.value
            }
        }
    }
}
