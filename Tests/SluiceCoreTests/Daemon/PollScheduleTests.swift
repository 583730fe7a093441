import Testing

@testable import SluiceCore

/// `PollSchedule` against the straightforward schedule it refines (grow 1.5× from initial to max, ±20% jitter),
/// on random settings: the same waits while growing, exactly `max` at the cap, never more than one poll per `max`.
@Suite struct PollScheduleTests {
    @Test(arguments: 0..<200) func agreesWithTheJitteredBackoffWhileGrowingAndHoldsTheCap(seed: Int) {
        var random = SeededGenerator(state: UInt64(seed))
        let initial = Duration.milliseconds(Int64.random(in: 100...60_000, using: &random))
        let max = Duration.milliseconds(Int64.random(in: 1_000...1_200_000, using: &random))
        var schedule = PollSchedule(initial: initial, max: max)
        var straightforward = min(initial, max)  // the ceiling of the wait before jitter, as `Backoff` grows it
        var waits: [Duration] = []
        for _ in 0..<60 {
            let wait = schedule.next(using: &random)
            if straightforward >= max {
                #expect(wait == max)
            } else {
                #expect(wait >= straightforward * 0.8 && wait <= min(straightforward * 1.2, max))
            }
            straightforward = min(straightforward * PollSchedule.factor, max)
            waits.append(wait)
        }
        // At most one poll per `max` once the schedule is there: any run of n waits at the cap spans n × max.
        #expect(waits.suffix(10).allSatisfy { $0 == max })
        #expect(waits.allSatisfy { $0 <= max })
    }
}
