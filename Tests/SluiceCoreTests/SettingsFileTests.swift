import Foundation
import Logging
import SluiceTesting
import Testing

@testable import SluiceCore

@Suite struct SettingsFileTests {
    let file = "/srv/sluice/sluice.yaml"

    func parse(_ yaml: String) throws(SpecError) -> SluiceSettings {
        try SettingsFile.parse(yaml: yaml, file: file, root: "/srv/sluice")
    }

    func problems(_ yaml: String) -> [SpecProblem] {
        do {
            _ = try parse(yaml)
            return []
        } catch {
            return error.problems
        }
    }

    @Test func everyKeyIsRead() throws {
        let settings = try parse(
            """
            folders:
              pipelines: specs
              inbox: /mnt/share/drops
              outbox: results
              state: ../state
            settle: 2s
            rescan: 1m
            inotify: false
            max_files: 8
            max_uploads: 3
            max_downloads: 5
            retention: 7d
            log_level: debug
            log_format: json
            heartbeat: 1s
            metrics: {address: "0.0.0.0:9100", token_env: SLUICE_METRICS_TOKEN}
            """)
        #expect(settings.paths.root == "/srv/sluice")
        #expect(settings.paths.pipelines == "/srv/sluice/specs")
        #expect(settings.paths.inbox("tickets") == "/mnt/share/drops/tickets")
        #expect(settings.paths.outbox("tickets") == "/srv/sluice/results/tickets")
        #expect(settings.paths.database == "/srv/state/state.sqlite")
        let daemon = settings.daemon
        #expect(daemon.settle == .seconds(2))
        #expect(daemon.rescan == .seconds(60))
        #expect(daemon.inotify == false)
        #expect(daemon.maxFiles == 8 && daemon.maxUploads == 3 && daemon.maxDownloads == 5)
        #expect(daemon.retention == .seconds(7 * 86_400))
        #expect(daemon.logLevel == .debug)
        #expect(daemon.logFormat == .json)
        #expect(daemon.heartbeat == .seconds(1))
        #expect(daemon.metrics == MetricsSettings(host: "0.0.0.0", port: 9100, tokenEnv: "SLUICE_METRICS_TOKEN"))
    }

    @Test func anEmptyFileMeansTheDefaults() throws {
        for yaml in ["", "# nothing set yet\n", "{}"] {
            let settings = try parse(yaml)
            let defaults = DaemonSettings()
            #expect(settings.paths.inbox("t") == "/srv/sluice/inbox/t")
            #expect(settings.paths.outbox("t") == "/srv/sluice/outbox/t")
            #expect(settings.paths.pipelines == "/srv/sluice/pipelines")
            #expect(settings.paths.state == "/srv/sluice/.sluice")
            #expect(settings.daemon.settle == defaults.settle && settings.daemon.rescan == defaults.rescan)
            #expect(settings.daemon.maxFiles == 4 && settings.daemon.retention == .seconds(30 * 86_400))
            #expect(settings.daemon.logLevel == .info && settings.daemon.logFormat == .text)
            #expect(settings.daemon.metrics == .standard && settings.daemon.metrics?.isDefault == true)
            #expect(settings.daemon.heartbeat == .seconds(60))
        }
    }

    @Test func metricsDefaultsToLoopback() throws {
        #expect(try parse("metrics: {}").daemon.metrics == MetricsSettings(host: "127.0.0.1", port: 9464))
        #expect(try parse("metrics: {address: \"[::1]:9464\"}").daemon.metrics?.host == "::1")
        #expect(try parse("metrics: {}").daemon.metrics?.isDefault == false, "named in the file: a taken port is fatal")
        #expect(try parse("metrics: null").daemon.metrics == .standard)
        #expect(try parse("metrics: off").daemon.metrics == nil)
        #expect(try parse("metrics: false").daemon.metrics == nil)
    }

    @Test func flagsOverrideTheFile() throws {
        let fromFile = try parse("settle: 1m\nmax_files: 9\ninotify: false\nlog_level: error\nmax_uploads: 7\n").daemon
        var flags = DaemonOverrides()
        flags.settle = .seconds(3)
        flags.inotify = true
        flags.logLevel = .debug
        let merged = flags.applied(to: fromFile)
        #expect(merged.settle == .seconds(3))
        #expect(merged.inotify == true)
        #expect(merged.logLevel == .debug)
        // What no flag set keeps the file's value.
        #expect(merged.maxFiles == 9 && merged.maxUploads == 7)
        #expect(merged.rescan == .seconds(10))
    }

    @Test func metricsAndLogFormatFlagsOverrideTheFile() throws {
        let fromFile = try parse("log_format: json\nmetrics: {address: \"0.0.0.0:9100\", token_env: TOKEN}\n").daemon
        var flags = DaemonOverrides()
        flags.logFormat = .text
        flags.metrics = .some(MetricsSettings(host: "127.0.0.1", port: 9200))
        let merged = flags.applied(to: fromFile)
        #expect(merged.logFormat == .text)
        // The address from the flag; the token's variable still from the file.
        #expect(merged.metrics == MetricsSettings(host: "127.0.0.1", port: 9200, tokenEnv: "TOKEN"))
        flags.metrics = .some(nil)
        #expect(flags.applied(to: fromFile).metrics == nil)
        #expect(DaemonOverrides().applied(to: fromFile).metrics?.port == 9100)
    }

