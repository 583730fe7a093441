import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// `sluice run`: watches every pipeline's inbox, claims complete files, and drives each to its manifest.
///
/// Work survives anything: at start, claimed files without a drop row are recorded and every unfinished
/// drop resumes from its recorded stage. inotify makes new files noticed at once where it works; the
/// periodic rescan finds them anyway (network shares send no events). On graceful shutdown (SIGTERM,
/// SIGINT) intake stops and running drops stop at their next safe point, all state recorded.
public final class Daemon: Service, Sendable {
    public typealias ProviderMaker = @Sendable (PipelineSpec) async throws -> any BatchProvider

    let paths: SluicePaths
    let settings: DaemonSettings
    let logger: Logger
    let makeProvider: ProviderMaker
    let gauges: StateGauges
    private let result = Mutex(DaemonOutcome())

    /// How often `--once` looks whether it is done, and the loop looks at collections while a pipeline collects.
    static let tick: Duration = .milliseconds(200)
    static let purgeEvery: Duration = .seconds(3600)
    /// How often drops held for approval are looked at: `sluice approve` (another process) is noticed this fast.
    /// One read per held drop, and only while some drop is held.
    static let heldCheck: Duration = .seconds(1)

    /// `gauges` is set at every heartbeat (share it with whatever else refreshes them, e.g. a `/metrics` scrape).
    public init(
        paths: SluicePaths, settings: DaemonSettings, logger: Logger, gauges: StateGauges = StateGauges(),
        makeProvider: @escaping ProviderMaker
    ) {
        self.paths = paths
        self.gauges = gauges
        self.settings = settings
        self.logger = logger
        self.makeProvider = makeProvider
    }

