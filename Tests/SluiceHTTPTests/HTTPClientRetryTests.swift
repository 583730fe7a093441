import Foundation
import InMemoryLogging
import Logging
import SluiceHTTP
import Testing

@Suite("HTTPClient retries")
struct HTTPClientRetryTests {
    let client = HTTPClient()

    @Test("503 twice with Retry-After: 2, then 200: two 2 s sleeps, three requests")
    func retryAfterHonoured() async throws {
        try await withTestServer(.http) { server in
            let clock = RecordingClock()
            let response = try await client.execute(
                HTTPRequest(url: "\(server.baseURL)/flaky"),
                retry: RetryPolicy(),
                clock: clock,
                logger: nil
            )
            #expect(response.status == 200)
            #expect(clock.sleeps == [.seconds(2), .seconds(2)])
            #expect(server.probe.hits("flaky") == 3)
        }
    }

    @Test("429 with retry-after-ms: 1500 waits exactly 1.5 s")
    func retryAfterMilliseconds() async throws {
        try await withTestServer(.http) { server in
            let clock = RecordingClock()
            let response = try await client.execute(
                HTTPRequest(url: "\(server.baseURL)/rate-limited"),
                retry: RetryPolicy(),
                clock: clock,
                logger: nil
            )
            #expect(response.status == 200)
            #expect(clock.sleeps == [.milliseconds(1500)])
            #expect(server.probe.hits("rate-limited") == 2)
        }
    }

    @Test("400 is returned at once, without retry")
    func noRetryOnBadRequest() async throws {
        try await withTestServer(.http) { server in
            let clock = RecordingClock()
            let response = try await client.execute(
                HTTPRequest(url: "\(server.baseURL)/bad-request"),
                retry: RetryPolicy(),
                clock: clock,
                logger: nil
            )
            #expect(response.status == 400)
            #expect(clock.sleeps.isEmpty)
            #expect(server.probe.hits("bad-request") == 1)
        }
    }

    @Test("x-should-retry: false stops retries of a 503")
    func shouldRetryFalse() async throws {
        try await withTestServer(.http) { server in
            let clock = RecordingClock()
            let response = try await client.execute(
                HTTPRequest(url: "\(server.baseURL)/no-retry-header"),
                retry: RetryPolicy(),
                clock: clock
            )
            #expect(response.status == 503)
            #expect(server.probe.hits("no-retry-header") == 1)
        }
    }

    @Test("A persistent 503 is retried maxAttempts times with capped jittered waits, then returned")
    func attemptsExhausted() async throws {
        try await withTestServer(.http) { server in
            let clock = RecordingClock()
            let policy = RetryPolicy(maxAttempts: 4, initialBackoff: .milliseconds(100), maxBackoff: .milliseconds(250))
            let response = try await client.execute(
                HTTPRequest(url: "\(server.baseURL)/unavailable"),
                retry: policy,
                clock: clock
            )
            #expect(response.status == 503)
            #expect(server.probe.hits("unavailable") == 4)
            let caps: [Duration] = [.milliseconds(100), .milliseconds(200), .milliseconds(250)]
            #expect(clock.sleeps.count == 3)
            for (wait, cap) in zip(clock.sleeps, caps) { #expect(wait >= .zero && wait <= cap) }
        }
    }

    @Test("Transport failures are retried, then the last error is thrown; logs carry no secrets")
    func transportRetried() async throws {
        let logs = InMemoryLogHandler()
        let logger = Logger(label: "test", factory: { _ in logs })
        let clock = RecordingClock()
        let request = HTTPRequest(
            url: "http://127.0.0.1:1/v1/batches",
            headers: [HTTPHeader("Authorization", "Bearer sk-topsecret")]
        )
        let error = await #expect(throws: HTTPError.self) {
            try await client.execute(request, retry: RetryPolicy(maxAttempts: 3), clock: clock, logger: logger)
        }
        #expect(error?.code == .connect)
        #expect(clock.sleeps.count == 2)
        #expect(logs.entries.count == 2)
        let text = logs.entries.map { "\($0.message) \($0.metadata)" }.joined(separator: "\n")
        #expect(text.contains("http.connect"))
        #expect(!text.contains("sk-topsecret"))
    }
}