    @Test func unknownKeysNameFileLineAndKey() {
        let found = problems("settle: 5s\nmax_file: 3\nmetrics:\n  adress: 127.0.0.1:1\n")
        #expect(found.map(\.code) == ["spec.unknown_key", "spec.unknown_key"])
        let byKey = Dictionary(uniqueKeysWithValues: found.map { ($0.keyPath, $0) })
        #expect(byKey["max_file"]?.line == 2)
        #expect(byKey["metrics.adress"]?.line == 4)
        let expected = "\(file):2: max_file: unknown key 'max_file' (allowed here: folders,"
        #expect(byKey["max_file"]?.description.hasPrefix(expected) == true)
    }

    @Test func badValuesNameFileLineAndKey() {
        let cases: [(yaml: String, key: String, code: String)] = [
            ("settle: soon", "settle", "spec.invalid_duration"),
            ("rescan: 0s", "rescan", "spec.out_of_range"),
            ("heartbeat: 0s", "heartbeat", "spec.out_of_range"),
            ("max_files: 0", "max_files", "spec.out_of_range"),
            ("max_downloads: two", "max_downloads", "spec.invalid_type"),
            ("inotify: maybe", "inotify", "spec.invalid_type"),
            ("retention: -1d", "retention", "spec.invalid_duration"),
            ("log_level: loud", "log_level", "spec.invalid_value"),
            ("log_format: xml", "log_format", "spec.invalid_value"),
            ("metrics: {address: localhost}", "metrics.address", "spec.invalid_value"),
            ("metrics: {address: \"127.0.0.1:70000\"}", "metrics.address", "spec.invalid_value"),
            ("metrics: {token_env: 9TOKEN}", "metrics.token_env", "spec.invalid_value"),
            ("folders: {inbox: \"\"}", "folders.inbox", "spec.invalid_value"),
            ("folders: {outbox: inbox}", "folders.outbox", "settings.folder_conflict"),
            ("folders: {inbox: ./outbox}", "folders.inbox", "settings.folder_conflict"),
            ("folders: inbox", "folders", "spec.invalid_type"),
        ]
        for (yaml, key, code) in cases {
            let found = problems("# line 1\n" + yaml + "\n")
            #expect(found.count == 1, "\(yaml): \(found)")
            #expect(found.first?.code == code, "\(yaml)")
            #expect(found.first?.keyPath == key, "\(yaml)")
            #expect(found.first?.line == 2, "\(yaml)")
        }
    }

    @Test func invalidYAMLHasItsLine() {
        let found = problems("settle: 5s\nmax_files: [1\n")
        #expect(found.map(\.code) == ["settings.invalid_yaml"])
        #expect(found.first?.line != nil)
    }

    @Test func aRootWithoutTheFileUsesTheDefaults() async throws {
        try await withTemporaryDirectory { root in
            let settings = try SettingsFile.load(root: root)
            #expect(settings.paths.inbox("t") == SluicePaths(root: root).inbox("t"))
            #expect(settings.daemon.maxFiles == 4)
            try writeFile(root + "/sluice.yaml", "folders: {inbox: drops}\nmax_files: 2\n")
            let loaded = try SettingsFile.load(root: root)
            #expect(loaded.paths.inbox("t") == SluicePaths(root: root).root + "/drops/t")
            #expect(loaded.daemon.maxFiles == 2)
        }
    }

    @Test func checkReportsTheSettingsFileWithTheSpecs() async throws {
        try await withTemporaryDirectory { root in
            try writeFile(root + "/pipelines/tickets.yaml", validSpec)
            #expect(SpecCheck.run(root: root).ok)
            try writeFile(root + "/sluice.yaml", "max_files: 2\nsetle: 5s\n")
            let report = SpecCheck.run(root: root)
            #expect(!report.ok)
            #expect(report.specs.count == 1)
            let path = SluicePaths(root: root).settingsFile
            #expect(report.lines.first?.hasPrefix("\(path):2: setle: unknown key") == true, "\(report.lines)")
            #expect(report.lines.last == "1 of 1 spec(s) valid, 1 problem(s)")
            // Specs are found in the pipelines folder sluice.yaml names.
            try writeFile(root + "/sluice.yaml", "folders: {pipelines: specs}\n")
            #expect(!SpecCheck.run(root: root).ok)
            try writeFile(root + "/specs/tickets.yaml", validSpec)
            #expect(SpecCheck.run(root: root).ok)
        }
    }

    @Test func addressesSplitIntoHostAndPort() {
        #expect(MetricsSettings.parseAddress("127.0.0.1:9464")! == ("127.0.0.1", 9464))
        #expect(MetricsSettings.parseAddress("metrics.internal:80")! == ("metrics.internal", 80))
        #expect(MetricsSettings.parseAddress("[::]:0")! == ("::", 0))
        for bad in ["9464", ":9464", "::1:9464", "[::1]9464", "host:", "host:-1", "host:http", "[::1]:"] {
            #expect(MetricsSettings.parseAddress(bad) == nil, "\(bad)")
        }
    }
}
