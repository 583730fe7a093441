import Foundation
import SluiceTesting
import Testing

@testable import SluiceCore

/// The idle daemon: the intake loop's next wake-up, its doorbell, and the state database's change token.
@Suite struct IdleLoopTests {
    typealias Instant = ContinuousClock.Instant

    @Test func theLoopWakesAtTheEarliestTimerOrDeadline() {
        let now = ContinuousClock.now
        var timers = IntakeTimers(now: now, heartbeat: .seconds(60))
        timers.rescan = now + .seconds(10)
        timers.changeCheck = now + .seconds(1)
        timers.purge = now + .seconds(3600)
        #expect(timers.nextWake(now: now, deadlines: []) == now + .seconds(1))
        #expect(timers.nextWake(now: now, deadlines: [nil, now + .milliseconds(300)]) == now + .milliseconds(300))
        #expect(timers.nextWake(now: now, deadlines: [now + .seconds(5)]) == now + .seconds(1))
        // --once looks every tick whatever the timers say.
        #expect(timers.nextWake(now: now, deadlines: [], tick: .milliseconds(200)) == now + .milliseconds(200))
        timers.changeCheck = now + .seconds(20)
        #expect(timers.nextWake(now: now, deadlines: []) == now + .seconds(10))
    }

    @Test func aDeadlineInThePastNeverMakesABusyLoop() {
        let now = ContinuousClock.now
        let timers = IntakeTimers(now: now - .seconds(5), heartbeat: .zero)
        #expect(timers.nextWake(now: now, deadlines: [now - .seconds(1)]) == now + IntakeTimers.minimumWait)
    }

    @Test func aFreshLoopDoesEverythingAtOnceButTheHeartbeat() {
        let now = ContinuousClock.now
        let timers = IntakeTimers(now: now, heartbeat: .seconds(60))
        #expect(timers.rescan == now && timers.changeCheck == now && timers.purge == now)
        #expect(timers.heartbeat == now + .seconds(60))
    }

    @Test(.timeLimit(.minutes(1))) func aRingBeforeTheWaitEndsItAtOnce() async {
        let bell = Doorbell()
        bell.ring()
        bell.ring()
        // Far deadline: only the ring can end this wait (the time limit fails the test otherwise).
        await bell.wait(until: .now + .seconds(3600))
    }

    @Test(.timeLimit(.minutes(1))) func aRingDuringTheWaitEndsIt() async {
        let bell = Doorbell()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await bell.wait(until: .now + .seconds(3600)) }
            // Before or after the waiter suspends: a ring before it waits is kept for it.
            group.addTask { bell.ring() }
            await group.waitForAll()
        }
    }

    @Test func aWaitReachesItsDeadlineWithoutARing() async {
        let bell = Doorbell()
        let deadline = ContinuousClock.now + .milliseconds(20)
        await bell.wait(until: deadline)
        #expect(ContinuousClock.now >= deadline)
    }

    static func drop(_ name: String) -> DropRecord {
        DropRecord(
            key: DropRecord.newKey(), origin: .inbox, pipeline: "tickets", sourceName: name, sourcePath: "/x/" + name,
            sha256: "h", bytes: 1, specSHA256: "s", specText: nil, receivedAt: Date())
    }

    @Test func theChangeTokenMovesOnlyOnACommitByEitherConnection() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir + "/state.sqlite"
            let daemon = try StateStore(path: path)
            let first = try await daemon.changeToken()
            _ = try await daemon.drops(limit: 10)
            #expect(try await daemon.changeToken() == first)

            // The daemon's own job commits.
            _ = try await daemon.insertDrop(Self.drop("a.csv"))
            let local = try await daemon.changeToken()
            #expect(local != first)
            #expect(try await daemon.changeToken() == local)

            // A CLI command (another connection) commits: `sluice flush`.
            let cli = try StateStore(path: path)
            #expect(try await cli.requestFlush(pipeline: "tickets") == 0)
            #expect(try await daemon.changeToken() == local)
            _ = try await cli.insertDrop(Self.drop("b.csv"))
            #expect(try await daemon.changeToken() != local)
        }
    }
}
