/// The intake loop's deadlines, and when it must wake next.
///
/// The loop used to tick every 200 ms whatever happened; an idle daemon with ten pipelines then woke 5 times a
/// second to find nothing. Now it sleeps until the earliest deadline (or until the `Doorbell` rings: an inotify
/// event, a job ended), so how soon each thing is noticed is set by its own timer, not by a tick:
/// - `rescan`: every inbox listed (`settings.rescan`), also with inotify;
/// - `changeCheck`: the state database asked whether another process changed it (`sluice approve`, `cancel`,
///   `retry`, `flush`), every second, or every tick while a pipeline collects (a flush is then noticed as soon as
///   before: the collection sealer ran every tick);
/// - `heartbeat` and `purge`: their settings;
/// - and the deadlines of the moment: the earliest settling file, the next failed job's retry.
struct IntakeTimers {
    typealias Instant = ContinuousClock.Instant

    var rescan: Instant
    var changeCheck: Instant
    var heartbeat: Instant
    var purge: Instant

    /// The shortest sleep: a deadline that stays in the past (a bug) must not turn the loop into a busy loop.
    static let minimumWait: Duration = .milliseconds(10)

    init(now: Instant, heartbeat: Duration) {
        rescan = now
        changeCheck = now
        self.heartbeat = now + heartbeat
        purge = now
    }

    /// When to wake: the earliest of the timers and `deadlines` (nil ones ignored), at least `minimumWait` from
    /// `now`; with `tick` (`--once`, draining), never later than one tick from now.
    func nextWake(now: Instant, deadlines: [Instant?], tick: Duration? = nil) -> Instant {
        var earliest = [rescan, changeCheck, heartbeat, purge].min()!
        for case let deadline? in deadlines { earliest = min(earliest, deadline) }
        if let tick { earliest = min(earliest, now + tick) }
        return max(earliest, now + Self.minimumWait)
    }
}
