import Foundation
import SluiceHTTP
import Testing

/// A deterministic generator (SplitMix64) so jitter is reproducible.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("RetryPolicy")
struct RetryPolicyTests {
    let policy = RetryPolicy()
    let now = Date(timeIntervalSince1970: 1_700_000_000)

    func delay(_ status: Int, _ headers: [String: String] = [:], attempt: Int = 1) -> Duration? {
        var random = SeededGenerator(state: 1)
        return policy.delay(
            forAttempt: attempt,
            response: HTTPResponse(status: status, headers: headers),
            error: nil,
            random: &random,
            now: now
        )
    }

    @Test(
        "408, 409, 429 and 5xx are retried; 2xx and other 4xx are not",
        arguments: [
            (408, true), (409, true), (429, true), (500, true), (502, true), (503, true), (599, true),
            (200, false), (204, false), (400, false), (401, false), (403, false), (404, false), (422, false),
        ]
    )
    func retryableStatuses(status: Int, retried: Bool) {
        #expect((delay(status) != nil) == retried)
    }

    @Test("retry-after-ms wins over Retry-After; seconds may be fractional")
    func serverDelays() {
        #expect(delay(429, ["retry-after-ms": "1500", "retry-after": "9"]) == .milliseconds(1500))
        #expect(delay(503, ["retry-after": "2"]) == .seconds(2))
        #expect(delay(503, ["retry-after": "0.25"]) == .milliseconds(250))
        #expect(delay(503, ["retry-after": "0"]) == .zero)
    }

    @Test("Retry-After as an HTTP date counts from now; a past date means no wait")
    func httpDate() {
        // 1_700_000_000 is Tue, 14 Nov 2023 22:13:20 GMT.
        #expect(delay(503, ["retry-after": "Tue, 14 Nov 2023 22:13:27 GMT"]) == .seconds(7))
        #expect(delay(503, ["retry-after": "Tuesday, 14-Nov-23 22:13:25 GMT"]) == .seconds(5))
        #expect(delay(503, ["retry-after": "Tue Nov 14 22:13:23 2023"]) == .seconds(3))
        #expect(delay(503, ["retry-after": "Tue, 14 Nov 2023 22:00:00 GMT"]) == .zero)
    }

    @Test("Server delays are capped at maxBackoff")
    func capped() {
        #expect(delay(429, ["retry-after": "3600"]) == .seconds(30))
        #expect(delay(429, ["retry-after-ms": "120000"]) == .seconds(30))
    }

    @Test("x-should-retry overrides the status rule")
    func shouldRetryHeader() {
        #expect(delay(503, ["x-should-retry": "false"]) == nil)
        #expect(delay(400, ["x-should-retry": "true", "retry-after": "1"]) == .seconds(1))
    }

    @Test("Attempts stop at maxAttempts")
    func attemptsRunOut() {
        #expect(delay(503, attempt: 4) != nil)
        #expect(delay(503, attempt: 5) == nil)
        var random = SeededGenerator(state: 7)
        let never = RetryPolicy.never.delay(
            forAttempt: 1,
            response: HTTPResponse(status: 503),
            error: nil,
            random: &random
        )
        #expect(never == nil)
    }

    @Test("Backoff is full jitter under an exponential ceiling capped at maxBackoff")
    func jitterBounds() {
        var random = SeededGenerator(state: 42)
        let policy = RetryPolicy(maxAttempts: 20, initialBackoff: .milliseconds(500), maxBackoff: .seconds(30))
        var sawBelowHalfCeiling = false
        for attempt in 1..<20 {
            let ceiling = min(Duration.seconds(30), .milliseconds(500) * (1 << min(attempt - 1, 10)))
            for _ in 0..<50 {
                let wait = policy.delay(
                    forAttempt: attempt,
                    response: HTTPResponse(status: 500),
                    error: nil,
                    random: &random
                )
                #expect(wait != nil)
                #expect(wait! >= .zero && wait! <= ceiling)
                if wait! < ceiling / 2 { sawBelowHalfCeiling = true }
            }
        }
        #expect(sawBelowHalfCeiling)
    }

    @Test("Transport failures are retried; cancellation, TLS, file and size errors are not")
    func errors() {
        var random = SeededGenerator(state: 3)
        for (code, retried) in [
            (HTTPError.Code.transport, true), (.timeout, true), (.connect, true), (.tls, false), (.cancelled, false),
            (.tooLarge, false), (.file, false), (.invalidRequest, false),
        ] {
            let error = HTTPError(code: code, message: "x", url: "http://127.0.0.1/")
            let wait = policy.delay(forAttempt: 1, response: nil, error: error, random: &random)
            #expect((wait != nil) == retried, "\(code)")
        }
    }
}
