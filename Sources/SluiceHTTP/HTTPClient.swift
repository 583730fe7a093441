import Foundation

/// An HTTP/1.1 and HTTP/2 client over libcurl; every transfer runs on a thread of its own.
///
/// `curl_easy_perform` blocks, so it never runs on the Swift concurrency pool: each transfer gets a
/// Foundation `Thread`, bridged back with a continuation. Idle easy handles are pooled so
/// keep-alive connections are reused. libcurl honours `http_proxy`, `HTTPS_PROXY`, `ALL_PROXY` and
/// `NO_PROXY` from the environment (it ignores upper-case `HTTP_PROXY`, a CGI safety rule).
public final class HTTPClient: Sendable {
    /// The settings every transfer of this client uses.
    public let configuration: HTTPClientConfiguration
    private let handles: EasyHandlePool

    /// Creates a client; libcurl is initialised process-wide on first use.
    public init(configuration: HTTPClientConfiguration = .init()) {
        self.configuration = configuration
        self.handles = EasyHandlePool(capacity: configuration.maxIdleHandles)
    }

    /// Initialises libcurl and ignores SIGPIPE for the whole process; idempotent.
    ///
    /// Call it early in `main`, before other threads start, as libcurl recommends. Clients also call
    /// it on their first transfer, so forgetting it costs nothing but that advice.
    public static func initializeProcess() throws(HTTPError) {
        if let failure = CurlRuntime.ensureInitialized() {
            throw HTTPError(code: .transport, message: failure, url: "")
        }
    }

    /// Performs one transfer. Non-2xx statuses are returned as responses, not thrown.
    ///
    /// Cancelling the calling task aborts the transfer within about a second (libcurl's progress
    /// callback cadence) and throws `http.cancelled`.
    public func execute(_ request: HTTPRequest) async throws(HTTPError) -> HTTPResponse {
        if let failure = CurlRuntime.ensureInitialized() {
            throw HTTPError(code: .transport, message: failure, url: request.url)
        }
        if Task.isCancelled {
            throw HTTPError(code: .cancelled, message: "the task was cancelled before the transfer", url: request.url)
        }
        let cancellation = CancellationFlag()
        let transfer = CurlTransfer(request: request, configuration: configuration, cancellation: cancellation)
        let handles = self.handles
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation {
                (continuation: CheckedContinuation<Result<HTTPResponse, HTTPError>, Never>) in
                let thread = Thread {
                    continuation.resume(returning: Self.run(transfer, handles: handles))
                }
                thread.name = "sluice-http"
                thread.start()
            }
        } onCancel: {
            cancellation.raise()
        }
        return try result.get()
    }

    /// Runs a transfer on a pooled handle; called on the transfer's own thread.
    private static func run(_ transfer: CurlTransfer, handles: EasyHandlePool) -> Result<HTTPResponse, HTTPError> {
        guard let handle = handles.take() else {
            return .failure(HTTPError(code: .transport, message: "curl_easy_init failed", url: transfer.request.url))
        }
        let result = transfer.run(on: handle)
        handles.giveBack(handle)
        return result
    }
}
