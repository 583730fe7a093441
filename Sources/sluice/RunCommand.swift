import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import SluiceCore
import SluiceEmulator
import SluiceOps
import SluiceProviders
import UnixSignals

/// `sluice run`: the daemon.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Watch every inbox and process files as they arrive (the daemon).",
        discussion: """
            Serves every pipelines/NAME.yaml: files dropped into inbox/NAME/ are claimed once complete (arrived by \
            rename, or size and mtime unchanged for --settle seconds), moved into .sluice/, processed, and their \
            outputs written to outbox/NAME/ with the manifest last. The source is then archived under \
            .sluice/archive/NAME/. Ignored: dot-files, *.tmp, *.part, *.partial, *.crdownload.

            Crash-safe: every step is recorded in .sluice/state.sqlite; a restart resumes every unfinished file \
            where it stopped, and batches already at the provider are polled again, never created twice. \
            SIGTERM or SIGINT stops intake and leaves everything recorded within seconds; exit status 0.

            Budgets: a file whose estimate is over budget.max_usd, or would take the pipeline's spending today \
            over budget.daily_usd, is held before anything is sent (stage awaiting-approval in `sluice status`). \
            `sluice approve FILE` or a file FILE.approve dropped into its inbox lets it go (noticed within a \
            second); a daily hold also goes on by itself on a UTC day whose budget it fits.

            Logs go to stderr, one line per event: text, or with --log-format json one JSON object per line (ts, \
            level, msg, then the metadata). Every file's life is logged as events (event=received, claimed, staged, \
            submitted, completed, written, archived; rejected, held, chained where they happen) with pipeline, file, \
            drop and batch, and a heartbeat line (backlog and work in flight) every minute (sluice.yaml: heartbeat).

            Metrics: the daemon serves GET /metrics (Prometheus text) on 127.0.0.1:9464 unless sluice.yaml \
            (metrics:) or --metrics-address says otherwise, and /healthz and /status (the JSON of `sluice status --json`). Loopback only unless metrics.token_env \
            names a variable holding a bearer token, which every endpoint but /healthz then requires.

            Webhooks: a pipeline with notify: gets a signed POST for each manifest, hold and failure-rate alert; \
            deliveries are recorded in the state database and retried with backoff across restarts \
            (sluice.yaml: webhooks: {initial_backoff, max_backoff, give_up_after}). --once delivers before it exits \
            (for up to 30 s of backoff; what is left stays pending for the next run).

            Settings: flags override sluice.yaml at the root (optional; see deploy/sluice.yaml.example), which \
            can also move the folders. A bad sluice.yaml stops the daemon with FILE:LINE: KEY: reason, exit 1.

            --once drains the files in the inbox now, waits for their manifests, and exits: 0 when all of them \
            were processed (complete or rejected), 1 when a file could not be processed or a pipeline with \
            waiting files has a broken spec, 3 when every other file finished but some are held for approval.
            """
    )

    @OptionGroup var root: RootOption
    @Flag(help: "Drain the inbox as it is now, wait for every manifest, then exit.") var once = false
    @Option(
        help: ArgumentHelp(
            "Seconds a file's size and mtime must stay unchanged before it is claimed (5; sluice.yaml: settle).",
            valueName: "seconds"))
    var settle: Double?
    @Option(
        help: ArgumentHelp(
            "Seconds between full inbox listings, also with inotify (10; sluice.yaml: rescan).", valueName: "seconds"))
    var rescan: Double?
    @Flag(
        inversion: .prefixedNo,
        help: ArgumentHelp(
            "Watch inboxes with inotify; --no-inotify finds files by rescanning only, e.g. on NFS/SMB "
                + "(sluice.yaml: inotify)."))
    var inotify: Bool?
    @Option(help: ArgumentHelp("Files processed at once (4; sluice.yaml: max_files).", valueName: "n"))
    var maxFiles: Int?
    @Option(help: ArgumentHelp("Uploads at once, across files (2; sluice.yaml: max_uploads).", valueName: "n"))
    var maxUploads: Int?
    @Option(help: ArgumentHelp("Downloads at once, across files (2; sluice.yaml: max_downloads).", valueName: "n"))
    var maxDownloads: Int?
    @Option(
        help: ArgumentHelp(
            "Days archived sources and results are kept (30; sluice.yaml: retention).", valueName: "days"))
    var retentionDays: Int?
    @Option(
        help: ArgumentHelp(
            "trace, debug, info, notice, warning or error (info; sluice.yaml: log_level).", valueName: "level"))
    var logLevel: String?
    @Option(help: ArgumentHelp("text or json (text; sluice.yaml: log_format).", valueName: "format"))
    var logFormat: String?
    @Option(
        help: ArgumentHelp(
            "Serve /metrics, /healthz and /status on HOST:PORT ([IPV6]:PORT), or off (sluice.yaml: metrics.address; "
                + "no endpoint without either).", valueName: "address"))
    var metricsAddress: String?

    func validate() throws {
        if let settle, settle < 0 { throw ValidationError("--settle must be ≥ 0") }
        if let rescan, rescan <= 0 { throw ValidationError("--rescan must be > 0") }
        for limit in [maxFiles, maxUploads, maxDownloads].compactMap(\.self) where limit <= 0 {
            throw ValidationError("limits must be positive")
        }
        if let retentionDays, retentionDays < 0 { throw ValidationError("--retention-days must be ≥ 0") }
        if let logLevel, Logger.Level(rawValue: logLevel) == nil {
            throw ValidationError("unknown --log-level '\(logLevel)'")
        }
        if let logFormat, LogFormat(rawValue: logFormat) == nil {
            throw ValidationError("unknown --log-format '\(logFormat)' (text or json)")
        }
        if let metricsAddress, metricsAddress != "off", MetricsSettings.parseAddress(metricsAddress) == nil {
            throw ValidationError("--metrics-address '\(metricsAddress)' is not HOST:PORT, [IPV6]:PORT or off")
        }
    }

    /// The flags given, to put over sluice.yaml's values.
    var overrides: DaemonOverrides {
        var overrides = DaemonOverrides()
        overrides.settle = settle.map { .milliseconds(Int64($0 * 1000)) }
        overrides.rescan = rescan.map { .milliseconds(Int64($0 * 1000)) }
        overrides.inotify = inotify
        overrides.maxFiles = maxFiles
        overrides.maxUploads = maxUploads
        overrides.maxDownloads = maxDownloads
        overrides.retention = retentionDays.map { .seconds(Int64($0) * 86_400) }
        overrides.logLevel = logLevel.flatMap(Logger.Level.init(rawValue:))
        overrides.logFormat = logFormat.flatMap(LogFormat.init(rawValue:))
        if let metricsAddress {
            overrides.metrics = .some(
                MetricsSettings.parseAddress(metricsAddress).map { MetricsSettings(host: $0.host, port: $0.port) })
        }
        return overrides
    }

    func run() async throws {
        let loaded = try root.settings()
        let paths = loaded.paths
        guard FileManager.default.fileExists(atPath: paths.pipelines) else {
            throw UsageFailure(message: "\(paths.pipelines): no such folder (is --root right?)")
        }
        var settings = overrides.applied(to: loaded.daemon)
        settings.once = once
        // Refused before anything starts: an open endpoint off loopback, or a token variable not set.
        let endpoint = try settings.metrics.map { try OpsEndpoint($0, environment: ProcessInfo.processInfo.environment) }
        LogBootstrap.bootstrap(format: settings.logFormat, level: settings.logLevel)
        let logger = Logger(label: "sluice")
        let registry = MetricsBootstrap.prometheus()
        let gauges = StateGauges()

        try SluicePaths.ensureDirectory(paths.emulatorState)
        var emulatorConfiguration = EmulatorConfiguration(stateDirectory: paths.emulatorState)
        emulatorConfiguration.port = 0
        var emulatorLogger = logger
        emulatorLogger.logLevel = .warning
        let emulator = Emulator(configuration: emulatorConfiguration, logger: emulatorLogger)
        let pool = ProviderPool(logger: logger, paths: paths, localPort: { try await emulator.waitUntilListening() })
        let daemon = Daemon(paths: paths, settings: settings, logger: logger, gauges: gauges) {
            try await pool.provider(for: $0)
        }
        let courier = try Webhooks.courier(paths: paths, settings: settings.webhooks, logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: emulator),
            .init(service: courier),
            // The daemon returning (--once) shuts the in-process local provider and the endpoint down gracefully.
            .init(service: daemon, successTerminationBehavior: .gracefullyShutdownGroup),
        ]
        if let endpoint {
            services.append(
                .init(
                    service: OpsServer(
                        endpoint: endpoint, paths: paths, registry: registry, gauges: gauges,
                        version: SluiceVersion.current, logger: logger)))
        }
        let group = ServiceGroup(
            configuration: .init(
                services: services,
                gracefulShutdownSignals: [.sigterm, .sigint],
                cancellationSignals: [],
                logger: logger))
        try await group.run()
        let outcome = daemon.outcome
        if once { try await Webhooks.deliverBeforeExit(courier, dropIDs: nil) }
        if once && (outcome.failed > 0 || !outcome.pausedPipelines.isEmpty) {
            if !outcome.pausedPipelines.isEmpty {
                printError("paused (broken spec) with files waiting: \(outcome.pausedPipelines.joined(separator: ", "))")
            }
            throw ExitCode(1)
        }
        if once && outcome.held > 0 {
            printError("\(outcome.held) file(s) held for approval (over budget): see `sluice status`")
            throw ExitCode(ProcessCommand.heldForApproval)
        }
    }
}

/// One provider per distinct endpoint and key, shared by every drop that uses it.
actor ProviderPool {
    let logger: Logger
    let paths: SluicePaths
    let localPort: @Sendable () async throws -> Int
    private var providers: [String: any BatchProvider] = [:]

    init(logger: Logger, paths: SluicePaths, localPort: @escaping @Sendable () async throws -> Int) {
        self.logger = logger
        self.paths = paths
        self.localPort = localPort
    }

    func provider(for spec: PipelineSpec) async throws -> any BatchProvider {
        let key = "\(spec.provider.rawValue)|\(spec.localProtocol.rawValue)|\(spec.baseURL ?? "")|"
            + "\(spec.effectiveAPIKeyEnv ?? "")|\(spec.quirks)|\(spec.realtime)"
        if let existing = providers[key] { return existing }
        let made: any BatchProvider
        if spec.provider == .local {
            let port = try await localPort()
            made = try ProviderFactory.local(spec: spec, port: port, paths: paths, logger: logger)
        } else {
            made = try ProviderFactory.make(
                spec: spec, environment: ProcessInfo.processInfo.environment, paths: paths, logger: logger)
        }
        providers[key] = made
        return made
    }
}
