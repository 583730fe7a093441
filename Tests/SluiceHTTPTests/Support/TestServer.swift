import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// A running test server on 127.0.0.1 with an ephemeral port.
struct TestServer: Sendable {
    let port: Int
    /// What the server saw.
    let probe: ServerProbe

    var baseURL: String { "http://127.0.0.1:\(port)" }
}

/// Which canned routes a test server serves.
enum TestRoutes: Sendable {
    /// Routes for the HTTP client tests.
    case http
    /// A few OpenAI Files + Batches routes.
    case openAIStub
    /// A few Anthropic Message Batches routes.
    case anthropicStub
}

/// Runs a Hummingbird server on 127.0.0.1:0 for the duration of `body`, then stops it.
func withTestServer<Result: Sendable>(
    _ routes: TestRoutes,
    _ body: (TestServer) async throws -> Result
) async throws -> Result {
    let probe = ServerProbe()
    let router = Router(context: TestRequestContext.self)
    switch routes {
    case .http: HTTPTestRoutes.add(to: router, probe: probe)
    case .openAIStub: OpenAIStubRoutes.add(to: router, probe: probe)
    case .anthropicStub: AnthropicStubRoutes.add(to: router, probe: probe)
    }
    let (ports, portSink) = AsyncStream<Int>.makeStream()
    var logger = Logger(label: "sluice-http-test-server")
    logger.logLevel = .critical
    let app = Application(
        router: router,
        configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { channel in
            portSink.yield(channel.localAddress?.port ?? 0)
            portSink.finish()
        },
        logger: logger
    )
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
            defer { portSink.finish() }  // a server that fails to start must not leave the test waiting
            try await app.run()
        }
        defer { group.cancelAll() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            try await group.next()
            throw TestServerError(message: "the test server did not start")
        }
        return try await body(TestServer(port: port, probe: probe))
    }
}

/// A request context that also knows the client's TCP port, to observe connection reuse.
struct TestRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The peer's port; the same port on two requests means one kept-alive connection.
    let peerPort: Int?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        peerPort = source.channel.remoteAddress?.port
    }
}

/// The test server could not be started.
struct TestServerError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

extension Response {
    /// A response with a JSON body and optional extra headers.
    static func json(_ text: String, status: HTTPResponse.Status = .ok, headers: [(String, String)] = []) -> Response {
        var fields = HTTPFields()
        fields[.contentType] = "application/json"
        for (name, value) in headers {
            fields.append(HTTPField(name: HTTPField.Name(name)!, value: value))
        }
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
