import Foundation
import Logging
import ServiceLifecycle

/// Sends the webhooks recorded in the `notification` table: each pending row whose next attempt has come is
/// POSTed, signed at send time; a 2xx marks it delivered, anything else schedules a retry with backoff, and a
/// delivery failing past `give_up_after` is abandoned.
///
/// Every outcome is recorded right after the POST. On graceful shutdown the courier stops between deliveries,
/// so a POST under way finishes and is recorded; one cut off by cancellation is not recorded and goes again on
/// the next start with the same delivery id and body (receivers dedupe by id).
public final class NotificationCourier: Service, Sendable {
    let store: StateStore
    let sender: any WebhookSender
    let backoff: WebhookBackoff
    let secret: @Sendable (String) -> String?
    let logger: Logger
    let clock: any Clock<Duration>
    let wallClock: @Sendable () -> Date
    let jitter: @Sendable () -> Double

    /// How long an attempt holds its delivery: longer than a POST may take (`HTTPWebhookSender`: 15 s in all).
    static let lease: TimeInterval = 60

    /// The longest the courier sleeps with nothing due: how soon a newly enqueued delivery goes out.
    static let idlePoll: Duration = .milliseconds(500)

    public init(
        store: StateStore, sender: any WebhookSender, settings: WebhookSettings, logger: Logger,
        secret: @escaping @Sendable (String) -> String? = { ProcessInfo.processInfo.environment[$0] },
        clock: any Clock<Duration> = ContinuousClock(), wallClock: @escaping @Sendable () -> Date = { Date() },
        jitter: @escaping @Sendable () -> Double = { Double.random(in: 0...1) }
    ) {
        self.store = store
        self.sender = sender
        self.backoff = WebhookBackoff(settings)
        self.secret = secret
        self.logger = logger
        self.clock = clock
        self.wallClock = wallClock
        self.jitter = jitter
    }

