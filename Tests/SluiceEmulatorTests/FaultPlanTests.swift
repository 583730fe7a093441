import SluiceJSON
import Testing

@testable import SluiceEmulator

@Suite("Fault plans: parsing and the seeded choice")
struct FaultPlanTests {
    @Test("a spec parses into rates per kind, in any order and spacing; empty means none")
    func parses() throws {
        let plan = try FaultPlan(parsing: "http429=0.2,http5xx=0.02")
        #expect(plan.rates == [.http429: 0.2, .http5xx: 0.02])
        #expect(plan.retryAfterSeconds == 1)
        #expect(plan.description == "http429=0.2,http5xx=0.02")
        let reordered = try FaultPlan(parsing: " http5xx = 0.1 , http429=1e-1 ", retryAfterSeconds: 0.25)
        #expect(reordered.rates == [.http429: 0.1, .http5xx: 0.1])
        #expect(reordered.description == "http429=0.1,http5xx=0.1")
        #expect(reordered.retryAfterSeconds == 0.25)
        #expect(try FaultPlan(parsing: "").isEmpty)
        #expect(try FaultPlan(parsing: "http429=0").isEmpty, "a kind at rate 0 is left out")
        #expect(try FaultPlan(parsing: "http429=1").rates == [.http429: 1])
        #expect(try FaultPlan(parsing: "http429=0.7,http5xx=0.3").rates == [.http429: 0.7, .http5xx: 0.3])
    }

    @Test(
        "bad specs are refused with a stable code naming the bad part",
        arguments: [
            ("http430=0.1", "faults.unknown_kind", "http430=0.1"),
            ("http429=0.1,resets=0.1", "faults.unknown_kind", "resets=0.1"),
            ("http429=1.5", "faults.rate_out_of_range", "http429=1.5"),
            ("http5xx=-0.1", "faults.rate_out_of_range", "http5xx=-0.1"),
            ("http429=abc", "faults.bad_rate", "http429=abc"),
            ("http429=nan", "faults.bad_rate", "http429=nan"),
            ("http429=", "faults.bad_rate", "http429="),
            ("http429", "faults.syntax", "http429"),
            ("=0.5", "faults.syntax", "=0.5"),
            ("http429=0.2,", "faults.syntax", ""),
            ("http429=0.2,http429=0.3", "faults.duplicate_kind", "http429=0.3"),
            ("http429=0.7,http5xx=0.5", "faults.total_over_one", "http429=0.7,http5xx=0.5"),
        ])
    func refuses(spec: String, code: String, part: String) throws {
        let error = try #require(throws: FaultSpecError.self) { try FaultPlan(parsing: spec) }
        #expect(error.code == code)
        #expect(error.part == part)
        #expect(error.message.contains("'\(part)'"))
    }

    @Test("retry-after outside 0...3600 seconds is refused")
    func retryAfterBounds() throws {
        for bad in [-1, 3601, Double.nan, .infinity] {
            let error = try #require(throws: FaultSpecError.self) {
                try FaultPlan(parsing: "http429=1", retryAfterSeconds: bad)
            }
            #expect(error.code == "faults.bad_retry_after")
        }
        #expect(try FaultPlan(parsing: "http429=1", retryAfterSeconds: 0).retryAfterSeconds == 0)
    }

    @Test("over many calls each kind's share is close to its rate; same seed, same faults; another seed, others")
    func seededRates() throws {
        let plan = try FaultPlan(parsing: "http429=0.2,http5xx=0.02")
        let calls: ClosedRange<UInt64> = 1...20_000
        let draws = calls.map { plan.draw(seed: 7, call: $0)?.kind }
        let limited = draws.filter { $0 == .http429 }.count
        let failed = draws.filter { $0 == .http5xx }.count
        // Binomial standard deviations are 57 and 20: four of them either side.
        #expect(abs(limited - 4_000) < 230, "\(limited) 429s")
        #expect(abs(failed - 400) < 80, "\(failed) 5xx")
        #expect(draws == calls.map { plan.draw(seed: 7, call: $0)?.kind })
        let other = calls.map { plan.draw(seed: 8, call: $0)?.kind }
        #expect(other != draws)
        #expect(abs(other.filter { $0 == .http429 }.count - 4_000) < 230)
        let all = try FaultPlan(parsing: "http429=1")
        #expect(calls.allSatisfy { all.draw(seed: 7, call: $0)?.kind == .http429 })
        #expect(calls.allSatisfy { FaultPlan.none.draw(seed: 7, call: $0) == nil })
    }

    @Test("http5xx answers the real 500 and 503 envelopes, about half each, chosen by the seed")
    func serverErrors() throws {
        let plan = try FaultPlan(parsing: "http5xx=1")
        let statuses = (1...2_000 as ClosedRange<UInt64>).map { call -> Int in
            let draw = plan.draw(seed: 3, call: call)!
            return draw.kind.answer(model: "m", variant: draw.variant, retryAfterSeconds: 1).error.status
        }
        #expect(Set(statuses) == [500, 503])
        #expect(abs(statuses.filter { $0 == 503 }.count - 1_000) < 100)
        let overloaded = FaultKind.http5xx.answer(model: "m", variant: 1, retryAfterSeconds: 1)
        #expect(overloaded.headers.isEmpty)
        #expect(
            overloaded.error.envelope == [
                "error": [
                    "message": .string(
                        "That model is currently overloaded with other requests. You can retry your request, "
                            + "or contact us through our help center at help.openai.com if the error persists."),
                    "type": "server_error", "param": nil, "code": nil,
                ]
            ])
        #expect(
            FaultKind.http5xx.answer(model: "m", variant: 0, retryAfterSeconds: 1).error
                == DeterministicModel.serverError)
    }

    @Test("durations print as Retry-After seconds and Go durations")
    func durations() {
        #expect(FaultKind.decimal(1) == "1")
        #expect(FaultKind.decimal(0.25) == "0.25")
        #expect(FaultKind.decimal(2.5) == "2.5")
        #expect(FaultKind.decimal(0) == "0")
        #expect(FaultKind.goDuration(1) == "1s")
        #expect(FaultKind.goDuration(0.25) == "250ms")
        #expect(FaultKind.goDuration(1.5) == "1.5s")
        #expect(FaultKind.goDuration(90) == "1m30s")
        #expect(FaultKind.goDuration(120) == "2m0s")
        #expect(FaultKind.goDuration(0) == "0s")
    }
}
