import Foundation
import Hummingbird
import Logging
internal import NIOCore
import Prometheus
import ServiceLifecycle
import SluiceCore
import SluiceJSON
import Synchronization

/// The daemon's HTTP endpoint for operators: `GET /metrics` (Prometheus text), `GET /healthz` (always open) and
/// `GET /status` (the JSON of `sluice status --json`).
///
/// The gauges that mirror the state are refreshed from the database on each scrape, so they are right from the
/// first scrape after a restart. With a token, everything but `/healthz` needs `Authorization: Bearer <token>`.
public struct OpsServer: Service {
    let endpoint: OpsEndpoint
    let paths: SluicePaths
    let registry: PrometheusCollectorRegistry
    let gauges: StateGauges
    let version: String
    let logger: Logger

    public init(
        endpoint: OpsEndpoint, paths: SluicePaths, registry: PrometheusCollectorRegistry, gauges: StateGauges,
        version: String, logger: Logger
    ) {
        self.endpoint = endpoint
        self.paths = paths
        self.registry = registry
        self.gauges = gauges
        self.version = version
        self.logger = logger
    }

    public func run() async throws {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: OpsAuthMiddleware(check: endpoint.auth))
        let started = ContinuousClock.now
        let version = self.version
        router.get("/healthz") { _, _ in
            let uptime = started.duration(to: .now).components.seconds
            return Response.json(["ok": true, "uptime_seconds": .int(Int(uptime)), "version": .string(version)])
        }
        let state = StateAccess(paths: paths)
        let (registry, gauges, paths, logger) = (self.registry, self.gauges, self.paths, self.logger)
        router.get("/metrics") { _, _ in
            if let store = try await state.store() {
                do {
                    gauges.record(try await Observation.load(store: store, paths: paths))
                } catch {
                    // A scrape still answers with the counters; the gauges keep their last values.
                    logger.warning("cannot refresh the gauges from the state", metadata: ["error": "\(error)"])
                }
            }
            var bytes: [UInt8] = []
            registry.emit(into: &bytes)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        router.get("/status") { _, _ in
            guard let store = try await state.store() else { return Response.json(StatusReport.emptyJSON) }
            let report = try await StatusReport.load(
                store: store, paths: paths, hours: StatusReport.defaultHours, limit: StatusReport.defaultLimit)
            return Response.json(report.json)
        }
        let address = endpoint.address
        var quiet = logger
        quiet.logLevel = .warning
        // Set once the endpoint listens: past that point it is an aid to operators, and its failing must not stop
        // the daemon (the files go on; the log says the endpoint is gone).
        let serving = Mutex(false)
        let app = Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname(endpoint.host, port: endpoint.port), serverName: nil),
            onServerRunning: { channel in
                serving.withLock { $0 = true }
                let port = channel.localAddress?.port ?? endpoint.port
                logger.notice(
                    "serving /metrics, /healthz and /status",
                    metadata: ["address": "\(OpsEndpoint.text(host: endpoint.host, port: port))",
                        "token": "\(endpoint.auth.required ? "required" : "none")"])
            },
            logger: quiet)
        do {
            // `run()`, not `runService()`: the latter makes a service group of its own that also catches SIGTERM,
            // stops the server first and so looks to the daemon's group like a service that quit (exit 1).
            try await app.run()
        } catch {
            if Task.isShuttingDownGracefully {
                // Hummingbird can report a connection cut off by the shutdown itself; the daemon is stopping anyway.
                logger.debug("metrics endpoint closed while stopping", metadata: ["error": "\(error)"])
                return
            }
            if serving.withLock({ $0 }) {
                logger.error(
                    "metrics endpoint failed; the daemon goes on without it until restarted",
                    metadata: ["address": "\(address)", "error": "\(error)"])
                try await gracefulShutdown()
                return
            }
            let errno = (error as? IOError)?.errnoCode
            let inUse = errno == EADDRINUSE || "\(error)".contains("Address already in use")
            if inUse && endpoint.isDefault {
                // Nobody asked for this address: another root's daemon on this machine has it. Run without one.
                logger.warning(
                    """
                    metrics endpoint not served: the default address is in use (set metrics.address in sluice.yaml \
                    or --metrics-address to serve elsewhere, or metrics: off)
                    """,
                    metadata: ["address": "\(address)"])
                try await gracefulShutdown()
                return
            }
            if inUse {
                throw OpsError(
                    code: "ops.address_in_use",
                    message: "cannot serve metrics on \(address): the address is in use (another sluice run? "
                        + "set metrics.address in sluice.yaml or --metrics-address)")
            }
            if errno == EADDRNOTAVAIL {
                throw OpsError(
                    code: "ops.address_unavailable",
                    message: "cannot serve metrics on \(address): no local interface has that address")
            }
            throw error
        }
    }
}

/// The state database, opened once it exists (the daemon creates it when it starts).
actor StateAccess {
    let paths: SluicePaths
    private var opened: StateStore?

    init(paths: SluicePaths) { self.paths = paths }

    func store() throws -> StateStore? {
        if let opened { return opened }
        guard FileManager.default.fileExists(atPath: paths.database) else { return nil }
        opened = try StateStore(path: paths.database)
        return opened
    }
}

/// Refuses requests without the bearer token (when one is configured) with 401 and a JSON error; `/healthz`
/// stays open so a load balancer or systemd check needs no secret.
struct OpsAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let check: BearerCheck

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        if request.uri.path == "/healthz" || check.allows(authorization: request.headers[.authorization]) {
            return try await next(request, context)
        }
        var response = Response.json(
            ["error": ["code": "unauthorized", "message": "send Authorization: Bearer <token> (metrics.token_env)"]],
            status: .unauthorized)
        response.headers[.wwwAuthenticate] = "Bearer"
        return response
    }
}

extension Response {
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: JSONWriter.bytes(value))))
    }
}