    /// What the run ended with (meaningful after `run()` returns).
    public var outcome: DaemonOutcome { result.withLock { $0 } }

    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await self.serve() }
        } catch is CancellationError {
            logger.notice("stopped; unfinished files resume on the next start")
        }
    }

    private func serve() async throws {
        try SluicePaths.ensureDirectory(paths.state)
        let lock = try DaemonLock(path: paths.state + "/daemon.lock")
        defer { lock.release() }
        let store = try StateStore(path: paths.database)
        let intake = DropIntake(store: store, paths: paths)
        let bell = Doorbell()
        let book = JobBook(bell: bell)
        let files = AsyncSemaphore(settings.maxFiles)
        let limits = TransferLimits(uploads: settings.maxUploads, downloads: settings.maxDownloads)
        var registry = PipelineRegistry(paths: paths)
        registry.refresh(logger: logger)
        let events = EventQueue(bell: bell)
        let sealer = CollectionSealer(store: store, logger: logger)
        let watcher = makeWatcher()
        defer { watcher?.stop() }

        var inboxes: [String: InboxWatch] = [:]
        updateInboxes(&inboxes, registry: registry, watcher: watcher)
        _ = try await intake.recoverClaims(specs: registry.active, logger: logger)
        // --once drains what is there now: remember it, and stop when all of it has its manifest.
        var waitingFor: [String: Set<String>]? =
            settings.once ? inboxes.mapValues { Set($0.listing()) }.filter { !$0.value.isEmpty } : nil
        if settings.once {
            let paused = registry.paused.filter {
                !(InboxWatch(pipeline: $0, directory: paths.inbox($0), settle: .zero, sentinel: false).listing().isEmpty)
            }
            result.withLock { $0.pausedPipelines = paused }
        }

        try await withThrowingDiscardingTaskGroup { group in
            if let watcher {
                group.addTask {
                    for await event in watcher.events { await events.add(event) }
                }
            }
            var toStart: [Int64] = []
            for drop in try await store.unfinishedDrops() where drop.origin != .process {
                if try await admit(drop, store: store, book: book) { toStart.append(drop.id!) }
            }
            logger.info(
                "watching", metadata: ["pipelines": "\(registry.active.keys.sorted().joined(separator: ","))",
                    "inotify": "\(watcher != nil)", "rescan": "\(settings.rescan)"])

            let clock = ContinuousClock()
            var timers = IntakeTimers(now: clock.now, heartbeat: settings.heartbeat)
            var heldDay = SpendDay.of(Date())
            var seenChanges: StateChangeToken?
            while true {
                let now = clock.now
                var toScan: Set<String> = []
                if now >= timers.rescan {
                    if !registry.refresh(logger: logger).isEmpty {
                        updateInboxes(&inboxes, registry: registry, watcher: watcher)
                    }
                    toScan = Set(inboxes.keys)
                    timers.rescan = now + settings.rescan
                }
                for event in await events.drain() {
                    switch event.kind {
                    case .overflow, .directoryGone:
                        toScan = Set(inboxes.keys)
                        timers.rescan = now  // re-adds lost watches
                    case .movedIn:
                        inboxes[event.key]?.tracker.arrivedByRename(event.name)
                        toScan.insert(event.key)
                    case .closedAfterWrite, .created:
                        toScan.insert(event.key)
                    }
                }
                for (name, inbox) in inboxes {
                    if let deadline = inbox.tracker.nextDeadline(), deadline <= now { toScan.insert(name) }
                }
                let wallNow = Date()
                for name in toScan.sorted() {
                    for file in inboxes[name]?.scan(now: now, wallNow: wallNow) ?? [] {
                        logger.event(.received, ["pipeline": "\(name)", "file": "\(file)"])
                    }
                }
                for name in inboxes.keys.sorted() {
                    guard let entry = registry.active[name], var inbox = inboxes[name] else { continue }
                    for file in inbox.ready(now: now) {
                        do {
                            guard let id = try await intake.claim(name: file, spec: entry.spec, specText: entry.text)
                            else { continue }
                            inbox.clearSentinels(after: file)
                            logger.event(.claimed, ["pipeline": "\(name)", "file": "\(file)", "drop": "\(id)"])
                            if let drop = try await store.drop(id: id), try await admit(drop, store: store, book: book) {
                                toStart.append(id)
                            }
                        } catch {
                            logger.error(
                                "cannot claim a file", metadata: ["pipeline": "\(name)", "file": "\(file)", "error": "\(error)"])
                        }
                    }
                    inboxes[name] = inbox
                }
                for id in await book.deferred.sorted() {
                    if let drop = try await store.drop(id: id), try await admit(drop, store: store, book: book) {
                        toStart.append(id)
                    }
                }
                if !settings.once { toStart += await book.due(at: now) }
                for name in toScan.sorted() {
                    guard registry.active[name] != nil, let inbox = inboxes[name] else { continue }
                    do {
                        toStart += try await ApprovalFiles(pipeline: name, directory: inbox.directory).apply(
                            store: store, waiting: { Set(inbox.listing()) }, logger: logger)
                    } catch {
                        logger.error(
                            "cannot apply approval files", metadata: ["pipeline": "\(name)", "error": "\(error)"])
                    }
                }
                let collects = registry.active.values.contains { $0.spec.batch.collect != nil }
                if now >= timers.changeCheck {
                    // Nothing committed since the last look (by a CLI command or by the daemon's own jobs): nothing
                    // to find, so an idle daemon reads two counters instead of its tables.
                    let changes = try await store.changeToken()
                    let changed = changes != seenChanges
                    seenChanges = changes
                    toStart += try await heldToResume(store: store, book: book, day: &heldDay, changed: changed)
                    // `sluice cancel` / `sluice retry` of a drop whose job is not running (held, collecting, archived).
                    if changed { toStart += try await store.controlledDrops() }
                    timers.changeCheck = now + (collects ? Self.tick : Self.heldCheck)
                }
                if collects {
                    do {
                        // With --once, a collection goes as soon as nothing else is running: no more can join it.
                        let busy = await book.isBusy
                        let idle = settings.once && toStart.isEmpty && !busy
                        toStart += try await sealer.seal(
                            specs: registry.active.mapValues(\.spec), idle: idle, now: Date())
                    } catch {
                        logger.error("cannot seal collections", metadata: ["error": "\(error)"])
                    }
                }
                for id in toStart where await book.start(id) {
                    group.addTask { await self.runJob(id, store: store, files: files, limits: limits, book: book) }
                }
                toStart.removeAll()
                if now >= timers.heartbeat {
                    await heartbeat(store: store, book: book)
                    timers.heartbeat = now + settings.heartbeat
                }
                if now >= timers.purge {
                    await purgeArchives(store: store)
                    timers.purge = now + Self.purgeEvery
                }
                if var waiting = waitingFor {
                    for (name, files) in try await chainedArrivals(inboxes, store: store) {
                        waiting[name, default: []].formUnion(files)
                    }
                    for (name, files) in waiting {
                        let present = Set(inboxes[name]?.listing() ?? [])
                        waiting[name] = files.intersection(present)
                        if inboxes[name] == nil || registry.active[name]?.spec.intake.sentinel == true {
                            // A paused pipeline, or files waiting for a sentinel: nothing this run can finish.
                            waiting[name] = []
                        }
                    }
                    waitingFor = waiting.filter { !$0.value.isEmpty }
                    if waitingFor!.isEmpty, await book.idle, try await store.uncollectedCount() == 0 {
                        let failed = await book.failures
                        let finished = await book.finished
                        let held = await book.parked.count
                        result.withLock {
                            $0.failed = failed
                            $0.finished = finished
                            $0.held = held
                        }
                        logger.info(
                            "inbox drained",
                            metadata: ["files": "\(finished)", "failed": "\(failed)", "held": "\(held)"])
                        group.cancelAll()
                        return
                    }
                }
                let settling = inboxes.values.compactMap { $0.tracker.nextDeadline() }.min()
                let retry = settings.once ? nil : await book.nextRetry
                await bell.wait(
                    until: timers.nextWake(
                        now: clock.now, deadlines: [settling, retry], tick: settings.once ? Self.tick : nil))
                try Task.checkCancellation()
            }
        }
    }

    /// True when a drop may start now; false (and held back) while an earlier drop of the same content
    /// is in flight, whose results it will reuse. A twin held for approval may never go: the copy goes its own
    /// way (and meets the same budget).
    private func admit(_ drop: DropRecord, store: StateStore, book: JobBook) async throws -> Bool {
        if drop.stage == .claimed, drop.origin != .collection, let twin = try await store.twin(of: drop),
            twin.stage != .archived, twin.stage != .awaitingApproval, twin.origin == .inbox
        {
            await book.hold(drop.id!)
            return false
        }
        return true
    }

    private func runJob(_ id: Int64, store: StateStore, files: AsyncSemaphore, limits: TransferLimits, book: JobBook)
        async
    {
        var log = logger
        log[metadataKey: "drop"] = "\(id)"
        do {
            guard let drop = try await store.drop(id: id) else { return }
            log[metadataKey: "pipeline"] = "\(drop.pipeline)"
            log[metadataKey: "file"] = "\(drop.sourceName)"
            let fileLog = log
            let held = try await files.run {
                let spec = try self.spec(of: drop)
                let provider = MeasuredProvider(try await self.makeProvider(spec))
                let environment = DropEnvironment(
                    provider: provider, store: store, paths: self.paths, limits: limits, logger: fileLog)
                let report = try await DropJob(dropID: id, spec: spec, environment: environment, reuse: .finished).run()
                if report.held {
                    fileLog.info("file held for approval; `sluice status` says why")
                    return true
                }
                let d = report.drop
                if d.origin == .collection {
                    // Its files go on with their own jobs.
                    for member in try await store.collectionMembers(id) where !member.isDone { await book.hold(member.id!) }
                    fileLog.info("collection done", metadata: ["batches": "\(report.batches)"])
                    return false
                }
                if d.stage == .collecting {
                    fileLog.info("waiting in its pipeline's collection for a shared batch")
                    return false
                }
                fileLog.info(
                    report.rejected ? "file rejected" : "file done",
                    metadata: [
                        "rows": "\(d.rowsIn ?? 0)", "succeeded": "\(d.succeeded ?? 0)", "failed": "\(d.failed ?? 0)",
                        "manifest": "\(report.manifestPath)",
                    ])
                return false
            }
            if held {
                await book.park(id)
            } else {
                await book.end(id, failedUntil: nil)
            }
        } catch is CancellationError {
            await book.end(id, failedUntil: nil)
        } catch {
            if Task.isCancelled {
                await book.end(id, failedUntil: nil)
                return
            }
            log.error("processing failed; the file is kept and tried again", metadata: ["error": "\(error)"])
            await book.end(id, failedUntil: ContinuousClock.now + settings.jobRetry)
        }
    }

    /// The spec a drop started with (stored with it), so a spec edited meanwhile does not change its outputs.
    private func spec(of drop: DropRecord) throws -> PipelineSpec {
        if let text = drop.specText {
            return try SpecLoader.parse(
                yaml: text, name: drop.pipeline, file: "(spec stored with drop \(drop.id!))", sha256: drop.specSHA256)
        }
        return try SpecLoader.load(path: paths.spec(drop.pipeline))
    }
}
