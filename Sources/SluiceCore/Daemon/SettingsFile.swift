import Foundation
import Logging
import SluiceJSON

/// Loads `sluice.yaml`, the optional settings file at a root, with the spec loader's machinery: every problem
/// names file, line and key, and unknown keys are errors (a typo must not silently fall back to a default).
public enum SettingsFile {
    /// The settings of `root`: its `sluice.yaml` when there is one, else the defaults.
    public static func load(root: String) throws(SpecError) -> SluiceSettings {
        let file = SluicePaths(root: root).settingsFile
        guard FileManager.default.fileExists(atPath: file) else { return SluiceSettings(root: root) }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw SpecError(problems: [
                SpecProblem(code: "settings.unreadable", file: file, keyPath: "", message: "cannot read the file")
            ])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw SpecError(problems: [
                SpecProblem(code: "settings.invalid_utf8", file: file, keyPath: "", message: "the file is not UTF-8")
            ])
        }
        return try parse(yaml: text, file: file, root: root)
    }

    /// Parses settings text; `file` names the source in problems, folders resolve against `root`.
    /// An empty document means every default.
    public static func parse(yaml: String, file: String, root: String) throws(SpecError) -> SluiceSettings {
        let document: YAMLDocument
        do {
            document = try YAMLDocument(yaml: yaml)
        } catch {
            throw SpecError(problems: [
                SpecProblem(
                    code: "settings.invalid_yaml", file: file, keyPath: "", line: error.line, message: error.message)
            ])
        }
        var problems: [SpecProblem] = []
        var top = SpecFields(document.root, path: "", document: document, file: file, problems: &problems)
        let folders = self.folders(&top, root: root)
        let daemon = self.daemon(&top)
        problems += top.finish()
        guard problems.isEmpty else { throw SpecError(problems: problems) }
        return SluiceSettings(paths: SluicePaths(root: root, folders: folders), daemon: daemon)
    }

    private static func folders(_ top: inout SpecFields, root: String) -> SluiceFolders {
        var folders = SluiceFolders()
        // Asked for even when absent, so that `folders` is among the keys an unknown-key problem lists.
        var fields = top.nested("folders")
        defer { top.problems += fields.finish() }
        let keys: [(String, WritableKeyPath<SluiceFolders, String>)] = [
            ("pipelines", \.pipelines), ("inbox", \.inbox), ("outbox", \.outbox), ("state", \.state),
        ]
        for (key, keyPath) in keys {
            guard let folder = fields.string(key) else { continue }
            if folder.trimmingCharacters(in: .whitespaces).isEmpty || folder.contains("\0") {
                fields.problem(key, "spec.invalid_value", "a folder must be a non-empty path")
            } else {
                folders[keyPath: keyPath] = folder
            }
        }
        // Results landing in an inbox would be taken for drops; state in a watched folder would be claimed.
        let paths = SluicePaths(root: root, folders: folders)
        var seen: [String: String] = [:]
        for (key, path) in [
            ("pipelines", paths.pipelines), ("inbox", paths.inboxRoot), ("outbox", paths.outboxRoot),
            ("state", paths.state),
        ] {
            if let other = seen[path] {
                // Point at the key the file wrote: a default cannot be the mistake.
                let (named, partner) = fields.object[key] != nil ? (key, other) : (other, key)
                fields.problem(named, "settings.folder_conflict", "'\(path)' is also the \(partner) folder")
            } else {
                seen[path] = key
            }
        }
        return folders
    }

    private static func daemon(_ top: inout SpecFields) -> DaemonSettings {
        var settings = DaemonSettings()
        if let settle = top.duration("settle") { settings.settle = settle }
        if let rescan = top.duration("rescan") {
            if rescan > .zero {
                settings.rescan = rescan
            } else {
                top.problem("rescan", "spec.out_of_range", "must be longer than 0")
            }
        }
        if let inotify = top.bool("inotify") { settings.inotify = inotify }
        if let n = top.int("max_files", range: 1...1_000) { settings.maxFiles = n }
        if let n = top.int("max_uploads", range: 1...1_000) { settings.maxUploads = n }
        if let n = top.int("max_downloads", range: 1...1_000) { settings.maxDownloads = n }
        if let retention = top.duration("retention") { settings.retention = retention }
        if let level = top.oneOf("log_level", Logger.Level.self) { settings.logLevel = level }
        if let format = top.oneOf("log_format", LogFormat.self) { settings.logFormat = format }
        if let heartbeat = top.duration("heartbeat") {
            if heartbeat > .zero {
                settings.heartbeat = heartbeat
            } else {
                top.problem("heartbeat", "spec.out_of_range", "must be longer than 0")
            }
        }
        settings.metrics = metrics(&top)
        settings.webhooks = webhooks(&top)
        return settings
    }

    /// `metrics:` absent: the standard endpoint; `metrics: off` (or false): none; a mapping: its address
    /// (loopback by default) and token.
    private static func metrics(_ top: inout SpecFields) -> MetricsSettings? {
        guard let raw = top.raw("metrics") else { return .standard }
        if raw == .bool(false) || raw == .string("off") {
            return nil
        }
        var fields = top.nested("metrics")
        defer { top.problems += fields.finish() }
        let address = fields.string("address") ?? MetricsSettings.defaultAddress
        let tokenEnv = fields.string("token_env")
        if let tokenEnv, !SpecLoader.isEnvName(tokenEnv) {
            fields.problem("token_env", "spec.invalid_value", "'\(tokenEnv)' is not an environment variable name")
        }
        guard let (host, port) = MetricsSettings.parseAddress(address) else {
            fields.problem(
                "address", "spec.invalid_value", "'\(address)' is not HOST:PORT (e.g. 127.0.0.1:9464 or [::1]:9464)")
            return nil
        }
        return MetricsSettings(host: host, port: port, tokenEnv: tokenEnv)
    }
}
