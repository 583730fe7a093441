import Foundation
import Testing

@testable import SluiceCore

/// The Stripe-style signature a receiver checks, against a value computed independently (Python's hmac module).
@Suite struct WebhookSignatureTests {
    let body = Array(#"{"a":1}"#.utf8)

    @Test func theHeaderIsTimestampAndHexHMACOfTimestampDotBody() {
        // python3 -c 'import hmac,hashlib; print(hmac.new(b"whsec_test", b"1796090000.{\"a\":1}", hashlib.sha256).hexdigest())'
        #expect(
            WebhookSignature.header(secret: "whsec_test", timestamp: 1_796_090_000, body: body)
                == "t=1796090000,v1=c6551426ad129e746ffe4265350cc6db36974cb33692984acd05f6864fadd2d2")
    }

    @Test func verificationFailsForAnotherBodySecretOrTimestamp() {
        let header = WebhookSignature.header(secret: "s1", timestamp: 100, body: body)
        #expect(WebhookSignature.verify(header: header, secret: "s1", body: body))
        #expect(!WebhookSignature.verify(header: header, secret: "s2", body: body))
        #expect(!WebhookSignature.verify(header: header, secret: "s1", body: Array(#"{"a":2}"#.utf8)))
        let moved = header.replacingOccurrences(of: "t=100", with: "t=101")
        #expect(!WebhookSignature.verify(header: moved, secret: "s1", body: body))
    }
}

/// Exponential backoff with equal jitter, capped.
@Suite struct WebhookBackoffTests {
    @Test func delaysDoubleFromInitialUpToMaxAndJitterTakesAtMostHalf() {
        let backoff = WebhookBackoff(
            WebhookSettings(initialBackoff: .seconds(5), maxBackoff: .seconds(600), giveUpAfter: .seconds(86_400)))
        let full = (1...10).map { backoff.delay(afterAttempts: $0, jitter: 1) }
        #expect(full == [5, 10, 20, 40, 80, 160, 320, 600, 600, 600].map { Duration.seconds($0) })
        let least = (1...3).map { backoff.delay(afterAttempts: $0, jitter: 0) }
        #expect(least == [.milliseconds(2500), .seconds(5), .seconds(10)])
        #expect(backoff.delay(afterAttempts: 2, jitter: 0.5) == .milliseconds(7500))
        // Far past the cap nothing overflows.
        #expect(backoff.delay(afterAttempts: 10_000, jitter: 1) == .seconds(600))
    }
}
