import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// A stand-in for a self-hosted OpenAI-compatible server (vLLM, llama.cpp): `POST /v1/chat/completions`
/// answering a fixed schema-valid object, turning away every `rejectEvery`-th call with 429 and
/// `retry-after: 1`, and recording when each call arrived.
final class RealtimeStub: Sendable {
    let rejectEvery: Int
    private let state = Mutex<(arrivals: [ContinuousClock.Instant], answered: Int, rejected: Int)>(([], 0, 0))

    init(rejectEvery: Int) {
        self.rejectEvery = rejectEvery
    }

    var answered: Int { state.withLock { $0.answered } }
    var rejected: Int { state.withLock { $0.rejected } }

    /// The most calls that arrived within any window of `window`.
    func maxArrivals(within window: Duration) -> Int {
        let times = state.withLock { $0.arrivals }.sorted()
        var best = 0
        var start = 0
        for end in times.indices {
            while times[end] - times[start] >= window { start += 1 }
            best = max(best, end - start + 1)
        }
        return best
    }

    func handle() -> Response {
        let reject = state.withLock { s -> Bool in
            s.arrivals.append(.now)
            let reject = rejectEvery > 0 && s.arrivals.count % rejectEvery == 0
            if reject { s.rejected += 1 } else { s.answered += 1 }
            return reject
        }
        if reject {
            let body = #"{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}"#
            return Response(
                status: .tooManyRequests, headers: [.contentType: "application/json", .retryAfter: "1"],
                body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        let content = #"{\"category\":\"billing\",\"urgency\":2}"#
        let body = #"{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"local-llama","choices":[{"index":0,"message":{"role":"assistant","content":"\#(content)"},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":9,"total_tokens":21}}"#
        return Response(
            status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// Serves on 127.0.0.1 with an ephemeral port while `body` runs.
    func serving<T: Sendable>(_ body: @Sendable (Int) async throws -> T) async throws -> T {
        let router = Router()
        router.post("/v1/chat/completions") { _, _ in self.handle() }
        let (ports, sink) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "realtime-stub")
        logger.logLevel = .critical
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                sink.yield(channel.localAddress?.port ?? 0)
                sink.finish()
            }, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer { sink.finish() }
                try await app.run()
            }
            defer { group.cancelAll() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next(), port > 0 else { throw CancellationError() }
            return try await body(port)
        }
    }
}