    public func run() async throws {
        do {
            // The environment is fixed for a process's life: a secret missing before may be set now.
            try await store.retryMissingSecrets(now: wallClock())
        } catch {
            logger.error("webhook courier: cannot read deliveries", metadata: ["error": "\(error)"])
        }
        var seen: StateChangeToken?
        var next: Date?
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                // Deliveries are rows: with nothing committed since the last look and no attempt due, there is
                // nothing to send, so an idle courier reads two counters instead of the table.
                let changes = try await store.changeToken()
                if changes != seen || next.map({ $0 <= wallClock() }) == true {
                    seen = changes
                    try await sendDue(dropIDs: nil)
                    next = try await store.nextNotificationAttempt(dropIDs: nil)
                }
                let wait = Self.wait(until: next, now: wallClock(), cap: Self.idlePoll)
                try await cancelWhenGracefulShutdown { try await self.clock.sleep(for: wait) }
            } catch is CancellationError {
                return
            } catch {
                logger.error("webhook courier: cannot read or record deliveries", metadata: ["error": "\(error)"])
                try? await cancelWhenGracefulShutdown { try await self.clock.sleep(for: .seconds(5)) }
            }
        }
    }

    /// Delivers the pending rows of `dropIDs` (all when nil) until none is left or the next attempt would come
    /// after `budget` from now. Returns how many stay pending (for `sluice process` and `run --once`).
    public func drain(dropIDs: [Int64]?, within budget: Duration) async throws -> Int {
        let deadline = wallClock().addingTimeInterval(Self.seconds(budget))
        while true {
            try await sendDue(dropIDs: dropIDs)
            guard let next = try await store.nextNotificationAttempt(dropIDs: dropIDs) else { return 0 }
            let wait = Self.duration(next.timeIntervalSince(wallClock()))
            if next > deadline {
                return try await store.pendingNotificationCount(dropIDs: dropIDs)
            }
            if wait > .zero { try await clock.sleep(for: wait) }
        }
    }

    /// One attempt for every due row, oldest first; stops between rows on shutdown.
    func sendDue(dropIDs: [Int64]?) async throws {
        while true {
            let due = try await store.dueNotifications(now: wallClock(), dropIDs: dropIDs)
            if due.isEmpty { return }
            for notification in due {
                if Task.isShuttingDownGracefully { return }
                try Task.checkCancellation()
                try await attempt(notification)
            }
        }
    }

    /// POSTs one delivery and records what came of it.
    func attempt(_ notification: NotificationRecord) async throws {
        var n = notification
        var log = logger
        log[metadataKey: "delivery"] = "\(n.deliveryID)"
        log[metadataKey: "event"] = "\(n.event.rawValue)"
        log[metadataKey: "pipeline"] = "\(n.pipeline)"
        log[metadataKey: "url"] = "\(NotifyURL.redacted(n.url))"
        if let drop = n.dropID { log[metadataKey: "drop"] = "\(drop)" }
        guard let secret = secret(n.secretEnv), !secret.isEmpty else {
            // Nothing was sent, so no attempt is spent and the delivery is not abandoned: it waits for the operator.
            n.lastError = NotificationRecord.secretMissing
                + ": the environment variable \(n.secretEnv) (notify.secret_env) is not set for sluice; the webhook "
                + "stays pending until it is (a restarted `sluice run` tries it at once)"
            n.nextAttemptAt = wallClock().addingTimeInterval(Self.seconds(backoff.settings.maxBackoff))
            log.error("webhook not sent: its signing secret is missing", metadata: ["error": "\(n.lastError!)"])
            try await store.saveNotification(n)
            return
        }
        // One sender per attempt, even with the daemon and `sluice process` both running.
        guard try await store.leaseNotification(n, until: wallClock().addingTimeInterval(Self.lease)) else { return }
        let body = Array(n.body.utf8)
        let timestamp = Int64(wallClock().timeIntervalSince1970)
        let headers: [(name: String, value: String)] = [
            ("Content-Type", "application/json"), ("Sluice-Delivery", n.deliveryID), ("Sluice-Event", n.event.rawValue),
            ("Sluice-Signature", WebhookSignature.header(secret: secret, timestamp: timestamp, body: body)),
        ]
        let failure: String
        do {
            let status = try await sender.post(url: n.url, headers: headers, body: body)
            n.attempts += 1
            n.lastStatus = status
            if (200..<300).contains(status) {
                n.state = .delivered
                n.deliveredAt = wallClock()
                n.lastError = nil
                try await store.saveNotification(n)
                log.info("webhook delivered", metadata: ["attempts": "\(n.attempts)", "status": "\(status)"])
                return
            }
            failure = "HTTP \(status)"
        } catch is CancellationError {
            return  // unrecorded on purpose: sent again, same id, on the next start
        } catch {
            n.attempts += 1
            n.lastStatus = nil
            failure = "\(error)"
        }
        n.lastError = failure
        let now = wallClock()
        if now.timeIntervalSince(n.createdAt) >= Self.seconds(backoff.settings.giveUpAfter) {
            n.state = .abandoned
            try await store.saveNotification(n)
            log.error(
                "webhook abandoned: still failing after webhooks.give_up_after",
                metadata: ["attempts": "\(n.attempts)", "error": "\(failure)"])
            return
        }
        let delay = backoff.delay(afterAttempts: n.attempts, jitter: jitter())
        n.nextAttemptAt = now.addingTimeInterval(Self.seconds(delay))
        try await store.saveNotification(n)
        log.warning(
            "webhook failed; retrying", metadata: ["attempts": "\(n.attempts)", "error": "\(failure)", "in": "\(delay)"])
    }

    /// How long to sleep: until the next pending attempt, at most `cap`.
    static func wait(until next: Date?, now: Date, cap: Duration) -> Duration {
        guard let next else { return cap }
        return min(cap, max(.milliseconds(10), duration(next.timeIntervalSince(now))))
    }

    static func seconds(_ d: Duration) -> TimeInterval {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    static func duration(_ seconds: TimeInterval) -> Duration {
        seconds <= 0 ? .zero : .milliseconds(Int64((seconds * 1000).rounded(.up)))
    }
}
