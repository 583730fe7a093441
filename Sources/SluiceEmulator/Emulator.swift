import Hummingbird
import Logging
internal import NIOCore
import ServiceLifecycle
import Synchronization

/// Why the emulator could not start.
public struct EmulatorError: Error, Sendable, CustomStringConvertible {
    /// Stable code, e.g. `emulator.not_listening`.
    public var code: String
    /// Human-readable detail.
    public var message: String

    public var description: String { "\(code): \(message)" }
}

/// The local provider: an HTTP server speaking the OpenAI Files + Batches protocol and the Anthropic Messages
/// + Message Batches protocol on one port, plus the worker that runs batches through a deterministic,
/// schema-driven model. Run it in a `ServiceGroup` (or call `run()`).
public final class Emulator: Service {
    /// The configuration it was created with.
    public let configuration: EmulatorConfiguration
    let logger: Logger
    let store: EmulatorStore
    /// Arrivals and outcomes of realtime calls, behind `realtime` in the stats.
    let realtime = RealtimeLedger()
    private let listening = ListeningState()

    /// An emulator that will keep its state under `configuration.stateDirectory`.
    public init(configuration: EmulatorConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.store = EmulatorStore(stateDirectory: configuration.stateDirectory, logger: logger)
    }

    /// Serves HTTP and runs batches until graceful shutdown (or task cancellation).
    public func run() async throws {
        do {
            try await makeApplication().run()
            listening.fail(EmulatorError(code: "emulator.stopped", message: "the emulator stopped before listening"))
        } catch {
            listening.fail(error)
            throw error
        }
    }

    /// Waits until the server listens and returns the bound port (the real one when configured with port 0).
    public func waitUntilListening() async throws -> Int {
        try await listening.wait()
    }

    /// The Hummingbird application: router, envelope/auth wrapper and the batch worker as a service.
    func makeApplication() -> some ApplicationProtocol {
        let router = Router(context: BasicRequestContext.self)
        let timing = configuration.timing
        let limits = configuration.limits
        FilesRoutes(store: store, limits: limits).add(to: router)
        BatchesRoutes(store: store, timing: timing).add(to: router)
        let faults = configuration.faults
        AdminRoutes(store: store, realtime: realtime, faults: faults).add(to: router)
        let model = DeterministicModel(seed: configuration.seed)
        RealtimeRoutes(model: model, faults: faults, ledger: realtime, queue: ModelQueue(), store: store)
            .add(to: router)
        let fallbackBase = "http://\(configuration.host):\(configuration.port)"
        MessageBatchesRoutes(
            store: store, timing: timing, limits: limits, faults: faults, seed: configuration.seed,
            fallbackBaseURL: fallbackBase
        ).add(to: router)
        MessagesRoutes(store: store, model: model, limits: limits).add(to: router)
        let slots = WorkSlots(count: limits.concurrentBatches)
        let job = BatchJob(
            store: store, model: model, timing: timing, limits: limits, logger: logger, slots: slots, faults: faults)
        let messageBatchJob = MessageBatchJob(
            store: store, model: model, timing: timing, logger: logger, slots: slots, faults: faults)
        let worker = BatchWorker(store: store, job: job, messageBatchJob: messageBatchJob)
        let listening = self.listening
        let store = self.store
        var app = Application(
            responder: EmulatorResponder(
                inner: router.buildResponder(),
                faults: TransportFaults(plan: faults, seed: configuration.seed, store: store)),
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            services: [worker],
            onServerRunning: { channel in
                listening.succeed(channel.localAddress?.port ?? -1)
            },
            logger: logger)
        app.beforeServerStarts { try await store.load() }
        return app
    }
}

/// The bound port once known, and the callers waiting for it.
final class ListeningState: Sendable {
    /// Invariant: `result` is set at most once; waiters are resumed exactly once, when it is set.
    private let state = Mutex<(result: Result<Int, any Error>?, waiters: [CheckedContinuation<Int, any Error>])>(
        (nil, []))

    /// Records the bound port and wakes the waiters.
    func succeed(_ port: Int) { settle(.success(port)) }
    /// Records that listening failed (ignored once a port is known).
    func fail(_ error: any Error) { settle(.failure(error)) }

    private func settle(_ result: Result<Int, any Error>) {
        let waiters = state.withLock { s -> [CheckedContinuation<Int, any Error>] in
            guard s.result == nil else { return [] }
            s.result = result
            defer { s.waiters = [] }
            return s.waiters
        }
        for waiter in waiters { waiter.resume(with: result) }
    }

    /// The bound port, once known.
    func wait() async throws -> Int {
        try await withCheckedThrowingContinuation { continuation in
            let ready = state.withLock { s -> Result<Int, any Error>? in
                if let result = s.result { return result }
                s.waiters.append(continuation)
                return nil
            }
            if let ready { continuation.resume(with: ready) }
        }
    }
}
